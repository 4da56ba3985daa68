//! The root component: owns the one reducer, runs the API call when a check starts, and lays out
//! the page.

use std::rc::Rc;

use mailtls_shared::Lang;
use yew::platform::spawn_local;
use yew::prelude::*;

use crate::api::{self, ApiFailure};
use crate::components::{EndpointCard, LangSwitch, ServerForm};
use crate::i18n::{Text, catalog};
use crate::state::{Action, Phase, State};

#[component]
pub fn App() -> Html {
    let state = use_reducer(|| State::new(initial_lang()));

    // A new request number means a new check: run it and report back under that number.
    {
        let state = state.clone();
        use_effect_with(state.request, move |_| {
            if let Phase::Checking { target } = &state.phase {
                let (target, lang, request) = (target.clone(), state.lang, state.request);
                let dispatcher = state.dispatcher();
                spawn_local(async move {
                    let result = api::check(&target, lang)
                        .await
                        .map(Rc::new)
                        .map_err(|failure| failure_message(lang, failure));
                    dispatcher.dispatch(Action::Finished { request, result });
                });
            }
        });
    }
    use_effect_with(state.lang, |lang| set_document_lang(*lang));

    let texts = catalog(state.lang);
    let on_lang = {
        let state = state.clone();
        Callback::from(move |lang| state.dispatch(Action::SetLang(lang)))
    };
    let on_edit = {
        let state = state.clone();
        Callback::from(move |input| state.dispatch(Action::Edit(input)))
    };
    let on_submit = {
        let state = state.clone();
        Callback::from(move |()| state.dispatch(Action::Submit))
    };
    let error = state
        .input_error()
        .map(|error| AttrValue::from(error.message(state.lang)));
    let busy = matches!(state.phase, Phase::Checking { .. });

    html! {
        <>
            <header class="page-header">
                <h1>{ texts.text(Text::Title) }</h1>
                <LangSwitch lang={state.lang} on_change={on_lang} />
            </header>
            <main>
                <p class="intro">{ texts.text(Text::Intro) }</p>
                <ServerForm lang={state.lang} input={AttrValue::from(state.input.clone())}
                    {error} {busy} {on_edit} on_submit={on_submit.clone()} />
                <section id="results" aria-live="polite" aria-busy={busy.to_string()}>
                    { match &state.phase {
                        Phase::Idle => html! {},
                        Phase::Checking { .. } => html! {
                            <p class="progress" role="status">
                                <span class="spinner" aria-hidden="true"></span>
                                { texts.text(Text::Checking) }
                            </p>
                        },
                        Phase::Failed(message) => html! {
                            <p class="request-failed" role="alert">{ message }</p>
                        },
                        Phase::Done(report) => html! {
                            <>
                                <h2>{ texts.text(Text::ResultsHeading) }</h2>
                                { for report.endpoints.iter().map(|endpoint| html! {
                                    <EndpointCard lang={state.lang} endpoint={endpoint.clone()}
                                        on_retry={on_submit.clone()} />
                                }) }
                            </>
                        },
                    } }
                </section>
            </main>
            <footer>
                <p>{ texts.text(Text::Footer) }{ " · MailTLS " }{ env!("CARGO_PKG_VERSION") }</p>
            </footer>
        </>
    }
}

fn failure_message(lang: Lang, failure: ApiFailure) -> String {
    let texts = catalog(lang);
    match failure {
        ApiFailure::Refused(message) => message,
        ApiFailure::Unreachable | ApiFailure::BadAnswer => {
            texts.text(Text::RequestFailed).to_owned()
        }
    }
}

/// `?lang=` first, then the browser's languages, then German.
fn initial_lang() -> Lang {
    let Some(window) = web_sys::window() else {
        return Lang::default();
    };
    let from_query = window.location().search().ok().and_then(|search| {
        search
            .trim_start_matches('?')
            .split('&')
            .find_map(|pair| pair.strip_prefix("lang="))
            .and_then(Lang::from_tag)
    });
    from_query.unwrap_or_else(|| {
        let languages: Vec<String> = window
            .navigator()
            .languages()
            .iter()
            .filter_map(|value| value.as_string())
            .collect();
        Lang::from_accept_language(&languages.join(","))
    })
}

fn set_document_lang(lang: Lang) {
    if let Some(root) = web_sys::window()
        .and_then(|window| window.document())
        .and_then(|document| document.document_element())
    {
        let _ = root.set_attribute("lang", lang.tag());
    }
}
