//! Debian's nginx and HAProxy in front of the service, each running the snippet the repository
//! ships (`deploy/nginx/mailtls.conf`, `deploy/haproxy/mailtls.cfg`) inside Debian's own main
//! configuration. Only what a test must change is changed: a loopback port instead of 443 and
//! 80, no TLS (test clients speak plain HTTP), the replicas' ports, and files in a temporary
//! directory instead of /run and /var/log. Everything that decides how answers travel —
//! buffering, timeouts, health checks, retries — is the shipped text.

use std::net::SocketAddr;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

use tempfile::TempDir;

use crate::process::{Guard, free_port, wait_for_port};

/// The shipped snippet's replica addresses, replaced by the test's.
const SHIPPED_REPLICAS: [&str; 2] = ["127.0.0.1:8080", "127.0.0.1:8081"];

/// `snippet` with the shipped replica lines pointing at `replicas`: a second line deleted when
/// there is one replica, as its comment says; more lines like the last one (`replica3`, …)
/// when there are more than two.
fn with_replicas(snippet: &str, replicas: &[SocketAddr]) -> String {
    let mut out = Vec::new();
    for line in snippet.lines() {
        match SHIPPED_REPLICAS
            .iter()
            .position(|shipped| line.contains(shipped))
        {
            Some(index) => {
                if let Some(replica) = replicas.get(index) {
                    out.push(line.replace(SHIPPED_REPLICAS[index], &replica.to_string()));
                }
                if index + 1 == SHIPPED_REPLICAS.len() {
                    for (n, replica) in replicas.iter().enumerate().skip(SHIPPED_REPLICAS.len()) {
                        out.push(
                            line.replace(SHIPPED_REPLICAS[index], &replica.to_string())
                                .replace(
                                    &format!("replica{}", index + 1),
                                    &format!("replica{}", n + 1),
                                ),
                        );
                    }
                }
            }
            None => out.push(line.to_owned()),
        }
    }
    out.join("\n") + "\n"
}

fn shipped(relative: &str) -> String {
    let path = crate::workspace_root().join(relative);
    std::fs::read_to_string(&path).unwrap_or_else(|error| panic!("{}: {error}", path.display()))
}

/// nginx running `deploy/nginx/mailtls.conf`.
#[derive(Debug)]
pub struct Nginx {
    pub port: u16,
    _dir: TempDir,
    _guard: Guard,
}

impl Nginx {
    pub fn start(replicas: &[SocketAddr]) -> Nginx {
        let dir = tempfile::tempdir().expect("temporary directory");
        let port = free_port();
        let snippet: Vec<String> = with_replicas(&shipped("deploy/nginx/mailtls.conf"), replicas)
            .lines()
            .filter(|line| {
                let line = line.trim();
                !line.starts_with("ssl_") && !line.starts_with("listen [::]")
            })
            .map(|line| line.replace("listen 443 ssl;", &format!("listen 127.0.0.1:{port};")))
            .collect();
        let site = dir.path().join("mailtls.conf");
        let logs = format!("{}/", dir.path().display());
        std::fs::write(&site, snippet.join("\n").replace("/var/log/nginx/", &logs))
            .expect("write the site");
        let main = debian_nginx_conf(dir.path(), &site);
        let conf = dir.path().join("nginx.conf");
        std::fs::write(&conf, main).expect("write nginx.conf");
        let mut command = Command::new(crate::process::system_program("nginx"));
        command
            .arg("-c")
            .arg(&conf)
            .arg("-g")
            .arg("daemon off;")
            .stderr(std::process::Stdio::null());
        let mut guard = Guard::spawn_tree("nginx", &mut command);
        wait_for_port(
            &mut guard,
            SocketAddr::from(([127, 0, 0, 1], port)),
            Duration::from_secs(10),
        );
        Nginx {
            port,
            _dir: dir,
            _guard: guard,
        }
    }

    pub fn base_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
}

/// Debian's /etc/nginx/nginx.conf with its files moved into `dir`, workers as root (they read
/// the test's temporary files), and `site` as the only site.
fn debian_nginx_conf(dir: &Path, site: &Path) -> String {
    let debian = std::fs::read_to_string("/etc/nginx/nginx.conf").expect("Debian's nginx.conf");
    let mut out = Vec::new();
    for line in debian.lines() {
        let trimmed = line.trim();
        let replaced = if trimmed.starts_with("user ") {
            "user root;".to_owned()
        } else if trimmed.starts_with("pid ") {
            format!("pid {};", dir.join("nginx.pid").display())
        } else if trimmed.starts_with("error_log ") {
            format!("error_log {};", dir.join("error.log").display())
        } else if trimmed.starts_with("access_log ") {
            format!("access_log {};", dir.join("access.log").display())
        } else if trimmed.starts_with("include /etc/nginx/sites-enabled/") {
            format!("include {};", site.display())
        } else if trimmed.starts_with("include /etc/nginx/conf.d/") {
            continue;
        } else {
            line.to_owned()
        };
        out.push(replaced);
    }
    out.join("\n") + "\n"
}

/// HAProxy running `deploy/haproxy/mailtls.cfg`.
#[derive(Debug)]
pub struct Haproxy {
    pub port: u16,
    _dir: TempDir,
    _guard: Guard,
}

impl Haproxy {
    pub fn start(replicas: &[SocketAddr]) -> Haproxy {
        let dir = tempfile::tempdir().expect("temporary directory");
        let port = free_port();
        let snippet: Vec<String> = with_replicas(&shipped("deploy/haproxy/mailtls.cfg"), replicas)
            .lines()
            .filter(|line| {
                let line = line.trim();
                line != "bind :80" && !line.starts_with("http-request redirect")
            })
            .map(|line| {
                if line.trim().starts_with("bind :443 ssl") {
                    format!("    bind 127.0.0.1:{port}")
                } else {
                    line.to_owned()
                }
            })
            .collect();
        let debian =
            std::fs::read_to_string("/etc/haproxy/haproxy.cfg").expect("Debian's haproxy.cfg");
        // Debian's global and defaults, without what needs the system's service account and
        // directories (chroot, user, the stats socket, syslog) or a background process.
        let base: Vec<&str> = debian
            .lines()
            .filter(|line| {
                let line = line.trim();
                ![
                    "log /dev/log",
                    "chroot",
                    "stats socket",
                    "user ",
                    "group ",
                    "daemon",
                ]
                .iter()
                .any(|dropped| line.starts_with(dropped))
            })
            .collect();
        let cfg = dir.path().join("haproxy.cfg");
        std::fs::write(
            &cfg,
            format!("{}\n\n{}\n", base.join("\n"), snippet.join("\n")),
        )
        .expect("write haproxy.cfg");
        let mut command = Command::new(crate::process::system_program("haproxy"));
        command
            .arg("-db")
            .arg("-f")
            .arg(&cfg)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null());
        let mut guard = Guard::spawn("haproxy", &mut command);
        wait_for_port(
            &mut guard,
            SocketAddr::from(([127, 0, 0, 1], port)),
            Duration::from_secs(10),
        );
        Haproxy {
            port,
            _dir: dir,
            _guard: guard,
        }
    }

    pub fn base_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replica_lines_follow_the_test_a_single_replica_drops_the_second_and_a_third_is_added() {
        let snippet = "a\n    server 127.0.0.1:8080 check\n    server 127.0.0.1:8081 check\nb\n";
        let one = with_replicas(snippet, &["127.0.0.1:9000".parse().expect("address")]);
        assert_eq!(one, "a\n    server 127.0.0.1:9000 check\nb\n");
        let named =
            "    server replica1 127.0.0.1:8080 check\n    server replica2 127.0.0.1:8081 check\n";
        let three: Vec<SocketAddr> = ["127.0.0.1:9000", "127.0.0.1:9001", "127.0.0.1:9002"]
            .map(|a| a.parse().expect("address"))
            .to_vec();
        assert_eq!(
            with_replicas(named, &three),
            "    server replica1 127.0.0.1:9000 check\n    server replica2 127.0.0.1:9001 check\n    \
             server replica3 127.0.0.1:9002 check\n"
        );
    }
}
