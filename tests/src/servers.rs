//! Real servers on loopback: `openssl s_server` with chosen TLS versions, and the `probe-api`
//! binary itself.

use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use crate::pki::ServerCert;
use crate::process::{Guard, free_port, wait_for_port};

/// An `openssl s_server` speaking TLS from the first byte (like IMAPS) on 127.0.0.1.
#[derive(Debug)]
pub struct OpensslServer {
    pub port: u16,
    _guard: Guard,
}

impl OpensslServer {
    /// Starts `openssl s_server` with `cert`, plus `extra_args` (e.g. `-tls1_2` to allow only
    /// TLS 1.2). `-www` keeps it serving connection after connection without reading stdin.
    pub fn start(cert: &ServerCert, extra_args: &[&str]) -> OpensslServer {
        Self::start_on(IpAddr::from([127, 0, 0, 1]), cert, extra_args)
    }

    /// Like [`OpensslServer::start`], on another loopback address (`::1` for IPv6).
    pub fn start_on(ip: IpAddr, cert: &ServerCert, extra_args: &[&str]) -> OpensslServer {
        Self::start_on_port(ip, free_port(), cert, extra_args)
    }

    /// Like [`OpensslServer::start_on`], on a fixed `port` (a mail port such as 993 on a loopback
    /// address no other test uses, for a bare host check).
    pub fn start_on_port(
        ip: IpAddr,
        port: u16,
        cert: &ServerCert,
        extra_args: &[&str],
    ) -> OpensslServer {
        let address = SocketAddr::new(ip, port);
        let mut command = Command::new("openssl");
        command
            .arg("s_server")
            .arg("-quiet")
            .arg("-www")
            .arg("-accept")
            .arg(address.to_string())
            .arg("-cert")
            .arg(&cert.cert_file)
            .arg("-key")
            .arg(&cert.key_file)
            .args(extra_args);
        let mut guard = Guard::spawn("openssl s_server", &mut command);
        wait_for_port(&mut guard, address, Duration::from_secs(10));
        OpensslServer {
            port,
            _guard: guard,
        }
    }
}

/// `openssl s_server` arguments for a common "modern" setting that locks out Windows 7 and 8.1:
/// TLS 1.2 only, ECDHE-RSA with AES-GCM or ChaCha20 only (with an RSA certificate).
pub const ECDHE_GCM_ONLY: &[&str] = &[
    "-tls1_2",
    "-cipher",
    "ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-CHACHA20-POLY1305",
];

/// The `probe-api` binary cargo built beside this test binary (`target/<profile>/probe-api`).
pub fn probe_api_binary() -> PathBuf {
    let binary = std::env::current_exe()
        .ok()
        .and_then(|exe| Some(exe.parent()?.parent()?.join("probe-api")))
        .unwrap_or_default();
    assert!(
        binary.is_file(),
        "{} is missing: run `cargo build -p probe-api` first (make test does)",
        binary.display()
    );
    binary
}

/// Runs `probe-api check --json` with `ca_file` trusted and `resolve` (`NAME=ADDRESS`) pinned,
/// plus `extra` options, on `targets`; returns the exit code and the report.
pub fn cli_check(
    ca_file: &Path,
    resolve: &str,
    targets: &[String],
    extra: &[&str],
) -> (i32, serde_json::Value) {
    let options: Vec<&str> = ["--resolve", resolve]
        .into_iter()
        .chain(extra.iter().copied())
        .collect();
    let targets: Vec<&str> = targets.iter().map(String::as_str).collect();
    cli_json(ca_file, &options, &targets)
}

/// Runs `probe-api check --json` with `ca_file` trusted plus `options` on `targets`; returns the
/// exit code and the report.
pub fn cli_json(ca_file: &Path, options: &[&str], targets: &[&str]) -> (i32, serde_json::Value) {
    let output = Command::new(probe_api_binary())
        .arg("check")
        .arg("--json")
        .arg("--ca-file")
        .arg(ca_file)
        .args(options)
        .args(targets)
        .env("RUST_LOG", "error")
        .output()
        .expect("run probe-api check");
    let report = serde_json::from_slice(&output.stdout).unwrap_or_else(|error| {
        panic!(
            "no JSON report ({error}): {}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        )
    });
    (output.status.code().unwrap_or(-1), report)
}

/// A running `probe-api serve` on an ephemeral loopback port.
#[derive(Debug)]
pub struct ProbeApi {
    pub base_url: String,
    guard: Guard,
    logs: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
}

/// What a test's probe-api is allowed to do beyond the safe defaults.
#[derive(Debug, Default, Clone)]
pub struct ProbeApiOptions {
    pub dist: Option<PathBuf>,
    pub ca_files: Vec<PathBuf>,
    pub allow_cidrs: Vec<String>,
    pub allow_ports: Vec<u16>,
    /// `NAME=ADDRESS` overrides.
    pub resolve: Vec<String>,
    /// Further command-line options.
    pub extra_args: Vec<String>,
    /// Keep the service's per-client and per-target rate limits (off by default: every test
    /// request comes from 127.0.0.1).
    pub rate_limits: bool,
    /// Environment variables for the service (`MAILTLS_…`).
    pub env: Vec<(String, String)>,
    /// Keep the service's stderr (its logs) for [`ProbeApi::logs`] instead of passing it through.
    pub capture_logs: bool,
    /// Listen here instead of on an ephemeral port (`127.0.0.1:PORT`).
    pub bind: Option<String>,
}

impl ProbeApiOptions {
    /// Loopback admitted, `names` resolved to 127.0.0.1, `ca` trusted, `ports` allowed.
    pub fn loopback(ca: &Path, names: &[&str], ports: &[u16]) -> Self {
        ProbeApiOptions {
            dist: None,
            ca_files: vec![ca.to_owned()],
            allow_cidrs: vec!["127.0.0.0/8".into()],
            allow_ports: ports.to_vec(),
            resolve: names
                .iter()
                .map(|name| format!("{name}=127.0.0.1"))
                .collect(),
            extra_args: Vec::new(),
            rate_limits: false,
            env: Vec::new(),
            capture_logs: false,
            bind: None,
        }
    }

    /// Network steps and checks that end only when the test lets its servers answer: for tests
    /// that hold a server's reply back while they look at the check in flight.
    pub fn patient(mut self) -> Self {
        self.extra_args
            .extend(["--step-timeout", "120", "--check-timeout", "240"].map(str::to_owned));
        self
    }
}

impl ProbeApi {
    pub fn start(options: &ProbeApiOptions) -> ProbeApi {
        let dist = options
            .dist
            .clone()
            .unwrap_or_else(|| crate::workspace_root().join("dist"));
        let mut command = Command::new(probe_api_binary());
        command
            .arg("serve")
            .arg("--bind")
            .arg(options.bind.as_deref().unwrap_or("127.0.0.1:0"))
            .arg("--dist")
            .arg(dist)
            .env("RUST_LOG", "warn");
        // Only what the test says: ignore settings from the developer's shell.
        for (name, _) in std::env::vars_os() {
            if name.to_string_lossy().starts_with("MAILTLS_") {
                command.env_remove(name);
            }
        }
        command.envs(options.env.iter().map(|(k, v)| (k, v)));
        if options.capture_logs {
            command.stderr(std::process::Stdio::piped());
        }
        for file in &options.ca_files {
            command.arg("--ca-file").arg(file);
        }
        for range in &options.allow_cidrs {
            command.arg("--allow-cidr").arg(range);
        }
        for port in &options.allow_ports {
            command.arg("--allow-port").arg(port.to_string());
        }
        for entry in &options.resolve {
            command.arg("--resolve").arg(entry);
        }
        if !options.rate_limits {
            command.args([
                "--client-checks-per-minute",
                "0",
                "--target-checks-per-minute",
                "0",
            ]);
        }
        command.args(&options.extra_args);
        let (mut guard, line) = Guard::spawn_until_line(
            "probe-api",
            &mut command,
            "is running at http://",
            Duration::from_secs(20),
        );
        let base_url = line
            .split_whitespace()
            .find(|word| word.starts_with("http://"))
            .map(|url| url.trim_end_matches('/').to_owned())
            .unwrap_or_else(|| panic!("no URL in probe-api's line {line:?}"));
        let logs = if options.capture_logs {
            guard.capture_stderr()
        } else {
            std::sync::Arc::default()
        };
        ProbeApi {
            base_url,
            guard,
            logs,
        }
    }

    /// The log lines written so far (with `capture_logs`).
    pub fn logs(&self) -> Vec<String> {
        self.logs
            .lock()
            .map(|lines| lines.clone())
            .unwrap_or_default()
    }

    /// The process, to signal it or wait for it.
    pub fn process(&mut self) -> &mut Guard {
        &mut self.guard
    }

    /// The service's process id.
    pub fn pid(&self) -> u32 {
        self.guard.id()
    }

    /// The `host:port` the service listens on.
    pub fn address(&self) -> SocketAddr {
        self.base_url
            .trim_start_matches("http://")
            .parse()
            .unwrap_or_else(|_| panic!("no address in {}", self.base_url))
    }

    /// `http://127.0.0.1:PORT`, without a trailing slash.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// `GET path` on this server; returns status, headers and body text.
    pub async fn get(&self, path: &str) -> (u16, reqwest::header::HeaderMap, String) {
        let response = reqwest::Client::new()
            .get(format!("{}{path}", self.base_url))
            .timeout(Duration::from_secs(60))
            .send()
            .await
            .expect("probe-api answers");
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        (status, headers, response.text().await.expect("a body"))
    }

    /// The value of `name` (a sample without labels) in `/metrics`; panics when it is missing.
    pub async fn metric(&self, name: &str) -> u64 {
        let (_, _, text) = self.get("/metrics").await;
        text.lines()
            .find_map(|line| line.strip_prefix(&format!("{name} ")))
            .and_then(|value| value.parse().ok())
            .unwrap_or_else(|| panic!("no {name} in\n{text}"))
    }

    /// `GET /api/v1/check` with these raw query pairs; returns status and JSON body.
    pub async fn check(&self, query: &[(&str, &str)]) -> (u16, serde_json::Value) {
        check_at(&self.base_url, query).await
    }

    /// Starts `GET /api/v1/check` as its own task, so the test can do other things meanwhile.
    pub fn spawn_check(
        &self,
        query: &[(&str, &str)],
    ) -> tokio::task::JoinHandle<(u16, serde_json::Value)> {
        let base_url = self.base_url.clone();
        let query: Vec<(String, String)> = query
            .iter()
            .map(|(key, value)| ((*key).to_owned(), (*value).to_owned()))
            .collect();
        tokio::spawn(async move {
            let pairs: Vec<(&str, &str)> = query
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .collect();
            check_at(&base_url, &pairs).await
        })
    }
}

/// `GET {base_url}/api/v1/check` with these query pairs; returns status and JSON body.
pub async fn check_at(base_url: &str, query: &[(&str, &str)]) -> (u16, serde_json::Value) {
    {
        let response = reqwest::Client::new()
            .get(format!("{base_url}/api/v1/check"))
            .query(query)
            .timeout(Duration::from_secs(60))
            .send()
            .await
            .expect("probe-api answers");
        let status = response.status().as_u16();
        let body = response.json().await.expect("probe-api answers with JSON");
        (status, body)
    }
}

/// A provider profile for tests: official names under `provider.test` (tests never resolve or
/// contact real domains), with an alias and a support contact.
pub const TEST_PROFILE: &str = r##"provider = "Provider Test"
aliases = ["login.provider.test"]
languages = ["de", "en"]

[imap]
host = "mail.provider.test"
port = 993
security = "tls"

[smtp]
host = "mail.provider.test"
port = 587
security = "starttls"

[support]
phone = "+49 30 1234567"
email = "hilfe@provider.test"
url = "https://www.provider.test/hilfe"
hours_de = "Montag bis Freitag, 8 bis 18 Uhr"
hours_en = "Monday to Friday, 8am to 6pm"

[[links]]
title_de = "E-Mail-Archivierung"
title_en = "E-mail archiving"
url = "https://www.provider.test/archiv"

[theme]
accent = "#1a4d2e"
"##;

/// A provider's web page on its own loopback origin, for embedding tests: serves one HTML
/// document on every path, until dropped.
#[derive(Debug)]
pub struct HostPage {
    pub origin: String,
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
}

impl HostPage {
    /// Binds a port, then serves the HTML `page(origin)` returns.
    pub fn start(page: impl FnOnce(&str) -> String) -> HostPage {
        use std::io::{Read, Write};
        use std::sync::atomic::Ordering;
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let origin = format!(
            "http://127.0.0.1:{}",
            listener.local_addr().expect("address").port()
        );
        let body = page(&origin);
        listener.set_nonblocking(true).expect("nonblocking");
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let stopped = stop.clone();
        std::thread::spawn(move || {
            while !stopped.load(Ordering::Relaxed) {
                match listener.accept() {
                    Ok((mut stream, _)) => {
                        let _ = stream.set_nonblocking(false);
                        let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
                        let mut request = Vec::new();
                        let mut buffer = [0u8; 1024];
                        while !request.windows(4).any(|w| w == b"\r\n\r\n") && request.len() < 16384
                        {
                            match stream.read(&mut buffer) {
                                Ok(0) | Err(_) => break,
                                Ok(n) => request.extend_from_slice(&buffer[..n]),
                            }
                        }
                        let _ = write!(
                            stream,
                            "HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                            body.len()
                        );
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(10)),
                }
            }
        });
        HostPage { origin, stop }
    }
}

impl Drop for HostPage {
    fn drop(&mut self) {
        self.stop.store(true, std::sync::atomic::Ordering::Relaxed);
    }
}
