//! Arbitrary bytes as a mail log for `probe-api audit`: reading, parsing, tallying and every
//! output (text, JSON, CSV with links, HTML) must never panic, and every line must be counted
//! once.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mailtls_shared::Lang;
use probe_api::audit::input::Input;
use probe_api::audit::mailmerge::{self, LinkOptions, ServerNames};
use probe_api::audit::stamp::Date;
use probe_api::audit::{audit, html, report};

fuzz_target!(|data: &[u8]| {
    let reference = Date {
        year: 2026,
        month: 1,
        day: 2,
    };
    let Ok(input) = Input::from_reader(
        "fuzz".into(),
        Box::new(std::io::Cursor::new(data.to_vec())),
        reference,
    ) else {
        return;
    };
    // The same blocks as on the reading thread, without a thread per run.
    let mut report = audit(vec![input.on_this_thread()]);
    let lines = &report.lines;
    assert_eq!(
        lines.read,
        lines.used
            + lines.not_about_logins
            + lines.other_programs
            + lines.empty
            + lines.skipped(),
        "every line counted once"
    );
    let options = LinkOptions {
        page_url: "https://hilfe.example.de".into(),
        lang: Lang::De,
        server_names: ServerNames::all("mail.example.de"),
        implicit_tls_ports: mailmerge::IMPLICIT_TLS_PORTS.to_vec(),
    };
    mailmerge::add_links(&mut report, &options);
    let _ = report::text(&report);
    let _ = mailmerge::csv(&report, Lang::De);
    let _ = html::page(&report, Lang::En);
    let _ = serde_json::to_string(&report).expect("the report serialises");
});
