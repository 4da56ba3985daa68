//! The mail merge: one CSV row per account that must change something, with a sentence for
//! the letter saying what breaks and a personalised check link — the help page's settings link
//! (`shared::link`) pre-filled with the account's address and the server name, port and
//! encryption it actually used, so the page checks exactly what the customer's program does.
//!
//! Also here: marking server names the provider profile retires.

use mailtls_shared::link::{self, param, value};
use mailtls_shared::{Hostname, Lang, Profile, TlsVersion};

use super::report::{AccountReport, AuditReport, sort_accounts};
use super::sighting::{Protection, Service};
use super::tally::Usage;

/// What the links are made of.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkOptions {
    /// Where the help page is (`https://hilfe.example.de`); the links are `{page_url}/check…`.
    pub page_url: String,
    pub lang: Lang,
    /// The server names for links where the log names none (no SNI logged).
    pub server_names: ServerNames,
    /// Ports with TLS from the first byte (993, 995 and 465 by default).
    pub implicit_tls_ports: Vec<u16>,
}

/// The server name a link carries per service when the log does not say which name the program
/// used: the provider's official one (from the profile) or the one given with `--server-name`.
/// The page then checks the customer's port and encryption on that server.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ServerNames {
    pub imap: Option<String>,
    pub pop3: Option<String>,
    pub smtp: Option<String>,
}

impl ServerNames {
    /// The profile's official servers.
    pub fn from_profile(profile: &Profile) -> ServerNames {
        ServerNames {
            imap: profile.imap.as_ref().map(|s| s.host.to_string()),
            pop3: profile.pop3.as_ref().map(|s| s.host.to_string()),
            smtp: Some(profile.smtp.host.to_string()),
        }
    }

    /// One name for every service.
    pub fn all(name: &str) -> ServerNames {
        ServerNames {
            imap: Some(name.to_owned()),
            pop3: Some(name.to_owned()),
            smtp: Some(name.to_owned()),
        }
    }

    fn of(&self, service: Service) -> Option<&String> {
        match service {
            Service::Imap => self.imap.as_ref(),
            Service::Pop3 => self.pop3.as_ref(),
            Service::Submission | Service::Smtps | Service::Smtp => self.smtp.as_ref(),
        }
    }
}

/// The ports with TLS from the first byte, unless told otherwise.
pub const IMPLICIT_TLS_PORTS: [u16; 3] = [993, 995, 465];

/// Sets every account's link.
pub fn add_links(report: &mut AuditReport, options: &LinkOptions) {
    for account in &mut report.accounts {
        account.link = Some(check_link(account, options));
    }
}

/// Marks accounts that used a server name the profile retires, and counts them.
pub fn mark_retired(report: &mut AuditReport, profile: &Profile) {
    let mut count = 0;
    for account in &mut report.accounts {
        account.retired_name = account.usages.iter().find_map(|usage| {
            let name = usage.server_name.as_deref()?;
            let host = Hostname::parse(name).ok()?;
            profile.is_retired(&host).then(|| name.to_owned())
        });
        count += u64::from(account.retired_name.is_some());
    }
    report.summary.retired_name_accounts = count;
    sort_accounts(&mut report.accounts);
}

/// The account's check link: its address, and of its incoming and its outgoing usages the most
/// recent one that must change (else the most recent one).
pub fn check_link(account: &AccountReport, options: &LinkOptions) -> String {
    let pick = |incoming: bool| {
        let mut usages = account
            .usages
            .iter()
            .filter(move |u| u.service.is_incoming() == incoming);
        let all: Vec<&Usage> = usages.by_ref().collect();
        all.iter()
            .find(|u| must_change(u, account))
            .or_else(|| all.first())
            .copied()
    };
    let incoming = pick(true);
    let outgoing = pick(false);
    let email = email_of(account);
    let host = |usage: &Usage| {
        usage
            .server_name
            .clone()
            .or_else(|| options.server_names.of(usage.service).cloned())
            .unwrap_or_default()
    };
    let port = |usage: &Usage| usage.port.map(|p| p.to_string()).unwrap_or_default();
    let (in_host, in_port) = incoming.map(|u| (host(u), port(u))).unwrap_or_default();
    let (out_host, out_port) = outgoing.map(|u| (host(u), port(u))).unwrap_or_default();
    let in_proto = match incoming.map(|u| u.service) {
        Some(Service::Pop3) => value::POP3,
        Some(_) => value::IMAP,
        None => "",
    };
    let in_sec = incoming.map_or("", |u| encryption(u, options));
    let out_sec = outgoing.map_or("", |u| encryption(u, options));
    let path = link::path(
        Some(options.lang),
        &[
            (param::EMAIL, email),
            (param::IN_PROTO, in_proto),
            (param::IN_HOST, &in_host),
            (param::IN_PORT, &in_port),
            (param::IN_SEC, in_sec),
            (param::OUT_HOST, &out_host),
            (param::OUT_PORT, &out_port),
            (param::OUT_SEC, out_sec),
        ],
    );
    format!("{}{path}", options.page_url.trim_end_matches('/'))
}

/// The account as an e-mail address, when it is one (some servers log user names).
fn email_of(account: &AccountReport) -> &str {
    if account.account.contains('@') {
        &account.account
    } else {
        ""
    }
}

fn must_change(usage: &Usage, account: &AccountReport) -> bool {
    usage.protection.breaks_at_switch_off()
        || usage.protection.is_plaintext()
        || (account.retired_name.is_some() && usage.server_name == account.retired_name)
}

/// The encryption setting the usage shows, as the link names it: SSL/TLS on an implicit-TLS
/// port, STARTTLS for TLS on another port, none for plain text, "automatic" where the log
/// leaves it open (the page then checks both).
fn encryption(usage: &Usage, options: &LinkOptions) -> &'static str {
    let implicit = usage.service == Service::Smtps
        || usage
            .port
            .is_some_and(|port| options.implicit_tls_ports.contains(&port));
    match usage.protection {
        Protection::None => value::SEC_NONE,
        _ if implicit => value::SEC_TLS,
        Protection::Tls(_) | Protection::TlsVersionNotLogged if usage.port.is_some() => {
            value::SEC_STARTTLS
        }
        _ => value::SEC_AUTO,
    }
}

/// The CSV columns, stable for mail-merge templates.
pub const CSV_COLUMNS: [&str; 10] = [
    "account",
    "email",
    "what_breaks",
    "program",
    "service",
    "tls_version",
    "server_name",
    "port",
    "last_seen",
    "check_link",
];

/// The mail merge: a header and one row per account that must change something, UTF-8 with a
/// byte-order mark (so spreadsheet programs read umlauts right), CRLF line ends (RFC 4180).
pub fn csv(report: &AuditReport, lang: Lang) -> String {
    let mut out = String::from("\u{feff}");
    out.push_str(&CSV_COLUMNS.join(","));
    out.push_str("\r\n");
    for account in report.accounts.iter().filter(|a| a.must_act()) {
        // The usages the letter is about; a retired name alone makes every usage relevant.
        let mut relevant: Vec<&Usage> = account
            .usages
            .iter()
            .filter(|u| must_change(u, account))
            .collect();
        if relevant.is_empty() {
            relevant = account.usages.iter().collect();
        }
        let email = email_of(account);
        let distinct = |of: &dyn Fn(&Usage) -> Option<String>, joiner: &str| {
            let mut seen: Vec<String> = Vec::new();
            for usage in &relevant {
                if let Some(value) = of(usage)
                    && !seen.contains(&value)
                {
                    seen.push(value);
                }
            }
            seen.join(joiner)
        };
        let fields = [
            account.account.clone(),
            email.to_owned(),
            what_breaks(account, lang),
            distinct(&|u| u.client.as_ref().map(ToString::to_string), "; "),
            distinct(&|u| Some(u.service.name().to_owned()), ", "),
            distinct(&|u| Some(u.protection.name().to_owned()), ", "),
            distinct(&|u| u.server_name.clone(), ", "),
            distinct(&|u| u.port.map(|p| p.to_string()), ", "),
            relevant
                .iter()
                .filter_map(|u| u.last_seen)
                .max()
                .map(|t| t.to_string())
                .unwrap_or_default(),
            account.link.clone().unwrap_or_default(),
        ];
        let row: Vec<String> = fields.iter().map(|f| csv_field(f)).collect();
        out.push_str(&row.join(","));
        out.push_str("\r\n");
    }
    out
}

/// A CSV field: quoted when it holds a comma, quote or line break (quotes doubled), and with a
/// `'` before a leading `=`, `+`, `-`, `@`, tab or carriage return, so a spreadsheet never runs
/// an account name from a log as a formula.
fn csv_field(text: &str) -> String {
    let guarded = if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}")
    } else {
        text.to_owned()
    };
    if guarded.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", guarded.replace('"', "\"\""))
    } else {
        guarded
    }
}

/// The sentences for the letter, in the customer's words: per program and way of fetching or
/// sending, which outdated versions it uses or that it uses no encryption; then, once, what
/// that means; then a retired server name.
pub fn what_breaks(account: &AccountReport, lang: Lang) -> String {
    // (program, what it does) → outdated versions, oldest first.
    type Way = (Option<String>, Doing);
    let mut outdated: Vec<(Way, Vec<TlsVersion>)> = Vec::new();
    let mut plaintext: Vec<(Option<String>, Doing)> = Vec::new();
    for usage in &account.usages {
        let who = usage.client.as_ref().map(ToString::to_string);
        let verb = verb_key(usage.service);
        if let Protection::Tls(version) = usage.protection
            && usage.protection.breaks_at_switch_off()
        {
            match outdated
                .iter_mut()
                .find(|(key, _)| *key == (who.clone(), verb))
            {
                Some((_, versions)) if !versions.contains(&version) => {
                    versions.push(version);
                    versions.sort();
                }
                Some(_) => {}
                None => outdated.push(((who, verb), vec![version])),
            }
        } else if usage.protection.is_plaintext() && !plaintext.contains(&(who.clone(), verb)) {
            plaintext.push((who, verb));
        }
    }
    let mut sentences: Vec<String> = Vec::new();
    for ((who, verb), versions) in &outdated {
        let names: Vec<&str> = versions.iter().map(|v| v.display_name()).collect();
        let who = program(who.as_deref(), lang);
        sentences.push(match lang {
            // "über eine Verbindung mit …": the connection is outdated, not the program (whose
            // own version may stand right before it).
            Lang::De => {
                let (verb, particle) = doing_de(*verb);
                let versions = match names.as_slice() {
                    [one] => format!("eine Verbindung mit der veralteten Version {one}"),
                    more => format!(
                        "Verbindungen mit den veralteten Versionen {}",
                        list(more, " und ")
                    ),
                };
                format!("{who} {verb} noch über {versions}{particle}.")
            }
            Lang::En => {
                let versions = match names.as_slice() {
                    [one] => format!("a connection with the outdated version {one}"),
                    more => format!(
                        "connections with the outdated versions {}",
                        list(more, " and ")
                    ),
                };
                format!("{who} still {} through {versions}.", doing_en(*verb))
            }
        });
    }
    if !outdated.is_empty() {
        // What the customer will notice: fetching, sending or both stop.
        let fetches = outdated.iter().any(|((_, doing), _)| *doing != Doing::Send);
        let sends = outdated.iter().any(|((_, doing), _)| *doing == Doing::Send);
        let stops = match (lang, fetches, sends) {
            (Lang::De, true, true) => "können Sie so weder E-Mails abrufen noch verschicken",
            (Lang::De, true, false) => "können Sie so keine E-Mails mehr abrufen",
            (Lang::De, false, _) => "können Sie so keine E-Mails mehr verschicken",
            (Lang::En, true, true) => "you can neither fetch nor send emails this way",
            (Lang::En, true, false) => "you can no longer fetch emails this way",
            (Lang::En, false, _) => "you can no longer send emails this way",
        };
        sentences.push(match lang {
            Lang::De => format!(
                "Sobald wir nur noch Verbindungen mit TLS 1.2 oder neuer annehmen, {stops}."
            ),
            Lang::En => {
                format!("Once we accept only connections with TLS 1.2 or newer, {stops}.")
            }
        });
    }
    for (who, verb) in &plaintext {
        let who = program(who.as_deref(), lang);
        sentences.push(match lang {
            // The connection is unencrypted ("E-Mails ohne Verschlüsselung" would read as
            // PGP or S/MIME, docs/texts.md).
            Lang::De => {
                let (verb, particle) = doing_de(*verb);
                format!("{who} {verb} über eine unverschlüsselte Verbindung{particle}.")
            }
            Lang::En => format!("{who} {} over an unencrypted connection.", doing_en(*verb)),
        });
    }
    if !plaintext.is_empty() {
        sentences.push(match lang {
            Lang::De => {
                "Ihr Passwort und Ihre E-Mails werden dadurch ungeschützt übertragen.".to_owned()
            }
            Lang::En => "Your password and your emails travel unprotected.".to_owned(),
        });
    }
    if let Some(name) = &account.retired_name {
        // Which setting holds the old name: the incoming or the outgoing server, or both.
        let with_name = account
            .usages
            .iter()
            .filter(|u| u.server_name.as_deref() == Some(name.as_str()));
        let (incoming, outgoing) = with_name.fold((false, false), |(i, o), u| {
            (i || u.service.is_incoming(), o || !u.service.is_incoming())
        });
        let setting = match (lang, incoming, outgoing) {
            (Lang::De, true, true) => "Posteingangs- und Postausgangsserver",
            (Lang::De, false, true) => "Postausgangsserver",
            (Lang::De, _, false) => "Posteingangsserver",
            (Lang::En, true, true) => "incoming and outgoing mail server",
            (Lang::En, false, true) => "outgoing mail server",
            (Lang::En, _, false) => "incoming mail server",
        };
        sentences.push(match lang {
            Lang::De => format!(
                "In Ihrem E-Mail-Programm ist als {setting} noch der alte Servername \
                 „{name}“ eingetragen."
            ),
            Lang::En => format!(
                "Your email program still has the old server name “{name}” as its {setting}."
            ),
        });
    }
    sentences.join(" ")
}

/// "Ihr E-Mail-Programm (Thunderbird 115.3.1)", or without the name when the log has none.
fn program(name: Option<&str>, lang: Lang) -> String {
    match (name, lang) {
        (Some(name), Lang::De) => format!("Ihr E-Mail-Programm ({name})"),
        (Some(name), Lang::En) => format!("Your email program ({name})"),
        (None, Lang::De) => "Ihr E-Mail-Programm".to_owned(),
        (None, Lang::En) => "Your email program".to_owned(),
    }
}

/// `a, b und c`.
fn list(items: &[&str], last_joiner: &str) -> String {
    match items {
        [] => String::new(),
        [one] => (*one).to_owned(),
        [rest @ .., last] => format!("{}{last_joiner}{last}", rest.join(", ")),
    }
}

/// What a service does for the customer, in the letter's words.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Doing {
    FetchImap,
    FetchPop3,
    Send,
}

fn verb_key(service: Service) -> Doing {
    match service {
        Service::Imap => Doing::FetchImap,
        Service::Pop3 => Doing::FetchPop3,
        Service::Submission | Service::Smtps | Service::Smtp => Doing::Send,
    }
}

/// The verb phrase and its separated particle: `ruft Ihre E-Mails per IMAP` … `ab`.
fn doing_de(doing: Doing) -> (&'static str, &'static str) {
    match doing {
        Doing::FetchImap => ("ruft Ihre E-Mails per IMAP", " ab"),
        Doing::FetchPop3 => ("ruft Ihre E-Mails per POP3", " ab"),
        Doing::Send => ("verschickt Ihre E-Mails", ""),
    }
}

fn doing_en(doing: Doing) -> &'static str {
    match doing {
        Doing::FetchImap => "fetches your emails over IMAP",
        Doing::FetchPop3 => "fetches your emails over POP3",
        Doing::Send => "sends your emails",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::sighting::ClientId;
    use crate::audit::stamp::{Date, LogTime};

    fn usage(service: Service, protection: Protection, port: Option<u16>) -> Usage {
        Usage {
            service,
            protection,
            cipher: None,
            server_name: None,
            port,
            client: None,
            first_seen: None,
            last_seen: Some(LogTime {
                date: Date {
                    year: 2026,
                    month: 12,
                    day: 5,
                },
                seconds: 0,
            }),
            count: 1,
        }
    }

    fn account(name: &str, usages: Vec<Usage>) -> AccountReport {
        AccountReport {
            account: name.into(),
            breaks: usages.iter().any(|u| u.protection.breaks_at_switch_off()),
            plaintext: usages.iter().any(|u| u.protection.is_plaintext()),
            retired_name: None,
            usages,
            link: None,
        }
    }

    fn options() -> LinkOptions {
        LinkOptions {
            page_url: "https://hilfe.example.de/".into(),
            lang: Lang::En,
            server_names: ServerNames::all("mail.example.de"),
            implicit_tls_ports: IMPLICIT_TLS_PORTS.to_vec(),
        }
    }

    #[test]
    fn the_links_encryption_is_what_the_log_shows() {
        let tls10 = Protection::Tls(TlsVersion::Tls10);
        let cases = [
            (usage(Service::Imap, tls10, Some(993)), "tls"),
            (usage(Service::Imap, tls10, Some(143)), "starttls"),
            (usage(Service::Imap, Protection::None, Some(143)), "none"),
            (usage(Service::Imap, tls10, None), "auto"),
            (
                usage(Service::Imap, Protection::TlsVersionNotLogged, Some(143)),
                "starttls",
            ),
            (usage(Service::Imap, Protection::Unknown, Some(143)), "auto"),
            (usage(Service::Smtps, Protection::Unknown, Some(465)), "tls"),
            (usage(Service::Submission, tls10, Some(587)), "starttls"),
        ];
        for (usage, expected) in cases {
            assert_eq!(encryption(&usage, &options()), expected, "{usage:?}");
        }
    }

    #[test]
    fn a_link_takes_the_usage_that_must_change_and_a_username_is_no_address() {
        let mut old = usage(Service::Pop3, Protection::Tls(TlsVersion::Tls11), Some(110));
        old.server_name = Some("pop.example.de".into());
        let current = usage(Service::Imap, Protection::Tls(TlsVersion::Tls13), Some(993));
        let alice = account("alice@example.de", vec![current.clone(), old]);
        assert_eq!(
            check_link(&alice, &options()),
            "https://hilfe.example.de/check?lang=en#email=alice%40example.de&in_proto=pop3\
             &in_host=pop.example.de&in_port=110&in_sec=starttls"
        );
        let user = account("kunde4711", vec![current]);
        assert_eq!(
            check_link(&user, &options()),
            "https://hilfe.example.de/check?lang=en#in_proto=imap&in_host=mail.example.de\
             &in_port=993&in_sec=tls"
        );
    }

    #[test]
    fn csv_fields_are_quoted_and_never_formulas() {
        assert_eq!(csv_field("plain"), "plain");
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_field("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(csv_field("+1"), "'+1");
        assert_eq!(csv_field("line\nbreak"), "\"line\nbreak\"");
    }

    #[test]
    fn the_letters_sentences_group_versions_per_program_and_say_the_consequence_once() {
        let mut imap10 = usage(Service::Imap, Protection::Tls(TlsVersion::Tls10), Some(993));
        imap10.client = Some(ClientId {
            name: "Thunderbird".into(),
            version: Some("52.9.1".into()),
        });
        let mut imap11 = imap10.clone();
        imap11.protection = Protection::Tls(TlsVersion::Tls11);
        let send = usage(Service::Smtp, Protection::None, Some(25));
        let someone = account("a@example.de", vec![imap11, imap10, send]);
        assert_eq!(
            what_breaks(&someone, Lang::De),
            "Ihr E-Mail-Programm (Thunderbird 52.9.1) ruft Ihre E-Mails per IMAP noch über \
             Verbindungen mit den veralteten Versionen TLS 1.0 und TLS 1.1 ab. Sobald wir nur \
             noch Verbindungen mit TLS 1.2 oder neuer annehmen, können Sie so keine E-Mails mehr \
             abrufen. Ihr E-Mail-Programm verschickt Ihre E-Mails über eine unverschlüsselte \
             Verbindung. Ihr Passwort und Ihre E-Mails werden dadurch ungeschützt übertragen."
        );
        assert_eq!(
            what_breaks(&someone, Lang::En),
            "Your email program (Thunderbird 52.9.1) still fetches your emails over IMAP through \
             connections with the outdated versions TLS 1.0 and TLS 1.1. Once we accept only \
             connections with TLS 1.2 or newer, you can no longer fetch emails this way. Your \
             email program sends your emails over an unencrypted connection. Your password and \
             your emails travel unprotected."
        );
        // A retired name in the outgoing server's setting, and sending over TLS 1.0 too.
        let mut send = usage(
            Service::Submission,
            Protection::Tls(TlsVersion::Tls10),
            Some(587),
        );
        send.server_name = Some("smtp.alt.example.de".into());
        let mut renamed = account("b@example.de", vec![send]);
        renamed.retired_name = Some("smtp.alt.example.de".into());
        assert_eq!(
            what_breaks(&renamed, Lang::De),
            "Ihr E-Mail-Programm verschickt Ihre E-Mails noch über eine Verbindung mit der \
             veralteten Version TLS 1.0. Sobald wir nur noch Verbindungen mit TLS 1.2 oder neuer \
             annehmen, können Sie so keine E-Mails mehr verschicken. In Ihrem E-Mail-Programm ist \
             als Postausgangsserver noch der alte Servername „smtp.alt.example.de“ eingetragen."
        );
    }
}
