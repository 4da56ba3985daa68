//! Postfix's `smtpd` lines: who authenticated, over which TLS version, on which service.
//!
//! One smtpd process serves one session at a time, so a session is everything one process
//! (`postfix/submission/smtpd[14544]` on one host) logs from `connect from …` to
//! `disconnect from …`:
//!
//! ```text
//! postfix/submission/smtpd[14544]: connect from unknown[192.0.2.7]
//! postfix/submission/smtpd[14544]: Anonymous TLS connection established from unknown[192.0.2.7]: TLSv1 with cipher ECDHE-RSA-AES256-SHA (256/256 bits)
//! postfix/submission/smtpd[14544]: C959799608B: client=unknown[192.0.2.7], sasl_method=PLAIN, sasl_username=alice@example.de
//! postfix/submission/smtpd[14544]: disconnect from unknown[192.0.2.7] ehlo=2 starttls=1 auth=1 mail=1 rcpt=1 data=1 quit=1 commands=8
//! ```
//!
//! - The TLS line needs `smtpd_tls_loglevel = 1`; without it the disconnect line's
//!   `starttls=1` (Postfix 3.0 and newer) still tells that TLS was used, not which version.
//! - Postfix logs the SASL user only with a message it accepts (the queue-ID line): a client
//!   that logs in and sends nothing is counted (the disconnect line's `auth=1`) but cannot be
//!   named.
//! - The service comes from `syslog_name` in `master.cf`, as Debian's template sets it:
//!   `postfix/submission/…` (port 587), `postfix/smtps/…` or `postfix/submissions/…` (465),
//!   plain `postfix/smtpd` (25).
//!
//! A session is reported when its disconnect line arrives, or when the log ends.

use std::collections::HashMap;

use super::line::{Envelope, split_colon_space};
use super::sighting::{Protection, Service, Sighting, capped};
use super::stamp::LogTime;

/// Most sessions open at once that are remembered; a log with more (lost disconnect lines)
/// reports the oldest-looking ones early.
pub const OPEN_SESSIONS_CAP: usize = 65_536;
/// Most distinct users remembered per session.
const USERS_PER_SESSION: usize = 8;

/// What one smtpd session has shown so far.
#[derive(Debug, Default)]
struct Session {
    service: Option<Service>,
    /// `connect from` was seen: the whole session is in the log.
    whole: bool,
    tls: Option<(Protection, String)>,
    /// The name the client asked for (SNI), logged with `tls_server_sni_maps`.
    server_name: Option<String>,
    users: Vec<String>,
    time: Option<LogTime>,
}

/// What a line meant, for the line counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// A line of a session (connect, TLS, user, disconnect).
    Used,
    /// A Postfix line about something else (queue manager, delivery, warnings).
    NotAboutLogins,
}

/// Counts that tell the admin what the log could not show.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PostfixCounts {
    /// `TLS connection established` lines.
    pub tls_lines: u64,
    /// Sessions that used TLS (STARTTLS or port 465) by the disconnect line.
    pub tls_sessions: u64,
    /// Sessions whose client authenticated (`auth=1`) but sent no message, so no user was
    /// logged, by whether the connection breaks at the switch-off.
    pub unnamed_logins: u64,
    pub unnamed_logins_breaking: u64,
    /// Sessions reported early because too many were open.
    pub sessions_dropped: u64,
}

/// Follows smtpd sessions across interleaved processes and hosts.
#[derive(Debug, Default)]
pub struct Postfix {
    sessions: HashMap<(u64, u32), Session>,
    pub counts: PostfixCounts,
}

impl Postfix {
    /// Whether a syslog program tag is Postfix's.
    pub fn wants(program: &str) -> bool {
        program.starts_with("postfix")
    }

    /// Reads one Postfix line; sightings of finished sessions go to `out`.
    pub fn line(&mut self, envelope: &Envelope<'_>, out: &mut Vec<Sighting>) -> Outcome {
        let Some(service) = service_of(envelope.program) else {
            return Outcome::NotAboutLogins;
        };
        let Some(pid) = envelope.pid else {
            return Outcome::NotAboutLogins;
        };
        let key = (host_key(envelope.host), pid);
        let message = envelope.message;
        if message.starts_with("connect from ") {
            if let Some(old) = self.sessions.remove(&key) {
                self.finish(old, None, out);
            }
            self.make_room(out);
            self.sessions.insert(
                key,
                Session {
                    service: Some(service),
                    whole: true,
                    time: Some(envelope.time),
                    ..Session::default()
                },
            );
            return Outcome::Used;
        }
        if let Some(summary) = tls_summary(message) {
            self.counts.tls_lines += 1;
            let session = self.session(key, service, envelope.time, out);
            if let Some(tls) = summary.tls {
                session.tls = Some(tls);
            }
            if let Some(name) = summary.server_name {
                session.server_name = Some(name);
            }
            return Outcome::Used;
        }
        if let Some(user) = sasl_username(message) {
            let session = self.session(key, service, envelope.time, out);
            if !session.users.iter().any(|known| known == &user)
                && session.users.len() < USERS_PER_SESSION
            {
                session.users.push(user);
            }
            return Outcome::Used;
        }
        if let Some(stats) = message.strip_prefix("disconnect from ") {
            if let Some(session) = self.sessions.remove(&key) {
                self.finish(session, Some(stats), out);
            }
            return Outcome::Used;
        }
        Outcome::NotAboutLogins
    }

    /// Reports every session still open (the log ended).
    pub fn end(&mut self, out: &mut Vec<Sighting>) {
        let open: Vec<Session> = self.sessions.drain().map(|(_, session)| session).collect();
        for session in open {
            self.finish(session, None, out);
        }
    }

    /// The session of `key`, started (as a partial one) if its connect line was not seen.
    fn session(
        &mut self,
        key: (u64, u32),
        service: Service,
        time: LogTime,
        out: &mut Vec<Sighting>,
    ) -> &mut Session {
        if !self.sessions.contains_key(&key) {
            self.make_room(out);
        }
        self.sessions.entry(key).or_insert_with(|| Session {
            service: Some(service),
            time: Some(time),
            ..Session::default()
        })
    }

    fn make_room(&mut self, out: &mut Vec<Sighting>) {
        if self.sessions.len() < OPEN_SESSIONS_CAP {
            return;
        }
        if let Some(key) = self.sessions.keys().next().copied()
            && let Some(session) = self.sessions.remove(&key)
        {
            self.counts.sessions_dropped += 1;
            self.finish(session, None, out);
        }
    }

    /// Turns a finished session into one sighting per user. `stats` is the disconnect line's
    /// rest (`unknown[192.0.2.7] ehlo=2 starttls=1 auth=1 …`), when it was seen.
    fn finish(&mut self, session: Session, stats: Option<&str>, out: &mut Vec<Sighting>) {
        let Some(service) = session.service else {
            return;
        };
        let started_tls = service != Service::Smtps
            && session.tls.is_none()
            && stats.is_some_and(|stats| command_count(stats, "starttls") > 0);
        let used_tls = service == Service::Smtps || started_tls || session.tls.is_some();
        if used_tls && stats.is_some() {
            self.counts.tls_sessions += 1;
        }
        let (protection, cipher) = match session.tls {
            Some((protection, cipher)) => (protection, Some(cipher)),
            None if used_tls => (Protection::TlsVersionNotLogged, None),
            // The disconnect line lists every command: no STARTTLS there means none was sent.
            None if stats.is_some() && session.whole => (Protection::None, None),
            None => (Protection::Unknown, None),
        };
        if session.users.is_empty() {
            if stats.is_some_and(|stats| command_count(stats, "auth") > 0) {
                self.counts.unnamed_logins += 1;
                if protection.breaks_at_switch_off() {
                    self.counts.unnamed_logins_breaking += 1;
                }
            }
            return;
        }
        for account in session.users {
            out.push(Sighting {
                account,
                service,
                protection,
                cipher: cipher.clone(),
                server_name: session.server_name.clone(),
                port: service.standard_port(),
                client: None,
                time: session.time,
            });
        }
    }
}

/// The service an smtpd's syslog name stands for; `None` for Postfix's other programs.
fn service_of(program: &str) -> Option<Service> {
    let slash = memchr::memrchr(b'/', program.as_bytes())?;
    let (prefix, daemon) = (&program[..slash], &program[slash + 1..]);
    if daemon != "smtpd" {
        return None;
    }
    // `postfix`, `postfix/submission`, `postfix/smtps`, `postfix-out/submissions`.
    let name = memchr::memrchr(b'/', prefix.as_bytes()).map_or(prefix, |at| &prefix[at + 1..]);
    Some(match name {
        "submissions" | "smtps" => Service::Smtps,
        "submission" => Service::Submission,
        _ => Service::Smtp,
    })
}

/// What a TLS summary line says.
#[derive(Debug, PartialEq, Eq)]
struct TlsSummary {
    tls: Option<(Protection, String)>,
    server_name: Option<String>,
}

/// `smtpd_tls_loglevel = 1`'s summary (Postfix's `tls_log_summary`): `Anonymous TLS connection
/// established from host[addr]: TLSv1.2 with cipher … (256/256 bits) …`, with `Trusted`,
/// `Untrusted` or `Verified` for clients with certificates, `reused` for resumed sessions, and
/// ` to NAME` after the peer when the client's SNI matched `tls_server_sni_maps`.
fn tls_summary(message: &str) -> Option<TlsSummary> {
    // Checked by prefix, not searched for: every smtpd line passes here.
    let rest = ["Anonymous", "Untrusted", "Trusted", "Verified"]
        .iter()
        .find_map(|trust| message.strip_prefix(trust))?
        .strip_prefix(" TLS connection ")?;
    let rest = rest
        .strip_prefix("established from ")
        .or_else(|| rest.strip_prefix("reused from "))?;
    // The peer is `name[address]`; IPv6 addresses hold colons, so look past the bracket.
    let (_, after_peer) = rest.split_once(']')?;
    let (sni, details) = split_colon_space(after_peer)?;
    let server_name = sni
        .strip_prefix(" to ")
        .filter(|name| !name.is_empty())
        .map(capped);
    Some(TlsSummary {
        tls: version_and_cipher(details),
        server_name,
    })
}

/// `TLSv1.2 with cipher ECDHE-RSA-AES256-GCM-SHA384 (256/256 bits) …`.
fn version_and_cipher(details: &str) -> Option<(Protection, String)> {
    let (version, rest) = details.split_once(" with cipher ")?;
    let protection = Protection::from_version_word(version)?;
    let cipher = rest.split(' ').next().filter(|c| !c.is_empty())?;
    Some((protection, capped(cipher)))
}

/// The user of a queue-ID line: `C959799608B: client=…, sasl_method=PLAIN, sasl_username=u`.
fn sasl_username(message: &str) -> Option<String> {
    // The queue ID ends at the first colon.
    let colon = memchr::memchr(b':', message.as_bytes())?;
    let rest = message[colon..].strip_prefix(": client=")?;
    let at = SASL_USERNAME.find(rest.as_bytes())?;
    let user = &rest[at + SASL_USERNAME.needle().len()..];
    let user = user.split(", ").next().unwrap_or(user).trim();
    (!user.is_empty()).then(|| capped(user))
}

static SASL_USERNAME: std::sync::LazyLock<memchr::memmem::Finder<'static>> =
    std::sync::LazyLock::new(|| memchr::memmem::Finder::new(", sasl_username="));

/// How often the disconnect line counts `command` as successful (`auth=1`, `auth=0/1`).
fn command_count(stats: &str, command: &str) -> u32 {
    let bytes = stats.as_bytes();
    let mut from = 0;
    while let Some(found) = memchr::memchr(b'=', &bytes[from..]) {
        let at = from + found;
        let name_start = memchr::memrchr(b' ', &bytes[..at]).map_or(0, |space| space + 1);
        if &stats[name_start..at] == command {
            let digits = bytes[at + 1..]
                .iter()
                .take_while(|b| b.is_ascii_digit())
                .count();
            return stats[at + 1..at + 1 + digits].parse().unwrap_or(0);
        }
        from = at + 1;
    }
    0
}

/// Hosts told apart cheaply (FNV-1a): logs of several servers may share process ids.
fn host_key(host: &str) -> u64 {
    host.bytes().fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::line;
    use crate::audit::stamp::Date;
    use mailtls_shared::TlsVersion;

    const REFERENCE: Date = crate::audit::stamp::tests::DEC_2026;

    /// Feeds syslog lines (`TIME HOST TAG[PID]: MESSAGE`) and ends the log.
    fn sightings(lines: &[&str]) -> (Vec<Sighting>, PostfixCounts) {
        let mut postfix = Postfix::default();
        let mut out = Vec::new();
        for text in lines {
            let envelope = line::parse(text, REFERENCE).expect("a syslog line");
            postfix.line(&envelope, &mut out);
        }
        postfix.end(&mut out);
        (out, postfix.counts)
    }

    // Lines as Postfix 3.7 wrote them in the e2e lab (`maillog_file`).
    const TLS10_SUBMISSION: [&str; 4] = [
        "Dec 05 07:34:09 mx postfix/submission/smtpd[14792]: connect from unknown[127.0.0.1]",
        "Dec 05 07:34:09 mx postfix/submission/smtpd[14792]: Anonymous TLS connection established from unknown[127.0.0.1]: TLSv1 with cipher ECDHE-RSA-AES256-SHA (256/256 bits)",
        "Dec 05 07:34:09 mx postfix/submission/smtpd[14792]: C959799608B: client=unknown[127.0.0.1], sasl_method=PLAIN, sasl_username=alice@example.test",
        "Dec 05 07:34:09 mx postfix/submission/smtpd[14792]: disconnect from unknown[127.0.0.1] ehlo=2 starttls=1 auth=1 mail=1 rcpt=1 data=1 quit=1 commands=8",
    ];

    #[test]
    fn a_submission_session_over_tls_1_0_names_user_version_cipher_and_port() {
        let (found, counts) = sightings(&TLS10_SUBMISSION);
        assert_eq!(found.len(), 1);
        let sighting = &found[0];
        assert_eq!(sighting.account, "alice@example.test");
        assert_eq!(sighting.service, Service::Submission);
        assert_eq!(sighting.protection, Protection::Tls(TlsVersion::Tls10));
        assert_eq!(sighting.cipher.as_deref(), Some("ECDHE-RSA-AES256-SHA"));
        assert_eq!(sighting.port, Some(587));
        assert_eq!(
            sighting.time.map(|t| t.to_string()).as_deref(),
            Some("2026-12-05 07:34:09")
        );
        assert_eq!(counts.tls_lines, 1);
    }

    #[test]
    fn a_port_25_login_without_starttls_is_plain_text() {
        let (found, _) = sightings(&[
            "Dec 05 07:34:09 mx postfix/smtpd[14800]: connect from unknown[127.0.0.2]",
            "Dec 05 07:34:09 mx postfix/smtpd[14800]: D160F99608B: client=unknown[127.0.0.2], sasl_method=PLAIN, sasl_username=bob@example.test",
            "Dec 05 07:34:09 mx postfix/cleanup[14797]: D160F99608B: message-id=<>",
            "Dec 05 07:34:09 mx postfix/smtpd[14800]: disconnect from unknown[127.0.0.2] ehlo=1 auth=1 mail=1 rcpt=1 data=1 quit=1 commands=6",
        ]);
        assert_eq!(found.len(), 1);
        assert_eq!(
            (found[0].service, found[0].protection, found[0].port),
            (Service::Smtp, Protection::None, Some(25))
        );
    }

    #[test]
    fn interleaved_processes_and_hosts_keep_their_own_sessions() {
        let lines = [
            "Dec 05 07:00:00 mx1 postfix/submission/smtpd[7]: connect from a[192.0.2.1]",
            "Dec 05 07:00:00 mx2 postfix/submission/smtpd[7]: connect from b[192.0.2.2]",
            "Dec 05 07:00:00 mx1 postfix/submission/smtpd[8]: connect from c[192.0.2.3]",
            "Dec 05 07:00:01 mx2 postfix/submission/smtpd[7]: Anonymous TLS connection established from b[192.0.2.2]: TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits) key-exchange X25519",
            "Dec 05 07:00:01 mx1 postfix/submission/smtpd[7]: Anonymous TLS connection established from a[192.0.2.1]: TLSv1.1 with cipher ECDHE-RSA-AES256-SHA (256/256 bits)",
            "Dec 05 07:00:02 mx1 postfix/submission/smtpd[8]: Untrusted TLS connection established from c[192.0.2.3]: TLSv1.2 with cipher ECDHE-RSA-AES128-GCM-SHA256 (128/128 bits)",
            "Dec 05 07:00:03 mx2 postfix/submission/smtpd[7]: 1A: client=b[192.0.2.2], sasl_method=PLAIN, sasl_username=b@x.test",
            "Dec 05 07:00:03 mx1 postfix/submission/smtpd[8]: 1B: client=c[192.0.2.3], sasl_method=LOGIN, sasl_username=c@x.test",
            "Dec 05 07:00:03 mx1 postfix/submission/smtpd[7]: 1C: client=a[192.0.2.1], sasl_method=PLAIN, sasl_username=a@x.test",
            "Dec 05 07:00:04 mx1 postfix/submission/smtpd[7]: disconnect from a[192.0.2.1] ehlo=2 starttls=1 auth=1 mail=1 rcpt=1 data=1 quit=1 commands=8",
            "Dec 05 07:00:04 mx2 postfix/submission/smtpd[7]: disconnect from b[192.0.2.2] ehlo=2 starttls=1 auth=1 mail=1 rcpt=1 data=1 quit=1 commands=8",
            "Dec 05 07:00:04 mx1 postfix/submission/smtpd[8]: disconnect from c[192.0.2.3] ehlo=2 starttls=1 auth=1 mail=1 rcpt=1 data=1 quit=1 commands=8",
        ];
        let (found, _) = sightings(&lines);
        let got: Vec<(&str, Protection)> = found
            .iter()
            .map(|s| (s.account.as_str(), s.protection))
            .collect();
        assert_eq!(
            got,
            [
                ("a@x.test", Protection::Tls(TlsVersion::Tls11)),
                ("b@x.test", Protection::Tls(TlsVersion::Tls13)),
                ("c@x.test", Protection::Tls(TlsVersion::Tls12)),
            ]
        );
    }

    #[test]
    fn without_the_tls_loglevel_starttls_is_known_but_not_its_version() {
        let (found, counts) = sightings(&[
            TLS10_SUBMISSION[0],
            TLS10_SUBMISSION[2],
            TLS10_SUBMISSION[3],
        ]);
        assert_eq!(found[0].protection, Protection::TlsVersionNotLogged);
        assert_eq!((counts.tls_lines, counts.tls_sessions), (0, 1));
    }

    #[test]
    fn a_session_cut_off_by_the_start_or_end_of_the_log_is_unknown_not_plain() {
        // No connect line: the TLS line may have come before the log starts.
        let (found, _) = sightings(&[TLS10_SUBMISSION[2], TLS10_SUBMISSION[3]]);
        assert_eq!(found[0].protection, Protection::TlsVersionNotLogged);
        let (found, _) = sightings(&[
            "Dec 05 07:34:09 mx postfix/smtpd[1]: 2A: client=x[192.0.2.9], sasl_method=PLAIN, sasl_username=u@x.test",
            "Dec 05 07:34:09 mx postfix/smtpd[1]: disconnect from x[192.0.2.9] ehlo=1 auth=1 mail=1 rcpt=1 data=1 quit=1 commands=6",
        ]);
        assert_eq!(found[0].protection, Protection::Unknown);
        // No disconnect line: the log ended mid-session.
        let (found, _) = sightings(&[
            "Dec 05 07:34:09 mx postfix/smtpd[1]: connect from x[192.0.2.9]",
            "Dec 05 07:34:09 mx postfix/smtpd[1]: 2A: client=x[192.0.2.9], sasl_method=PLAIN, sasl_username=u@x.test",
        ]);
        assert_eq!(found[0].protection, Protection::Unknown);
    }

    #[test]
    fn a_login_that_sent_nothing_is_counted_without_a_name() {
        let (found, counts) = sightings(&[
            TLS10_SUBMISSION[0],
            TLS10_SUBMISSION[1],
            "Dec 05 07:34:09 mx postfix/submission/smtpd[14792]: disconnect from unknown[127.0.0.1] ehlo=2 starttls=1 auth=1 quit=1 commands=5",
            "Dec 05 07:34:10 mx postfix/submission/smtpd[14792]: connect from unknown[127.0.0.1]",
            "Dec 05 07:34:10 mx postfix/submission/smtpd[14792]: disconnect from unknown[127.0.0.1] ehlo=1 auth=0/1 quit=1 commands=2/3",
        ]);
        assert!(found.is_empty());
        assert_eq!(
            (counts.unnamed_logins, counts.unnamed_logins_breaking),
            (1, 1)
        );
    }

    #[test]
    fn tls_summaries_with_certificates_resumption_sni_and_ipv6_are_read() {
        let cases = [
            (
                "Anonymous TLS connection established from unknown[2001:db8::1]: TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits) key-exchange X25519 server-signature RSA-PSS (2048 bits) server-digest SHA256",
                Some(TlsVersion::Tls13),
                None,
            ),
            (
                "Trusted TLS connection reused from host.example.de[192.0.2.1] to mail.example.de: TLSv1.2 with cipher ECDHE-RSA-AES256-GCM-SHA384 (256/256 bits)",
                Some(TlsVersion::Tls12),
                Some("mail.example.de"),
            ),
            (
                "Untrusted TLS connection established from x[192.0.2.1]: TLSv9 with cipher X (1/1 bits)",
                None,
                None,
            ),
        ];
        for (message, version, name) in cases {
            let summary = tls_summary(message).expect("a TLS summary");
            assert_eq!(
                summary.tls.map(|(protection, _)| protection),
                version.map(Protection::Tls),
                "{message}"
            );
            assert_eq!(summary.server_name.as_deref(), name, "{message}");
        }
        assert_eq!(tls_summary("TLS connection lost from x[1.2.3.4]"), None);
    }

    #[test]
    fn command_counts_are_read_from_the_disconnect_line() {
        let stats = "unknown[192.0.2.7] ehlo=2 starttls=1 auth=0/1 mail=1 rcpt=1 commands=6/7";
        assert_eq!(command_count(stats, "starttls"), 1);
        assert_eq!(command_count(stats, "auth"), 0);
        assert_eq!(command_count(stats, "ehlo"), 2);
        assert_eq!(command_count(stats, "quit"), 0);
        assert_eq!(command_count("x[1.2.3.4] xauth=3 auth=2", "auth"), 2);
    }

    #[test]
    fn services_come_from_the_syslog_name() {
        let cases = [
            ("postfix/smtpd", Some(Service::Smtp)),
            ("postfix/submission/smtpd", Some(Service::Submission)),
            ("postfix/smtps/smtpd", Some(Service::Smtps)),
            ("postfix/submissions/smtpd", Some(Service::Smtps)),
            ("postfix-out/submission/smtpd", Some(Service::Submission)),
            ("postfix/qmgr", None),
            ("postfix/submission/smtp", None),
            ("postfix", None),
        ];
        for (program, service) in cases {
            assert_eq!(service_of(program), service, "{program}");
        }
    }

    #[test]
    fn too_many_open_sessions_are_reported_early_not_kept() {
        let mut postfix = Postfix::default();
        let mut out = Vec::new();
        for pid in 0..(OPEN_SESSIONS_CAP as u32 + 10) {
            let text =
                format!("Dec 05 07:00:00 mx postfix/smtpd[{pid}]: connect from a[192.0.2.1]");
            let envelope = line::parse(&text, REFERENCE).expect("line");
            postfix.line(&envelope, &mut out);
        }
        assert_eq!(postfix.sessions.len(), OPEN_SESSIONS_CAP);
        assert_eq!(postfix.counts.sessions_dropped, 10);
    }
}
