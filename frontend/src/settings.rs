//! The customer's mail settings as their mail program shows them, and what they mean: which
//! endpoints to check, and what is wrong with the settings themselves (no encryption, a port that
//! does not fit the encryption). Pure, unit-tested natively; the texts live in `i18n`.

use mailtls_shared::{Host, HostError, Hostname, Lang, Profile, ProfileSecurity, Scheme, Target};

/// The incoming protocol a mail program uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Incoming {
    #[default]
    Imap,
    Pop3,
}

/// Which of the two servers a mail program is set up with: the incoming one (IMAP or POP3) or
/// the outgoing one (SMTP submission).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    Incoming,
    Outgoing,
}

impl Direction {
    /// Both, in the order forms and results show them.
    pub const BOTH: [Direction; 2] = [Direction::Incoming, Direction::Outgoing];
}

/// The encryption setting as mail programs name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Encryption {
    None,
    Starttls,
    /// "SSL/TLS": TLS from the first byte.
    #[default]
    SslTls,
    /// "Automatisch / weiß nicht" (Outlook's "Automatisch"; a customer who does not know):
    /// both are checked, and the page says which works.
    Auto,
}

impl Encryption {
    pub const ALL: [Encryption; 4] = [
        Encryption::SslTls,
        Encryption::Starttls,
        Encryption::None,
        Encryption::Auto,
    ];

    /// The value in links and form fields.
    pub fn tag(self) -> &'static str {
        use mailtls_shared::link::value;
        match self {
            Encryption::None => value::SEC_NONE,
            Encryption::Starttls => value::SEC_STARTTLS,
            Encryption::SslTls => value::SEC_TLS,
            Encryption::Auto => value::SEC_AUTO,
        }
    }

    /// The setting a link's value names: its tag, or as the form shows it (`SSL/TLS`, `Keine`),
    /// in any case. Not a bare `ssl`: it is ambiguous (mail programs' "SSL" switches also stand
    /// for STARTTLS).
    pub fn from_tag(tag: &str) -> Option<Encryption> {
        let tag = tag.trim().to_ascii_lowercase();
        match tag.as_str() {
            "ssl/tls" | "ssltls" => Some(Encryption::SslTls),
            "keine" => Some(Encryption::None),
            _ => Encryption::ALL.into_iter().find(|s| s.tag() == tag),
        }
    }
}

impl Incoming {
    pub fn tag(self) -> &'static str {
        use mailtls_shared::link::value;
        match self {
            Incoming::Imap => value::IMAP,
            Incoming::Pop3 => value::POP3,
        }
    }

    pub fn from_tag(tag: &str) -> Option<Incoming> {
        [Incoming::Imap, Incoming::Pop3]
            .into_iter()
            .find(|p| p.tag() == tag)
    }
}

impl ServerEntry {
    /// `mail.example.de:993` typed as the server name, with the port field empty or the same:
    /// the name, and the port where it belongs.
    fn port_from_host(&self) -> ServerEntry {
        let host = self.host.trim();
        let split = host.rsplit_once(':').filter(|(name, port)| {
            !name.is_empty()
                && !name.contains(':')
                && !port.is_empty()
                && port.len() <= 5
                && port.bytes().all(|b| b.is_ascii_digit())
        });
        match split {
            Some((name, port)) if self.port.trim().is_empty() || self.port.trim() == port => {
                ServerEntry {
                    host: name.to_owned(),
                    port: port.to_owned(),
                    security: self.security,
                }
            }
            _ => self.clone(),
        }
    }
}

/// One server as entered: name, port (as typed, may be empty) and encryption.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ServerEntry {
    pub host: String,
    pub port: String,
    pub security: Encryption,
}

/// Everything the settings form holds.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct MailSettings {
    pub email: String,
    pub incoming: Incoming,
    pub incoming_server: ServerEntry,
    pub outgoing_server: ServerEntry,
}

/// Which field a problem belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    /// The one field of the server mode.
    Server,
    Email,
    IncomingHost,
    IncomingPort,
    OutgoingHost,
    OutgoingPort,
}

/// Why a field cannot be checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FieldError {
    /// The server mode's field (host, `host:port` or `scheme://host[:port]`).
    Target(mailtls_shared::TargetError),
    Host(HostError),
    /// The port is not a number from 1 to 65535.
    Port,
    /// The e-mail address has no `@`, or nothing before or after it.
    Email,
    /// The e-mail address's domain is not a valid name.
    EmailDomain(HostError),
    /// The service does not check this port (it said so when asked): this server is left out,
    /// the other one is still checked. `usual`: the server's standard ports (SSL/TLS, STARTTLS).
    PortNotChecked {
        port: u16,
        usual: (u16, u16),
    },
}

impl FieldError {
    pub fn message(&self, lang: Lang) -> String {
        let texts = crate::i18n::catalog(lang);
        match self {
            FieldError::Target(error) => error.message(lang),
            FieldError::Host(error) => error.message(lang),
            FieldError::Port => texts.text(crate::i18n::Text::PortError).to_owned(),
            FieldError::Email => texts.text(crate::i18n::Text::EmailError).to_owned(),
            // The host-name rules ("a server name needs a dot") would confuse in the e-mail
            // field: the message asks for the domain, with an example.
            FieldError::EmailDomain(_) => {
                texts.text(crate::i18n::Text::EmailDomainError).to_owned()
            }
            FieldError::PortNotChecked { port, usual } => texts.port_not_checked(*port, *usual),
        }
    }
}

/// Something about the settings themselves a customer should change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Advice {
    /// Incoming mail without encryption: use SSL/TLS on `port` instead.
    IncomingUnencrypted { suggested_port: u16 },
    /// Sending over port 25 without encryption: use 587 with STARTTLS.
    OutgoingPort25Unencrypted,
    /// Sending without encryption on another port: use 587 with STARTTLS (or 465 with SSL/TLS).
    OutgoingUnencrypted,
    /// Sending from a mail program over port 25: many networks block it; use 587.
    OutgoingPort25,
    /// The port belongs to the other encryption setting (993 with STARTTLS, 143 with SSL/TLS…).
    PortDoesNotFitSecurity {
        direction: Direction,
        port: u16,
        expected: u16,
    },
    /// The first label looks like a common typo (`mial.` for `mail.`); `suggestion` is the
    /// whole name corrected (`mail.example.de`).
    NameLooksMistyped { field: Field, suggestion: String },
    /// The name is close to one of the provider's official names: probably a typo.
    DidYouMean { field: Field, official: String },
    /// "Automatisch" was chosen: this port and encryption work (SSL/TLS preferred where both
    /// do, RFC 8314).
    AutoChoice {
        direction: Direction,
        port: u16,
        security: Encryption,
    },
    /// A name the provider retired (`pop.mxp.de`, or any under a retired `*.mxp.de`): enter the
    /// official server for this role instead.
    RetiredName {
        direction: Direction,
        host: String,
        official: String,
    },
    /// The server's certificate does not name the host the customer entered: their program
    /// will warn. `suggestion` is one of the provider's official names that the certificate
    /// carries; never just any name from a certificate nobody vouched for (a customer who
    /// followed it could send their password to a stranger's server).
    NameNotOnCertificate {
        host: String,
        suggestion: Option<String>,
    },
    /// An official server with another port or encryption than the provider specifies.
    NotTheProvidersSetting {
        direction: Direction,
        port: u16,
        security: ProfileSecurity,
    },
}

/// The standard port for a protocol with an encryption setting.
fn standard_port(direction: Direction, incoming: Incoming, security: Encryption) -> u16 {
    match (direction, incoming, security) {
        (Direction::Outgoing, _, Encryption::SslTls) => 465,
        (Direction::Outgoing, _, _) => 587,
        (Direction::Incoming, Incoming::Imap, Encryption::SslTls) => 993,
        (Direction::Incoming, Incoming::Imap, _) => 143,
        (Direction::Incoming, Incoming::Pop3, Encryption::SslTls) => 995,
        (Direction::Incoming, Incoming::Pop3, _) => 110,
    }
}

/// Ports that only make sense with one setting: `(port, the setting, which server)` (RFC 8314:
/// 465, 993 and 995 speak TLS from the first byte; 143, 110 and 587 start it with STARTTLS).
/// Port 25 has its own advice (use 587).
const PORT_SETTINGS: [(u16, Encryption, Direction); 6] = [
    (993, Encryption::SslTls, Direction::Incoming),
    (995, Encryption::SslTls, Direction::Incoming),
    (465, Encryption::SslTls, Direction::Outgoing),
    (143, Encryption::Starttls, Direction::Incoming),
    (110, Encryption::Starttls, Direction::Incoming),
    (587, Encryption::Starttls, Direction::Outgoing),
];

/// The first label of a name mistyped in a way we see every day, and what it should be.
const TYPOS: [(&str, &str); 10] = [
    ("mial", "mail"),
    ("mali", "mail"),
    ("maill", "mail"),
    ("emial", "mail"),
    ("smpt", "smtp"),
    ("stmp", "smtp"),
    ("imao", "imap"),
    ("iamp", "imap"),
    ("imapp", "imap"),
    ("pop33", "pop3"),
];

impl MailSettings {
    /// The endpoints to check, or the first problem of each field. Empty server fields are
    /// skipped; with both empty there is nothing to check.
    pub fn targets(&self) -> Result<Vec<Target>, Vec<(Field, FieldError)>> {
        self.targets_except(&[])
    }

    /// [`MailSettings::targets`] without those on a port the service said it does not check
    /// (`refused`): one such server does not hold back the other.
    pub fn targets_except(&self, refused: &[u16]) -> Result<Vec<Target>, Vec<(Field, FieldError)>> {
        // The e-mail address is optional and only fills the settings files: a mistake in it is
        // shown at its field (`visible_errors`) but never holds back the check.
        let mut errors = Vec::new();
        let mut targets = Vec::new();
        for direction in Direction::BOTH {
            let (entry, host_field, port_field) = if direction == Direction::Outgoing {
                (
                    &self.outgoing_server,
                    Field::OutgoingHost,
                    Field::OutgoingPort,
                )
            } else {
                (
                    &self.incoming_server,
                    Field::IncomingHost,
                    Field::IncomingPort,
                )
            };
            if entry.host.trim().is_empty() {
                continue;
            }
            let host = Host::parse(entry.host.trim()).map_err(FieldError::Host);
            let port = self.port(direction).ok_or(FieldError::Port);
            match (host, port) {
                // "Automatisch": SSL/TLS and STARTTLS, on the port typed or each on its own.
                (Ok(host), Ok(_)) if entry.security == Encryption::Auto => {
                    for security in [Encryption::SslTls, Encryption::Starttls] {
                        if let Some(port) = self.port_for(direction, security) {
                            targets.push(Target::Endpoint {
                                scheme: self.scheme_for(direction, security, port),
                                host: host.clone(),
                                port,
                            });
                        }
                    }
                }
                (Ok(host), Ok(port)) => targets.push(Target::Endpoint {
                    scheme: self.scheme(direction, port),
                    host,
                    port,
                }),
                (host, port) => {
                    if let Err(error) = host {
                        errors.push((host_field, error));
                    }
                    if let Err(error) = port {
                        errors.push((port_field, error));
                    }
                }
            }
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        targets.retain(
            |target| !matches!(target, Target::Endpoint { port, .. } if refused.contains(port)),
        );
        Ok(targets)
    }

    /// The servers left out because the service does not check their port (`refused`), each as
    /// its port field's message.
    pub fn refused_ports(&self, refused: &[u16]) -> Vec<(Field, FieldError)> {
        Direction::BOTH
            .into_iter()
            .filter(|direction| !self.entry(*direction).host.trim().is_empty())
            .filter_map(|direction| {
                let port = self.port(direction).filter(|port| refused.contains(port))?;
                let usual = |security| standard_port(direction, self.incoming, security);
                Some((
                    if direction == Direction::Outgoing {
                        Field::OutgoingPort
                    } else {
                        Field::IncomingPort
                    },
                    FieldError::PortNotChecked {
                        port,
                        usual: (usual(Encryption::SslTls), usual(Encryption::Starttls)),
                    },
                ))
            })
            .collect()
    }

    /// The settings with a port typed into a server name field moved to its port field.
    pub fn with_ports_from_hosts(&self) -> MailSettings {
        MailSettings {
            incoming_server: self.incoming_server.port_from_host(),
            outgoing_server: self.outgoing_server.port_from_host(),
            ..self.clone()
        }
    }

    /// [`MailSettings::targets`], with an empty form counted as a missing incoming server: what a
    /// check needs.
    pub fn checkable_targets(&self) -> Result<Vec<Target>, Vec<(Field, FieldError)>> {
        self.checkable_targets_except(&[])
    }

    /// [`MailSettings::checkable_targets`] without the servers on a `refused` port; with
    /// nothing else left, their messages are the reason.
    pub fn checkable_targets_except(
        &self,
        refused: &[u16],
    ) -> Result<Vec<Target>, Vec<(Field, FieldError)>> {
        match self.targets_except(refused) {
            Ok(targets) if targets.is_empty() => {
                let left_out = self.refused_ports(refused);
                Err(if left_out.is_empty() {
                    vec![(Field::IncomingHost, FieldError::Host(HostError::Empty))]
                } else {
                    left_out
                })
            }
            other => other,
        }
    }

    /// The problems a form shows now: those of filled-in fields, and once a check (or a link)
    /// was asked for, all of them.
    pub fn visible_errors(&self, show_all: bool) -> Vec<(Field, FieldError)> {
        self.visible_errors_except(show_all, &[])
    }

    /// [`MailSettings::visible_errors`], with a message at the port field of each server left
    /// out because the service does not check its port (`refused`).
    pub fn visible_errors_except(
        &self,
        show_all: bool,
        refused: &[u16],
    ) -> Vec<(Field, FieldError)> {
        let moved = self.with_ports_from_hosts();
        if moved != *self {
            return moved.visible_errors_except(show_all, refused);
        }
        let filled = |field: Field| match field {
            Field::Email => !self.email.trim().is_empty(),
            Field::IncomingHost | Field::IncomingPort => {
                !self.incoming_server.host.trim().is_empty()
            }
            Field::OutgoingHost | Field::OutgoingPort => {
                !self.outgoing_server.host.trim().is_empty()
            }
            Field::Server => false,
        };
        let email = self.email.trim();
        let email_error = (!email.is_empty())
            .then(|| check_email(email).err())
            .flatten()
            .map(|error| (Field::Email, error));
        // With nothing else to check, the servers left out are the reason (and already in it).
        let form = match self.checkable_targets_except(refused) {
            Ok(_) => self.refused_ports(refused),
            Err(errors) => errors,
        };
        email_error
            .into_iter()
            .chain(form)
            .filter(|(field, _)| show_all || filled(*field))
            .collect()
    }

    /// The port to use: as typed, or the standard one for the protocol and encryption.
    fn port(&self, direction: Direction) -> Option<u16> {
        self.port_for(direction, self.entry(direction).security)
    }

    fn entry(&self, direction: Direction) -> &ServerEntry {
        if direction == Direction::Outgoing {
            &self.outgoing_server
        } else {
            &self.incoming_server
        }
    }

    /// Whether `endpoint` is a server this form sets up without encryption ("Keine"): the probe
    /// checked what the server offers (STARTTLS), but the program as set up sends in the clear.
    pub fn unencrypted(&self, endpoint: &mailtls_shared::EndpointReport) -> bool {
        Direction::BOTH.into_iter().any(|direction| {
            let entry = self.entry(direction);
            entry.security == Encryption::None
                && self.port(direction) == Some(endpoint.port)
                && self.scheme(direction, endpoint.port) == endpoint.scheme
                && Host::parse(entry.host.trim())
                    .is_ok_and(|host| host.to_string() == endpoint.host)
        })
    }

    /// How the mail program will talk to this server: the scheme the probe must use.
    fn scheme(&self, direction: Direction, port: u16) -> Scheme {
        self.scheme_for(direction, self.entry(direction).security, port)
    }

    /// The port for `security`: as typed, or its standard one.
    fn port_for(&self, direction: Direction, security: Encryption) -> Option<u16> {
        let typed = self.entry(direction).port.trim();
        if typed.is_empty() {
            return Some(standard_port(direction, self.incoming, security));
        }
        typed.parse().ok().filter(|port| *port > 0)
    }

    fn scheme_for(&self, direction: Direction, security: Encryption, port: u16) -> Scheme {
        match (direction, self.incoming, security) {
            (Direction::Outgoing, _, Encryption::SslTls) => Scheme::Smtps,
            (Direction::Outgoing, _, _) if port == 25 => Scheme::Smtp,
            (Direction::Outgoing, _, _) => Scheme::Submission,
            (Direction::Incoming, Incoming::Imap, Encryption::SslTls) => Scheme::Imaps,
            (Direction::Incoming, Incoming::Imap, _) => Scheme::Imap,
            (Direction::Incoming, Incoming::Pop3, Encryption::SslTls) => Scheme::Pop3s,
            (Direction::Incoming, Incoming::Pop3, _) => Scheme::Pop3,
        }
    }

    /// What to change in the settings, whatever the servers say, and, with the provider's
    /// profile, where they differ from what the provider specifies.
    pub fn advice_with(&self, profile: Option<&Profile>) -> Vec<Advice> {
        let Some(profile) = profile else {
            return self.advice();
        };
        let mut advice = Vec::new();
        for direction in Direction::BOTH {
            let entry = self.entry(direction);
            let Ok(name) = Hostname::parse(entry.host.trim()) else {
                continue;
            };
            let field = if direction == Direction::Outgoing {
                Field::OutgoingHost
            } else {
                Field::IncomingHost
            };
            let role_server = match (direction, self.incoming) {
                (Direction::Outgoing, _) => Some(&profile.smtp),
                (Direction::Incoming, Incoming::Imap) => profile.imap.as_ref(),
                (Direction::Incoming, Incoming::Pop3) => profile.pop3.as_ref(),
            };
            if profile.is_retired(&name)
                && let Some(current) = role_server
            {
                advice.push(Advice::RetiredName {
                    direction,
                    host: name.to_unicode(),
                    official: current.host.to_unicode(),
                });
                continue;
            }
            if let Some(official) = profile.suggest(&name) {
                advice.push(Advice::DidYouMean {
                    field,
                    official: official.to_unicode(),
                });
                continue;
            }
            let Some(official) = role_server.filter(|_| profile.knows(&name)) else {
                continue;
            };
            let security = match official.security {
                ProfileSecurity::Tls => Encryption::SslTls,
                ProfileSecurity::Starttls => Encryption::Starttls,
            };
            if self.port(direction) != Some(official.port) || entry.security != security {
                advice.push(Advice::NotTheProvidersSetting {
                    direction,
                    port: official.port,
                    security: official.security,
                });
            }
        }
        // The general advice, without what the provider's own words already cover.
        let covered = |item: &Advice| {
            advice.iter().any(|given| match (given, item) {
                (
                    Advice::DidYouMean { field: a, .. },
                    Advice::NameLooksMistyped { field: b, .. },
                ) => a == b,
                (
                    Advice::NotTheProvidersSetting { direction: a, .. },
                    Advice::PortDoesNotFitSecurity { direction: b, .. },
                ) => a == b,
                _ => false,
            })
        };
        let general: Vec<Advice> = self
            .advice()
            .into_iter()
            .filter(|item| !covered(item))
            .collect();
        general.into_iter().chain(advice).collect()
    }

    /// What to change in the settings, whatever the servers say.
    pub fn advice(&self) -> Vec<Advice> {
        let mut advice = Vec::new();
        for direction in Direction::BOTH {
            let entry = self.entry(direction);
            if entry.host.trim().is_empty() {
                continue;
            }
            let Some(port) = self.port(direction) else {
                continue;
            };
            match (direction, entry.security) {
                (Direction::Incoming, Encryption::None) => {
                    advice.push(Advice::IncomingUnencrypted {
                        suggested_port: standard_port(
                            Direction::Incoming,
                            self.incoming,
                            Encryption::SslTls,
                        ),
                    })
                }
                (Direction::Outgoing, Encryption::None) if port == 25 => {
                    advice.push(Advice::OutgoingPort25Unencrypted);
                }
                (Direction::Outgoing, Encryption::None) => advice.push(Advice::OutgoingUnencrypted),
                (Direction::Outgoing, _) if port == 25 => advice.push(Advice::OutgoingPort25),
                _ => {}
            }
            if let Some((_, fits, _)) = PORT_SETTINGS
                .iter()
                .find(|(p, _, out)| *p == port && *out == direction)
                && !matches!(entry.security, Encryption::None | Encryption::Auto)
                && *fits != entry.security
            {
                advice.push(Advice::PortDoesNotFitSecurity {
                    direction,
                    port,
                    expected: standard_port(direction, self.incoming, entry.security),
                });
            }
            let field = if direction == Direction::Outgoing {
                Field::OutgoingHost
            } else {
                Field::IncomingHost
            };
            if let Some(suggestion) = corrected(&entry.host) {
                advice.push(Advice::NameLooksMistyped { field, suggestion });
            }
        }
        advice
    }
}

impl MailSettings {
    /// For each server set to "Automatisch": the port and encryption that worked in `report`
    /// (TLS 1.2 or newer accepted, the service the setting names), SSL/TLS first.
    pub fn auto_advice(&self, report: &mailtls_shared::CheckReport) -> Vec<Advice> {
        let mut advice = Vec::new();
        for direction in Direction::BOTH {
            let entry = self.entry(direction);
            if entry.security != Encryption::Auto {
                continue;
            }
            let Ok(host) = Host::parse(entry.host.trim()) else {
                continue;
            };
            let works = |security: Encryption| {
                let port = self.port_for(direction, security)?;
                let target = Target::Endpoint {
                    scheme: self.scheme_for(direction, security, port),
                    host: host.clone(),
                    port,
                };
                report
                    .endpoints
                    .iter()
                    .any(|endpoint| {
                        crate::state::target_covers(&target, endpoint)
                            && endpoint.verdict != mailtls_shared::Verdict::WrongService
                            && endpoint
                                .best_version()
                                .is_some_and(|version| version >= mailtls_shared::TlsVersion::Tls12)
                    })
                    .then_some((port, security))
            };
            if let Some((port, security)) =
                works(Encryption::SslTls).or_else(|| works(Encryption::Starttls))
            {
                advice.push(Advice::AutoChoice {
                    direction,
                    port,
                    security,
                });
            }
        }
        advice
    }
}

/// Hosts whose certificate does not carry their name, each with a name it does carry.
pub fn certificate_advice(
    report: &mailtls_shared::CheckReport,
    profile: Option<&Profile>,
) -> Vec<Advice> {
    let mut advice: Vec<Advice> = Vec::new();
    for endpoint in &report.endpoints {
        let Some(certificate) = &endpoint.certificate else {
            continue;
        };
        if certificate.verdict != mailtls_shared::CertificateVerdict::NameMismatch {
            continue;
        }
        let host = Hostname::parse(&endpoint.host)
            .map(|name| name.to_unicode())
            .unwrap_or_else(|_| endpoint.host.clone());
        if advice
            .iter()
            .any(|a| matches!(a, Advice::NameNotOnCertificate { host: h, .. } if *h == host))
        {
            continue;
        }
        let on_certificate = |name: &str| {
            certificate
                .sans
                .iter()
                .any(|san| san.eq_ignore_ascii_case(name))
        };
        let suggestion = profile.and_then(|profile| {
            profile
                .names()
                .into_iter()
                .find(|name| on_certificate(name.as_str()))
                .map(|name| name.to_unicode())
        });
        advice.push(Advice::NameNotOnCertificate { host, suggestion });
    }
    advice
}

/// The usual first label for a mistyped one (`mial.example.de` → `mail`).
pub fn typo(host: &str) -> Option<&'static str> {
    let first = host.trim().split('.').next()?.to_ascii_lowercase();
    TYPOS
        .iter()
        .find(|(wrong, _)| *wrong == first)
        .map(|(_, right)| *right)
}

/// The name with its mistyped first label corrected (`mial.example.de` → `mail.example.de`).
pub fn corrected(host: &str) -> Option<String> {
    let suggestion = typo(host)?;
    let rest = host.trim().split_once('.').map_or("", |(_, rest)| rest);
    Some(if rest.is_empty() {
        suggestion.to_owned()
    } else {
        format!("{suggestion}.{rest}")
    })
}

/// `local@domain` with a valid domain name.
fn check_email(email: &str) -> Result<(), FieldError> {
    let Some((local, domain)) = email.rsplit_once('@') else {
        return Err(FieldError::Email);
    };
    if local.is_empty()
        || domain.is_empty()
        || local.chars().any(|c| c.is_whitespace() || c.is_control())
    {
        return Err(FieldError::Email);
    }
    mailtls_shared::Hostname::parse(domain)
        .map(|_| ())
        .map_err(FieldError::EmailDomain)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(
        incoming: Incoming,
        (in_host, in_port, in_sec): (&str, &str, Encryption),
        (out_host, out_port, out_sec): (&str, &str, Encryption),
    ) -> MailSettings {
        MailSettings {
            email: "kunde@mxp.de".into(),
            incoming,
            incoming_server: ServerEntry {
                host: in_host.into(),
                port: in_port.into(),
                security: in_sec,
            },
            outgoing_server: ServerEntry {
                host: out_host.into(),
                port: out_port.into(),
                security: out_sec,
            },
        }
    }

    #[test]
    fn settings_become_the_endpoints_the_program_uses() {
        use Encryption::*;
        let cases = [
            (
                Incoming::Imap,
                ("mail.mxp.de", "", SslTls),
                ("mail.mxp.de", "", Starttls),
                vec!["imaps://mail.mxp.de", "submission://mail.mxp.de"],
            ),
            (
                Incoming::Imap,
                ("mail.mxp.de", "143", Starttls),
                ("mail.mxp.de", "465", SslTls),
                vec!["imap://mail.mxp.de", "smtps://mail.mxp.de"],
            ),
            (
                Incoming::Pop3,
                ("pop.mxp.de", "", SslTls),
                ("smtp.mxp.de", "25", None),
                vec!["pop3s://pop.mxp.de", "smtp://smtp.mxp.de"],
            ),
            (
                Incoming::Pop3,
                ("pop.mxp.de", "", None),
                ("", "", None),
                vec!["pop3://pop.mxp.de"],
            ),
            (
                Incoming::Imap,
                ("mail.mxp.de", "10993", SslTls),
                ("mail.mxp.de", "2525", Starttls),
                vec!["imaps://mail.mxp.de:10993", "submission://mail.mxp.de:2525"],
            ),
            (Incoming::Imap, ("", "", SslTls), ("", "", SslTls), vec![]),
        ];
        for (incoming, inc, out, expected) in cases {
            let targets = settings(incoming, inc, out).targets().expect("valid");
            let shown: Vec<String> = targets.iter().map(Target::to_string).collect();
            assert_eq!(shown, expected, "{inc:?} {out:?}");
        }
    }

    #[test]
    fn each_broken_field_is_named() {
        let mut broken = settings(
            Incoming::Imap,
            ("mail mxp.de", "99999", Encryption::SslTls),
            ("mail.mxp.de", "abc", Encryption::Starttls),
        );
        broken.email = "kunde.mxp.de".into();
        let errors = broken.visible_errors(true);
        assert_eq!(
            errors,
            vec![
                (Field::Email, FieldError::Email),
                (Field::IncomingHost, FieldError::Host(HostError::Whitespace)),
                (Field::IncomingPort, FieldError::Port),
                (Field::OutgoingPort, FieldError::Port),
            ]
        );
        assert!(errors[2].1.message(Lang::De).contains("65535"));
        broken.email = "kunde@".into();
        assert_eq!(
            broken.visible_errors(true)[0],
            (Field::Email, FieldError::Email)
        );
        broken.email = "kunde@mxp".into();
        assert!(matches!(
            broken.visible_errors(true)[0],
            (Field::Email, FieldError::EmailDomain(HostError::NoDot))
        ));
    }

    #[test]
    fn a_mistake_in_the_optional_address_is_shown_but_does_not_hold_back_the_check() {
        let mut settings = settings(
            Incoming::Imap,
            ("mail.mxp.de", "", Encryption::SslTls),
            ("", "", Encryption::SslTls),
        );
        settings.email = "kunde@".into();
        assert_eq!(
            settings.visible_errors(true),
            vec![(Field::Email, FieldError::Email)]
        );
        let targets = settings.checkable_targets().expect("checkable");
        assert_eq!(targets.len(), 1);
    }

    #[test]
    fn advice_on_the_settings_themselves() {
        use Encryption::*;
        let cases: Vec<(MailSettings, Vec<Advice>)> = vec![
            (
                settings(
                    Incoming::Imap,
                    ("mail.mxp.de", "", SslTls),
                    ("mail.mxp.de", "", Starttls),
                ),
                vec![],
            ),
            (
                settings(
                    Incoming::Imap,
                    ("mail.mxp.de", "143", None),
                    ("mail.mxp.de", "25", None),
                ),
                vec![
                    Advice::IncomingUnencrypted {
                        suggested_port: 993,
                    },
                    Advice::OutgoingPort25Unencrypted,
                ],
            ),
            (
                settings(
                    Incoming::Pop3,
                    ("pop.mxp.de", "", None),
                    ("mail.mxp.de", "587", None),
                ),
                vec![
                    Advice::IncomingUnencrypted {
                        suggested_port: 995,
                    },
                    Advice::OutgoingUnencrypted,
                ],
            ),
            (
                settings(
                    Incoming::Imap,
                    ("mail.mxp.de", "", SslTls),
                    ("mail.mxp.de", "25", Starttls),
                ),
                vec![Advice::OutgoingPort25],
            ),
            (
                settings(
                    Incoming::Imap,
                    ("mail.mxp.de", "993", Starttls),
                    ("mail.mxp.de", "465", Starttls),
                ),
                vec![
                    Advice::PortDoesNotFitSecurity {
                        direction: Direction::Incoming,
                        port: 993,
                        expected: 143,
                    },
                    Advice::PortDoesNotFitSecurity {
                        direction: Direction::Outgoing,
                        port: 465,
                        expected: 587,
                    },
                ],
            ),
            (
                settings(
                    Incoming::Imap,
                    ("mail.mxp.de", "143", SslTls),
                    ("", "", SslTls),
                ),
                vec![Advice::PortDoesNotFitSecurity {
                    direction: Direction::Incoming,
                    port: 143,
                    expected: 993,
                }],
            ),
            (
                settings(
                    Incoming::Imap,
                    ("", "", SslTls),
                    ("mail.mxp.de", "587", SslTls),
                ),
                vec![Advice::PortDoesNotFitSecurity {
                    direction: Direction::Outgoing,
                    port: 587,
                    expected: 465,
                }],
            ),
            // Port 25 with SSL/TLS: one piece of advice (587 with STARTTLS), not two that differ.
            (
                settings(
                    Incoming::Imap,
                    ("", "", SslTls),
                    ("mail.mxp.de", "25", SslTls),
                ),
                vec![Advice::OutgoingPort25],
            ),
            (
                settings(
                    Incoming::Imap,
                    ("mial.mxp.de", "", SslTls),
                    ("smpt.mxp.de", "", Starttls),
                ),
                vec![
                    Advice::NameLooksMistyped {
                        field: Field::IncomingHost,
                        suggestion: "mail.mxp.de".into(),
                    },
                    Advice::NameLooksMistyped {
                        field: Field::OutgoingHost,
                        suggestion: "smtp.mxp.de".into(),
                    },
                ],
            ),
        ];
        for (settings, expected) in cases {
            assert_eq!(settings.advice(), expected, "{settings:?}");
        }
    }

    #[test]
    fn typos_are_corrected_in_place() {
        assert_eq!(
            corrected("mial.provider.test").as_deref(),
            Some("mail.provider.test")
        );
        assert_eq!(corrected(" SMPT.mxp.de").as_deref(), Some("smtp.mxp.de"));
        assert_eq!(corrected("mail.mxp.de"), None);
        assert_eq!(corrected("mailx.mxp.de"), None);
    }

    fn provider() -> Profile {
        let server = |host: &str, port, security| mailtls_shared::OfficialServer {
            host: Hostname::parse(host).expect("host"),
            port,
            security,
        };
        Profile {
            provider: "Provider".into(),
            aliases: vec![Hostname::parse("login.provider.test").expect("alias")],
            retired: vec![],
            languages: vec![Lang::De, Lang::En],
            imap: Some(server("mail.provider.test", 993, ProfileSecurity::Tls)),
            pop3: None,
            smtp: server("mail.provider.test", 587, ProfileSecurity::Starttls),
            support: mailtls_shared::Support::default(),
            links: vec![],
            theme: mailtls_shared::Theme::default(),
        }
    }

    #[test]
    fn advice_follows_the_providers_profile() {
        use Encryption::*;
        let profile = provider();
        let cases: Vec<(MailSettings, Vec<Advice>)> = vec![
            // Exactly the provider's settings: nothing to say.
            (
                settings(
                    Incoming::Imap,
                    ("mail.provider.test", "993", SslTls),
                    ("mail.provider.test", "587", Starttls),
                ),
                vec![],
            ),
            // The alias is as good as the official name.
            (
                settings(
                    Incoming::Imap,
                    ("login.provider.test", "", SslTls),
                    ("login.provider.test", "", Starttls),
                ),
                vec![],
            ),
            // Typos of official names.
            (
                settings(
                    Incoming::Imap,
                    ("mial.provider.test", "", SslTls),
                    ("mail.provder.test", "", Starttls),
                ),
                vec![
                    Advice::DidYouMean {
                        field: Field::IncomingHost,
                        official: "mail.provider.test".into(),
                    },
                    Advice::DidYouMean {
                        field: Field::OutgoingHost,
                        official: "mail.provider.test".into(),
                    },
                ],
            ),
            // Right name, other port and encryption than the provider's.
            (
                settings(
                    Incoming::Imap,
                    ("mail.provider.test", "143", Starttls),
                    ("mail.provider.test", "465", SslTls),
                ),
                vec![
                    Advice::NotTheProvidersSetting {
                        direction: Direction::Incoming,
                        port: 993,
                        security: ProfileSecurity::Tls,
                    },
                    Advice::NotTheProvidersSetting {
                        direction: Direction::Outgoing,
                        port: 587,
                        security: ProfileSecurity::Starttls,
                    },
                ],
            ),
            // No encryption: the general advice and the provider's setting.
            (
                settings(
                    Incoming::Imap,
                    ("mail.provider.test", "", SslTls),
                    ("mail.provider.test", "25", None),
                ),
                vec![
                    Advice::OutgoingPort25Unencrypted,
                    Advice::NotTheProvidersSetting {
                        direction: Direction::Outgoing,
                        port: 587,
                        security: ProfileSecurity::Starttls,
                    },
                ],
            ),
            // Another provider's server: the profile has nothing to say about it.
            (
                settings(
                    Incoming::Imap,
                    ("imap.example.org", "", SslTls),
                    ("", "", SslTls),
                ),
                vec![],
            ),
        ];
        for (settings, expected) in cases {
            assert_eq!(
                settings.advice_with(Some(&profile)),
                expected,
                "{settings:?}"
            );
        }
    }

    #[test]
    fn a_name_missing_from_the_certificate_is_replaced_only_by_the_providers_own() {
        use mailtls_shared::{
            CertificateReport, CertificateVerdict, CheckReport, EndpointReport, Verdict,
        };
        let endpoint = |host: &str, verdict, sans: &[&str]| EndpointReport {
            scheme: Scheme::Imaps,
            host: host.into(),
            port: 993,
            address: None,
            versions: Default::default(),
            handshakes: vec![],
            clients: vec![],
            certificate: Some(CertificateReport {
                verdict,
                sans: sans.iter().map(|s| (*s).to_owned()).collect(),
                ..CertificateReport::default()
            }),
            findings: vec![],
            verdict: Verdict::CertificateProblem,
            service_found: None,
            error: None,
        };
        let report = CheckReport {
            tool_version: String::new(),
            checked_at: String::new(),
            duration_ms: 0,
            targets: vec![],
            domains: vec![],
            truncated: false,
            cached: false,
            age_seconds: None,
            endpoints: vec![
                endpoint(
                    "imap.provider.test",
                    CertificateVerdict::NameMismatch,
                    &["*.hoster.test", "mail.provider.test"],
                ),
                endpoint(
                    "imap.provider.test",
                    CertificateVerdict::NameMismatch,
                    &["mail.provider.test"],
                ),
                endpoint(
                    "smtp.other.test",
                    CertificateVerdict::NameMismatch,
                    &["*.other.test", "mx.other.test"],
                ),
                endpoint(
                    "mail.provider.test",
                    CertificateVerdict::Valid,
                    &["mail.provider.test"],
                ),
            ],
            verdict: mailtls_shared::CheckVerdict::Problem,
        };
        assert_eq!(
            certificate_advice(&report, Some(&provider())),
            vec![
                Advice::NameNotOnCertificate {
                    host: "imap.provider.test".into(),
                    suggestion: Some("mail.provider.test".into())
                },
                // mx.other.test is on that certificate, but nobody vouched for it: no suggestion.
                Advice::NameNotOnCertificate {
                    host: "smtp.other.test".into(),
                    suggestion: None
                },
            ]
        );
    }

    #[test]
    fn a_port_typed_with_the_server_name_moves_to_the_port_field() {
        let mut settings = MailSettings::default();
        settings.incoming_server.host = " mail.mxp.de:993 ".into();
        settings.outgoing_server.host = "smtp.mxp.de:587".into();
        settings.outgoing_server.port = "465".into();
        let moved = settings.with_ports_from_hosts();
        assert_eq!(
            (
                moved.incoming_server.host.as_str(),
                moved.incoming_server.port.as_str()
            ),
            ("mail.mxp.de", "993")
        );
        // Another port already in the port field: the customer must decide, nothing moves.
        assert_eq!(moved.outgoing_server, settings.outgoing_server);
        assert!(
            !moved
                .visible_errors(true)
                .iter()
                .any(|(field, _)| *field == Field::IncomingHost),
            "no message about the ':' once the port has its place"
        );
    }

    #[test]
    fn a_retired_name_is_replaced_by_the_official_one_for_its_role() {
        let mut profile = provider();
        profile.retired = vec!["*.provider.test".into()];
        let mut settings = MailSettings::default();
        settings.incoming_server.host = "imap.provider.test".into();
        settings.incoming_server.security = Encryption::SslTls;
        settings.outgoing_server.host = "login.provider.test".into();
        settings.outgoing_server.security = Encryption::Starttls;
        let advice = settings.advice_with(Some(&profile));
        assert!(
            advice.contains(&Advice::RetiredName {
                direction: Direction::Incoming,
                host: "imap.provider.test".into(),
                official: "mail.provider.test".into(),
            }),
            "{advice:?}"
        );
        // The alias is current: no retirement advice for the outgoing server.
        assert!(
            !advice.iter().any(|a| matches!(
                a,
                Advice::RetiredName {
                    direction: Direction::Outgoing,
                    ..
                }
            )),
            "{advice:?}"
        );
    }

    #[test]
    fn automatic_encryption_checks_both_and_names_the_one_that_works() {
        let mut settings = settings(
            Incoming::Imap,
            ("mail.mxp.de", "", Encryption::Auto),
            ("", "", Encryption::SslTls),
        );
        let shown: Vec<String> = settings
            .targets()
            .expect("valid")
            .iter()
            .map(Target::to_string)
            .collect();
        assert_eq!(shown, ["imaps://mail.mxp.de", "imap://mail.mxp.de"]);
        settings.incoming_server.port = "10143".into();
        let shown: Vec<String> = settings
            .targets()
            .expect("valid")
            .iter()
            .map(Target::to_string)
            .collect();
        assert_eq!(
            shown,
            ["imaps://mail.mxp.de:10143", "imap://mail.mxp.de:10143"]
        );
        assert!(settings.advice().is_empty(), "no port-fits advice for Auto");
        assert_eq!(Encryption::from_tag("auto"), Some(Encryption::Auto));
    }

    #[test]
    fn tags_round_trip() {
        for security in Encryption::ALL {
            assert_eq!(Encryption::from_tag(security.tag()), Some(security));
        }
        assert_eq!(Incoming::from_tag("pop3"), Some(Incoming::Pop3));
        assert_eq!(Encryption::from_tag("ssl"), None);
    }
}
