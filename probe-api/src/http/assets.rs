//! Serving the built help page (trunk's `dist/`) from the same origin as the API.
//!
//! The page's own routes (`/`, `/check`, `/support`) serve `index.html`; the app reads the
//! path and the query. Every other path is a file of the build or a real `404` with a small page
//! that links to the start (not the app with `200`, which search engines and link checkers
//! treat as a soft 404). `/robots.txt` keeps crawlers away from check links, which carry what a
//! customer typed.
//! Files are served pre-compressed (`.br`, `.gz` beside the originals) when the build made them.
//! The Content-Security-Policy allows exactly the inline scripts `index.html` contains, by hash,
//! so nothing injected into the page could run.

use std::path::{Path, PathBuf};

use axum::response::Html;
use axum::routing::{MethodRouter, get};
use base64::Engine as _;
use thiserror::Error;
use tower_http::services::{ServeDir, ServeFile};
use tower_http::set_status::SetStatus;

#[derive(Debug, Error)]
pub enum AssetsError {
    #[error(
        "{0} not found: build the page first (`make run` does; or `trunk build --release`), or point --dist at trunk's output"
    )]
    MissingIndex(PathBuf),
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// The built page and the policy it is served with.
#[derive(Debug, Clone)]
pub struct Assets {
    pub dir: PathBuf,
    pub content_security_policy: String,
}

impl Assets {
    /// Checks that `dir` holds a built page and derives its Content-Security-Policy.
    pub fn load(dir: &Path) -> Result<Self, AssetsError> {
        let index = dir.join("index.html");
        if !index.is_file() {
            return Err(AssetsError::MissingIndex(index));
        }
        let html = std::fs::read_to_string(&index).map_err(|source| AssetsError::Read {
            path: index.clone(),
            source,
        })?;
        Ok(Assets {
            dir: dir.to_owned(),
            content_security_policy: content_security_policy(&html),
        })
    }

    /// The page itself (`index.html`), pre-compressed where the build made it so.
    pub fn page(&self) -> ServeFile {
        ServeFile::new(self.dir.join("index.html"))
            .precompressed_br()
            .precompressed_gzip()
    }

    /// The build's files, pre-compressed variants, and a `404` page for anything else.
    pub fn files(&self) -> ServeDir<SetStatus<MethodRouter>> {
        ServeDir::new(&self.dir)
            .precompressed_br()
            .precompressed_gzip()
            .append_index_html_on_directories(false)
            .not_found_service(get(page_not_found))
    }
}

/// The paths that are the page (the app reads which one, and the query).
pub const PAGE_ROUTES: [&str; 3] = ["/", "/check", "/support"];

async fn page_not_found() -> Html<&'static str> {
    Html(NOT_FOUND_PAGE)
}

/// What an unknown path answers, with status `404`: both languages, a link to the start.
const NOT_FOUND_PAGE: &str = "<!doctype html>
<html lang=\"de\"><head><meta charset=\"utf-8\">
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">
<title>Seite nicht gefunden – MailTLS</title></head>
<body><h1>Seite nicht gefunden</h1>
<p>Diese Seite gibt es hier nicht. <a href=\"/\">Zur Prüfung der verschlüsselten Verbindung zu Ihrem Mailserver</a></p>
<p lang=\"en\">Page not found. <a href=\"/?lang=en\">Check the encrypted connection to your mail server</a></p>
</body></html>
";

/// `/robots.txt`: the start page may be indexed; check links and the support page, which carry
/// what customers and staff typed, and the API may not.
pub const ROBOTS_TXT: &str = "User-agent: *
Disallow: /check
Disallow: /support
Disallow: /api/
";

/// A strict policy: same-origin everything, wasm compilation, and the page's own inline scripts.
pub fn content_security_policy(index_html: &str) -> String {
    let hashes: Vec<String> = inline_scripts(index_html)
        .into_iter()
        .map(|body| {
            let digest = ring::digest::digest(&ring::digest::SHA256, body.as_bytes());
            format!(
                "'sha256-{}'",
                base64::engine::general_purpose::STANDARD.encode(digest.as_ref())
            )
        })
        .collect();
    format!(
        "default-src 'self'; script-src 'self' 'wasm-unsafe-eval' {}; style-src 'self'; \
         img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; \
         form-action 'self'",
        hashes.join(" ")
    )
}

/// The bodies of `<script>` elements without a `src` attribute.
fn inline_scripts(html: &str) -> Vec<&str> {
    let mut bodies = Vec::new();
    let mut rest = html;
    while let Some(start) = rest.find("<script") {
        let after_tag = &rest[start..];
        let Some(tag_end) = after_tag.find('>') else {
            break;
        };
        let tag = &after_tag[..tag_end];
        let body_and_more = &after_tag[tag_end + 1..];
        let Some(close) = body_and_more.find("</script>") else {
            break;
        };
        if !tag.contains(" src=") {
            bodies.push(&body_and_more[..close]);
        }
        rest = &body_and_more[close..];
    }
    bodies
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_only_inline_scripts() {
        let html = r#"<html><head><script src="/a.js"></script>
<script type="module">import init from '/x.js';
init();</script></head></html>"#;
        assert_eq!(inline_scripts(html), ["import init from '/x.js';\ninit();"]);
        let policy = content_security_policy(html);
        assert!(policy.contains("'sha256-"), "{policy}");
        assert_eq!(policy.matches("'sha256-").count(), 1);
    }
}
