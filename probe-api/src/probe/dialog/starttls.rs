//! The plain-text dialogs that end in a TLS-ready socket: what they share, and which one a
//! scheme needs. One dialog per protocol lives in [`super::smtp`], [`super::imap`] and
//! [`super::pop3`]; none of them pipelines, authenticates or sends mail.

use thiserror::Error;
use tokio::io::{AsyncRead, AsyncWrite};

use mailtls_shared::{EndpointErrorCode, Scheme};

use super::conn::{Conn, ConnError};

/// What the dialog learned before TLS.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DialogFacts {
    /// Login is possible before TLS: SMTP `AUTH`, IMAP without `LOGINDISABLED`, POP3 `USER`/`SASL`.
    pub auth_before_tls: bool,
    /// The server sent plain text beyond its answer to STARTTLS (discarded before TLS): what.
    pub injected: Option<String>,
}

/// Why a dialog did not end ready for TLS.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum DialogError {
    #[error(transparent)]
    Conn(#[from] ConnError),
    #[error("the server is busy or limits connections: {0}")]
    Throttled(String),
    #[error("the server refused the session: {0}")]
    Refused(String),
    #[error("the server does not offer STARTTLS")]
    StarttlsNotOffered { facts: DialogFacts },
    #[error("the server answered STARTTLS with an error: {0}")]
    StarttlsFailed(String),
    #[error("the IMAP session is pre-authenticated, so STARTTLS is impossible: {0}")]
    Preauth(String),
    #[error("expected {expected}, got {got:?}")]
    Unexpected { expected: &'static str, got: String },
}

impl DialogError {
    /// The endpoint error code this failure is reported under.
    pub fn code(&self) -> EndpointErrorCode {
        match self {
            DialogError::Conn(ConnError::Timeout { .. }) => EndpointErrorCode::Timeout,
            DialogError::Conn(ConnError::Closed { .. } | ConnError::Io(_)) => {
                EndpointErrorCode::Network
            }
            DialogError::Conn(ConnError::LineTooLong | ConnError::TooManyLines) => {
                EndpointErrorCode::ProtocolViolation
            }
            DialogError::Conn(ConnError::ResponseInjection { .. }) => {
                EndpointErrorCode::ResponseInjection
            }
            DialogError::Throttled(_) => EndpointErrorCode::Throttled,
            DialogError::Refused(_) => EndpointErrorCode::Refused,
            DialogError::StarttlsNotOffered { .. } => EndpointErrorCode::StarttlsNotOffered,
            DialogError::StarttlsFailed(_) => EndpointErrorCode::StarttlsFailed,
            DialogError::Preauth(_) => EndpointErrorCode::Preauth,
            DialogError::Unexpected { .. } => EndpointErrorCode::ProtocolViolation,
        }
    }
}

/// Runs the STARTTLS dialog `scheme` needs on `conn`; on success the socket is ready for TLS.
/// Implicit-TLS schemes need no dialog and return default facts at once.
pub async fn negotiate<S: AsyncRead + AsyncWrite + Unpin>(
    scheme: Scheme,
    conn: &mut Conn<S>,
    ehlo_name: &str,
) -> Result<DialogFacts, DialogError> {
    match scheme {
        Scheme::Smtp | Scheme::Submission => super::smtp::starttls(conn, ehlo_name).await,
        Scheme::Imap => super::imap::starttls(conn).await,
        Scheme::Pop3 => super::pop3::starttls(conn).await,
        Scheme::Smtps | Scheme::Imaps | Scheme::Pop3s => Ok(DialogFacts::default()),
    }
}

/// The line to leave a session with, after a failed dialog.
pub fn goodbye(scheme: Scheme) -> Option<&'static str> {
    match scheme {
        Scheme::Smtp | Scheme::Submission => Some("QUIT"),
        Scheme::Imap => Some("a9 LOGOUT"),
        Scheme::Pop3 => Some("QUIT"),
        Scheme::Smtps | Scheme::Imaps | Scheme::Pop3s => None,
    }
}

/// Quotes a server line for an error message: at most 120 characters, control characters escaped.
pub fn quote(line: &str) -> String {
    let mut quoted: String = line
        .chars()
        .take(120)
        .flat_map(char::escape_debug)
        .collect();
    if line.chars().count() > 120 {
        quoted.push('…');
    }
    quoted
}

/// A scripted plain-text server for the dialog tests: it answers each line it receives with
/// the next reply, after sending `greeting`.
#[cfg(test)]
pub(crate) mod scripted {
    use std::time::Duration;

    use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
    use tokio::net::{TcpListener, TcpStream};
    use tokio::sync::mpsc;
    use tokio::time::Instant;

    use crate::probe::dialog::conn::Conn;

    /// Starts the server and returns a connection to it plus a receiver of the lines we sent.
    pub async fn serve(
        greeting: &'static str,
        replies: Vec<&'static str>,
    ) -> (Conn, mpsc::UnboundedReceiver<String>) {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        let (sent, received) = mpsc::unbounded_channel();
        tokio::spawn(async move {
            let (socket, _) = listener.accept().await.unwrap();
            let (read, mut write) = socket.into_split();
            write.write_all(greeting.as_bytes()).await.unwrap();
            let mut lines = BufReader::new(read).lines();
            let mut replies = replies.into_iter();
            while let Ok(Some(line)) = lines.next_line().await {
                let _ = sent.send(line);
                match replies.next() {
                    Some(reply) => write.write_all(reply.as_bytes()).await.unwrap(),
                    None => break,
                }
            }
        });
        let stream = TcpStream::connect(address).await.unwrap();
        (
            Conn::new(stream, Instant::now() + Duration::from_secs(5)),
            received,
        )
    }

    /// Everything the client sent, in order.
    pub fn drain(mut received: mpsc::UnboundedReceiver<String>) -> Vec<String> {
        let mut lines = Vec::new();
        while let Ok(line) = received.try_recv() {
            lines.push(line);
        }
        lines
    }
}
