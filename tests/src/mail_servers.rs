//! Real Dovecot 2.3 and Postfix 3.7 instances on loopback, for what real mail servers do:
//! STARTTLS dialogs, TLS version policies, OpenSSL's security level refusing TLS 1.0.
//!
//! Each instance has its own configuration, state, queue and log in a temporary directory,
//! listens only on 127.0.0.1 ports picked at start, delivers nothing, and runs as root (the e2e
//! tests run as root on Debian 12). Dropping it stops it with its own stop command; whatever is
//! still running after that is killed by process id. `start` returns once every port accepts
//! connections and the plaintext greetings have arrived, or panics with the server's log.
//!
//! [`openssl_handshake`] cross-checks a fixture with the real `openssl s_client`;
//! [`plaintext_capabilities`] and [`offers_starttls`] read what a server advertises before TLS.

use std::collections::HashSet;
use std::fs::File;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{IpAddr, Ipv4Addr, SocketAddr, TcpStream};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use crate::pki::ServerCert;
use crate::process::system_program;
use crate::syslog::Rsyslog;

/// How long a server may take to greet on every port after it was started.
const START_DEADLINE: Duration = Duration::from_secs(30);
/// How long a server may take to stop before its processes are killed.
const STOP_DEADLINE: Duration = Duration::from_secs(10);
/// How long one `openssl s_client` run may take.
const CLIENT_DEADLINE: Duration = Duration::from_secs(15);
/// How long one read of a plaintext dialog may wait.
const READ_TIMEOUT: Duration = Duration::from_secs(5);
/// How long one readiness attempt waits for a greeting before trying a fresh connection.
const GREETING_PATIENCE: Duration = Duration::from_secs(5);
/// The longest line a plaintext dialog reads, and the most lines it collects.
const LINE_CAP: u64 = 4096;
const LINES_CAP: usize = 1000;
/// Lines of a server's logs quoted when it fails to start.
const LOG_EXCERPT_LINES: usize = 40;
/// The name our clients give themselves in `EHLO`.
const CLIENT_NAME: &str = "probe.example.test";

/// Which TLS versions a [`Dovecot`] accepts. Dovecot 2.3 has no maximum version setting, so
/// "only TLS 1.0"-style servers come from [`Postfix`] or `openssl s_server`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DovecotTls {
    /// TLS 1.2 and 1.3 (Debian's default `ssl_min_protocol = TLSv1.2`).
    Modern,
    /// TLS 1.0 to 1.3: `ssl_min_protocol = TLSv1` and `ssl_cipher_list = ALL:@SECLEVEL=0`
    /// (without the security level, OpenSSL 3 finds no signature algorithm for 1.0/1.1).
    Legacy,
    /// TLS 1.3 only: `ssl_min_protocol = TLSv1.3`.
    Tls13Only,
    /// `ssl = no`: neither STARTTLS nor STLS is advertised, and the IMAPS and POP3S ports speak
    /// plaintext IMAP and POP3 (a plaintext service on an implicit-TLS port).
    NoTls,
}

/// Which TLS versions a [`Postfix`] accepts, on all three of its ports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PostfixTls {
    /// TLS 1.2 and 1.3: `>=TLSv1.2`.
    Modern,
    /// TLS 1.0 to 1.3: `>=TLSv1` (Debian 12's default; Postfix lowers OpenSSL's security level
    /// itself, so no cipher-list change is needed).
    Legacy,
    /// TLS 1.0 only: `<=TLSv1`.
    Tls10Only,
    /// TLS 1.1 only: `>=TLSv1.1,<=TLSv1.1`.
    Tls11Only,
    /// TLS 1.2 only: `>=TLSv1.2,<=TLSv1.2` (the chain is then read from TLS 1.2 handshakes).
    Tls12Only,
    /// TLS 1.3 only: `>=TLSv1.3`.
    Tls13Only,
    /// `smtpd_tls_security_level = none`: no STARTTLS in the EHLO reply, and the SMTPS port
    /// speaks plaintext SMTP (no wrapper mode: a plaintext service on an implicit-TLS port).
    NoStarttls,
}

impl PostfixTls {
    /// The value of `smtpd_tls_protocols` and `smtpd_tls_mandatory_protocols`.
    fn protocols(self) -> &'static str {
        match self {
            PostfixTls::Modern => ">=TLSv1.2",
            PostfixTls::Legacy | PostfixTls::NoStarttls => ">=TLSv1",
            PostfixTls::Tls10Only => "<=TLSv1",
            PostfixTls::Tls11Only => ">=TLSv1.1,<=TLSv1.1",
            PostfixTls::Tls12Only => ">=TLSv1.2,<=TLSv1.2",
            PostfixTls::Tls13Only => ">=TLSv1.3",
        }
    }
}

/// The plaintext dialog before the TLS handshake.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialog {
    /// TLS from the first byte (SMTPS, IMAPS, POP3S).
    ImplicitTls,
    /// SMTP: greeting, `EHLO`, `STARTTLS`.
    Smtp,
    /// IMAP: greeting, `CAPABILITY`, `STARTTLS`.
    Imap,
    /// POP3: greeting, `CAPA`, `STLS`.
    Pop3,
}

impl Dialog {
    /// The value of `openssl s_client -starttls`.
    fn starttls_name(self) -> Option<&'static str> {
        match self {
            Dialog::ImplicitTls => None,
            Dialog::Smtp => Some("smtp"),
            Dialog::Imap => Some("imap"),
            Dialog::Pop3 => Some("pop3"),
        }
    }

    /// How the first line of the server's greeting starts.
    fn greeting_prefix(self) -> &'static str {
        match self {
            Dialog::ImplicitTls => "",
            Dialog::Smtp => "220",
            Dialog::Imap => "* OK",
            Dialog::Pop3 => "+OK",
        }
    }

    /// The polite way to hang up before TLS.
    fn goodbye(self) -> &'static [u8] {
        match self {
            Dialog::ImplicitTls => b"",
            Dialog::Smtp | Dialog::Pop3 => b"QUIT\r\n",
            Dialog::Imap => b"z LOGOUT\r\n",
        }
    }
}

/// A running Dovecot 2.3 with IMAP and POP3, each with a STARTTLS and an implicit-TLS port.
#[derive(Debug)]
pub struct Dovecot {
    /// IMAP with STARTTLS (like 143).
    pub imap: u16,
    /// IMAP over implicit TLS (like 993); plaintext IMAP with [`DovecotTls::NoTls`].
    pub imaps: u16,
    /// POP3 with STLS (like 110).
    pub pop3: u16,
    /// POP3 over implicit TLS (like 995); plaintext POP3 with [`DovecotTls::NoTls`].
    pub pop3s: u16,
    /// How long the start took until every port greeted.
    pub startup: Duration,
    config_file: PathBuf,
    log_file: PathBuf,
    output_file: PathBuf,
    master: ServerProcess,
    _dir: tempfile::TempDir,
}

impl Dovecot {
    /// Starts `dovecot -F` with `cert` (its PEM files are read by Dovecot as root) and the TLS
    /// versions `tls` allows; returns once all four ports accept connections and the plaintext
    /// ones greet.
    pub fn start(cert: &ServerCert, tls: DovecotTls) -> Dovecot {
        Self::start_with(cert, tls, &[], None)
    }

    /// Like [`Dovecot::start`], with `accounts` (address, password) that can log in over IMAP
    /// and POP3, with or without TLS; logins are logged as `docs/audit.md` asks (`%k`, the local
    /// port, the SNI name, `imap_id_log = *`), and [`Dovecot::auth_socket`] authenticates for
    /// Postfix. Mail goes to a maildir per account in the temporary directory.
    pub fn start_with_accounts(
        cert: &ServerCert,
        tls: DovecotTls,
        accounts: &[(&str, &str)],
    ) -> Dovecot {
        assert!(!accounts.is_empty(), "accounts to log in with");
        Self::start_with(cert, tls, accounts, None)
    }

    /// Like [`Dovecot::start_with_accounts`], logging to `syslog` (`log_path = syslog`, the
    /// Debian default) instead of its own file.
    pub fn start_with_accounts_on_syslog(
        cert: &ServerCert,
        tls: DovecotTls,
        accounts: &[(&str, &str)],
        syslog: &Rsyslog,
    ) -> Dovecot {
        assert!(!accounts.is_empty(), "accounts to log in with");
        Self::start_with(cert, tls, accounts, Some(syslog))
    }

    fn start_with(
        cert: &ServerCert,
        tls: DovecotTls,
        accounts: &[(&str, &str)],
        syslog: Option<&Rsyslog>,
    ) -> Dovecot {
        let started = Instant::now();
        let dir = server_dir("dovecot");
        let root = dir.path().to_owned();
        for sub in ["run", "state", "home"] {
            std::fs::create_dir(root.join(sub)).expect("create a Dovecot directory");
        }
        let [imap, imaps, pop3, pop3s] = free_ports();
        let config_file = root.join("dovecot.conf");
        let log_file = root.join("dovecot.log");
        let output_file = root.join("dovecot.out");
        let mut config = dovecot_config(&root, cert, tls, [imap, imaps, pop3, pop3s], accounts);
        if syslog.is_some() {
            config = config.replace(
                &format!("log_path = {}\n", log_file.display()),
                "log_path = syslog\n",
            );
        }
        std::fs::write(&config_file, config).expect("write dovecot.conf");

        let mut command = Command::new(system_program("dovecot"));
        command.arg("-F").arg("-c").arg(&config_file);
        if let Some(syslog) = syslog {
            command = syslog.wrap(&command, &root);
        }
        let master = ServerProcess::spawn("dovecot", &mut command, &output_file);
        let mut dovecot = Dovecot {
            imap,
            imaps,
            pop3,
            pop3s,
            startup: Duration::ZERO,
            config_file,
            log_file,
            output_file,
            master,
            _dir: dir,
        };
        let implicit = if tls == DovecotTls::NoTls {
            [Dialog::Imap, Dialog::Pop3]
        } else {
            [Dialog::ImplicitTls, Dialog::ImplicitTls]
        };
        let ports = [
            (imap, Dialog::Imap),
            (pop3, Dialog::Pop3),
            (imaps, implicit[0]),
            (pop3s, implicit[1]),
        ];
        if let Err(problem) =
            wait_until_greeting(&mut dovecot.master, IpAddr::from([127, 0, 0, 1]), &ports)
        {
            panic!(
                "Dovecot ({tls:?}) did not start: {problem}\n{}",
                dovecot.log_excerpt()
            );
        }
        dovecot.startup = started.elapsed();
        dovecot
    }

    /// The end of Dovecot's log and of its standard output and error, for failure messages.
    pub fn log_excerpt(&self) -> String {
        excerpt(&self.log_file, &self.output_file)
    }

    /// The configuration file (`dovecot -c FILE -n` prints what Dovecot made of it).
    pub fn config_file(&self) -> &Path {
        &self.config_file
    }

    /// Dovecot's own log file (`log_path`).
    pub fn log_file(&self) -> &Path {
        &self.log_file
    }

    /// The authentication socket Postfix's `smtpd_sasl_path` names (with accounts only).
    pub fn auth_socket(&self) -> PathBuf {
        self._dir.path().join("run").join("auth-postfix")
    }

    /// The TCP addresses Dovecot's processes listen on, sorted (to prove that a fixture listens
    /// where it says and nowhere else).
    pub fn listening_addresses(&self) -> Vec<SocketAddr> {
        let root = self.master.child.id();
        listening_addresses_of(root, &[root])
    }
}

impl Drop for Dovecot {
    fn drop(&mut self) {
        // `dovecot stop` signals the master and then waits until its pid is gone, which only
        // happens once we reap it: so run it in the background while waiting for the master.
        let stop = Command::new(system_program("dovecot"))
            .arg("-c")
            .arg(&self.config_file)
            .arg("stop")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn();
        self.master.wait_for_exit(STOP_DEADLINE);
        if let Ok(mut stop) = stop {
            let _ = wait_with_deadline(&mut stop, STOP_DEADLINE);
        }
        self.master.kill_leftovers(&[]);
    }
}

/// A running Postfix 3.7 `master` with three `smtpd` services.
#[derive(Debug)]
pub struct Postfix {
    /// SMTP with opportunistic STARTTLS (like 25).
    pub smtp: u16,
    /// Submission with mandatory STARTTLS (like 587): `MAIL` before TLS gets `530`.
    pub submission: u16,
    /// SMTP over implicit TLS (like 465); plaintext SMTP with [`PostfixTls::NoStarttls`].
    pub smtps: u16,
    /// How long the start took until every port greeted.
    pub startup: Duration,
    config_dir: PathBuf,
    queue_dir: PathBuf,
    log_file: PathBuf,
    output_file: PathBuf,
    wrapper: ServerProcess,
    /// Read once Postfix greets, in case the pid file is gone by the time it is stopped.
    master_pid: Option<u32>,
    _dir: tempfile::TempDir,
}

impl Postfix {
    /// Starts `postfix start-fg` with `cert` and the TLS versions `tls` allows; returns once all
    /// three ports accept connections and the plaintext ones greet.
    pub fn start(cert: &ServerCert, tls: PostfixTls) -> Postfix {
        Self::start_at(Ipv4Addr::LOCALHOST, None, cert, tls)
    }

    /// Like [`Postfix::start`], listening on another loopback address `ip`, with the SMTP port
    /// `smtp` when given (MX hosts of one test domain share a port on different addresses).
    pub fn start_at(
        ip: Ipv4Addr,
        smtp: Option<u16>,
        cert: &ServerCert,
        tls: PostfixTls,
    ) -> Postfix {
        Self::start_with(ip, smtp, cert, tls, "", None, None)
    }

    /// Like [`Postfix::start`], but every smtpd process serves one session and exits
    /// (`max_use = 1`), so a certificate file replaced on disk is what the next connection gets,
    /// while tlsmgr keeps the session ticket keys: what a live server looks like after its
    /// certificate was renewed or swapped.
    pub fn start_one_session_per_process(cert: &ServerCert, tls: PostfixTls) -> Postfix {
        Self::start_with(
            Ipv4Addr::LOCALHOST,
            None,
            cert,
            tls,
            "max_use = 1\n",
            None,
            None,
        )
    }

    /// Like [`Postfix::start`], with logins checked by Dovecot at `auth_socket` (see
    /// [`Dovecot::start_with_accounts`]): a client that logs in may send mail, which is
    /// discarded (`discard:`), never delivered. Unauthenticated recipients are still refused.
    pub fn start_with_logins(cert: &ServerCert, tls: PostfixTls, auth_socket: &Path) -> Postfix {
        Self::start_with(
            Ipv4Addr::LOCALHOST,
            None,
            cert,
            tls,
            "",
            Some(auth_socket),
            None,
        )
    }

    /// Like [`Postfix::start_with_logins`], logging to `syslog` (no `maillog_file`).
    pub fn start_with_logins_on_syslog(
        cert: &ServerCert,
        tls: PostfixTls,
        auth_socket: &Path,
        syslog: &Rsyslog,
    ) -> Postfix {
        Self::start_with(
            Ipv4Addr::LOCALHOST,
            None,
            cert,
            tls,
            "",
            Some(auth_socket),
            Some(syslog),
        )
    }

    fn start_with(
        ip: Ipv4Addr,
        smtp: Option<u16>,
        cert: &ServerCert,
        tls: PostfixTls,
        extra_main_cf: &str,
        auth_socket: Option<&Path>,
        syslog: Option<&Rsyslog>,
    ) -> Postfix {
        let started = Instant::now();
        let dir = server_dir("postfix");
        let root = dir.path().to_owned();
        let config_dir = root.join("config");
        let queue_dir = root.join("queue");
        let data_dir = root.join("data");
        for path in [&config_dir, &queue_dir, &data_dir] {
            std::fs::create_dir(path).expect("create a Postfix directory");
        }
        // tlsmgr writes its PRNG seed there as the postfix user.
        run(Command::new("chown").arg("postfix").arg(&data_dir));
        let [free_smtp, submission, smtps] = free_ports();
        let smtp = smtp.unwrap_or(free_smtp);
        let log_file = root.join("maillog");
        let output_file = root.join("postfix.out");
        let mut main_cf = postfix_main_cf(&root, cert, tls, ip, auth_socket) + extra_main_cf;
        if syslog.is_some() {
            main_cf = main_cf
                .lines()
                .filter(|line| !line.starts_with("maillog_file"))
                .map(|line| format!("{line}\n"))
                .collect();
        }
        write_cold(&config_dir.join("main.cf"), &main_cf);
        write_cold(
            &config_dir.join("master.cf"),
            &postfix_master_cf(tls, ip, [smtp, submission, smtps]),
        );

        // `start-fg` keeps the master a descendant of ours (`postfix-script` waits for it)
        // instead of a daemon re-parented to init, so it can be found and reaped. It still runs
        // the integrity checks and creates the queue directories, like `postfix start`.
        let mut command = Command::new(system_program("postfix"));
        command.arg("-c").arg(&config_dir).arg("start-fg");
        if let Some(syslog) = syslog {
            command = syslog.wrap(&command, &root);
        }
        let wrapper = ServerProcess::spawn("postfix", &mut command, &output_file);
        let mut postfix = Postfix {
            smtp,
            submission,
            smtps,
            startup: Duration::ZERO,
            config_dir,
            queue_dir,
            log_file,
            output_file,
            wrapper,
            master_pid: None,
            _dir: dir,
        };
        let implicit = if tls == PostfixTls::NoStarttls {
            Dialog::Smtp
        } else {
            Dialog::ImplicitTls
        };
        let ports = [
            (smtp, Dialog::Smtp),
            (submission, Dialog::Smtp),
            (smtps, implicit),
        ];
        if let Err(problem) = wait_until_greeting(&mut postfix.wrapper, ip.into(), &ports) {
            panic!(
                "Postfix ({tls:?}) did not start: {problem}\n{}",
                postfix.log_excerpt()
            );
        }
        postfix.master_pid = postfix.read_master_pid();
        postfix.startup = started.elapsed();
        postfix
    }

    /// The end of Postfix's mail log and of `postfix start-fg`'s output, for failure messages.
    pub fn log_excerpt(&self) -> String {
        excerpt(&self.log_file, &self.output_file)
    }

    /// Postfix's mail log (`maillog_file`, written by postlogd in syslog's format).
    pub fn log_file(&self) -> &Path {
        &self.log_file
    }

    /// The configuration directory (`postconf -c DIR -n` prints what Postfix made of it).
    pub fn config_dir(&self) -> &Path {
        &self.config_dir
    }

    /// The TCP addresses Postfix's processes listen on, sorted (to prove that a fixture listens
    /// where it says and nowhere else).
    pub fn listening_addresses(&self) -> Vec<SocketAddr> {
        let root = self.wrapper.child.id();
        let groups: Vec<u32> = [root].into_iter().chain(self.master_pid).collect();
        listening_addresses_of(root, &groups)
    }

    /// The master's pid, from `queue/pid/master.pid` (padded with spaces).
    fn read_master_pid(&self) -> Option<u32> {
        std::fs::read_to_string(self.queue_dir.join("pid").join("master.pid"))
            .ok()?
            .trim()
            .parse()
            .ok()
    }
}

impl Drop for Postfix {
    fn drop(&mut self) {
        let master = self.master_pid.or_else(|| self.read_master_pid());
        let mut stop = Command::new(system_program("postfix"));
        stop.arg("-c").arg(&self.config_dir).arg("stop");
        if let Ok(mut stop) = stop
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
        {
            let _ = wait_with_deadline(&mut stop, STOP_DEADLINE);
        }
        self.wrapper.wait_for_exit(STOP_DEADLINE);
        // The master made itself a session leader, so its group is its own pid.
        let master_group: Vec<u32> = master.into_iter().collect();
        self.wrapper.kill_leftovers(&master_group);
    }
}

/// What `openssl s_client` made of one handshake.
#[derive(Debug, Clone)]
pub struct Handshake {
    /// The negotiated version as OpenSSL names it (`TLSv1`, `TLSv1.1`, `TLSv1.2`, `TLSv1.3`),
    /// or `None` if there was no handshake.
    pub negotiated: Option<String>,
    /// `s_client`'s standard output and error, for failure messages.
    pub transcript: String,
}

impl Handshake {
    /// Whether the server completed a handshake.
    pub fn accepted(&self) -> bool {
        self.negotiated.is_some()
    }
}

/// A TLS version `openssl s_client` is limited to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TlsVersion {
    Tls10,
    Tls11,
    Tls12,
    Tls13,
}

impl TlsVersion {
    /// The `s_client` options for exactly this version. Debian's OpenSSL 3 refuses TLS 1.0 and
    /// 1.1 on the client side too ("legacy sigalg disallowed") unless the security level is 0.
    pub fn s_client_args(self) -> &'static [&'static str] {
        match self {
            TlsVersion::Tls10 => &["-tls1", "-cipher", "DEFAULT:@SECLEVEL=0"],
            TlsVersion::Tls11 => &["-tls1_1", "-cipher", "DEFAULT:@SECLEVEL=0"],
            TlsVersion::Tls12 => &["-tls1_2"],
            TlsVersion::Tls13 => &["-tls1_3"],
        }
    }

    /// How OpenSSL names the version in `Protocol version: …`.
    pub fn openssl_name(self) -> &'static str {
        match self {
            TlsVersion::Tls10 => "TLSv1",
            TlsVersion::Tls11 => "TLSv1.1",
            TlsVersion::Tls12 => "TLSv1.2",
            TlsVersion::Tls13 => "TLSv1.3",
        }
    }
}

/// Runs `openssl s_client -brief -connect 127.0.0.1:PORT [-starttls …] <version options>`
/// with empty input (it hangs up right after the handshake) and reports the outcome. The
/// certificate is not verified: this checks versions, not trust.
pub fn openssl_handshake(port: u16, dialog: Dialog, version: TlsVersion) -> Handshake {
    openssl_handshake_with_args(port, dialog, version.s_client_args())
}

/// Like [`openssl_handshake`], with any `s_client` options (`-cipher`, `-groups`, …).
pub fn openssl_handshake_with_args(port: u16, dialog: Dialog, args: &[&str]) -> Handshake {
    let mut command = Command::new("openssl");
    command
        .arg("s_client")
        .arg("-brief")
        .arg("-connect")
        .arg(format!("127.0.0.1:{port}"));
    if let Some(protocol) = dialog.starttls_name() {
        command
            .arg("-starttls")
            .arg(protocol)
            .arg("-name")
            .arg(CLIENT_NAME);
    }
    command.args(args);
    let output = run_with_deadline(&mut command, CLIENT_DEADLINE);
    let negotiated = output
        .transcript
        .lines()
        .find_map(|line| line.strip_prefix("Protocol version:"))
        .map(|version| version.trim().to_owned())
        .filter(|_| output.status.is_some_and(|status| status.success()));
    Handshake {
        negotiated,
        transcript: output.transcript,
    }
}

/// Speaks the plaintext dialog on `port` up to the capability list and hangs up politely:
/// SMTP `EHLO` reply lines, IMAP greeting plus `CAPABILITY` lines, POP3 `CAPA` lines.
pub fn plaintext_capabilities(port: u16, dialog: Dialog) -> io::Result<Vec<String>> {
    let stream =
        TcpStream::connect_timeout(&SocketAddr::from(([127, 0, 0, 1], port)), READ_TIMEOUT)?;
    stream.set_read_timeout(Some(READ_TIMEOUT))?;
    stream.set_write_timeout(Some(READ_TIMEOUT))?;
    let mut writer = stream.try_clone()?;
    let mut reader = BufReader::new(stream);
    let mut lines = Vec::new();
    match dialog {
        Dialog::ImplicitTls => {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "implicit TLS has no plaintext dialog",
            ));
        }
        Dialog::Smtp => {
            read_until(&mut reader, smtp_reply_ends)?;
            writer.write_all(format!("EHLO {CLIENT_NAME}\r\n").as_bytes())?;
            lines = read_until(&mut reader, smtp_reply_ends)?;
        }
        Dialog::Imap => {
            lines.extend(read_until(&mut reader, |_| true)?);
            writer.write_all(b"c CAPABILITY\r\n")?;
            lines.extend(read_until(&mut reader, |line| line.starts_with("c "))?);
        }
        Dialog::Pop3 => {
            read_until(&mut reader, |_| true)?;
            writer.write_all(b"CAPA\r\n")?;
            lines = read_until(&mut reader, |line| line == "." || line.starts_with("-ERR"))?;
        }
    }
    let _ = writer.write_all(dialog.goodbye());
    Ok(lines)
}

/// Whether the server on `port` advertises STARTTLS (SMTP, IMAP) or STLS (POP3) before TLS.
pub fn offers_starttls(port: u16, dialog: Dialog) -> io::Result<bool> {
    let keyword = if dialog == Dialog::Pop3 {
        "STLS"
    } else {
        "STARTTLS"
    };
    let lines = plaintext_capabilities(port, dialog)?;
    Ok(lines.iter().any(|line| {
        line.to_ascii_uppercase()
            .split(|c: char| !c.is_ascii_alphanumeric())
            .any(|word| word == keyword)
    }))
}

/// Whether `line` is the last line of an SMTP reply (`250 …` rather than `250-…`).
fn smtp_reply_ends(line: &str) -> bool {
    line.as_bytes().get(3) != Some(&b'-')
}

/// Reads lines (without CRLF) until `last` says one is the last; errors on EOF, on an
/// over-long line and after too many lines.
fn read_until(reader: &mut impl BufRead, last: impl Fn(&str) -> bool) -> io::Result<Vec<String>> {
    let mut lines = Vec::new();
    while lines.len() < LINES_CAP {
        let mut bytes = Vec::new();
        reader.take(LINE_CAP).read_until(b'\n', &mut bytes)?;
        if !bytes.ends_with(b"\n") {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                format!(
                    "connection ended or line too long after {lines:?} {:?}",
                    String::from_utf8_lossy(&bytes)
                ),
            ));
        }
        let line = String::from_utf8_lossy(&bytes).trim_end().to_owned();
        let done = last(&line);
        lines.push(line);
        if done {
            return Ok(lines);
        }
    }
    Err(io::Error::new(
        io::ErrorKind::InvalidData,
        format!("more than {LINES_CAP} lines"),
    ))
}

/// The configuration of a loopback-only Dovecot 2.3 (the recipe in `docs/tls-probing.md`, "Lab
/// recipes"). Comments sit on their own lines, as in the Postfix files.
fn dovecot_config(
    root: &Path,
    cert: &ServerCert,
    tls: DovecotTls,
    ports: [u16; 4],
    accounts: &[(&str, &str)],
) -> String {
    let [imap, imaps, pop3, pop3s] = ports;
    let logins = if accounts.is_empty() {
        None
    } else {
        Some(dovecot_logins_config(root, accounts))
    };
    let root = root.display();
    let ssl = match tls {
        DovecotTls::NoTls => "ssl = no\n".to_owned(),
        _ => {
            let mut ssl = format!(
                "ssl = yes\nssl_cert = <{}\nssl_key = <{}\n",
                cert.cert_file.display(),
                cert.key_file.display()
            );
            // Only DHE suites need it (not with rcgen's ECDSA keys), but an RSA test key with
            // Legacy's `ALL` would otherwise fail those handshakes.
            if Path::new(DOVECOT_DH_FILE).is_file() {
                ssl.push_str(&format!("ssl_dh = <{DOVECOT_DH_FILE}\n"));
            }
            ssl.push_str(match tls {
                DovecotTls::Modern => "ssl_min_protocol = TLSv1.2\n",
                DovecotTls::Legacy => {
                    "ssl_min_protocol = TLSv1\n\
                     # OpenSSL 3 needs security level 0 for TLS 1.0/1.1 (\"no suitable signature algorithm\").\n\
                     ssl_cipher_list = ALL:@SECLEVEL=0\n"
                }
                DovecotTls::Tls13Only => "ssl_min_protocol = TLSv1.3\n",
                DovecotTls::NoTls => "",
            });
            ssl
        }
    };
    // The listeners must keep Dovecot's built-in names (imap, imaps, pop3, pop3s): a listener
    // with another name is added to the built-in ones, which then bind 143/993/110/995 too.
    // With `ssl = no` Dovecot skips the listeners named imaps and pop3s, so there the plaintext
    // service on the implicit-TLS port needs a name of its own and the built-in one is disabled.
    let implicit = |protocol: &str, port: u16| {
        if tls == DovecotTls::NoTls {
            format!(
                "  inet_listener {protocol}s {{\n    port = 0\n  }}\n  \
                 inet_listener {protocol}_plaintext_on_implicit_port {{\n    port = {port}\n  }}\n"
            )
        } else {
            format!("  inet_listener {protocol}s {{\n    port = {port}\n    ssl = yes\n  }}\n")
        }
    };
    let imaps = implicit("imap", imaps);
    let pop3s = implicit("pop3", pop3s);
    let logins = logins.unwrap_or_else(|| {
        format!(
            "disable_plaintext_auth = yes
# Nobody can log in: `deny` is a passdb setting (inside `args` it would be an extra field).
passdb {{
  driver = static
  args = nopassword
  deny = yes
}}
userdb {{
  driver = static
  args = uid=nobody gid=nogroup home={root}/home
}}
"
        )
    });
    format!(
        "# Loopback-only Dovecot 2.3 for MailTLS's e2e tests ({tls:?}).
protocols = imap pop3
listen = 127.0.0.1
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
{ssl}ssl_prefer_server_ciphers = yes
{logins}service imap-login {{
  inet_listener imap {{
    port = {imap}
  }}
{imaps}}}
service pop3-login {{
  inet_listener pop3 {{
    port = {pop3}
  }}
{pop3s}}}
service anvil {{
  chroot =
}}
"
    )
}

/// The logins of [`Dovecot::start_with_accounts`]: a password file, plaintext logins allowed
/// (the audit must see them), the login log format of `docs/audit.md`, and Postfix's auth
/// socket.
fn dovecot_logins_config(root: &Path, accounts: &[(&str, &str)]) -> String {
    let users: String = accounts
        .iter()
        .map(|(user, password)| format!("{user}:{{PLAIN}}{password}::::::\n"))
        .collect();
    std::fs::write(root.join("users"), users).expect("write the password file");
    use std::os::unix::fs::PermissionsExt;
    // The mail processes run as nobody and create each account's maildir here.
    std::fs::set_permissions(root.join("home"), std::fs::Permissions::from_mode(0o777))
        .expect("make the home directory writable");
    let root = root.display();
    format!(
        "# Accounts that can log in (MailTLS's audit tests).
disable_plaintext_auth = no
auth_mechanisms = plain login
login_log_format_elements = user=<%u> method=%m rip=%r lip=%l mpid=%e %c %k lport=%a sni=%{{local_name}} session=<%{{session}}>
imap_id_log = *
mail_location = maildir:{root}/home/%u/Maildir
passdb {{
  driver = passwd-file
  args = scheme=PLAIN {root}/users
}}
userdb {{
  driver = static
  args = uid=nobody gid=nogroup home={root}/home/%u
}}
service auth {{
  unix_listener auth-postfix {{
    mode = 0666
  }}
}}
"
    )
}

/// Debian's pre-generated DH parameters for Dovecot.
const DOVECOT_DH_FILE: &str = "/usr/share/dovecot/dh.pem";

/// `main.cf` of a loopback-only Postfix 3.7 that delivers and relays nothing (the recipe in
/// `docs/tls-probing.md`, "Lab recipes"). Postfix keeps a trailing `# …` as part of the value, so
/// comments sit on their own lines.
fn postfix_main_cf(
    root: &Path,
    cert: &ServerCert,
    tls: PostfixTls,
    ip: Ipv4Addr,
    auth_socket: Option<&Path>,
) -> String {
    // Without logins every recipient is refused, so no mail is ever queued; with logins
    // (checked by Dovecot) a client that logged in may send, to the discard transport.
    let (restrictions, transports) = if let Some(socket) = auth_socket {
        (
            format!(
                "smtpd_sasl_auth_enable = yes\nsmtpd_sasl_type = dovecot\n\
                 smtpd_sasl_path = {}\n\
                 smtpd_relay_restrictions = permit_sasl_authenticated, reject\n\
                 smtpd_recipient_restrictions = permit_sasl_authenticated, reject\n",
                socket.display()
            ),
            "default_transport = discard:test instance delivers nothing\n\
             local_transport = error:test instance delivers nothing\n\
             relay_transport = discard:test instance delivers nothing\n",
        )
    } else {
        (
            "smtpd_relay_restrictions = reject\nsmtpd_recipient_restrictions = reject\n".to_owned(),
            "default_transport = error:test instance delivers nothing\n\
             local_transport = error:test instance delivers nothing\n\
             relay_transport = error:test instance delivers nothing\n",
        )
    };
    let security_level = if tls == PostfixTls::NoStarttls {
        "none"
    } else {
        "may"
    };
    let protocols = tls.protocols();
    let root = root.display();
    // Postfix accepts only addresses configured on an interface here; 127.0.0.2 is reachable
    // (all of 127/8 is loopback) but not configured, so other addresses bind via master.cf only.
    let interfaces = if ip == Ipv4Addr::LOCALHOST {
        "127.0.0.1"
    } else {
        "all"
    };
    format!(
        "# Loopback-only Postfix 3.7 for MailTLS's e2e tests ({tls:?}). Delivers and relays nothing.
compatibility_level = 3.6
queue_directory = {root}/queue
data_directory = {root}/data
mail_owner = postfix
setgid_group = postdrop
myhostname = mx.example.test
mydomain = example.test
mydestination =
relay_domains =
inet_interfaces = {interfaces}
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
{restrictions}# No DNS: the client is 127.0.0.1 and stays unnamed.
smtpd_peername_lookup = no
alias_maps =
alias_database =
biff = no
{transports}smtp_tls_security_level = none
maillog_file = {root}/maillog
maillog_file_prefixes = {root}
smtpd_tls_cert_file = {cert_file}
smtpd_tls_key_file = {key_file}
smtpd_tls_security_level = {security_level}
# Opportunistic STARTTLS uses the first, mandatory STARTTLS and wrapper mode the second.
smtpd_tls_protocols = {protocols}
smtpd_tls_mandatory_protocols = {protocols}
smtpd_tls_loglevel = 1
",
        cert_file = cert.cert_file.display(),
        key_file = cert.key_file.display(),
    )
}

/// `master.cf` with the three smtpd services. Every service has chroot `n` (the queue is not
/// the chroot Debian prepared); no postscreen, so the greeting comes from smtpd at once.
/// Comments must start in column 0, `-o` lines must be indented and their values hold no spaces.
fn postfix_master_cf(tls: PostfixTls, ip: Ipv4Addr, ports: [u16; 3]) -> String {
    let [smtp, submission, smtps] = ports;
    let (submission_options, smtps_options) = if tls == PostfixTls::NoStarttls {
        ("", "")
    } else {
        (
            "  -o syslog_name=postfix/submission\n  -o smtpd_tls_security_level=encrypt\n",
            "  -o syslog_name=postfix/smtps\n  -o smtpd_tls_wrappermode=yes\n  \
             -o smtpd_tls_security_level=encrypt\n",
        )
    };
    format!(
        "# Loopback-only Postfix 3.7 for MailTLS's e2e tests ({tls:?}).
# SMTP with opportunistic STARTTLS, like port 25
{ip}:{smtp} inet n - n - - smtpd
# submission with mandatory STARTTLS, like port 587
{ip}:{submission} inet n - n - - smtpd
{submission_options}# implicit TLS, like port 465
{ip}:{smtps} inet n - n - - smtpd
{smtps_options}pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
tlsmgr    unix  -       -       n       1000?   1       tlsmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
"
    )
}

/// Writes a Postfix configuration file dated a minute back. Postfix re-reads a file modified
/// within the last second every 300 ms until it has "cooled down" (so as not to read a file
/// being written); a fresh `main.cf` costs about 2 s per Postfix command otherwise.
fn write_cold(path: &Path, contents: &str) {
    std::fs::write(path, contents).unwrap_or_else(|error| panic!("write {path:?}: {error}"));
    let a_minute_ago = std::time::SystemTime::now() - Duration::from_secs(60);
    File::options()
        .write(true)
        .open(path)
        .and_then(|file| file.set_modified(a_minute_ago))
        .unwrap_or_else(|error| panic!("backdate {path:?}: {error}"));
}

/// A temporary directory the servers' unprivileged processes (dovenull, postfix) can traverse.
fn server_dir(prefix: &str) -> tempfile::TempDir {
    let dir = tempfile::Builder::new()
        .prefix(&format!("mailtls-{prefix}-"))
        .tempdir()
        .expect("temporary directory");
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755))
        .expect("make the server directory traversable");
    dir
}

/// `N` distinct free ports (see [`crate::process::free_port`]).
fn free_ports<const N: usize>() -> [u16; N] {
    std::array::from_fn(|_| crate::process::free_port())
}

/// Waits until every `(port, dialog)` accepts a connection and, unless the dialog is implicit
/// TLS, sends a greeting starting as the dialog's does.
fn wait_until_greeting(
    process: &mut ServerProcess,
    ip: IpAddr,
    ports: &[(u16, Dialog)],
) -> Result<(), String> {
    let deadline = Instant::now() + START_DEADLINE;
    for &(port, dialog) in ports {
        let address = SocketAddr::new(ip, port);
        let mut last_problem = String::from("no attempt");
        loop {
            if let Some(status) = process.exit_status() {
                return Err(format!("{} exited with {status}", process.name));
            }
            if Instant::now() >= deadline {
                return Err(format!(
                    "port {port} ({dialog:?}) not ready within {START_DEADLINE:?}: {last_problem}"
                ));
            }
            match greet(address, dialog, deadline) {
                Ok(()) => break,
                Err(problem) => last_problem = problem,
            }
            std::thread::park_timeout(Duration::from_millis(20));
        }
    }
    Ok(())
}

/// One readiness attempt: connect and, for plaintext dialogs, read the first greeting line.
fn greet(address: SocketAddr, dialog: Dialog, deadline: Instant) -> Result<(), String> {
    let stream = crate::process::connect_to_listener(address, Duration::from_millis(500))
        .map_err(|error| format!("connect: {error}"))?;
    if dialog == Dialog::ImplicitTls {
        return Ok(());
    }
    // A greeting comes within milliseconds once the server runs; a stuck attempt is given up
    // after a few seconds and the next one made on a fresh connection.
    let patience = deadline
        .saturating_duration_since(Instant::now())
        .clamp(Duration::from_millis(100), GREETING_PATIENCE);
    stream
        .set_read_timeout(Some(patience))
        .map_err(|error| error.to_string())?;
    let mut writer = stream.try_clone().map_err(|error| error.to_string())?;
    let greeting = read_until(&mut BufReader::new(stream), |_| true)
        .map_err(|error| format!("greeting: {error}"))?;
    let _ = writer.write_all(dialog.goodbye());
    let first = greeting.first().map(String::as_str).unwrap_or_default();
    if first.starts_with(dialog.greeting_prefix()) {
        Ok(())
    } else {
        Err(format!("unexpected greeting {first:?}"))
    }
}

/// A server's foreground process, in a process group of its own so that the group can be
/// found (and, if need be, killed) without touching the test's own.
#[derive(Debug)]
struct ServerProcess {
    name: &'static str,
    child: Child,
}

impl ServerProcess {
    fn spawn(name: &'static str, command: &mut Command, output: &Path) -> ServerProcess {
        let output = File::create(output).expect("create the server's output file");
        let errors = output.try_clone().expect("clone the output file");
        let child = command
            .stdin(Stdio::null())
            .stdout(output)
            .stderr(errors)
            .process_group(0)
            .spawn()
            .unwrap_or_else(|error| panic!("cannot start {name}: {error}"));
        ServerProcess { name, child }
    }

    fn exit_status(&mut self) -> Option<ExitStatus> {
        self.child.try_wait().ok().flatten()
    }

    /// Reaps the process if it exits within `deadline`; returns whether it did.
    fn wait_for_exit(&mut self, deadline: Duration) -> bool {
        wait_with_deadline(&mut self.child, deadline).is_some()
    }

    /// Kills, by pid, every live process left of this server: the child's descendants, and the
    /// members of its process group and of `other_groups` (a daemon that made itself a session
    /// leader, whose children are orphaned when it dies first); then reaps the child.
    fn kill_leftovers(&mut self, other_groups: &[u32]) {
        let mut groups = other_groups.to_vec();
        groups.push(self.child.id());
        let root = self.child.id();
        // A stopping master's children may take a moment to act on its SIGTERM.
        let grace = Instant::now() + Duration::from_secs(2);
        let mut leftovers = live_processes_of(root, &groups);
        while !leftovers.is_empty() && Instant::now() < grace {
            std::thread::park_timeout(Duration::from_millis(20));
            leftovers = live_processes_of(root, &groups);
        }
        leftovers.retain(|&pid| pid != root);
        if !leftovers.is_empty() {
            eprintln!(
                "{}: killing processes left after stopping: {leftovers:?}",
                self.name
            );
            let _ = Command::new("kill")
                .arg("-KILL")
                .args(leftovers.iter().map(u32::to_string))
                .stderr(Stdio::null())
                .status();
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One line of `/proc/PID/stat`, the parts we need.
#[derive(Debug, Clone, Copy)]
struct ProcessEntry {
    pid: u32,
    parent: u32,
    group: u32,
    zombie: bool,
}

/// Every process, from `/proc`.
fn process_table() -> Vec<ProcessEntry> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .filter_map(|entry| {
            let pid = entry.ok()?.file_name().to_str()?.parse::<u32>().ok()?;
            let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
            // "pid (comm) state ppid pgrp …"; comm may contain spaces and parentheses.
            let (_, after_comm) = stat.rsplit_once(')')?;
            let mut fields = after_comm.split_whitespace();
            let zombie = fields.next()? == "Z";
            let parent = fields.next()?.parse().ok()?;
            let group = fields.next()?.parse().ok()?;
            Some(ProcessEntry {
                pid,
                parent,
                group,
                zombie,
            })
        })
        .collect()
}

/// Live (not zombie) processes that are `root`, descend from it, or belong to one of `groups`.
fn live_processes_of(root: u32, groups: &[u32]) -> Vec<u32> {
    let table = process_table();
    let mut family = vec![root];
    let mut index = 0;
    while index < family.len() {
        let parent = family[index];
        family.extend(
            table
                .iter()
                .filter(|entry| entry.parent == parent && !family.contains(&entry.pid))
                .map(|entry| entry.pid)
                .collect::<Vec<_>>(),
        );
        index += 1;
    }
    table
        .iter()
        .filter(|entry| !entry.zombie)
        .filter(|entry| family.contains(&entry.pid) || groups.contains(&entry.group))
        .map(|entry| entry.pid)
        .collect()
}

/// The TCP addresses on which `root`, its descendants and the processes of `groups` listen,
/// from `/proc`: their socket inodes, looked up in the kernel's TCP tables.
fn listening_addresses_of(root: u32, groups: &[u32]) -> Vec<SocketAddr> {
    let mut inodes = HashSet::new();
    for pid in live_processes_of(root, groups) {
        let Ok(descriptors) = std::fs::read_dir(format!("/proc/{pid}/fd")) else {
            continue;
        };
        for descriptor in descriptors.flatten() {
            let Ok(target) = std::fs::read_link(descriptor.path()) else {
                continue;
            };
            let inode = target
                .to_str()
                .and_then(|target| target.strip_prefix("socket:[")?.strip_suffix(']'))
                .and_then(|inode| inode.parse::<u64>().ok());
            inodes.extend(inode);
        }
    }
    let mut addresses = Vec::new();
    for table in ["/proc/net/tcp", "/proc/net/tcp6"] {
        let Ok(text) = std::fs::read_to_string(table) else {
            continue;
        };
        for line in text.lines().skip(1) {
            let fields: Vec<&str> = line.split_whitespace().collect();
            // "sl local_address rem_address st … uid timeout inode"; state 0A is LISTEN.
            let (Some(local), Some(&"0A"), Some(inode)) =
                (fields.get(1), fields.get(3), fields.get(9))
            else {
                continue;
            };
            if inode
                .parse::<u64>()
                .is_ok_and(|inode| inodes.contains(&inode))
            {
                addresses.extend(kernel_socket_address(local));
            }
        }
    }
    addresses.sort();
    addresses.dedup();
    addresses
}

/// Parses `/proc/net/tcp*`'s `ADDRESS:PORT`: the address as 32-bit words in host byte order,
/// the port big-endian, all in hex.
fn kernel_socket_address(text: &str) -> Option<SocketAddr> {
    let (address, port) = text.split_once(':')?;
    let port = u16::from_str_radix(port, 16).ok()?;
    let mut bytes = Vec::with_capacity(16);
    for index in (0..address.len()).step_by(8) {
        let word = u32::from_str_radix(address.get(index..index + 8)?, 16).ok()?;
        bytes.extend(word.to_ne_bytes());
    }
    let ip = match bytes.len() {
        4 => IpAddr::from(<[u8; 4]>::try_from(bytes).ok()?),
        16 => IpAddr::from(<[u8; 16]>::try_from(bytes).ok()?),
        _ => return None,
    };
    Some(SocketAddr::new(ip, port))
}

/// Polls `child` until it exits or `deadline` passes; returns its status if it exited.
fn wait_with_deadline(child: &mut Child, deadline: Duration) -> Option<ExitStatus> {
    let started = Instant::now();
    loop {
        match child.try_wait() {
            Ok(Some(status)) => return Some(status),
            Ok(None) if started.elapsed() < deadline => {
                std::thread::park_timeout(Duration::from_millis(10));
            }
            _ => return None,
        }
    }
}

/// A finished helper command.
struct Output {
    /// `None` if it had to be killed at the deadline.
    status: Option<ExitStatus>,
    /// Standard output, then standard error.
    transcript: String,
}

/// Runs `command` with empty input, killing it if it outlives `deadline`.
fn run_with_deadline(command: &mut Command, deadline: Duration) -> Output {
    let mut child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|error| panic!("cannot run {command:?}: {error}"));
    // Readers on threads, so that a chatty child never blocks on a full pipe.
    let stdout = child.stdout.take().map(read_in_background);
    let stderr = child.stderr.take().map(read_in_background);
    let status = wait_with_deadline(&mut child, deadline);
    if status.is_none() {
        let _ = child.kill();
        let _ = child.wait();
    }
    let mut transcript = String::new();
    for reader in [stdout, stderr].into_iter().flatten() {
        transcript.push_str(&reader.join().unwrap_or_default());
    }
    if status.is_none() {
        transcript.push_str(&format!("\n(killed after {deadline:?})"));
    }
    Output { status, transcript }
}

fn read_in_background(mut pipe: impl Read + Send + 'static) -> std::thread::JoinHandle<String> {
    std::thread::spawn(move || {
        let mut bytes = Vec::new();
        let _ = pipe.read_to_end(&mut bytes);
        String::from_utf8_lossy(&bytes).into_owned()
    })
}

/// Runs a setup command that must succeed.
fn run(command: &mut Command) {
    let output = run_with_deadline(command, CLIENT_DEADLINE);
    assert!(
        output.status.is_some_and(|status| status.success()),
        "{command:?} failed: {}",
        output.transcript
    );
}

/// The last lines of a log file (or why there are none).
/// The ends of a server's log and of its output, headed by their paths.
fn excerpt(log_file: &Path, output_file: &Path) -> String {
    format!(
        "--- {} ---\n{}--- {} ---\n{}",
        log_file.display(),
        tail(log_file),
        output_file.display(),
        tail(output_file)
    )
}

fn tail(path: &Path) -> String {
    match std::fs::read_to_string(path) {
        Ok(text) => {
            let lines: Vec<&str> = text.lines().collect();
            let start = lines.len().saturating_sub(LOG_EXCERPT_LINES);
            lines[start..]
                .iter()
                .map(|line| format!("{line}\n"))
                .collect()
        }
        Err(error) => format!("(cannot read: {error})\n"),
    }
}
