//! The provider profile: who the provider is, which servers its customers must use (per role,
//! with port and encryption), which other names it accepts, and how to reach its support. The
//! probe service loads it at start (`GET /api/v1/profile` serves it); the page compares what the
//! customer entered with it.

use serde::{Deserialize, Serialize};

use crate::host::Hostname;
use crate::lang::Lang;

crate::wire::wire_enum! {
    /// How a mail program starts encryption with an official server. "None" is never official.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
    pub enum ProfileSecurity {
        /// SSL/TLS from the first byte (993, 995, 465).
        Tls = "tls",
        /// STARTTLS on a plain-text port (143, 110, 587).
        Starttls = "starttls",
    }
}

/// One official server: the name, port and encryption customers must enter.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct OfficialServer {
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub host: Hostname,
    pub port: u16,
    pub security: ProfileSecurity,
}
crate::json::record!(OfficialServer {
    required: host, port, security;
});

/// How customers reach the provider's support; every part is optional.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default, deny_unknown_fields)]
pub struct Support {
    pub phone: Option<String>,
    pub email: Option<String>,
    pub url: Option<String>,
    /// Opening hours, in German and English.
    pub hours_de: Option<String>,
    pub hours_en: Option<String>,
}
crate::json::record!(Support {
    defaulted: phone, email, url, hours_de, hours_en;
});

/// An extra link the page shows (an archiving offer, the provider's own help page).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ExtraLink {
    pub title_de: String,
    pub title_en: String,
    pub url: String,
}
crate::json::record!(ExtraLink {
    required: title_de, title_en, url;
});

/// How the page looks on the provider's site. The page uses CSS custom properties throughout,
/// so a provider can restyle more with its own stylesheet; these are the safe basics.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default, deny_unknown_fields)]
pub struct Theme {
    /// Accent colour, `#rrggbb`, readable on white (contrast at least 4.5:1).
    pub accent: Option<String>,
    /// A logo on the service's own origin: a path such as `/provider/logo.svg` (the
    /// service serves the `provider_assets` directory there).
    pub logo: Option<String>,
    /// Less space and no introduction, for narrow frames.
    pub compact: bool,
}
crate::json::record!(Theme {
    defaulted: accent, logo, compact;
});

/// Whether `color` is `#rrggbb` and readable as text on white and on the page's light grey
/// surface (`#f4f6f8`), and as the background of white text (WCAG contrast at least 4.5:1).
pub fn accent_is_readable(color: &str) -> bool {
    let Some(hex) = color.strip_prefix('#').filter(|hex| hex.len() == 6) else {
        return false;
    };
    let channel = |index: usize| {
        u8::from_str_radix(hex.get(index..index + 2)?, 16)
            .ok()
            .map(|value| {
                // sRGB to linear light, with the exponent 2.4 as x^2 * x^(1/4) * x^(1/8) * …:
                // square roots only, so the page needs no `pow` (a few KB of wasm).
                let value = f64::from(value) / 255.0;
                if value <= 0.039_28 {
                    value / 12.92
                } else {
                    let x = (value + 0.055) / 1.055;
                    // x^2.4 = x^2 * x^0.25 * x^0.125 * x^0.015625 (0.390625 ≈ 0.4)
                    let r4 = x.sqrt().sqrt();
                    let r8 = r4.sqrt();
                    let r64 = r8.sqrt().sqrt().sqrt();
                    x * x * r4 * r8 * r64
                }
            })
    };
    let (Some(r), Some(g), Some(b)) = (channel(0), channel(2), channel(4)) else {
        return false;
    };
    let luminance = 0.2126 * r + 0.7152 * g + 0.0722 * b;
    // The surface's relative luminance is 0.918; white's is 1.
    (0.918 + 0.05) / (luminance + 0.05) >= 4.5
}

/// Whether `path` names a file on the same origin (`/logo.svg`), nothing else.
pub fn is_same_origin_path(path: &str) -> bool {
    path.starts_with('/')
        && !path.starts_with("//")
        && !path.contains(['\\', ':', '"', '\'', '<', '>', ' '])
        && !path.chars().any(char::is_control)
}

/// The whole profile (`GET /api/v1/profile`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Profile {
    /// The provider's name as customers know it.
    pub provider: String,
    /// Other names the provider's servers answer to and accept (`login.mxp.de`).
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<String>))]
    pub aliases: Vec<Hostname>,
    /// Names customers may still have in their programs but should no longer use
    /// (`pop.mxp.de`); `*.mxp.de` retires every other name under `mxp.de` that is neither
    /// official nor an alias (the wildcard-certificate case). The page tells a customer who
    /// uses one which name to enter instead.
    #[serde(default)]
    pub retired: Vec<String>,
    /// The languages the page offers (German first by default).
    #[serde(default = "default_languages")]
    pub languages: Vec<Lang>,
    /// Incoming mail over IMAP.
    #[serde(default)]
    pub imap: Option<OfficialServer>,
    /// Incoming mail over POP3.
    #[serde(default)]
    pub pop3: Option<OfficialServer>,
    /// Outgoing mail.
    pub smtp: OfficialServer,
    #[serde(default)]
    pub support: Support,
    #[serde(default)]
    pub links: Vec<ExtraLink>,
    #[serde(default)]
    pub theme: Theme,
}
crate::json::record!(Profile {
    required: provider, smtp;
    defaulted: aliases, retired, languages = default_languages, imap, pop3, support, links, theme;
});

fn default_languages() -> Vec<Lang> {
    vec![Lang::De, Lang::En]
}

/// What is wrong with a profile, named so the operator finds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProfileError(pub String);

impl std::fmt::Display for ProfileError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// The encryption a standard port belongs to.
fn port_security(port: u16) -> Option<ProfileSecurity> {
    match port {
        993 | 995 | 465 => Some(ProfileSecurity::Tls),
        143 | 110 | 587 | 25 => Some(ProfileSecurity::Starttls),
        _ => None,
    }
}

impl Profile {
    /// Every official server with its role name.
    pub fn servers(&self) -> Vec<(&'static str, &OfficialServer)> {
        let mut servers = Vec::new();
        if let Some(imap) = &self.imap {
            servers.push(("imap", imap));
        }
        if let Some(pop3) = &self.pop3 {
            servers.push(("pop3", pop3));
        }
        servers.push(("smtp", &self.smtp));
        servers
    }

    /// Every name customers may use: the official ones, then the aliases.
    pub fn names(&self) -> Vec<&Hostname> {
        let mut names: Vec<&Hostname> = self.servers().into_iter().map(|(_, s)| &s.host).collect();
        names.extend(self.aliases.iter());
        names.dedup();
        names
    }

    /// Whether `name` is a retired name: listed, or under a retired `*.domain` and not one of
    /// the provider's current names.
    pub fn is_retired(&self, name: &Hostname) -> bool {
        if self.knows(name) {
            return false;
        }
        // Entries are read as names are (lowercase, punycode, no trailing dot).
        let name = name.as_str();
        self.retired.iter().any(|retired| {
            let (wildcard, entry) = match retired.trim().strip_prefix("*.") {
                Some(domain) => (true, domain),
                None => (false, retired.trim()),
            };
            let Ok(entry) = Hostname::parse(entry) else {
                return false;
            };
            let entry = entry.as_str();
            if wildcard {
                name.strip_suffix(entry)
                    .is_some_and(|rest| rest.ends_with('.') && rest.len() > 1)
            } else {
                name == entry
            }
        })
    }

    /// Whether `name` is one of the provider's names.
    pub fn knows(&self, name: &Hostname) -> bool {
        self.names().contains(&name)
    }

    /// The provider's name closest to `name`, if it is close enough to be a typo (at most two
    /// edits, or three for long names) and not the name itself.
    pub fn suggest(&self, name: &Hostname) -> Option<&Hostname> {
        if self.knows(name) {
            return None;
        }
        let budget = if name.as_str().len() >= 12 { 3 } else { 2 };
        self.names()
            .into_iter()
            .map(|official| (edit_distance(name.as_str(), official.as_str()), official))
            .filter(|(distance, _)| *distance <= budget)
            .min_by_key(|(distance, _)| *distance)
            .map(|(_, official)| official)
    }

    /// Everything that makes the profile unusable, each with where it is.
    pub fn validate(&self) -> Result<(), Vec<ProfileError>> {
        let mut errors = Vec::new();
        let mut error = |message: String| errors.push(ProfileError(message));
        if self.provider.trim().is_empty() {
            error("provider: the provider's name is missing".into());
        }
        if self.imap.is_none() && self.pop3.is_none() {
            error("imap / pop3: at least one incoming server is needed".into());
        }
        for (role, server) in self.servers() {
            if server.port == 0 {
                error(format!("{role}.port: 0 is not a port"));
            }
            if let Some(expected) = port_security(server.port)
                && expected != server.security
            {
                let name = match expected {
                    ProfileSecurity::Tls => "tls",
                    ProfileSecurity::Starttls => "starttls",
                };
                error(format!(
                    "{role}: port {} is the port for security = \"{name}\"",
                    server.port
                ));
            }
        }
        for retired in &self.retired {
            let name = retired.strip_prefix("*.").unwrap_or(retired);
            // A wildcard never retires the official names and aliases under it.
            match Hostname::parse(name) {
                Ok(name) if !retired.starts_with("*.") && self.knows(&name) => error(format!(
                    "retired: {retired} is an official name or an alias; it cannot be retired"
                )),
                Ok(_) => {}
                Err(why) => error(format!("retired: {retired:?} is not a server name ({why})")),
            }
        }
        for (index, alias) in self.aliases.iter().enumerate() {
            if let Some((role, _)) = self
                .servers()
                .into_iter()
                .find(|(_, server)| server.host == *alias)
            {
                error(format!(
                    "aliases: {alias} is the official {role} server already; list it once"
                ));
            }
            if self.aliases[..index].contains(alias) {
                error(format!("aliases: {alias} is listed twice"));
            }
        }
        if self.languages.is_empty() {
            error("languages: at least one of \"de\", \"en\"".into());
        }
        let support = &self.support;
        if let Some(email) = &support.email
            && !email.contains('@')
        {
            error(format!("support.email: {email:?} is not an e-mail address"));
        }
        if let Some(url) = &support.url {
            check_url("support.url", url, &mut error);
        }
        for (index, link) in self.links.iter().enumerate() {
            check_url(&format!("links[{index}].url"), &link.url, &mut error);
            if link.title_de.trim().is_empty() || link.title_en.trim().is_empty() {
                error(format!(
                    "links[{index}]: title_de and title_en are both needed"
                ));
            }
        }
        if let Some(accent) = &self.theme.accent
            && !accent_is_readable(accent)
        {
            error(format!(
                "theme.accent: {accent:?} must be #rrggbb with a contrast of at least 4.5:1 to white and to the page's light grey"
            ));
        }
        if let Some(logo) = &self.theme.logo
            && !is_same_origin_path(logo)
        {
            error(format!(
                "theme.logo: {logo:?} must be a path on this service, like /logo.svg"
            ));
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }
}

/// Links the page shows must be plain web addresses.
fn check_url(what: &str, url: &str, error: &mut impl FnMut(String)) {
    let ok = (url.starts_with("https://") || url.starts_with("http://"))
        && !url
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || c == '"' || c == '<');
    if !ok {
        error(format!("{what}: {url:?} is not an http(s) address"));
    }
}

/// Levenshtein distance over bytes (host names are ASCII).
pub fn edit_distance(a: &str, b: &str) -> usize {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    let mut current = vec![0; b.len() + 1];
    for (i, x) in a.iter().enumerate() {
        current[0] = i + 1;
        for (j, y) in b.iter().enumerate() {
            let substitution = previous[j] + usize::from(x != y);
            current[j + 1] = substitution.min(previous[j + 1] + 1).min(current[j] + 1);
        }
        std::mem::swap(&mut previous, &mut current);
    }
    previous[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn server(host: &str, port: u16, security: ProfileSecurity) -> OfficialServer {
        OfficialServer {
            host: Hostname::parse(host).expect("host"),
            port,
            security,
        }
    }

    fn profile() -> Profile {
        Profile {
            provider: "MXP".into(),
            aliases: vec![Hostname::parse("login.mxp.de").expect("alias")],
            retired: Vec::new(),
            languages: default_languages(),
            imap: Some(server("mail.mxp.de", 993, ProfileSecurity::Tls)),
            pop3: Some(server("mail.mxp.de", 995, ProfileSecurity::Tls)),
            smtp: server("mail.mxp.de", 587, ProfileSecurity::Starttls),
            support: Support::default(),
            links: Vec::new(),
            theme: Theme::default(),
        }
    }

    #[test]
    fn retired_names_are_listed_or_under_a_retired_domain_but_never_current_ones() {
        let mut mxp = profile();
        mxp.retired = vec!["pop.mxp.de".into(), "*.mxp.test".into()];
        let name = |name: &str| Hostname::parse(name).expect("name");
        assert!(mxp.is_retired(&name("pop.mxp.de")));
        assert!(!mxp.is_retired(&name("imap.mxp.de")));
        assert!(mxp.is_retired(&name("imap.mxp.test")));
        mxp.retired.push("*.Bücher.TEST".into());
        assert!(mxp.is_retired(&name("mail.xn--bcher-kva.test")));
        mxp.retired.push("*.Bücher.TEST".into());
        assert!(mxp.is_retired(&name("mail.xn--bcher-kva.test")));
        assert!(!mxp.is_retired(&name("mxp.test")));
        assert!(!mxp.is_retired(&name("xmxp.test")));
        mxp.retired.push("*.mxp.de".into());
        // The official name and the alias stay current under a retired wildcard.
        assert!(!mxp.is_retired(&name("mail.mxp.de")));
        assert!(!mxp.is_retired(&name("login.mxp.de")));
        assert!(mxp.is_retired(&name("smtp.mxp.de")));
        assert_eq!(mxp.validate(), Ok(()));
        mxp.retired.push("login.mxp.de".into());
        mxp.retired.push("mail mxp.de".into());
        let errors = mxp.validate().expect_err("refused");
        assert_eq!(errors.len(), 2, "{errors:?}");
        assert!(
            errors[0]
                .0
                .contains("login.mxp.de is an official name or an alias")
        );
    }

    #[test]
    fn an_alias_that_repeats_an_official_name_or_itself_is_reported() {
        let mut twice = profile();
        twice.aliases = vec![
            Hostname::parse("login.mxp.de").expect("alias"),
            Hostname::parse("mail.mxp.de").expect("alias"),
            Hostname::parse("login.mxp.de").expect("alias"),
        ];
        let errors: Vec<String> = twice
            .validate()
            .expect_err("refused")
            .into_iter()
            .map(|error| error.0)
            .collect();
        assert_eq!(
            errors,
            [
                "aliases: mail.mxp.de is the official imap server already; list it once",
                "aliases: login.mxp.de is listed twice",
            ]
        );
        assert_eq!(profile().validate(), Ok(()));
    }

    #[test]
    fn themes_stay_readable_and_on_this_origin() {
        for readable in ["#0b5cad", "#1a4d2e", "#000000", "#a3211b"] {
            assert!(accent_is_readable(readable), "{readable}");
        }
        for unreadable in [
            "#ffffff",
            "#ffff00",
            "#77aaff",
            "0b5cad",
            "#0b5cadff",
            "#zzzzzz",
            "red",
        ] {
            assert!(!accent_is_readable(unreadable), "{unreadable}");
        }
        for good in ["/logo.svg", "/img/provider-logo.png"] {
            assert!(is_same_origin_path(good), "{good}");
        }
        for bad in [
            "//evil.example/x.svg",
            "https://evil.example/x.svg",
            "logo.svg",
            "/a b.svg",
            "javascript:x",
            "/x\"onerror=\"1",
        ] {
            assert!(!is_same_origin_path(bad), "{bad}");
        }
    }

    #[test]
    fn typos_of_official_names_get_a_suggestion() {
        let profile = profile();
        let name = |n: &str| Hostname::parse(n).expect("name");
        let cases = [
            ("mial.mxp.de", Some("mail.mxp.de")),
            ("mail.mpx.de", Some("mail.mxp.de")),
            ("mail.mxp.com", Some("mail.mxp.de")),
            ("loign.mxp.de", Some("login.mxp.de")),
            ("mail.mxp.de", None),
            ("login.mxp.de", None),
            ("imap.gmail.com", None),
        ];
        for (typed, expected) in cases {
            assert_eq!(
                profile.suggest(&name(typed)).map(Hostname::as_str),
                expected,
                "{typed}"
            );
        }
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("", "abc"), 3);
    }

    #[test]
    fn validation_names_each_problem() {
        assert_eq!(profile().validate(), Ok(()));
        let mut broken = profile();
        broken.provider = " ".into();
        broken.imap = Some(server("mail.mxp.de", 993, ProfileSecurity::Starttls));
        broken.support.email = Some("support.mxp.de".into());
        broken.support.url = Some("javascript:alert(1)".into());
        broken.links.push(ExtraLink {
            title_de: "Archiv".into(),
            title_en: String::new(),
            url: "https://mxp.de/archiv".into(),
        });
        let errors: Vec<String> = broken
            .validate()
            .expect_err("broken")
            .into_iter()
            .map(|e| e.0)
            .collect();
        assert_eq!(errors.len(), 5, "{errors:#?}");
        for words in [
            "provider",
            "imap: port 993",
            "support.email",
            "support.url",
            "links[0]",
        ] {
            assert!(
                errors.iter().any(|e| e.contains(words)),
                "{words}: {errors:#?}"
            );
        }
    }
}
