//! Benchmark: `probe-api audit` on a generated 1 GiB mail log, next to `grep -c 'TLSv1 '` over
//! the same file in the same run, and its peak memory as the log grows and as the accounts
//! grow.
//!
//! The log has the shapes of the real lines the e2e tests capture from Postfix 3.7 and Dovecot
//! 2.3 (`tests/tests/e2e/audit.rs`), mixed as on a provider's mail server: inbound SMTP sessions
//! from other servers (connect, TLS, a message or a rejection, the queue manager's and the
//! delivery agents' lines, disconnect), customers sending over submission and port 465, IMAP
//! and POP3 logins with the programs' IDs and the logouts. A customer's program decides the TLS
//! version, so it belongs to the account: 3 % of the accounts use TLS 1.0, 1 % TLS 1.1, 1 % no
//! TLS, the rest TLS 1.2 or 1.3, and a third of them also log in from a phone. Each command runs
//! twice; the second run (the file in the page cache for both) is reported, with GNU time's wall
//! time and peak resident set. Both the text summary and `--json` (every account with all its
//! ways of connecting) are timed.
//!
//! Run with `make bench`. Written to `target/bench/audit.md`; nothing is asserted, it is
//! measured.

use std::fmt::Write as _;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use tests::servers::probe_api_binary;

const GIB: u64 = 1 << 30;

/// A small, repeatable random number generator (SplitMix64).
struct Random(u64);

impl Random {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

const PROGRAMS: [(&str, &str); 5] = [
    ("Thunderbird", "115.3.1"),
    ("iPhone Mail", "22C161"),
    ("Thunderbird", "52.9.1"),
    ("Microsoft Outlook", "16.0"),
    ("K-9 Mail", "6.800"),
];

/// Writes a log of about `size` bytes with `accounts` customer accounts.
fn generate(path: &Path, size: u64, accounts: u64) -> std::io::Result<()> {
    let file = std::fs::File::create(path)?;
    let mut out = BufWriter::with_capacity(1 << 20, file);
    let mut random = Random(4711);
    let mut written: u64 = 0;
    let mut seconds: u64 = 0;
    let mut pid: u64 = 10_000;
    let mut line = String::with_capacity(512);
    while written < size {
        seconds += 1;
        let day = 1 + (seconds / 86_400) % 28;
        let (h, m, s) = (seconds / 3600 % 24, seconds / 60 % 60, seconds % 60);
        let time = format!("Nov {day:>2} {h:02}:{m:02}:{s:02}");
        pid += 1;
        let user = random.below(accounts);
        let account = format!("kunde{user}@example.de");
        // A customer's program decides the version, so it is the account's, not the login's:
        // 3 % of the accounts use TLS 1.0, 1 % TLS 1.1, 1 % no TLS; a third of them also log
        // in from a phone, with TLS 1.3.
        let phone = random.below(3) == 0 && user.is_multiple_of(3);
        let version = match (phone, user.wrapping_mul(2_654_435_761) % 100) {
            (true, _) => "TLSv1.3",
            (false, 0..=2) => "TLSv1",
            (false, 3) => "TLSv1.1",
            (false, 4) => "",
            (false, 5..=59) => "TLSv1.2",
            (false, _) => "TLSv1.3",
        };
        let cipher = if version == "TLSv1.3" {
            "TLS_AES_256_GCM_SHA384 (256/256 bits) key-exchange X25519 server-signature RSA-PSS (2048 bits) server-digest SHA256"
        } else {
            "ECDHE-RSA-AES256-GCM-SHA384 (256/256 bits)"
        };
        line.clear();
        match random.below(10) {
            // Another mail server delivering to us (most of a real log).
            0..=4 => {
                let queue = format!("{:X}", random.next() & 0xFF_FFFF_FFFF);
                let peer = format!("mx{}.example.net[198.51.100.{}]", pid % 97, pid % 250);
                let _ = writeln!(
                    line,
                    "{time} mail postfix/smtpd[{pid}]: connect from {peer}"
                );
                let _ = writeln!(
                    line,
                    "{time} mail postfix/smtpd[{pid}]: Anonymous TLS connection established from {peer}: TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits) key-exchange X25519 server-signature RSA-PSS (2048 bits) server-digest SHA256"
                );
                let _ = writeln!(
                    line,
                    "{time} mail postfix/smtpd[{pid}]: {queue}: client={peer}"
                );
                let _ = writeln!(
                    line,
                    "{time} mail postfix/cleanup[{}]: {queue}: message-id=<{}@example.net>",
                    pid + 1,
                    random.next()
                );
                let _ = writeln!(
                    line,
                    "{time} mail postfix/qmgr[812]: {queue}: from=<news@example.net>, size=24817, nrcpt=1 (queue active)"
                );
                let _ = writeln!(
                    line,
                    "{time} mail postfix/smtpd[{pid}]: disconnect from {peer} ehlo=2 starttls=1 mail=1 rcpt=1 data=1 quit=1 commands=7"
                );
                let _ = writeln!(
                    line,
                    "{time} mail postfix/lmtp[{}]: {queue}: to=<{account}>, relay=mail.example.de[private/dovecot-lmtp], delay=0.1, delays=0.05/0/0/0.05, dsn=2.0.0, status=sent (250 2.0.0 <{account}> Saved)",
                    pid + 2
                );
                let _ = writeln!(line, "{time} mail postfix/qmgr[812]: {queue}: removed");
            }
            // A customer sending.
            5 | 6 => {
                let queue = format!("{:X}", random.next() & 0xFF_FFFF_FFFF);
                let (service, starttls) = if random.below(3) == 0 {
                    ("smtps", "")
                } else {
                    ("submission", " starttls=1")
                };
                let peer = format!(
                    "p{}.dip0.t-ipconnect.de[203.0.113.{}]",
                    random.next() % 100_000,
                    pid % 250
                );
                let _ = writeln!(
                    line,
                    "{time} mail postfix/{service}/smtpd[{pid}]: connect from {peer}"
                );
                let starttls = if version.is_empty() && service == "submission" {
                    ""
                } else {
                    starttls
                };
                if !version.is_empty() || service == "smtps" {
                    let version = if version.is_empty() {
                        "TLSv1.2"
                    } else {
                        version
                    };
                    let _ = writeln!(
                        line,
                        "{time} mail postfix/{service}/smtpd[{pid}]: Anonymous TLS connection established from {peer}: {version} with cipher {cipher}"
                    );
                }
                let _ = writeln!(
                    line,
                    "{time} mail postfix/{service}/smtpd[{pid}]: {queue}: client={peer}, sasl_method=PLAIN, sasl_username={account}"
                );
                let _ = writeln!(
                    line,
                    "{time} mail postfix/qmgr[812]: {queue}: from=<{account}>, size=3817, nrcpt=1 (queue active)"
                );
                let _ = writeln!(
                    line,
                    "{time} mail postfix/{service}/smtpd[{pid}]: disconnect from {peer} ehlo=2{starttls} auth=1 mail=1 rcpt=1 data=1 quit=1 commands=8"
                );
                let _ = writeln!(
                    line,
                    "{time} mail postfix/smtp[{}]: {queue}: to=<someone@example.org>, relay=mx.example.org[192.0.2.25]:25, delay=0.4, delays=0.1/0/0.1/0.2, dsn=2.0.0, status=sent (250 2.0.0 OK)",
                    pid + 3
                );
            }
            // A customer fetching mail.
            _ => {
                let pop3 = random.below(5) == 0;
                let (service, port) = if pop3 { ("pop3", 995) } else { ("imap", 993) };
                let session = format!("{:016x}", random.next());
                let tls = if version.is_empty() {
                    String::new()
                } else {
                    format!(
                        " TLS, {version} with cipher {},",
                        cipher.split(" key-exchange").next().unwrap_or(cipher)
                    )
                };
                let port = if version.is_empty() { 143 } else { port };
                let _ = writeln!(
                    line,
                    "{time} mail dovecot: {service}-login: Login: user=<{account}>, method=PLAIN, rip=203.0.113.{}, lip=192.0.2.1, mpid={pid},{tls} lport={port}, sni=mail.example.de, session=<{session}>",
                    pid % 250
                );
                if !pop3 {
                    let (name, program_version) = if phone {
                        ("iPhone Mail", "22C161")
                    } else {
                        PROGRAMS[(user % 5) as usize]
                    };
                    let _ = writeln!(
                        line,
                        "{time} mail dovecot: imap({account})<{pid}><{session}>: ID sent: name={name}, version={program_version}"
                    );
                }
                let _ = writeln!(
                    line,
                    "{time} mail dovecot: {service}({account})<{pid}><{session}>: Disconnected: Logged out in=523 out=10843 deleted=0 expunged=0 trashed=0 hdr_count=0 hdr_bytes=0 body_count=0 body_bytes=0"
                );
            }
        }
        out.write_all(line.as_bytes())?;
        written += line.len() as u64;
    }
    out.flush()
}

/// One timed command: wall seconds and peak resident set (KiB) from GNU time, and its output.
struct Timed {
    seconds: f64,
    max_rss_kib: u64,
    stdout: String,
}

fn timed(program: &Path, args: &[&str], file: &Path) -> Timed {
    let mut last = None;
    // Twice: the first run reads the file into the page cache; the second is reported.
    for _ in 0..2 {
        let output = Command::new("/usr/bin/time")
            .args(["-f", "wall=%e max-rss-kib=%M"])
            .arg(program)
            .args(args)
            .arg(file)
            .stdin(Stdio::null())
            .output()
            .expect("run under GNU time");
        let stderr = String::from_utf8_lossy(&output.stderr);
        let field = |name: &str| -> String {
            stderr
                .lines()
                .rev()
                .find_map(|line| {
                    line.split(' ')
                        .find_map(|word| word.strip_prefix(name).map(str::to_owned))
                })
                .unwrap_or_default()
        };
        last = Some(Timed {
            seconds: field("wall=").parse().unwrap_or(f64::NAN),
            max_rss_kib: field("max-rss-kib=").parse().unwrap_or(0),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        });
    }
    last.expect("two runs")
}

fn main() {
    let dir = tests::target_dir().join("bench");
    std::fs::create_dir_all(&dir).expect("target/bench");
    let audit = probe_api_binary();
    let grep = PathBuf::from("grep");
    let mut report = String::from(
        "# `probe-api audit` on generated mail logs\n\n\
         | log | accounts | `grep -c 'TLSv1 '` | `probe-api audit` | ÷ grep | `probe-api audit --json` | ÷ grep | MB/s (`--json`) | peak memory (`--json`) |\n\
         | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n",
    );
    for (size, accounts) in [(GIB, 50_000), (GIB / 4, 50_000), (GIB, 200_000)] {
        let file = dir.join(format!("audit-{}m-{accounts}.log", size >> 20));
        generate(&file, size, accounts).expect("generate the log");
        let bytes = std::fs::metadata(&file).map(|m| m.len()).unwrap_or(size);
        let grep_run = timed(&grep, &["-c", "TLSv1 "], &file);
        let text_run = timed(&audit, &["audit"], &file);
        let audit_run = timed(&audit, &["audit", "--json"], &file);
        let seen: serde_json::Value =
            serde_json::from_str(&audit_run.stdout).unwrap_or(serde_json::Value::Null);
        let line = format!(
            "| {} MiB, {} lines | {} seen, {} break | {:.2} s | {:.2} s | {:.1} | {:.2} s | {:.1} | {:.0} | {} MiB |\n",
            bytes >> 20,
            seen["lines"]["read"],
            seen["summary"]["accounts"],
            seen["summary"]["breaking_accounts"],
            grep_run.seconds,
            text_run.seconds,
            text_run.seconds / grep_run.seconds,
            audit_run.seconds,
            audit_run.seconds / grep_run.seconds,
            bytes as f64 / 1e6 / audit_run.seconds,
            audit_run.max_rss_kib / 1024,
        );
        print!("{line}");
        report.push_str(&line);
        let _ = std::fs::remove_file(&file);
    }
    std::fs::write(dir.join("audit.md"), &report).expect("write target/bench/audit.md");
    println!("written to {}", dir.join("audit.md").display());
}
