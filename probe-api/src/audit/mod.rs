//! `probe-api audit`: the provider's own mail logs turned into the list of customers who will
//! lose their mail at the switch-off — who still logs in with SSL 3.0, TLS 1.0 or 1.1, or
//! without TLS, with which program, on which server name and port — with a personalised check
//! link for each, and a chart of how many such logins there are per day.
//!
//! Everything runs locally on the files given; nothing is sent anywhere.
//!
//! - [`input`]: files, gzip, standard input, as capped lines;
//! - [`stamp`] and [`line`]: the timestamp and the syslog or Dovecot envelope of a line;
//! - [`postfix`] and [`dovecot`]: the servers' lines, as [`sighting::Sighting`]s;
//! - [`tally`]: per account and per day, with caps;
//! - [`report`]: the report (JSON as is, text for the terminal) and what the log could not
//!   show;
//! - [`mailmerge`]: the CSV for a mail merge, with the check links;
//! - [`html`]: the self-contained report page with the chart;
//! - [`pseudonym`]: keyed-hash pseudonyms for sharing the statistics.
//!
//! `docs/audit.md` lists the log settings the audit needs and what it says when they are
//! missing.

pub mod dovecot;
pub mod html;
pub mod input;
pub mod line;
pub mod mailmerge;
pub mod postfix;
pub mod pseudonym;
pub mod report;
pub mod sighting;
pub mod stamp;
pub mod tally;

use std::path::PathBuf;

use self::dovecot::Dovecot;
use self::input::{Input, Line, OpenError};
use self::postfix::Postfix;
use self::report::{AuditReport, InputReport, LineCounts};
use self::tally::Tally;

/// Reads every input and builds the report. Inputs are opened one after the other, so a
/// missing file is reported before any work is done only if it is the first; use
/// [`open_all`] to check them all first.
pub fn audit(inputs: Vec<Input>) -> AuditReport {
    let mut reader = Reader::default();
    let mut input_reports = Vec::with_capacity(inputs.len());
    for mut input in inputs {
        let before = reader.lines.read;
        reader.read(&mut input);
        input_reports.push(InputReport {
            name: input.name.clone(),
            gzip: input.gzip,
            lines: reader.lines.read - before,
            problem: input.problem.clone(),
        });
    }
    reader.finish(input_reports)
}

/// Opens every path, or names the first that cannot be opened.
pub fn open_all(paths: &[PathBuf]) -> Result<Vec<Input>, OpenError> {
    paths.iter().map(|path| Input::open(path)).collect()
}

/// The parsers and the tally, fed line by line.
#[derive(Debug, Default)]
struct Reader {
    postfix: Postfix,
    dovecot: Dovecot,
    tally: Tally,
    lines: LineCounts,
    found: Vec<sighting::Sighting>,
}

impl Reader {
    fn read(&mut self, input: &mut Input) {
        let reference = input.reference;
        while let Some(line) = input.next_line() {
            self.lines.read += 1;
            match line {
                Line::NotText => self.lines.not_text += 1,
                Line::TooLong => self.lines.too_long += 1,
                Line::Text(text) => {
                    let Some(envelope) = line::parse(text, reference) else {
                        if text.trim().is_empty() {
                            self.lines.empty += 1;
                        } else {
                            self.lines.no_envelope += 1;
                        }
                        continue;
                    };
                    if envelope.form == line::Form::Syslog && Postfix::wants(envelope.program) {
                        match self.postfix.line(&envelope, &mut self.found) {
                            postfix::Outcome::Used => self.lines.used += 1,
                            postfix::Outcome::NotAboutLogins => self.lines.not_about_logins += 1,
                        }
                    } else if Dovecot::wants(&envelope) {
                        match self.dovecot.line(&envelope, &mut self.found) {
                            dovecot::Outcome::Used => self.lines.used += 1,
                            dovecot::Outcome::NotAboutLogins => self.lines.not_about_logins += 1,
                            dovecot::Outcome::MalformedLogin => self.lines.malformed_login += 1,
                        }
                    } else {
                        self.lines.other_programs += 1;
                    }
                    for sighting in self.found.drain(..) {
                        self.tally.add(sighting);
                    }
                }
            }
        }
    }

    fn finish(mut self, inputs: Vec<InputReport>) -> AuditReport {
        self.postfix.end(&mut self.found);
        self.dovecot.end(&mut self.found);
        for sighting in self.found.drain(..) {
            self.tally.add(sighting);
        }
        report::build(
            inputs,
            self.lines,
            self.tally,
            self.postfix.counts,
            self.dovecot.counts,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::report::{AuditReport, exit};
    use super::stamp::Date;
    use super::*;

    const TODAY: Date = crate::audit::stamp::tests::DEC_2026;

    fn run(lines: &[&str]) -> AuditReport {
        let text = lines.join("\n");
        let input = Input::from_reader(
            "test.log".into(),
            Box::new(std::io::Cursor::new(text.into_bytes())),
            TODAY,
        )
        .expect("input");
        audit(vec![input])
    }

    fn codes(report: &AuditReport) -> Vec<&'static str> {
        report.warnings.iter().map(|w| w.code).collect()
    }

    #[test]
    fn a_log_without_logins_says_so_instead_of_reporting_no_legacy_clients() {
        let report = run(&[
            "Dec  5 06:00:00 mx CRON[1]: (root) CMD (true)",
            "Dec  5 06:00:01 mx postfix/qmgr[9]: 1A: removed",
        ]);
        assert_eq!(codes(&report), ["no_logins"]);
        assert_eq!(report.exit_status(), exit::UNCLEAR);
        assert_eq!(
            (report.lines.other_programs, report.lines.not_about_logins),
            (1, 1)
        );
    }

    #[test]
    fn dovecots_default_format_is_named_as_lacking_the_version_and_the_program() {
        // Dovecot 2.3's default `login_log_format_elements` (with %c, without %k), no ID log.
        let report = run(&[
            "Dec  5 07:00:00 mail dovecot: imap-login: Login: user=<a@x.test>, method=PLAIN, rip=192.0.2.7, lip=192.0.2.1, mpid=11, TLS, session=<AAAAAAAAAAAAAAAA>",
            "Dec  5 07:00:05 mail dovecot: imap(a@x.test)<11><AAAAAAAAAAAAAAAA>: Disconnected: Logged out in=1 out=2",
        ]);
        assert_eq!(
            codes(&report),
            ["dovecot_tls_version_not_logged", "imap_id_not_logged"]
        );
        assert_eq!(report.summary.unclear_accounts, 1);
        assert_eq!(report.exit_status(), exit::UNCLEAR);
    }

    #[test]
    fn without_any_tls_element_a_login_is_unknown_not_plain_text() {
        // A format without %c and %k: nothing tells TLS from plain text.
        let report = run(&[
            "Dec  5 07:00:00 mail dovecot: pop3-login: Login: user=<a@x.test>, method=PLAIN, rip=192.0.2.7, lip=192.0.2.1, mpid=11, session=<AAAAAAAAAAAAAAAA>",
        ]);
        assert_eq!(codes(&report), ["dovecot_tls_not_logged"]);
        assert_eq!(report.summary.plaintext_accounts, 0);
        assert_eq!(report.summary.unclear_accounts, 1);
        // The same login beside one that shows an element is plain text.
        let report = run(&[
            "Dec  5 07:00:00 mail dovecot: pop3-login: Login: user=<a@x.test>, method=PLAIN, rip=192.0.2.7, lip=192.0.2.1, mpid=11, session=<AAAAAAAAAAAAAAAA>",
            "Dec  5 07:00:01 mail dovecot: pop3-login: Login: user=<b@x.test>, method=PLAIN, rip=192.0.2.8, lip=192.0.2.1, mpid=12, TLS, TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits), session=<AAAAAAAAAAAAAAAB>",
        ]);
        assert_eq!(report.summary.plaintext_accounts, 1);
        assert_eq!(report.exit_status(), exit::ACCOUNTS_MUST_ACT);
    }

    #[test]
    fn postfix_without_the_tls_loglevel_is_named() {
        let report = run(&[
            "Dec  5 07:00:00 mx postfix/submission/smtpd[7]: connect from a[192.0.2.1]",
            "Dec  5 07:00:02 mx postfix/submission/smtpd[7]: 1A: client=a[192.0.2.1], sasl_method=PLAIN, sasl_username=a@x.test",
            "Dec  5 07:00:03 mx postfix/submission/smtpd[7]: disconnect from a[192.0.2.1] ehlo=2 starttls=1 auth=1 mail=1 rcpt=1 data=1 quit=1 commands=8",
        ]);
        assert_eq!(codes(&report), ["postfix_tls_version_not_logged"]);
        assert_eq!(report.exit_status(), exit::UNCLEAR);
    }

    #[test]
    fn a_complete_log_of_modern_logins_is_clean() {
        let report = run(&[
            "2026-12-05T07:00:00.000001+01:00 mail dovecot[5]: imap-login: Login: user=<a@x.test>, method=PLAIN, rip=192.0.2.7, lip=192.0.2.1, lport=993, mpid=11, TLS, TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits), session=<AAAAAAAAAAAAAAAA>",
            "2026-12-05T07:00:00.000002+01:00 mail dovecot[5]: imap(a@x.test)<11><AAAAAAAAAAAAAAAA>: ID sent: name=Thunderbird, version=128.5.0esr",
        ]);
        assert_eq!(codes(&report), Vec::<&str>::new());
        assert_eq!(report.exit_status(), exit::CLEAN);
        let text = report::text(&report);
        assert!(text.contains("Thunderbird 128.5.0esr"), "{text}");
        assert!(
            text.contains("1 accounts, 1 logins: 0 accounts will break"),
            "{text}"
        );
    }
}
