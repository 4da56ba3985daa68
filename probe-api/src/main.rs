//! The `probe-api` binary: `serve` runs the help page and API, `check` probes from the shell.

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{Context, bail};
use clap::{Args, Parser, Subcommand};
use ipnet::IpNet;

use mailtls_shared::{Hostname, Lang, Outcome, Target, TlsVersion};
use probe_api::http::{self, AppState, assets::Assets};
use probe_api::probe::policy::AddressPolicy;
use probe_api::probe::resolve::Resolver;
use probe_api::probe::{Engine, ProbeSettings, Timeouts};

/// MailTLS: checks which TLS versions mail servers accept, and explains it to customers.
#[derive(Debug, Parser)]
#[command(version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve the help page and the JSON API.
    Serve(ServeArgs),
    /// Check targets from the command line and print the result.
    Check(CheckArgs),
}

#[derive(Debug, Args)]
struct ServeArgs {
    /// Address and port to listen on.
    #[arg(long, env = "MAILTLS_BIND", default_value = "127.0.0.1:8080")]
    bind: SocketAddr,
    /// Directory with the built page (trunk's output).
    #[arg(long, env = "MAILTLS_DIST", default_value = "dist")]
    dist: PathBuf,
    #[command(flatten)]
    probe: ProbeArgs,
}

#[derive(Debug, Args)]
struct CheckArgs {
    /// What to check: a host name (all mail ports), or scheme://host[:port] with scheme one of
    /// smtp, submission, smtps, imap, imaps, pop3, pop3s.
    #[arg(required = true)]
    targets: Vec<String>,
    /// Print the JSON report instead of a summary.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    probe: ProbeArgs,
}

#[derive(Debug, Args)]
struct ProbeArgs {
    /// Trust the CA certificates in this PEM file in addition to Mozilla's roots (repeatable).
    #[arg(long = "ca-file", env = "MAILTLS_CA_FILES", value_delimiter = ',')]
    ca_files: Vec<String>,
    /// Allow probing addresses in this range although they are not public, e.g. 127.0.0.0/8 for
    /// tests or 10.0.0.0/8 for an internal deployment (repeatable). Without it, only public
    /// addresses are ever contacted.
    #[arg(
        long = "allow-cidr",
        env = "MAILTLS_ALLOW_CIDRS",
        value_delimiter = ','
    )]
    allow_cidrs: Vec<IpNet>,
    /// Allow probing this port in addition to the seven mail ports (repeatable).
    #[arg(
        long = "allow-port",
        env = "MAILTLS_ALLOW_PORTS",
        value_delimiter = ','
    )]
    allow_ports: Vec<u16>,
    /// Answer NAME with ADDRESS instead of asking DNS, like curl's --resolve (repeatable).
    #[arg(
        long = "resolve",
        value_name = "NAME=ADDRESS",
        env = "MAILTLS_RESOLVE",
        value_delimiter = ','
    )]
    resolve: Vec<String>,
}

impl ProbeArgs {
    fn settings(&self) -> anyhow::Result<ProbeSettings> {
        let timeouts = Timeouts::default();
        let mut policy = AddressPolicy::default();
        for range in &self.allow_cidrs {
            tracing::warn!(%range, "probing of non-public range {range} explicitly allowed");
            policy = policy.allow(*range);
        }
        policy = policy.allow_ports(&self.allow_ports);
        let mut resolver = Resolver::new(timeouts.resolve);
        for entry in &self.resolve {
            let Some((name, address)) = entry.split_once('=') else {
                bail!("--resolve {entry:?}: expected NAME=ADDRESS");
            };
            let name = Hostname::parse(name)
                .map_err(|error| anyhow::anyhow!("--resolve {entry:?}: {error}"))?;
            let address: IpAddr = address
                .trim_matches(['[', ']'])
                .parse()
                .with_context(|| format!("--resolve {entry:?}: not an IP address"))?;
            resolver = resolver.with_override(name, address);
        }
        Ok(ProbeSettings {
            timeouts,
            policy,
            resolver,
            extra_ca_files: self.ca_files.clone(),
        })
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,tower_http=warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Serve(args) => serve(args).await,
        Command::Check(args) => check(args).await,
    };
    match result {
        Ok(code) => code,
        Err(error) => {
            eprintln!("probe-api: {error:#}");
            ExitCode::FAILURE
        }
    }
}

async fn serve(args: ServeArgs) -> anyhow::Result<ExitCode> {
    let assets = Assets::load(&args.dist)?;
    let engine = Engine::new(args.probe.settings()?)?;
    let router = http::app(
        AppState {
            engine: Arc::new(engine),
        },
        Some(assets),
    );
    let listener = tokio::net::TcpListener::bind(args.bind)
        .await
        .with_context(|| format!("cannot listen on {}", args.bind))?;
    let address = listener.local_addr()?;
    println!("MailTLS is running at http://{address}/  (stop with Ctrl-C)");
    axum::serve(listener, router)
        .with_graceful_shutdown(shutdown_signal())
        .await?;
    Ok(ExitCode::SUCCESS)
}

async fn shutdown_signal() {
    let interrupt = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut terminate =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(signal) => signal,
                Err(_) => {
                    let _ = interrupt.await;
                    return;
                }
            };
        tokio::select! {
            _ = interrupt => {}
            _ = terminate.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = interrupt.await;
    }
}

async fn check(args: CheckArgs) -> anyhow::Result<ExitCode> {
    let mut targets = Vec::new();
    for input in &args.targets {
        let target = Target::parse(input)
            .map_err(|error| anyhow::anyhow!("{input:?}: {}", error.message(Lang::En)))?;
        targets.push(target);
    }
    let engine = Engine::new(args.probe.settings()?)?;
    let report = engine
        .check(targets)
        .await
        .map_err(|error| anyhow::anyhow!("{error}"))?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        for endpoint in &report.endpoints {
            let address = endpoint.address.as_deref().unwrap_or("-");
            println!(
                "{}://{}:{} ({address})",
                endpoint.scheme, endpoint.host, endpoint.port
            );
            for handshake in &endpoint.handshakes {
                let mut line = format!(
                    "  {:<8} {:?}",
                    handshake.version.display_name(),
                    handshake.outcome
                );
                if let Some(suite) = &handshake.cipher_suite {
                    line += &format!("  {suite}");
                }
                if let Some(group) = &handshake.group {
                    line += &format!("  {group}");
                }
                if let Some(detail) = &handshake.detail {
                    line += &format!("  ({detail})");
                }
                println!("{line}");
            }
            if let Some(certificate) = &endpoint.certificate {
                println!(
                    "  certificate: {:?} {}",
                    certificate.verdict,
                    certificate.detail.as_deref().unwrap_or("")
                );
            }
        }
    }
    // Exit 2 when some endpoint accepts no modern version, so scripts can alert on it.
    let all_modern = report.endpoints.iter().all(|endpoint| {
        [TlsVersion::Tls12, TlsVersion::Tls13]
            .iter()
            .any(|version| endpoint.versions.get(version) == Some(&Outcome::Accepted))
    });
    Ok(if all_modern {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(2)
    })
}
