//! One log line's envelope: the timestamp, which program wrote it (with its process id), and
//! the message. Two envelopes occur in mail logs:
//!
//! - syslog's, which every syslog daemon, `journalctl` and Postfix's own `maillog_file` write:
//!   `TIME HOST TAG[PID]: MESSAGE` (`mx postfix/submission/smtpd[14544]: …`, `mx dovecot: …`,
//!   `mx dovecot[812]: …`);
//! - Dovecot's own `log_path` file, without host or process id: `TIME SERVICE: LEVEL: MESSAGE`
//!   (`imap-login: Info: Login: …`, `imap(alice@example.de)<14279><hRwW…>: Info: ID sent: …`).
//!
//! A host name never ends in a colon, so the first word after the timestamp tells them apart.

use super::stamp::{self, Date, LogTime};

/// Which envelope a line came in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Form {
    Syslog,
    DovecotFile,
}

/// A line taken apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Envelope<'a> {
    pub time: LogTime,
    pub form: Form,
    /// The host that logged it (syslog only; empty in Dovecot's file).
    pub host: &'a str,
    /// Syslog's tag without the process id (`postfix/smtpd`, `dovecot`); in Dovecot's file, the
    /// service (`imap-login`, `imap(alice@example.de)<14279><hRwW…>`).
    pub program: &'a str,
    pub pid: Option<u32>,
    pub message: &'a str,
}

/// Takes `line` apart; `None` when it has no timestamp or no program where the envelope puts
/// them.
pub fn parse(line: &str, reference: Date) -> Option<Envelope<'_>> {
    let (time, rest) = stamp::parse(line.as_bytes(), reference)?;
    // The timestamp is ASCII, so the rest starts at a character boundary.
    let rest = &line[line.len() - rest.len()..];
    let (first, after_first) = split_byte(rest, b' ').unwrap_or((rest, ""));
    if let Some(service) = first.strip_suffix(':') {
        if service.is_empty() {
            return None;
        }
        return Some(Envelope {
            time,
            form: Form::DovecotFile,
            host: "",
            program: service,
            pid: None,
            message: after_first,
        });
    }
    // `HOST TAG[PID]: MESSAGE` or `HOST TAG: MESSAGE`.
    if first.is_empty() {
        return None;
    }
    let (tag, message) = split_colon_space(after_first)
        .or_else(|| after_first.strip_suffix(':').map(|tag| (tag, "")))?;
    if tag.is_empty() || memchr::memchr(b' ', tag.as_bytes()).is_some() {
        return None;
    }
    let (program, pid) = match tag.strip_suffix(']').and_then(|t| split_byte(t, b'[')) {
        Some((program, pid)) => (program, Some(pid.parse().ok()?)),
        None => (tag, None),
    };
    Some(Envelope {
        time,
        form: Form::Syslog,
        host: first,
        program,
        pid,
        message,
    })
}

/// `text` split at its first `byte`, an ASCII byte (so both halves are whole UTF-8): what
/// `split_once(char)` does without its per-match comparison.
pub fn split_byte(text: &str, byte: u8) -> Option<(&str, &str)> {
    debug_assert!(byte.is_ascii());
    let at = memchr::memchr(byte, text.as_bytes())?;
    Some((&text[..at], &text[at + 1..]))
}

/// `text` split at its first `": "` (what `split_once(": ")` does, found with `memchr`: this
/// runs on every line).
pub fn split_colon_space(text: &str) -> Option<(&str, &str)> {
    let bytes = text.as_bytes();
    let mut from = 0;
    while let Some(found) = memchr::memchr(b':', &bytes[from..]) {
        let at = from + found;
        if bytes.get(at + 1) == Some(&b' ') {
            return Some((&text[..at], &text[at + 2..]));
        }
        from = at + 1;
    }
    None
}

/// `Info: `, `Warning: ` and the other levels Dovecot's own log file puts before a message
/// (syslog carries the level out of band instead), removed.
pub fn without_dovecot_level(message: &str) -> &str {
    let level = match message.as_bytes().first() {
        Some(b'I') => "Info: ",
        Some(b'W') => "Warning: ",
        Some(b'E') => "Error: ",
        Some(b'F') => "Fatal: ",
        Some(b'P') => "Panic: ",
        Some(b'D') => "Debug: ",
        _ => return message,
    };
    message.strip_prefix(level).unwrap_or(message)
}

#[cfg(test)]
mod tests {
    use super::*;

    const REFERENCE: Date = crate::audit::stamp::tests::DEC_2026;

    #[test]
    fn syslog_and_journal_lines_name_program_and_process() {
        let line = "Dec 05 07:34:03 mx postfix/submission/smtpd[14544]: connect from x[1.2.3.4]";
        let envelope = parse(line, REFERENCE).expect("a syslog line");
        assert_eq!(envelope.form, Form::Syslog);
        assert_eq!(envelope.program, "postfix/submission/smtpd");
        assert_eq!(envelope.pid, Some(14544));
        assert_eq!(envelope.message, "connect from x[1.2.3.4]");
        assert_eq!(envelope.time.to_string(), "2026-12-05 07:34:03");

        let journal = "2026-12-05T07:33:42+0000 mail dovecot[812]: imap-login: Login: user=<a>";
        let envelope = parse(journal, REFERENCE).expect("a journal line");
        assert_eq!(
            (envelope.program, envelope.pid, envelope.message),
            ("dovecot", Some(812), "imap-login: Login: user=<a>")
        );
        let no_pid = parse("Dec  5 07:33:42 mail dovecot: imap-login: x", REFERENCE);
        assert_eq!(no_pid.map(|e| (e.program, e.pid)), Some(("dovecot", None)));
    }

    #[test]
    fn dovecot_file_lines_name_the_service() {
        let line = "Dec 05 07:33:42 imap(alice@example.test)<14279><hRwWA95h+Jx/AAAB>: Info: ID sent: name=Thunderbird";
        let envelope = parse(line, REFERENCE).expect("a Dovecot file line");
        assert_eq!(envelope.form, Form::DovecotFile);
        assert_eq!(
            envelope.program,
            "imap(alice@example.test)<14279><hRwWA95h+Jx/AAAB>"
        );
        assert_eq!(
            without_dovecot_level(envelope.message),
            "ID sent: name=Thunderbird"
        );
    }

    #[test]
    fn colon_space_splits_where_split_once_does() {
        for text in ["a: b", "a:b: c", "::: ", "no", "a:", ": x: y", "ä: ü"] {
            assert_eq!(split_colon_space(text), text.split_once(": "), "{text:?}");
        }
    }

    #[test]
    fn lines_without_the_envelope_are_refused() {
        for line in [
            "garbage",
            "Dec 05 07:33:42",
            "Dec 05 07:33:42 : x",
            "Dec 05 07:33:42 mx",
            "Dec 05 07:33:42 mx no colon here",
            "Dec 05 07:33:42 mx postfix/smtpd[abc]: x",
            "Dec 05 07:33:42 mx postfix/smtpd[99999999999]: x",
        ] {
            assert_eq!(parse(line, REFERENCE), None, "{line:?}");
        }
    }
}
