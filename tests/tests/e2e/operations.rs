//! Running the service: settings from a file and the environment, limits on slow and oversized
//! clients, graceful shutdown, JSON logs, and the OpenAPI document against real reports.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use serde_json::Value;
use tests::pki::Validity;
use tests::servers::{OpensslServer, ProbeApi, ProbeApiOptions};
use tests::stubs::{Behaviour, Stub};

use crate::test_ca;

const NAME: &str = "mail.example.test";

#[tokio::test(flavor = "multi_thread")]
async fn settings_come_from_the_file_then_the_environment_then_flags() {
    let (dir, ca) = test_ca();
    let stub = Stub::start(Behaviour::TooManyConnections);
    let config = dir.path().join("mailtls.toml");
    std::fs::write(
        &config,
        format!(
            "allow_cidrs = [\"127.0.0.0/8\"]\nallow_ports = [{}]\nresolve = [\"{NAME}=127.0.0.1\"]\n\
             max_url_bytes = 300\nclient_checks_per_minute = 0\ntarget_checks_per_minute = 0\n",
            stub.port()
        ),
    )
    .expect("write config");
    let target = format!("smtp://{NAME}:{}", stub.port());
    let from_file = ProbeApiOptions {
        ca_files: vec![ca.ca_file.clone()],
        extra_args: vec!["--config".into(), config.display().to_string()],
        rate_limits: true,
        ..ProbeApiOptions::default()
    };

    // The file admits loopback and the stub's port: the check reaches the stub.
    let api = ProbeApi::start(&from_file);
    let (status, report) = api.check(&[("target", &target)]).await;
    assert_eq!(status, 200, "{report}");
    assert_eq!(
        report["endpoints"][0]["error"]["code"], "throttled",
        "{report}"
    );
    // The file's URL cap applies.
    let long = format!("/api/v1/check?lang=en&target={}", "a".repeat(400));
    let (status, _, body) = api.get(&long).await;
    assert_eq!(status, 414, "{body}");
    assert!(
        body.contains("request_too_large") && body.contains("300"),
        "{body}"
    );
    drop(api);
    let contacted = stub.connections();
    assert!(contacted >= 1);

    // The environment adds provider mode on top of the file.
    let mut provider = from_file.clone();
    provider.env = vec![("MAILTLS_ONLY_DOMAINS".into(), "provider.test".into())];
    let api = ProbeApi::start(&provider);
    let (status, body) = api.check(&[("target", &target), ("lang", "en")]).await;
    assert_eq!(status, 403, "{body}");
    assert_eq!(body["error"]["code"], "forbidden_domain", "{body}");
    drop(api);

    // A flag wins over the file.
    let mut flag = from_file;
    flag.extra_args
        .extend(["--max-url-bytes".to_owned(), "5000".to_owned()]);
    let api = ProbeApi::start(&flag);
    let (status, _, body) = api.get(&long).await;
    assert_eq!(status, 400, "now only the target is wrong: {body}");
    assert_eq!(
        stub.connections(),
        contacted,
        "refused checks contacted nobody"
    );
}

#[test]
fn the_command_line_reads_the_probe_keys_of_the_config_file() {
    let (dir, ca) = test_ca();
    let server = OpensslServer::start(&ca.server_cert("valid", NAME, Validity::CURRENT), &[]);
    let target = format!("imaps://{NAME}:{}", server.port);
    let check = |config: &str| {
        let file = dir.path().join("check.toml");
        std::fs::write(&file, config).expect("write config");
        let output = std::process::Command::new(tests::servers::probe_api_binary())
            .args(["check", "--json", "--config"])
            .arg(&file)
            .arg(&target)
            .env("RUST_LOG", "error")
            .output()
            .expect("run probe-api check");
        let report: Value = serde_json::from_slice(&output.stdout)
            .unwrap_or_else(|error| panic!("{error}: {}", String::from_utf8_lossy(&output.stderr)));
        report["endpoints"][0].clone()
    };
    // The name is resolved and the CA trusted only through the file.
    let resolve = format!("resolve = [\"{NAME}=127.0.0.1\"]\n");
    let trusted = check(&format!(
        "{resolve}ca_files = [\"{}\"]\n",
        ca.ca_file.display()
    ));
    assert_eq!(trusted["verdict"], "ready", "{trusted}");
    let untrusted = check(&resolve);
    assert_eq!(
        untrusted["certificate"]["verdict"], "untrusted",
        "{untrusted}"
    );
}

/// Starts `probe-api serve` with `option FILE`, expects it to refuse, and returns what it said.
fn refused_start(option: &str, file: &std::path::Path) -> String {
    let output = std::process::Command::new(tests::servers::probe_api_binary())
        .args(["serve", "--bind", "127.0.0.1:0", option])
        .arg(file)
        .output()
        .expect("run probe-api");
    assert_eq!(
        output.status.code(),
        Some(78),
        "probe-api with {option} {}: a configuration error (EX_CONFIG)",
        file.display()
    );
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn a_broken_trust_anchor_file_stops_the_start_with_the_reason() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let anchor = dir.path().join("anchor.txt");
    std::fs::write(&anchor, "test. DNSKEY 257 3 13 AAAA\n").expect("write anchor");
    let stderr = refused_start("--dnssec-trust-anchor", &anchor);
    assert!(
        stderr.contains("anchor.txt: not a usable DNSSEC trust anchor file"),
        "{stderr}"
    );
}

#[test]
fn a_ds_record_as_trust_anchor_stops_the_start_and_asks_for_the_dnskey_records() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let anchor = dir.path().join("anchor.txt");
    // What unbound accepts as `trust-anchor:`; hickory's validator takes DNSKEY records only.
    std::fs::write(
        &anchor,
        "test. 3600 IN DS 2371 13 2 \
         C988EC423E3880EB8DD8A46E9A8C0AE4E3C5B6B7F5A4E5C8C2E9B1B1D3E2F1A0\n",
    )
    .expect("write anchor");
    let stderr = refused_start("--dnssec-trust-anchor", &anchor);
    assert!(
        stderr.contains("anchor.txt: not a usable DNSSEC trust anchor file")
            && stderr.contains("DS records cannot be trust anchors here")
            && stderr.contains("DNSKEY records, all of them"),
        "{stderr}"
    );
}

#[test]
fn a_broken_config_file_stops_the_start_with_the_reason() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let config = dir.path().join("mailtls.toml");
    std::fs::write(&config, "max_concurent_checks = 3\n").expect("write config");
    let stderr = refused_start("--config", &config);
    assert!(
        stderr.contains("mailtls.toml") && stderr.contains("max_concurent_checks"),
        "{stderr}"
    );
}

#[test]
fn a_missing_page_build_stops_the_start_as_a_configuration_error_naming_the_key() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let stderr = refused_start("--dist", &dir.path().join("no-build"));
    assert!(
        stderr.contains("dist: ") && stderr.contains("no-build/index.html not found"),
        "{stderr}"
    );
    let config = dir.path().join("mailtls.toml");
    std::fs::write(&config, "provider_assets = \"no-such-dir\"\n").expect("write config");
    let output = std::process::Command::new(tests::servers::probe_api_binary())
        .args(["serve", "--bind", "127.0.0.1:0", "--config"])
        .arg(&config)
        .arg("--dist")
        .arg(tests::workspace_root().join("dist"))
        .output()
        .expect("run probe-api");
    assert_eq!(output.status.code(), Some(78));
    let stderr = String::from_utf8_lossy(&output.stderr);
    // Relative to the file, and named by its key.
    assert!(
        stderr.contains(&format!(
            "provider_assets: {} is not a directory",
            dir.path().join("no-such-dir").display()
        )),
        "{stderr}"
    );
}

/// Reads from `stream` until the server closes it or `deadline` passes; returns what arrived and
/// whether the server closed.
fn read_until_closed(stream: &mut TcpStream, deadline: Duration) -> (String, bool) {
    stream
        .set_read_timeout(Some(Duration::from_millis(200)))
        .expect("read timeout");
    let started = Instant::now();
    let mut received = Vec::new();
    let mut buffer = [0u8; 4096];
    while started.elapsed() < deadline {
        match stream.read(&mut buffer) {
            Ok(0) => return (String::from_utf8_lossy(&received).into_owned(), true),
            Ok(n) => received.extend_from_slice(&buffer[..n]),
            Err(error)
                if matches!(
                    error.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) => {}
            Err(_) => return (String::from_utf8_lossy(&received).into_owned(), true),
        }
    }
    (String::from_utf8_lossy(&received).into_owned(), false)
}

#[test]
fn slow_idle_and_oversized_clients_are_cut_off() {
    let options = ProbeApiOptions {
        extra_args: vec!["--header-timeout".into(), "1".into()],
        ..ProbeApiOptions::default()
    };
    let api = ProbeApi::start(&options);

    // Headers that never finish: closed after the header timeout.
    let mut slow = TcpStream::connect(api.address()).expect("connect");
    slow.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        .expect("write");
    let (_, closed) = read_until_closed(&mut slow, Duration::from_secs(8));
    assert!(
        closed,
        "a client that never finishes its headers is dropped"
    );

    // A kept-alive connection that goes quiet after one request: closed as well.
    let mut idle = TcpStream::connect(api.address()).expect("connect");
    idle.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        .expect("write");
    let (answer, closed) = read_until_closed(&mut idle, Duration::from_secs(8));
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(closed, "an idle kept-alive connection is dropped");

    // Headers beyond the cap: 431, connection closed.
    let mut big = TcpStream::connect(api.address()).expect("connect");
    let filler = "a".repeat(20_000);
    let request = format!("GET /healthz HTTP/1.1\r\nHost: x\r\nX-Filler: {filler}\r\n\r\n");
    let _ = big.write_all(request.as_bytes());
    let (answer, closed) = read_until_closed(&mut big, Duration::from_secs(8));
    assert!(answer.starts_with("HTTP/1.1 431"), "{answer:.200}");
    assert!(closed);

    // The service itself is unharmed.
    let mut fine = TcpStream::connect(api.address()).expect("connect");
    fine.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .expect("write");
    let (answer, _) = read_until_closed(&mut fine, Duration::from_secs(8));
    assert!(
        answer.starts_with("HTTP/1.1 200") && answer.ends_with("ok\n"),
        "{answer}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_stop_signal_lets_the_running_check_finish() {
    let (_dir, ca) = test_ca();
    let slow = Stub::start(Behaviour::SlowGreeting {
        delay: Duration::from_millis(1500),
    });
    let mut options = ProbeApiOptions::loopback(&ca.ca_file, &[NAME], &[slow.port()]);
    options.extra_args = ["--shutdown-grace", "20", "--shutdown-delay", "0"]
        .map(str::to_owned)
        .to_vec();
    let mut api = ProbeApi::start(&options);
    let address = api.address();

    let running = api.spawn_check(&[("target", &format!("smtp://{NAME}:{}", slow.port()))]);
    let connected =
        tokio::task::block_in_place(|| slow.wait_for_connections(1, Duration::from_secs(10)));
    assert_eq!(connected, 1);
    api.process().terminate();

    let (status, report) = running.await.expect("the running request");
    assert_eq!(status, 200, "the check in flight finished: {report}");
    assert_eq!(report["endpoints"][0]["port"], slow.port(), "{report}");
    let code = tokio::task::block_in_place(|| api.process().wait_for_exit(Duration::from_secs(10)));
    assert_eq!(
        code,
        Some(0),
        "the service stops cleanly once the check is done"
    );
    assert!(
        tests::process::connect_to_listener(address, Duration::from_secs(1)).is_err(),
        "nothing listens any more"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_grace_period_is_a_deadline() {
    let (_dir, ca) = test_ca();
    let tarpit = Stub::start(Behaviour::Silent);
    let mut options = ProbeApiOptions::loopback(&ca.ca_file, &[NAME], &[tarpit.port()]);
    options.extra_args = ["--shutdown-grace", "1", "--shutdown-delay", "0"]
        .map(str::to_owned)
        .to_vec();
    let mut api = ProbeApi::start(&options);
    let running = api.spawn_check(&[("target", &format!("imaps://{NAME}:{}", tarpit.port()))]);
    let connected =
        tokio::task::block_in_place(|| tarpit.wait_for_connections(1, Duration::from_secs(10)));
    assert_eq!(connected, 1);
    let stopped = Instant::now();
    api.process().terminate();
    let code = tokio::task::block_in_place(|| api.process().wait_for_exit(Duration::from_secs(10)));
    assert_eq!(code, Some(0));
    // The probe would wait 10 s for the tarpit; the grace period of 1 s cuts it short.
    assert!(
        stopped.elapsed() < Duration::from_secs(8),
        "{:?}",
        stopped.elapsed()
    );
    running.abort();
}

/// `options` with JSON logs at info level, captured for the test to read.
fn json_logs(mut options: ProbeApiOptions) -> ProbeApiOptions {
    options
        .extra_args
        .extend(["--log-format", "json"].map(str::to_owned));
    options.env.push(("RUST_LOG".into(), "info".into()));
    options.capture_logs = true;
    options
}

#[tokio::test(flavor = "multi_thread")]
async fn json_logs_name_refusals_without_what_the_visitor_typed() {
    let api = ProbeApi::start(&json_logs(ProbeApiOptions::default()));
    let typed = "imaps://secret-customer-input.example.de:8443";
    let (status, body) = api.check(&[("target", typed)]).await;
    assert_eq!(status, 403, "{body}");
    let (status, _) = api.check(&[("target", "bad name with spaces")]).await;
    assert_eq!(status, 400);

    let deadline = Instant::now() + Duration::from_secs(20);
    let lines = loop {
        let lines = api.logs();
        let refusals = lines.iter().filter(|l| l.contains("refused")).count();
        if refusals >= 2 || Instant::now() > deadline {
            break lines;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let refusals: Vec<Value> = lines
        .iter()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|_| panic!("not JSON: {line}")))
        .filter(|entry: &Value| entry["message"] == "check refused")
        .collect();
    let codes: Vec<&str> = refusals
        .iter()
        .filter_map(|entry| entry["code"].as_str())
        .collect();
    assert_eq!(codes, ["forbidden_port", "invalid_target"], "{lines:#?}");
    // Who was refused, as the access lines name visitors: a key, not the address.
    for refusal in &refusals {
        let client = refusal["client"].as_str().unwrap_or_default();
        assert!(
            client.len() == 8 && client.bytes().all(|b| b.is_ascii_hexdigit()),
            "{refusal}"
        );
    }
    for line in &lines {
        assert!(
            !line.contains("secret-customer-input") && !line.contains("spaces"),
            "visitor input in the log: {line}"
        );
    }
}

/// Checks `value` against `schema` (a subset of JSON Schema as utoipa writes it: `$ref`, `type`
/// with nullability, `properties`/`required`, `items`, `additionalProperties`, `enum`,
/// `oneOf`/`anyOf`/`allOf`); returns every mismatch with its path.
pub(crate) fn validate(
    document: &Value,
    schema: &Value,
    value: &Value,
    path: &str,
    errors: &mut Vec<String>,
) {
    if let Some(reference) = schema["$ref"].as_str() {
        let name = reference.trim_start_matches("#/components/schemas/");
        let target = &document["components"]["schemas"][name];
        assert!(!target.is_null(), "dangling $ref {reference}");
        return validate(document, target, value, path, errors);
    }
    for combinator in ["oneOf", "anyOf"] {
        if let Some(options) = schema[combinator].as_array() {
            let fits = options.iter().any(|option| {
                let mut inner = Vec::new();
                validate(document, option, value, path, &mut inner);
                inner.is_empty()
            });
            if !fits {
                errors.push(format!("{path}: {value} fits none of {combinator}"));
            }
            return;
        }
    }
    if let Some(all) = schema["allOf"].as_array() {
        for part in all {
            validate(document, part, value, path, errors);
        }
    }
    let types: Vec<&str> = match &schema["type"] {
        Value::String(one) => vec![one.as_str()],
        Value::Array(many) => many.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    };
    let actual = match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    };
    let type_fits = types.is_empty()
        || types.contains(&actual)
        || (actual == "integer" && types.contains(&"number"));
    if !type_fits {
        errors.push(format!("{path}: {actual} where the schema says {types:?}"));
        return;
    }
    if let Some(allowed) = schema["enum"].as_array()
        && !allowed.contains(value)
    {
        errors.push(format!("{path}: {value} is not one of {allowed:?}"));
    }
    if let Value::Object(fields) = value {
        let properties = schema["properties"].as_object();
        for required in schema["required"].as_array().into_iter().flatten() {
            let name = required.as_str().unwrap_or_default();
            if !fields.contains_key(name) {
                errors.push(format!("{path}.{name}: required but missing"));
            }
        }
        for (name, field) in fields {
            match properties.and_then(|p| p.get(name)) {
                Some(field_schema) => {
                    validate(
                        document,
                        field_schema,
                        field,
                        &format!("{path}.{name}"),
                        errors,
                    );
                }
                None => match &schema["additionalProperties"] {
                    Value::Bool(false) | Value::Null if properties.is_some() => {
                        errors.push(format!("{path}.{name}: not in the schema"));
                    }
                    Value::Object(_) => validate(
                        document,
                        &schema["additionalProperties"],
                        field,
                        &format!("{path}.{name}"),
                        errors,
                    ),
                    _ => {}
                },
            }
        }
    }
    if let Value::Array(items) = value {
        for (index, item) in items.iter().enumerate() {
            validate(
                document,
                &schema["items"],
                item,
                &format!("{path}[{index}]"),
                errors,
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn real_reports_and_errors_match_the_openapi_document() {
    let (_dir, ca) = test_ca();
    let cert = ca.server_cert("valid", NAME, Validity::CURRENT);
    let expired = ca.server_cert("expired", NAME, Validity::EXPIRED);
    let modern = OpensslServer::start(&cert, &[]);
    let legacy = OpensslServer::start(&expired, &["-tls1", "-cipher", "DEFAULT:@SECLEVEL=0"]);
    let closed = tests::process::free_port();
    let api = ProbeApi::start(&ProbeApiOptions::loopback(
        &ca.ca_file,
        &[NAME],
        &[modern.port, legacy.port, closed],
    ));
    let (status, _, text) = api.get("/api/openapi.json").await;
    assert_eq!(status, 200);
    let document: Value = serde_json::from_str(&text).expect("OpenAPI JSON");
    let schema = |name: &str| serde_json::json!({ "$ref": format!("#/components/schemas/{name}") });

    let (status, report) = api
        .check(&[
            ("target", &format!("imaps://{NAME}:{}", modern.port)),
            ("target", &format!("imaps://{NAME}:{}", legacy.port)),
            ("target", &format!("smtp://{NAME}:{closed}")),
        ])
        .await;
    assert_eq!(status, 200, "{report}");
    assert_eq!(report["endpoints"].as_array().map(Vec::len), Some(3));
    let mut errors = Vec::new();
    validate(
        &document,
        &schema("CheckReport"),
        &report,
        "report",
        &mut errors,
    );
    assert!(errors.is_empty(), "{errors:#?}\n{report}");

    let (status, error) = api.check(&[("target", "bad name")]).await;
    assert_eq!(status, 400);
    validate(
        &document,
        &schema("ErrorBody"),
        &error,
        "error",
        &mut errors,
    );
    assert!(errors.is_empty(), "{errors:#?}");

    // The validator is not a rubber stamp.
    let mut broken = report.clone();
    broken["endpoints"][0]["verdict"] = Value::from("fine");
    broken["endpoints"][1]["port"] = Value::from("993");
    validate(
        &document,
        &schema("CheckReport"),
        &broken,
        "report",
        &mut errors,
    );
    assert_eq!(errors.len(), 2, "{errors:#?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_provider_profile_is_checked_at_start_and_served() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let path = dir.path().join("profile.toml");
    std::fs::write(&path, tests::servers::TEST_PROFILE).expect("write profile");
    let api = ProbeApi::start(&ProbeApiOptions {
        extra_args: vec!["--profile".into(), path.display().to_string()],
        ..ProbeApiOptions::default()
    });
    let (status, _, body) = api.get("/api/v1/profile").await;
    assert_eq!(status, 200, "{body}");
    let profile: Value = serde_json::from_str(&body).expect("JSON");
    assert_eq!(profile["provider"], "Provider Test");
    assert_eq!(profile["imap"]["host"], "mail.provider.test");
    assert_eq!(profile["smtp"]["security"], "starttls");
    assert_eq!(profile["aliases"][0], "login.provider.test");
    assert_eq!(profile["support"]["email"], "hilfe@provider.test");
    drop(api);

    // Without a profile: none, so the page never presents example servers as settings.
    let api = ProbeApi::start(&ProbeApiOptions::default());
    let (status, _, body) = api.get("/api/v1/profile").await;
    assert_eq!(status, 404, "{body}");
    let error: Value = serde_json::from_str(&body).expect("JSON");
    assert_eq!(error["error"]["code"], "not_found", "{body}");

    // A broken profile stops the start, saying what is wrong where.
    std::fs::write(
        &path,
        tests::servers::TEST_PROFILE.replace("port = 993", "port = 143"),
    )
    .expect("write profile");
    let stderr = refused_start("--profile", &path);
    assert!(
        stderr.contains("profile.toml") && stderr.contains("imap: port 143"),
        "{stderr}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn sighup_is_logged_and_does_not_stop_the_service() {
    let api = ProbeApi::start(&ProbeApiOptions {
        capture_logs: true,
        ..ProbeApiOptions::default()
    });
    let status = std::process::Command::new("kill")
        .args(["-HUP", &api.pid().to_string()])
        .status()
        .expect("run kill");
    assert!(status.success());
    let deadline = Instant::now() + Duration::from_secs(10);
    while !api
        .logs()
        .iter()
        .any(|line| line.contains("SIGHUP ignored"))
    {
        assert!(Instant::now() < deadline, "no log line: {:#?}", api.logs());
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let (status, _, body) = api.get("/healthz").await;
    assert_eq!((status, body.trim()), (200, "ok"), "still serving");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_proxy_that_is_not_trusted_is_named_once_in_the_log() {
    let api = ProbeApi::start(&ProbeApiOptions {
        capture_logs: true,
        ..ProbeApiOptions::default()
    });
    for _ in 0..3 {
        let status = reqwest::Client::new()
            .get(format!("{}/api/v1/check?target=x", api.base_url))
            .header("x-forwarded-for", "198.51.100.7")
            .send()
            .await
            .expect("the service answers")
            .status();
        assert_eq!(status.as_u16(), 400);
    }
    let deadline = Instant::now() + Duration::from_secs(10);
    let warnings = loop {
        let warnings = api
            .logs()
            .iter()
            .filter(|line| line.contains("not a trusted proxy"))
            .count();
        if warnings > 0 || Instant::now() > deadline {
            break warnings;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(warnings, 1, "{:#?}", api.logs());
}

/// The service's JSON log lines so far.
fn json_lines(api: &ProbeApi) -> Vec<Value> {
    api.logs()
        .iter()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|_| panic!("not JSON: {line}")))
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn access_and_check_lines_name_each_request_without_what_the_customer_typed() {
    let (_dir, ca) = test_ca();
    let stub = Stub::start(Behaviour::TooManyConnections);
    let mut options = ProbeApiOptions::loopback(&ca.ca_file, &[NAME], &[stub.port()]);
    // The test speaks as the proxy in front, whose request IDs the service keeps.
    options
        .extra_args
        .extend(["--trusted-proxy", "127.0.0.1"].map(str::to_owned));
    let api = ProbeApi::start(&json_logs(options));
    let check = format!(
        "{}/api/v1/check?target=smtp://{NAME}:{}&email=erika.mustermann%40firma.de",
        api.base_url(),
        stub.port()
    );
    let client = reqwest::Client::new();
    let mut ids = Vec::new();
    for id in ["support-ticket-4711", "not a token"] {
        let response = client
            .get(&check)
            .header("x-request-id", id)
            .send()
            .await
            .expect("answer");
        assert_eq!(response.status().as_u16(), 200);
        let echoed = response.headers()["x-request-id"]
            .to_str()
            .expect("text")
            .to_owned();
        ids.push(echoed);
    }
    assert_eq!(ids[0], "support-ticket-4711", "a plain token is kept");
    assert!(
        ids[1].len() == 16 && ids[1].bytes().all(|b| b.is_ascii_hexdigit()),
        "anything else is replaced: {}",
        ids[1]
    );

    let deadline = Instant::now() + Duration::from_secs(20);
    let lines = loop {
        let lines = json_lines(&api);
        let access = lines
            .iter()
            .filter(|l| l["target"] == "mailtls::access")
            .count();
        if access >= 2 || Instant::now() > deadline {
            break lines;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let start = lines
        .iter()
        .find(|l| {
            l["message"]
                .as_str()
                .is_some_and(|m| m.ends_with("started"))
        })
        .unwrap_or_else(|| panic!("no start line in {lines:#?}"));
    assert_eq!(start["version"], env!("CARGO_PKG_VERSION"), "{start}");
    assert!(start["max_connections"].as_u64().is_some(), "{start}");
    let access: Vec<&Value> = lines
        .iter()
        .filter(|l| l["target"] == "mailtls::access")
        .collect();
    for (line, id) in access.iter().zip(&ids) {
        assert_eq!(line["request_id"], id.as_str(), "{line}");
        assert_eq!(line["route"], "/api/v1/check", "{line}");
        assert_eq!(line["method"], "GET", "{line}");
        assert_eq!(line["status"], 200, "{line}");
        assert!(line["bytes"].as_u64().is_some_and(|b| b > 100), "{line}");
        assert!(line["duration_ms"].as_u64().is_some(), "{line}");
        let client = line["client"].as_str().unwrap_or_default();
        assert!(
            client.len() == 8 && client.bytes().all(|b| b.is_ascii_hexdigit()),
            "{line}"
        );
    }
    // One check started (in the first request's span) and finished, then one cached answer.
    let served: Vec<(&str, &str)> = lines
        .iter()
        .filter(|l| l["target"] == "mailtls::check" && l["message"] == "check")
        .map(|l| {
            (
                l["served"].as_str().unwrap_or_default(),
                l["span"]["request_id"].as_str().unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(
        served,
        [("started", ids[0].as_str()), ("cached", ids[1].as_str())],
        "{lines:#?}"
    );
    let finished = lines
        .iter()
        .find(|l| l["message"] == "check finished")
        .unwrap_or_else(|| panic!("no check line in {lines:#?}"));
    assert_eq!(finished["endpoints"], 1, "{finished}");
    assert!(finished["verdict"].is_string(), "{finished}");
    for line in api.logs() {
        for secret in ["erika", "firma.de", "email=", "target=", NAME] {
            assert!(!line.contains(secret), "{secret} in the log: {line}");
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_flood_of_refused_requests_writes_a_bounded_number_of_log_lines() {
    let api = ProbeApi::start(&json_logs(ProbeApiOptions::default()));
    let url = format!("{}/api/v1/check?target=bad%20name", api.base_url());
    let client = reqwest::Client::new();
    let started = Instant::now();
    const FLOOD: usize = 3_000;
    let mut answered = 0;
    // Batches of 50: one client address may hold 64 connections.
    for _ in 0..FLOOD / 50 {
        let mut batch = tokio::task::JoinSet::new();
        for _ in 0..50 {
            let request = client.get(&url).send();
            batch.spawn(async move { request.await.map(|r| r.status().as_u16()) });
        }
        while let Some(status) = batch.join_next().await {
            assert_eq!(status.expect("task").expect("answer"), 400);
            answered += 1;
        }
    }
    let seconds = started.elapsed().as_secs() + 1;
    // One more, a second later, says how many lines the busy seconds left out.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    assert_eq!(client.get(&url).send().await.expect("answer").status(), 400);
    let (_, _, metrics) = api.get("/metrics").await;
    let counted = format!(
        "mailtls_http_requests_total{{route=\"/api/v1/check\",status=\"400\"}} {}",
        answered + 1
    );
    assert!(
        metrics.lines().any(|l| l == counted),
        "{counted} in\n{metrics}"
    );

    let (lines, access, left_out) = {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let lines = json_lines(&api);
            let access = lines
                .iter()
                .filter(|l| l["target"] == "mailtls::access" && l["route"] == "/api/v1/check")
                .count() as u64;
            let left_out: u64 = lines.iter().filter_map(|l| l["left_out"].as_u64()).sum();
            if access + left_out > answered as u64 || Instant::now() > deadline {
                break (lines, access, left_out);
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    };
    let refusals = lines
        .iter()
        .filter(|l| l["message"] == "check refused")
        .count() as u64;
    // Each budget holds per calendar second: the flood touches at most `seconds + 1` of them,
    // and the request a second later one more.
    assert!(
        access <= 100 * (seconds + 1) + 1,
        "{access} access lines in {seconds} s"
    );
    assert!(
        refusals <= 10 * (seconds + 1) + 1,
        "{refusals} refusal lines in {seconds} s"
    );
    assert!(
        (access as usize) < FLOOD / 2,
        "{access} lines for {FLOOD} requests"
    );
    assert_eq!(
        left_out + access,
        answered as u64 + 1,
        "every request is a line or counted as left out"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_page_upgraded_in_place_is_served_whole_and_provider_files_live_apart() {
    let dist = tempfile::tempdir().expect("dist");
    let provider = tempfile::tempdir().expect("provider files");
    let index = dist.path().join("index.html");
    std::fs::write(&index, "<!doctype html><script>window.build = 1;</script>").expect("write");
    std::fs::write(dist.path().join("index.html.br"), "compressed build 1").expect("write");
    std::fs::write(provider.path().join("logo.svg"), "<svg/>").expect("write");
    let options = ProbeApiOptions {
        dist: Some(dist.path().to_owned()),
        extra_args: vec![
            "--provider-assets".into(),
            provider.path().display().to_string(),
        ],
        ..ProbeApiOptions::default()
    };
    let api = ProbeApi::start(&options);
    let client = reqwest::Client::new();
    let page = || async {
        let response = client
            .get(format!("{}/", api.base_url()))
            .header("accept-encoding", "br, gzip")
            .send()
            .await
            .expect("page");
        let headers = response.headers().clone();
        (headers, response.text().await.expect("body"))
    };
    let (headers, body) = page().await;
    assert_eq!(headers["content-encoding"], "br");
    assert_eq!(body, "compressed build 1");
    let first_policy = headers["content-security-policy"]
        .to_str()
        .expect("text")
        .to_owned();

    // A new build copied over the running service, its compressed copy not (yet) renewed.
    let past = std::time::SystemTime::now() - Duration::from_secs(600);
    std::fs::File::options()
        .write(true)
        .open(dist.path().join("index.html.br"))
        .and_then(|file| file.set_modified(past))
        .expect("age the old copy");
    std::fs::write(&index, "<!doctype html><script>window.build = 2;</script>").expect("write");
    // The service looks at index.html at most once a second.
    let deadline = Instant::now() + Duration::from_secs(10);
    let (headers, body) = loop {
        let (headers, body) = page().await;
        if headers["content-security-policy"] != first_policy.as_str() || Instant::now() > deadline
        {
            break (headers, body);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert!(headers.get("content-encoding").is_none(), "{headers:?}");
    assert_eq!(body, "<!doctype html><script>window.build = 2;</script>");
    let policy = headers["content-security-policy"].to_str().expect("text");
    assert_ne!(policy, first_policy, "the policy follows the new page");
    // The hash of the new inline script, as the browser computes it.
    let digest = std::process::Command::new("sh")
        .args([
            "-c",
            "printf %s 'window.build = 2;' | openssl dgst -sha256 -binary | openssl base64 -A",
        ])
        .output()
        .expect("openssl");
    let digest = String::from_utf8(digest.stdout).expect("text");
    assert!(policy.contains(&format!("'sha256-{digest}'")), "{policy}");

    let (status, headers, body) = api.get("/provider/logo.svg").await;
    assert_eq!((status, body.as_str()), (200, "<svg/>"));
    assert_eq!(headers["content-type"], "image/svg+xml");
    assert_eq!(api.get("/provider/nothing.svg").await.0, 404);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_shipped_systemd_unit_verifies_and_its_command_serves() {
    let dir = tempfile::tempdir().expect("dir");
    let port = tests::process::free_port();
    let config = dir.path().join("mailtls.toml");
    std::fs::write(
        &config,
        format!(
            "dist = \"{}\"\n",
            tests::workspace_root().join("dist").display()
        ),
    )
    .expect("config");
    let binary = tests::servers::probe_api_binary();
    let shipped =
        std::fs::read_to_string(tests::workspace_root().join("deploy/systemd/mailtls@.service"))
            .expect("the unit");
    // The installed paths, pointed at this build and this test's files.
    let unit = shipped
        .replace("/usr/local/bin/probe-api", &binary.display().to_string())
        .replace("/etc/mailtls/mailtls.toml", &config.display().to_string())
        .replace(
            "WorkingDirectory=/usr/local/share/mailtls",
            &format!("WorkingDirectory={}", dir.path().display()),
        );
    // A replica whose shared store is not up yet exits at start (status 1) and must be started
    // again until it is: no start limit may stop systemd from doing so after five tries.
    let unit_section = shipped
        .split("\n[")
        .find(|section| section.starts_with("[Unit]") || section.starts_with("Unit]"))
        .expect("a [Unit] section");
    assert!(
        unit_section
            .lines()
            .any(|line| line.trim() == "StartLimitIntervalSec=0"),
        "{unit_section}"
    );
    assert!(
        shipped
            .lines()
            .any(|line| line.trim() == "Restart=on-failure")
    );
    let unit_file = dir.path().join(format!("mailtls@{port}.service"));
    std::fs::write(&unit_file, &unit).expect("write the unit");
    let verify = std::process::Command::new(tests::process::system_program("systemd-analyze"))
        .arg("verify")
        .arg(&unit_file)
        .output()
        .expect("systemd-analyze");
    let complaints = String::from_utf8_lossy(&verify.stderr);
    assert!(
        verify.status.success() && !complaints.contains("mailtls"),
        "{complaints}"
    );

    // The unit's command line, as systemd runs it for this instance.
    let exec = unit
        .lines()
        .find_map(|line| line.strip_prefix("ExecStart="))
        .expect("ExecStart")
        .replace("%i", &port.to_string());
    let words: Vec<&str> = exec.split_whitespace().collect();
    let mut command = std::process::Command::new(words[0]);
    command.args(&words[1..]).current_dir(dir.path());
    let mut guard = tests::process::Guard::spawn("probe-api from the unit", &mut command);
    let address = std::net::SocketAddr::from(([127, 0, 0, 1], port));
    tests::process::wait_for_port(&mut guard, address, Duration::from_secs(20));
    let status = reqwest::get(format!("http://{address}/readyz"))
        .await
        .expect("answer")
        .status();
    assert_eq!(status, 200);
}

#[tokio::test(flavor = "multi_thread")]
async fn json_is_compressed_streams_are_not_and_embed_js_is_revalidated() {
    let (_dir, ca) = test_ca();
    let stub = Stub::start(Behaviour::TooManyConnections);
    let api = ProbeApi::start(&ProbeApiOptions::loopback(
        &ca.ca_file,
        &[NAME],
        &[stub.port()],
    ));
    let client = reqwest::Client::new();
    let get = |path: String, headers: Vec<(&'static str, String)>| {
        let mut request = client.get(format!("{}{path}", api.base_url()));
        for (name, value) in headers {
            request = request.header(name, value);
        }
        async move {
            let response = request.send().await.expect("answer");
            let status = response.status().as_u16();
            let headers = response.headers().clone();
            let body = response.bytes().await.expect("body");
            (status, headers, body)
        }
    };
    let gzip = || vec![("accept-encoding", "gzip".to_owned())];

    let (status, headers, body) = get("/api/openapi.json".into(), gzip()).await;
    assert_eq!(status, 200);
    assert_eq!(headers["content-encoding"], "gzip");
    assert_eq!(&body[..2], [0x1f, 0x8b], "a gzip stream");
    let (_, plain, _) = get("/api/openapi.json".into(), vec![]).await;
    assert!(plain.get("content-encoding").is_none(), "{plain:?}");

    let stream = format!("/api/v1/check/stream?target=smtp://{NAME}:{}", stub.port());
    let (status, headers, body) = get(stream, gzip()).await;
    assert_eq!(status, 200);
    assert!(headers.get("content-encoding").is_none(), "{headers:?}");
    assert!(
        String::from_utf8_lossy(&body).contains("event: report"),
        "events as text"
    );

    let (status, headers, _) = get("/".into(), vec![]).await;
    assert_eq!(status, 200);
    assert_eq!(headers["content-type"], "text/html; charset=utf-8");
    // The build's own compressed copies are served (brotli gives them the original's time,
    // rounded down to the second: not "older" in the sense of a left-over copy).
    let (status, headers, _) = get("/".into(), vec![("accept-encoding", "br".to_owned())]).await;
    assert_eq!(status, 200);
    assert_eq!(headers["content-encoding"], "br");

    let (status, headers, script) = get("/embed.js".into(), vec![]).await;
    assert_eq!(status, 200);
    assert_eq!(headers["cache-control"], "no-cache");
    let etag = headers["etag"].to_str().expect("text").to_owned();
    assert!(!script.is_empty());
    let (status, _, body) = get("/embed.js".into(), vec![("if-none-match", etag)]).await;
    assert_eq!((status, body.len()), (304, 0));
    let (status, _, _) = get(
        "/embed.js".into(),
        vec![("if-none-match", "\"an-older-version\"".to_owned())],
    )
    .await;
    assert_eq!(status, 200);
}

#[test]
fn pruning_the_page_keeps_the_current_build_and_removes_older_ones() {
    let dir = tempfile::tempdir().expect("dir");
    let dist = tests::workspace_root().join("dist");
    // The German build at the top, the English one in en/: both as `make dist` left them.
    let mut current = Vec::new();
    for build in ["", "en"] {
        std::fs::create_dir_all(dir.path().join(build)).expect("build dir");
        for entry in std::fs::read_dir(dist.join(build)).expect("dist") {
            let path = entry.expect("entry").path();
            if path.is_file() {
                let name = std::path::Path::new(build).join(path.file_name().expect("name"));
                std::fs::copy(&path, dir.path().join(&name)).expect("copy");
                current.push(name);
            }
        }
    }
    assert!(
        current.iter().any(|name| name.starts_with("en")),
        "make dist builds the English page into dist/en"
    );
    let old = [
        "frontend-0123456789abcdef_bg.wasm",
        "frontend-0123456789abcdef_bg.wasm.br",
        "frontend-0123456789abcdef.js.gz",
        "style-aaaaaaaaaaaaaaaa.css",
        "en/frontend-0123456789abcdef_bg.wasm",
        "en/frontend-0123456789abcdef.js",
    ];
    for name in old {
        std::fs::write(dir.path().join(name), "an older build").expect("write");
    }
    let status = std::process::Command::new(tests::workspace_root().join("scripts/prune-dist.sh"))
        .arg(dir.path())
        .stdout(std::process::Stdio::null())
        .status()
        .expect("run the script");
    assert!(status.success());
    let mut left = Vec::new();
    for build in ["", "en"] {
        for entry in std::fs::read_dir(dir.path().join(build)).expect("dir") {
            let path = entry.expect("entry").path();
            if path.is_file() {
                left.push(std::path::Path::new(build).join(path.file_name().expect("name")));
            }
        }
    }
    left.sort();
    current.sort();
    assert_eq!(left, current, "exactly the current builds are left");
}
