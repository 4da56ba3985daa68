//! A real Redis server (Debian's `redis-server`) on a loopback port, without persistence: the
//! store a fleet of replicas shares. Either bare, or running the shipped
//! `deploy/redis/mailtls.conf` with a password (and TLS). It can be stopped and started again on
//! the same port, as a store that goes away and comes back.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::Duration;

use tempfile::TempDir;

use crate::pki::ServerCert;
use crate::process::{Guard, free_port, system_program, wait_for_port};

/// `redis-server` on 127.0.0.1, killed on drop.
#[derive(Debug)]
pub struct RedisServer {
    pub port: u16,
    /// The password the shipped configuration was given.
    password: Option<String>,
    tls: bool,
    /// The shipped configuration with the test's values, when started from it.
    config: Option<(TempDir, PathBuf)>,
    guard: Option<Guard>,
}

impl RedisServer {
    /// A bare server: no password, no TLS, nothing on disk.
    pub fn start() -> RedisServer {
        let mut server = RedisServer {
            port: free_port(),
            password: None,
            tls: false,
            config: None,
            guard: None,
        };
        server.restart();
        server
    }

    /// `deploy/redis/mailtls.conf` as shipped, but on 127.0.0.1 and a free port, with
    /// `password`, and with its TLS lines switched on with `tls`'s certificate.
    pub fn shipped(password: &str, tls: Option<&ServerCert>) -> RedisServer {
        let port = free_port();
        let path = crate::workspace_root().join("deploy/redis/mailtls.conf");
        let shipped = std::fs::read_to_string(&path).expect("deploy/redis/mailtls.conf");
        let mut lines = Vec::new();
        for line in shipped.lines() {
            let line = match line.split_whitespace().next() {
                Some("bind") => "bind 127.0.0.1".to_owned(),
                Some("port") if tls.is_none() => format!("port {port}"),
                Some("requirepass") => format!("requirepass {password}"),
                _ => line.to_owned(),
            };
            lines.push(line);
        }
        if let Some(cert) = tls {
            lines.extend([
                "port 0".to_owned(),
                format!("tls-port {port}"),
                format!("tls-cert-file {}", cert.cert_file.display()),
                format!("tls-key-file {}", cert.key_file.display()),
                "tls-auth-clients no".to_owned(),
            ]);
        }
        let dir = tempfile::tempdir().expect("temporary directory");
        lines.push(format!("dir {}", dir.path().display()));
        let config = dir.path().join("mailtls.conf");
        std::fs::write(&config, lines.join("\n") + "\n").expect("write the configuration");
        let mut server = RedisServer {
            port,
            password: Some(password.to_owned()),
            tls: tls.is_some(),
            config: Some((dir, config)),
            guard: None,
        };
        server.restart();
        server
    }

    /// The URL a replica is given (`--store`): with the password, `rediss://` for TLS.
    pub fn url(&self) -> String {
        self.url_for("127.0.0.1")
    }

    /// [`RedisServer::url`] naming the server `host` (which must resolve to 127.0.0.1).
    pub fn url_for(&self, host: &str) -> String {
        let scheme = if self.tls { "rediss" } else { "redis" };
        let password = self
            .password
            .as_ref()
            .map(|password| format!(":{password}@"))
            .unwrap_or_default();
        format!("{scheme}://{password}{host}:{}/0", self.port)
    }

    /// Stops the server (the store is gone; its data too).
    pub fn stop(&mut self) {
        self.guard = None;
    }

    /// Starts the server (again) on its port and waits until it accepts connections.
    pub fn restart(&mut self) {
        self.stop();
        let mut command = Command::new(system_program("redis-server"));
        match &self.config {
            Some((_, config)) => {
                command.arg(config);
            }
            None => {
                command
                    .args(["--bind", "127.0.0.1", "--port"])
                    .arg(self.port.to_string())
                    .args([
                        "--save",
                        "",
                        "--appendonly",
                        "no",
                        "--protected-mode",
                        "yes",
                    ])
                    .args(["--dir", &std::env::temp_dir().to_string_lossy()]);
            }
        }
        command.stdout(Stdio::null()).stderr(Stdio::null());
        let mut guard = Guard::spawn("redis-server", &mut command);
        wait_for_port(
            &mut guard,
            SocketAddr::from(([127, 0, 0, 1], self.port)),
            Duration::from_secs(10),
        );
        self.guard = Some(guard);
    }

    /// `redis-cli` against this (bare) server; its trimmed output.
    pub fn cli(&self, args: &[&str]) -> String {
        let output = Command::new(system_program("redis-cli"))
            .args(["-h", "127.0.0.1", "-p", &self.port.to_string()])
            .args(args)
            .output()
            .expect("redis-cli");
        assert!(output.status.success(), "redis-cli {args:?}: {output:?}");
        String::from_utf8_lossy(&output.stdout).trim().to_owned()
    }
}
