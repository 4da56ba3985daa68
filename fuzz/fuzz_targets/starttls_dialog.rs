//! Arbitrary bytes as a mail server's side of a STARTTLS dialog. The first byte picks the
//! protocol; the rest is what the server sends before closing. The dialog must end (with a result
//! or an error), never panic, and never hand over a socket with unread bytes.
#![no_main]

use std::sync::LazyLock;
use std::time::Duration;

use libfuzzer_sys::fuzz_target;
use mailtls_shared::Scheme;
use probe_api::probe::dialog::conn::Conn;
use probe_api::probe::dialog::starttls::negotiate;
use tokio::io::AsyncWriteExt;
use tokio::runtime::Runtime;

static RUNTIME: LazyLock<Runtime> = LazyLock::new(|| {
    tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .expect("runtime")
});

fuzz_target!(|data: &[u8]| {
    let Some((selector, server_bytes)) = data.split_first() else {
        return;
    };
    let scheme = [Scheme::Smtp, Scheme::Submission, Scheme::Imap, Scheme::Pop3]
        [usize::from(*selector) % 4];
    RUNTIME.block_on(async {
        let (client, mut server) = tokio::io::duplex(1 << 20);
        server.write_all(server_bytes).await.expect("in-memory write");
        // The server hangs up after its bytes, so every read ends; nothing waits for the clock.
        drop(server);
        let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
        let mut conn = Conn::new(client, deadline);
        if negotiate(scheme, &mut conn, "fuzz.example").await.is_ok() {
            let _ = conn.into_stream_discarding();
        }
    });
});
