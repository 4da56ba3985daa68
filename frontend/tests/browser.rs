//! Components in a real browser (wasm-bindgen-test in headless Chromium):
//! `cargo test -p frontend --target wasm32-unknown-unknown --test browser`.
#![cfg(target_arch = "wasm32")]

use std::collections::BTreeMap;
use std::time::Duration;

use frontend::components::{
    EndpointCard, EndpointCardProps, ServerForm, ServerFormProps, SettingsForm, SettingsFormProps,
    Shared,
};
use frontend::settings::{Encryption, Field, FieldError, MailSettings, ServerEntry};
use mailtls_shared::{
    CertificateReport, CertificateVerdict, EndpointReport, Finding, FindingCode, HandshakeReport,
    Lang, Outcome, Reason, Scheme, Severity, TlsVersion, Verdict,
};
use wasm_bindgen::JsCast;
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};
use web_sys::Element;
use yew::{AttrValue, Callback};

wasm_bindgen_test_configure!(run_in_browser);

/// A fresh element in the document to mount a component on.
fn mount_point() -> Element {
    let document = web_sys::window()
        .and_then(|w| w.document())
        .expect("document");
    let root = document.create_element("div").expect("div");
    document
        .body()
        .expect("body")
        .append_child(&root)
        .expect("append");
    root
}

/// Waits (yielding to the browser) until `selector` matches inside `root`, for at most 2 s.
async fn wait_for(root: &Element, selector: &str) -> Element {
    for _ in 0..200 {
        if let Ok(Some(found)) = root.query_selector(selector) {
            return found;
        }
        yew::platform::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("{selector} did not appear; got {}", root.inner_html());
}

fn handshake(version: TlsVersion, outcome: Outcome, cipher_suite: Option<&str>) -> HandshakeReport {
    HandshakeReport {
        version,
        outcome,
        reason: (outcome != Outcome::Accepted).then_some(Reason::Alert),
        detail: None,
        cipher_suite: cipher_suite.map(str::to_owned),
        group: None,
        duration_ms: 3,
    }
}

#[wasm_bindgen_test]
async fn server_text_is_shown_as_text_never_as_markup() {
    let root = mount_point();
    let hostile = "<img src=x onerror=alert(1)><b>bold</b>";
    let endpoint = EndpointReport {
        scheme: Scheme::Imaps,
        host: "mail.example.test".into(),
        port: 993,
        address: Some("192.0.2.1".into()),
        versions: BTreeMap::from([
            (TlsVersion::Tls12, Outcome::Accepted),
            (TlsVersion::Tls13, Outcome::Rejected),
        ]),
        handshakes: vec![
            handshake(TlsVersion::Tls12, Outcome::Accepted, Some(hostile)),
            handshake(TlsVersion::Tls13, Outcome::Rejected, None),
        ],
        clients: vec![],
        certificate: Some(CertificateReport {
            verdict: CertificateVerdict::Expired,
            detail: None,
            chain_length: 1,
            subject: Some(hostile.to_owned()),
            sans: vec![hostile.to_owned()],
            issuer: Some(hostile.to_owned()),
            ..CertificateReport::default()
        }),
        findings: vec![Finding {
            code: FindingCode::LegacyVersionsEnabled,
            severity: Severity::Warning,
            detail: Some(hostile.to_owned()),
        }],
        verdict: Verdict::Ready,
        service_found: None,
        error: None,
    };
    let props = EndpointCardProps {
        lang: Lang::De,
        endpoint: Shared::new(endpoint),
        on_retry: Callback::noop(),
        unencrypted: false,
        program_chosen: false,
    };
    yew::Renderer::<EndpointCard>::with_root_and_props(root.clone(), props).render();

    let card = wait_for(&root, "article.card").await;
    assert_eq!(card.get_attribute("data-verdict").as_deref(), Some("ready"));
    assert!(
        root.query_selector("img, b").expect("query").is_none(),
        "markup was interpreted"
    );
    let text = card.text_content().unwrap_or_default();
    assert!(text.contains(hostile), "{text}");
    // The details carry server text too (certificate names, finding detail): all as text.
    let facts = wait_for(&root, "details.details dl.facts").await;
    assert_eq!(
        facts
            .text_content()
            .unwrap_or_default()
            .matches(hostile)
            .count(),
        3,
        "subject, names and issuer"
    );
    let finding = wait_for(&root, "li[data-code='legacy_versions_enabled']").await;
    assert!(finding.text_content().unwrap_or_default().contains(hostile));
    assert!(text.contains("Zertifikat: abgelaufen"), "{text}");
    let rejected = wait_for(&root, "li[data-version='TLSv1.3']").await;
    assert_eq!(
        rejected.get_attribute("data-outcome").as_deref(),
        Some("rejected")
    );
}

#[wasm_bindgen_test]
async fn the_form_marks_an_invalid_field_and_links_its_message() {
    let root = mount_point();
    let props = ServerFormProps {
        lang: Lang::En,
        input: AttrValue::from("mail server"),
        error: Some(AttrValue::from("A server name contains no spaces.")),
        busy: true,
        button: Some(frontend::i18n::Text::CheckButton),
        on_edit: Callback::noop(),
        on_submit: Callback::noop(),
        hint: frontend::i18n::Text::ServerHint,
    };
    yew::Renderer::<ServerForm>::with_root_and_props(root.clone(), props).render();
    let field = wait_for(&root, "input#server").await;
    assert_eq!(field.get_attribute("aria-invalid").as_deref(), Some("true"));
    assert_eq!(
        field.get_attribute("aria-describedby").as_deref(),
        Some("server-hint server-error")
    );
    let label = wait_for(&root, "label[for='server']").await;
    assert_eq!(label.text_content().as_deref(), Some("Mail server"));
    let button = wait_for(&root, "button#check").await;
    assert!(
        button.has_attribute("disabled"),
        "no second check while one runs"
    );
    let error = wait_for(&root, "#server-error").await;
    assert_eq!(
        error.text_content().as_deref(),
        Some("A server name contains no spaces.")
    );
}

#[wasm_bindgen_test]
async fn the_settings_form_shows_each_message_under_its_field() {
    let root = mount_point();
    let settings = MailSettings {
        email: "kunde@example.de".into(),
        incoming_server: ServerEntry {
            host: "mail.example.de".into(),
            port: "99x".into(),
            security: Encryption::Starttls,
        },
        ..MailSettings::default()
    };
    let props = SettingsFormProps {
        lang: Lang::De,
        settings,
        profile: None,
        errors: vec![(Field::IncomingPort, FieldError::Port)],
        busy: false,
        button: Some(frontend::i18n::Text::CheckSettingsButton),
        on_edit: Callback::noop(),
        on_submit: Callback::noop(),
        for_agent: false,
        program: None,
    };
    yew::Renderer::<SettingsForm>::with_root_and_props(root.clone(), props).render();
    let port = wait_for(&root, "input#in-port").await;
    assert_eq!(port.get_attribute("aria-invalid").as_deref(), Some("true"));
    assert_eq!(
        port.get_attribute("aria-describedby").as_deref(),
        Some("in-port-error")
    );
    let message = wait_for(&root, "#in-port-error").await;
    assert!(
        message.text_content().unwrap_or_default().contains("65535"),
        "{:?}",
        message.text_content()
    );
    let host = wait_for(&root, "input#in-host").await;
    assert_eq!(host.get_attribute("aria-invalid").as_deref(), Some("false"));
    // Every field has its label; the chosen encryption is selected.
    for id in [
        "email", "in-proto", "in-host", "in-port", "in-sec", "out-host", "out-port", "out-sec",
    ] {
        wait_for(&root, &format!("label[for='{id}']")).await;
    }
    let security: web_sys::HtmlSelectElement = wait_for(&root, "select#in-sec")
        .await
        .dyn_into()
        .expect("a select");
    assert_eq!(security.value(), "starttls");
}
