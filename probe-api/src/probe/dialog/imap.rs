//! The IMAP STARTTLS dialog (RFC 9051 6.2.1, RFC 2595): greeting, tagged `CAPABILITY`, tagged
//! `STARTTLS`. A `PREAUTH` greeting makes STARTTLS impossible and is reported as such.

use tokio::io::{AsyncRead, AsyncWrite};

use super::conn::{Conn, ConnError, MAX_LINES};
use super::starttls::{DialogError, DialogFacts, quote};

/// Greeting, `a1 CAPABILITY`, `a2 STARTTLS`; ends with the socket ready for TLS.
pub async fn starttls<S: AsyncRead + AsyncWrite + Unpin>(
    conn: &mut Conn<S>,
) -> Result<DialogFacts, DialogError> {
    let greeting = conn.read_line("the IMAP greeting").await?;
    let upper = greeting.to_ascii_uppercase();
    if upper.starts_with("* PREAUTH") {
        return Err(DialogError::Preauth(quote(&greeting)));
    }
    if upper.starts_with("* BYE") {
        return Err(DialogError::Refused(quote(&greeting)));
    }
    if !upper.starts_with("* OK") {
        return Err(DialogError::Unexpected {
            expected: "an IMAP greeting (* OK)",
            got: quote(&greeting),
        });
    }

    conn.send("a1 CAPABILITY").await?;
    let mut capabilities: Vec<String> = Vec::new();
    read_tagged(conn, "a1", "the CAPABILITY answer", |line| {
        let upper = line.to_ascii_uppercase();
        if let Some(list) = upper.strip_prefix("* CAPABILITY ") {
            capabilities.extend(list.split_whitespace().map(str::to_owned));
        }
    })
    .await?
    .map_err(|line| DialogError::Refused(quote(&line)))?;
    let has = |name: &str| capabilities.iter().any(|c| c == name);
    let facts = DialogFacts {
        auth_before_tls: !has("LOGINDISABLED"),
        injected: None,
    };
    if !has("STARTTLS") {
        return Err(DialogError::StarttlsNotOffered { facts });
    }

    conn.send("a2 STARTTLS").await?;
    read_tagged(conn, "a2", "the STARTTLS answer", |_| {})
        .await?
        .map_err(|line| DialogError::StarttlsFailed(quote(&line)))?;
    Ok(facts)
}

/// Reads untagged lines (each given to `untagged`) up to the line tagged `tag`. `Ok(Ok(()))` for
/// `tag OK`, `Ok(Err(line))` for `tag NO`/`tag BAD`.
async fn read_tagged<S: AsyncRead + AsyncWrite + Unpin>(
    conn: &mut Conn<S>,
    tag: &str,
    waiting_for: &'static str,
    mut untagged: impl FnMut(&str),
) -> Result<Result<(), String>, DialogError> {
    for _ in 0..MAX_LINES {
        let line = conn.read_line(waiting_for).await?;
        let upper = line.to_ascii_uppercase();
        if upper.starts_with("* BYE") {
            return Err(DialogError::Refused(quote(&line)));
        }
        if line.starts_with("* ") {
            untagged(&line);
            continue;
        }
        let Some(status) = line
            .strip_prefix(tag)
            .and_then(|rest| rest.strip_prefix(' '))
        else {
            return Err(DialogError::Unexpected {
                expected: "an IMAP response",
                got: quote(&line),
            });
        };
        let status = status.to_ascii_uppercase();
        return Ok(if status.starts_with("OK") {
            Ok(())
        } else {
            Err(line)
        });
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
            "* OK [CAPABILITY IMAP4rev1 STARTTLS] Dovecot ready.\r\n",
            vec![
                "* CAPABILITY IMAP4rev1 SASL-IR STARTTLS LOGINDISABLED\r\na1 OK done\r\n",
                "a2 OK Begin TLS negotiation now.\r\n",
            ],
        )
        .await;
        let facts = starttls(&mut conn).await.unwrap();
        assert!(
            !facts.auth_before_tls,
            "LOGINDISABLED means no login before TLS"
        );
        assert!(conn.into_stream_discarding().1.is_none());
        assert_eq!(drain(sent), ["a1 CAPABILITY", "a2 STARTTLS"]);
    }

    #[tokio::test]
    async fn outcomes() {
        let cases: Vec<(&str, Vec<&str>, DialogError)> = vec![
            (
                "* PREAUTH logged in as root\r\n",
                vec![],
                DialogError::Preauth("* PREAUTH logged in as root".into()),
            ),
            (
                "* BYE go away\r\n",
                vec![],
                DialogError::Refused("* BYE go away".into()),
            ),
            (
                "* OK hi\r\n",
                vec!["* CAPABILITY IMAP4rev1 AUTH=PLAIN\r\na1 OK\r\n"],
                DialogError::StarttlsNotOffered {
                    facts: DialogFacts {
                        auth_before_tls: true,
                        injected: None,
                    },
                },
            ),
            (
                "* OK hi\r\n",
                vec![
                    "* CAPABILITY IMAP4rev1 STARTTLS\r\na1 OK\r\n",
                    "a2 NO TLS unavailable\r\n",
                ],
                DialogError::StarttlsFailed("a2 NO TLS unavailable".into()),
            ),
            (
                "* OK hi\r\n",
                vec!["* BYE shutting down\r\n"],
                DialogError::Refused("* BYE shutting down".into()),
            ),
            (
                "220 smtp.example.test ESMTP\r\n",
                vec![],
                DialogError::Unexpected {
                    expected: "an IMAP greeting (* OK)",
                    got: "220 smtp.example.test ESMTP".into(),
                },
            ),
        ];
        for (greeting, replies, expected) in cases {
            let (mut conn, _) = serve(greeting, replies).await;
            assert_eq!(starttls(&mut conn).await, Err(expected), "{greeting:?}");
        }
    }
}
