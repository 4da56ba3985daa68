//! "For support": the link that repeats the check and a plain-text summary, each with a copy
//! button. The summary is also shown, so it can be selected by hand where copying is refused.

use mailtls_shared::Lang;
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
}

/// Copies `text` with the asynchronous clipboard API; whether it worked.
async fn copy(text: &str) -> bool {
    let Some(window) = web_sys::window() else {
        return false;
    };
    let promise = window.navigator().clipboard().write_text(text);
    JsFuture::from(promise).await.is_ok()
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
