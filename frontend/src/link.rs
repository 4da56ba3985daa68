//! Check links: every check is a URL that support staff can send and that opens the page
//! pre-filled and runs the check at once: `/check?lang=de#target=…` for one server, or the
//! settings fields (`email`, `in_proto`, `in_host`, `in_port`, `in_sec`, `out_host`,
//! `out_port`, `out_sec`). Pure string work, so it is unit-tested natively; `app` reads and
//! writes the browser's address with it. The names, values and encoding are a contract kept in
//! `mailtls_shared::link` (the service writes the same links for `probe-api audit`); this
//! module turns them into the page's form state and back.
//!
//! What the customer typed — an e-mail address, their domain, their servers — travels in the
//! fragment (after `#`), which browsers never send: it stays out of the request line, and so
//! out of every proxy's, CDN's and web server's access log. Only the language (and a
//! provider's embedding parameters) are in the query. Older links with everything in the
//! query still open; the page then rewrites the address to the fragment form.

use mailtls_shared::Lang;
use mailtls_shared::link::{self as contract, decode, param};

use crate::clients::{Program, System};
use crate::settings::{Encryption, Incoming, MailSettings};
use crate::state::Mode;

/// What a check link carries.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Link {
    /// Which form to show (`mode=settings|server`).
    pub mode: Option<Mode>,
    /// The server as the customer would type it (the first `target` parameter).
    pub target: Option<String>,
    /// The settings form's fields, when the link has any of them.
    pub settings: Option<MailSettings>,
    /// The customer's system and mail program (`os`, `program`).
    pub system: Option<System>,
    pub program: Option<Program>,
    pub lang: Option<Lang>,
    /// Fill the form only; the customer starts the check (`prefill=1`).
    pub prefill: bool,
}

impl Link {
    /// Reads a query string (`?target=mail.example.de&lang=en`, with or without the `?`).
    /// Unknown parameters are ignored; the first `target` wins.
    pub fn parse(search: &str) -> Link {
        let mut link = Link::default();
        let mut settings = MailSettings::default();
        let mut has_settings = false;
        for pair in search.trim_start_matches('?').split('&') {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            let value = decode(value);
            // Values are read without regard to case (`in_sec=STARTTLS`), and the encryption
            // also as the form shows it (`SSL/TLS`): a hand-written link checks what it says.
            let tag = value.trim().to_ascii_lowercase();
            let security = || Encryption::from_tag(&tag);
            let mut text = |slot: &mut String| {
                if !value.trim().is_empty() {
                    *slot = value.clone();
                    has_settings = true;
                }
            };
            match decode(key).as_str() {
                param::TARGET if link.target.is_none() && !value.trim().is_empty() => {
                    link.target = Some(value.clone());
                }
                param::LANG => link.lang = Lang::from_tag(&tag).or(link.lang),
                param::PREFILL => link.prefill = tag == "1",
                param::MODE => link.mode = Mode::from_tag(&tag).or(link.mode),
                param::OS => link.system = System::from_tag(&tag).or(link.system),
                param::PROGRAM => link.program = Program::from_tag(&tag).or(link.program),
                param::EMAIL => text(&mut settings.email),
                param::IN_HOST => text(&mut settings.incoming_server.host),
                param::IN_PORT => text(&mut settings.incoming_server.port),
                param::OUT_HOST => text(&mut settings.outgoing_server.host),
                param::OUT_PORT => text(&mut settings.outgoing_server.port),
                param::IN_PROTO => {
                    if let Some(protocol) = Incoming::from_tag(&tag) {
                        settings.incoming = protocol;
                    }
                }
                param::IN_SEC => {
                    if let Some(security) = security() {
                        settings.incoming_server.security = security;
                    }
                }
                param::OUT_SEC => {
                    if let Some(security) = security() {
                        settings.outgoing_server.security = security;
                    }
                }
                _ => {}
            }
        }
        if has_settings {
            link.settings = Some(settings);
        }
        link
    }

    /// Reads the browser's address: the fragment (`#target=…`) and, for links from before the
    /// fragment form, the query. A check in the fragment wins whole (never mixed with an older
    /// query's fields); the language comes from the query, where the page writes it.
    pub fn from_location(search: &str, hash: &str) -> Link {
        let fragment = Link::parse(hash.trim_start_matches('#'));
        let query = Link::parse(search);
        let lang = query.lang.or(fragment.lang);
        let mut link = if fragment.has_check() {
            fragment
        } else {
            query
        };
        link.lang = lang;
        link
    }

    /// Whether the link says anything about a check (not only the language).
    pub fn has_check(&self) -> bool {
        self.target.is_some()
            || self.settings.is_some()
            || self.mode.is_some()
            || self.system.is_some()
            || self.program.is_some()
    }

    /// This link as path, query and fragment: `/check?lang=de#target=…`. Settings links carry
    /// every field that is filled in, with the protocol and both encryption settings always.
    pub fn path(&self) -> String {
        let mut pairs: Vec<(&str, &str)> = Vec::new();
        if let Some(target) = &self.target {
            pairs.push((param::TARGET, target));
        } else if let Some(settings) = &self.settings {
            pairs.extend([
                (param::EMAIL, settings.email.as_str()),
                (param::IN_PROTO, settings.incoming.tag()),
                (param::IN_HOST, settings.incoming_server.host.as_str()),
                (param::IN_PORT, settings.incoming_server.port.as_str()),
                (param::IN_SEC, settings.incoming_server.security.tag()),
                (param::OUT_HOST, settings.outgoing_server.host.as_str()),
                (param::OUT_PORT, settings.outgoing_server.port.as_str()),
                (param::OUT_SEC, settings.outgoing_server.security.tag()),
            ]);
        } else if let Some(mode) = self.mode {
            pairs.push((param::MODE, mode.tag()));
        }
        if let Some(system) = self.system {
            pairs.push((param::OS, system.tag()));
        }
        if let Some(program) = self.program {
            pairs.push((param::PROGRAM, program.tag()));
        }
        if self.prefill {
            pairs.push((param::PREFILL, "1"));
        }
        contract::path(self.lang, &pairs)
    }

    /// Whether two links ask for the same check (the language aside).
    pub fn same_check(&self, other: &Link) -> bool {
        self.target == other.target && self.settings == other.settings
    }
}

/// What the query says about the page itself rather than a check: the language and a
/// provider's embedding (`embed=<origin>`, `accent=rrggbb`, `compact=1`). Read here once, for
/// every part of the page that needs it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PageParams {
    pub lang: Option<Lang>,
    /// The embedding page's origin (`https://www.example.de`), when it is one.
    pub embed: Option<String>,
    /// The accent colour as given (six hex digits, unchecked: the theme checks readability).
    pub accent: Option<String>,
    pub compact: bool,
}

impl PageParams {
    pub fn parse(search: &str) -> PageParams {
        let mut params = PageParams::default();
        for pair in search.trim_start_matches('?').split('&') {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            match key {
                "lang" => params.lang = Lang::from_tag(value).or(params.lang),
                "embed" => {
                    let origin = decode(value);
                    let rest = origin
                        .strip_prefix("https://")
                        .or_else(|| origin.strip_prefix("http://"))
                        .unwrap_or_default();
                    if !rest.is_empty() && !rest.contains(['/', '?', '#', '@']) {
                        params.embed = Some(origin);
                    }
                }
                "accent" => params.accent = Some(value.to_owned()),
                "compact" => params.compact = value == "1",
                _ => {}
            }
        }
        params
    }
}

/// The parameters of a provider's embedding (`embed`, `accent`, `compact`) that `search`
/// carries, appended to `path`: the address keeps them whenever the page rewrites it, so a
/// reload inside the provider's frame keeps its height reporting and its look.
pub fn with_embedding(path: &str, search: &str) -> String {
    let kept: Vec<&str> = search
        .trim_start_matches('?')
        .split('&')
        .filter(|pair| is_embedding(pair))
        .collect();
    if kept.is_empty() {
        return path.to_owned();
    }
    let (before, fragment) = match path.split_once('#') {
        Some((before, fragment)) => (before, format!("#{fragment}")),
        None => (path, String::new()),
    };
    let joiner = if before.contains('?') { '&' } else { '?' };
    format!("{before}{joiner}{}{fragment}", kept.join("&"))
}

/// Whether a query pair is one of a provider's embedding parameters.
fn is_embedding(pair: &str) -> bool {
    matches!(pair.split('=').next(), Some("embed" | "accent" | "compact"))
}

/// The query string `search` with its `lang` set to `lang` and a provider's `embed`, `accent`,
/// `compact` kept as they were: what the address bar shows after the customer switches the
/// language, so a reload keeps it. Anything else — the check of an older link — is left out:
/// the check lives in the fragment.
pub fn with_lang(search: &str, lang: Lang) -> String {
    let kept = search
        .trim_start_matches('?')
        .split('&')
        .filter(|pair| is_embedding(pair));
    let pairs: Vec<String> = kept
        .map(str::to_owned)
        .chain([format!("lang={}", lang.tag())])
        .collect();
    format!("?{}", pairs.join("&"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_parameters_are_read_once_and_an_embed_must_be_an_origin() {
        let params = PageParams::parse(
            "?lang=en&embed=https%3A%2F%2Fwww.mxp.test&accent=0b5cad&compact=1&target=x.de",
        );
        assert_eq!(
            params,
            PageParams {
                lang: Some(Lang::En),
                embed: Some("https://www.mxp.test".into()),
                accent: Some("0b5cad".into()),
                compact: true,
            }
        );
        for not_an_origin in [
            "embed=https%3A%2F%2Fwww.mxp.test%2Fpath",
            "embed=javascript%3Aalert(1)",
            "embed=https%3A%2F%2F",
            "embed=https%3A%2F%2Fuser%40www.mxp.test",
        ] {
            assert_eq!(
                PageParams::parse(not_an_origin).embed,
                None,
                "{not_an_origin}"
            );
        }
        assert_eq!(
            PageParams::parse("compact=0&lang=xx"),
            PageParams::default()
        );
    }

    #[test]
    fn a_prefill_link_reads_back_as_written_and_says_so_last() {
        let link = Link {
            target: Some("mail.mxp.de".into()),
            lang: Some(Lang::En),
            prefill: true,
            ..Link::default()
        };
        assert_eq!(link.path(), "/check?lang=en#target=mail.mxp.de&prefill=1");
        let read = Link::from_location("?lang=en", "#target=mail.mxp.de&prefill=1");
        assert_eq!(read, link);
        // Only `1` asks for filling in; a link without it (or with another value) checks.
        assert!(!Link::parse("target=mail.mxp.de&prefill=0").prefill);
        assert!(!Link::parse("target=mail.mxp.de").prefill);
    }

    #[test]
    fn hand_written_links_are_read_without_regard_to_case() {
        let link = Link::parse(
            "?in_proto=IMAP&in_host=mail.mxp.de&in_sec=STARTTLS&out_sec=SSL%2FTLS&lang=EN&os=Win10",
        );
        let settings = link.settings.expect("settings");
        assert_eq!(settings.incoming, Incoming::Imap);
        assert_eq!(settings.incoming_server.security, Encryption::Starttls);
        assert_eq!(settings.outgoing_server.security, Encryption::SslTls);
        assert_eq!(link.lang, Some(Lang::En));
        assert_eq!(link.system, Some(System::Windows10));
    }

    #[test]
    fn rewritten_addresses_keep_the_providers_embedding() {
        let search = "?target=a.de&embed=https%3A%2F%2Fwww.mxp.test&accent=0b5cad&compact=1";
        assert_eq!(
            with_embedding("/check?lang=de#target=b.de", search),
            "/check?lang=de&embed=https%3A%2F%2Fwww.mxp.test&accent=0b5cad&compact=1#target=b.de"
        );
        assert_eq!(
            with_embedding("/check#target=b.de", "?compact=1"),
            "/check?compact=1#target=b.de"
        );
        assert_eq!(with_embedding("/check", "?compact=1"), "/check?compact=1");
        assert_eq!(with_embedding("/check?x=1", "?lang=en"), "/check?x=1");
    }

    #[test]
    fn switching_the_language_rewrites_only_lang() {
        assert_eq!(with_lang("", Lang::En), "?lang=en");
        assert_eq!(with_lang("?lang=de", Lang::En), "?lang=en");
        assert_eq!(
            with_lang(
                "?target=mail.example.de&lang=de&embed=https%3A%2F%2Fx.test&compact=1",
                Lang::En
            ),
            "?embed=https%3A%2F%2Fx.test&compact=1&lang=en"
        );
        assert_eq!(
            with_lang("?language=x&lang&email=kunde%40mxp.de", Lang::De),
            "?lang=de"
        );
    }

    #[test]
    fn links_carry_the_target_and_the_language() {
        let cases = [
            (
                "?target=mail.example.de&lang=en",
                Some("mail.example.de"),
                Some(Lang::En),
            ),
            (
                "target=imaps%3A%2F%2Fmail.example.de%3A993",
                Some("imaps://mail.example.de:993"),
                None,
            ),
            ("?lang=de", None, Some(Lang::De)),
            ("?target=&lang=xx", None, None),
            ("?target=m%C3%BCller.de", Some("müller.de"), None),
            ("?target=a+b.de", Some("a b.de"), None),
            ("?target=x.de%0D%0AQUIT", Some("x.de\r\nQUIT"), None),
            ("?target=%zz.de&target=second.de", Some("%zz.de"), None),
            ("?utm_source=mail&target=x.de", Some("x.de"), None),
            ("", None, None),
        ];
        for (search, target, lang) in cases {
            let link = Link::parse(search);
            assert_eq!(link.target.as_deref(), target, "{search}");
            assert_eq!(link.lang, lang, "{search}");
        }
    }

    #[test]
    fn settings_links_read_back_the_same() {
        let settings = MailSettings {
            email: "kunde@mxp.de".into(),
            incoming: Incoming::Pop3,
            incoming_server: crate::settings::ServerEntry {
                host: "pop.mxp.de".into(),
                port: String::new(),
                security: Encryption::Starttls,
            },
            outgoing_server: crate::settings::ServerEntry {
                host: "mail.mxp.de".into(),
                port: "25".into(),
                security: Encryption::None,
            },
        };
        let link = Link {
            settings: Some(settings),
            lang: Some(Lang::De),
            ..Link::default()
        };
        let path = link.path();
        assert_eq!(
            path,
            "/check?lang=de#email=kunde%40mxp.de&in_proto=pop3&in_host=pop.mxp.de&in_sec=starttls\
             &out_host=mail.mxp.de&out_port=25&out_sec=none"
        );
        let (search, hash) = split(&path);
        assert_eq!(Link::from_location(search, hash), link);
        // The e-mail address and the servers never reach the query.
        assert_eq!(search, "?lang=de");
        // A link from before the fragment form opens the same check.
        let old = "?email=kunde%40mxp.de&in_proto=pop3&in_host=pop.mxp.de&in_sec=starttls\
                   &out_host=mail.mxp.de&out_port=25&out_sec=none&lang=de";
        assert_eq!(Link::from_location(old, ""), link);
        // Unknown values fall back to the defaults instead of failing.
        let odd = Link::parse("in_host=mail.mxp.de&in_sec=ssl&in_proto=smtp");
        let odd = odd.settings.expect("settings");
        assert_eq!(odd.incoming, Incoming::Imap);
        assert_eq!(odd.incoming_server.security, Encryption::SslTls);
        assert_eq!(Link::parse("mode=server").mode, Some(Mode::Server));
        let client = Link::parse("in_host=mail.mxp.de&os=win7&program=outlook2010");
        assert_eq!(
            (client.system, client.program),
            (Some(System::Windows7), Some(Program::Outlook2010))
        );
        assert!(
            client.path().starts_with("/check#")
                && client.path().ends_with("&os=win7&program=outlook2010"),
            "{}",
            client.path()
        );
    }

    #[test]
    fn a_built_link_reads_back_the_same() {
        for target in [
            "mail.example.de",
            "imaps://mail.example.de:993",
            "müller.de",
            "a&b=c.de",
            "x.de\r\nQUIT",
        ] {
            for lang in [None, Some(Lang::De), Some(Lang::En)] {
                let link = Link {
                    target: Some(target.to_owned()),
                    lang,
                    ..Link::default()
                };
                let path = link.path();
                let (search, hash) = split(&path);
                assert!(hash.starts_with("#target="), "{path}");
                assert!(!hash.contains(['\r', '\n', ' ', '/', ':', '&']), "{path}");
                assert_eq!(search.is_empty(), lang.is_none(), "{path}");
                assert_eq!(Link::from_location(search, hash), link, "{path}");
            }
        }
        assert_eq!(Link::default().path(), "/check");
        assert_eq!(
            Link {
                target: Some("imaps://mail.example.de:993".into()),
                lang: Some(Lang::En),
                ..Link::default()
            }
            .path(),
            "/check?lang=en#target=imaps%3A%2F%2Fmail.example.de%3A993"
        );
    }

    /// `(search, hash)` of a built path, as `location.search` and `location.hash` give them.
    fn split(path: &str) -> (&str, &str) {
        let (before, hash) = match path.find('#') {
            Some(at) => path.split_at(at),
            None => (path, ""),
        };
        let search = before.find('?').map_or("", |at| &before[at..]);
        (search, hash)
    }

    #[test]
    fn the_fragment_wins_over_an_older_query() {
        let link = Link::from_location("?target=old.de&lang=en", "#target=new.de");
        assert_eq!(link.target.as_deref(), Some("new.de"));
        assert_eq!(link.lang, Some(Lang::En));
        // Whole: no field of the older query's settings mixes into the fragment's.
        let link = Link::from_location(
            "?email=old%40old.de&in_host=old.de&out_host=out.old.de",
            "#in_host=new.de",
        );
        let settings = link.settings.expect("settings");
        assert_eq!(settings.incoming_server.host, "new.de");
        assert_eq!(
            (
                settings.email.as_str(),
                settings.outgoing_server.host.as_str()
            ),
            ("", "")
        );
        assert_eq!(Link::from_location("", "").path(), "/check");
    }
}
