//! The customer's mail program: the picker (system, then program; the browser suggests the
//! system, the customer confirms), and, with a result, what it means for that program: the
//! advice from the knowledge base with its source, the steps with the provider's values, and the
//! settings files to download.

use mailtls_shared::{CheckReport, Lang, Profile, ProfileSecurity};
use web_sys::HtmlSelectElement;
use yew::prelude::*;

use crate::clients::{self, ClientChoice, Fix, Program, System};
use crate::downloads;
use crate::i18n::{Text, catalog, program_name};

#[derive(Debug, Properties, PartialEq)]
pub struct ProgramPickerProps {
    pub lang: Lang,
    pub choice: ClientChoice,
    pub on_change: Callback<ClientChoice>,
    /// Chosen by support staff for a customer (the link builder): the legend speaks to them.
    #[prop_or_default]
    pub for_agent: bool,
}

#[component]
pub fn ProgramPicker(props: &ProgramPickerProps) -> Html {
    let texts = catalog(props.lang);
    let choice = props.choice;
    let on_system = {
        let on_change = props.on_change.clone();
        Callback::from(move |event: Event| {
            let select: HtmlSelectElement = event.target_unchecked_into();
            let system = System::from_tag(&select.value());
            // A program that does not run on the new system is forgotten.
            let program = choice
                .program
                .filter(|program| system.is_some_and(|system| clients::runs_on(*program, system)));
            on_change.emit(ClientChoice {
                system,
                program,
                suggested: false,
            });
        })
    };
    let on_program = {
        let on_change = props.on_change.clone();
        Callback::from(move |event: Event| {
            let select: HtmlSelectElement = event.target_unchecked_into();
            on_change.emit(ClientChoice {
                program: Program::from_tag(&select.value()),
                suggested: false,
                ..choice
            });
        })
    };
    let programs: Vec<Program> = Program::ALL
        .into_iter()
        .filter(|program| {
            choice
                .system
                .is_none_or(|system| clients::runs_on(*program, system))
        })
        .collect();
    html! {
        <fieldset class="program-picker">
            <legend>{ texts.text(if props.for_agent { Text::ClientHeadingAgent } else { Text::ClientHeading }) }</legend>
            <div class="field">
                <label for="os">{ texts.text(Text::SystemLabel) }</label>
                <select id="os" name="os" onchange={on_system}>
                    <option value="" selected={choice.system.is_none()}>{ texts.text(Text::ChooseOne) }</option>
                    { for System::ALL.into_iter().map(|system| html! {
                        <option value={system.tag()} selected={choice.system == Some(system)}>
                            { texts.system(system) }
                        </option>
                    }) }
                </select>
                if choice.suggested && choice.system.is_some() {
                    <p class="hint">{ texts.text(Text::SuggestedByBrowser) }</p>
                }
            </div>
            <div class="field">
                <label for="program">{ texts.text(Text::ProgramLabel) }</label>
                <select id="program" name="program" onchange={on_program}>
                    <option value="" selected={choice.program.is_none()}>{ texts.text(Text::ChooseOne) }</option>
                    { for programs.into_iter().map(|program| html! {
                        <option value={program.tag()} selected={choice.program == Some(program)}>
                            { program_name(texts, program) }
                        </option>
                    }) }
                </select>
            </div>
        </fieldset>
    }
}

#[derive(Debug, Properties, PartialEq)]
pub struct ClientAdviceProps {
    pub lang: Lang,
    pub choice: ClientChoice,
    pub report: super::Shared<CheckReport>,
    pub profile: Option<super::Shared<Profile>>,
    /// The customer's address, for the settings files.
    pub email: AttrValue,
}

/// A `data:` link that downloads `text` as `name`.
fn download(
    id: &'static str,
    label: &'static str,
    name: &'static str,
    mime: &str,
    text: &str,
) -> Html {
    let href = format!(
        "data:{mime};charset=utf-8,{}",
        String::from(js_sys::encode_uri_component(text))
    );
    html! { <a class="download" {id} {href} download={name}>{ label }</a> }
}

/// A random (version 4) UUID for the configuration profile, in capitals as Apple writes them.
fn uuid() -> String {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut out = String::with_capacity(36);
    for index in 0..32 {
        if matches!(index, 8 | 12 | 16 | 20) {
            out.push('-');
        }
        // The version nibble is 4; the variant nibble is 8, 9, A or B.
        let digit = match index {
            12 => 4,
            16 => 8 + (js_sys::Math::random() * 4.0) as usize % 4,
            _ => (js_sys::Math::random() * 16.0) as usize % 16,
        };
        out.push(char::from(HEX[digit]));
    }
    out
}

#[component]
pub fn ClientAdvice(props: &ClientAdviceProps) -> Html {
    let texts = catalog(props.lang);
    let (Some(system), Some(program)) = (props.choice.system, props.choice.program) else {
        return html! {};
    };
    let advice = clients::program_advice(program, system, &props.report);
    let guidance = advice[0].guidance;
    let unconfirmed = advice.iter().any(|advice| advice.unconfirmed);
    let captured = clients::simulated(program, system).is_some();
    let server_problem = advice
        .iter()
        .any(|advice| clients::server_problem_note(advice.guidance, &props.report));
    let fact = clients::fact(program, system);
    let fix = advice.iter().find_map(|advice| advice.guidance.fix());
    let email = props.email.trim().to_owned();
    html! {
        <section class="client-advice" aria-labelledby="client-heading"
            data-guidance={guidance.tag()}>
            <h2 id="client-heading">{ texts.client_heading(program_name(texts, program), system) }</h2>
            { for advice.iter().map(|advice| html! {
                <div class="service-advice" data-guidance={advice.guidance.tag()}>
                    if let Some(role) = advice.role {
                        <h3>{ texts.role(role) }</h3>
                    }
                    if let Some(measurement) = advice.measurement {
                        <p class="measured" data-measured={measurement.now.tag()}>
                            { texts.measured(measurement.now, false) }</p>
                        if let Some(after_fix) = measurement.after_fix.filter(|m| *m != clients::Measured::Unknown) {
                            <p class="measured" data-measured-after-fix={after_fix.tag()}>
                                { texts.measured(after_fix, true) }</p>
                        }
                    }
                    <p>{ texts.guidance(advice.guidance, system) }</p>
                </div>
            }) }
            // The program is fine, the server is not: say so, so the two boxes never contradict.
            if server_problem {
                <p class="server-problem">{ texts.text(Text::ServerProblemAbove) }</p>
            }
            if !captured {
                <p class="no-capture">{ texts.text(Text::NoCapture) }</p>
            }
            if unconfirmed {
                <p class="unconfirmed"><strong>{ texts.text(Text::Unconfirmed) }</strong></p>
            }
            if fix == Some(Fix::Windows7Registry) {
                <ol class="steps">
                    <li>{ texts.text(Text::Win7StepUpdate) }{ " " }
                        <a href={texts.kb3140245_url()} rel="noopener noreferrer">{ "KB3140245" }</a>{ "." }</li>
                    <li>{ texts.text(Text::Win7StepReg) }{ " " }
                        { download("download-reg", texts.text(Text::DownloadReg), "mailtls-tls12.reg",
                            "text/plain", &downloads::windows7_tls12_reg()) }</li>
                    <li>{ texts.text(Text::Win7StepOpenReg) }</li>
                    <li>{ texts.text(Text::Win7StepRestart) }</li>
                    <li>{ texts.text(Text::Win7StepTest) }</li>
                </ol>
            }
            // An unconfirmed fact shows no source, as if the source proved it.
            if let Some(fact) = fact.filter(|fact| fact.confirmed) {
                <p class="source">{ texts.text(Text::SourceLabel) }{ ": " }
                    <a href={fact.source} rel="noopener noreferrer">{ fact.source }</a></p>
            }
            if let Some(profile) = &props.profile {
                <h3>{ texts.text(Text::YourSettingsHeading) }</h3>
                <ol class="steps settings-steps">
                    <li>{ texts.where_to_change(program) }</li>
                    { for profile.servers().into_iter().map(|(role, server)| html! {
                        <li>{ texts.role(role) }{ ": " }<strong>{ server.host.to_unicode() }</strong>
                            { texts.port_and_security(server.port, match server.security { ProfileSecurity::Tls => "SSL/TLS", ProfileSecurity::Starttls => "STARTTLS" }) }
                        </li>
                    }) }
                    <li>{ texts.text(Text::StepSaveAndCheck) }</li>
                </ol>
                if email.contains('@') && matches!(program, Program::AppleMail | Program::IosMail)
                    && downloads::mobileconfig_fits(profile) {
                    <div class="downloads">
                        { download("download-mobileconfig", texts.text(Text::DownloadMobileconfig),
                            "mail.mobileconfig", "application/x-apple-aspen-config",
                            &downloads::mobileconfig(profile, &email, [&uuid(), &uuid()])) }
                    </div>
                }
            }
        </section>
    }
}
