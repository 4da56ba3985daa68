//! The language switch: one button per language, the current one marked `aria-pressed`.

use mailtls_shared::Lang;
use yew::prelude::*;

use crate::i18n::{Text, catalog, language_name};

#[derive(Debug, Properties, PartialEq)]
pub struct LangSwitchProps {
    pub lang: Lang,
    /// The languages the provider offers (all when empty).
    #[prop_or_default]
    pub offered: Vec<Lang>,
    pub on_change: Callback<Lang>,
}

#[component]
pub fn LangSwitch(props: &LangSwitchProps) -> Html {
    let label = catalog(props.lang).text(Text::LanguageLabel);
    html! {
        <nav class="lang-switch" aria-label={label}>
            { for Lang::ALL
                .into_iter()
                .filter(|lang| props.offered.is_empty() || props.offered.contains(lang))
                .map(|lang| {
                let on_change = props.on_change.clone();
                html! {
                    <button type="button" lang={lang.tag()}
                        aria-pressed={(lang == props.lang).to_string()}
                        onclick={move |_| on_change.emit(lang)}>
                        { language_name(lang) }
                    </button>
                }
            }) }
        </nav>
    }
}
