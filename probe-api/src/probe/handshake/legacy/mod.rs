//! Hand-built ClientHellos for SSL 3.0, TLS 1.0, TLS 1.1 and legacy TLS 1.2, and the reading of
//! the server's answer.
//!
//! rustls offers no version before TLS 1.2 and no CBC, RSA-key-exchange or 3DES suite, so this
//! module speaks just enough TLS to learn whether a server *would* negotiate them: it sends one
//! ClientHello ([`hello`]; layout in `docs/tls-probing.md`), reads the server's first flight up to
//! the Certificate message (sent in clear before TLS 1.3; [`flight`]), and classifies the answer
//! (here). It never finishes a handshake and never carries data, so it needs no cryptography. So
//! that every [`TlsVersion`] has a hello, TLS 1.3 gets a raw probe as well; the engine still uses
//! rustls for it.
//!
//! Records and handshake messages are parsed with rusticata's `tls-parser`; [`flight`] only
//! reassembles handshake messages that span records and caps what it reads.
//! [`parse_server_flight`] is pure and fuzzed (`fuzz/fuzz_targets/legacy_server_flight.rs`). The
//! stream handed to [`handshake`] is already open, past any STARTTLS dialog.

mod flight;
mod hello;
#[cfg(test)]
mod tests;

use std::io;
use std::time::Duration;

use rustls::pki_types::CertificateDer;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::time::{Instant, timeout_at};

use mailtls_shared::{Outcome, Reason, TlsVersion};

use super::tls::Handshake;

pub use self::flight::{Alert, Flight, FlightReader, Malformed, ServerHello, parse_server_flight};
pub use self::hello::client_hello;
pub(crate) use self::hello::{random, suite_name, wire_version};

use self::flight::{READ_CAP, version_name};
use self::hello::offered_suites;

/// Why reading the answer stopped.
#[derive(Debug)]
pub enum ReadEnd {
    /// The flight said all this probe needs.
    Enough,
    /// [`READ_CAP`] bytes arrived.
    Cap,
    /// The server closed or reset the connection.
    Closed,
    Timeout,
    Failed(io::Error),
}

/// Why a ClientHello could not be sent.
#[derive(Debug)]
pub enum SendFailure {
    /// The server closed the connection first.
    Closed,
    Failed(io::Error),
    Timeout,
}

/// What came back for one ClientHello.
#[derive(Debug)]
pub struct Answer {
    pub flight: Flight,
    /// A warning alert that came before any ServerHello.
    pub warning: Option<Alert>,
    pub end: ReadEnd,
    /// Bytes read.
    pub received: usize,
}

/// Sends the ClientHello for `version` on `stream` and classifies the answer. Writing and every
/// read share `deadline`; at most 64 KiB are read. The stream is left mid-handshake: the caller
/// drops it.
pub async fn handshake<S: AsyncRead + AsyncWrite + Unpin>(
    stream: &mut S,
    version: TlsVersion,
    server_name: Option<&str>,
    deadline: Duration,
) -> Handshake {
    let hello = client_hello(version, server_name, random());
    match exchange(stream, &hello, FlightReader::default(), deadline).await {
        Ok(answer) => classify(version, answer, deadline),
        Err(SendFailure::Closed) => Handshake::failed(
            Outcome::Rejected,
            Reason::Closed,
            "server closed the connection before the ClientHello was sent",
        ),
        Err(SendFailure::Failed(error)) => Handshake::failed(
            Outcome::Inconclusive,
            Reason::Network,
            format!("cannot send the ClientHello: {error}"),
        ),
        Err(SendFailure::Timeout) => Handshake::failed(
            Outcome::Inconclusive,
            Reason::Timeout,
            format!(
                "could not send the ClientHello within {}",
                humantime::format_duration(deadline)
            ),
        ),
    }
}

/// Sends `hello` (a whole record) and reads the server's first flight with `reader` until it has
/// said enough, the server stops, 64 KiB arrived or `deadline` passed.
pub async fn exchange<S: AsyncRead + AsyncWrite + Unpin>(
    stream: &mut S,
    hello: &[u8],
    mut reader: FlightReader,
    deadline: Duration,
) -> Result<Answer, SendFailure> {
    let until = Instant::now() + deadline;
    let sent = async {
        stream.write_all(hello).await?;
        stream.flush().await
    };
    match timeout_at(until, sent).await {
        Ok(Ok(())) => {}
        Ok(Err(error)) if is_closed(&error) => return Err(SendFailure::Closed),
        Ok(Err(error)) => return Err(SendFailure::Failed(error)),
        Err(_) => return Err(SendFailure::Timeout),
    }
    let mut chunk = vec![0; 16 * 1024];
    let mut received = 0;
    let end = loop {
        if !reader.wants_more() {
            break ReadEnd::Enough;
        }
        let room = READ_CAP.saturating_sub(received).min(chunk.len());
        let Some(window) = chunk.get_mut(..room).filter(|window| !window.is_empty()) else {
            break ReadEnd::Cap;
        };
        match timeout_at(until, stream.read(window)).await {
            Err(_) => break ReadEnd::Timeout,
            Ok(Ok(0)) => break ReadEnd::Closed,
            Ok(Ok(n)) => {
                received += n;
                reader.feed(window.get(..n).unwrap_or_default());
            }
            Ok(Err(error)) if is_closed(&error) => break ReadEnd::Closed,
            Ok(Err(error)) => break ReadEnd::Failed(error),
        }
    };
    let warning = reader.progress.warning;
    Ok(Answer {
        flight: reader.into_flight(),
        warning,
        end,
        received,
    })
}

fn is_closed(error: &io::Error) -> bool {
    matches!(
        error.kind(),
        io::ErrorKind::UnexpectedEof
            | io::ErrorKind::ConnectionReset
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::BrokenPipe
    )
}

/// Turns what was read into a verdict for `version` (`docs/tls-probing.md`, "Classifying the
/// answer").
fn classify(version: TlsVersion, answer: Answer, deadline: Duration) -> Handshake {
    let Answer {
        flight,
        warning,
        end,
        received,
    } = answer;
    match flight {
        Flight::ServerHello(hello) => classify_hello(version, hello),
        Flight::Alert(alert) => Handshake::failed(
            Outcome::Rejected,
            Reason::Alert,
            format!("server sent alert {}", alert.name()),
        ),
        Flight::NotTls { start } => Handshake {
            greeting: Some(start.clone()),
            ..Handshake::failed(
                Outcome::Inconclusive,
                Reason::ProtocolViolation,
                format!("server did not answer with TLS: \"{start}\""),
            )
        },
        Flight::Malformed(why) => Handshake::failed(
            Outcome::Inconclusive,
            Reason::ProtocolViolation,
            format!("server sent malformed TLS: {why}"),
        ),
        Flight::NeedMore => match end {
            ReadEnd::Closed => match warning {
                Some(alert) => Handshake::failed(
                    Outcome::Rejected,
                    Reason::Alert,
                    format!(
                        "server sent alert {} (warning) and closed the connection",
                        alert.name()
                    ),
                ),
                None if received == 0 => Handshake::failed(
                    Outcome::Rejected,
                    Reason::Closed,
                    "server closed the connection without answering the ClientHello",
                ),
                None => Handshake::failed(
                    Outcome::Inconclusive,
                    Reason::ProtocolViolation,
                    format!(
                        "server closed the connection after {received} bytes, before a complete ServerHello"
                    ),
                ),
            },
            ReadEnd::Timeout if received == 0 => Handshake::failed(
                Outcome::Inconclusive,
                Reason::Timeout,
                format!(
                    "no answer to the ClientHello within {}",
                    humantime::format_duration(deadline)
                ),
            ),
            ReadEnd::Timeout => Handshake::failed(
                Outcome::Inconclusive,
                Reason::Timeout,
                format!(
                    "no complete ServerHello within {} ({received} bytes received)",
                    humantime::format_duration(deadline)
                ),
            ),
            ReadEnd::Failed(error) => Handshake::failed(
                Outcome::Inconclusive,
                Reason::Network,
                format!("network error while reading the answer: {error}"),
            ),
            ReadEnd::Cap | ReadEnd::Enough => Handshake::failed(
                Outcome::Inconclusive,
                Reason::ProtocolViolation,
                "no ServerHello in the first 64 KiB of the answer",
            ),
        },
    }
}

/// A ServerHello at exactly the offered version is acceptance; any other version is not, and a
/// suite that was never offered is a broken server.
fn classify_hello(version: TlsVersion, hello: ServerHello) -> Handshake {
    let offered = wire_version(version);
    let chain: Vec<CertificateDer<'static>> = hello
        .certificates
        .into_iter()
        .map(CertificateDer::from)
        .collect();
    let cipher_suite = suite_name(hello.cipher_suite);
    if hello.version != offered {
        let detail = if hello.version < offered {
            format!(
                "server negotiated {} instead of {version}",
                version_name(hello.version)
            )
        } else {
            format!(
                "server answered with {}, above the {version} offered",
                version_name(hello.version)
            )
        };
        return Handshake {
            chain,
            ..Handshake::failed(Outcome::Rejected, Reason::OtherVersion, detail)
        };
    }
    if !offered_suites(version).any(|suite| suite == hello.cipher_suite) {
        return Handshake {
            chain,
            ..Handshake::failed(
                Outcome::Inconclusive,
                Reason::ProtocolViolation,
                format!("server chose cipher suite {cipher_suite}, which was not offered"),
            )
        };
    }
    Handshake {
        outcome: Outcome::Accepted,
        reason: None,
        detail: hello
            .hello_retry_request
            .then(|| "server asked for another key share (HelloRetryRequest)".to_owned()),
        cipher_suite: Some(cipher_suite),
        group: None,
        chain,
        greeting: None,
    }
}
