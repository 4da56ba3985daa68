//! One mail domain's result: can other providers (Microsoft 365 first) deliver to it over TLS
//! 1.2+? The verdict in words, what to do, each MX host with its problems, and the domain's
//! MTA-STS, TLS-RPT and DANE state. Names from DNS are rendered as text, never as markup.

use mailtls_shared::{DomainReport, Lang, MxStatus, wire_name};
use yew::prelude::*;

use crate::i18n::{Text, catalog};

#[derive(Debug, Properties, PartialEq)]
pub struct DomainCardProps {
    pub lang: Lang,
    pub domain: super::Shared<DomainReport>,
}

#[component]
pub fn DomainCard(props: &DomainCardProps) -> Html {
    let texts = catalog(props.lang);
    let domain = &props.domain;
    let tone = crate::tone::domain_tone(domain.verdict);
    let (class, icon, label) = (tone.class(), tone.icon(), tone.word());
    let todo = texts.domain_todo(domain);
    let sts = &domain.mta_sts;
    let rpt = &domain.tls_rpt;
    html! {
        <article class={classes!("card", "domain", class)} data-verdict={wire_name(&domain.verdict)}>
            <h3>{ texts.domain_heading(&domain.domain) }</h3>
            <p class="status">
                <span class="icon" aria-hidden="true">{ icon }</span>
                <strong>{ texts.text(label) }{ ":" }</strong>
                { " " }{ texts.domain_verdict(domain) }
            </p>
            if !todo.is_empty() {
                <p class="todo">{ todo }</p>
            }
            if !domain.mx_hosts.is_empty() {
                <h4>{ texts.text(Text::MxHostsHeading) }</h4>
                <ol class="mx-hosts">
                    { for domain.mx_hosts.iter().map(|host| {
                        let problems: Vec<&str> = host
                            .problems
                            .iter()
                            .map(|problem| texts.mx_problem(problem.code))
                            .collect();
                        html! {
                            <li data-status={wire_name(&host.status)}>
                                <span class="mx-name">{ &host.host }</span>
                                { ": " }
                                <strong>{ texts.mx_status(host.status) }</strong>
                                if let (MxStatus::Usable, Some(version)) = (host.status, host.best_version) {
                                    { format!(", {}", version.display_name()) }
                                }
                                if !problems.is_empty() {
                                    { " – " }{ problems.join(" · ") }
                                }
                            </li>
                        }
                    }) }
                </ol>
            }
            <dl class="facts">
                <dt>{ "MTA-STS" }</dt>
                <dd data-status={wire_name(&sts.status)}>
                    { texts.mta_sts(sts.status, sts.policy.as_ref().map(|policy| policy.mode)) }
                </dd>
                <dt>{ "TLS-RPT" }</dt>
                <dd data-status={wire_name(&rpt.status)}>{ texts.tls_rpt(rpt.status) }</dd>
                if let Some(dane) = domain.dane {
                    <dt>{ "DANE" }</dt>
                    <dd data-status={wire_name(&dane)}>{ texts.dane(dane) }</dd>
                }
            </dl>
            <details class="details">
                <summary>{ texts.text(Text::DetailsSummary) }</summary>
                <ul class="findings">
                    { for domain.mx_hosts.iter().flat_map(|host| host.problems.iter().map(move |problem| (host, problem))).map(|(host, problem)| html! {
                        <li data-code={wire_name(&problem.code)} data-severity={wire_name(&problem.severity)}>
                            <strong>{ texts.severity(problem.severity) }{ ": " }</strong>
                            { &host.host }{ " – " }{ texts.mx_problem(problem.code) }
                            if let Some(detail) = &problem.detail {
                                <span class="detail">{ " (" }<span lang="en">{ detail }</span>{ ")" }</span>
                            }
                        </li>
                    }) }
                </ul>
                <dl class="facts">
                    if let Some(record) = &sts.record {
                        <dt>{ "_mta-sts" }</dt><dd><code>{ record }</code></dd>
                    }
                    if let Some(policy) = &sts.policy {
                        <dt>{ "mta-sts.txt" }</dt>
                        <dd><code>{ format!("mode: {}, mx: {}, max_age: {}", wire_name(&policy.mode), policy.mx.join(" "), policy.max_age) }</code></dd>
                    }
                    if let Some(error) = &sts.error {
                        <dt>{ "MTA-STS" }</dt><dd lang="en">{ error }</dd>
                    }
                    if let Some(record) = &rpt.record {
                        <dt>{ "_smtp._tls" }</dt><dd><code>{ record }</code></dd>
                    }
                    if let Some(error) = &rpt.error {
                        <dt>{ "TLS-RPT" }</dt><dd lang="en">{ error }</dd>
                    }
                    { for domain.mx_hosts.iter().filter_map(|host| host.dane.as_ref().map(|dane| (host, dane))).map(|(host, dane)| html! {
                        <>
                            <dt>{ format!("TLSA _25._tcp.{}", host.host) }</dt>
                            <dd>
                                { texts.dane(dane.status) }
                                { for dane.records.iter().map(|record| html! { <><br /><code>{ record }</code></> }) }
                                if let Some(detail) = &dane.detail {
                                    <br /><span lang="en">{ detail }</span>
                                }
                            </dd>
                        </>
                    }) }
                    if let Some(detail) = &domain.detail {
                        <dt>{ texts.text(Text::TechnicalDetail) }</dt><dd lang="en">{ detail }</dd>
                    }
                </dl>
            </details>
        </article>
    }
}
