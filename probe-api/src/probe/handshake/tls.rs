//! TLS 1.2 and TLS 1.3 handshakes with rustls, one version per connection.
//!
//! Each handshake offers exactly one protocol version, so the answer says whether the server
//! accepts that version on its own. The certificate is *recorded*, not enforced, during the
//! handshake (see [`danger`]): a server with an expired certificate still speaks TLS 1.2, and the
//! customer needs to hear both facts. [`super::cert`] judges the recorded chain afterwards.
//! Resumption is off: no session ids, tickets or PSKs are kept from one probe to the next, so
//! every handshake shows the certificate the server has now.

use std::io;
use std::sync::Arc;
use std::time::Duration;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{ClientConfig, DigitallySignedStruct, SignatureScheme};
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;

use mailtls_shared::{Outcome, Reason, TlsVersion};

/// What one handshake attempt found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Handshake {
    pub outcome: Outcome,
    pub reason: Option<Reason>,
    pub detail: Option<String>,
    pub cipher_suite: Option<String>,
    pub group: Option<String>,
    /// The certificate chain the server presented, leaf first.
    pub chain: Vec<CertificateDer<'static>>,
    /// The server's first line: after the handshake on an implicit-TLS port, or in plain text
    /// where TLS was expected (escaped, at most 80 characters).
    pub greeting: Option<String>,
}

impl Handshake {
    /// A handshake that did not complete.
    pub fn failed(outcome: Outcome, reason: Reason, detail: impl Into<String>) -> Self {
        Handshake {
            outcome,
            reason: Some(reason),
            detail: Some(detail.into()),
            cipher_suite: None,
            group: None,
            chain: Vec::new(),
            greeting: None,
        }
    }
}

/// Client configurations pinned to one version each, sharing one crypto provider.
#[derive(Debug, Clone)]
pub struct TlsClients {
    tls12: Arc<ClientConfig>,
    tls13: Arc<ClientConfig>,
}

impl TlsClients {
    pub fn new(provider: Arc<CryptoProvider>) -> Result<Self, rustls::Error> {
        let verifier = Arc::new(danger::RecordOnly::new(provider.clone()));
        let config = |version: &'static rustls::SupportedProtocolVersion| {
            ClientConfig::builder_with_provider(provider.clone())
                .with_protocol_versions(&[version])
                .map(|builder| {
                    let mut config = builder
                        .dangerous()
                        .with_custom_certificate_verifier(verifier.clone())
                        .with_no_client_auth();
                    // Every probe is a full handshake: a resumed session would report the
                    // certificate of an earlier check, not the one the server has now.
                    config.resumption = rustls::client::Resumption::disabled();
                    Arc::new(config)
                })
        };
        Ok(TlsClients {
            tls12: config(&rustls::version::TLS12)?,
            tls13: config(&rustls::version::TLS13)?,
        })
    }

    /// Runs one handshake at `version` (TLS 1.2 or 1.3) over `stream`, within `deadline`.
    /// Older versions get an inconclusive answer: rustls cannot offer them.
    pub async fn handshake(
        &self,
        stream: TcpStream,
        version: TlsVersion,
        server_name: ServerName<'static>,
        deadline: Duration,
        read_greeting: bool,
    ) -> Handshake {
        let config = match version {
            TlsVersion::Tls12 => self.tls12.clone(),
            TlsVersion::Tls13 => self.tls13.clone(),
            TlsVersion::Ssl3 | TlsVersion::Tls10 | TlsVersion::Tls11 => {
                return Handshake::failed(
                    Outcome::Inconclusive,
                    Reason::ProtocolViolation,
                    "rustls cannot offer versions before TLS 1.2",
                );
            }
        };
        let connector = TlsConnector::from(config);
        let connect = connector.connect(server_name, stream);
        let mut tls = match tokio::time::timeout(deadline, connect).await {
            Err(_) => {
                return Handshake::failed(
                    Outcome::Inconclusive,
                    Reason::Timeout,
                    format!("no complete TLS handshake within {} s", deadline.as_secs()),
                );
            }
            Ok(Err(error)) => return classify_failure(&error),
            Ok(Ok(tls)) => tls,
        };
        let connection = tls.get_ref().1;
        let negotiated = connection.protocol_version();
        let cipher_suite = connection
            .negotiated_cipher_suite()
            .map(|suite| iana_suite_name(suite.suite()));
        let group = connection
            .negotiated_key_exchange_group()
            .map(|group| format!("{:?}", group.name()));
        let chain = connection
            .peer_certificates()
            .map(|chain| chain.iter().map(|c| c.clone().into_owned()).collect())
            .unwrap_or_default();
        // On an implicit-TLS port the server greets first: which protocol it speaks tells a
        // wrong port apart (POP3 on 993). A short wait, a small read, no command sent.
        let greeting = if read_greeting {
            acknowledge_now(tls.get_ref().0);
            first_line(&mut tls, deadline.min(GREETING_WAIT)).await
        } else {
            None
        };
        // Leave politely; the server's answer does not matter, so don't wait long for it.
        let _ = tokio::time::timeout(Duration::from_secs(1), tls.shutdown()).await;
        let expected = match version {
            TlsVersion::Tls13 => rustls::ProtocolVersion::TLSv1_3,
            _ => rustls::ProtocolVersion::TLSv1_2,
        };
        if negotiated != Some(expected) {
            return Handshake {
                chain,
                ..Handshake::failed(
                    Outcome::Rejected,
                    Reason::OtherVersion,
                    format!("server negotiated {negotiated:?}"),
                )
            };
        }
        Handshake {
            outcome: Outcome::Accepted,
            reason: None,
            detail: None,
            cipher_suite,
            group,
            chain,
            greeting,
        }
    }
}

/// How long an implicit-TLS probe waits for the server's greeting after the handshake: mail
/// servers greet at once; one that does not in this time is simply not judged by its greeting.
const GREETING_WAIT: Duration = Duration::from_millis(1500);
/// The most of a greeting read.
const GREETING_CAP: usize = 512;

/// Sends the ACK the kernel is holding back for the server's last handshake flight, now.
///
/// After a TLS 1.2 handshake the client has nothing to send, so Linux delays its ACK (up to
/// 40 ms); a server with Nagle's algorithm on (Postfix's `smtps`) holds its greeting until that
/// ACK arrives. Measured on `make bench`'s Postfix: the TLS 1.2 probe on port 465 took 42 ms
/// instead of 2 ms. `TCP_QUICKACK` flushes the pending ACK; elsewhere this is a no-op.
fn acknowledge_now(stream: &TcpStream) {
    #[cfg(any(target_os = "linux", target_os = "android"))]
    let _ = stream.set_quickack(true);
    #[cfg(not(any(target_os = "linux", target_os = "android")))]
    let _ = stream;
}

/// The first line the server sends, escaped and cut to 80 characters; `None` when nothing
/// arrives in time.
async fn first_line<S: tokio::io::AsyncRead + Unpin>(
    stream: &mut S,
    wait: Duration,
) -> Option<String> {
    use tokio::io::AsyncReadExt;
    let mut buffer = Vec::with_capacity(GREETING_CAP);
    let until = tokio::time::Instant::now() + wait;
    let mut chunk = [0u8; GREETING_CAP];
    while buffer.len() < GREETING_CAP && !buffer.contains(&b'\n') {
        let room = GREETING_CAP - buffer.len();
        match tokio::time::timeout_at(until, stream.read(&mut chunk[..room])).await {
            Ok(Ok(n)) if n > 0 => buffer.extend_from_slice(&chunk[..n]),
            _ => break,
        }
    }
    let line = buffer
        .split(|byte| *byte == b'\n')
        .next()
        .unwrap_or_default();
    let text: String = line
        .iter()
        .filter(|byte| **byte != b'\r')
        .flat_map(|byte| byte.escape_ascii())
        .map(char::from)
        .take(80)
        .collect();
    (!text.is_empty()).then_some(text)
}

/// `TLS13_AES_128_GCM_SHA256` (rustls) → `TLS_AES_128_GCM_SHA256` (IANA).
fn iana_suite_name(suite: rustls::CipherSuite) -> String {
    let name = format!("{suite:?}");
    match name.strip_prefix("TLS13_") {
        Some(rest) => format!("TLS_{rest}"),
        None => name,
    }
}

/// Sorts a failed handshake into rejected (the server said no) or inconclusive (we can't tell).
fn classify_failure(error: &io::Error) -> Handshake {
    let tls_error = error
        .get_ref()
        .and_then(|inner| inner.downcast_ref::<rustls::Error>());
    match tls_error {
        Some(rustls::Error::AlertReceived(alert)) => Handshake::failed(
            Outcome::Rejected,
            Reason::Alert,
            format!("server sent alert {}", alert_name(*alert)),
        ),
        Some(rustls::Error::PeerIncompatible(why)) => Handshake::failed(
            Outcome::Rejected,
            Reason::OtherVersion,
            format!("server is incompatible: {why:?}"),
        ),
        Some(rustls::Error::InvalidMessage(rustls::InvalidMessage::HandshakePayloadTooLarge)) => {
            Handshake::failed(
                Outcome::Inconclusive,
                Reason::ProtocolViolation,
                "server sent a handshake message over 64 KiB (usually an oversized certificate \
                 chain), more than TLS clients accept, so no client can finish this handshake",
            )
        }
        Some(other) => Handshake::failed(
            Outcome::Inconclusive,
            Reason::ProtocolViolation,
            format!("TLS error: {other}"),
        ),
        None => match error.kind() {
            io::ErrorKind::UnexpectedEof
            | io::ErrorKind::ConnectionReset
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::BrokenPipe => Handshake::failed(
                Outcome::Rejected,
                Reason::Closed,
                "server closed the connection during the handshake",
            ),
            io::ErrorKind::InvalidData => Handshake::failed(
                Outcome::Inconclusive,
                Reason::ProtocolViolation,
                format!("server did not answer with TLS: {error}"),
            ),
            _ => Handshake::failed(
                Outcome::Inconclusive,
                Reason::Network,
                format!("network error during the handshake: {error}"),
            ),
        },
    }
}

/// The alert's name as RFC 8446 and the IANA registry write it (`handshake_failure`), the same
/// names the legacy prober reports.
fn alert_name(alert: rustls::AlertDescription) -> String {
    super::legacy::Alert {
        level: 2,
        description: u8::from(alert),
    }
    .name()
}

/// The one place where a certificate is not enforced during a handshake.
pub(crate) mod danger {
    use super::*;

    /// Accepts any certificate chain, but still verifies the handshake signatures made with it,
    /// so the negotiated parameters are genuine. The chain is judged later by `cert::judge`; this
    /// verifier must never be used for a connection that carries data.
    #[derive(Debug)]
    pub struct RecordOnly {
        provider: Arc<CryptoProvider>,
    }

    impl RecordOnly {
        pub fn new(provider: Arc<CryptoProvider>) -> Self {
            RecordOnly { provider }
        }
    }

    impl ServerCertVerifier for RecordOnly {
        fn verify_server_cert(
            &self,
            _end_entity: &CertificateDer<'_>,
            _intermediates: &[CertificateDer<'_>],
            _server_name: &ServerName<'_>,
            _ocsp_response: &[u8],
            _now: UnixTime,
        ) -> Result<ServerCertVerified, rustls::Error> {
            Ok(ServerCertVerified::assertion())
        }

        fn verify_tls12_signature(
            &self,
            message: &[u8],
            cert: &CertificateDer<'_>,
            dss: &DigitallySignedStruct,
        ) -> Result<HandshakeSignatureValid, rustls::Error> {
            rustls::crypto::verify_tls12_signature(
                message,
                cert,
                dss,
                &self.provider.signature_verification_algorithms,
            )
        }

        fn verify_tls13_signature(
            &self,
            message: &[u8],
            cert: &CertificateDer<'_>,
            dss: &DigitallySignedStruct,
        ) -> Result<HandshakeSignatureValid, rustls::Error> {
            rustls::crypto::verify_tls13_signature(
                message,
                cert,
                dss,
                &self.provider.signature_verification_algorithms,
            )
        }

        fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
            self.provider
                .signature_verification_algorithms
                .supported_schemes()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(
            iana_suite_name(rustls::CipherSuite::TLS13_AES_128_GCM_SHA256),
            "TLS_AES_128_GCM_SHA256"
        );
        assert_eq!(
            iana_suite_name(rustls::CipherSuite::TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384),
            "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384"
        );
        assert_eq!(
            alert_name(rustls::AlertDescription::ProtocolVersion),
            "protocol_version"
        );
        assert_eq!(
            alert_name(rustls::AlertDescription::HandshakeFailure),
            "handshake_failure"
        );
        assert_eq!(
            alert_name(rustls::AlertDescription::UnrecognisedName),
            "unrecognized_name"
        );
    }
}
