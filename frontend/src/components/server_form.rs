//! The server field and the check button, with validation as the customer types.

use mailtls_shared::Lang;
use web_sys::HtmlInputElement;
use yew::prelude::*;

use crate::i18n::{Text, catalog};

#[derive(Debug, Properties, PartialEq)]
pub struct ServerFormProps {
    pub lang: Lang,
    pub input: AttrValue,
    /// What is wrong with the input, already in the page's language.
    pub error: Option<AttrValue>,
    pub busy: bool,
    /// The button's text; `None` for a form whose button comes later (the link builder).
    #[prop_or(Some(Text::CheckButton))]
    pub button: Option<Text>,
    pub on_edit: Callback<String>,
    pub on_submit: Callback<()>,
    /// The hint under the field (support staff get one that speaks of the customer).
    #[prop_or(Text::ServerHint)]
    pub hint: Text,
}

#[component]
pub fn ServerForm(props: &ServerFormProps) -> Html {
    let texts = catalog(props.lang);
    let oninput = {
        let on_edit = props.on_edit.clone();
        move |event: InputEvent| {
            let field: HtmlInputElement = event.target_unchecked_into();
            on_edit.emit(field.value());
        }
    };
    let onsubmit = {
        let on_submit = props.on_submit.clone();
        move |event: SubmitEvent| {
            event.prevent_default();
            on_submit.emit(());
        }
    };
    let described_by = if props.error.is_some() {
        "server-hint server-error"
    } else {
        "server-hint"
    };
    html! {
        <form class="server-form" {onsubmit} novalidate=true>
            <label for="server">{ texts.text(Text::ServerLabel) }</label>
            <div class="field-row">
                <input id="server" name="server" type="text" inputmode="url"
                    autocomplete="off" autocapitalize="none" spellcheck="false"
                    value={props.input.clone()} {oninput}
                    aria-invalid={props.error.is_some().to_string()}
                    aria-describedby={described_by} />
                if let Some(button) = props.button {
                    <button id="check" type="submit" disabled={props.busy}>
                        { texts.text(button) }
                    </button>
                }
            </div>
            <p id="server-hint" class="hint">{ texts.text(props.hint) }</p>
            <p id="server-error" class="field-error" aria-live="polite">
                { props.error.clone().unwrap_or_default() }
            </p>
        </form>
    }
}
