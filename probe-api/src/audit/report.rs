//! The audit's report: what `--json` prints as is, what the terminal shows as text, and what
//! the CSV and the HTML page are written from. It says what the log could not show as
//! warnings, so a log without the needed settings never reads as "no legacy clients".

use std::collections::HashMap;
use std::fmt::Write as _;

use serde::Serialize;

use super::dovecot::DovecotCounts;
use super::postfix::PostfixCounts;
use super::sighting::{Protection, Service};
use super::stamp::Date;
use super::tally::{self, Tally, Usage};

/// One input as read.
#[derive(Debug, Clone, Serialize)]
pub struct InputReport {
    pub name: String,
    pub gzip: bool,
    pub lines: u64,
    /// What ended it early (a truncated gzip file, a read error).
    pub problem: Option<String>,
}

/// What became of every line.
#[derive(Debug, Clone, Default, Serialize)]
pub struct LineCounts {
    pub read: u64,
    /// Lines about logins and sessions.
    pub used: u64,
    /// Postfix or Dovecot lines about something else (delivery, the queue).
    pub not_about_logins: u64,
    /// Lines of other programs (cron, the kernel).
    pub other_programs: u64,
    pub empty: u64,
    /// Skipped: no timestamp and program where a log line has them.
    pub no_envelope: u64,
    /// Skipped: not UTF-8 (binary data).
    pub not_text: u64,
    /// Skipped: longer than the line cap.
    pub too_long: u64,
    /// Skipped: a Dovecot `Login:` line without `user=<…>`.
    pub malformed_login: u64,
}

impl LineCounts {
    pub fn skipped(&self) -> u64 {
        self.no_envelope + self.not_text + self.too_long + self.malformed_login
    }
}

/// Something the log could not show, and what to change so it does.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Warning {
    pub code: &'static str,
    pub message: String,
}

/// One row of a breakdown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Row {
    pub name: String,
    pub accounts: u64,
    pub breaking_accounts: u64,
    pub plaintext_accounts: u64,
    pub logins: u64,
}

/// The numbers a provider plans the switch-off with.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Summary {
    pub accounts: u64,
    /// Accounts with at least one login over SSL 3.0, TLS 1.0 or 1.1.
    pub breaking_accounts: u64,
    /// Accounts with at least one login without TLS.
    pub plaintext_accounts: u64,
    /// Accounts whose logins all leave the TLS version open (not logged, or unknown).
    pub unclear_accounts: u64,
    /// Accounts that used a server name the profile retires.
    pub retired_name_accounts: u64,
    pub logins: u64,
    pub breaking_logins: u64,
    pub plaintext_logins: u64,
    /// Postfix sessions that logged in but sent nothing, so no user was logged.
    pub unnamed_logins: u64,
    pub unnamed_breaking_logins: u64,
    pub by_service: Vec<Row>,
    pub by_protection: Vec<Row>,
    pub by_client: Vec<Row>,
    pub by_server_name: Vec<Row>,
}

/// One day of the chart.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DayReport {
    pub date: Date,
    pub logins: u64,
    pub breaking: u64,
    pub plaintext: u64,
}

/// One account.
#[derive(Debug, Clone, Serialize)]
pub struct AccountReport {
    /// The account as logged, or its pseudonym.
    pub account: String,
    /// Some login used SSL 3.0, TLS 1.0 or 1.1.
    pub breaks: bool,
    /// Some login used no TLS.
    pub plaintext: bool,
    /// A server name it used that the profile retires.
    pub retired_name: Option<String>,
    /// Most recent first.
    pub usages: Vec<Usage>,
    /// The personalised check link (with `--page-url`).
    pub link: Option<String>,
}

impl AccountReport {
    /// Whether the account must change something.
    pub fn must_act(&self) -> bool {
        self.breaks || self.plaintext || self.retired_name.is_some()
    }
}

/// The whole report.
#[derive(Debug, Clone, Serialize)]
pub struct AuditReport {
    pub version: &'static str,
    pub inputs: Vec<InputReport>,
    pub lines: LineCounts,
    pub summary: Summary,
    pub warnings: Vec<Warning>,
    pub days: Vec<DayReport>,
    /// Accounts that must act first (breaking, then plain text, then retired names), each
    /// group by name.
    pub accounts: Vec<AccountReport>,
    /// Whether account names are keyed-hash pseudonyms.
    pub pseudonymised: bool,
}

/// The exit status of `probe-api audit`.
pub mod exit {
    /// Every account connects with TLS 1.2 or newer.
    pub const CLEAN: u8 = 0;
    /// Some accounts will break or send passwords in plain text.
    pub const ACCOUNTS_MUST_ACT: u8 = 1;
    /// Unusable input or options.
    pub const USAGE: u8 = 2;
    /// The logs cannot tell: no logins found, versions not logged, an input cut short.
    pub const UNCLEAR: u8 = 3;
}

impl AuditReport {
    pub fn exit_status(&self) -> u8 {
        if self.summary.breaking_accounts > 0
            || self.summary.plaintext_accounts > 0
            || self.summary.retired_name_accounts > 0
            || self.summary.unnamed_breaking_logins > 0
        {
            exit::ACCOUNTS_MUST_ACT
        } else if self.warnings.iter().any(|w| w.code != "skipped_lines") {
            exit::UNCLEAR
        } else {
            exit::CLEAN
        }
    }
}

/// Builds the report from what the readers counted.
pub fn build(
    inputs: Vec<InputReport>,
    lines: LineCounts,
    tally: Tally,
    postfix: PostfixCounts,
    dovecot: DovecotCounts,
) -> AuditReport {
    let dovecot_logs_tls_elements = dovecot.logins_with_tls_element > 0;
    let logins = tally.logins;
    let left_out = (tally.accounts_left_out, tally.usages_left_out);
    let (accounts, days) = tally.settle(dovecot_logs_tls_elements);
    let mut accounts: Vec<AccountReport> = accounts
        .into_iter()
        .map(|account| AccountReport {
            breaks: account
                .usages
                .iter()
                .any(|u| u.protection.breaks_at_switch_off()),
            plaintext: account.usages.iter().any(|u| u.protection.is_plaintext()),
            account: account.name,
            retired_name: None,
            usages: account.usages,
            link: None,
        })
        .collect();
    let mut summary = summarise(&accounts);
    summary.logins = logins;
    summary.unnamed_logins = postfix.unnamed_logins;
    summary.unnamed_breaking_logins = postfix.unnamed_logins_breaking;
    let days: Vec<DayReport> = days
        .into_iter()
        .map(|(date, day)| DayReport {
            date,
            logins: day.logins,
            breaking: day.breaking,
            plaintext: day.plaintext,
        })
        .collect();
    sort_accounts(&mut accounts);
    let warnings = warnings(&inputs, &lines, &summary, &postfix, &dovecot, left_out);
    AuditReport {
        version: crate::VERSION,
        inputs,
        lines,
        summary,
        warnings,
        days,
        accounts,
        pseudonymised: false,
    }
}

/// Breaking first, then plain text, then retired names, then the rest; by name within.
pub fn sort_accounts(accounts: &mut [AccountReport]) {
    accounts.sort_by_cached_key(|a| {
        (
            !a.breaks,
            !a.plaintext,
            a.retired_name.is_none(),
            a.account.to_lowercase(),
        )
    });
}

fn summarise(accounts: &[AccountReport]) -> Summary {
    let mut summary = Summary {
        accounts: accounts.len() as u64,
        ..Summary::default()
    };
    let mut by_service = Breakdown::default();
    let mut by_protection = Breakdown::default();
    let mut by_client = Breakdown::default();
    let mut by_name = Breakdown::default();
    for account in accounts {
        summary.breaking_accounts += u64::from(account.breaks);
        summary.plaintext_accounts += u64::from(account.plaintext);
        summary.unclear_accounts += u64::from(account.usages.iter().all(|u| {
            matches!(
                u.protection,
                Protection::Unknown | Protection::TlsVersionNotLogged
            )
        }));
        for usage in &account.usages {
            if usage.protection.breaks_at_switch_off() {
                summary.breaking_logins += usage.count;
            }
            if usage.protection.is_plaintext() {
                summary.plaintext_logins += usage.count;
            }
        }
        by_service.account(account, |u| u.service);
        by_protection.account(account, |u| u.protection);
        by_client.account(account, |u| u.client.as_ref());
        by_name.account(account, |u| u.server_name.as_deref());
    }
    let service_order = |row: &Row| {
        Service::ALL
            .iter()
            .position(|s| s.name() == row.name)
            .unwrap_or(usize::MAX)
    };
    summary.by_service = by_service.rows(|service| service.name().to_owned());
    summary.by_service.sort_by_key(service_order);
    summary.by_protection = by_protection.rows(|protection| protection.name().to_owned());
    summary.by_client =
        by_client.rows(|client| client.map_or_else(|| NOT_LOGGED.to_owned(), ToString::to_string));
    summary.by_server_name =
        by_name.rows(|name| name.map_or_else(|| NOT_LOGGED.to_owned(), str::to_owned));
    summary
}

/// What a breakdown row is called when the log did not say.
pub const NOT_LOGGED: &str = "(not logged)";

/// Rows by key, each account counted once per row however many usages it has there.
#[derive(Debug)]
struct Breakdown<K> {
    rows: HashMap<K, Counts>,
}

impl<K> Default for Breakdown<K> {
    fn default() -> Self {
        Breakdown {
            rows: HashMap::new(),
        }
    }
}

/// A row's numbers.
#[derive(Debug, Default, Clone, Copy)]
struct Counts {
    accounts: u64,
    breaking_accounts: u64,
    plaintext_accounts: u64,
    logins: u64,
}

impl<'a, K: Eq + std::hash::Hash + Copy + 'a> Breakdown<K> {
    fn account(&mut self, account: &'a AccountReport, key: impl Fn(&'a Usage) -> K) {
        // An account has at most `USAGES_CAP` usages: a small list, not a map.
        let mut seen: Vec<(K, bool, bool, u64)> = Vec::new();
        for usage in &account.usages {
            let name = key(usage);
            let breaks = usage.protection.breaks_at_switch_off();
            let plaintext = usage.protection.is_plaintext();
            match seen.iter_mut().find(|(known, ..)| *known == name) {
                Some(entry) => {
                    entry.1 |= breaks;
                    entry.2 |= plaintext;
                    entry.3 += usage.count;
                }
                None => seen.push((name, breaks, plaintext, usage.count)),
            }
        }
        for (name, breaks, plaintext, logins) in seen {
            let row = self.rows.entry(name).or_default();
            row.accounts += 1;
            row.breaking_accounts += u64::from(breaks);
            row.plaintext_accounts += u64::from(plaintext);
            row.logins += logins;
        }
    }

    /// The rows, named: most breaking accounts first, then most accounts, then by name.
    fn rows(self, name: impl Fn(K) -> String) -> Vec<Row> {
        let mut rows: Vec<Row> = self
            .rows
            .into_iter()
            .map(|(key, counts)| Row {
                name: name(key),
                accounts: counts.accounts,
                breaking_accounts: counts.breaking_accounts,
                plaintext_accounts: counts.plaintext_accounts,
                logins: counts.logins,
            })
            .collect();
        rows.sort_by(|a, b| {
            b.breaking_accounts
                .cmp(&a.breaking_accounts)
                .then(b.accounts.cmp(&a.accounts))
                .then(a.name.cmp(&b.name))
        });
        rows
    }
}

fn warnings(
    inputs: &[InputReport],
    lines: &LineCounts,
    summary: &Summary,
    postfix: &PostfixCounts,
    dovecot: &DovecotCounts,
    (accounts_left_out, usages_left_out): (u64, u64),
) -> Vec<Warning> {
    let mut warnings = Vec::new();
    let mut warn = |code: &'static str, message: String| warnings.push(Warning { code, message });
    for input in inputs {
        if let Some(problem) = &input.problem {
            warn("input_cut_short", format!("{}: {problem}", input.name));
        }
    }
    if summary.logins == 0 && summary.unnamed_logins == 0 {
        warn(
            "no_logins",
            "No logins found: these are not Postfix or Dovecot logs, or they log no logins. \
             This does not mean that no customer uses TLS 1.0 or 1.1; see docs/audit.md for \
             the log settings the audit needs."
                .to_owned(),
        );
    }
    if dovecot.tls_without_version > 0 {
        warn(
            "dovecot_tls_version_not_logged",
            format!(
                "{} Dovecot logins used TLS, but the log does not say which version: add %k \
                 (Dovecot 2.4: %{{ssl_security}}) to login_log_format_elements.",
                dovecot.tls_without_version
            ),
        );
    }
    if dovecot.logins > 0 && dovecot.logins_with_tls_element == 0 {
        warn(
            "dovecot_tls_not_logged",
            format!(
                "None of {} Dovecot logins says whether it used TLS: login_log_format_elements \
                 lacks %c (2.4: %{{secured}}) and %k; those logins count as unknown, not as \
                 plain text.",
                dovecot.logins
            ),
        );
    }
    if dovecot.imap_logins > 0 && dovecot.id_lines == 0 {
        warn(
            "imap_id_not_logged",
            format!(
                "{} IMAP logins, but no program names: set imap_id_log = * (Dovecot 2.3) to \
                 see which programs connect.",
                dovecot.imap_logins
            ),
        );
    }
    if postfix.tls_sessions > 0 && postfix.tls_lines == 0 {
        warn(
            "postfix_tls_version_not_logged",
            format!(
                "{} Postfix sessions used TLS, but the log does not say which version: set \
                 smtpd_tls_loglevel = 1.",
                postfix.tls_sessions
            ),
        );
    }
    if postfix.unnamed_logins > 0 {
        warn(
            "postfix_unnamed_logins",
            format!(
                "{} Postfix sessions logged in but sent no message, so Postfix logged no user \
                 ({} of them with TLS 1.0 or 1.1); they are counted, not listed.",
                postfix.unnamed_logins, postfix.unnamed_logins_breaking
            ),
        );
    }
    if postfix.sessions_dropped + dovecot.pending_dropped > 0 {
        warn(
            "sessions_cut_short",
            format!(
                "{} sessions were still open when the audit had to make room; their logins \
                 count without the lines that came later.",
                postfix.sessions_dropped + dovecot.pending_dropped
            ),
        );
    }
    if accounts_left_out + usages_left_out > 0 {
        warn(
            "accounts_left_out",
            format!(
                "{accounts_left_out} logins of accounts beyond {} and {usages_left_out} of \
                 ways of connecting beyond {} per account are counted in the totals but not \
                 listed.",
                tally::ACCOUNTS_CAP,
                tally::USAGES_CAP
            ),
        );
    }
    if lines.skipped() > 0 {
        warn(
            "skipped_lines",
            format!(
                "{} lines skipped: {} without timestamp and program, {} not text, {} longer \
                 than {} bytes, {} Dovecot logins without user.",
                lines.skipped(),
                lines.no_envelope,
                lines.not_text,
                lines.too_long,
                super::input::LINE_CAP,
                lines.malformed_login
            ),
        );
    }
    warnings
}

/// The report for the terminal.
pub fn text(report: &AuditReport) -> String {
    let mut out = String::new();
    let summary = &report.summary;
    let lines = &report.lines;
    let _ = writeln!(
        out,
        "MailTLS audit {}: {} input(s), {} lines ({} about logins, {} about other things, {} skipped)",
        report.version,
        report.inputs.len(),
        lines.read,
        lines.used,
        lines.not_about_logins + lines.other_programs + lines.empty,
        lines.skipped()
    );
    let _ = writeln!(
        out,
        "{} accounts, {} logins: {} accounts will break at the switch-off (SSL 3.0, TLS 1.0, \
         TLS 1.1), {} log in without TLS, {} use a retired server name, {} cannot be told.",
        summary.accounts,
        summary.logins,
        summary.breaking_accounts,
        summary.plaintext_accounts,
        summary.retired_name_accounts,
        summary.unclear_accounts
    );
    for (title, rows) in [
        ("By service", &summary.by_service),
        ("By TLS version", &summary.by_protection),
        ("By program (IMAP ID)", &summary.by_client),
        ("By server name (SNI)", &summary.by_server_name),
    ] {
        let _ = writeln!(
            out,
            "\n{title:<36} {:>9} {:>9} {:>9} {:>9}",
            "accounts", "break", "no TLS", "logins"
        );
        for row in rows.iter().take(20) {
            let _ = writeln!(
                out,
                "  {:<34} {:>9} {:>9} {:>9} {:>9}",
                ellipsis(&row.name, 34),
                row.accounts,
                row.breaking_accounts,
                row.plaintext_accounts,
                row.logins
            );
        }
        if rows.len() > 20 {
            let _ = writeln!(out, "  … {} more (--json lists all)", rows.len() - 20);
        }
    }
    if !report.warnings.is_empty() {
        let _ = writeln!(out, "\nWhat the logs could not show:");
        for warning in &report.warnings {
            let _ = writeln!(out, "  - {}", warning.message);
        }
    }
    let must_act: Vec<&AccountReport> = report.accounts.iter().filter(|a| a.must_act()).collect();
    if !must_act.is_empty() {
        let _ = writeln!(out, "\nAccounts that must change their settings:");
        for account in must_act {
            let _ = writeln!(out, "  {}", account.account);
            for usage in account
                .usages
                .iter()
                .filter(|u| u.protection.breaks_at_switch_off() || u.protection.is_plaintext())
            {
                let _ = writeln!(out, "    {}", usage_words(usage));
            }
            if let Some(name) = &account.retired_name {
                let _ = writeln!(out, "    uses the retired server name {name}");
            }
        }
    }
    out
}

/// `IMAP, TLS 1.0 (ECDHE-RSA-AES256-SHA), port 993, mail.example.de, Thunderbird 115.3.1: 4
/// logins, last 2026-12-05 07:33:42`.
pub fn usage_words(usage: &Usage) -> String {
    let mut words = format!("{}, {}", usage.service.name(), usage.protection.name());
    if let Some(cipher) = &usage.cipher {
        let _ = write!(words, " ({cipher})");
    }
    if let Some(port) = usage.port {
        let _ = write!(words, ", port {port}");
    }
    if let Some(name) = &usage.server_name {
        let _ = write!(words, ", {name}");
    }
    if let Some(client) = &usage.client {
        let _ = write!(words, ", {client}");
    }
    let plural = if usage.count == 1 { "" } else { "s" };
    let _ = write!(words, ": {} login{plural}", usage.count);
    if let Some(last) = usage.last_seen {
        let _ = write!(words, ", last {last}");
    }
    words
}

fn ellipsis(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        return text.to_owned();
    }
    let mut cut: String = text.chars().take(width - 1).collect();
    cut.push('…');
    cut
}
