//! The root component: owns the one reducer, runs the API call when a check starts, and lays out
//! the page.

use std::rc::Rc;

use mailtls_shared::Lang;
use yew::platform::spawn_local;
use yew::prelude::*;

use crate::api::{self, ApiFailure, StreamEvent};
use crate::clients::{self, ClientChoice};
use crate::components::{
    ClientAdvice, DomainCard, EndpointCard, LangSwitch, LinkBuilder, ProgramPicker, ServerForm,
    SettingsForm, Shared, SupportBox,
};
use crate::i18n::{Text, catalog};
use crate::link::Link;
use crate::state::{Action, Mode, Phase, State};

#[component]
pub fn App() -> Html {
    let state = use_reducer(|| State::new(initial_lang()));

    // A check link (`/check#target=…`) runs its check as soon as the page is up; back and
    // forward between checks show each one again.
    {
        let state = state.clone();
        use_effect_with((), move |()| {
            let embedded = report_height_to_embedder();
            let link = current_link();
            move_check_out_of_the_query(&link);
            let suggest = link.system.is_none();
            state.dispatch(Action::Open(link));
            // The browser suggests the customer's system; they confirm or correct it.
            if let Some(system) = web_sys::window()
                .and_then(|window| window.navigator().user_agent().ok())
                .and_then(|agent| clients::suggest_system(&agent))
                .filter(|_| suggest)
            {
                state.dispatch(Action::SetClient(ClientChoice {
                    system: Some(system),
                    program: None,
                    suggested: true,
                }));
            }
            // The provider's profile: the page works without it, only less specifically.
            let loader = state.dispatcher();
            spawn_local(async move {
                if let Ok(profile) = api::profile().await {
                    loader.dispatch(Action::ProfileLoaded(Rc::new(profile)));
                }
            });
            let dispatcher = state.dispatcher();
            let listener = listen_for_navigation(move || {
                dispatcher.dispatch(Action::Open(current_link()));
            });
            move || {
                drop(listener);
                drop(embedded);
            }
        });
    }

    // A new request number means a new check: run it and report back under that number.
    // Each request number is streamed once, however often the effect runs for it.
    let streamed = use_mut_ref(|| 0u32);
    {
        let state = state.clone();
        use_effect_with(state.request, move |_| {
            let fresh = *streamed.borrow() != state.request;
            if let (true, Phase::Checking { targets }) = (fresh, &state.phase) {
                *streamed.borrow_mut() = state.request;
                remember_in_address(&state.link());
                let (targets, lang, request) = (targets.clone(), state.lang, state.request);
                let again = state.fresh;
                let dispatcher = state.dispatcher();
                spawn_local(async move {
                    let events = dispatcher.clone();
                    let outcome = api::check_stream(&targets, lang, again, move |event| {
                        events.dispatch(match event {
                            StreamEvent::Started { total } => Action::Started { request, total },
                            StreamEvent::Endpoint(endpoint) => {
                                Action::EndpointDone { request, endpoint }
                            }
                            StreamEvent::Finished(report) => Action::Finished {
                                request,
                                result: Ok(report),
                            },
                        });
                    })
                    .await;
                    if let Err(failure) = outcome {
                        let result = Err(failure_message(lang, failure));
                        dispatcher.dispatch(Action::Finished { request, result });
                    }
                });
            }
        });
    }
    // When a check ends, focus moves to the result's heading: keyboard and screen-reader users
    // land on what they asked for, and the cards are not read out one by one as they arrive.
    let results_heading = use_node_ref();
    {
        let heading = results_heading.clone();
        let done = matches!(state.phase, Phase::Done(_)).then_some(state.request);
        use_effect_with(done, move |done| {
            if done.is_some()
                && let Some(heading) = heading.cast::<web_sys::HtmlElement>()
            {
                let _ = heading.focus();
            }
        });
    }
    // When a check starts (from a link, the form sits above), its progress comes into view.
    {
        let checking = matches!(state.phase, Phase::Checking { .. }).then_some(state.request);
        use_effect_with(checking, move |checking| {
            if checking.is_some()
                && let Some(results) = web_sys::window()
                    .and_then(|window| window.document())
                    .and_then(|document| document.get_element_by_id("results"))
            {
                results.scroll_into_view();
            }
        });
    }
    // A check refused because of the form: the focus goes to the first field that holds it back
    // (the optional address never does).
    use_effect_with(state.refused_submits, |refused| {
        if *refused > 0
            && let Some(field) = web_sys::window()
                .and_then(|window| window.document())
                .and_then(|document| {
                    document
                        .query_selector("[aria-invalid='true']:not(#email)")
                        .ok()
                        .flatten()
                })
        {
            use wasm_bindgen::JsCast;
            if let Ok(field) = field.dyn_into::<web_sys::HtmlElement>() {
                let _ = field.focus();
            }
        }
    });
    use_effect_with(state.lang, |lang| set_document_lang(*lang));
    // The provider's look: the profile's theme, or safe values from the URL (`accent=rrggbb`,
    // `compact=1`), applied through the CSS object model (the CSP allows no inline styles).
    let shared_profile = state.profile.clone().map(Shared);
    use_effect_with(shared_profile.clone(), |profile| {
        apply_theme(profile.as_ref().map(|profile| &profile.theme));
    });

    let texts = catalog(state.lang);
    let support_page = web_sys::window()
        .and_then(|window| window.location().pathname().ok())
        .is_some_and(|path| path == "/support");
    // In place when this build has the language's texts; otherwise the page in that language
    // is loaded with the form as it is (and the check again, where one was asked for).
    let on_lang = {
        let state = state.clone();
        Callback::from(move |lang| {
            if crate::i18n::built_in(lang) {
                state.dispatch(Action::SetLang(lang));
                keep_lang_in_address(lang);
            } else {
                load_in(&state.link_in(lang), support_page);
            }
        })
    };
    let on_edit = {
        let state = state.clone();
        Callback::from(move |input| state.dispatch(Action::Edit(input)))
    };
    let on_edit_settings = {
        let state = state.clone();
        Callback::from(move |settings| state.dispatch(Action::EditSettings(settings)))
    };
    let on_submit = {
        let state = state.clone();
        Callback::from(move |()| state.dispatch(Action::Submit))
    };
    let on_retry = {
        let state = state.clone();
        Callback::from(move |()| state.dispatch(Action::Retry))
    };
    let on_client = {
        let state = state.clone();
        Callback::from(move |client| state.dispatch(Action::SetClient(client)))
    };
    // The result, its advice, the summary and the link belong to what was checked, not to the
    // form as it is being edited.
    let checked = state.as_checked();
    // Endpoints the customer's program reaches without encryption ("Keine"): read as such on
    // the cards, in the headline and in the summary.
    let unencrypted = |endpoint: &mailtls_shared::EndpointReport| {
        checked.mode == Mode::Settings && checked.settings.unencrypted(endpoint)
    };
    // What to change in the settings, shown with the settings' results.
    let mut advice_list = if matches!(state.phase, Phase::Idle) {
        Vec::new()
    } else {
        checked.settings_advice()
    };
    if let Phase::Done(report) = &state.phase {
        if checked.mode == Mode::Settings {
            advice_list.extend(checked.settings.auto_advice(report));
        }
        advice_list.extend(crate::settings::certificate_advice(
            report,
            state.profile.as_deref(),
        ));
    }
    let advice = (!advice_list.is_empty()).then(|| html! {
        <section class="advice" aria-labelledby="advice-heading">
            <h2 id="advice-heading">{ texts.text(Text::AdviceHeading) }</h2>
            <ul>
                { for advice_list.iter().map(|item| html! {
                    <li><span class="icon" aria-hidden="true">{ "!" }</span>{ texts.advice(item) }</li>
                }) }
            </ul>
        </section>
    });
    let error = state
        .input_error()
        .map(|error| AttrValue::from(error.message(state.lang)));
    let busy = matches!(state.phase, Phase::Checking { .. });

    html! {
        <>
            <header class="page-header">
                if let Some(logo) = state.profile.as_ref().and_then(|p| p.theme.logo.clone()) {
                    <img class="logo" src={logo} alt={state.profile.as_ref().map(|p| p.provider.clone()).unwrap_or_default()} />
                }
                <h1>{ texts.text(Text::Title) }</h1>
                <LangSwitch lang={state.lang} on_change={on_lang}
                    offered={state.profile.as_ref().map(|p| p.languages.clone()).unwrap_or_default()} />
            </header>
            if support_page {
                <main>
                    <LinkBuilder lang={state.lang} profile={shared_profile.clone()}
                        origin={AttrValue::from(absolute(""))} />
                </main>
            } else {
            <main>
                <p class="intro">{ texts.text(Text::Intro) }</p>
                <div class="mode-switch" role="group" aria-label={texts.text(Text::ModeLabel)}>
                    { for [(Mode::Settings, Text::ModeSettings), (Mode::Server, Text::ModeServer)]
                        .into_iter()
                        .map(|(mode, label)| {
                            let state = state.clone();
                            html! {
                                <button type="button" id={format!("mode-{}", mode.tag())}
                                    aria-pressed={(state.mode == mode).to_string()}
                                    onclick={move |_| state.dispatch(Action::SetMode(mode))}>
                                    { texts.text(label) }
                                </button>
                            }
                        }) }
                </div>
                if state.mode == Mode::Server {
                    <ServerForm lang={state.lang} input={AttrValue::from(state.input.clone())}
                        {error} {busy} {on_edit} on_submit={on_submit.clone()} />
                } else {
                    <SettingsForm lang={state.lang} settings={state.settings.clone()}
                        program={state.client.program}
                        profile={shared_profile.clone()}
                        errors={state.settings_errors()} {busy}
                        on_edit={on_edit_settings} on_submit={on_submit.clone()} />
                }
                <ProgramPicker lang={state.lang} choice={state.client} on_change={on_client} />
                if !matches!(state.phase, Phase::Done(_)) {
                    { advice.clone().unwrap_or_default() }
                }
                <section id="results">
                    if state.edited_since_check() {
                        <p class="edited" role="status">{ texts.text(Text::EditedSinceCheck) }</p>
                    }
                    { match &state.phase {
                        Phase::Idle => html! {},
                        Phase::Checking { .. } => {
                            let done = state.progress.endpoints.len();
                            html! {
                                <>
                                    <p class="progress" role="status">
                                        <span class="spinner" aria-hidden="true"></span>
                                        { texts.text(Text::Checking) }
                                        if let Some(total) = state.progress.total {
                                            { " " }{ texts.progress(done, total) }
                                        }
                                    </p>
                                    if let Some(total) = state.progress.total {
                                        <progress max={total.to_string()} value={done.to_string()}
                                            aria-label={texts.text(Text::Checking)}></progress>
                                    }
                                    if let Some(pending) = state.pending() {
                                        <p class="pending">{ texts.pending(&pending) }</p>
                                    }
                                    { for state.progress_in_order().into_iter().map(|endpoint| html! {
                                        <EndpointCard lang={state.lang} endpoint={Shared::from(endpoint.clone())}
                                            unencrypted={unencrypted(&endpoint)}
                                            program_chosen={state.client.system.is_some() && state.client.program.is_some()}
                                            on_retry={on_retry.clone()} />
                                    }) }
                                </>
                            }
                        }
                        Phase::Failed(failure) => {
                            let retry = on_retry.clone();
                            html! {
                                <>
                                    <p class="request-failed" role="alert">{ &failure.message }</p>
                                    // Only where asking again can help: not for a refused target.
                                    if failure.retry {
                                        <button type="button" class="retry" onclick={move |_| retry.emit(())}>
                                            { texts.text(Text::TryAgain) }
                                        </button>
                                    }
                                </>
                            }
                        }
                        Phase::Done(report) => {
                            let link = absolute(&checked.link().path());
                            let left_out = state.left_out();
                            let summary = crate::summary::summary(
                                report,
                                &advice_list,
                                &left_out,
                                &link,
                                state.lang,
                                &unencrypted,
                                state.client.system.zip(state.client.program).map(|(system, program)| (program, system)),
                            );
                            // One verdict for the headline and the summary's overall line.
                            let (headline_tone, headline) = crate::tone::verdict_line(
                                report,
                                &unencrypted,
                                !advice_list.is_empty(),
                                state.client.system.zip(state.client.program).map(|(system, program)| (program, system)),
                            );
                            html! {
                                <>
                                    <h2 id="results-heading" ref={results_heading.clone()} tabindex="-1">
                                        { texts.text(Text::ResultsHeading) }
                                    </h2>
                                    <p class={classes!("headline", if headline == Text::HeadlineSettings { "warning" } else { headline_tone.class() })}
                                        data-headline={if headline == Text::HeadlineSettings { "settings" } else { headline_tone.class() }}>
                                        { texts.text(headline) }
                                    </p>
                                    { advice.clone().unwrap_or_default() }
                                    // A server on a port the service does not check: its field
                                    // says why; the result says it was not checked.
                                    { for left_out.iter().map(|(direction, host, port)| html! {
                                        <p class="left-out"><span class="icon" aria-hidden="true">{ "?" }</span>{ texts.left_out(*direction, host, *port) }</p>
                                    }) }
                                    if report.truncated {
                                        <p class="cached">{ texts.text(Text::ReportTruncated) }</p>
                                    }
                                    if let Some(age) = report.age_seconds.filter(|_| report.cached) {
                                        <p class="cached">{ texts.cached_age(age) }</p>
                                    }
                                    // A new pointer per render: the cards redraw with the page (a
                                    // few cards; keeping one pointer per report cost 0.8 KB).
                                    { for report.domains.iter().map(|domain| html! {
                                        <DomainCard lang={state.lang} domain={Shared::new(domain.clone())} />
                                    }) }
                                    { for report.endpoints.iter().map(|endpoint| html! {
                                        <EndpointCard lang={state.lang} endpoint={Shared::new(endpoint.clone())}
                                            unencrypted={unencrypted(endpoint)}
                                            program_chosen={state.client.system.is_some() && state.client.program.is_some()}
                                            on_retry={on_retry.clone()} />
                                    }) }
                                    <ClientAdvice lang={state.lang} choice={state.client}
                                        report={Shared::from(report.clone())} profile={shared_profile.clone()}
                                        email={AttrValue::from(state.settings.email.clone())} />
                                    <SupportBox lang={state.lang} link={AttrValue::from(link)}
                                        profile={shared_profile.clone()}
                                        summary={AttrValue::from(summary)} />
                                </>
                            }
                        }
                    } }
                </section>
            </main>
            }
            if let Some(profile) = state.profile.as_ref().filter(|p| !p.links.is_empty()) {
                <aside class="provider-links" aria-label={texts.text(Text::MoreFromProvider)}>
                    <h2>{ texts.text(Text::MoreFromProvider) }</h2>
                    <ul>
                        { for profile.links.iter().map(|link| html! {
                            <li><a href={link.url.clone()} rel="noopener noreferrer">
                                { match state.lang { Lang::De => &link.title_de, Lang::En => &link.title_en } }
                            </a></li>
                        }) }
                    </ul>
                </aside>
            }
            <footer>
                <p>{ texts.text(Text::Footer) }{ " · MailTLS " }{ env!("CARGO_PKG_VERSION") }</p>
            </footer>
        </>
    }
}

fn failure_message(lang: Lang, failure: ApiFailure) -> crate::state::Failure {
    let texts = catalog(lang);
    match failure {
        ApiFailure::Refused {
            message,
            retry,
            port,
        } => crate::state::Failure {
            message,
            retry,
            port,
        },
        ApiFailure::Unreachable | ApiFailure::BadAnswer => crate::state::Failure {
            message: texts.text(Text::RequestFailed).to_owned(),
            retry: true,
            port: None,
        },
    }
}

/// When the page runs in a provider's iframe (`?embed=<the provider's origin>`): reports the
/// page's height to that origin whenever it changes, so the provider's `embed.js` can size the
/// frame. The browser delivers the message only if the embedding page really has that origin.
fn report_height_to_embedder() -> Option<HeightReporter> {
    use wasm_bindgen::JsCast;
    use wasm_bindgen::closure::Closure;
    let window = web_sys::window()?;
    let origin = page_params().embed?;
    let parent = window.parent().ok().flatten()?;
    let root = window.document()?.document_element()?;
    let measured = root.clone();
    let report = Closure::<dyn Fn()>::new(move || {
        let message = js_sys::Object::new();
        let height = measured.get_bounding_client_rect().height().ceil();
        let _ = js_sys::Reflect::set(&message, &"type".into(), &"mailtls:height".into());
        let _ = js_sys::Reflect::set(&message, &"height".into(), &height.into());
        let _ = parent.post_message(&message, &origin);
    });
    let observer = web_sys::ResizeObserver::new(report.as_ref().unchecked_ref()).ok()?;
    observer.observe(&root);
    Some(HeightReporter {
        observer,
        _report: report,
    })
}

/// Stops reporting the height when dropped.
struct HeightReporter {
    observer: web_sys::ResizeObserver,
    _report: wasm_bindgen::closure::Closure<dyn Fn()>,
}

impl Drop for HeightReporter {
    fn drop(&mut self) {
        self.observer.disconnect();
    }
}

/// Sets `--mt-accent` and the `compact` class from the theme, a URL parameter winning over the
/// profile where it is valid and readable.
fn apply_theme(theme: Option<&mailtls_shared::Theme>) {
    use wasm_bindgen::JsCast;
    let Some(window) = web_sys::window() else {
        return;
    };
    let params = page_params();
    let asked = params.accent.as_ref().map(|hex| format!("#{hex}"));
    let readable = asked
        .clone()
        .filter(|color| mailtls_shared::profile::accent_is_readable(color));
    if let (Some(color), None) = (&asked, &readable) {
        // For the provider's web team: the page keeps its own colour.
        web_sys::console::warn_1(
            &format!(
                "MailTLS: accent={} is not used: it must be six hex digits (rrggbb) with a contrast of at least 4.5:1 to white",
                color.trim_start_matches('#')
            )
            .into(),
        );
    }
    let accent = readable.or_else(|| theme.and_then(|theme| theme.accent.clone()));
    let compact = params.compact || theme.is_some_and(|theme| theme.compact);
    let Some(root) = window
        .document()
        .and_then(|document| document.document_element())
        .and_then(|root| root.dyn_into::<web_sys::HtmlElement>().ok())
    else {
        return;
    };
    if let Some(accent) = accent {
        let _ = root.style().set_property("--mt-accent", &accent);
    }
    if compact {
        let _ = root.class_list().add_1("compact");
    }
}

/// `path` on this page's origin.
fn absolute(path: &str) -> String {
    let origin = web_sys::window()
        .and_then(|window| window.location().origin().ok())
        .unwrap_or_default();
    format!("{origin}{path}")
}

/// The check link the browser's address stands for.
fn current_link() -> Link {
    web_sys::window()
        .map(|window| {
            let location = window.location();
            Link::from_location(
                &location.search().unwrap_or_default(),
                &location.hash().unwrap_or_default(),
            )
        })
        .unwrap_or_default()
}

/// Puts the running check into the address bar, so it can be copied, reloaded and reached with
/// back and forward: a new history entry for a new check, the same entry (normalised) when the
/// address already asked for this check.
fn remember_in_address(link: &Link) {
    let Some(window) = web_sys::window() else {
        return;
    };
    let Ok(history) = window.history() else {
        return;
    };
    let search = window.location().search().unwrap_or_default();
    let path = crate::link::with_embedding(&link.path(), &search);
    let null = wasm_bindgen::JsValue::NULL;
    let _ = if current_link().same_check(link) {
        history.replace_state_with_url(&null, "", Some(&path))
    } else {
        history.push_state_with_url(&null, "", Some(&path))
    };
}

/// A link from before the fragment form carries the check in the query, which every reload
/// would send to the server again: the address is rewritten at once (same history entry) to
/// the fragment form, whether or not the check runs.
fn move_check_out_of_the_query(link: &Link) {
    let search = web_sys::window()
        .and_then(|window| window.location().search().ok())
        .unwrap_or_default();
    if Link::parse(&search).has_check() {
        // The address stands for this very check: the same history entry, rewritten.
        remember_in_address(link);
    }
}

/// Loads the page for `link` (in another language's build), in place of this one in the
/// history; the support page stays the support page, with only the language changed.
fn load_in(link: &Link, support_page: bool) {
    let Some(window) = web_sys::window() else {
        return;
    };
    let location = window.location();
    let url = match (support_page, link.lang) {
        (true, Some(lang)) => address_in(&location, lang),
        _ => location
            .search()
            .ok()
            .map(|search| crate::link::with_embedding(&link.path(), &search)),
    };
    if let Some(url) = url {
        let _ = location.replace(&url);
    }
}

/// This page's address with the language set to `lang` (the embedding parameters and the
/// fragment kept).
fn address_in(location: &web_sys::Location, lang: Lang) -> Option<String> {
    let (Ok(path), Ok(search)) = (location.pathname(), location.search()) else {
        return None;
    };
    let hash = location.hash().unwrap_or_default();
    Some(format!(
        "{path}{}{hash}",
        crate::link::with_lang(&search, lang)
    ))
}

/// Writes the chosen language into the address (the same history entry), so a reload keeps it.
fn keep_lang_in_address(lang: Lang) {
    let Some(window) = web_sys::window() else {
        return;
    };
    let (Ok(history), Some(url)) = (window.history(), address_in(&window.location(), lang)) else {
        return;
    };
    let _ = history.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&url));
}

/// Calls `on_navigate` on every `popstate` (back/forward) until the returned guard is dropped.
fn listen_for_navigation(on_navigate: impl Fn() + 'static) -> Option<PopStateListener> {
    use wasm_bindgen::JsCast;
    use wasm_bindgen::closure::Closure;
    let window = web_sys::window()?;
    let closure = Closure::<dyn Fn()>::new(on_navigate);
    window
        .add_event_listener_with_callback("popstate", closure.as_ref().unchecked_ref())
        .ok()?;
    Some(PopStateListener { window, closure })
}

/// Removes its `popstate` listener when dropped.
struct PopStateListener {
    window: web_sys::Window,
    closure: wasm_bindgen::closure::Closure<dyn Fn()>,
}

impl Drop for PopStateListener {
    fn drop(&mut self) {
        use wasm_bindgen::JsCast;
        let _ = self
            .window
            .remove_event_listener_with_callback("popstate", self.closure.as_ref().unchecked_ref());
    }
}

/// The query's page parameters (language, embedding), read in one place: `link::PageParams`.
fn page_params() -> crate::link::PageParams {
    let search = web_sys::window()
        .and_then(|window| window.location().search().ok())
        .unwrap_or_default();
    crate::link::PageParams::parse(&search)
}

/// The language the browser prefers among the page's (`navigator.languages`), German when none.
fn preferred_lang(window: &web_sys::Window) -> Lang {
    let languages: Vec<String> = window
        .navigator()
        .languages()
        .iter()
        .filter_map(|value| value.as_string())
        .collect();
    Lang::from_accept_language(&languages.join(","))
}

/// `?lang=` first, then the browser's languages, then German; a build with one language's
/// texts only speaks that one (the service chose it the same way).
fn initial_lang() -> Lang {
    let Some(window) = web_sys::window() else {
        return crate::i18n::first_built_in();
    };
    let lang = page_params()
        .lang
        .unwrap_or_else(|| preferred_lang(&window));
    if crate::i18n::built_in(lang) {
        lang
    } else {
        crate::i18n::first_built_in()
    }
}

fn set_document_lang(lang: Lang) {
    if let Some(root) = web_sys::window()
        .and_then(|window| window.document())
        .and_then(|document| document.document_element())
    {
        let _ = root.set_attribute("lang", lang.tag());
    }
    if let Some(document) = web_sys::window().and_then(|window| window.document()) {
        document.set_title(&format!("MailTLS – {}", catalog(lang).text(Text::Title)));
        if let Ok(Some(meta)) = document.query_selector("meta[name=description]") {
            let _ = meta.set_attribute("content", catalog(lang).text(Text::MetaDescription));
        }
    }
}
