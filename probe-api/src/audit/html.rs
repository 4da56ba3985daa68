//! The report page: one self-contained HTML file (styles inline, the chart as inline SVG, no
//! script, no external resource), in German or English, that a provider opens in any browser,
//! files, or mails around. The chart shows per day how many logins would break at the
//! switch-off and how many used no TLS, so the fall can be watched as customers change their
//! settings, and the switch-off date picked.

use std::fmt::Write as _;

use mailtls_shared::Lang;

use super::mailmerge::what_breaks;
use super::report::{AuditReport, DayReport, Row};

/// The page's words.
struct Words {
    title: &'static str,
    accounts: &'static str,
    breaking: &'static str,
    plaintext: &'static str,
    retired: &'static str,
    unclear: &'static str,
    chart: &'static str,
    chart_note: &'static str,
    day: &'static str,
    logins: &'static str,
    breaking_logins: &'static str,
    plaintext_logins: &'static str,
    warnings: &'static str,
    by_service: &'static str,
    by_version: &'static str,
    by_program: &'static str,
    by_name: &'static str,
    name: &'static str,
    must_act: &'static str,
    account: &'static str,
    accounts_column: &'static str,
    what: &'static str,
    link: &'static str,
    inputs: &'static str,
    lines: &'static str,
    no_days: &'static str,
    pseudonymised: &'static str,
}

const DE: Words = Words {
    title: "Wer nutzt noch veraltete TLS-Versionen?",
    accounts: "Konten insgesamt",
    breaking: "mit SSL 3.0, TLS 1.0 oder 1.1 (nach der Abschaltung keine Verbindung mehr)",
    plaintext: "ohne Verschlüsselung",
    retired: "mit altem Servernamen",
    unclear: "TLS-Version nicht feststellbar",
    chart: "Anmeldungen pro Tag",
    chart_note: "Rot: mit SSL 3.0, TLS 1.0 oder 1.1. Orange: ohne Verschlüsselung.",
    day: "Tag",
    logins: "Anmeldungen",
    breaking_logins: "davon mit SSL 3.0, TLS 1.0 oder 1.1",
    plaintext_logins: "davon ohne Verschlüsselung",
    warnings: "Was die Logdateien nicht zeigen",
    by_service: "Nach Dienst",
    by_version: "Nach TLS-Version",
    by_program: "Nach E-Mail-Programm (IMAP ID)",
    by_name: "Nach Servername (SNI)",
    name: "Name",
    must_act: "Konten mit Handlungsbedarf",
    account: "Konto",
    accounts_column: "Konten",
    what: "Befund (Text für das Anschreiben)",
    link: "Prüf-Link",
    inputs: "Ausgewertet",
    lines: "Zeilen",
    no_days: "Keine Anmeldungen mit Datumsangabe gefunden.",
    pseudonymised: "Die Kontonamen sind pseudonymisiert (HMAC-SHA-256 mit geheimem Schlüssel).",
};

const EN: Words = Words {
    title: "Who still uses outdated TLS versions?",
    accounts: "accounts in all",
    breaking: "with SSL 3.0, TLS 1.0 or 1.1 (no connection after the switch-off)",
    plaintext: "without encryption",
    retired: "with an old server name",
    unclear: "TLS version cannot be told",
    chart: "Logins per day",
    chart_note: "Red: with SSL 3.0, TLS 1.0 or 1.1. Orange: without encryption.",
    day: "Day",
    logins: "Logins",
    breaking_logins: "with SSL 3.0, TLS 1.0 or 1.1",
    plaintext_logins: "no encryption",
    warnings: "What the log files do not show",
    by_service: "By service",
    by_version: "By TLS version",
    by_program: "By email program (IMAP ID)",
    by_name: "By server name (SNI)",
    name: "Name",
    must_act: "Accounts that must act",
    account: "Account",
    accounts_column: "Accounts",
    what: "Finding (text for the letter)",
    link: "Check link",
    inputs: "Read",
    lines: "lines",
    no_days: "No logins with a date found.",
    pseudonymised: "Account names are pseudonymised (HMAC-SHA-256 with a secret key).",
};

/// The page.
pub fn page(report: &AuditReport, lang: Lang) -> String {
    let words = match lang {
        Lang::De => &DE,
        Lang::En => &EN,
    };
    let summary = &report.summary;
    let mut out = String::with_capacity(64 * 1024);
    let _ = write!(
        out,
        "<!doctype html>\n<html lang=\"{}\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>MailTLS – {}</title><style>{STYLE}</style></head><body><main>\
         <h1>{}</h1>",
        lang.tag(),
        escape(words.title),
        escape(words.title)
    );
    let inputs: Vec<String> = report.inputs.iter().map(|i| escape(&i.name)).collect();
    let _ = write!(
        out,
        "<p class=\"meta\">{}: {} ({} {}). MailTLS {}.{}</p>",
        words.inputs,
        inputs.join(", "),
        report.lines.read,
        words.lines,
        report.version,
        if report.pseudonymised {
            format!(" {}", words.pseudonymised)
        } else {
            String::new()
        }
    );
    out.push_str("<ul class=\"cards\">");
    for (number, label, class) in [
        (summary.accounts, words.accounts, ""),
        (summary.breaking_accounts, words.breaking, "bad"),
        (summary.plaintext_accounts, words.plaintext, "warn"),
        (summary.retired_name_accounts, words.retired, "warn"),
        (summary.unclear_accounts, words.unclear, ""),
    ] {
        let _ = write!(
            out,
            "<li class=\"{class}\"><strong>{number}</strong> {}</li>",
            escape(label)
        );
    }
    out.push_str("</ul>");

    let _ = write!(out, "<h2>{}</h2>", escape(words.chart));
    if report.days.is_empty() {
        let _ = write!(out, "<p>{}</p>", escape(words.no_days));
    } else {
        out.push_str(&chart(&report.days, words));
        let _ = write!(out, "<p class=\"meta\">{}</p>", escape(words.chart_note));
        let _ = write!(
            out,
            "<details><summary>{}</summary><table><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr>",
            escape(words.chart),
            words.day,
            words.logins,
            escape(words.breaking_logins),
            escape(words.plaintext_logins)
        );
        for day in &report.days {
            let _ = write!(
                out,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                day.date, day.logins, day.breaking, day.plaintext
            );
        }
        out.push_str("</table></details>");
    }

    if !report.warnings.is_empty() {
        let _ = write!(out, "<h2>{}</h2><ul>", escape(words.warnings));
        for warning in &report.warnings {
            // The warnings are the admin's, in English like the command line.
            let _ = write!(out, "<li lang=\"en\">{}</li>", escape(&warning.message));
        }
        out.push_str("</ul>");
    }

    for (title, rows) in [
        (words.by_service, &summary.by_service),
        (words.by_version, &summary.by_protection),
        (words.by_program, &summary.by_client),
        (words.by_name, &summary.by_server_name),
    ] {
        out.push_str(&breakdown(title, rows, words));
    }

    let must_act: Vec<_> = report.accounts.iter().filter(|a| a.must_act()).collect();
    if !must_act.is_empty() {
        let _ = write!(
            out,
            "<h2>{}</h2><table><tr><th>{}</th><th>{}</th>{}</tr>",
            escape(words.must_act),
            words.account,
            escape(words.what),
            if report.pseudonymised {
                String::new()
            } else {
                format!("<th>{}</th>", words.link)
            }
        );
        for account in must_act {
            let _ = write!(
                out,
                "<tr><td>{}</td><td>{}</td>",
                escape(&account.account),
                escape(&what_breaks(account, lang))
            );
            if !report.pseudonymised {
                match &account.link {
                    Some(link) if is_web_address(link) => {
                        let _ = write!(
                            out,
                            "<td><a href=\"{}\">{}</a></td>",
                            escape(link),
                            words.link
                        );
                    }
                    _ => out.push_str("<td></td>"),
                }
            }
            out.push_str("</tr>");
        }
        out.push_str("</table>");
    }
    out.push_str("</main></body></html>\n");
    out
}

const STYLE: &str = "body{font:15px/1.5 system-ui,sans-serif;color:#1a1a1a;margin:0;background:#fafafa}\
main{max-width:60rem;margin:0 auto;padding:1.5rem}h1{font-size:1.6rem}h2{font-size:1.2rem;margin-top:2rem}\
.meta{color:#555}.cards{display:flex;flex-wrap:wrap;gap:.75rem;list-style:none;padding:0}\
.cards li{background:#fff;border:1px solid #ddd;border-radius:6px;padding:.6rem .9rem;flex:1 1 10rem}\
.cards strong{display:block;font-size:1.5rem}.cards .bad strong{color:#b00020}.cards .warn strong{color:#a05a00}\
table{border-collapse:collapse;width:100%;background:#fff}th,td{text-align:left;padding:.3rem .5rem;border-bottom:1px solid #e5e5e5;vertical-align:top}\
td.n,th.n{text-align:right}svg{width:100%;height:auto;background:#fff;border:1px solid #ddd}";

/// Stacked bars per day: breaking logins (red) under plain-text ones (orange), scaled to the
/// busiest day, with the first and last date and the scale written on the axes.
fn chart(days: &[DayReport], words: &Words) -> String {
    const WIDTH: f64 = 800.0;
    const HEIGHT: f64 = 240.0;
    const LEFT: f64 = 48.0;
    const BOTTOM: f64 = 24.0;
    let most = days
        .iter()
        .map(|d| d.breaking + d.plaintext)
        .max()
        .unwrap_or(0)
        .max(1);
    let plot_width = WIDTH - LEFT - 8.0;
    let plot_height = HEIGHT - BOTTOM - 8.0;
    let slot = plot_width / days.len() as f64;
    let bar = (slot * 0.8).clamp(0.5, 40.0);
    let scale = |value: u64| value as f64 / most as f64 * plot_height;
    let mut svg = format!(
        "<svg viewBox=\"0 0 {WIDTH} {HEIGHT}\" role=\"img\" aria-label=\"{}\">",
        escape(words.chart)
    );
    let base = HEIGHT - BOTTOM;
    let _ = write!(
        svg,
        "<line x1=\"{LEFT}\" y1=\"{base}\" x2=\"{}\" y2=\"{base}\" stroke=\"#999\"/>\
         <text x=\"{}\" y=\"16\" font-size=\"12\" text-anchor=\"end\">{most}</text>\
         <text x=\"{}\" y=\"{base}\" font-size=\"12\" text-anchor=\"end\">0</text>",
        WIDTH - 8.0,
        LEFT - 6.0,
        LEFT - 6.0
    );
    for (index, day) in days.iter().enumerate() {
        let x = LEFT + index as f64 * slot + (slot - bar) / 2.0;
        let breaking = scale(day.breaking);
        let plaintext = scale(day.plaintext);
        let _ = write!(
            svg,
            "<g><title>{}: {} {}, {} {}</title>\
             <rect x=\"{x:.1}\" y=\"{:.1}\" width=\"{bar:.1}\" height=\"{breaking:.1}\" fill=\"#b00020\"/>\
             <rect x=\"{x:.1}\" y=\"{:.1}\" width=\"{bar:.1}\" height=\"{plaintext:.1}\" fill=\"#e08a00\"/></g>",
            day.date,
            day.breaking,
            escape(words.breaking_logins),
            day.plaintext,
            escape(words.plaintext_logins),
            base - breaking,
            base - breaking - plaintext,
        );
    }
    if let (Some(first), Some(last)) = (days.first(), days.last()) {
        let _ = write!(
            svg,
            "<text x=\"{LEFT}\" y=\"{}\" font-size=\"12\">{}</text>\
             <text x=\"{}\" y=\"{}\" font-size=\"12\" text-anchor=\"end\">{}</text>",
            HEIGHT - 6.0,
            first.date,
            WIDTH - 8.0,
            HEIGHT - 6.0,
            last.date
        );
    }
    svg.push_str("</svg>");
    svg
}

fn breakdown(title: &str, rows: &[Row], words: &Words) -> String {
    let mut out = format!(
        "<h2>{}</h2><table><tr><th>{}</th><th class=\"n\">{}</th><th class=\"n\">{}</th>\
         <th class=\"n\">{}</th><th class=\"n\">{}</th></tr>",
        escape(title),
        words.name,
        words.accounts_column,
        escape(words.breaking_logins),
        escape(words.plaintext_logins),
        words.logins
    );
    for row in rows {
        let _ = write!(
            out,
            "<tr><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td>\
             <td class=\"n\">{}</td></tr>",
            escape(&row.name),
            row.accounts,
            row.breaking_accounts,
            row.plaintext_accounts,
            row.logins
        );
    }
    out.push_str("</table>");
    out
}

/// Only `https://` and `http://` links become anchors (a `--page-url` is the operator's, but
/// the page must never carry a `javascript:` address).
fn is_web_address(link: &str) -> bool {
    link.starts_with("https://") || link.starts_with("http://")
}

/// Escapes text for HTML element content and quoted attributes.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            other => out.push(other),
        }
    }
    out
}
