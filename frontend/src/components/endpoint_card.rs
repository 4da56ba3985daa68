//! One endpoint's result: a verdict in icon and words, an explanation, and the details.
//! Everything the server sent (names, cipher suites) is rendered as text, never as markup.

use mailtls_shared::{EndpointReport, Lang, wire_name};
use yew::prelude::*;

use crate::i18n::{Text, catalog};
use crate::state::{Tone, card_summary, endpoint_title};

#[derive(Debug, Properties, PartialEq)]
pub struct EndpointCardProps {
    pub lang: Lang,
    pub endpoint: EndpointReport,
    pub on_retry: Callback<()>,
}

#[component]
pub fn EndpointCard(props: &EndpointCardProps) -> Html {
    let texts = catalog(props.lang);
    let endpoint = &props.endpoint;
    let (tone, summary) = card_summary(endpoint);
    let (class, icon, label) = match tone {
        Tone::Good => ("good", "✔", Text::IconGood),
        Tone::Warning => ("warning", "!", Text::IconWarning),
        Tone::Bad => ("bad", "✖", Text::IconBad),
        Tone::Unknown => ("unknown", "?", Text::IconUnknown),
    };
    let retry = props.on_retry.clone();
    html! {
        <article class={classes!("card", class)} data-verdict={wire_name(&endpoint.verdict)}>
            <h3>{ endpoint_title(endpoint) }</h3>
            <p class="status">
                <span class="icon" aria-hidden="true">{ icon }</span>
                <strong>{ texts.text(label) }{ ":" }</strong>
                { " " }{ texts.text(summary) }
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
            }
            if tone == Tone::Unknown {
                <button type="button" class="retry" onclick={move |_| retry.emit(())}>
                    { texts.text(Text::TryAgain) }
                </button>
            }
        </article>
    }
}
