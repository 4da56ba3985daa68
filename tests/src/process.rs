//! Child processes that die with their guard, and waiting for them to become ready.

use std::io::{BufRead, BufReader};
use std::net::{SocketAddr, TcpListener, TcpStream, UdpSocket};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// A running child process, killed and reaped on drop.
#[derive(Debug)]
pub struct Guard {
    pub name: String,
    child: Child,
    /// Whether the child's descendants are killed with it on drop.
    tree: bool,
}

impl Guard {
    pub fn spawn(name: &str, command: &mut Command) -> Guard {
        let child = command
            .stdin(Stdio::null())
            .spawn()
            .unwrap_or_else(|error| panic!("cannot start {name}: {error}"));
        Guard {
            name: name.to_owned(),
            child,
            tree: false,
        }
    }

    /// Spawns `command` whose descendants are killed with it on drop, so what it started (a
    /// browser under its driver, say) does not outlive a test that failed half-way. It stays in
    /// the test's process group, so Ctrl-C reaches it too.
    pub fn spawn_tree(name: &str, command: &mut Command) -> Guard {
        let mut guard = Guard::spawn(name, command);
        guard.tree = true;
        guard
    }

    /// Spawns `command` and waits until it prints a line containing `marker` on stdout; returns
    /// the guard and that line. Further output is drained in the background.
    pub fn spawn_until_line(
        name: &str,
        command: &mut Command,
        marker: &str,
        deadline: Duration,
    ) -> (Guard, String) {
        let mut guard = Guard::spawn(name, command.stdout(Stdio::piped()));
        let stdout = guard
            .child
            .stdout
            .take()
            .unwrap_or_else(|| panic!("{name}: no stdout"));
        let (sender, receiver) = mpsc::channel();
        let marker = marker.to_owned();
        std::thread::spawn(move || {
            let mut sent = false;
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if !sent && line.contains(&marker) {
                    sent = sender.send(line).is_ok();
                }
            }
        });
        match receiver.recv_timeout(deadline) {
            Ok(line) => (guard, line),
            Err(_) => {
                let status = guard.child.try_wait().ok().flatten();
                panic!("{name} did not become ready within {deadline:?} (exit status: {status:?})")
            }
        }
    }

    /// Whether the process is still running.
    pub fn is_running(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    /// Collects the process's stderr lines in the background (call before it writes much).
    pub fn capture_stderr(&mut self) -> std::sync::Arc<std::sync::Mutex<Vec<String>>> {
        let lines = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        if let Some(stderr) = self.child.stderr.take() {
            let sink = lines.clone();
            std::thread::spawn(move || {
                for line in BufReader::new(stderr).lines() {
                    let Ok(line) = line else { break };
                    if let Ok(mut lines) = sink.lock() {
                        lines.push(line);
                    }
                }
            });
        }
        lines
    }

    /// The process id.
    pub fn id(&self) -> u32 {
        self.child.id()
    }

    /// Sends SIGTERM, as a service manager does to stop a service.
    pub fn terminate(&self) {
        let status = Command::new("kill")
            .arg("-TERM")
            .arg(self.child.id().to_string())
            .status()
            .expect("run kill");
        assert!(status.success(), "kill -TERM {}", self.child.id());
    }

    /// Waits up to `deadline` for the process to exit; its exit code, or `None` if it still runs.
    pub fn wait_for_exit(&mut self, deadline: Duration) -> Option<i32> {
        let started = Instant::now();
        while started.elapsed() < deadline {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Some(status.code().unwrap_or(-1));
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        None
    }
}

impl Drop for Guard {
    fn drop(&mut self) {
        if self.tree {
            let descendants = descendants(self.child.id());
            if !descendants.is_empty() {
                let _ = Command::new("kill")
                    .arg("-KILL")
                    .args(descendants.iter().map(u32::to_string))
                    .stderr(Stdio::null())
                    .status();
            }
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The processes descended from `pid` (children, their children, …), as /proc shows them now.
fn descendants(pid: u32) -> Vec<u32> {
    let mut parent_of = Vec::new();
    for entry in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        let Some(child) = entry
            .file_name()
            .to_str()
            .and_then(|n| n.parse::<u32>().ok())
        else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
            continue;
        };
        // "pid (comm) state ppid …", where comm may hold spaces and parentheses.
        let ppid = stat
            .rfind(')')
            .and_then(|end| stat[end + 1..].split_whitespace().nth(1))
            .and_then(|ppid| ppid.parse::<u32>().ok());
        if let Some(ppid) = ppid {
            parent_of.push((child, ppid));
        }
    }
    let mut found = Vec::new();
    let mut parents = vec![pid];
    while let Some(parent) = parents.pop() {
        for &(child, ppid) in &parent_of {
            if ppid == parent && !found.contains(&child) {
                found.push(child);
                parents.push(child);
            }
        }
    }
    found
}

/// Where [`free_port`] hands out ports: the 12,000 ports below Linux's ephemeral range
/// (32768–60999 by default, so 20768–32767). A port from that range can be taken, between "free
/// a moment ago" and the server's bind, as the source port of any outgoing TCP connection on
/// the machine; and a connect to it while nothing listens yet may pick the same port as its
/// source and connect to itself. (UDP clients that choose their own source ports, as hickory
/// does, may still take one; that window is a few milliseconds.) Where the ephemeral range starts too low to leave room, the ports
/// come from just above 1024 and [`connect_to_listener`] still refuses a self-connection.
fn port_range() -> std::ops::Range<u16> {
    let ephemeral_start = std::fs::read_to_string("/proc/sys/net/ipv4/ip_local_port_range")
        .ok()
        .and_then(|range| range.split_whitespace().next()?.parse::<u16>().ok())
        .unwrap_or(32_768);
    let start = ephemeral_start.saturating_sub(12_000).max(1_025);
    start..ephemeral_start.max(start + 12_000)
}

/// How many ports this test process has handed out.
static PORTS_HANDED_OUT: AtomicU32 = AtomicU32::new(0);

/// A port, free on every address for TCP and UDP a moment ago, that no other caller in this
/// process has been given (for servers that cannot report their own).
pub fn free_port() -> u16 {
    let range = port_range();
    let span = u32::from(range.end - range.start);
    // Processes start at different places, so a benchmark beside a test run rarely meets it.
    let start = std::process::id().wrapping_mul(7919) % span;
    for _ in 0..span {
        let handed_out = PORTS_HANDED_OUT.fetch_add(1, Ordering::Relaxed);
        let offset = (start + handed_out) % span;
        let port = range.start + u16::try_from(offset).expect("offset below the span");
        if TcpListener::bind(("0.0.0.0", port)).is_ok()
            && UdpSocket::bind(("0.0.0.0", port)).is_ok()
        {
            return port;
        }
    }
    panic!("no free port in {range:?}");
}

/// Connects to a listener on `address`. Should a connect to a port in the ephemeral range pick
/// that very port as its source while nothing listens yet, it connects to itself (TCP
/// simultaneous open): that "connection" is refused here as not a listener.
pub fn connect_to_listener(address: SocketAddr, timeout: Duration) -> std::io::Result<TcpStream> {
    let stream = TcpStream::connect_timeout(&address, timeout)?;
    if stream.local_addr()? == address {
        return Err(std::io::Error::new(
            std::io::ErrorKind::ConnectionRefused,
            "connected to itself: nothing listens yet",
        ));
    }
    Ok(stream)
}

/// Waits until something accepts TCP connections on `address`, or panics after `deadline`.
pub fn wait_for_port(guard: &mut Guard, address: SocketAddr, deadline: Duration) {
    let started = Instant::now();
    while started.elapsed() < deadline {
        if connect_to_listener(address, Duration::from_millis(200)).is_ok() {
            return;
        }
        assert!(
            guard.is_running(),
            "{} exited before listening on {address}",
            guard.name
        );
        std::thread::yield_now();
        std::thread::park_timeout(Duration::from_millis(20));
    }
    panic!(
        "{} did not listen on {address} within {deadline:?}",
        guard.name
    );
}

/// Whether `program` can be found on PATH.
pub fn on_path(program: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|paths| std::env::split_paths(&paths).any(|dir| dir.join(program).is_file()))
}

/// A system program by name: from PATH, or from the sbin directories Debian installs daemons to
/// (which a non-login shell's PATH may lack).
pub fn system_program(name: &str) -> std::path::PathBuf {
    let search = std::env::var_os("PATH")
        .map(|paths| std::env::split_paths(&paths).collect::<Vec<_>>())
        .unwrap_or_default();
    search
        .into_iter()
        .chain(["/usr/sbin", "/sbin", "/usr/bin", "/bin"].map(std::path::PathBuf::from))
        .map(|dir| dir.join(name))
        .find(|path| path.is_file())
        .unwrap_or_else(|| std::path::PathBuf::from(name))
}

/// Runs the calling test inside its own network namespace with only loopback (`unshare -n`, as
/// root), so that a broken address policy still cannot send a packet off the machine. Outside a
/// namespace it re-runs the test binary for `test_path` (`module::test`) inside one, asserts that
/// it passed and returns `false`; inside, it returns `true` and the caller does the work.
pub fn in_own_network_namespace(test_path: &str) -> bool {
    const INSIDE: &str = "MAILTLS_TEST_IN_NETNS";
    if std::env::var_os(INSIDE).is_some() {
        return true;
    }
    let exe = std::env::current_exe().expect("test binary");
    let output = Command::new("unshare")
        .args([
            "--net",
            "--",
            "sh",
            "-c",
            "ip link set lo up && exec \"$0\" \"$@\"",
        ])
        .arg(exe)
        .args(["--exact", test_path, "--nocapture", "--test-threads", "1"])
        .env(INSIDE, "1")
        .stderr(Stdio::inherit())
        .output()
        .expect("run unshare (util-linux) and ip (iproute2) as root");
    let stdout = String::from_utf8_lossy(&output.stdout);
    print!("{stdout}");
    assert!(
        output.status.success(),
        "{test_path} failed inside its network namespace"
    );
    // A path that matches no test runs nothing and "passes": that is a broken test, not a pass.
    assert!(
        stdout.contains("test result: ok. 1 passed"),
        "{test_path} ran no test inside its network namespace"
    );
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[should_panic(expected = "ran no test inside its network namespace")]
    fn a_namespaced_test_path_that_matches_nothing_fails() {
        in_own_network_namespace("process::tests::no_such_test");
    }

    #[test]
    fn a_tree_guard_takes_the_grandchildren_along() {
        let mut guard = Guard::spawn_tree(
            "sh",
            Command::new("sh").args(["-c", "sleep 60 & sleep 60 & wait"]),
        );
        let started = Instant::now();
        let sleepers = loop {
            let found = descendants(guard.id());
            if found.len() == 2 {
                break found;
            }
            assert!(started.elapsed() < Duration::from_secs(10), "{found:?}");
            assert!(guard.is_running());
            std::thread::sleep(Duration::from_millis(20));
        };
        drop(guard);
        let started = Instant::now();
        // Killed: gone, or a zombie until whoever inherited them reaps them.
        let alive = |pid: &u32| {
            std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|stat| {
                let state = stat
                    .rfind(')')
                    .and_then(|end| stat[end + 1..].split_whitespace().next());
                state != Some("Z")
            })
        };
        while sleepers.iter().any(alive) {
            assert!(
                started.elapsed() < Duration::from_secs(10),
                "{sleepers:?} outlived their guard"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}
