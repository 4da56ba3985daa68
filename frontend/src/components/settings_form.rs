//! The settings form: the e-mail address, the incoming server (IMAP or POP3) and the outgoing
//! server, each with port and encryption, as the customer's mail program shows them. Every field
//! is validated as they type; each message sits under its field and is linked to it.

use mailtls_shared::{Lang, Profile};
use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

use crate::i18n::{Text, catalog};
use crate::settings::{Direction, Encryption, Field, FieldError, Incoming, MailSettings};

#[derive(Debug, Properties, PartialEq)]
pub struct SettingsFormProps {
    pub lang: Lang,
    pub settings: MailSettings,
    /// The provider's profile, for suggestions and examples.
    pub profile: Option<super::Shared<Profile>>,
    /// The problems to show now, by field.
    pub errors: Vec<(Field, FieldError)>,
    pub busy: bool,
    /// The submit button's text; `None` for a form whose button comes later (the link builder).
    #[prop_or(Some(Text::CheckSettingsButton))]
    pub button: Option<Text>,
    pub on_edit: Callback<MailSettings>,
    pub on_submit: Callback<()>,
    /// Filled in by support staff for a customer (the link builder): the hint speaks to them.
    #[prop_or_default]
    pub for_agent: bool,
    /// The chosen mail program: its name for the encryption setting, where known.
    #[prop_or_default]
    pub program: Option<crate::clients::Program>,
}

/// Which part of the settings a control edits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Part {
    Email,
    Protocol,
    Host { direction: Direction },
    Port { direction: Direction },
    Encryption { direction: Direction },
}

fn apply(settings: &MailSettings, part: Part, value: String) -> MailSettings {
    fn entry(next: &mut MailSettings, direction: Direction) -> &mut crate::settings::ServerEntry {
        if direction == Direction::Outgoing {
            &mut next.outgoing_server
        } else {
            &mut next.incoming_server
        }
    }
    let mut next = settings.clone();
    match part {
        Part::Email => next.email = value,
        Part::Protocol => next.incoming = Incoming::from_tag(&value).unwrap_or_default(),
        Part::Host { direction } => entry(&mut next, direction).host = value,
        Part::Port { direction } => entry(&mut next, direction).port = value,
        Part::Encryption { direction } => {
            entry(&mut next, direction).security = Encryption::from_tag(&value).unwrap_or_default();
        }
    }
    next
}

#[component]
pub fn SettingsForm(props: &SettingsFormProps) -> Html {
    let texts = catalog(props.lang);
    let edit = |part: Part| {
        let on_edit = props.on_edit.clone();
        let settings = props.settings.clone();
        Callback::from(move |value: String| on_edit.emit(apply(&settings, part, value)))
    };
    let input_event = |part: Part| {
        let edit = edit(part);
        Callback::from(move |event: InputEvent| {
            let field: HtmlInputElement = event.target_unchecked_into();
            edit.emit(field.value());
        })
    };
    let change_event = |part: Part| {
        let edit = edit(part);
        Callback::from(move |event: Event| {
            let field: HtmlSelectElement = event.target_unchecked_into();
            edit.emit(field.value());
        })
    };
    let error = |field: Field| {
        props
            .errors
            .iter()
            .find(|(f, _)| *f == field)
            .map(|(_, error)| error.message(props.lang))
    };
    let onsubmit = {
        let on_submit = props.on_submit.clone();
        move |event: SubmitEvent| {
            event.prevent_default();
            on_submit.emit(());
        }
    };
    // One labelled text field with its message.
    let text_field = |id: &'static str,
                      label: Text,
                      value: &str,
                      part: Part,
                      field: Field,
                      mode: &'static str| {
        let message = error(field);
        let error_id = format!("{id}-error");
        // Only server names get a suggestion (the provider's closest name, else the usual
        // spelling), and only while they have no error.
        let hint = matches!(field, Field::IncomingHost | Field::OutgoingHost)
            .then(|| {
                let from_profile = props.profile.as_ref().and_then(|profile| {
                    let name = mailtls_shared::Hostname::parse(value.trim()).ok()?;
                    profile.suggest(&name).map(|official| official.to_unicode())
                });
                from_profile.or_else(|| crate::settings::corrected(value))
            })
            .flatten()
            .filter(|_| message.is_none());
        html! {
            <div class="field">
                <label for={id}>{ texts.text(label) }</label>
                <input id={id} name={id} type="text" inputmode={mode}
                    autocomplete="off" autocapitalize="none" spellcheck="false"
                    value={value.to_owned()} oninput={input_event(part)}
                    aria-invalid={message.is_some().to_string()}
                    aria-describedby={error_id.clone()} />
                <p id={error_id} class="field-error" aria-live="polite">
                    { message.unwrap_or_default() }
                </p>
                if let Some(suggestion) = hint {
                    <p class="hint did-you-mean" aria-live="polite">{ texts.did_you_mean(&suggestion) }</p>
                }
            </div>
        }
    };
    let security_select = |id: &'static str, direction: Direction, current: Encryption| {
        html! {
            <div class="field">
                <label for={id}>{ texts.text(Text::SecurityLabel) }</label>
                <select id={id} name={id} onchange={change_event(Part::Encryption { direction })}>
                    { for Encryption::ALL.into_iter().map(|security| html! {
                        <option value={security.tag()} selected={security == current}>
                            { texts.text(match security {
                                Encryption::SslTls => Text::SecuritySslTls,
                                Encryption::Starttls => Text::SecurityStarttls,
                                Encryption::None => Text::SecurityNone,
                                Encryption::Auto => Text::SecurityAuto,
                            }) }
                        </option>
                    }) }
                </select>
            </div>
        }
    };
    let settings = &props.settings;
    html! {
        <form class="settings-form" {onsubmit} novalidate=true>
            <p class="hint">{ texts.text(if props.for_agent { Text::SettingsHintAgent } else { Text::SettingsHint }) }</p>
            { text_field("email", Text::EmailLabel, &settings.email, Part::Email, Field::Email, "email") }
            <fieldset>
                <legend>{ texts.text(Text::IncomingHeading) }</legend>
                <div class="field">
                    <label for="in-proto">{ texts.text(Text::ProtocolLabel) }</label>
                    <select id="in-proto" name="in-proto" onchange={change_event(Part::Protocol)}>
                        <option value="imap" selected={settings.incoming == Incoming::Imap}>{ "IMAP" }</option>
                        <option value="pop3" selected={settings.incoming == Incoming::Pop3}>{ "POP3" }</option>
                    </select>
                </div>
                { text_field("in-host", Text::ServerNameLabel, &settings.incoming_server.host,
                    Part::Host { direction: Direction::Incoming }, Field::IncomingHost, "url") }
                { text_field("in-port", Text::PortLabel, &settings.incoming_server.port,
                    Part::Port { direction: Direction::Incoming }, Field::IncomingPort, "numeric") }
                { security_select("in-sec", Direction::Incoming, settings.incoming_server.security) }
            </fieldset>
            <fieldset>
                <legend>{ texts.text(Text::OutgoingHeading) }</legend>
                { text_field("out-host", Text::ServerNameLabel, &settings.outgoing_server.host,
                    Part::Host { direction: Direction::Outgoing }, Field::OutgoingHost, "url") }
                { text_field("out-port", Text::PortLabel, &settings.outgoing_server.port,
                    Part::Port { direction: Direction::Outgoing }, Field::OutgoingPort, "numeric") }
                { security_select("out-sec", Direction::Outgoing, settings.outgoing_server.security) }
            </fieldset>
            <p class="hint">{ texts.text(Text::PortHint) }</p>
            if let Some(hint) = props.program.and_then(crate::clients::encryption_hint) {
                <p class="hint" id="security-hint">{ texts.text(hint) }</p>
            }
            if let Some(button) = props.button {
                <button id="check-settings" class="primary" type="submit" disabled={props.busy}>
                    { texts.text(button) }
                </button>
            }
        </form>
    }
}
