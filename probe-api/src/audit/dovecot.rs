//! Dovecot's login lines and the programs' IMAP `ID`s.
//!
//! A login process logs each login once, with the elements of `login_log_format_elements`
//! joined by `, ` (empty ones left out):
//!
//! ```text
//! imap-login: Info: Login: user=<alice@example.de>, method=PLAIN, rip=192.0.2.7, lip=192.0.2.1, lport=993, sni=mail.example.de, mpid=14279, TLS, TLSv1 with cipher ECDHE-RSA-AES256-SHA (256/256 bits), session=<hRwWA95h+Jx/AAAB>
//! imap(alice@example.de)<14279><hRwWA95h+Jx/AAAB>: Info: ID sent: name=Thunderbird, version=115.3.1
//! ```
//!
//! - `%c` (2.4: `%{secured}`) prints `TLS`, or `secured` for a connection from the server
//!   itself or a trusted network, or nothing for plain text; `%k` (2.4: `%{ssl_security}`)
//!   prints the version and cipher. Dovecot's default logs `%c` but not `%k`.
//! - `%a` (`%{local_port}`) and `%{local_name}` (the SNI name) are not in the default either;
//!   the audit reads them as `lport=` and `sni=`.
//! - `imap_id_log = *` (2.3) logs the program's `ID`: before the login from the login process
//!   (with the login elements after `: `, `session=` among them), after it from the imap
//!   process, whose log prefix carries the session. Dovecot 2.4 logs it at debug level
//!   (`Pre-login ID sent:`, `ID sent:`) with `log_debug = event=imap_id_received`.
//! - Dovecot 2.4 writes `Logged in:` where 2.3 wrote `Login:` (captured from 2.4.1, Debian 13);
//!   the elements are the same.
//! - In Dovecot's own log file every message has its level (`Info: `); on syslog, info
//!   messages have none.
//!
//! An IMAP login is held until its session's `ID` line or its `Disconnected` line arrives (or
//! the log ends), so the program's name joins the login.

use std::collections::HashMap;

use super::line::{Envelope, Form, split_colon_space, without_dovecot_level};
use super::sighting::{ClientId, Protection, Service, Sighting, capped};

/// Most logins waiting for their `ID`, and most pre-login `ID`s waiting for their login.
pub const PENDING_CAP: usize = 65_536;

/// What a line meant, for the line counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Used,
    /// A Dovecot line about something else.
    NotAboutLogins,
    /// A `Login:` line without `user=<…>`.
    MalformedLogin,
}

/// Counts that tell the admin what the log could not show.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DovecotCounts {
    pub logins: u64,
    /// Logins with `TLS` but no version (`%k` missing).
    pub tls_without_version: u64,
    /// Logins that showed any TLS element (`TLS`, `secured`, a version): the format logs `%c`.
    pub logins_with_tls_element: u64,
    pub imap_logins: u64,
    pub id_lines: u64,
    /// Logins or `ID`s reported or dropped early because too many were waiting.
    pub pending_dropped: u64,
}

/// Follows Dovecot's logins.
#[derive(Debug, Default)]
pub struct Dovecot {
    /// IMAP logins waiting for their program's `ID`, by session.
    logins: HashMap<String, Sighting>,
    /// `ID`s sent before the login, by session.
    early_ids: HashMap<String, ClientId>,
    pub counts: DovecotCounts,
}

impl Dovecot {
    /// Whether a syslog program tag is Dovecot's.
    pub fn wants(envelope: &Envelope<'_>) -> bool {
        envelope.form == Form::DovecotFile || envelope.program == "dovecot"
    }

    /// Reads one Dovecot line; finished logins go to `out`.
    pub fn line(&mut self, envelope: &Envelope<'_>, out: &mut Vec<Sighting>) -> Outcome {
        // On syslog the service is the message's first part: `imap-login: Login: …`.
        let (service, message) = match envelope.form {
            Form::DovecotFile => (envelope.program, envelope.message),
            Form::Syslog => match split_colon_space(envelope.message) {
                Some(parts) => parts,
                None => return Outcome::NotAboutLogins,
            },
        };
        let message = without_dovecot_level(message);
        if let Some(protocol) = service.strip_suffix("-login") {
            let service = match protocol {
                "imap" => Service::Imap,
                "pop3" => Service::Pop3,
                "submission" => Service::Submission,
                _ => return Outcome::NotAboutLogins,
            };
            // 2.3 writes `Login:`, 2.4 `Logged in:`.
            if let Some(elements) = message
                .strip_prefix("Login: ")
                .or_else(|| message.strip_prefix("Logged in: "))
            {
                return self.login(service, elements, envelope, out);
            }
            let early = message
                .strip_prefix("ID sent: ")
                .or_else(|| message.strip_prefix("Pre-login ID sent: "));
            if let Some(rest) = early {
                self.counts.id_lines += 1;
                // `name=X, version=Y: user=<>, rip=…, session=<…>`: the elements follow the
                // last `: ` (ID values are free text and may hold one).
                if let Some((id, elements)) = rest.rsplit_once(": ")
                    && let Some(session) = Elements::parse(elements).session
                    && let Some(client) = client_id(id)
                {
                    if let Some(login) = self.logins.get_mut(&session) {
                        login.client.get_or_insert(client);
                    } else {
                        self.make_room_for_id();
                        self.early_ids.insert(session, client);
                    }
                }
                return Outcome::Used;
            }
            return Outcome::NotAboutLogins;
        }
        // `imap(alice@example.de)<14279><hRwWA95h+Jx/AAAB>`: the mail process of a session.
        let Some(session) = mail_process_session(service) else {
            return Outcome::NotAboutLogins;
        };
        if let Some(id) = message.strip_prefix("ID sent: ") {
            self.counts.id_lines += 1;
            if let Some(mut login) = self.logins.remove(session) {
                login.client = login.client.or_else(|| client_id(id));
                out.push(login);
            }
            return Outcome::Used;
        }
        if message.starts_with("Disconnected") || message.starts_with("Connection closed") {
            if let Some(login) = self.logins.remove(session) {
                out.push(login);
            }
            return Outcome::Used;
        }
        Outcome::NotAboutLogins
    }

    /// Reports every login still waiting (the log ended).
    pub fn end(&mut self, out: &mut Vec<Sighting>) {
        out.extend(self.logins.drain().map(|(_, login)| login));
        self.early_ids.clear();
    }

    fn login(
        &mut self,
        service: Service,
        elements: &str,
        envelope: &Envelope<'_>,
        out: &mut Vec<Sighting>,
    ) -> Outcome {
        let elements = Elements::parse(elements);
        let Some(account) = elements.user.filter(|user| !user.is_empty()) else {
            return Outcome::MalformedLogin;
        };
        self.counts.logins += 1;
        if elements.shows_tls_element() {
            self.counts.logins_with_tls_element += 1;
        }
        let protection = elements.protection();
        if protection == Protection::TlsVersionNotLogged {
            self.counts.tls_without_version += 1;
        }
        let mut sighting = Sighting {
            account: capped(account),
            service,
            protection,
            cipher: elements.cipher.map(capped),
            server_name: elements.sni.map(capped),
            port: elements.port,
            client: None,
            time: Some(envelope.time),
        };
        if let Some(session) = elements.session {
            sighting.client = self.early_ids.remove(&session);
            if service == Service::Imap {
                self.counts.imap_logins += 1;
                if sighting.client.is_none() {
                    if self.logins.len() >= PENDING_CAP
                        && let Some(key) = self.logins.keys().next().cloned()
                        && let Some(early) = self.logins.remove(&key)
                    {
                        self.counts.pending_dropped += 1;
                        out.push(early);
                    }
                    self.logins.insert(session, sighting);
                    return Outcome::Used;
                }
            }
        }
        out.push(sighting);
        Outcome::Used
    }

    fn make_room_for_id(&mut self) {
        if self.early_ids.len() >= PENDING_CAP
            && let Some(key) = self.early_ids.keys().next().cloned()
        {
            self.early_ids.remove(&key);
            self.counts.pending_dropped += 1;
        }
    }
}

/// The elements of a login line that the audit reads.
#[derive(Debug, Default, PartialEq, Eq)]
struct Elements<'a> {
    user: Option<&'a str>,
    port: Option<u16>,
    sni: Option<&'a str>,
    session: Option<String>,
    /// `TLS` (or 2.4.0's misspelt `TSL`).
    tls: bool,
    secured: bool,
    version: Option<Protection>,
    cipher: Option<&'a str>,
}

impl<'a> Elements<'a> {
    fn parse(text: &'a str) -> Elements<'a> {
        let mut elements = Elements::default();
        for element in split_elements(text) {
            // Dispatched on the first byte: eight or so elements per login, on every login.
            match element.as_bytes().first() {
                Some(b'u') => {
                    if let Some(user) = bracketed(element, "user=") {
                        elements.user = Some(user);
                    }
                }
                Some(b's') => {
                    if let Some(session) = bracketed(element, "session=") {
                        elements.session = Some(capped(session));
                    } else if element == "secured" {
                        elements.secured = true;
                    } else if let Some(name) = element.strip_prefix("sni=") {
                        elements.sni = sni(name);
                    }
                }
                Some(b'l') => {
                    if let Some(port) = element.strip_prefix("lport=") {
                        elements.port = port.parse().ok();
                    } else if let Some(name) = element.strip_prefix("local_name=") {
                        elements.sni = sni(name);
                    }
                }
                Some(b'T' | b'S') => {
                    if element == "TLS" || element == "TSL" {
                        elements.tls = true;
                    } else if (element.starts_with("TLSv") || element.starts_with("SSLv"))
                        && let Some((version, rest)) = element.split_once(" with cipher ")
                    {
                        elements.version = Protection::from_version_word(version);
                        elements.cipher = rest.split(' ').next().filter(|c| !c.is_empty());
                    }
                }
                _ => {}
            }
        }
        elements
    }

    fn shows_tls_element(&self) -> bool {
        self.tls || self.secured || self.version.is_some()
    }

    /// No element at all is plain text only if the format logs `%c`: that is settled once the
    /// whole log is read ([`Protection::settled`]).
    fn protection(&self) -> Protection {
        match (self.version, self.tls, self.secured) {
            (Some(version), _, _) => version,
            (None, true, _) => Protection::TlsVersionNotLogged,
            (None, false, true) => Protection::Trusted,
            (None, false, false) => Protection::NoTlsElement,
        }
    }
}

/// Splits `a=<x, y>, b, c` at `, ` outside `<…>`.
fn split_elements(text: &str) -> impl Iterator<Item = &str> {
    let mut rest = text;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let mut depth = 0usize;
        let bytes = rest.as_bytes();
        let mut index = 0;
        while index < bytes.len() {
            match bytes[index] {
                b'<' => depth += 1,
                b'>' => depth = depth.saturating_sub(1),
                b',' if depth == 0 && bytes.get(index + 1) == Some(&b' ') => {
                    let element = &rest[..index];
                    rest = &rest[index + 2..];
                    return Some(element);
                }
                _ => {}
            }
            index += 1;
        }
        let element = rest;
        rest = "";
        Some(element)
    })
}

/// The SNI element's name, with or without brackets; none when empty.
fn sni(name: &str) -> Option<&str> {
    Some(name.trim_matches(['<', '>'])).filter(|n| !n.is_empty())
}

/// `user=<x>` → `x`.
fn bracketed<'a>(element: &'a str, name: &str) -> Option<&'a str> {
    element
        .strip_prefix(name)?
        .strip_prefix('<')?
        .strip_suffix('>')
}

/// The session of a mail process's log prefix: `imap(user)<pid><session>` → `session`.
fn mail_process_session(service: &str) -> Option<&str> {
    let rest = service
        .strip_prefix("imap(")
        .or_else(|| service.strip_prefix("pop3("))?;
    // `user)<pid><session>`: the session after the last `<`, the pid before it.
    let (rest, session) = rest.strip_suffix('>')?.rsplit_once('<')?;
    let (rest, _pid) = rest.strip_suffix('>')?.rsplit_once('<')?;
    rest.strip_suffix(')')?;
    (!session.is_empty()).then_some(session)
}

/// `name=Thunderbird, version=115.3.1, os=…` → the program's name and version (Dovecot prints a
/// null value as `NIL`).
fn client_id(pairs: &str) -> Option<ClientId> {
    let mut name = None;
    let mut version = None;
    for pair in pairs.split(", ") {
        match pair.split_once('=') {
            Some(("name", value)) if value != "NIL" && !value.is_empty() => {
                name = Some(capped(value));
            }
            Some(("version", value)) if value != "NIL" && !value.is_empty() => {
                version = Some(capped(value));
            }
            _ => {}
        }
    }
    Some(ClientId {
        name: name?,
        version,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::line;
    use crate::audit::stamp::Date;
    use mailtls_shared::TlsVersion;

    const REFERENCE: Date = crate::audit::stamp::tests::DEC_2026;

    fn sightings(lines: &[&str]) -> (Vec<Sighting>, DovecotCounts) {
        let mut dovecot = Dovecot::default();
        let mut out = Vec::new();
        for text in lines {
            let envelope = line::parse(text, REFERENCE).expect("a log line");
            assert!(Dovecot::wants(&envelope), "{text}");
            dovecot.line(&envelope, &mut out);
        }
        dovecot.end(&mut out);
        (out, dovecot.counts)
    }

    // Lines as Dovecot 2.3.19 wrote them in the e2e lab (`log_path`), with
    // `login_log_format_elements = user=<%u> method=%m rip=%r lip=%l lport=%a sni=%{local_name}
    // mpid=%e %c %k session=<%{session}>` and `imap_id_log = *`.
    const TLS10_IMAP: [&str; 3] = [
        "Dec 05 07:33:42 imap-login: Info: Login: user=<alice@example.test>, method=PLAIN, rip=127.0.0.1, lip=127.0.0.1, lport=20993, mpid=14279, TLS, TLSv1 with cipher ECDHE-RSA-AES256-SHA (256/256 bits), session=<hRwWA95h+Jx/AAAB>",
        "Dec 05 07:33:42 imap(alice@example.test)<14279><hRwWA95h+Jx/AAAB>: Info: ID sent: name=Thunderbird, version=115.3.1",
        "Dec 05 07:33:42 imap(alice@example.test)<14279><hRwWA95h+Jx/AAAB>: Info: Disconnected: Logged out in=63 out=544 deleted=0 expunged=0 trashed=0 hdr_count=0 hdr_bytes=0 body_count=0 body_bytes=0",
    ];

    #[test]
    fn an_imap_login_over_tls_1_0_joins_the_program_it_named_afterwards() {
        let (found, counts) = sightings(&TLS10_IMAP);
        assert_eq!(
            found,
            [Sighting {
                account: "alice@example.test".into(),
                service: Service::Imap,
                protection: Protection::Tls(TlsVersion::Tls10),
                cipher: Some("ECDHE-RSA-AES256-SHA".into()),
                server_name: None,
                port: Some(20993),
                client: Some(ClientId {
                    name: "Thunderbird".into(),
                    version: Some("115.3.1".into())
                }),
                time: found[0].time,
            }]
        );
        assert_eq!((counts.logins, counts.id_lines), (1, 1));
    }

    /// Lines Dovecot 2.4.1 (Debian 13) wrote to its `log_path` for curl and a raw IMAP
    /// client on 2026-12-05, with the configuration `docs/audit.md` gives for 2.4.
    const DOVECOT_24: [&str; 8] = [
        "Dec 05 08:45:37 imap-login: Info: Logged in: user=<alice@example.test>, method=PLAIN, rip=10.88.0.1, lip=10.88.0.25, mpid=12, TLS, TLSv1 with cipher ECDHE-RSA-AES256-SHA (256/256 bits), lport=993, session=<FwpMBN9hHIwKWAAB>",
        "Dec 05 08:45:37 imap(alice@example.test)<12><FwpMBN9hHIwKWAAB>: Debug: ID sent: name=Thunderbird, version=115.3.1",
        "Dec 05 08:45:37 imap(alice@example.test)<12><FwpMBN9hHIwKWAAB>: Info: Disconnected: Logged out in=63 out=592 deleted=0 expunged=0 trashed=0 hdr_count=0 hdr_bytes=0 body_count=0 body_bytes=0",
        "Dec 05 08:45:38 pop3-login: Info: Logged in: user=<bob@example.test>, method=PLAIN, rip=10.88.0.1, lip=10.88.0.25, mpid=14, TLS, TLSv1.1 with cipher ECDHE-RSA-AES256-SHA (256/256 bits), lport=110, session=<pLRMBN9hAskKWAAB>",
        "Dec 05 08:45:38 imap-login: Info: Logged in: user=<alice@example.test>, method=PLAIN, rip=10.88.0.1, lip=10.88.0.25, mpid=18, TLS, TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits), lport=993, sni=login.example.test, session=<X8dNBN9hHowKWAAB>",
        "Dec 05 08:45:38 imap(alice@example.test)<18><X8dNBN9hHowKWAAB>: Info: Disconnected: Logged out in=27 out=604 deleted=0 expunged=0 trashed=0 hdr_count=0 hdr_bytes=0 body_count=0 body_bytes=0",
        "Dec 05 08:45:38 imap-login: Debug: Pre-login ID sent: name=Apple Mail, version=16.0 (3731.5): user=<>, rip=10.88.0.1, lip=10.88.0.25, lport=143, session=<9YxPBN9hyM4KWAAB>",
        "Dec 05 08:45:38 imap-login: Info: Logged in: user=<bob@example.test>, method=PLAIN, rip=10.88.0.1, lip=10.88.0.25, mpid=20, lport=143, session=<9YxPBN9hyM4KWAAB>",
    ];

    #[test]
    fn dovecot_2_4_logins_and_ids_are_read_like_2_3s() {
        let (found, counts) = sightings(&DOVECOT_24);
        type Row = (
            String,
            Service,
            Protection,
            Option<u16>,
            Option<String>,
            Option<String>,
        );
        let mut got: Vec<Row> = found
            .iter()
            .map(|s| {
                (
                    s.account.clone(),
                    s.service,
                    s.protection,
                    s.port,
                    s.server_name.clone(),
                    s.client.as_ref().map(ToString::to_string),
                )
            })
            .collect();
        got.sort_by_key(|row| (row.0.clone(), row.3, row.2));
        assert_eq!(
            got,
            [
                (
                    "alice@example.test".into(),
                    Service::Imap,
                    Protection::Tls(TlsVersion::Tls10),
                    Some(993),
                    None,
                    Some("Thunderbird 115.3.1".into())
                ),
                (
                    "alice@example.test".into(),
                    Service::Imap,
                    Protection::Tls(TlsVersion::Tls13),
                    Some(993),
                    Some("login.example.test".into()),
                    None
                ),
                (
                    "bob@example.test".into(),
                    Service::Pop3,
                    Protection::Tls(TlsVersion::Tls11),
                    Some(110),
                    None,
                    None
                ),
                (
                    "bob@example.test".into(),
                    Service::Imap,
                    Protection::NoTlsElement,
                    Some(143),
                    None,
                    Some("Apple Mail 16.0 (3731.5)".into())
                ),
            ]
        );
        assert_eq!((counts.logins, counts.id_lines), (4, 2));
    }

    #[test]
    fn an_id_sent_before_the_login_joins_it_by_session() {
        let (found, _) = sightings(&[
            "Dec 05 07:34:45 imap-login: Info: ID sent: name=Apple Mail, version=16.0 (3731.5), os=macOS: user=<>, rip=127.0.0.2, lip=127.0.0.1, lport=20143, session=<+C/NBt5hE5N/AAAC>",
            "Dec 05 07:34:51 imap-login: Info: Login: user=<bob@example.test>, method=PLAIN, rip=127.0.0.2, lip=127.0.0.1, lport=20143, mpid=16695, session=<+C/NBt5hE5N/AAAC>",
        ]);
        assert_eq!(found.len(), 1);
        assert_eq!(
            found[0].client.as_ref().map(ToString::to_string).as_deref(),
            Some("Apple Mail 16.0 (3731.5)")
        );
        // No TLS element: plain text or a format without `%c`, settled by the report.
        assert_eq!(found[0].protection, Protection::NoTlsElement);
    }

    #[test]
    fn syslog_lines_without_level_and_2_4_debug_ids_are_read_too() {
        let (found, counts) = sightings(&[
            "2026-12-05T07:33:42.262668+01:00 mail dovecot[812]: imap-login: Login: user=<carol@example.test>, method=PLAIN, rip=192.0.2.7, lip=192.0.2.1, mpid=23349, TLS, session=<sF+SszFtrD5Q8TzB>",
            "2026-12-05T07:33:43.001000+01:00 mail dovecot[812]: imap(carol@example.test)<23349><sF+SszFtrD5Q8TzB>: Debug: ID sent: name=iPhone Mail, version=22C161, os=iOS",
            "Dec  5 07:40:00 mail dovecot: pop3-login: Login: user=<dave@example.test>, method=PLAIN, rip=192.0.2.8, lip=192.0.2.1, mpid=23350, secured, session=<AAAAAAAAAAAAAAAB>",
        ]);
        let got: Vec<(&str, Service, Protection, Option<String>)> = found
            .iter()
            .map(|s| {
                (
                    s.account.as_str(),
                    s.service,
                    s.protection,
                    s.client.as_ref().map(ToString::to_string),
                )
            })
            .collect();
        assert_eq!(
            got,
            [
                (
                    "carol@example.test",
                    Service::Imap,
                    Protection::TlsVersionNotLogged,
                    Some("iPhone Mail 22C161".into())
                ),
                (
                    "dave@example.test",
                    Service::Pop3,
                    Protection::Trusted,
                    None
                ),
            ]
        );
        assert_eq!(counts.tls_without_version, 1);
    }

    #[test]
    fn a_login_without_id_is_reported_at_its_disconnect_or_the_end_of_the_log() {
        let (found, _) = sightings(&[TLS10_IMAP[0], TLS10_IMAP[2]]);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].client, None);
        let (found, _) = sightings(&[TLS10_IMAP[0]]);
        assert_eq!(found.len(), 1);
    }

    #[test]
    fn login_elements_are_read_whatever_their_order_and_brackets() {
        let elements = Elements::parse(
            "session=<a, b>, TLS, user=<x, y@z.test>, sni=<mail.example.de>, lport=993, TLSv1.1 with cipher AES128-SHA (128/128 bits)",
        );
        assert_eq!(elements.user, Some("x, y@z.test"));
        assert_eq!(elements.session.as_deref(), Some("a, b"));
        assert_eq!(elements.sni, Some("mail.example.de"));
        assert_eq!(elements.port, Some(993));
        assert_eq!(elements.protection(), Protection::Tls(TlsVersion::Tls11));
        assert_eq!(elements.cipher, Some("AES128-SHA"));
    }

    #[test]
    fn a_login_line_without_user_is_malformed_not_dropped() {
        let mut dovecot = Dovecot::default();
        let mut out = Vec::new();
        let envelope = line::parse(
            "Dec 05 07:33:42 imap-login: Info: Login: method=PLAIN, TLS",
            REFERENCE,
        )
        .expect("line");
        assert_eq!(dovecot.line(&envelope, &mut out), Outcome::MalformedLogin);
        assert!(out.is_empty());
    }

    #[test]
    fn mail_process_prefixes_name_their_session() {
        assert_eq!(
            mail_process_session("imap(a@b.test)<14279><hRwWA95h+Jx/AAAB>"),
            Some("hRwWA95h+Jx/AAAB")
        );
        assert_eq!(mail_process_session("imap(a@b.test)"), None);
        assert_eq!(mail_process_session("imap-login"), None);
        assert_eq!(client_id("name=NIL, version=1"), None);
    }
}
