//! Serving the built help page (trunk's `dist/`) from the same origin as the API.
//!
//! The page's own routes (`/`, `/check`, `/support`) serve `index.html`; the app reads the
//! path and the query. `make dist` builds the page once per language, each with only its own
//! texts: German at the top of `dist/`, English in `dist/en/` (served under `/en/`). A request
//! for the page gets the build of its language — `?lang=`, then `Accept-Language`, then German,
//! and a language the provider does not offer gives way to its first one — with `Vary:
//! Accept-Language`; a `dist/` with one build for every language (plain `trunk build`) serves
//! that one to all. Every other path is a file of the build or a real `404` with a small page
//! that links to the start (not the app with `200`, which search engines and link checkers
//! treat as a soft 404). `/robots.txt` keeps crawlers away from check links, which carry what a
//! customer typed.
//! Files are served pre-compressed (`.br`, `.gz` beside the originals) when the build made them
//! — but a file whose name carries no content hash (`index.html`) only while its compressed copy
//! is not more than [`STALE_AFTER`] older than it: a `dist/` upgraded in place may leave an old
//! `index.html.br` beside a new `index.html`, and then the original is served. (The tolerance
//! covers `cp`, which may copy a `.br` before its original, and `brotli`/`gzip`, which give the
//! copy the original's time rounded down to the second. Hashed names cannot go stale: another
//! content has another name.)
//! The Content-Security-Policy allows exactly the inline scripts `index.html` contains, by hash,
//! so nothing injected into the page could run; it follows `index.html` as it is now (read
//! again when its size or time changes), so a new build copied over a running service works.
//!
//! The provider's own files (a logo) live in a directory of their own, served under
//! `/provider/`, since every build replaces `dist/`.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{MethodRouter, get};
use base64::Engine as _;
use mailtls_shared::Lang;
use mailtls_shared::link::{pairs, param};
use thiserror::Error;
use tower::ServiceExt as _;
use tower_http::services::{ServeDir, ServeFile};
use tower_http::set_status::SetStatus;

#[derive(Debug, Error)]
pub enum AssetsError {
    #[error(
        "dist: {0} not found: build the page first (`make dist`; `make run` does it too), or point `dist` (--dist) at the build's directory"
    )]
    MissingIndex(PathBuf),
    #[error("cannot read {path}: {error}")]
    Read {
        path: PathBuf,
        error: std::io::Error,
    },
    #[error("provider_assets: {0} is not a directory")]
    NotADirectory(PathBuf),
}

/// The built page, the provider's files, and the policy the page is served with.
#[derive(Debug, Clone)]
pub struct Assets {
    pub dir: PathBuf,
    /// The provider's own files, served under [`PROVIDER_PREFIX`].
    pub provider_dir: Option<PathBuf>,
    /// The languages the provider offers (every language when empty).
    offered: Vec<Lang>,
    policy: Arc<Mutex<Policy>>,
}

/// The policy of the builds' `index.html` files as they were when last read.
#[derive(Debug)]
struct Policy {
    /// Size and modification time of each build's `index.html` it was made from.
    stamp: Vec<Option<(u64, SystemTime)>>,
    /// When `index.html` was last looked at: at most once a second, not once per request.
    looked: Option<std::time::Instant>,
    text: String,
}

/// How long a look at `index.html` for the policy holds.
const POLICY_RECHECK: std::time::Duration = std::time::Duration::from_secs(1);

/// How much older than its original a compressed copy of a file without a content hash may be
/// and still be served.
pub const STALE_AFTER: std::time::Duration = std::time::Duration::from_secs(60);

/// Where the provider's files are served.
pub const PROVIDER_PREFIX: &str = "/provider";

impl Assets {
    /// Checks that `dir` holds a built page (and `provider_dir`, when given, is a directory)
    /// and derives the page's Content-Security-Policy.
    pub fn load(dir: &Path, provider_dir: Option<&Path>) -> Result<Self, AssetsError> {
        let index = dir.join("index.html");
        if !index.is_file() {
            return Err(AssetsError::MissingIndex(index));
        }
        if let Some(provider) = provider_dir
            && !provider.is_dir()
        {
            return Err(AssetsError::NotADirectory(provider.to_owned()));
        }
        std::fs::read_to_string(&index).map_err(|error| AssetsError::Read {
            path: index.clone(),
            error,
        })?;
        let assets = Assets {
            dir: dir.to_owned(),
            provider_dir: provider_dir.map(Path::to_owned),
            offered: Vec::new(),
            policy: Arc::new(Mutex::new(Policy {
                stamp: Vec::new(),
                looked: None,
                text: String::new(),
            })),
        };
        let (stamp, text) = assets.read_policy();
        *assets
            .policy
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = Policy {
            stamp,
            looked: Some(std::time::Instant::now()),
            text,
        };
        Ok(assets)
    }

    /// Serves only `languages` (the provider's; every language when empty): a request for
    /// another gets the first of them.
    pub fn offering(mut self, languages: &[Lang]) -> Self {
        self.offered = languages.to_vec();
        self
    }

    /// The `index.html` of each build, German's first; a language without a build of its own
    /// shares German's.
    fn index_files(&self) -> Vec<PathBuf> {
        let mut files: Vec<PathBuf> = Vec::new();
        for file in Lang::ALL.into_iter().map(|lang| self.index_of(lang)) {
            if !files.contains(&file) {
                files.push(file);
            }
        }
        files
    }

    /// The `index.html` that `lang`'s visitors get.
    fn index_of(&self, lang: Lang) -> PathBuf {
        if lang != Lang::default() {
            let own = self.dir.join(lang.tag()).join("index.html");
            if own.is_file() {
                return own;
            }
        }
        self.dir.join("index.html")
    }

    /// The language a request for the page is served in: `?lang=`, then `Accept-Language`,
    /// then German, within the languages offered.
    pub fn page_lang(&self, query: Option<&str>, headers: &HeaderMap) -> Lang {
        // As the page reads it: the last `lang` that names a language wins.
        let asked = pairs(query.unwrap_or_default())
            .filter(|(name, _)| name == param::LANG)
            .filter_map(|(_, value)| Lang::from_tag(&value))
            .last();
        let lang = super::request_lang(asked, headers);
        match self.offered.first() {
            Some(first) if !self.offered.contains(&lang) => *first,
            _ => lang,
        }
    }

    /// The page (its language's `index.html`, pre-compressed where the build made it so), with
    /// `Vary: Accept-Language`.
    pub async fn page(&self, request: axum::extract::Request) -> Response {
        let lang = self.page_lang(request.uri().query(), request.headers());
        let file = ServeFile::new(self.index_of(lang))
            .precompressed_br()
            .precompressed_gzip();
        let mut response = match file.oneshot(request).await {
            Ok(response) => response.map(axum::body::Body::new),
            Err(never) => match never {},
        };
        response
            .headers_mut()
            .append(header::VARY, HeaderValue::from_static("Accept-Language"));
        response.into_response()
    }

    /// The builds' stamps and the policy that allows each build's inline scripts.
    fn read_policy(&self) -> (Vec<Option<(u64, SystemTime)>>, String) {
        let files = self.index_files();
        let stamps = files.iter().map(|file| stamp(file)).collect();
        let html: String = files
            .iter()
            .filter_map(|file| std::fs::read_to_string(file).ok())
            .collect();
        (stamps, content_security_policy(&html))
    }

    /// The policy for the builds' `index.html` as they are now: read again when a size or time
    /// changed (an upgrade in place); the last good policy while none can be read.
    pub fn content_security_policy(&self) -> String {
        let mut policy = self
            .policy
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if policy
            .looked
            .is_some_and(|looked| looked.elapsed() < POLICY_RECHECK)
        {
            return policy.text.clone();
        }
        policy.looked = Some(std::time::Instant::now());
        let now: Vec<_> = self.index_files().iter().map(|file| stamp(file)).collect();
        if now.iter().any(Option::is_some) && now != policy.stamp {
            let (stamp, text) = self.read_policy();
            if stamp.iter().any(Option::is_some) {
                policy.text = text;
                policy.stamp = stamp;
            }
        }
        policy.text.clone()
    }

    /// Makes the next [`Assets::content_security_policy`] look at `index.html` again.
    #[cfg(test)]
    fn look_again(&self) {
        self.policy
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .looked = None;
    }

    /// The provider's files, when configured; unknown names get the `404` page.
    pub fn provider_files(&self) -> Option<ServeDir<SetStatus<MethodRouter>>> {
        let dir = self.provider_dir.as_ref()?;
        Some(
            ServeDir::new(dir)
                .append_index_html_on_directories(false)
                .not_found_service(get(page_not_found)),
        )
    }

    /// The pre-compressed encodings (`br`, `gzip`) of the file `path` asks for (in `lang`, for
    /// the page's own routes) that are left over from an older build (more than
    /// [`STALE_AFTER`] older than the file), and so must not be served.
    pub fn stale_encodings(&self, path: &str, lang: Lang) -> Vec<&'static str> {
        // Only the page itself can go stale: hashed names never do, and nothing else of the
        // build is compressed.
        let file = if PAGE_ROUTES.contains(&path) {
            self.index_of(lang)
        } else if path == "/index.html" {
            self.dir.join("index.html")
        } else if let Some(lang) = Lang::ALL
            .into_iter()
            .find(|lang| path == format!("/{}/index.html", lang.tag()))
        {
            self.dir.join(lang.tag()).join("index.html")
        } else {
            return Vec::new();
        };
        let Ok(original) = std::fs::metadata(&file).and_then(|m| m.modified()) else {
            return Vec::new();
        };
        [("br", "br"), ("gzip", "gz")]
            .into_iter()
            .filter(|(_, extension)| {
                let mut sibling = file.clone().into_os_string();
                sibling.push(".");
                sibling.push(extension);
                std::fs::metadata(&sibling)
                    .and_then(|m| m.modified())
                    .is_ok_and(|compressed| compressed + STALE_AFTER < original)
            })
            .map(|(coding, _)| coding)
            .collect()
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

/// Size and modification time of `path`.
fn stamp(path: &Path) -> Option<(u64, SystemTime)> {
    let metadata = std::fs::metadata(path).ok()?;
    Some((metadata.len(), metadata.modified().ok()?))
}

/// `Accept-Encoding` without the codings in `stale`; `identity` when nothing is left.
pub fn without_codings(accept_encoding: &str, stale: &[&str]) -> String {
    let kept: Vec<&str> = accept_encoding
        .split(',')
        .map(str::trim)
        .filter(|entry| {
            let coding = entry.split(';').next().unwrap_or_default().trim();
            !entry.is_empty() && !stale.iter().any(|s| s.eq_ignore_ascii_case(coding))
        })
        .collect();
    if kept.is_empty() {
        "identity".to_owned()
    } else {
        kept.join(", ")
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
    fn stale_codings_are_taken_out_of_accept_encoding() {
        assert_eq!(
            without_codings("gzip, deflate, br, zstd", &["br"]),
            "gzip, deflate, zstd"
        );
        assert_eq!(
            without_codings("br;q=1.0, gzip;q=0.8", &["br", "gzip"]),
            "identity"
        );
        assert_eq!(without_codings("BR", &["br"]), "identity");
    }

    #[test]
    fn the_policy_follows_index_html_and_old_compressed_copies_are_not_served() {
        let dir = tempfile::tempdir().expect("dir");
        let index = dir.path().join("index.html");
        std::fs::write(&index, "<script>one()</script>").expect("write");
        let assets = Assets::load(dir.path(), None).expect("assets");
        let first = assets.content_security_policy();
        // An upgrade in place: a new index.html with another inline script, and the old
        // compressed copy left behind (older than the new original).
        std::fs::write(dir.path().join("index.html.br"), "old").expect("write");
        let past = SystemTime::now() - std::time::Duration::from_secs(600);
        let old = std::fs::File::options()
            .write(true)
            .open(dir.path().join("index.html.br"))
            .expect("open");
        old.set_modified(past).expect("set time");
        std::fs::write(&index, "<script>two(); three()</script>").expect("write");
        // Within a second of the last look the policy is the one known.
        assert_eq!(assets.content_security_policy(), first);
        assets.look_again();
        let second = assets.content_security_policy();
        assert_ne!(first, second);
        assert_eq!(
            second,
            content_security_policy("<script>two(); three()</script>")
        );
        assert_eq!(assets.stale_encodings("/", Lang::De), ["br"]);
        assert_eq!(assets.stale_encodings("/check", Lang::De), ["br"]);
        assert!(
            assets
                .stale_encodings("/../etc/passwd", Lang::De)
                .is_empty()
        );
        // A fresh compressed copy is served again, even a little older than its original (as
        // `brotli` and `cp` leave them).
        std::fs::write(dir.path().join("index.html.br"), "new").expect("write");
        assert!(assets.stale_encodings("/", Lang::De).is_empty());
        let rounded = SystemTime::now() - std::time::Duration::from_millis(900);
        std::fs::File::options()
            .write(true)
            .open(dir.path().join("index.html.br"))
            .and_then(|file| file.set_modified(rounded))
            .expect("set time");
        assert!(assets.stale_encodings("/", Lang::De).is_empty());
        // Content-hashed names are never stale.
        assert!(
            assets
                .stale_encodings("/frontend-0123456789abcdef_bg.wasm", Lang::De)
                .is_empty()
        );
    }

    /// A `dist/` as `make dist` leaves it: German at the top, English in `en/`.
    fn two_builds() -> tempfile::TempDir {
        let dir = tempfile::tempdir().expect("dir");
        std::fs::write(dir.path().join("index.html"), "<script>deutsch()</script>").expect("de");
        std::fs::create_dir(dir.path().join("en")).expect("en/");
        std::fs::write(
            dir.path().join("en").join("index.html"),
            "<script>english()</script>",
        )
        .expect("en");
        dir
    }

    fn accepting(languages: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::ACCEPT_LANGUAGE,
            HeaderValue::from_str(languages).expect("header"),
        );
        headers
    }

    #[test]
    fn each_language_gets_its_own_build_chosen_by_query_then_accept_language() {
        let dir = two_builds();
        let assets = Assets::load(dir.path(), None).expect("assets");
        let none = HeaderMap::new();
        assert_eq!(assets.page_lang(None, &none), Lang::De);
        assert_eq!(
            assets.page_lang(None, &accepting("en-GB,en;q=0.9")),
            Lang::En
        );
        assert_eq!(
            assets.page_lang(Some("lang=de"), &accepting("en")),
            Lang::De
        );
        assert_eq!(assets.page_lang(Some("embed=x&lang=en"), &none), Lang::En);
        assert_eq!(
            assets.page_lang(Some("lang=fr"), &accepting("en")),
            Lang::En
        );
        assert_eq!(assets.index_of(Lang::De), dir.path().join("index.html"));
        assert_eq!(
            assets.index_of(Lang::En),
            dir.path().join("en").join("index.html")
        );
        // A provider that offers German only gets German for everyone.
        let german = Assets::load(dir.path(), None)
            .expect("assets")
            .offering(&[Lang::De]);
        assert_eq!(
            german.page_lang(Some("lang=en"), &accepting("en")),
            Lang::De
        );
        // One build for both languages (no `en/`): everyone gets it.
        let one = tempfile::tempdir().expect("dir");
        std::fs::write(one.path().join("index.html"), "<p>").expect("write");
        let one = Assets::load(one.path(), None).expect("assets");
        assert_eq!(one.index_of(Lang::En), one.dir.join("index.html"));
    }

    #[test]
    fn the_policy_allows_every_builds_inline_script() {
        let dir = two_builds();
        let assets = Assets::load(dir.path(), None).expect("assets");
        assert_eq!(
            assets.content_security_policy(),
            content_security_policy("<script>deutsch()</script><script>english()</script>")
        );
        // An upgrade that changes only the English build is seen too.
        std::fs::write(
            dir.path().join("en").join("index.html"),
            "<script>english(2)</script>",
        )
        .expect("en");
        assets.look_again();
        assert_eq!(
            assets.content_security_policy(),
            content_security_policy("<script>deutsch()</script><script>english(2)</script>")
        );
        // The English page's old compressed copy is found at its own path and for `/` in English.
        std::fs::write(dir.path().join("en").join("index.html.gz"), "old").expect("write");
        std::fs::File::options()
            .write(true)
            .open(dir.path().join("en").join("index.html.gz"))
            .and_then(|file| {
                file.set_modified(SystemTime::now() - std::time::Duration::from_secs(600))
            })
            .expect("set time");
        assert_eq!(assets.stale_encodings("/", Lang::En), ["gzip"]);
        assert_eq!(assets.stale_encodings("/en/index.html", Lang::De), ["gzip"]);
        assert!(assets.stale_encodings("/", Lang::De).is_empty());
    }

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
