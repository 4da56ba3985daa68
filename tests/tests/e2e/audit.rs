//! `probe-api audit` on the logs real servers wrote: Dovecot 2.3 and Postfix 3.7 configured as
//! `docs/audit.md` asks, real clients (curl, Debian's, on OpenSSL 3) logging in over TLS 1.0,
//! 1.1, 1.2, 1.3 and without TLS, then the audit on the servers' own log files, each account's
//! row asserted exactly.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tests::mail_servers::{Dovecot, DovecotTls, Postfix, PostfixTls};
use tests::servers::probe_api_binary;
use tests::syslog::Rsyslog;

use crate::test_ca;

const PASSWORD: &str = "secret-7";
const PAGE: &str = "https://hilfe.example.test";
/// How long the servers may take to write a finished session's last line.
const LOG_DEADLINE: Duration = Duration::from_secs(20);

/// Both servers, with the accounts of this file, and the directory for the audit's files.
/// The servers log to their own files (Postfix's `maillog_file`, Dovecot's `log_path`) or, on
/// a lab with `syslog`, both to a real rsyslog.
struct Lab {
    dovecot: Dovecot,
    postfix: Postfix,
    syslog: Option<Rsyslog>,
    dir: tempfile::TempDir,
    _ca_dir: tempfile::TempDir,
}

fn lab() -> Lab {
    lab_with(None)
}

fn lab_with(syslog: Option<Rsyslog>) -> Lab {
    let (ca_dir, ca) = test_ca();
    let cert = ca.server_cert_rsa("mail", "mail.example.test");
    let accounts: Vec<(&str, &str)> = ACCOUNTS.iter().map(|a| (*a, PASSWORD)).collect();
    let (dovecot, postfix) = match &syslog {
        None => {
            let dovecot = Dovecot::start_with_accounts(&cert, DovecotTls::Legacy, &accounts);
            let auth = dovecot.auth_socket();
            (
                dovecot,
                Postfix::start_with_logins(&cert, PostfixTls::Legacy, &auth),
            )
        }
        Some(syslog) => {
            let dovecot = Dovecot::start_with_accounts_on_syslog(
                &cert,
                DovecotTls::Legacy,
                &accounts,
                syslog,
            );
            let auth = dovecot.auth_socket();
            let postfix =
                Postfix::start_with_logins_on_syslog(&cert, PostfixTls::Legacy, &auth, syslog);
            (dovecot, postfix)
        }
    };
    Lab {
        dovecot,
        postfix,
        syslog,
        dir: tempfile::tempdir().expect("temporary directory"),
        _ca_dir: ca_dir,
    }
}

impl Lab {
    /// The files the servers logged to.
    fn logs(&self) -> Vec<PathBuf> {
        match &self.syslog {
            Some(syslog) => vec![syslog.log_file()],
            None => vec![
                self.postfix.log_file().to_owned(),
                self.dovecot.log_file().to_owned(),
            ],
        }
    }

    /// Waits until the servers have logged the end of every session of [`log_in_everyone`]:
    /// six IMAP and POP3 logouts, three Postfix disconnects.
    fn wait_until_logged(&self) {
        let (dovecot, postfix) = match &self.syslog {
            Some(syslog) => (syslog.log_file(), syslog.log_file()),
            None => (
                self.dovecot.log_file().to_owned(),
                self.postfix.log_file().to_owned(),
            ),
        };
        wait_for_lines(&dovecot, "Disconnected: Logged out", 6);
        wait_for_lines(&postfix, "disconnect from", 3);
    }

    /// Every log, for failure messages.
    fn log_text(&self) -> String {
        self.logs()
            .iter()
            .map(|file| {
                format!(
                    "--- {} ---\n{}",
                    file.display(),
                    std::fs::read_to_string(file).unwrap_or_default()
                )
            })
            .collect()
    }
}

const ACCOUNTS: [&str; 5] = [
    "old@example.test",
    "pop11@example.test",
    "renamed@example.test",
    "modern@example.test",
    "plain@example.test",
];

/// Runs curl with a deadline, certificate checks off (the lab's CA is not curl's), and OpenSSL
/// at security level 0 so it may speak TLS 1.0 and 1.1; returns whether the transfer worked.
fn curl(args: &[&str]) -> Result<(), String> {
    let output = Command::new("curl")
        .args(["--silent", "--show-error", "--insecure", "--max-time", "20"])
        .args(["--ciphers", "DEFAULT:@SECLEVEL=0"])
        .args(args)
        .output()
        .map_err(|error| format!("curl: {error}"))?;
    if output.status.success() {
        Ok(())
    } else {
        Err(format!(
            "curl {args:?}: {}\n{}",
            output.status,
            String::from_utf8_lossy(&output.stderr)
        ))
    }
}

/// `--tlsv1.0 --tls-max 1.0`.
fn only(version: &str) -> [String; 3] {
    [
        format!("--tlsv{version}"),
        "--tls-max".to_owned(),
        version.to_owned(),
    ]
}

/// Logs in as `account` with `version_args` and the rest of curl's arguments.
fn login(account: &str, version: Option<&str>, rest: &[&str]) {
    let user = format!("{account}:{PASSWORD}");
    let mut args: Vec<String> = version.map(|v| only(v).to_vec()).unwrap_or_default();
    args.extend(["--user".to_owned(), user]);
    args.extend(rest.iter().map(|a| (*a).to_owned()));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    if let Err(problem) = curl(&args) {
        panic!("{account} could not log in: {problem}");
    }
}

/// Sends a message as `account` (discarded by the lab's Postfix).
fn send(account: &str, version: Option<&str>, url: &str, mail: &Path, extra: &[&str]) {
    let mail = mail.display().to_string();
    let mut rest = vec![
        url,
        "--mail-from",
        account,
        "--mail-rcpt",
        "someone@elsewhere.test",
        "--upload-file",
        &mail,
    ];
    rest.extend_from_slice(extra);
    login(account, version, &rest);
}

/// Every login of this file's script, in the order a provider's customers might make them.
fn log_in_everyone(lab: &Lab) {
    let dovecot = &lab.dovecot;
    let postfix = &lab.postfix;
    let mail = lab.dir.path().join("mail.txt");
    std::fs::write(&mail, "Subject: test\r\n\r\nhello\r\n").expect("write the message");
    let imaps = format!("imaps://127.0.0.1:{}/", dovecot.imaps);
    let thunderbird_id = r#"ID ("name" "Thunderbird" "version" "115.3.1")"#;
    // An old program: IMAP over implicit TLS 1.0 (twice), sending over STARTTLS 1.0.
    for _ in 0..2 {
        login(
            "old@example.test",
            Some("1.0"),
            &[&imaps, "--request", thunderbird_id],
        );
    }
    send(
        "old@example.test",
        Some("1.0"),
        &format!("smtp://127.0.0.1:{}", postfix.submission),
        &mail,
        &["--ssl-reqd"],
    );
    // POP3 with STLS over TLS 1.1.
    login(
        "pop11@example.test",
        Some("1.1"),
        &[&format!("pop3://127.0.0.1:{}/", dovecot.pop3), "--ssl-reqd"],
    );
    // IMAP with STARTTLS over TLS 1.2, under the retired name (sent as SNI).
    let resolve = format!("old.example.test:{}:127.0.0.1", dovecot.imap);
    login(
        "renamed@example.test",
        Some("1.2"),
        &[
            &format!("imap://old.example.test:{}/", dovecot.imap),
            "--ssl-reqd",
            "--resolve",
            &resolve,
        ],
    );
    // A current program: TLS 1.3 both ways.
    login("modern@example.test", Some("1.3"), &[&imaps]);
    send(
        "modern@example.test",
        Some("1.3"),
        &format!("smtps://127.0.0.1:{}", postfix.smtps),
        &mail,
        &[],
    );
    // No TLS at all, from another address than the server's own (Dovecot calls a connection
    // from its own address "secured").
    login(
        "plain@example.test",
        None,
        &[
            &format!("imap://127.0.0.1:{}/", dovecot.imap),
            "--interface",
            "127.0.0.2",
        ],
    );
    send(
        "plain@example.test",
        None,
        &format!("smtp://127.0.0.1:{}", postfix.smtp),
        &mail,
        &["--interface", "127.0.0.2"],
    );
}

/// Waits until `file` holds at least `count` lines containing `needle`.
fn wait_for_lines(file: &Path, needle: &str, count: usize) {
    let deadline = Instant::now() + LOG_DEADLINE;
    loop {
        let text = std::fs::read_to_string(file).unwrap_or_default();
        let found = text.lines().filter(|line| line.contains(needle)).count();
        if found >= count {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "{} has {found} of {count} lines with {needle:?}:\n{text}",
            file.display()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Runs `probe-api audit` with `args` and the servers' log files; returns the exit status,
/// standard output and standard error.
fn audit(lab: &Lab, args: &[&str]) -> (i32, String, String) {
    let output = Command::new(probe_api_binary())
        .arg("audit")
        .args(args)
        .args(lab.logs())
        .output()
        .expect("run probe-api audit");
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

fn profile(dir: &Path) -> PathBuf {
    let path = dir.join("profile.toml");
    std::fs::write(
        &path,
        r#"provider = "Example Mail"
retired = ["old.example.test"]
languages = ["de", "en"]
[imap]
host = "mail.example.test"
port = 993
security = "tls"
[pop3]
host = "mail.example.test"
port = 995
security = "tls"
[smtp]
host = "mail.example.test"
port = 587
security = "starttls"
"#,
    )
    .expect("write the profile");
    path
}

/// The parts of an account's JSON the test pins: every usage's service, protection, port,
/// server name, program and count.
fn usages(account: &Value) -> Vec<Value> {
    account["usages"]
        .as_array()
        .expect("usages")
        .iter()
        .map(|usage| {
            json!({
                "service": usage["service"],
                "protection": usage["protection"],
                "port": usage["port"],
                "server_name": usage["server_name"],
                "client": usage["client"],
                "count": usage["count"],
            })
        })
        .collect()
}

#[test]
fn the_audit_of_real_dovecot_and_postfix_logs_names_every_account_as_it_connected() {
    let lab = lab();
    log_in_everyone(&lab);
    lab.wait_until_logged();
    assert_every_account_as_it_connected(&lab);
}

#[test]
fn the_audit_reads_the_same_accounts_from_a_real_syslog() {
    // Dovecot with `log_path = syslog` and Postfix without `maillog_file`, both through
    // /dev/log to Debian's rsyslog in its default file format (RFC 3339 timestamps): Dovecot's
    // info lines without their level, under the tag `dovecot`.
    let lab = lab_with(Some(Rsyslog::start()));
    log_in_everyone(&lab);
    lab.wait_until_logged();
    let syslog = std::fs::read_to_string(&lab.logs()[0]).unwrap_or_default();
    assert!(
        syslog.contains(" dovecot: imap-login: Login: user=<old@example.test>"),
        "{syslog}"
    );
    assert_every_account_as_it_connected(&lab);
}

/// The audit of the lab's logs after [`log_in_everyone`]: every account's row, the summary,
/// the CSV and the page, exactly.
fn assert_every_account_as_it_connected(lab: &Lab) {
    let dir = lab.dir.path();
    let profile = profile(dir);
    let csv = dir.join("customers.csv");
    let html = dir.join("audit.html");
    let implicit = format!(
        "{},{},{}",
        lab.dovecot.imaps, lab.dovecot.pop3s, lab.postfix.smtps
    );
    let (status, stdout, stderr) = audit(
        lab,
        &[
            "--json",
            "--profile",
            &profile.display().to_string(),
            "--page-url",
            PAGE,
            "--implicit-tls-port",
            &implicit,
            "--csv",
            &csv.display().to_string(),
            "--html",
            &html.display().to_string(),
        ],
    );
    let report: Value =
        serde_json::from_str(&stdout).unwrap_or_else(|error| panic!("{error}: {stdout}\n{stderr}"));
    assert_eq!(status, 1, "accounts must act: {stderr}");
    let context = || format!("{report:#}\n{}", lab.log_text());
    assert_eq!(
        report["warnings"],
        json!([]),
        "the lab logs what the audit needs\n{}",
        context()
    );
    let skipped = &report["lines"];
    assert_eq!(
        [
            &skipped["no_envelope"],
            &skipped["not_text"],
            &skipped["too_long"],
            &skipped["malformed_login"]
        ],
        [&json!(0), &json!(0), &json!(0), &json!(0)],
        "{}",
        context()
    );

    let accounts = report["accounts"].as_array().expect("accounts");
    let names: Vec<&str> = accounts
        .iter()
        .map(|a| a["account"].as_str().unwrap_or_default())
        .collect();
    // Breaking first, then plain text, then the retired name, then the rest.
    assert_eq!(
        names,
        [
            "old@example.test",
            "pop11@example.test",
            "plain@example.test",
            "renamed@example.test",
            "modern@example.test"
        ],
        "{}",
        context()
    );
    let tls = |version: &str| json!({"kind": "tls", "version": version});
    let by_name = |name: &str| {
        accounts
            .iter()
            .find(|a| a["account"] == name)
            .unwrap_or_else(|| panic!("{name} missing\n{}", context()))
    };
    let thunderbird = json!({"name": "Thunderbird", "version": "115.3.1"});
    let expected = [
        (
            "old@example.test",
            vec![
                json!({"service": "submission", "protection": tls("TLSv1.0"), "port": 587,
                       "server_name": null, "client": null, "count": 1}),
                json!({"service": "imap", "protection": tls("TLSv1.0"), "port": lab.dovecot.imaps,
                       "server_name": null, "client": thunderbird, "count": 2}),
            ],
            format!(
                "{PAGE}/check?lang=de#email=old%40example.test&in_proto=imap&in_host=mail.example.test\
                 &in_port={}&in_sec=tls&out_host=mail.example.test&out_port=587&out_sec=starttls",
                lab.dovecot.imaps
            ),
        ),
        (
            "pop11@example.test",
            vec![
                json!({"service": "pop3", "protection": tls("TLSv1.1"), "port": lab.dovecot.pop3,
                        "server_name": null, "client": null, "count": 1}),
            ],
            format!(
                "{PAGE}/check?lang=de#email=pop11%40example.test&in_proto=pop3&in_host=mail.example.test\
                 &in_port={}&in_sec=starttls",
                lab.dovecot.pop3
            ),
        ),
        (
            "plain@example.test",
            vec![
                json!({"service": "smtp", "protection": {"kind": "none"}, "port": 25,
                       "server_name": null, "client": null, "count": 1}),
                json!({"service": "imap", "protection": {"kind": "none"}, "port": lab.dovecot.imap,
                       "server_name": null, "client": null, "count": 1}),
            ],
            format!(
                "{PAGE}/check?lang=de#email=plain%40example.test&in_proto=imap&in_host=mail.example.test\
                 &in_port={}&in_sec=none&out_host=mail.example.test&out_port=25&out_sec=none",
                lab.dovecot.imap
            ),
        ),
        (
            "renamed@example.test",
            vec![
                json!({"service": "imap", "protection": tls("TLSv1.2"), "port": lab.dovecot.imap,
                        "server_name": "old.example.test", "client": null, "count": 1}),
            ],
            format!(
                "{PAGE}/check?lang=de#email=renamed%40example.test&in_proto=imap&in_host=old.example.test\
                 &in_port={}&in_sec=starttls",
                lab.dovecot.imap
            ),
        ),
        (
            "modern@example.test",
            vec![
                json!({"service": "smtps", "protection": tls("TLSv1.3"), "port": 465,
                       "server_name": null, "client": null, "count": 1}),
                json!({"service": "imap", "protection": tls("TLSv1.3"), "port": lab.dovecot.imaps,
                       "server_name": null, "client": null, "count": 1}),
            ],
            format!(
                "{PAGE}/check?lang=de#email=modern%40example.test&in_proto=imap&in_host=mail.example.test\
                 &in_port={}&in_sec=tls&out_host=mail.example.test&out_port=465&out_sec=tls",
                lab.dovecot.imaps
            ),
        ),
    ];
    for (name, want_usages, want_link) in expected {
        let account = by_name(name);
        let mut got = usages(account);
        let mut want = want_usages;
        // Usages come most recent first; logins within one second tie, so compare as sets.
        let key = |v: &Value| v.to_string();
        got.sort_by_key(key);
        want.sort_by_key(key);
        assert_eq!(got, want, "{name}\n{}", context());
        assert_eq!(account["link"], json!(want_link), "{name}");
    }
    assert_eq!(by_name("old@example.test")["breaks"], json!(true));
    assert_eq!(by_name("plain@example.test")["plaintext"], json!(true));
    assert_eq!(
        by_name("renamed@example.test")["retired_name"],
        json!("old.example.test")
    );
    assert_eq!(by_name("modern@example.test")["breaks"], json!(false));

    let summary = &report["summary"];
    assert_eq!(
        [
            &summary["accounts"],
            &summary["breaking_accounts"],
            &summary["plaintext_accounts"],
            &summary["retired_name_accounts"],
            &summary["logins"]
        ],
        [&json!(5), &json!(2), &json!(1), &json!(1), &json!(9)]
    );

    // The mail merge: one row per account that must act, in the profile's language.
    let csv = std::fs::read_to_string(&csv).expect("the CSV");
    let rows: Vec<&str> = csv.trim_start_matches('\u{feff}').split("\r\n").collect();
    assert_eq!(
        rows[0],
        "account,email,what_breaks,program,service,tls_version,server_name,port,last_seen,check_link"
    );
    assert_eq!(
        rows.len(),
        1 + 4 + 1,
        "header, four accounts, the empty end: {csv}"
    );
    assert!(
        rows[1].starts_with(
            "old@example.test,old@example.test,\"Ihr E-Mail-Programm verschickt Ihre E-Mails noch \
             über eine Verbindung mit der veralteten Version TLS 1.0. Ihr E-Mail-Programm \
             (Thunderbird 115.3.1) ruft Ihre E-Mails per IMAP noch über eine Verbindung mit der \
             veralteten Version TLS 1.0 ab. Sobald wir nur noch Verbindungen mit TLS 1.2 oder \
             neuer annehmen, können Sie so weder E-Mails abrufen noch verschicken.\",\
             Thunderbird 115.3.1,\"Submission, IMAP\",TLS 1.0,,"
        ) || rows[1].starts_with(
            "old@example.test,old@example.test,\"Ihr E-Mail-Programm (Thunderbird 115.3.1) ruft \
             Ihre E-Mails per IMAP noch über eine Verbindung mit der veralteten Version TLS 1.0 \
             ab. Ihr E-Mail-Programm verschickt Ihre E-Mails noch über eine Verbindung mit der \
             veralteten Version TLS 1.0. Sobald wir nur noch Verbindungen mit TLS 1.2 oder neuer \
             annehmen, können Sie so weder E-Mails abrufen noch verschicken.\",\
             Thunderbird 115.3.1,\"IMAP, Submission\",TLS 1.0,,"
        ),
        "{}",
        rows[1]
    );
    assert!(rows[1].ends_with(by_name("old@example.test")["link"].as_str().unwrap_or("-")));
    assert!(
        rows[4].starts_with(
            "renamed@example.test,renamed@example.test,In Ihrem E-Mail-Programm ist als \
             Posteingangsserver noch der alte Servername „old.example.test“ eingetragen.,,IMAP,\
             TLS 1.2,old.example.test,"
        ),
        "{}",
        rows[4]
    );

    // The page: self-contained, with the chart and every account that must act.
    let page = std::fs::read_to_string(&html).expect("the HTML report");
    assert!(page.starts_with("<!doctype html>") && page.contains("<svg"));
    for forbidden in ["<script", "src=", "<link", "url("] {
        assert!(!page.contains(forbidden), "{forbidden} in the page");
    }
    for name in &names[..4] {
        assert!(page.contains(name), "{name} on the page");
    }
}

#[test]
fn pseudonymised_statistics_hide_every_address_and_keep_the_numbers() {
    let lab = lab();
    log_in_everyone(&lab);
    lab.wait_until_logged();
    let key = lab.dir.path().join("audit.key");
    std::fs::write(&key, [42u8; 32]).expect("write the key");
    let key = key.display().to_string();
    let (status, stdout, stderr) = audit(&lab, &["--json", "--pseudonymise", &key]);
    assert_eq!(status, 1, "{stderr}");
    assert!(!stdout.contains("@example.test"), "{stdout}");
    let report: Value = serde_json::from_str(&stdout).expect("JSON");
    assert_eq!(report["pseudonymised"], json!(true));
    assert_eq!(report["summary"]["breaking_accounts"], json!(2));
    let accounts = report["accounts"].as_array().expect("accounts");
    assert_eq!(accounts.len(), 5);
    assert!(accounts.iter().all(|a| {
        a["account"]
            .as_str()
            .is_some_and(|n| n.starts_with("acct-"))
            && a["link"].is_null()
    }));
    // The same key gives the same pseudonyms.
    let (_, again, _) = audit(&lab, &["--json", "--pseudonymise", &key]);
    let again: Value = serde_json::from_str(&again).expect("JSON");
    assert_eq!(again["accounts"], report["accounts"]);
    // A mail merge needs the addresses: refused, with the reason.
    let csv = lab.dir.path().join("x.csv").display().to_string();
    let (status, _, stderr) = audit(
        &lab,
        &["--pseudonymise", &key, "--csv", &csv, "--page-url", PAGE],
    );
    assert_eq!(status, 2);
    assert!(stderr.contains("use one or the other"), "{stderr}");
}

/// Most memory (peak resident set) a run over hostile input may take: the audit keeps one
/// line of at most 64 KiB and its tallies, whatever the input's size.
const MEMORY_CAP_KIB: u64 = 64 * 1024;

#[test]
fn hostile_logs_are_counted_by_kind_with_bounded_memory_and_no_abort() {
    use std::io::Write;

    let dir = tempfile::tempdir().expect("temporary directory");
    // 1,000 lines of binary garbage (each starts with 0xFF, never UTF-8) and three lines of
    // other formats.
    let mut garbage = Vec::new();
    let mut state: u32 = 7;
    for _ in 0..1000 {
        garbage.push(0xFF);
        for _ in 0..99 {
            state = state.wrapping_mul(1_103_515_245).wrapping_add(12_345);
            let byte = (state >> 16) as u8;
            garbage.push(if byte == b'\n' { b'x' } else { byte });
        }
        garbage.push(b'\n');
    }
    garbage.extend_from_slice(
        b"192.0.2.1 - - [05/Dec/2026:07:00:00 +0000] \"GET / HTTP/1.1\" 200 512\n\
          {\"time\":\"2026-12-05T07:00:00Z\",\"msg\":\"login\"}\n\
          hello world\n",
    );
    let garbage_file = dir.path().join("garbage.log");
    std::fs::write(&garbage_file, &garbage).expect("write garbage");
    // A rotated log cut off in the middle.
    let mut compressed = gzip(b"Dec  5 06:00:00 mx CRON[1]: (root) CMD (true)\n", 20_000);
    compressed.truncate(compressed.len() / 2);
    let truncated = dir.path().join("mail.log.2.gz");
    std::fs::write(&truncated, &compressed).expect("write the truncated gzip");

    // Standard input: a 1 GiB line, then two smtpd processes' sessions interleaved.
    let mut child = Command::new("/usr/bin/time")
        .args(["-f", "max-rss-kib=%M"])
        .arg(probe_api_binary())
        .args(["audit", "--json"])
        .arg(&garbage_file)
        .arg(&truncated)
        .arg("-")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("run probe-api audit under GNU time");
    let mut stdin = child.stdin.take().expect("stdin");
    let writer = std::thread::spawn(move || -> std::io::Result<()> {
        let chunk = vec![b'x'; 1 << 20];
        for _ in 0..1024 {
            stdin.write_all(&chunk)?;
        }
        stdin.write_all(b"\n")?;
        for line in [
            "Dec  5 07:00:00 mx postfix/submission/smtpd[7]: connect from a[192.0.2.1]",
            "Dec  5 07:00:00 mx postfix/submission/smtpd[8]: connect from b[192.0.2.2]",
            "Dec  5 07:00:01 mx postfix/submission/smtpd[8]: Anonymous TLS connection established from b[192.0.2.2]: TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits)",
            "Dec  5 07:00:01 mx postfix/submission/smtpd[7]: Anonymous TLS connection established from a[192.0.2.1]: TLSv1 with cipher ECDHE-RSA-AES256-SHA (256/256 bits)",
            "Dec  5 07:00:02 mx postfix/submission/smtpd[8]: 1B: client=b[192.0.2.2], sasl_method=PLAIN, sasl_username=b@example.test",
            "Dec  5 07:00:02 mx postfix/submission/smtpd[7]: 1A: client=a[192.0.2.1], sasl_method=PLAIN, sasl_username=a@example.test",
            "Dec  5 07:00:03 mx postfix/submission/smtpd[7]: disconnect from a[192.0.2.1] ehlo=2 starttls=1 auth=1 mail=1 rcpt=1 data=1 quit=1 commands=8",
            "Dec  5 07:00:03 mx postfix/submission/smtpd[8]: disconnect from b[192.0.2.2] ehlo=2 starttls=1 auth=1 mail=1 rcpt=1 data=1 quit=1 commands=8",
        ] {
            writeln!(stdin, "{line}")?;
        }
        Ok(())
    });
    let output = child.wait_with_output().expect("audit output");
    writer
        .join()
        .expect("writer thread")
        .expect("write standard input");
    let stderr = String::from_utf8_lossy(&output.stderr);
    let report: Value =
        serde_json::from_slice(&output.stdout).unwrap_or_else(|error| panic!("{error}\n{stderr}"));
    // GNU time puts its own status line last; the audit's exit status is its own.
    assert_eq!(output.status.code(), Some(1), "{stderr}");

    let lines = &report["lines"];
    assert_eq!(lines["not_text"], json!(1000));
    assert_eq!(lines["no_envelope"], json!(3));
    assert_eq!(lines["too_long"], json!(1));
    assert_eq!(lines["used"], json!(8));
    let inputs = report["inputs"].as_array().expect("inputs");
    assert_eq!(inputs.len(), 3);
    assert!(
        inputs[1]["problem"]
            .as_str()
            .is_some_and(|p| p.contains("truncated")),
        "{inputs:?}"
    );
    let read_before_damage = inputs[1]["lines"].as_u64().unwrap_or(0);
    assert!(
        read_before_damage > 0 && read_before_damage < 20_000,
        "{read_before_damage}"
    );
    let codes: Vec<&str> = report["warnings"]
        .as_array()
        .expect("warnings")
        .iter()
        .filter_map(|w| w["code"].as_str())
        .collect();
    assert_eq!(codes, ["input_cut_short", "skipped_lines"]);
    let accounts: Vec<(String, bool)> = report["accounts"]
        .as_array()
        .expect("accounts")
        .iter()
        .map(|a| {
            (
                a["account"].as_str().unwrap_or("").to_owned(),
                a["breaks"] == json!(true),
            )
        })
        .collect();
    assert_eq!(
        accounts,
        [
            ("a@example.test".to_owned(), true),
            ("b@example.test".to_owned(), false)
        ]
    );
    let max_rss: u64 = stderr
        .lines()
        .filter_map(|line| line.strip_prefix("max-rss-kib="))
        .next_back()
        .and_then(|kib| kib.trim().parse().ok())
        .unwrap_or_else(|| panic!("no peak memory from GNU time: {stderr}"));
    assert!(
        max_rss < MEMORY_CAP_KIB,
        "a 1 GiB line took {max_rss} KiB at peak"
    );
}

/// `line` repeated `count` times, gzip-compressed by the system's gzip (the test crate has no
/// compression library of its own).
fn gzip(line: &[u8], count: usize) -> Vec<u8> {
    use std::io::Write;
    let mut gzip = Command::new("gzip")
        .arg("-c")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("run gzip");
    let mut stdin = gzip.stdin.take().expect("gzip stdin");
    let input = line.repeat(count);
    let writer = std::thread::spawn(move || stdin.write_all(&input));
    let output = gzip.wait_with_output().expect("gzip output");
    writer.join().expect("writer").expect("feed gzip");
    assert!(output.status.success());
    output.stdout
}
