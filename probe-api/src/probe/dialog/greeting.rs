//! Which mail protocol a server's first line belongs to, so an endpoint can be told apart from a
//! port of another service: POP3 answering on 993, or a plain-text IMAP port that a customer set
//! up with SSL/TLS. Pure.

use mailtls_shared::{MailProtocol, Scheme, ServiceFound};

/// The protocol a greeting line belongs to: `* OK`/`* PREAUTH`/`* BYE` IMAP (RFC 9051 §7.1),
/// `+OK`/`-ERR` POP3 (RFC 1939 §4), a three-digit reply code SMTP (RFC 5321 §4.2).
pub fn protocol_of(line: &str) -> Option<MailProtocol> {
    let upper = line.trim_start().to_ascii_uppercase();
    if ["* OK", "* PREAUTH", "* BYE"]
        .iter()
        .any(|start| upper.starts_with(start))
    {
        return Some(MailProtocol::Imap);
    }
    if upper.starts_with("+OK") || upper.starts_with("-ERR") {
        return Some(MailProtocol::Pop3);
    }
    let bytes = upper.as_bytes();
    let smtp = bytes.len() >= 4
        && bytes[..3].iter().all(u8::is_ascii_digit)
        && matches!(bytes[3], b' ' | b'-')
        && matches!(bytes[0], b'2' | b'4' | b'5');
    smtp.then_some(MailProtocol::Smtp)
}

/// What the greetings say about the port, when it is not the service the scheme expects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WrongService {
    /// After the TLS handshake the server greeted as another protocol (POP3 on 993).
    OtherProtocol(MailProtocol),
    /// The port answered in plain text, as this protocol, where TLS was expected from the first
    /// byte (SSL/TLS chosen for a STARTTLS port).
    PlainText(MailProtocol),
}

impl WrongService {
    /// For the report, from which the page words its advice.
    pub fn found(self) -> ServiceFound {
        match self {
            WrongService::OtherProtocol(protocol) => ServiceFound {
                protocol,
                plain_text: false,
            },
            WrongService::PlainText(protocol) => ServiceFound {
                protocol,
                plain_text: true,
            },
        }
    }

    /// For admins, in English: what the port does and what fits.
    pub fn detail(self, scheme: Scheme, port: u16) -> String {
        match self {
            WrongService::OtherProtocol(protocol) => format!(
                "port {port} answers like {} after the TLS handshake, not {}; {} over TLS is {}:{}",
                protocol.name(),
                MailProtocol::of_scheme(scheme).name(),
                protocol.name(),
                protocol.implicit_scheme(),
                protocol.implicit_scheme().default_port()
            ),
            WrongService::PlainText(protocol) => format!(
                "port {port} speaks plain-text {} and starts TLS only with STARTTLS; use STARTTLS there, or {}:{} for TLS from the first byte",
                protocol.name(),
                protocol.implicit_scheme(),
                protocol.implicit_scheme().default_port()
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn greetings_name_their_protocol() {
        let cases = [
            (
                "* OK [CAPABILITY IMAP4rev1] Dovecot ready.",
                Some(MailProtocol::Imap),
            ),
            ("* PREAUTH logged in", Some(MailProtocol::Imap)),
            ("+OK Dovecot ready.", Some(MailProtocol::Pop3)),
            ("-ERR go away", Some(MailProtocol::Pop3)),
            (
                "220 mx.example.test ESMTP Postfix",
                Some(MailProtocol::Smtp),
            ),
            ("220-first line", Some(MailProtocol::Smtp)),
            ("421 4.7.0 busy", Some(MailProtocol::Smtp)),
            ("HTTP/1.1 400 Bad Request", None),
            ("999 what", None),
            ("", None),
        ];
        for (line, expected) in cases {
            assert_eq!(protocol_of(line), expected, "{line:?}");
        }
    }

    #[test]
    fn details_name_the_port_that_fits() {
        assert_eq!(
            WrongService::OtherProtocol(MailProtocol::Pop3).detail(Scheme::Imaps, 993),
            "port 993 answers like POP3 after the TLS handshake, not IMAP; POP3 over TLS is pop3s:995"
        );
        assert_eq!(
            WrongService::PlainText(MailProtocol::Imap).detail(Scheme::Imaps, 143),
            "port 143 speaks plain-text IMAP and starts TLS only with STARTTLS; use STARTTLS there, or imaps:993 for TLS from the first byte"
        );
    }
}
