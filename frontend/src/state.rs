//! The page's state and the one reducer that changes it. Pure: no DOM, no network, so every
//! transition is unit-tested natively.

use std::rc::Rc;

use mailtls_shared::{
    CheckReport, EndpointReport, Host, Lang, Profile, Scheme, Target, TargetError,
};
use yew::Reducible;

use crate::clients::ClientChoice;
use crate::i18n::built_in;
use crate::link::Link;
use crate::settings::{Direction, Field, FieldError, MailSettings};

/// What the page shows below the form.
#[derive(Debug, Clone, PartialEq)]
pub enum Phase {
    /// Nothing checked yet.
    Idle,
    /// A check of these targets is running.
    Checking { targets: Vec<Target> },
    /// The report arrived.
    Done(Rc<CheckReport>),
    /// The API refused the check or could not be reached; the message is for the customer.
    Failed(Failure),
}

/// Why a check did not run, for the customer: the message, and whether checking again can help
/// (not for a target the service refuses).
#[derive(Debug, Clone, PartialEq)]
pub struct Failure {
    pub message: String,
    pub retry: bool,
    /// The port the service refused to check, where that was the reason.
    pub port: Option<u16>,
}

/// The two ways to use the page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Mode {
    /// The customer's own settings: address, incoming and outgoing server (the main flow).
    #[default]
    Settings,
    /// One server, or targets as in the API (for support and admins).
    Server,
}

impl Mode {
    pub fn tag(self) -> &'static str {
        use mailtls_shared::link::value;
        match self {
            Mode::Settings => value::MODE_SETTINGS,
            Mode::Server => value::MODE_SERVER,
        }
    }

    pub fn from_tag(tag: &str) -> Option<Mode> {
        [Mode::Settings, Mode::Server]
            .into_iter()
            .find(|mode| mode.tag() == tag)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct State {
    pub lang: Lang,
    pub mode: Mode,
    /// The server field, exactly as typed.
    pub input: String,
    /// The settings form, exactly as filled in.
    pub settings: MailSettings,
    pub phase: Phase,
    /// Counts checks, so a late answer to an older check cannot overwrite a newer one.
    pub request: u32,
    /// Set once the customer tried to check an invalid input: from then on, even an empty field
    /// gets its message.
    pub show_errors: bool,
    /// The running check's endpoints so far, as the stream delivers them.
    pub progress: Progress,
    /// The provider's profile, once the service sent it.
    pub profile: Option<Rc<Profile>>,
    /// The customer's system and mail program.
    pub client: ClientChoice,
    /// The current check was asked for again ("Noch einmal prüfen"): not from the cache.
    pub fresh: bool,
    /// Counts the times a check was asked for and refused because of the form: the page then
    /// moves the focus to the first field with a message.
    pub refused_submits: u32,
    /// The form as it was when the running or shown check was asked for: the result, its
    /// advice, the summary and the link stay tied to it while the customer edits the form.
    pub checked: Option<Rc<Checked>>,
    /// Ports the service said it does not check: a settings server on one of them is left out
    /// (with a message at its port field), the other server is still checked.
    pub refused_ports: Vec<u16>,
}

/// What a check was asked for.
#[derive(Debug, Clone, PartialEq)]
pub struct Checked {
    pub mode: Mode,
    pub input: String,
    pub settings: MailSettings,
}

/// How far the running check is.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Progress {
    /// How many endpoints the check has (known once the service started it).
    pub total: Option<usize>,
    /// The finished ones, in the order they finished.
    pub endpoints: Vec<Rc<EndpointReport>>,
}

impl State {
    pub fn new(lang: Lang) -> Self {
        State {
            lang,
            mode: Mode::default(),
            input: String::new(),
            settings: MailSettings::default(),
            phase: Phase::Idle,
            request: 0,
            show_errors: false,
            progress: Progress::default(),
            profile: None,
            client: ClientChoice::default(),
            fresh: false,
            refused_submits: 0,
            checked: None,
            refused_ports: Vec::new(),
        }
    }

    /// This state as it was when the shown check was asked for (the form as submitted); the
    /// state itself before any check.
    pub fn as_checked(&self) -> std::borrow::Cow<'_, State> {
        match &self.checked {
            Some(checked) => {
                let mut view = self.clone();
                view.mode = checked.mode;
                view.input = checked.input.clone();
                view.settings = checked.settings.clone();
                std::borrow::Cow::Owned(view)
            }
            None => std::borrow::Cow::Borrowed(self),
        }
    }

    /// The running check's finished endpoints in the order the final report will have them
    /// (the order of the targets, then of the mail ports), so cards do not jump at the end.
    pub fn progress_in_order(&self) -> Vec<Rc<EndpointReport>> {
        let Phase::Checking { targets } = &self.phase else {
            return self.progress.endpoints.clone();
        };
        let key = |endpoint: &EndpointReport| {
            let target = targets
                .iter()
                .position(|target| target_covers(target, endpoint))
                .unwrap_or(targets.len());
            let scheme = mailtls_shared::Scheme::ALL
                .iter()
                .position(|scheme| *scheme == endpoint.scheme)
                .unwrap_or(usize::MAX);
            (target, scheme)
        };
        // A stable insertion sort: a check has a few dozen cards at most, and this is about
        // 1.8 KB (brotli) less of the page than the standard library's merge sort.
        let mut sorted: Vec<((usize, usize), Rc<EndpointReport>)> = Vec::new();
        for endpoint in &self.progress.endpoints {
            let place = key(endpoint);
            let at = sorted
                .iter()
                .position(|(other, _)| *other > place)
                .unwrap_or(sorted.len());
            sorted.insert(at, (place, endpoint.clone()));
        }
        sorted.into_iter().map(|(_, endpoint)| endpoint).collect()
    }

    /// The targets of the running check that still have endpoints to come, as the page writes
    /// them (`mail.example.de:993`), joined; `None` when none is known to be pending.
    pub fn pending(&self) -> Option<String> {
        let Phase::Checking { targets } = &self.phase else {
            return None;
        };
        let pending: Vec<String> = targets
            .iter()
            .filter(|target| {
                let done = self
                    .progress
                    .endpoints
                    .iter()
                    .filter(|endpoint| target_covers(target, endpoint))
                    .count();
                match target {
                    Target::Endpoint { .. } => done == 0,
                    Target::Host(_) => done < mailtls_shared::Scheme::ALL.len(),
                    Target::Domain(_) => true,
                }
            })
            .map(|target| {
                let shown = |host: &mailtls_shared::Host| match host.name() {
                    Some(name) => name.to_unicode(),
                    None => host.to_uri_form(),
                };
                match target {
                    Target::Endpoint { host, port, .. } => format!("{}:{port}", shown(host)),
                    Target::Host(host) => shown(host),
                    Target::Domain(domain) => domain.to_unicode(),
                }
            })
            .collect();
        (!pending.is_empty()).then(|| pending.join(", "))
    }

    /// Whether the form now asks for something else than the shown result was checked for.
    pub fn edited_since_check(&self) -> bool {
        !matches!(self.phase, Phase::Idle)
            && self.checked.as_deref().is_some_and(|checked| {
                let changed = checked.mode != self.mode;
                changed
                    || match self.mode {
                        Mode::Server => checked.input.trim() != self.input.trim(),
                        Mode::Settings => checked.settings != self.settings,
                    }
            })
    }

    /// The target the field stands for, or why it stands for none.
    pub fn target(&self) -> Result<Target, TargetError> {
        target_from_input(&self.input)
    }

    /// Whether a refusal of `port` is about a server of the checked settings the page can
    /// leave out (and not learned before: no loop).
    fn refuses_settings_port(&self, port: u16) -> bool {
        !self.refused_ports.contains(&port)
            && self
                .checked
                .as_deref()
                .filter(|checked| checked.mode == Mode::Settings)
                .and_then(|checked| checked.settings.targets().ok())
                .is_some_and(|targets| {
                    targets.iter().any(
                        |target| matches!(target, Target::Endpoint { port: p, .. } if *p == port),
                    )
                })
    }

    /// Whether check number `request` is the one running now (answers to older checks are
    /// dropped).
    fn is_running(&self, request: u32) -> bool {
        request == self.request && matches!(self.phase, Phase::Checking { .. })
    }

    /// What the current mode's form asks to check, or why it cannot be checked.
    pub fn targets(&self) -> Result<Vec<Target>, Vec<(Field, FieldError)>> {
        match self.mode {
            Mode::Server => self
                .target()
                .map(|target| vec![target])
                .map_err(|error| vec![(Field::Server, FieldError::Target(error))]),
            Mode::Settings => self.settings.checkable_targets_except(&self.refused_ports),
        }
    }

    /// The checked settings' servers left out because the service does not check their port:
    /// `(which server, host, port)`, for the result and the summary.
    pub fn left_out(&self) -> Vec<(Direction, String, u16)> {
        let Some(checked) = self.checked.as_deref().filter(|c| c.mode == Mode::Settings) else {
            return Vec::new();
        };
        let settings = &checked.settings;
        settings
            .refused_ports(&self.refused_ports)
            .into_iter()
            .filter_map(|(field, error)| {
                let FieldError::PortNotChecked { port, .. } = error else {
                    return None;
                };
                let (direction, entry) = if field == Field::OutgoingPort {
                    (Direction::Outgoing, &settings.outgoing_server)
                } else {
                    (Direction::Incoming, &settings.incoming_server)
                };
                Some((direction, entry.host.trim().to_owned(), port))
            })
            .collect()
    }

    /// Starts a check of what the form says, or, when it cannot be checked, shows why. A port
    /// typed into a server name field moves to its port field first.
    fn submit(&mut self) {
        if self.mode == Mode::Settings {
            self.settings = self.settings.with_ports_from_hosts();
        }
        match self.targets() {
            Ok(targets) => {
                self.request += 1;
                self.progress = Progress::default();
                self.phase = Phase::Checking { targets };
                self.checked = Some(Rc::new(Checked {
                    mode: self.mode,
                    input: self.input.clone(),
                    settings: self.settings.clone(),
                }));
            }
            Err(_) => {
                self.show_errors = true;
                self.refused_submits += 1;
            }
        }
    }

    /// The input's problem, if the page should show it now: not for an untouched empty field.
    pub fn input_error(&self) -> Option<TargetError> {
        if !self.show_errors && self.input.trim().is_empty() {
            return None;
        }
        self.target().err()
    }

    /// The settings form's problems the page should show now: those of filled-in fields, and
    /// after a check was asked for, all.
    pub fn settings_errors(&self) -> Vec<(Field, FieldError)> {
        self.settings
            .visible_errors_except(self.show_errors, &self.refused_ports)
    }

    /// What to change in the settings (only in the settings mode).
    pub fn settings_advice(&self) -> Vec<crate::settings::Advice> {
        match self.mode {
            Mode::Settings => self.settings.advice_with(self.profile.as_deref()),
            Mode::Server => Vec::new(),
        }
    }

    /// The address of this page in `lang`, for a build without `lang`'s texts: what the form
    /// says, checked at once where the customer had asked for a check of it (the service
    /// answers a check it just ran from its cache), only filled in otherwise.
    pub fn link_in(&self, lang: Lang) -> Link {
        let asked = match self.phase {
            // A refused submit counts while its input is still the invalid one: a corrected
            // input the customer has not checked yet is only filled in.
            Phase::Idle => self.show_errors && self.targets().is_err(),
            Phase::Checking { .. } | Phase::Done(_) => !self.edited_since_check(),
            Phase::Failed(_) => false,
        };
        Link {
            lang: Some(lang),
            prefill: !asked,
            ..self.link()
        }
    }

    /// This state's check as a link.
    pub fn link(&self) -> Link {
        let mut link = Link {
            mode: Some(self.mode),
            lang: Some(self.lang),
            system: self.client.system.filter(|_| !self.client.suggested),
            program: self.client.program,
            ..Link::default()
        };
        match self.mode {
            // An empty field is no target: the link then says which form it is.
            Mode::Server => {
                link.target = Some(self.input.trim().to_owned()).filter(|t| !t.is_empty());
            }
            Mode::Settings => link.settings = Some(self.settings.clone()),
        }
        link
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    SetLang(Lang),
    SetMode(Mode),
    /// The service sent the provider's profile.
    ProfileLoaded(Rc<Profile>),
    /// The customer chose (or the browser suggested) their system and program.
    SetClient(ClientChoice),
    Edit(String),
    EditSettings(MailSettings),
    /// Start checking what the field says (ignored while it is invalid).
    Submit,
    /// Check the same again, not from the service's cache ("Noch einmal prüfen").
    Retry,
    /// A check link was opened (or back/forward went to one): fill in the form and check at
    /// once; a link without a check shows the empty form.
    Open(Link),
    /// Check number `request` started with `total` endpoints.
    Started {
        request: u32,
        total: usize,
    },
    /// An endpoint of check number `request` is finished.
    EndpointDone {
        request: u32,
        endpoint: Rc<EndpointReport>,
    },
    /// The answer to check number `request`.
    Finished {
        request: u32,
        result: Result<Rc<CheckReport>, Failure>,
    },
}

impl Reducible for State {
    type Action = Action;

    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        let mut next = (*self).clone();
        match action {
            // A build speaks only the languages it has the texts of (`i18n::built_in`); the
            // service hands out the build of the visitor's language.
            Action::SetLang(lang) if built_in(lang) => next.lang = lang,
            Action::SetLang(_) => {}
            Action::ProfileLoaded(profile) => {
                // A language the provider does not offer gives way to its first one.
                if let Some(first) = profile.languages.first()
                    && !profile.languages.contains(&next.lang)
                    && built_in(*first)
                {
                    next.lang = *first;
                }
                next.profile = Some(profile);
            }
            Action::SetClient(client) => next.client = client,
            Action::SetMode(mode) => {
                next.mode = mode;
                next.show_errors = false;
            }
            Action::Edit(input) => next.input = input,
            Action::EditSettings(settings) => next.settings = settings,
            Action::Submit => {
                next.submit();
                next.fresh = false;
            }
            // "Noch einmal prüfen" checks again what is on screen, not the form as edited since.
            Action::Retry => {
                if let Some(checked) = next.checked.clone() {
                    next.mode = checked.mode;
                    next.input = checked.input.clone();
                    next.settings = checked.settings.clone();
                }
                next.submit();
                next.fresh = true;
            }
            Action::Open(link) => {
                next.phase = Phase::Idle;
                next.show_errors = false;
                if let Some(lang) = link.lang.filter(|lang| built_in(*lang)) {
                    next.lang = lang;
                }
                if let Some(mode) = link.mode {
                    next.mode = mode;
                }
                if link.system.is_some() || link.program.is_some() {
                    next.client = ClientChoice {
                        system: link.system,
                        program: link.program,
                        suggested: false,
                    };
                }
                if let Some(target) = link.target {
                    next.mode = Mode::Server;
                    next.input = target;
                    if !link.prefill {
                        next.submit();
                    }
                } else if let Some(settings) = link.settings {
                    next.mode = Mode::Settings;
                    next.settings = settings;
                    if !link.prefill {
                        next.submit();
                    }
                }
            }
            Action::Started { request, total } => {
                if !self.is_running(request) {
                    return self;
                }
                next.progress.total = Some(total);
                // A stream that resumed after the service restarted starts over.
                next.progress.endpoints.clear();
            }
            Action::EndpointDone { request, endpoint } => {
                if !self.is_running(request) {
                    return self;
                }
                next.progress.endpoints.push(endpoint);
            }
            Action::Finished { request, result } => {
                if !self.is_running(request) {
                    return self;
                }
                next.phase = match result {
                    Ok(report) => Phase::Done(report),
                    // A settings server on a port the service does not check: leave it out,
                    // say so at its field, and check the rest at once.
                    Err(Failure {
                        port: Some(port), ..
                    }) if next.refuses_settings_port(port) => {
                        next.refused_ports.push(port);
                        if let Some(checked) = next.checked.clone() {
                            next.settings = checked.settings.clone();
                        }
                        next.mode = Mode::Settings;
                        next.phase = Phase::Idle;
                        next.submit();
                        return Rc::new(next);
                    }
                    Err(failure) => Phase::Failed(failure),
                };
            }
        }
        Rc::new(next)
    }
}

/// Whether `endpoint` is one of the endpoints `target` stands for (a domain's MX hosts are not
/// known to the page: none).
pub(crate) fn target_covers(target: &Target, endpoint: &EndpointReport) -> bool {
    let same_host = |host: &mailtls_shared::Host| {
        host.to_string().eq_ignore_ascii_case(&endpoint.host)
            || host.to_uri_form().eq_ignore_ascii_case(&endpoint.host)
    };
    match target {
        Target::Endpoint { scheme, host, port } => {
            *scheme == endpoint.scheme && *port == endpoint.port && same_host(host)
        }
        Target::Host(host) => same_host(host),
        Target::Domain(_) => false,
    }
}

/// What was typed into the server field, as the target to check: a bare host means every
/// standard mail endpoint (`mail.example.de`), `host:port` the endpoint whose standard port that
/// is (993 IMAP over TLS, 587 submission, …; another port is taken as IMAP over TLS), and
/// `scheme://host[:port]` exactly that. Surrounding whitespace (from pasting) is ignored.
pub fn target_from_input(input: &str) -> Result<Target, TargetError> {
    let input = input.trim();
    match Target::parse(input) {
        Err(TargetError::PortWithoutScheme { host, port }) => {
            let scheme = port
                .parse::<u16>()
                .ok()
                .and_then(|port| Scheme::ALL.into_iter().find(|s| s.default_port() == port))
                .unwrap_or(Scheme::Imaps);
            Target::parse(&format!("{scheme}://{host}:{port}"))
        }
        other => other,
    }
}

/// How an endpoint is titled on its card: `imaps://mail.example.de:993`.
pub fn endpoint_title(endpoint: &EndpointReport) -> String {
    let host = match Host::parse(&endpoint.host) {
        Ok(Host::Name(name)) => name.to_unicode(),
        Ok(host @ Host::Ip(_)) => host.to_uri_form(),
        Err(_) => endpoint.host.clone(),
    };
    format!("{}://{host}:{}", endpoint.scheme, endpoint.port)
}

#[cfg(test)]
pub(crate) mod tests {
    use std::collections::BTreeMap;

    use mailtls_shared::{HandshakeReport, HostError, Outcome, Reason, TlsVersion};

    use super::*;

    fn report() -> Rc<CheckReport> {
        Rc::new(CheckReport {
            tool_version: "0.1.0".into(),
            checked_at: "2026-11-26T12:00:00Z".into(),
            duration_ms: 5,
            targets: vec![],
            domains: vec![],
            truncated: false,
            cached: false,
            age_seconds: None,
            endpoints: vec![],
            verdict: mailtls_shared::CheckVerdict::Unclear,
        })
    }

    /// An IMAPS endpoint report with these handshakes (shared with `tone`'s tests).
    pub(crate) fn endpoint(outcomes: &[(TlsVersion, Outcome, Option<Reason>)]) -> EndpointReport {
        EndpointReport {
            scheme: Scheme::Imaps,
            host: "xn--mller-kva.de".into(),
            port: 993,
            address: None,
            versions: outcomes
                .iter()
                .map(|(v, o, _)| (*v, *o))
                .collect::<BTreeMap<_, _>>(),
            handshakes: outcomes
                .iter()
                .map(|(version, outcome, reason)| HandshakeReport {
                    version: *version,
                    outcome: *outcome,
                    reason: *reason,
                    detail: None,
                    cipher_suite: None,
                    group: None,
                    duration_ms: 1,
                })
                .collect(),
            clients: vec![],
            certificate: None,
            findings: vec![],
            verdict: mailtls_shared::Verdict::Untestable,
            service_found: None,
            error: None,
        }
    }

    #[test]
    fn input_becomes_the_endpoints_it_names() {
        let cases = [
            ("mail.mxp.de", Ok("mail.mxp.de")),
            ("  mail.mxp.de \n", Ok("mail.mxp.de")),
            ("mail.mxp.de:10993", Ok("imaps://mail.mxp.de:10993")),
            ("mail.mxp.de:993", Ok("imaps://mail.mxp.de")),
            ("mail.mxp.de:587", Ok("submission://mail.mxp.de")),
            ("mail.mxp.de:25", Ok("smtp://mail.mxp.de")),
            ("mail.mxp.de:110", Ok("pop3://mail.mxp.de")),
            ("pop3s://mail.mxp.de", Ok("pop3s://mail.mxp.de")),
            (
                "mail.mxp.de:abc",
                Err(TargetError::InvalidPort { port: "abc".into() }),
            ),
            ("mail mxp.de", Err(TargetError::Host(HostError::Whitespace))),
            ("", Err(TargetError::Host(HostError::Empty))),
            (" kunde@Firma.de ", Ok("domain:firma.de")),
            ("domain:firma.de", Ok("domain:firma.de")),
            ("@firma.de", Err(TargetError::InvalidEmail)),
        ];
        for (input, expected) in cases {
            assert_eq!(
                target_from_input(input).map(|t| t.to_string()),
                expected.map(str::to_owned),
                "{input:?}"
            );
        }
    }

    #[test]
    fn submit_only_starts_valid_checks_and_stale_answers_are_dropped() {
        let state = Rc::new(State::new(Lang::De)).reduce(Action::SetMode(Mode::Server));
        let state = state.reduce(Action::Submit);
        assert_eq!(
            state.phase,
            Phase::Idle,
            "empty input must not start a check"
        );
        assert_eq!(
            state.input_error(),
            Some(TargetError::Host(HostError::Empty)),
            "after a failed submit the empty field explains itself"
        );
        assert_eq!(State::new(Lang::De).input_error(), None);

        let state = state.reduce(Action::Edit("mail.mxp.de".into()));
        let state = state.reduce(Action::Submit);
        assert!(matches!(state.phase, Phase::Checking { .. }));
        assert_eq!(state.request, 1);

        let state = state.reduce(Action::Submit);
        assert_eq!(state.request, 2);
        assert!(!state.fresh);
        let retried = state.clone().reduce(Action::Retry);
        assert_eq!(
            (retried.request, retried.fresh),
            (3, true),
            "asked again: not from cache"
        );
        let stale = state.clone().reduce(Action::Finished {
            request: 1,
            result: Err(Failure {
                message: "old".into(),
                retry: true,
                port: None,
            }),
        });
        assert!(matches!(stale.phase, Phase::Checking { .. }));

        // Progress of the running check is kept, of an older one dropped.
        let state = state
            .reduce(Action::Started {
                request: 2,
                total: 1,
            })
            .reduce(Action::EndpointDone {
                request: 1,
                endpoint: Rc::new(endpoint(&[])),
            });
        assert_eq!(state.progress.total, Some(1));
        assert!(state.progress.endpoints.is_empty());
        let state = state.reduce(Action::EndpointDone {
            request: 2,
            endpoint: Rc::new(endpoint(&[])),
        });
        assert_eq!(state.progress.endpoints.len(), 1);
        let done = state.reduce(Action::Finished {
            request: 2,
            result: Ok(report()),
        });
        assert!(matches!(done.phase, Phase::Done(_)));
        let again = done.reduce(Action::Finished {
            request: 2,
            result: Err(Failure {
                message: "late duplicate".into(),
                retry: true,
                port: None,
            }),
        });
        assert!(matches!(again.phase, Phase::Done(_)));
    }

    #[test]
    fn a_refused_outgoing_port_leaves_that_server_out_and_checks_the_incoming_one() {
        use crate::settings::ServerEntry;
        let mut state = State::new(Lang::En);
        state.settings = MailSettings {
            incoming_server: ServerEntry {
                host: "mail.example.de".into(),
                ..ServerEntry::default()
            },
            outgoing_server: ServerEntry {
                host: "smtp.example.de".into(),
                port: "2525".into(),
                security: crate::settings::Encryption::Starttls,
            },
            ..MailSettings::default()
        };
        let state = Rc::new(state).reduce(Action::Submit);
        let Phase::Checking { targets } = &state.phase else {
            panic!("both servers are asked for first: {:?}", state.phase)
        };
        assert_eq!(targets.len(), 2);
        let refused = |state: &Rc<State>, port| {
            state.clone().reduce(Action::Finished {
                request: state.request,
                result: Err(Failure {
                    message: "Port refused".into(),
                    retry: false,
                    port: Some(port),
                }),
            })
        };
        // The service refuses 2525: the page checks the incoming server alone, at once.
        let again = refused(&state, 2525);
        assert_eq!(again.request, state.request + 1, "a new check started");
        let Phase::Checking { targets } = &again.phase else {
            panic!("the incoming server is checked: {:?}", again.phase)
        };
        assert_eq!(
            targets
                .iter()
                .map(|target| target.to_string())
                .collect::<Vec<_>>(),
            ["imaps://mail.example.de"]
        );
        assert_eq!(
            again.left_out(),
            [(Direction::Outgoing, "smtp.example.de".to_owned(), 2525)]
        );
        let errors = again.settings_errors();
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert_eq!(errors[0].0, Field::OutgoingPort);
        assert!(
            errors[0].1.message(Lang::De).contains("Port 2525")
                && errors[0]
                    .1
                    .message(Lang::De)
                    .contains("465 (SSL/TLS) und 587"),
            "{}",
            errors[0].1.message(Lang::De)
        );
        assert!(errors[0].1.message(Lang::En).contains("port 2525"));
        // A refusal of a port the settings do not use is shown as it is, and so is a second
        // refusal of the same port: no loop.
        assert!(matches!(refused(&state, 2600).phase, Phase::Failed(_)));
        assert!(matches!(refused(&again, 2525).phase, Phase::Failed(_)));

        // With only a refused server, nothing is checked and the focus goes to its port field.
        let mut only = State::new(Lang::De);
        only.settings.outgoing_server = state.settings.outgoing_server.clone();
        let only = Rc::new(only).reduce(Action::Submit);
        assert!(matches!(only.phase, Phase::Checking { .. }));
        let only = refused(&only, 2525);
        assert_eq!(only.phase, Phase::Idle);
        assert_eq!(only.refused_submits, 1, "the focus moves to the field");
        assert_eq!(only.settings_errors()[0].0, Field::OutgoingPort);
    }

    #[test]
    fn the_other_languages_page_checks_again_only_what_was_asked_for() {
        let typed = Rc::new(State::new(Lang::De))
            .reduce(Action::SetMode(Mode::Server))
            .reduce(Action::Edit("mail.mxp.de".into()));
        // Typed, not checked: the other page fills the field in and waits.
        let link = typed.link_in(Lang::En);
        assert_eq!(
            (link.lang, link.prefill, link.target.as_deref()),
            (Some(Lang::En), true, Some("mail.mxp.de"))
        );
        let english = Rc::new(State::new(Lang::En)).reduce(Action::Open(link));
        assert_eq!(
            (english.input.as_str(), &english.phase),
            ("mail.mxp.de", &Phase::Idle)
        );
        // Checked (running or done): the other page checks the same again.
        let checking = typed.reduce(Action::Submit);
        assert!(matches!(checking.phase, Phase::Checking { .. }));
        assert!(!checking.link_in(Lang::En).prefill);
        // Edited since: the edited form, filled in only.
        let edited = checking.reduce(Action::Edit("mail2.mxp.de".into()));
        let link = edited.link_in(Lang::En);
        assert_eq!(
            (link.prefill, link.target.as_deref()),
            (true, Some("mail2.mxp.de"))
        );
        // An invalid input the customer tried to check: its message again, nothing checked.
        let invalid = Rc::new(State::new(Lang::De))
            .reduce(Action::SetMode(Mode::Server))
            .reduce(Action::Edit("mail mxp.de".into()))
            .reduce(Action::Submit);
        let link = invalid.link_in(Lang::En);
        assert!(!link.prefill);
        let english = Rc::new(State::new(Lang::En)).reduce(Action::Open(link));
        assert_eq!(english.phase, Phase::Idle);
        assert!(english.input_error().is_some());
        // Corrected after the refused submit, not checked yet: filled in only.
        let corrected = invalid.reduce(Action::Edit("mail.mxp.de".into()));
        assert!(corrected.link_in(Lang::En).prefill);
        // The empty server form stays the server form.
        let empty = Rc::new(State::new(Lang::De)).reduce(Action::SetMode(Mode::Server));
        let link = empty.link_in(Lang::En);
        assert_eq!(link.path(), "/check?lang=en#mode=server&prefill=1");
        let english = Rc::new(State::new(Lang::En)).reduce(Action::Open(link));
        assert_eq!((english.mode, &english.phase), (Mode::Server, &Phase::Idle));
    }

    #[test]
    fn opening_a_link_fills_the_field_and_checks_at_once() {
        let open = |target: &str| {
            Action::Open(Link {
                target: Some(target.to_owned()),
                ..Link::default()
            })
        };
        let state = Rc::new(State::new(Lang::En));
        let state = state.reduce(open("mail.mxp.de:10993"));
        assert_eq!(
            (state.input.as_str(), state.mode),
            ("mail.mxp.de:10993", Mode::Server)
        );
        assert_eq!(
            state.phase,
            Phase::Checking {
                targets: vec![Target::parse("imaps://mail.mxp.de:10993").expect("target")]
            }
        );
        assert_eq!(state.request, 1);

        // A link with a broken target shows the message instead of checking.
        let broken = state.clone().reduce(open("mail mxp.de"));
        assert_eq!((broken.request, broken.phase.clone()), (1, Phase::Idle));
        assert_eq!(
            broken.input_error(),
            Some(TargetError::Host(HostError::Whitespace))
        );

        // Back to the empty form.
        let empty = state.reduce(Action::Open(Link::default()));
        assert_eq!(
            (empty.phase.clone(), empty.input_error()),
            (Phase::Idle, None)
        );
    }

    #[test]
    fn progress_keeps_the_report_order_and_names_what_is_still_pending() {
        let state = Rc::new(State::new(Lang::De));
        let state = state.reduce(Action::Open(Link {
            settings: Some(MailSettings {
                incoming_server: crate::settings::ServerEntry {
                    host: "mail.mxp.de".into(),
                    port: "993".into(),
                    security: crate::settings::Encryption::SslTls,
                },
                outgoing_server: crate::settings::ServerEntry {
                    host: "smtp.mxp.de".into(),
                    port: "465".into(),
                    security: crate::settings::Encryption::SslTls,
                },
                ..MailSettings::default()
            }),
            ..Link::default()
        }));
        assert_eq!(
            state.pending().as_deref(),
            Some("mail.mxp.de:993, smtp.mxp.de:465")
        );
        let at = |scheme, host: &str, port| {
            let mut done = endpoint(&[]);
            done.scheme = scheme;
            done.host = host.into();
            done.port = port;
            Rc::new(done)
        };
        // The outgoing server answers first; its card still comes second.
        let state = state.reduce(Action::EndpointDone {
            request: 1,
            endpoint: at(Scheme::Smtps, "smtp.mxp.de", 465),
        });
        assert_eq!(state.pending().as_deref(), Some("mail.mxp.de:993"));
        let state = state.reduce(Action::EndpointDone {
            request: 1,
            endpoint: at(Scheme::Imaps, "mail.mxp.de", 993),
        });
        let order: Vec<u16> = state
            .progress_in_order()
            .iter()
            .map(|endpoint| endpoint.port)
            .collect();
        assert_eq!(order, [993, 465]);
        assert_eq!(state.pending(), None);
    }

    #[test]
    fn a_result_stays_tied_to_what_was_checked_while_the_form_changes() {
        let state = Rc::new(State::new(Lang::De));
        let state = state.reduce(Action::Open(Link {
            target: Some("mail.mxp.de".to_owned()),
            ..Link::default()
        }));
        let done = state.reduce(Action::Finished {
            request: 1,
            result: Ok(report()),
        });
        assert!(!done.edited_since_check());
        let checked_link = done.as_checked().link().path();

        // Switching to the settings form, or typing another server, keeps the checked link
        // and says that the result is for the old details.
        let switched = done.clone().reduce(Action::SetMode(Mode::Settings));
        assert!(switched.edited_since_check());
        assert_eq!(switched.as_checked().link().path(), checked_link);
        assert!(
            checked_link.contains("target=mail.mxp.de"),
            "{checked_link}"
        );
        let typed = done.clone().reduce(Action::Edit("mail.other.de".into()));
        assert!(typed.edited_since_check());
        assert_eq!(typed.as_checked().link().path(), checked_link);
        // "Noch einmal prüfen" checks what is on screen again, not the edited form.
        let retried = typed.clone().reduce(Action::Retry);
        assert_eq!(retried.input, "mail.mxp.de");
        assert!(matches!(
            &retried.phase,
            Phase::Checking { targets } if targets[0].to_string() == "mail.mxp.de"
        ));
        // Typing it back as it was: nothing to check again.
        let back = typed.reduce(Action::Edit(" mail.mxp.de ".into()));
        assert!(!back.edited_since_check());
    }

    #[test]
    fn the_page_speaks_only_the_providers_languages() {
        let profile = |languages: Vec<Lang>| {
            let mut profile: Profile = mailtls_shared::json::from_str(
                r#"{"provider":"P","imap":{"host":"mail.p.test","port":993,"security":"tls"},
                    "smtp":{"host":"mail.p.test","port":587,"security":"starttls"}}"#,
            )
            .expect("profile");
            profile.languages = languages;
            Rc::new(profile)
        };
        let english = Rc::new(State::new(Lang::En));
        let german_only = english
            .clone()
            .reduce(Action::ProfileLoaded(profile(vec![Lang::De])));
        assert_eq!(german_only.lang, Lang::De);
        let both = english.reduce(Action::ProfileLoaded(profile(vec![Lang::De, Lang::En])));
        assert_eq!(both.lang, Lang::En);
    }

    #[test]
    fn titles_show_international_names_as_typed() {
        assert_eq!(endpoint_title(&endpoint(&[])), "imaps://müller.de:993");
    }
}
