//! Headless Debian Chromium, driven through chromedriver with fantoccini.
//!
//! Chromium runs with background networking, component updates, sync and QUIC off and a fresh
//! profile, so the only connections it makes are to the loopback pages the test opens.

use std::net::SocketAddr;
use std::process::Command;
use std::time::Duration;

use fantoccini::{Client, ClientBuilder};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::json;

use crate::process::{Guard, free_port, wait_for_port};

/// A chromedriver process and one browser session in it.
#[derive(Debug)]
pub struct Browser {
    pub client: Client,
    _profile: tempfile::TempDir,
    _chromedriver: Guard,
}

impl Browser {
    /// Starts chromedriver and opens a headless Chromium session with a window of `width`×`height`.
    pub async fn start(width: u32, height: u32) -> Browser {
        let port = free_port();
        // Chromium, chromedriver's child, dies with the guard.
        let mut chromedriver = Guard::spawn_tree(
            "chromedriver",
            Command::new("chromedriver")
                .arg(format!("--port={port}"))
                .arg("--allowed-ips=127.0.0.1")
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::null()),
        );
        wait_for_port(
            &mut chromedriver,
            SocketAddr::from(([127, 0, 0, 1], port)),
            Duration::from_secs(20),
        );
        let profile = tempfile::tempdir().expect("browser profile directory");
        let capabilities = json!({
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": "/usr/bin/chromium",
                "args": [
                    "--headless=new",
                    "--no-sandbox",
                    "--disable-gpu",
                    "--disable-dev-shm-usage",
                    "--disable-background-networking",
                    "--disable-component-update",
                    "--disable-sync",
                    "--disable-quic",
                    "--no-first-run",
                    "--no-default-browser-check",
                    format!("--window-size={width},{height}"),
                    format!("--user-data-dir={}", profile.path().display()),
                ]
            }
        });
        let capabilities = match capabilities {
            serde_json::Value::Object(map) => map,
            _ => unreachable!("capabilities are an object literal"),
        };
        let client = ClientBuilder::new(HttpConnector::new())
            .capabilities(capabilities)
            .connect(&format!("http://127.0.0.1:{port}"))
            .await
            .expect("open a Chromium session through chromedriver");
        Browser {
            client,
            _profile: profile,
            _chromedriver: chromedriver,
        }
    }

    /// Waits up to `within` for an element matching the CSS `selector`.
    pub async fn wait_for(
        &self,
        selector: &str,
        within: Duration,
    ) -> Result<fantoccini::elements::Element, fantoccini::error::CmdError> {
        self.client
            .wait()
            .at_most(within)
            .for_element(fantoccini::Locator::Css(selector))
            .await
    }

    /// Saves a PNG of the viewport as `target/e2e-artifacts/<name>.png` for people to look at.
    pub async fn screenshot(&self, name: &str) -> std::path::PathBuf {
        let png = self.client.screenshot().await.expect("take a screenshot");
        let path = crate::artifacts_dir().join(format!("{name}.png"));
        std::fs::write(&path, png).expect("write the screenshot");
        path
    }

    /// Runs axe-core's WCAG 2.2 A and AA rules on the page as it is now and returns each
    /// violation as `rule: target…` (empty when there is none). axe-core is the npm package
    /// `make setup` puts into tools/npm; it is evaluated through WebDriver, not loaded by the
    /// page, so the page's Content-Security-Policy stays as it is.
    pub async fn accessibility_violations(&self) -> Vec<String> {
        let path = crate::workspace_root().join("tools/npm/node_modules/axe-core/axe.min.js");
        let axe = std::fs::read_to_string(&path).unwrap_or_else(|error| {
            panic!("{}: {error} (make setup installs axe-core)", path.display())
        });
        self.client
            .execute(&format!("{axe}\nreturn typeof axe.run;"), vec![])
            .await
            .expect("load axe-core into the page");
        let result = self
            .client
            .execute_async(
                "const done = arguments[arguments.length - 1];
                 axe.run(document, { runOnly: { type: 'tag',
                     values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'] } })
                   .then(r => done(r.violations.map(v => v.id + ': ' +
                       v.nodes.map(n => n.target.join(' ')).join(', '))))
                   .catch(e => done(['axe-core failed: ' + e]));",
                vec![],
            )
            .await
            .expect("run axe-core");
        match result {
            serde_json::Value::Array(items) => items
                .into_iter()
                .map(|item| item.as_str().unwrap_or_default().to_owned())
                .collect(),
            other => vec![format!("axe-core answered {other}")],
        }
    }

    /// The rendered text of every element matching `css`, read in one script: a snapshot of
    /// one moment, where reading the elements one by one could meet a list the page has just
    /// re-rendered (a stale element).
    pub async fn texts(&self, css: &str) -> Vec<String> {
        let result = self
            .client
            .execute(
                "return Array.from(document.querySelectorAll(arguments[0]), e => e.innerText);",
                vec![serde_json::Value::from(css)],
            )
            .await
            .expect("read the texts");
        match result {
            serde_json::Value::Array(items) => items
                .into_iter()
                .map(|item| item.as_str().unwrap_or_default().to_owned())
                .collect(),
            other => panic!("texts of {css}: the page answered {other}"),
        }
    }

    /// Ends the session (chromedriver stops with the guard).
    pub async fn close(self) {
        let _ = self.client.close().await;
    }
}
