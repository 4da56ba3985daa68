//! MailTLS inside a provider's page: a page on an allowed origin frames it, the check runs in the
//! frame and `embed.js` keeps the frame as tall as its content; a page on another origin is
//! refused by the browser (CSP `frame-ancestors`).

use std::time::{Duration, Instant};

use fantoccini::Locator;
use tests::browser::Browser;
use tests::pki::Validity;
use tests::servers::{HostPage, OpensslServer, ProbeApi, ProbeApiOptions};

use crate::test_ca;

const NAME: &str = "mail.example.test";

/// The provider's page: a heading, the MailTLS iframe (40 px tall until told otherwise) and the
/// embed script.
fn provider_page(api: &str, port: u16) -> impl FnOnce(&str) -> String {
    let api = api.to_owned();
    move |origin: &str| {
        let embed: String = origin
            .bytes()
            .map(|b| match b {
                b':' => "%3A".to_owned(),
                b'/' => "%2F".to_owned(),
                b => char::from(b).to_string(),
            })
            .collect();
        format!(
            "<!doctype html><html><head><title>Provider</title></head><body><h1>Provider help</h1>\
             <iframe id=\"mailtls\" title=\"MailTLS\" style=\"width:100%;border:0;height:40px\" \
             src=\"{api}/check?embed={embed}&in_host={NAME}&in_port={port}&in_sec=tls&lang=en\"></iframe>\
             <script src=\"{api}/embed.js\"></script></body></html>"
        )
    }
}

/// The iframe's height in the provider's page, in CSS pixels.
async fn frame_height(browser: &Browser) -> f64 {
    browser
        .client
        .execute(
            "return document.getElementById('mailtls').getBoundingClientRect().height;",
            vec![],
        )
        .await
        .expect("script")
        .as_f64()
        .unwrap_or_default()
}

/// Waits until the frame's height satisfies `wanted`, or panics after 20 s.
async fn wait_for_height(browser: &Browser, what: &str, wanted: impl Fn(f64) -> bool) -> f64 {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let height = frame_height(browser).await;
        if wanted(height) {
            return height;
        }
        assert!(
            Instant::now() < deadline,
            "{what}: the frame stayed {height} px"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn an_allowed_page_embeds_the_check_and_the_frame_follows_its_content() {
    let (_dir, ca) = test_ca();
    let cert = ca.server_cert("valid", NAME, Validity::CURRENT);
    let server = OpensslServer::start(&cert, &[]);
    // The provider's page needs the service's address, the service the page's origin: pick the
    // service's port first, serve the pages, then start the service with one page allowed.
    let api_port = tests::process::free_port();
    let api_url = format!("http://127.0.0.1:{api_port}");
    let allowed = HostPage::start(provider_page(&api_url, server.port));
    let refused = HostPage::start(provider_page(&api_url, server.port));
    let mut options = ProbeApiOptions::loopback(&ca.ca_file, &[NAME], &[server.port]);
    options.extra_args = vec!["--embed-origin".into(), allowed.origin.clone()];
    options.bind = Some(format!("127.0.0.1:{api_port}"));
    let api = ProbeApi::start(&options);
    assert_eq!(api.base_url, api_url);

    let browser = Browser::start(1024, 900).await;
    browser
        .client
        .goto(&allowed.origin)
        .await
        .expect("open the provider's page");
    // The check runs inside the frame…
    browser
        .client
        .enter_frame(0)
        .await
        .expect("enter the frame");
    // The finished report (heading, cards, advice, support box) renders at once; an endpoint
    // card alone may still be a check in flight, shorter than the final page.
    browser
        .wait_for("#results-heading", Duration::from_secs(30))
        .await
        .expect("a result inside the frame");
    let card = browser
        .client
        .find(Locator::Css("article.card"))
        .await
        .expect("a result card");
    assert_eq!(
        card.attr("data-verdict").await.expect("attr").as_deref(),
        Some("ready")
    );
    let content = browser
        .client
        .execute(
            "return document.documentElement.getBoundingClientRect().height;",
            vec![],
        )
        .await
        .expect("script")
        .as_f64()
        .unwrap_or_default();
    // …and the frame is as tall as the page inside it: no scrollbar in a scrollbar.
    browser
        .client
        .enter_parent_frame()
        .await
        .expect("back to the page");
    let height =
        wait_for_height(&browser, "after the result", |h| (h - content).abs() <= 2.0).await;
    assert!(height > 600.0, "{height}");
    browser.screenshot("embedded-allowed").await;

    // Opening the details makes the content taller; the frame follows.
    browser
        .client
        .enter_frame(0)
        .await
        .expect("enter the frame");
    browser
        .client
        .find(Locator::Css("details.details summary"))
        .await
        .expect("details")
        .click()
        .await
        .expect("open");
    browser.client.enter_parent_frame().await.expect("back");
    wait_for_height(&browser, "after opening the details", |h| {
        h > height + 100.0
    })
    .await;

    // A page on an origin that is not configured cannot frame MailTLS.
    browser
        .client
        .goto(&refused.origin)
        .await
        .expect("open the other page");
    browser
        .client
        .enter_frame(0)
        .await
        .expect("enter the frame");
    let inside = browser
        .wait_for("input#in-host", Duration::from_secs(3))
        .await;
    assert!(
        inside.is_err(),
        "the browser showed MailTLS in a refused frame"
    );
    browser.client.enter_parent_frame().await.expect("back");
    assert_eq!(
        frame_height(&browser).await,
        40.0,
        "no height came from a refused frame"
    );
    browser.close().await;
}
