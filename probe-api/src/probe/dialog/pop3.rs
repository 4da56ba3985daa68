//! The POP3 STARTTLS dialog (RFC 1939, RFC 2449, RFC 2595): greeting, `CAPA`, `STLS`. A server
//! without `CAPA` gets `STLS` anyway, as RFC 2595 clients do.

use tokio::io::{AsyncRead, AsyncWrite};

use super::conn::{Conn, ConnError, MAX_LINES};
use super::starttls::{DialogError, DialogFacts, quote};

/// Greeting, `CAPA`, `STLS`; ends with the socket ready for TLS.
pub async fn starttls<S: AsyncRead + AsyncWrite + Unpin>(
    conn: &mut Conn<S>,
) -> Result<DialogFacts, DialogError> {
    let greeting = conn.read_line("the POP3 greeting").await?;
    if greeting.starts_with("-ERR") {
        return Err(DialogError::Refused(quote(&greeting)));
    }
    if !greeting.starts_with("+OK") {
        return Err(DialogError::Unexpected {
            expected: "a POP3 greeting (+OK)",
            got: quote(&greeting),
        });
    }

    conn.send("CAPA").await?;
    let capabilities = read_capabilities(conn).await?;
    let facts = DialogFacts {
        auth_before_tls: capabilities.as_ref().is_some_and(|capabilities| {
            capabilities.iter().any(|line| {
                let mut words = line.split_whitespace();
                match words.next() {
                    Some("USER") => true,
                    Some("SASL") => words.next().is_some(),
                    _ => false,
                }
            })
        }),
        injected: None,
    };
    let offered = capabilities
        .as_ref()
        .map(|capabilities| capabilities.iter().any(|line| line.trim() == "STLS"));
    if offered == Some(false) {
        return Err(DialogError::StarttlsNotOffered { facts });
    }

    conn.send("STLS").await?;
    let answer = conn.read_line("the STLS answer").await?;
    if answer.starts_with("+OK") {
        Ok(facts)
    } else if answer.starts_with("-ERR") && offered.is_none() {
        // No CAPA and STLS refused: the server has no STARTTLS.
        Err(DialogError::StarttlsNotOffered { facts })
    } else {
        Err(DialogError::StarttlsFailed(quote(&answer)))
    }
}

/// The `CAPA` lines (uppercased), or `None` when the server does not know `CAPA`.
async fn read_capabilities<S: AsyncRead + AsyncWrite + Unpin>(
    conn: &mut Conn<S>,
) -> Result<Option<Vec<String>>, DialogError> {
    let first = conn.read_line("the CAPA answer").await?;
    if first.starts_with("-ERR") {
        return Ok(None);
    }
    if !first.starts_with("+OK") {
        return Err(DialogError::Unexpected {
            expected: "+OK or -ERR",
            got: quote(&first),
        });
    }
    let mut capabilities = Vec::new();
    for _ in 0..MAX_LINES {
        let line = conn.read_line("the CAPA list").await?;
        if line == "." {
            return Ok(Some(capabilities));
        }
        capabilities.push(line.to_ascii_uppercase());
    }
    Err(ConnError::TooManyLines.into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::probe::dialog::starttls::scripted::{drain, serve};

    #[tokio::test]
    async fn a_full_dialog() {
        let (mut conn, sent) = serve(
            "+OK Dovecot ready.\r\n",
            vec![
                "+OK\r\nCAPA\r\nTOP\r\nUIDL\r\nSTLS\r\nSASL\r\n.\r\n",
                "+OK Begin TLS negotiation now.\r\n",
            ],
        )
        .await;
        let facts = starttls(&mut conn).await.unwrap();
        assert!(!facts.auth_before_tls, "an empty SASL list offers no login");
        assert!(conn.into_stream_discarding().1.is_none());
        assert_eq!(drain(sent), ["CAPA", "STLS"]);
    }

    #[tokio::test]
    async fn outcomes() {
        let cases: Vec<(&str, Vec<&str>, Result<DialogFacts, DialogError>)> = vec![
            (
                "+OK hi\r\n",
                vec!["+OK\r\nUSER\r\nSASL PLAIN\r\n.\r\n"],
                Err(DialogError::StarttlsNotOffered {
                    facts: DialogFacts {
                        auth_before_tls: true,
                        injected: None,
                    },
                }),
            ),
            (
                "+OK hi\r\n",
                vec!["-ERR unknown command\r\n", "+OK go\r\n"],
                Ok(DialogFacts::default()),
            ),
            (
                "+OK hi\r\n",
                vec!["-ERR unknown command\r\n", "-ERR unknown command\r\n"],
                Err(DialogError::StarttlsNotOffered {
                    facts: DialogFacts::default(),
                }),
            ),
            (
                "+OK hi\r\n",
                vec!["+OK\r\nSTLS\r\n.\r\n", "-ERR not now\r\n"],
                Err(DialogError::StarttlsFailed("-ERR not now".into())),
            ),
            (
                "-ERR [SYS/TEMP] busy\r\n",
                vec![],
                Err(DialogError::Refused("-ERR [SYS/TEMP] busy".into())),
            ),
        ];
        for (greeting, replies, expected) in cases {
            let (mut conn, _) = serve(greeting, replies).await;
            assert_eq!(starttls(&mut conn).await, expected, "{greeting:?}");
        }
    }
}
