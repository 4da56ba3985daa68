//! In-process stub servers for what no real mail server does: SSLv3, malformed TLS records,
//! tarpits, floods, response injection, throttling and postscreen-like greetings.
//!
//! A [`Stub`] listens on 127.0.0.1 on a port the kernel picks, serves every connection with one
//! [`Behaviour`] on a tokio runtime of its own (on a background thread, so it works from sync
//! and async tests alike and is unaffected by a test's paused clock), and stops on drop: the
//! runtime is dropped, which closes the listener and every connection. It counts the
//! connections it accepted (to assert that a prober is polite) and the clients that broke the
//! rule the behaviour enforces.

use std::io;
use std::net::SocketAddr;
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{oneshot, watch};

use crate::pki::ServerCert;

/// The alert an SSLv3-only stub sends to any other ClientHello: record version 0x0300, fatal
/// (2) `handshake_failure` (40).
pub const SSLV3_REFUSAL: [u8; 7] = [0x15, 0x03, 0x00, 0x00, 0x02, 0x02, 40];
/// The cipher suite the SSLv3 stub selects: `TLS_RSA_WITH_AES_128_CBC_SHA`.
pub const SSLV3_CIPHER_SUITE: u16 = 0x002f;
/// What [`Behaviour::GarbageAfterServerHello`] sends first: a handshake record header (TLS 1.2,
/// 64 bytes) and a ServerHello header (60 bytes) whose body is then garbage.
pub const GARBAGE_SERVER_HELLO_HEADER: [u8; 9] = [0x16, 0x03, 0x03, 0x00, 64, 0x02, 0x00, 0x00, 60];
/// How long [`Behaviour::SlowGreeting`] usually waits: longer than any sane banner timeout.
pub const SLOW_GREETING_DELAY: Duration = Duration::from_secs(20);
/// The host name stubs give in their greetings.
pub const STUB_NAME: &str = "stub.example.test";

/// The longest command line a stub reads; the largest TLS record it accepts.
const LINE_CAP: u64 = 4096;
const RECORD_CAP: usize = 16384 + 2048;
/// How long a stub that has said its last word waits for the client to hang up.
const LINGER: Duration = Duration::from_secs(10);

/// What a stub does with each connection.
#[derive(Debug, Clone)]
pub enum Behaviour {
    /// Implicit TLS, SSLv3 only. Reads one record; if it is a ClientHello with client_version
    /// 0x0300, answers with a canned SSLv3 flight: ServerHello (record and server version
    /// 0x0300, a 32-byte session id, suite [`SSLV3_CIPHER_SUITE`], no compression, no
    /// extensions), Certificate carrying `certificate_der`, ServerHelloDone, split into records
    /// of at most 16 KiB. Anything else gets [`SSLV3_REFUSAL`]. Then it waits for the client to
    /// hang up (it cannot finish a handshake).
    Sslv3Only { certificate_der: Vec<u8> },
    /// Implicit TLS. Reads one record, then sends [`GARBAGE_SERVER_HELLO_HEADER`] followed by
    /// 60 bytes of fixed pseudo-random garbage where the ServerHello body should be (read as
    /// one, its server_version is 0x51e0 and its session id length 253, past the end), and
    /// closes its side.
    GarbageAfterServerHello,
    /// SMTP whose `220` greeting comes only after `delay` (a banner slower than any timeout);
    /// after it, a normal dialog advertising STARTTLS, which is then refused with `454`.
    SlowGreeting { delay: Duration },
    /// [`Behaviour::SlowGreeting`] whose greeting waits until the test opens `gate`, so a test
    /// can look at a check in flight for as long as it needs.
    HeldGreeting { gate: Gate },
    /// SMTP that answers `EHLO` with `250-` capability lines without end, until the client
    /// hangs up.
    EndlessEhlo,
    /// Accepts and never sends a byte (a tarpit); reads and discards what the client sends.
    Silent,
    /// Implicit TLS in front of a real server at `upstream`: a ClientHello for TLS 1.2 or newer
    /// is passed through (both ways, to the end), one for TLS 1.1 or older is never answered,
    /// the way some firewalls and overloaded servers treat old hellos.
    StallsOldHellos { upstream: SocketAddr },
    /// SMTP advertising STARTTLS that answers it with `220 ready\r\n250 injected\r\n` in one
    /// write: plaintext injected before the handshake. A client that sends anything after
    /// that (a ClientHello, say) instead of hanging up counts as a protocol violation.
    StarttlsInjection,
    /// [`Behaviour::StarttlsInjection`] with a real TLS server behind it: after the injected line,
    /// everything the client sends is passed to `upstream` (an `openssl s_server`) and back, the
    /// way a server with a plain-text leftover in its buffer still speaks TLS.
    StarttlsInjectionThenTls { upstream: SocketAddr },
    /// SMTP that offers STARTTLS, answers it with `220 ready` and then passes everything to
    /// the TLS server at `upstream` and back: a well-behaved server whose connections the stub
    /// counts (a sentinel for politeness tests).
    StarttlsThenTls { upstream: SocketAddr },
    /// SMTP that greets with `421 4.7.0 … too many connections …` and closes.
    TooManyConnections,
    /// SMTP with a postscreen-like greeting: `220-` line, `pause`, `220 ` line. A client that
    /// sends anything before the last greeting line gets `521 5.5.1 Protocol error` and the
    /// connection is closed (a protocol violation). Afterwards a normal dialog without
    /// STARTTLS in the `EHLO` reply, so a well-behaved prober ends with "STARTTLS not offered".
    SlowMultilineGreeting { pause: Duration },
}

impl Behaviour {
    fn name(&self) -> &'static str {
        match self {
            Behaviour::Sslv3Only { .. } => "sslv3-only",
            Behaviour::GarbageAfterServerHello => "garbage-after-server-hello",
            Behaviour::SlowGreeting { .. } => "slow-greeting",
            Behaviour::HeldGreeting { .. } => "held-greeting",
            Behaviour::EndlessEhlo => "endless-ehlo",
            Behaviour::Silent => "silent",
            Behaviour::StallsOldHellos { .. } => "stalls-old-hellos",
            Behaviour::StarttlsInjection => "starttls-injection",
            Behaviour::StarttlsInjectionThenTls { .. } => "starttls-injection-then-tls",
            Behaviour::StarttlsThenTls { .. } => "starttls-then-tls",
            Behaviour::TooManyConnections => "too-many-connections",
            Behaviour::SlowMultilineGreeting { .. } => "slow-multiline-greeting",
        }
    }
}

/// Holds back what a stub would say until the test opens it; clones share one gate.
#[derive(Debug, Clone)]
pub struct Gate(Arc<watch::Sender<bool>>);

impl Gate {
    pub fn new() -> Gate {
        Gate(Arc::new(watch::Sender::new(false)))
    }

    /// Lets every waiting and future connection go on.
    pub fn open(&self) {
        self.0.send_replace(true);
    }

    async fn opened(&self) {
        let mut open = self.0.subscribe();
        // The sender lives in `self`, so the wait ends only when the gate opens.
        let _ = open.wait_for(|open| *open).await;
    }
}

impl Default for Gate {
    fn default() -> Gate {
        Gate::new()
    }
}

/// What a stub has seen, shared with its connection tasks.
#[derive(Debug, Default)]
struct Counters {
    connections: AtomicUsize,
    protocol_violations: AtomicUsize,
    /// Connections waiting for a slow greeting now, and the most that ever waited at once.
    waiting: AtomicUsize,
    most_waiting: AtomicUsize,
}

/// A running stub server; dropping it stops it.
#[derive(Debug)]
pub struct Stub {
    name: &'static str,
    port: u16,
    counters: Arc<Counters>,
    shutdown: Option<oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Stub {
    /// Binds 127.0.0.1:0 and serves `behaviour` on a background thread. The port is bound
    /// before this returns, so clients may connect at once.
    pub fn start(behaviour: Behaviour) -> Stub {
        let name = behaviour.name();
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("build a stub's runtime");
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind a stub's port");
        let port = listener.local_addr().expect("stub's address").port();
        listener
            .set_nonblocking(true)
            .expect("make the stub's listener non-blocking");
        let listener = {
            let _context = runtime.enter();
            TcpListener::from_std(listener).expect("register the stub's listener")
        };
        let counters = Arc::new(Counters::default());
        let (shutdown, shutdown_requested) = oneshot::channel();
        let serving = Arc::clone(&counters);
        let behaviour = Arc::new(behaviour);
        let thread = std::thread::Builder::new()
            .name(format!("stub-{name}"))
            .spawn(move || {
                runtime.block_on(async move {
                    tokio::select! {
                        () = serve(listener, behaviour, serving) => {}
                        _ = shutdown_requested => {}
                    }
                });
                // Dropping the runtime here cancels every connection task, closing its socket.
                drop(runtime);
            })
            .expect("start a stub's thread");
        Stub {
            name,
            port,
            counters,
            shutdown: Some(shutdown),
            thread: Some(thread),
        }
    }

    /// The port on 127.0.0.1.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// `127.0.0.1:port`.
    pub fn address(&self) -> SocketAddr {
        SocketAddr::from(([127, 0, 0, 1], self.port))
    }

    /// Connections accepted so far. A connection is counted before the stub sends or reads
    /// anything on it, so every client that heard from the stub is counted.
    pub fn connections(&self) -> usize {
        self.counters.connections.load(Ordering::SeqCst)
    }

    /// For [`Behaviour::SlowGreeting`]: the most connections that waited for the greeting at
    /// the same time. A client holds each of them open for the whole wait, so this is how many
    /// connections it held at once, without counting one it already closed and the stub has not
    /// yet noticed.
    pub fn most_open_at_once(&self) -> usize {
        self.counters.most_waiting.load(Ordering::SeqCst)
    }

    /// Connections on which the client broke the rule this behaviour enforces (pregreeting for
    /// [`Behaviour::SlowMultilineGreeting`], going on after the injected line for
    /// [`Behaviour::StarttlsInjection`]); always 0 for the other behaviours.
    pub fn protocol_violations(&self) -> usize {
        self.counters.protocol_violations.load(Ordering::SeqCst)
    }

    /// Waits until at least `count` connections were accepted or `deadline` passed; returns
    /// the number seen.
    pub fn wait_for_connections(&self, count: usize, deadline: Duration) -> usize {
        let started = Instant::now();
        while self.connections() < count && started.elapsed() < deadline {
            std::thread::park_timeout(Duration::from_millis(10));
        }
        self.connections()
    }
}

impl Drop for Stub {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        if let Some(thread) = self.thread.take()
            && thread.join().is_err()
        {
            eprintln!("stub {}: its thread panicked", self.name);
        }
    }
}

/// A certificate's DER bytes (for [`Behaviour::Sslv3Only`]), converted by `openssl x509`.
pub fn certificate_der(cert: &ServerCert) -> Vec<u8> {
    let output = Command::new("openssl")
        .arg("x509")
        .arg("-in")
        .arg(&cert.cert_file)
        .arg("-outform")
        .arg("DER")
        .output()
        .expect("run openssl x509");
    assert!(
        output.status.success() && !output.stdout.is_empty(),
        "openssl x509 failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    output.stdout
}

async fn serve(listener: TcpListener, behaviour: Arc<Behaviour>, counters: Arc<Counters>) {
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            // Transient (say, out of file descriptors): try again a little later.
            tokio::time::sleep(Duration::from_millis(10)).await;
            continue;
        };
        counters.connections.fetch_add(1, Ordering::SeqCst);
        let behaviour = Arc::clone(&behaviour);
        let counters = Arc::clone(&counters);
        // A connection's I/O error only ends that connection.
        tokio::spawn(async move {
            let _ = handle(stream, &behaviour, &counters).await;
        });
    }
}

async fn handle(
    mut stream: TcpStream,
    behaviour: &Behaviour,
    counters: &Counters,
) -> io::Result<()> {
    match behaviour {
        Behaviour::Sslv3Only { certificate_der } => {
            let hello = read_record(&mut stream).await?;
            let reply = match hello.as_deref().and_then(client_hello_version) {
                Some(0x0300) => sslv3_server_flight(certificate_der),
                _ => SSLV3_REFUSAL.to_vec(),
            };
            stream.write_all(&reply).await?;
            close_gracefully(stream).await
        }
        Behaviour::GarbageAfterServerHello => {
            read_record(&mut stream).await?;
            let mut reply = GARBAGE_SERVER_HELLO_HEADER.to_vec();
            reply.extend(garbage(60));
            stream.write_all(&reply).await?;
            close_gracefully(stream).await
        }
        Behaviour::SlowGreeting { delay } => {
            let waiting = counters.waiting.fetch_add(1, Ordering::SeqCst) + 1;
            counters.most_waiting.fetch_max(waiting, Ordering::SeqCst);
            tokio::time::sleep(*delay).await;
            counters.waiting.fetch_sub(1, Ordering::SeqCst);
            late_smtp(stream, counters).await
        }
        Behaviour::HeldGreeting { gate } => {
            gate.opened().await;
            late_smtp(stream, counters).await
        }
        Behaviour::EndlessEhlo => {
            stream
                .write_all(format!("220 {STUB_NAME} ESMTP endless\r\n").as_bytes())
                .await?;
            smtp_commands(stream, "", Starttls::Refuse, counters).await
        }
        Behaviour::Silent => {
            tokio::io::copy(&mut stream, &mut tokio::io::sink()).await?;
            Ok(())
        }
        Behaviour::StallsOldHellos { upstream } => {
            let Some(hello) = read_record(&mut stream).await? else {
                return Ok(());
            };
            if client_hello_version(&hello).is_none_or(|version| version < 0x0303) {
                tokio::io::copy(&mut stream, &mut tokio::io::sink()).await?;
                return Ok(());
            }
            let mut server = TcpStream::connect(upstream).await?;
            server.write_all(&hello).await?;
            tokio::io::copy_bidirectional(&mut stream, &mut server).await?;
            Ok(())
        }
        Behaviour::StarttlsInjection => {
            stream
                .write_all(format!("220 {STUB_NAME} ESMTP\r\n").as_bytes())
                .await?;
            let ehlo = format!("250-{STUB_NAME}\r\n250 STARTTLS\r\n");
            smtp_commands(stream, &ehlo, Starttls::Inject, counters).await
        }
        Behaviour::StarttlsInjectionThenTls { upstream } => {
            stream
                .write_all(format!("220 {STUB_NAME} ESMTP\r\n").as_bytes())
                .await?;
            let ehlo = format!("250-{STUB_NAME}\r\n250 STARTTLS\r\n");
            smtp_commands(
                stream,
                &ehlo,
                Starttls::InjectThenRelay(*upstream),
                counters,
            )
            .await
        }
        Behaviour::StarttlsThenTls { upstream } => {
            stream
                .write_all(format!("220 {STUB_NAME} ESMTP\r\n").as_bytes())
                .await?;
            let ehlo = format!("250-{STUB_NAME}\r\n250 STARTTLS\r\n");
            smtp_commands(stream, &ehlo, Starttls::Relay(*upstream), counters).await
        }
        Behaviour::TooManyConnections => {
            stream
                .write_all(
                    format!("421 4.7.0 {STUB_NAME} Error: too many connections from 127.0.0.1\r\n")
                        .as_bytes(),
                )
                .await?;
            close_gracefully(stream).await
        }
        Behaviour::SlowMultilineGreeting { pause } => {
            stream
                .write_all(format!("220-{STUB_NAME} ESMTP postscreen-like\r\n").as_bytes())
                .await?;
            let mut early = [0u8; 512];
            tokio::select! {
                () = tokio::time::sleep(*pause) => {}
                read = stream.read(&mut early) => {
                    if read? == 0 {
                        return Ok(());
                    }
                    counters.protocol_violations.fetch_add(1, Ordering::SeqCst);
                    stream.write_all(b"521 5.5.1 Protocol error\r\n").await?;
                    return close_gracefully(stream).await;
                }
            }
            stream
                .write_all(format!("220 {STUB_NAME} ESMTP\r\n").as_bytes())
                .await?;
            let ehlo = format!("250-{STUB_NAME}\r\n250-PIPELINING\r\n250 8BITMIME\r\n");
            smtp_commands(stream, &ehlo, Starttls::NotOffered, counters).await
        }
    }
}

/// How an SMTP stub answers `STARTTLS`.
#[derive(Debug, Clone, Copy)]
enum Starttls {
    /// `454 4.7.0 TLS not available`.
    Refuse,
    /// `502`, as for any unknown command.
    NotOffered,
    /// `220 ready` plus an injected `250 injected` in the same write, then listen for the client
    /// carrying on.
    Inject,
    /// The same injection, then a relay to the TLS server at the address.
    InjectThenRelay(SocketAddr),
    /// `220 ready`, then a relay to the TLS server at the address.
    Relay(SocketAddr),
}

/// What a slow or held stub says once it greets: a dialog advertising STARTTLS, which it then
/// refuses with `454`.
async fn late_smtp(mut stream: TcpStream, counters: &Counters) -> io::Result<()> {
    stream
        .write_all(format!("220 {STUB_NAME} ESMTP slow\r\n").as_bytes())
        .await?;
    let ehlo = format!("250-{STUB_NAME}\r\n250-PIPELINING\r\n250 STARTTLS\r\n");
    smtp_commands(stream, &ehlo, Starttls::Refuse, counters).await
}

/// Answers SMTP commands after the greeting until `QUIT` or the client hangs up. An empty
/// `ehlo_reply` means the endless capability list.
async fn smtp_commands(
    stream: TcpStream,
    ehlo_reply: &str,
    starttls: Starttls,
    counters: &Counters,
) -> io::Result<()> {
    let mut stream = BufReader::new(stream);
    loop {
        let mut line = Vec::new();
        (&mut stream)
            .take(LINE_CAP)
            .read_until(b'\n', &mut line)
            .await?;
        if !line.ends_with(b"\n") {
            // End of stream, or a line over the cap: hang up either way.
            return Ok(());
        }
        let line = String::from_utf8_lossy(&line);
        let verb = line
            .split_whitespace()
            .next()
            .unwrap_or_default()
            .to_ascii_uppercase();
        let writer = stream.get_mut();
        match verb.as_str() {
            "EHLO" | "HELO" if ehlo_reply.is_empty() => return endless_capabilities(writer).await,
            "EHLO" | "HELO" => writer.write_all(ehlo_reply.as_bytes()).await?,
            "STARTTLS" => match starttls {
                Starttls::Refuse => {
                    writer
                        .write_all(b"454 4.7.0 TLS not available due to local problem\r\n")
                        .await?
                }
                Starttls::NotOffered => {
                    writer
                        .write_all(b"502 5.5.1 Error: command not implemented\r\n")
                        .await?
                }
                Starttls::InjectThenRelay(upstream) | Starttls::Relay(upstream) => {
                    let answer: &[u8] = if matches!(starttls, Starttls::Relay(_)) {
                        b"220 ready\r\n"
                    } else {
                        b"220 ready\r\n250 injected\r\n"
                    };
                    writer.write_all(answer).await?;
                    let early = stream.buffer().to_vec();
                    let mut client = stream.into_inner();
                    let mut server = TcpStream::connect(upstream).await?;
                    server.write_all(&early).await?;
                    tokio::io::copy_bidirectional(&mut client, &mut server).await?;
                    return Ok(());
                }
                Starttls::Inject => {
                    writer.write_all(b"220 ready\r\n250 injected\r\n").await?;
                    let mut after = [0u8; 1];
                    if stream.read(&mut after).await? > 0 {
                        counters.protocol_violations.fetch_add(1, Ordering::SeqCst);
                    }
                    return close_gracefully(stream.into_inner()).await;
                }
            },
            "NOOP" | "RSET" => writer.write_all(b"250 2.0.0 Ok\r\n").await?,
            "QUIT" => {
                writer.write_all(b"221 2.0.0 Bye\r\n").await?;
                return close_gracefully(stream.into_inner()).await;
            }
            _ => {
                writer
                    .write_all(b"502 5.5.2 Error: command not recognized\r\n")
                    .await?
            }
        }
    }
}

/// `250-` lines without end; returns when the client stops reading and hangs up.
async fn endless_capabilities(stream: &mut TcpStream) -> io::Result<()> {
    stream
        .write_all(format!("250-{STUB_NAME}\r\n").as_bytes())
        .await?;
    let mut number: u64 = 0;
    loop {
        let mut batch = String::with_capacity(64 * 24);
        for _ in 0..64 {
            number += 1;
            batch.push_str(&format!("250-X-ENDLESS-{number:08}\r\n"));
        }
        stream.write_all(batch.as_bytes()).await?;
    }
}

/// Reads one TLS record (`None` if the client hung up first); refuses oversized ones.
async fn read_record(stream: &mut TcpStream) -> io::Result<Option<Vec<u8>>> {
    let mut header = [0u8; 5];
    match stream.read_exact(&mut header).await {
        Ok(_) => {}
        Err(error) if error.kind() == io::ErrorKind::UnexpectedEof => return Ok(None),
        Err(error) => return Err(error),
    }
    let length = usize::from(u16::from_be_bytes([header[3], header[4]]));
    if length > RECORD_CAP {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            "record too long",
        ));
    }
    let mut record = header.to_vec();
    record.resize(5 + length, 0);
    stream.read_exact(&mut record[5..]).await?;
    Ok(Some(record))
}

/// The client_version of a record holding a ClientHello, if it is one.
fn client_hello_version(record: &[u8]) -> Option<u16> {
    // content type 22 (handshake), 4 more header bytes; handshake type 1, 3 length bytes.
    match record {
        [22, _, _, _, _, 1, _, _, _, major, minor, ..] => {
            Some(u16::from_be_bytes([*major, *minor]))
        }
        _ => None,
    }
}

/// ServerHello (SSLv3, suite 0x002f), Certificate and ServerHelloDone, in 0x0300 records.
fn sslv3_server_flight(certificate_der: &[u8]) -> Vec<u8> {
    let mut server_hello = vec![0x03, 0x00];
    server_hello.extend(garbage(32)); // server random
    server_hello.push(32);
    server_hello.extend([0x5e; 32]); // session id
    server_hello.extend(SSLV3_CIPHER_SUITE.to_be_bytes());
    server_hello.push(0); // compression: null

    let mut certificate_entry = u24(certificate_der.len()).to_vec();
    certificate_entry.extend(certificate_der);
    let mut certificate = u24(certificate_entry.len()).to_vec();
    certificate.extend(certificate_entry);

    let mut handshake = Vec::new();
    for (kind, body) in [(2u8, server_hello), (11, certificate), (14, Vec::new())] {
        handshake.push(kind);
        handshake.extend(u24(body.len()));
        handshake.extend(body);
    }
    let mut records = Vec::new();
    for fragment in handshake.chunks(16384) {
        records.extend([0x16, 0x03, 0x00]);
        records.extend(
            u16::try_from(fragment.len())
                .unwrap_or(u16::MAX)
                .to_be_bytes(),
        );
        records.extend(fragment);
    }
    records
}

/// A 24-bit big-endian length (saturating: stubs only encode small things).
fn u24(length: usize) -> [u8; 3] {
    let length = u32::try_from(length).unwrap_or(u32::MAX).min(0x00ff_ffff);
    let [_, high, middle, low] = length.to_be_bytes();
    [high, middle, low]
}

/// `count` bytes of fixed pseudo-random garbage (xorshift32 from a constant seed).
fn garbage(count: usize) -> Vec<u8> {
    let mut state: u32 = 0x9e37_79b9;
    (0..count)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            state.to_be_bytes()[0]
        })
        .collect()
}

/// Closes our side (FIN, not RST: the client keeps what we sent) and waits for the client to
/// hang up, discarding what it sends, for at most [`LINGER`].
async fn close_gracefully(mut stream: TcpStream) -> io::Result<()> {
    stream.shutdown().await?;
    let mut limited = (&mut stream).take(1 << 20);
    let mut sink = tokio::io::sink();
    let drain = tokio::io::copy(&mut limited, &mut sink);
    let _ = tokio::time::timeout(LINGER, drain).await;
    Ok(())
}
