//! One endpoint's result: a verdict in icon and words, an explanation, and the details.
//! Everything the server sent (names, cipher suites) is rendered as text, never as markup.

use mailtls_shared::{ClientResult, EndpointReport, FindingCode, Lang, wire_name};
use yew::prelude::*;

use crate::i18n::{Text, catalog, client_name, explanation};
use crate::state::endpoint_title;
use crate::tone::{Tone, card_summary, unencrypted_summary};

#[derive(Debug, Properties, PartialEq)]
pub struct EndpointCardProps {
    pub lang: Lang,
    pub endpoint: super::Shared<EndpointReport>,
    pub on_retry: Callback<()>,
    /// The customer's program is set up to reach this server without encryption.
    #[prop_or_default]
    pub unencrypted: bool,
    /// The customer named their program and system: the program advice below says whether
    /// this result concerns it.
    #[prop_or_default]
    pub program_chosen: bool,
}

/// One `<dt>`/`<dd>` pair, or nothing when the fact is unknown. The value is server-supplied:
/// text, never markup.
fn fact(label: &'static str, value: Option<String>) -> Html {
    match value {
        Some(value) => html! { <><dt>{ label }</dt><dd>{ value }</dd></> },
        None => html! {},
    }
}

#[component]
pub fn EndpointCard(props: &EndpointCardProps) -> Html {
    let texts = catalog(props.lang);
    let endpoint = &props.endpoint;
    let (tone, summary) = if props.unencrypted {
        unencrypted_summary(endpoint)
    } else {
        card_summary(endpoint)
    };
    let (class, icon, label) = (tone.class(), tone.icon(), tone.word());
    let retry = props.on_retry.clone();
    let attempted = endpoint.handshakes.iter().any(|handshake| {
        handshake.duration_ms > 0 || handshake.outcome != mailtls_shared::Outcome::Inconclusive
    });
    html! {
        <article class={classes!("card", class)} data-verdict={wire_name(&endpoint.verdict)}>
            <h3>{ endpoint_title(endpoint) }</h3>
            <p class="status">
                <span class="icon" aria-hidden="true">{ icon }</span>
                <strong>{ texts.text(label) }{ ":" }</strong>
                { " " }{ explanation(texts, endpoint, summary) }
                // Where the answer depends on the customer's program: where to find it.
                if matches!(summary, Text::SummaryLegacyEnabled | Text::SummaryClientsLockedOut) {
                    { " " }{ texts.text(if props.program_chosen { Text::ProgramShownBelow } else { Text::ChooseProgramHint }) }
                }
            </p>
            if let Some(address) = &endpoint.address {
                <p class="address">{ texts.text(Text::AddressLabel) }{ ": " }{ address }</p>
            }
            <h4>{ texts.text(Text::VersionsHeading) }</h4>
            <ul class="versions">
                { for endpoint.handshakes.iter().map(|handshake| {
                    let outcome = wire_name(&handshake.outcome);
                    let negotiated: Vec<&str> = [&handshake.cipher_suite, &handshake.group]
                        .into_iter()
                        .filter_map(|part| part.as_deref())
                        .collect();
                    html! {
                        <li data-version={wire_name(&handshake.version)} data-outcome={outcome}>
                            <span class="version">{ handshake.version.display_name() }</span>
                            <span class="outcome">{ texts.outcome(handshake.outcome) }</span>
                            if let Some(reason) = handshake.reason {
                                <span class="reason">{ texts.reason(reason) }</span>
                            }
                            if !negotiated.is_empty() {
                                <span class="negotiated">{ negotiated.join(", ") }</span>
                            }
                        </li>
                    }
                }) }
            </ul>
            if let Some(certificate) = &endpoint.certificate {
                <p class="certificate" data-verdict={wire_name(&certificate.verdict)}>
                    { texts.text(Text::CertificateLabel) }{ ": " }{ texts.verdict(certificate.verdict) }
                </p>
                if endpoint.findings.iter().any(|f| f.code == FindingCode::CertificateExpiresSoon) {
                    <p class="expiry">{ texts.finding(FindingCode::CertificateExpiresSoon) }
                        { certificate.days_left.map(|days| format!(" ({})", texts.days_left(days))).unwrap_or_default() }</p>
                }
            }
            <details class="details">
                <summary>{ texts.text(Text::DetailsSummary) }</summary>
                if !endpoint.findings.is_empty() {
                    <h4>{ texts.text(Text::FindingsHeading) }</h4>
                    <ul class="findings">
                        { for endpoint.findings.iter().map(|finding| html! {
                            <li data-code={wire_name(&finding.code)} data-severity={wire_name(&finding.severity)}>
                                <strong>{ texts.severity(finding.severity) }{ ": " }</strong>
                                { texts.finding(finding.code) }
                                if let Some(detail) = &finding.detail {
                                    <span class="detail">{ " (" }<span lang="en">{ detail }</span>{ ")" }</span>
                                }
                            </li>
                        }) }
                    </ul>
                }
                if !endpoint.clients.is_empty() {
                    <h4>{ texts.text(Text::ClientsHeading) }</h4>
                    <p class="hint">{ texts.text(Text::ClientsHint) }</p>
                    <ul class="clients">
                        { for endpoint.clients.iter().map(|client| {
                            let result = match client.result {
                                ClientResult::Connected => Text::ClientConnected,
                                ClientResult::Failed => Text::ClientFailed,
                                ClientResult::Untested => Text::ClientUntested,
                            };
                            let negotiated: Vec<&str> = [client.version.map(|v| v.display_name()), client.cipher_suite.as_deref()]
                                .into_iter()
                                .flatten()
                                .collect();
                            html! {
                                <li data-client={wire_name(&client.client)} data-result={wire_name(&client.result)}>
                                    <span class="client">{ client_name(texts, client.client) }</span>
                                    { ": " }<span class="outcome">{ texts.text(result) }</span>
                                    if !negotiated.is_empty() {
                                        <span class="negotiated">{ " (" }{ negotiated.join(", ") }{ ")" }</span>
                                    }
                                </li>
                            }
                        }) }
                    </ul>
                }
                if let Some(certificate) = &endpoint.certificate {
                    <h4>{ texts.text(Text::CertificateLabel) }</h4>
                    <dl class="facts">
                        { fact(texts.text(Text::CertSubject), certificate.subject.clone()) }
                        { fact(texts.text(Text::CertNames), (!certificate.sans.is_empty()).then(|| match certificate.sans_omitted {
                            Some(more) => format!("{} {}", certificate.sans.join(", "), texts.more_names(more)),
                            None => certificate.sans.join(", "),
                        })) }
                        { fact(texts.text(Text::CertIssuer), certificate.issuer.clone()) }
                        { fact(texts.text(Text::CertValidUntil), certificate.not_after.as_deref().map(|date| match certificate.days_left {
                            Some(days) => format!("{} ({})", crate::i18n::date(texts, date), texts.days_left(days)),
                            None => crate::i18n::date(texts, date),
                        })) }
                        { fact(texts.text(Text::CertKey), certificate.key_type.as_ref().map(|key| match certificate.key_bits {
                            Some(bits) => texts.key_size(key, bits),
                            None => key.clone(),
                        })) }
                        { fact(texts.text(Text::CertSignature), certificate.signature_algorithm.clone()) }
                        { fact(texts.text(Text::CertChain), Some(certificate.chain_length.to_string())) }
                        if let Some(detail) = &certificate.detail {
                            <dt>{ texts.text(Text::TechnicalDetail) }</dt><dd lang="en">{ detail }</dd>
                        }
                    </dl>
                }
                // Connection attempts only where one was made: a server that never answered
                // (no greeting, refused, no name) has one reason, in the technical detail below,
                // not five lines of "0 ms".
                if attempted {
                    <h4>{ texts.text(Text::HandshakesHeading) }</h4>
                    <ul class="handshakes">
                        { for endpoint.handshakes.iter().map(|handshake| html! {
                            <li>
                                <span class="version">{ handshake.version.display_name() }</span>
                                { " " }{ texts.outcome(handshake.outcome) }
                                { format!(", {} ms", handshake.duration_ms) }
                                if let Some(detail) = &handshake.detail {
                                    <span class="detail">{ " · " }<span lang="en">{ detail }</span></span>
                                }
                            </li>
                        }) }
                    </ul>
                }
                if let Some(error) = &endpoint.error {
                    <p class="error-detail">
                        { texts.text(Text::TechnicalDetail) }{ ": " }
                        <code>{ wire_name(&error.code) }</code>{ " " }<span lang="en">{ &error.message }</span>
                    </p>
                }
            </details>
            // Unclear, or a name we could not find (perhaps only for now): checking again helps.
            if tone == Tone::Unknown || summary == Text::SummaryNameNotFound {
                <button type="button" class="retry" onclick={move |_| retry.emit(())}>
                    { texts.text(Text::TryAgain) }
                </button>
            }
        </article>
    }
}
