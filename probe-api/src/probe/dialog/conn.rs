//! A plain-text connection for the dialogs before TLS: line-exact reads with a length cap, a line
//! count cap and one deadline for the whole dialog.
//!
//! Lines are read into our own buffer, never through a `BufReader` we would have to unwrap: when
//! the dialog ends, whatever the server sent beyond the last expected line is still visible, and
//! [`Conn::into_stream_discarding`] describes such bytes (response injection, the NO STARTTLS
//! class of bugs) and throws them away before the socket goes to TLS, as RFC 3207 clients do. A
//! clean close is told apart from a deadline and from a line that never ends.

use std::io;

use thiserror::Error;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::Instant;

/// Longest line accepted. RFC 5321 allows 512 octets for SMTP replies; IMAP capability lines of
/// big servers run to a few hundred. Anything longer is hostile or broken.
pub const MAX_LINE: usize = 4096;
/// Most lines one reply may have (SMTP multi-line replies, IMAP untagged lines, POP3 CAPA).
pub const MAX_LINES: usize = 100;

/// Why a dialog step failed.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ConnError {
    #[error("no answer in time while waiting for {waiting_for}")]
    Timeout { waiting_for: &'static str },
    #[error("the server closed the connection while we waited for {waiting_for}")]
    Closed { waiting_for: &'static str },
    #[error("a line longer than {MAX_LINE} bytes")]
    LineTooLong,
    #[error("more than {MAX_LINES} lines in one reply")]
    TooManyLines,
    #[error("network error: {0}")]
    Io(String),
    #[error("{count} bytes of plain text arrived after the STARTTLS answer, before TLS: {preview}")]
    ResponseInjection { count: usize, preview: String },
}

/// A plain-text connection with a read buffer and a deadline (over TCP, or any byte stream in
/// tests and fuzzing).
#[derive(Debug)]
pub struct Conn<S = TcpStream> {
    stream: S,
    buffer: Vec<u8>,
    deadline: Instant,
}

impl<S: AsyncRead + AsyncWrite + Unpin> Conn<S> {
    /// Wraps a connected stream; every read and write must finish before `deadline`.
    pub fn new(stream: S, deadline: Instant) -> Self {
        Conn {
            stream,
            buffer: Vec::new(),
            deadline,
        }
    }

    /// Reads one line without its CRLF (a bare LF is accepted too). Bytes that are not UTF-8 are
    /// replaced, control characters kept: callers compare prefixes and report lines as text.
    pub async fn read_line(&mut self, waiting_for: &'static str) -> Result<String, ConnError> {
        loop {
            if let Some(end) = self.buffer.iter().position(|b| *b == b'\n') {
                let mut line: Vec<u8> = self.buffer.drain(..=end).collect();
                line.pop();
                if line.last() == Some(&b'\r') {
                    line.pop();
                }
                if line.len() > MAX_LINE {
                    return Err(ConnError::LineTooLong);
                }
                return Ok(String::from_utf8_lossy(&line).into_owned());
            }
            if self.buffer.len() > MAX_LINE {
                return Err(ConnError::LineTooLong);
            }
            let mut chunk = [0_u8; 2048];
            let read = tokio::time::timeout_at(self.deadline, self.stream.read(&mut chunk)).await;
            match read {
                Err(_) => return Err(ConnError::Timeout { waiting_for }),
                Ok(Ok(0)) => return Err(ConnError::Closed { waiting_for }),
                Ok(Ok(n)) => self.buffer.extend_from_slice(&chunk[..n]),
                Ok(Err(error)) if is_reset(&error) => {
                    return Err(ConnError::Closed { waiting_for });
                }
                Ok(Err(error)) => return Err(ConnError::Io(error.to_string())),
            }
        }
    }

    /// Sends `line` followed by CRLF, in one write. `line` is ours, never the user's.
    pub async fn send(&mut self, line: &str) -> Result<(), ConnError> {
        let mut bytes = Vec::with_capacity(line.len() + 2);
        bytes.extend_from_slice(line.as_bytes());
        bytes.extend_from_slice(b"\r\n");
        match tokio::time::timeout_at(self.deadline, self.stream.write_all(&bytes)).await {
            Err(_) => Err(ConnError::Timeout {
                waiting_for: "the server to accept our command",
            }),
            Ok(Ok(())) => Ok(()),
            Ok(Err(error)) if is_reset(&error) => Err(ConnError::Closed {
                waiting_for: "the server to accept our command",
            }),
            Ok(Err(error)) => Err(ConnError::Io(error.to_string())),
        }
    }

    /// Sends a goodbye (`QUIT`, `a9 LOGOUT`) without waiting long for the answer.
    pub async fn say_goodbye(mut self, line: &str) {
        let soon = Instant::now() + std::time::Duration::from_millis(500);
        self.deadline = self.deadline.min(soon);
        if self.send(line).await.is_ok() {
            let _ = self.read_line("the goodbye").await;
        }
    }

    /// The socket, ready for TLS, with the plain-text bytes the server sent beyond its answer
    /// thrown away as RFC 3207 §4.2 clients (and Postfix) do, and described: bytes after the
    /// answer to STARTTLS are the response-injection class of bugs, worth reporting, but the TLS
    /// behind them can still be measured.
    pub fn into_stream_discarding(self) -> (S, Option<ConnError>) {
        let injected = (!self.buffer.is_empty()).then(|| Self::injection(&self.buffer));
        (self.stream, injected)
    }

    fn injection(buffer: &[u8]) -> ConnError {
        let preview: String = String::from_utf8_lossy(buffer)
            .chars()
            .take(60)
            .flat_map(char::escape_debug)
            .collect();
        ConnError::ResponseInjection {
            count: buffer.len(),
            preview,
        }
    }
}

fn is_reset(error: &io::Error) -> bool {
    matches!(
        error.kind(),
        io::ErrorKind::ConnectionReset
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::BrokenPipe
    )
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use tokio::net::TcpListener;

    use super::*;

    /// A connection to a server that writes `bytes` and then keeps the socket open.
    async fn conn_to(bytes: &'static [u8], deadline: Duration) -> Conn {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        tokio::spawn(async move {
            let (mut socket, _) = listener.accept().await.unwrap();
            socket.write_all(bytes).await.unwrap();
            let mut sink = [0_u8; 64];
            while socket.read(&mut sink).await.map(|n| n > 0).unwrap_or(false) {}
        });
        let stream = TcpStream::connect(address).await.unwrap();
        Conn::new(stream, Instant::now() + deadline)
    }

    #[tokio::test]
    async fn lines_are_split_exactly() {
        let mut conn = conn_to(
            b"220-first\r\n220 second\nthird\r\n",
            Duration::from_secs(5),
        )
        .await;
        assert_eq!(conn.read_line("greeting").await.unwrap(), "220-first");
        assert_eq!(conn.read_line("greeting").await.unwrap(), "220 second");
        assert_eq!(conn.read_line("greeting").await.unwrap(), "third");
        assert!(
            conn.into_stream_discarding().1.is_none(),
            "nothing is left over"
        );
    }

    #[tokio::test]
    async fn injected_bytes_after_the_last_line_are_described_and_thrown_away() {
        let mut conn = conn_to(b"220 go ahead\r\n250 injected\r\n", Duration::from_secs(5)).await;
        assert_eq!(conn.read_line("starttls").await.unwrap(), "220 go ahead");
        // Both lines come in one segment, so the injected one is already buffered.
        let error = conn
            .into_stream_discarding()
            .1
            .expect("the injection is described");
        assert!(
            matches!(&error, ConnError::ResponseInjection { count: 14, preview } if preview == "250 injected\\r\\n"),
            "{error:?}"
        );
    }

    #[tokio::test]
    async fn endless_lines_are_capped() {
        static LONG: [u8; MAX_LINE + 10] = [b'a'; MAX_LINE + 10];
        let mut conn = conn_to(&LONG, Duration::from_secs(5)).await;
        assert_eq!(
            conn.read_line("greeting").await,
            Err(ConnError::LineTooLong)
        );
    }

    #[tokio::test(start_paused = true)]
    async fn silence_costs_the_deadline() {
        let mut conn = conn_to(b"", Duration::from_secs(10)).await;
        let started = Instant::now();
        assert_eq!(
            conn.read_line("the greeting").await,
            Err(ConnError::Timeout {
                waiting_for: "the greeting"
            })
        );
        assert!(started.elapsed() >= Duration::from_secs(10));
    }

    #[tokio::test]
    async fn a_close_is_not_a_timeout() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        tokio::spawn(async move {
            let (socket, _) = listener.accept().await.unwrap();
            drop(socket);
        });
        let stream = TcpStream::connect(address).await.unwrap();
        let mut conn = Conn::new(stream, Instant::now() + Duration::from_secs(5));
        assert_eq!(
            conn.read_line("the greeting").await,
            Err(ConnError::Closed {
                waiting_for: "the greeting"
            })
        );
    }
}
