//! The SMTP STARTTLS dialog (RFC 5321, RFC 3207): greeting, `EHLO`, `STARTTLS`, one step at a
//! time. Multi-line replies are read to the line whose code is followed by a space, so a
//! postscreen-style `220-` greeting with a pause is waited for, not answered early.

use tokio::io::{AsyncRead, AsyncWrite};

use super::conn::{Conn, ConnError, MAX_LINES};
use super::starttls::{DialogError, DialogFacts, quote};

/// One SMTP reply: its code and its lines' texts (after `NNN-`/`NNN `).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    pub code: u16,
    pub lines: Vec<String>,
}

/// Reads one (possibly multi-line) reply.
pub async fn read_reply<S: AsyncRead + AsyncWrite + Unpin>(
    conn: &mut Conn<S>,
    waiting_for: &'static str,
) -> Result<Reply, DialogError> {
    let mut code = None;
    let mut lines = Vec::new();
    for _ in 0..MAX_LINES {
        let line = conn.read_line(waiting_for).await?;
        let unexpected = || DialogError::Unexpected {
            expected: "an SMTP reply (three digits)",
            got: quote(&line),
        };
        let digits = line
            .get(..3)
            .filter(|d| d.bytes().all(|b| b.is_ascii_digit()));
        let this_code: u16 = digits.and_then(|d| d.parse().ok()).ok_or_else(unexpected)?;
        if *code.get_or_insert(this_code) != this_code {
            return Err(unexpected());
        }
        let separator = line.as_bytes().get(3).copied();
        lines.push(line.get(4..).unwrap_or_default().to_owned());
        match separator {
            Some(b'-') => continue,
            None | Some(b' ') => {
                return Ok(Reply {
                    code: this_code,
                    lines,
                });
            }
            Some(_) => return Err(unexpected()),
        }
    }
    Err(ConnError::TooManyLines.into())
}

/// Greeting, `EHLO ehlo_name`, `STARTTLS`; ends with the socket ready for TLS.
pub async fn starttls<S: AsyncRead + AsyncWrite + Unpin>(
    conn: &mut Conn<S>,
    ehlo_name: &str,
) -> Result<DialogFacts, DialogError> {
    let greeting = read_reply(conn, "the SMTP greeting").await?;
    refuse_unless(&greeting, 220, "the greeting")?;

    conn.send(&format!("EHLO {ehlo_name}")).await?;
    let ehlo = read_reply(conn, "the EHLO answer").await?;
    refuse_unless(&ehlo, 250, "EHLO")?;
    // The first line is the server's name; capabilities follow, one keyword per line.
    let keyword = |line: &String| {
        line.split_whitespace()
            .next()
            .unwrap_or_default()
            .to_ascii_uppercase()
    };
    let capabilities: Vec<String> = ehlo.lines.iter().skip(1).map(keyword).collect();
    let facts = DialogFacts {
        auth_before_tls: capabilities.iter().any(|c| c == "AUTH"),
        injected: None,
    };
    if !capabilities.iter().any(|c| c == "STARTTLS") {
        return Err(DialogError::StarttlsNotOffered { facts });
    }

    conn.send("STARTTLS").await?;
    let answer = read_reply(conn, "the STARTTLS answer").await?;
    match answer.code {
        220 => Ok(facts),
        421 => Err(DialogError::Throttled(describe(&answer))),
        _ => Err(DialogError::StarttlsFailed(describe(&answer))),
    }
}

/// Maps a reply that is not `expected` to the right failure.
fn refuse_unless(reply: &Reply, expected: u16, step: &'static str) -> Result<(), DialogError> {
    match reply.code {
        code if code == expected => Ok(()),
        421 => Err(DialogError::Throttled(describe(reply))),
        400..=599 => Err(DialogError::Refused(describe(reply))),
        _ => Err(DialogError::Unexpected {
            expected: step,
            got: describe(reply),
        }),
    }
}

fn describe(reply: &Reply) -> String {
    quote(&format!(
        "{} {}",
        reply.code,
        reply.lines.last().map(String::as_str).unwrap_or_default()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::probe::dialog::starttls::scripted::{drain, serve};

    const EHLO_OK: &str =
        "250-mx.example.test\r\n250-PIPELINING\r\n250-AUTH PLAIN LOGIN\r\n250 STARTTLS\r\n";

    #[tokio::test]
    async fn a_full_dialog_with_multiline_replies() {
        let (mut conn, sent) = serve(
            "220-mx.example.test ESMTP\r\n220 welcome\r\n",
            vec![EHLO_OK, "220 2.0.0 Ready to start TLS\r\n"],
        )
        .await;
        let facts = starttls(&mut conn, "probe.mailtls.invalid").await.unwrap();
        assert!(facts.auth_before_tls);
        assert!(conn.into_stream_discarding().1.is_none());
        assert_eq!(drain(sent), ["EHLO probe.mailtls.invalid", "STARTTLS"]);
    }

    #[tokio::test]
    async fn outcomes() {
        let cases: Vec<(&str, Vec<&str>, DialogError)> = vec![
            (
                "421 4.7.0 too many connections\r\n",
                vec![],
                DialogError::Throttled("421 4.7.0 too many connections".into()),
            ),
            (
                "554 5.7.1 no service\r\n",
                vec![],
                DialogError::Refused("554 5.7.1 no service".into()),
            ),
            (
                "220 hi\r\n",
                vec!["250-mx\r\n250 AUTH PLAIN\r\n"],
                DialogError::StarttlsNotOffered {
                    facts: DialogFacts {
                        auth_before_tls: true,
                        injected: None,
                    },
                },
            ),
            (
                "220 hi\r\n",
                vec![
                    "250-mx\r\n250 starttls\r\n",
                    "454 4.7.0 TLS not available\r\n",
                ],
                DialogError::StarttlsFailed("454 4.7.0 TLS not available".into()),
            ),
            (
                "* OK IMAP ready\r\n",
                vec![],
                DialogError::Unexpected {
                    expected: "an SMTP reply (three digits)",
                    got: "* OK IMAP ready".into(),
                },
            ),
            (
                "220-mx\r\n250 mixed codes\r\n",
                vec![],
                DialogError::Unexpected {
                    expected: "an SMTP reply (three digits)",
                    got: "250 mixed codes".into(),
                },
            ),
        ];
        for (greeting, replies, expected) in cases {
            let (mut conn, _) = serve(greeting, replies).await;
            assert_eq!(
                starttls(&mut conn, "probe.mailtls.invalid").await,
                Err(expected),
                "{greeting:?}"
            );
        }
    }

    #[tokio::test]
    async fn endless_capabilities_are_capped() {
        static ENDLESS: std::sync::LazyLock<&'static str> =
            std::sync::LazyLock::new(|| "250-X\r\n".repeat(MAX_LINES + 5).leak());
        let (mut conn, _) = serve("220 hi\r\n", vec![*ENDLESS]).await;
        assert_eq!(
            starttls(&mut conn, "probe.mailtls.invalid").await,
            Err(DialogError::Conn(ConnError::TooManyLines))
        );
    }
}
