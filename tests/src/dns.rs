//! DNS and web fixtures for domain checks: a real Knot DNS server on loopback serving `.test`
//! zones, MTA-STS policy servers (`openssl s_server -HTTP` serving files from a directory), a
//! tarpit that accepts and never answers, and a DNS stub whose answers are garbage.

use std::net::{IpAddr, SocketAddr, TcpListener, UdpSocket};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use crate::pki::ServerCert;
use crate::process::{Guard, free_port, system_program, wait_for_port};

/// One zone: its name and its records in zone-file syntax, relative to the origin.
#[derive(Debug, Clone)]
pub struct Zone {
    pub origin: String,
    pub records: Vec<String>,
    /// Signed by Knot with DNSSEC; its keys become the lab's trust anchor.
    pub signed: bool,
}

impl Zone {
    pub fn new(origin: &str, records: &[&str]) -> Zone {
        Zone {
            origin: origin.to_owned(),
            records: records.iter().map(|record| (*record).to_owned()).collect(),
            signed: false,
        }
    }

    /// A zone Knot signs (ECDSA P-256, NSEC).
    pub fn signed(origin: &str, records: &[&str]) -> Zone {
        Zone {
            signed: true,
            ..Zone::new(origin, records)
        }
    }

    fn file(&self) -> String {
        let origin = &self.origin;
        let mut text = format!(
            "$ORIGIN {origin}.\n$TTL 60\n@ SOA ns.{origin}. hostmaster.{origin}. 1 3600 600 86400 60\n@ NS ns.{origin}.\nns A 127.0.0.1\n"
        );
        for record in &self.records {
            text.push_str(record);
            text.push('\n');
        }
        text
    }
}

/// A running `knotd`, authoritative for the given zones, on 127.0.0.1 (UDP and TCP).
#[derive(Debug)]
pub struct Knot {
    pub address: SocketAddr,
    /// The signed zones' DNSKEY records (TTL and class included), for `--dnssec-trust-anchor`.
    pub trust_anchor: Option<PathBuf>,
    _guard: Guard,
    _dir: tempfile::TempDir,
}

impl Knot {
    pub fn start(zones: &[Zone]) -> Knot {
        let dir = tempfile::tempdir().expect("temporary directory");
        let root = dir.path();
        for sub in ["run", "db", "zones"] {
            std::fs::create_dir(root.join(sub)).expect("create a Knot directory");
        }
        let port = free_port();
        let address = SocketAddr::from(([127, 0, 0, 1], port));
        let mut config = format!(
            "server:\n    rundir: \"{run}\"\n    listen: 127.0.0.1@{port}\n\
             database:\n    storage: \"{db}\"\n\
             log:\n  - target: stderr\n    any: warning\n\
             policy:\n  - id: manual\n    manual: on\n\
             template:\n  - id: default\n    storage: \"{zones}\"\n    zonefile-sync: -1\n    journal-content: none\n\
             zone:\n",
            run = root.join("run").display(),
            db = root.join("db").display(),
            zones = root.join("zones").display(),
        );
        for zone in zones {
            std::fs::write(
                root.join("zones").join(format!("{}.zone", zone.origin)),
                zone.file(),
            )
            .expect("write a zone file");
            config.push_str(&format!("  - domain: {}\n", zone.origin));
            if zone.signed {
                config.push_str("    dnssec-signing: on\n    dnssec-policy: manual\n");
            }
        }
        let config_file = root.join("knot.conf");
        std::fs::write(&config_file, config).expect("write knot.conf");
        // Keys made before the start (a KSK and a ZSK per signed zone); all of them are the
        // trust anchor, so a validator needs no DS records above the zone.
        let mut anchors = String::new();
        for zone in zones.iter().filter(|zone| zone.signed) {
            let origin = format!("{}.", zone.origin);
            for ksk in ["ksk=yes", "ksk=no"] {
                let id = keymgr(
                    &config_file,
                    &[&origin, "generate", "algorithm=ECDSAP256SHA256", ksk],
                );
                let dnskey = keymgr(&config_file, &[&origin, "dnskey", id.trim()]);
                let dnskey = dnskey.trim().replacen(" DNSKEY ", " 3600 IN DNSKEY ", 1);
                anchors.push_str(&dnskey);
                anchors.push('\n');
            }
        }
        let trust_anchor = (!anchors.is_empty()).then(|| {
            let path = root.join("trust-anchor.txt");
            std::fs::write(&path, &anchors).expect("write the trust anchor");
            path
        });
        let check = Command::new(system_program("knotc"))
            .arg("-c")
            .arg(&config_file)
            .arg("conf-check")
            .output()
            .expect("run knotc (Debian package knot)");
        assert!(
            check.status.success(),
            "knot.conf is invalid: {}",
            String::from_utf8_lossy(&check.stderr)
        );
        let mut command = Command::new(system_program("knotd"));
        command.arg("-c").arg(&config_file);
        let mut guard = Guard::spawn("knotd", &mut command);
        wait_for_port(&mut guard, address, Duration::from_secs(30));
        // Zones load (and are signed) after the port opens: wait until each one answers.
        for zone in zones {
            let started = std::time::Instant::now();
            loop {
                let read = Command::new(system_program("knotc"))
                    .arg("-c")
                    .arg(&config_file)
                    .args(["zone-read", &format!("{}.", zone.origin), "@", "SOA"])
                    .output()
                    .expect("run knotc");
                if read.status.success() && !read.stdout.is_empty() {
                    break;
                }
                assert!(
                    started.elapsed() < Duration::from_secs(30),
                    "Knot did not load {}: {}",
                    zone.origin,
                    String::from_utf8_lossy(&read.stderr)
                );
                std::thread::sleep(Duration::from_millis(20));
            }
        }
        Knot {
            address,
            trust_anchor,
            _guard: guard,
            _dir: dir,
        }
    }
}

/// Runs `keymgr -c CONFIG ARGS…` and returns its output.
fn keymgr(config: &Path, args: &[&str]) -> String {
    let output = Command::new(system_program("keymgr"))
        .arg("-c")
        .arg(config)
        .args(args)
        .output()
        .expect("run keymgr (Debian package knot)");
    assert!(
        output.status.success(),
        "keymgr {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// The TLSA data of a `3 1 1` record for `cert`: the SHA-256 of its public key, in hex, made the
/// way admins make it (`openssl x509 -pubkey | openssl pkey -pubin -outform DER | openssl dgst`).
pub fn spki_sha256(cert: &ServerCert) -> String {
    let output = Command::new("sh")
        .arg("-c")
        .arg("openssl x509 -in \"$0\" -noout -pubkey | openssl pkey -pubin -outform DER | openssl dgst -sha256 -r")
        .arg(&cert.cert_file)
        .output()
        .expect("run openssl");
    let text = String::from_utf8_lossy(&output.stdout);
    let hex = text
        .split_whitespace()
        .next()
        .unwrap_or_default()
        .to_owned();
    assert_eq!(hex.len(), 64, "openssl printed {text:?}");
    hex
}

/// An HTTPS server on `ip:port` answering each path with a file's bytes as the complete HTTP
/// response (`openssl s_server -HTTP`): status line, headers and body exactly as given.
#[derive(Debug)]
pub struct HttpsFiles {
    _guard: Guard,
    _dir: tempfile::TempDir,
}

impl HttpsFiles {
    pub fn start(
        ip: IpAddr,
        port: u16,
        cert: &ServerCert,
        files: &[(&str, Vec<u8>)],
    ) -> HttpsFiles {
        let dir = tempfile::tempdir().expect("temporary directory");
        for (path, response) in files {
            let file = dir.path().join(path.trim_start_matches('/'));
            if let Some(parent) = file.parent() {
                std::fs::create_dir_all(parent).expect("create a web directory");
            }
            std::fs::write(&file, response).expect("write a web file");
        }
        let address = SocketAddr::new(ip, port);
        let mut command = Command::new("openssl");
        command
            .current_dir(dir.path())
            .arg("s_server")
            .arg("-quiet")
            .arg("-HTTP")
            .arg("-accept")
            .arg(address.to_string())
            .arg("-cert")
            .arg(&cert.cert_file)
            .arg("-key")
            .arg(&cert.key_file);
        let mut guard = Guard::spawn("openssl s_server -HTTP", &mut command);
        wait_for_port(&mut guard, address, Duration::from_secs(30));
        HttpsFiles {
            _guard: guard,
            _dir: dir,
        }
    }

    /// A complete `200 text/plain` response with `body`.
    pub fn text(body: &[u8]) -> Vec<u8> {
        let mut response = format!(
            "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\nContent-Length: {}\r\n\r\n",
            body.len()
        )
        .into_bytes();
        response.extend_from_slice(body);
        response
    }
}

/// Accepts TCP connections on `ip:port` and never sends a byte (until dropped).
#[derive(Debug)]
pub struct Tarpit {
    stop: Arc<AtomicBool>,
}

impl Tarpit {
    pub fn start(ip: IpAddr, port: u16) -> Tarpit {
        let listener = TcpListener::bind((ip, port)).expect("bind the tarpit");
        listener.set_nonblocking(true).expect("non-blocking");
        let stop = Arc::new(AtomicBool::new(false));
        let stopped = stop.clone();
        std::thread::spawn(move || {
            let mut held = Vec::new();
            while !stopped.load(Ordering::Relaxed) {
                match listener.accept() {
                    Ok((stream, _)) => held.push(stream),
                    Err(_) => std::thread::sleep(Duration::from_millis(20)),
                }
            }
        });
        Tarpit { stop }
    }
}

impl Drop for Tarpit {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

/// A DNS server on 127.0.0.1 (UDP and TCP, same port) that answers every query with the query's
/// id followed by a header promising records that never come.
#[derive(Debug)]
pub struct GarbageDns {
    pub address: SocketAddr,
    stop: Arc<AtomicBool>,
}

impl GarbageDns {
    pub fn start() -> GarbageDns {
        Self::start_answering(true)
    }

    /// A DNS server that reads every query and never answers (UDP and TCP): lookups can only end
    /// by their deadline.
    pub fn start_silent() -> GarbageDns {
        Self::start_answering(false)
    }

    fn start_answering(answer: bool) -> GarbageDns {
        let tcp = TcpListener::bind("127.0.0.1:0").expect("bind TCP");
        let address = tcp.local_addr().expect("address");
        let udp = UdpSocket::bind(address).expect("bind UDP on the same port");
        udp.set_read_timeout(Some(Duration::from_millis(50)))
            .expect("timeout");
        tcp.set_nonblocking(true).expect("non-blocking");
        let stop = Arc::new(AtomicBool::new(false));
        let stopped = stop.clone();
        std::thread::spawn(move || {
            let mut buffer = [0u8; 1500];
            while !stopped.load(Ordering::Relaxed) {
                if let Ok((len, peer)) = udp.recv_from(&mut buffer)
                    && len >= 2
                    && answer
                {
                    let _ = udp.send_to(&garbage(&buffer[..2]), peer);
                }
                if let Ok((mut stream, _)) = tcp.accept() {
                    use std::io::{Read, Write};
                    let _ = stream.set_read_timeout(Some(Duration::from_millis(500)));
                    let mut query = [0u8; 514];
                    if let Ok(len) = stream.read(&mut query)
                        && len >= 4
                        && answer
                    {
                        let answer = garbage(&query[2..4]);
                        let mut framed = (answer.len() as u16).to_be_bytes().to_vec();
                        framed.extend_from_slice(&answer);
                        let _ = stream.write_all(&framed);
                    }
                }
            }
        });
        GarbageDns { address, stop }
    }
}

impl Drop for GarbageDns {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

/// `id`, "response, no error", one question and 200 answers, then junk that parses as neither.
fn garbage(id: &[u8]) -> Vec<u8> {
    let mut answer = id.to_vec();
    answer.extend_from_slice(&[0x81, 0x80, 0, 1, 0, 200, 0, 0, 0, 0]);
    answer.extend_from_slice(&[0xc0, 0xff, 0xee, 0x3f, 0x3f, 0x3f, 0xff, 0xff]);
    answer
}
