//! `/support`: the link builder for support staff. They enter what the customer told them
//! (address, servers, ports, encryption, mail program, language) and get a short link that opens
//! the page for the customer with all of it filled in and the check already running. Links carry
//! no secrets (there is no password field) and keep their meaning across updates (`link.rs`).

use std::rc::Rc;

use mailtls_shared::{Lang, Profile};
use web_sys::HtmlSelectElement;
use yew::prelude::*;

use crate::clients::ClientChoice;
use crate::components::{ProgramPicker, SettingsForm};
use crate::i18n::{Text, catalog, language_name};
use crate::link::Link;
use crate::settings::MailSettings;

#[derive(Debug, Properties, PartialEq)]
pub struct LinkBuilderProps {
    /// The language of this page (the support staff's).
    pub lang: Lang,
    pub profile: Option<Rc<Profile>>,
    /// This page's origin, for absolute links.
    pub origin: AttrValue,
}

#[component]
pub fn LinkBuilder(props: &LinkBuilderProps) -> Html {
    let texts = catalog(props.lang);
    let settings = use_state(MailSettings::default);
    let client = use_state(ClientChoice::default);
    let customer_lang = use_state(|| props.lang);
    let tried = use_state(|| false);
    let built = use_state(|| None::<String>);

    let errors = settings.visible_errors(*tried);
    let on_edit = {
        let (settings, built) = (settings.clone(), built.clone());
        Callback::from(move |next: MailSettings| {
            settings.set(next);
            built.set(None);
        })
    };
    let on_client = {
        let (client, built) = (client.clone(), built.clone());
        Callback::from(move |next: ClientChoice| {
            client.set(next);
            built.set(None);
        })
    };
    let on_submit = {
        let (settings, client, customer_lang, tried, built) = (
            settings.clone(),
            client.clone(),
            customer_lang.clone(),
            tried.clone(),
            built.clone(),
        );
        let origin = props.origin.clone();
        Callback::from(move |()| {
            tried.set(true);
            match settings.checkable_targets() {
                Ok(_) => {
                    let link = Link {
                        settings: Some((*settings).clone()),
                        system: client.system,
                        program: client.program,
                        lang: Some(*customer_lang),
                        ..Link::default()
                    };
                    built.set(Some(format!("{origin}{}", link.path())));
                }
                Err(_) => built.set(None),
            }
        })
    };
    let on_lang = {
        let (customer_lang, built) = (customer_lang.clone(), built.clone());
        Callback::from(move |event: Event| {
            let select: HtmlSelectElement = event.target_unchecked_into();
            customer_lang.set(Lang::from_tag(&select.value()).unwrap_or_default());
            built.set(None);
        })
    };
    html! {
        <section class="link-builder" aria-labelledby="builder-heading">
            <h2 id="builder-heading">{ texts.text(Text::BuilderHeading) }</h2>
            <p class="intro">{ texts.text(Text::BuilderIntro) }</p>
            <SettingsForm lang={props.lang} settings={(*settings).clone()} profile={props.profile.clone()}
                {errors} busy=false button={Text::BuildLinkButton} {on_edit} on_submit={on_submit} />
            <ProgramPicker lang={props.lang} choice={*client} on_change={on_client} />
            <div class="field">
                <label for="customer-lang">{ texts.text(Text::CustomerLanguage) }</label>
                <select id="customer-lang" onchange={on_lang}>
                    { for Lang::ALL.into_iter().map(|lang| html! {
                        <option value={lang.tag()} selected={lang == *customer_lang}>{ language_name(lang) }</option>
                    }) }
                </select>
            </div>
            if let Some(link) = &*built {
                <div class="built" role="status">
                    <label for="built-link">{ texts.text(Text::BuiltLinkLabel) }</label>
                    <input id="built-link" type="text" readonly=true value={link.clone()} />
                    <p><a id="open-built-link" href={link.clone()} target="_blank" rel="noopener noreferrer">
                        { texts.text(Text::OpenBuiltLink) }</a></p>
                </div>
            }
        </section>
    }
}
