//! `/support`: the link builder for support staff. They enter what the customer told them (the
//! settings: address, servers, ports, encryption; or one server, `host:port`, or the customer's
//! e-mail address for their domain; the mail program, the language) and get a link, with a copy
//! button, that opens the page for the customer with all of it filled in and the check running. Links carry
//! no secrets (there is no password field) and keep their meaning across updates (`link.rs`).

use mailtls_shared::{Lang, Profile};
use web_sys::HtmlSelectElement;
use yew::prelude::*;

use yew::platform::spawn_local;

use super::support_box::copy;
use crate::clients::ClientChoice;
use crate::components::{ProgramPicker, ServerForm, SettingsForm};
use crate::i18n::{Text, catalog, language_name};
use crate::link::Link;
use crate::settings::MailSettings;
use crate::state::{Mode, target_from_input};

#[derive(Debug, Properties, PartialEq)]
pub struct LinkBuilderProps {
    /// The language of this page (the support staff's).
    pub lang: Lang,
    pub profile: Option<super::Shared<Profile>>,
    /// This page's origin, for absolute links.
    pub origin: AttrValue,
}

#[component]
pub fn LinkBuilder(props: &LinkBuilderProps) -> Html {
    let texts = catalog(props.lang);
    let mode = use_state(|| Mode::Settings);
    let settings = use_state(MailSettings::default);
    let server = use_state(String::new);
    let client = use_state(ClientChoice::default);
    let customer_lang = use_state(|| props.lang);
    let tried = use_state(|| false);
    let built = use_state(|| None::<String>);
    let copied = use_state(|| None::<bool>);

    let errors = settings.visible_errors(*tried);
    // One server, a `host:port`, or the customer's e-mail address (their domain): what the
    // customer would type into the page's server field.
    let server_error = (*tried || !server.trim().is_empty())
        .then(|| target_from_input(&server).err())
        .flatten()
        .map(|error| AttrValue::from(error.message(props.lang)));
    let changed = {
        let (built, copied) = (built.clone(), copied.clone());
        move || {
            built.set(None);
            copied.set(None);
        }
    };
    let on_edit = {
        let (settings, changed) = (settings.clone(), changed.clone());
        Callback::from(move |next: MailSettings| {
            settings.set(next);
            changed();
        })
    };
    let on_server = {
        let (server, changed) = (server.clone(), changed.clone());
        Callback::from(move |next: String| {
            server.set(next);
            changed();
        })
    };
    let on_client = {
        let (client, changed) = (client.clone(), changed.clone());
        Callback::from(move |next: ClientChoice| {
            client.set(next);
            changed();
        })
    };
    let on_submit = {
        let (mode, settings, server, client, customer_lang, tried, built, copied) = (
            mode.clone(),
            settings.clone(),
            server.clone(),
            client.clone(),
            customer_lang.clone(),
            tried.clone(),
            built.clone(),
            copied.clone(),
        );
        let origin = props.origin.clone();
        Callback::from(move |()| {
            tried.set(true);
            copied.set(None);
            let mut link = Link {
                system: client.system,
                program: client.program,
                lang: Some(*customer_lang),
                ..Link::default()
            };
            let ready = match *mode {
                Mode::Settings => {
                    let settings = settings.with_ports_from_hosts();
                    let ready = settings.checkable_targets().is_ok();
                    link.settings = Some(settings);
                    ready
                }
                Mode::Server => {
                    link.target = Some(server.trim().to_owned());
                    target_from_input(&server).is_ok()
                }
            };
            built.set(ready.then(|| format!("{origin}{}", link.path())));
        })
    };
    let on_lang = {
        let (customer_lang, changed) = (customer_lang.clone(), changed.clone());
        Callback::from(move |event: Event| {
            let select: HtmlSelectElement = event.target_unchecked_into();
            customer_lang.set(Lang::from_tag(&select.value()).unwrap_or_default());
            changed();
        })
    };
    let on_copy = {
        let (built, copied) = (built.clone(), copied.clone());
        move |_| {
            let (text, copied) = ((*built).clone().unwrap_or_default(), copied.clone());
            spawn_local(async move { copied.set(Some(copy(&text).await)) });
        }
    };
    html! {
        <section class="link-builder" aria-labelledby="builder-heading">
            <h2 id="builder-heading">{ texts.text(Text::BuilderHeading) }</h2>
            <p class="intro">{ texts.text(Text::BuilderIntro) }</p>
            <div class="mode-switch" role="group" aria-label={texts.text(Text::ModeLabel)}>
                { for [(Mode::Settings, Text::BuilderModeSettings), (Mode::Server, Text::ModeServer)]
                    .into_iter()
                    .map(|(choice, label)| {
                        let (mode, changed, tried) = (mode.clone(), changed.clone(), tried.clone());
                        html! {
                            <button type="button" id={format!("builder-mode-{}", choice.tag())}
                                aria-pressed={(*mode == choice).to_string()}
                                onclick={move |_| { mode.set(choice); tried.set(false); changed(); }}>
                                { texts.text(label) }
                            </button>
                        }
                    }) }
            </div>
            if *mode == Mode::Settings {
                <SettingsForm lang={props.lang} settings={(*settings).clone()} profile={props.profile.clone()}
                    {errors} busy=false button={None::<Text>} {on_edit} on_submit={on_submit.clone()} for_agent=true
                    program={client.program} />
            } else {
                <ServerForm lang={props.lang} input={AttrValue::from((*server).clone())}
                    error={server_error} busy=false button={None::<Text>}
                    on_edit={on_server} on_submit={on_submit.clone()} hint={Text::ServerHintAgent} />
            }
            <ProgramPicker lang={props.lang} choice={*client} on_change={on_client} for_agent=true />
            <div class="field">
                <label for="customer-lang">{ texts.text(Text::CustomerLanguage) }</label>
                <select id="customer-lang" onchange={on_lang}>
                    { for Lang::ALL.into_iter().map(|lang| html! {
                        <option value={lang.tag()} selected={lang == *customer_lang}>{ language_name(lang) }</option>
                    }) }
                </select>
            </div>
            <button id="build-link" class="primary" type="button" onclick={move |_| on_submit.emit(())}>
                { texts.text(Text::BuildLinkButton) }
            </button>
            if let Some(link) = &*built {
                <div class="built" role="status">
                    <label for="built-link">{ texts.text(Text::BuiltLinkLabel) }</label>
                    <input id="built-link" type="text" readonly=true value={link.clone()} />
                    <p>
                        <button type="button" id="copy-built-link" onclick={on_copy}>{ texts.text(Text::CopyLink) }</button>
                        { " " }
                        <a id="open-built-link" href={link.clone()} target="_blank" rel="noopener noreferrer">
                            { texts.text(Text::OpenBuiltLink) }</a>
                    </p>
                    <p id="built-copy-status">
                        { match *copied {
                            Some(true) => texts.text(Text::Copied),
                            Some(false) => texts.text(Text::CopyFailed),
                            None => "",
                        } }
                    </p>
                </div>
            }
        </section>
    }
}
