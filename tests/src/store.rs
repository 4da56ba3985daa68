//! A real Redis server (Debian's `redis-server`) on a loopback port, without persistence: the
//! store a fleet of replicas shares. It can be stopped and started again on the same port, as a
//! store that goes away and comes back.

use std::net::SocketAddr;
use std::process::{Command, Stdio};
use std::time::Duration;

use crate::process::{Guard, free_port, system_program, wait_for_port};

/// `redis-server` on 127.0.0.1, killed on drop.
#[derive(Debug)]
pub struct RedisServer {
    pub port: u16,
    guard: Option<Guard>,
}

impl RedisServer {
    pub fn start() -> RedisServer {
        let mut server = RedisServer {
            port: free_port(),
            guard: None,
        };
        server.restart();
        server
    }

    /// The URL a replica is given (`--store`).
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/0", self.port)
    }

    /// Stops the server (the store is gone; its data too).
    pub fn stop(&mut self) {
        self.guard = None;
    }

    /// Starts the server (again) on its port and waits until it accepts connections.
    pub fn restart(&mut self) {
        self.stop();
        let mut command = Command::new(system_program("redis-server"));
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
            .args(["--dir", &std::env::temp_dir().to_string_lossy()])
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        let mut guard = Guard::spawn("redis-server", &mut command);
        wait_for_port(
            &mut guard,
            SocketAddr::from(([127, 0, 0, 1], self.port)),
            Duration::from_secs(10),
        );
        self.guard = Some(guard);
    }

    /// `redis-cli` against this server; its trimmed output.
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
