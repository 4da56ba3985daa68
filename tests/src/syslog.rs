//! A real syslog daemon for the audit's tests: Debian's rsyslog on a socket of its own, writing
//! every message to one file in Debian 12's default format (`RSYSLOG_FileFormat`: RFC 3339
//! timestamps with microseconds). Mail servers log to it through `/dev/log` when they run in a
//! mount namespace whose `/dev/log` is this socket ([`Rsyslog::wrap`]), so nothing on the host
//! changes and the host's own syslog (if any) sees nothing.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use crate::process::{Guard, system_program};

/// How long rsyslog may take to open its socket.
const START_DEADLINE: Duration = Duration::from_secs(15);

/// A running `rsyslogd -n`.
#[derive(Debug)]
pub struct Rsyslog {
    dir: tempfile::TempDir,
    _guard: Guard,
}

impl Rsyslog {
    pub fn start() -> Rsyslog {
        let dir = tempfile::Builder::new()
            .prefix("mailtls-rsyslog-")
            .tempdir()
            .expect("temporary directory");
        let root = dir.path();
        std::fs::create_dir(root.join("work")).expect("rsyslog's work directory");
        let config = root.join("rsyslog.conf");
        std::fs::write(
            &config,
            format!(
                "global(workDirectory=\"{root}/work\")\n\
                 module(load=\"imuxsock\" SysSock.Use=\"off\")\n\
                 input(type=\"imuxsock\" Socket=\"{root}/log.socket\")\n\
                 *.* action(type=\"omfile\" file=\"{root}/syslog\" template=\"RSYSLOG_FileFormat\")\n",
                root = root.display()
            ),
        )
        .expect("write rsyslog.conf");
        let mut command = Command::new(system_program("rsyslogd"));
        command
            .arg("-n")
            .arg("-f")
            .arg(&config)
            .arg("-i")
            .arg(root.join("rsyslogd.pid"));
        let mut guard = Guard::spawn("rsyslogd", &mut command);
        let socket = root.join("log.socket");
        let deadline = Instant::now() + START_DEADLINE;
        while !socket.exists() {
            assert!(guard.is_running(), "rsyslogd exited at start");
            assert!(
                Instant::now() < deadline,
                "rsyslogd did not open its socket"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        Rsyslog { dir, _guard: guard }
    }

    /// The file every message goes to.
    pub fn log_file(&self) -> PathBuf {
        self.dir.path().join("syslog")
    }

    /// The socket that stands in for `/dev/log`.
    pub fn socket(&self) -> PathBuf {
        self.dir.path().join("log.socket")
    }

    /// `command` run in a private mount namespace whose `/dev` has the host's `null`, `zero`,
    /// `random`, `urandom` and this daemon's socket as `log`: what a mail server sends to
    /// syslog arrives here. `scratch` is a directory for the namespace's `/dev`.
    pub fn wrap(&self, command: &Command, scratch: &Path) -> Command {
        let dev = scratch.join("dev");
        std::fs::create_dir_all(&dev).expect("the namespace's /dev");
        let script = format!(
            "set -e\n\
             for node in null zero random urandom; do\n\
               : > \"{dev}/$node\"\n\
               mount --bind \"/dev/$node\" \"{dev}/$node\"\n\
             done\n\
             : > \"{dev}/log\"\n\
             mount --bind \"{socket}\" \"{dev}/log\"\n\
             mount --rbind \"{dev}\" /dev\n\
             exec \"$@\"\n",
            dev = dev.display(),
            socket = self.socket().display()
        );
        let mut wrapped = Command::new(system_program("unshare"));
        wrapped
            .args([
                "--mount",
                "--propagation",
                "private",
                "--",
                "sh",
                "-c",
                &script,
                "sh",
            ])
            .arg(command.get_program())
            .args(command.get_args());
        wrapped
    }
}
