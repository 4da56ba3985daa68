//! "For support": the link that repeats the check and a plain-text summary, each with a copy
//! button. The summary is also shown, so it can be selected by hand where copying is refused.

use mailtls_shared::{Lang, Profile};
use wasm_bindgen_futures::JsFuture;
use yew::platform::spawn_local;
use yew::prelude::*;

use crate::i18n::{Text, catalog};

#[derive(Debug, Properties, PartialEq)]
pub struct SupportBoxProps {
    pub lang: Lang,
    /// The absolute link to this check.
    pub link: AttrValue,
    pub summary: AttrValue,
    /// The provider's profile, for its support contact.
    pub profile: Option<super::Shared<Profile>>,
}

/// Copies `text` with the asynchronous clipboard API; whether it worked.
pub(crate) async fn copy(text: &str) -> bool {
    let Some(window) = web_sys::window() else {
        return false;
    };
    let promise = window.navigator().clipboard().write_text(text);
    JsFuture::from(promise).await.is_ok()
}

/// The provider's support contact, as far as the profile gives it. All of it is text.
fn contact(lang: Lang, profile: &Profile) -> Html {
    let texts = catalog(lang);
    let support = &profile.support;
    let hours = match lang {
        Lang::De => support.hours_de.as_ref(),
        Lang::En => support.hours_en.as_ref(),
    };
    if support.phone.is_none() && support.email.is_none() && support.url.is_none() {
        return html! {};
    }
    html! {
        <div class="contact">
            <h3>{ texts.contact_heading(&profile.provider) }</h3>
            <ul>
                if let Some(phone) = &support.phone {
                    <li>{ texts.text(Text::ContactPhone) }{ ": " }
                        <a href={format!("tel:{}", phone.replace(' ', ""))}>{ phone }</a></li>
                }
                if let Some(email) = &support.email {
                    <li>{ texts.text(Text::ContactEmail) }{ ": " }
                        <a href={format!("mailto:{email}")}>{ email }</a></li>
                }
                if let Some(url) = &support.url {
                    <li><a href={url.clone()} rel="noopener noreferrer">{ url }</a></li>
                }
                if let Some(hours) = hours {
                    <li>{ texts.text(Text::ContactHours) }{ ": " }{ hours }</li>
                }
            </ul>
        </div>
    }
}

#[component]
pub fn SupportBox(props: &SupportBoxProps) -> Html {
    let texts = catalog(props.lang);
    let status = use_state(|| None::<bool>);
    let copy_button = |id: &'static str, label: Text, text: AttrValue| {
        let status = status.clone();
        let onclick = move |_| {
            let status = status.clone();
            let text = text.clone();
            spawn_local(async move { status.set(Some(copy(&text).await)) });
        };
        html! { <button type="button" {id} class="secondary" {onclick}>{ texts.text(label) }</button> }
    };
    html! {
        <section class="support" aria-labelledby="support-heading">
            <h2 id="support-heading">{ texts.text(Text::SupportHeading) }</h2>
            <p class="hint">{ texts.text(Text::SupportHint) }</p>
            if let Some(profile) = &props.profile {
                { contact(props.lang, profile) }
            }
            <div class="buttons">
                { copy_button("copy-link", Text::CopyLink, props.link.clone()) }
                { copy_button("copy-summary", Text::CopySummary, props.summary.clone()) }
            </div>
            <p id="copy-status" role="status">
                { match *status {
                    Some(true) => texts.text(Text::Copied),
                    Some(false) => texts.text(Text::CopyFailed),
                    None => "",
                } }
            </p>
            <label for="summary">{ texts.text(Text::SummaryLabel) }</label>
            <textarea id="summary" readonly=true rows="8" value={props.summary.clone()} />
        </section>
    }
}
