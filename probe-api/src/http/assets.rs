//! Serving the built help page (trunk's `dist/`) from the same origin as the API.
//!
//! Unknown paths fall back to `index.html`, so page routes such as `/check?target=…` load the app.
//! Files are served pre-compressed (`.br`, `.gz` beside the originals) when the build made them.
//! The Content-Security-Policy allows exactly the inline scripts `index.html` contains, by hash,
//! so nothing injected into the page could run.

use std::path::{Path, PathBuf};

use base64::Engine as _;
use thiserror::Error;
use tower_http::services::{ServeDir, ServeFile};

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

    /// The file service: pre-compressed variants, `index.html` for unknown paths.
    pub fn service(&self) -> ServeDir<ServeFile> {
        let index = ServeFile::new(self.dir.join("index.html"))
            .precompressed_br()
            .precompressed_gzip();
        ServeDir::new(&self.dir)
            .precompressed_br()
            .precompressed_gzip()
            .fallback(index)
    }
}

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
