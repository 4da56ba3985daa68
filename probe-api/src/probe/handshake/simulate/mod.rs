//! Client handshake simulation: each mail program's own ClientHello, sent to the server, and
//! whether that program would get a working connection.
//!
//! A shared version is not enough: Windows 7's SChannel with TLS 1.2 switched on offers no
//! ECDHE-RSA suite with AES-GCM, so a server limited to `ECDHE+AESGCM` with an RSA certificate
//! refuses it although both speak TLS 1.2. The version probes cannot see that; a captured hello
//! can. Per client and endpoint this module decides, in order:
//!
//! 1. [`decide_from_versions`]: when the version probes already rejected every version the
//!    client offers, it fails with `protocol_version` without another connection; when they could
//!    not test any of them, it stays untested. Only a client with an accepted version in its
//!    range costs a connection.
//! 2. [`judge`]: the server's answer to the captured hello ([`hello`] rewrites it for the
//!    target), read up to the key exchange, and held against what the client offered and
//!    accepts ([`catalog`]): version range, suites, groups, Diffie-Hellman sizes.
//!
//! [`lockout`] turns the results into what the operator must hear. The engine runs the
//! connections inside the same per-address limit and deadline as the version probes.

pub mod catalog;
pub mod hello;
pub mod lockout;

use std::collections::BTreeMap;
use std::time::Duration;

use thiserror::Error;
use tls_parser::{TlsCipherKx, TlsCipherSuite};

use mailtls_shared::{
    ClientReason, ClientReport, ClientResult, Outcome, SimulatedClient, TlsVersion,
};

use self::catalog::{PROFILES, Profile};
use self::hello::{ClientHello, HelloError};
use super::legacy::{self, Alert, Answer, Flight, ReadEnd, SendFailure, ServerHello};

/// A stored hello that cannot be used: a defect of the catalog, caught at start.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("the stored ClientHello of {client:?} is broken: {why}")]
pub struct CatalogError {
    pub client: SimulatedClient,
    pub why: String,
}

/// Every simulated client with its parsed hello, ready to rewrite per target.
#[derive(Debug, Clone)]
pub struct Catalog {
    clients: Vec<Simulated>,
}

/// One client: what it is, and its hello.
#[derive(Debug, Clone)]
pub struct Simulated {
    pub profile: &'static Profile,
    pub hello: ClientHello,
}

impl Catalog {
    /// Parses every stored hello; a broken one is an error, never skipped in silence.
    pub fn load() -> Result<Catalog, CatalogError> {
        let clients = PROFILES
            .iter()
            .map(|profile| {
                let broken = |why: String| CatalogError {
                    client: profile.client,
                    why,
                };
                let bytes =
                    hello::from_hex(profile.hello).ok_or_else(|| broken("not hex".into()))?;
                let hello =
                    ClientHello::parse(&bytes).map_err(|e: HelloError| broken(e.to_string()))?;
                Ok(Simulated { profile, hello })
            })
            .collect::<Result<_, _>>()?;
        Ok(Catalog { clients })
    }

    pub fn clients(&self) -> &[Simulated] {
        &self.clients
    }
}

/// A report without a handshake: untested or failed for `reason`.
pub fn without_handshake(
    client: SimulatedClient,
    result: ClientResult,
    reason: ClientReason,
    detail: impl Into<String>,
) -> ClientReport {
    ClientReport {
        client,
        result,
        version: None,
        cipher_suite: None,
        group: None,
        reason: Some(reason),
        detail: Some(detail.into()),
    }
}

/// What the version probes already tell about `profile`, if that is enough: `None` means its
/// hello must be sent.
pub fn decide_from_versions(
    profile: &Profile,
    versions: &BTreeMap<TlsVersion, Outcome>,
) -> Option<ClientReport> {
    let offered: Vec<TlsVersion> = TlsVersion::ALL
        .into_iter()
        .filter(|version| profile.speaks(*version))
        .collect();
    let outcome = |version: &TlsVersion| versions.get(version).copied();
    if offered
        .iter()
        .any(|v| outcome(v) == Some(Outcome::Accepted))
    {
        return None;
    }
    let span = match (offered.first(), offered.last()) {
        (Some(low), Some(high)) if low != high => format!("{low} to {high}"),
        (_, Some(only)) => only.to_string(),
        _ => "nothing".to_owned(),
    };
    if offered
        .iter()
        .all(|v| outcome(v) == Some(Outcome::Rejected))
    {
        let accepted: Vec<&str> = versions
            .iter()
            .filter(|(_, outcome)| **outcome == Outcome::Accepted)
            .map(|(version, _)| version.display_name())
            .collect();
        let server = if accepted.is_empty() {
            "no version".to_owned()
        } else {
            accepted.join(", ")
        };
        return Some(without_handshake(
            profile.client,
            ClientResult::Failed,
            ClientReason::ProtocolVersion,
            format!(
                "no version in common: the client offers {span}, the server accepts {server} (from the version probes)"
            ),
        ));
    }
    Some(without_handshake(
        profile.client,
        ClientResult::Untested,
        ClientReason::VersionsUntested,
        format!("the version probes could not test {span}, the versions this client offers"),
    ))
}

/// What the server's answer to `client`'s hello means for that client.
pub fn judge(
    client: &Simulated,
    answer: Result<Answer, SendFailure>,
    deadline: Duration,
) -> ClientReport {
    let id = client.profile.client;
    let failed =
        |reason, detail: String| without_handshake(id, ClientResult::Failed, reason, detail);
    let untested =
        |reason, detail: String| without_handshake(id, ClientResult::Untested, reason, detail);
    let answer = match answer {
        Ok(answer) => answer,
        Err(SendFailure::Closed) => {
            return failed(
                ClientReason::Closed,
                "server closed the connection before the ClientHello was sent".into(),
            );
        }
        Err(SendFailure::Failed(error)) => {
            return untested(
                ClientReason::Network,
                format!("cannot send the ClientHello: {error}"),
            );
        }
        Err(SendFailure::Timeout) => {
            return untested(
                ClientReason::Timeout,
                format!(
                    "could not send the ClientHello within {}",
                    humantime::format_duration(deadline)
                ),
            );
        }
    };
    match answer.flight {
        Flight::ServerHello(hello) => judge_hello(client, hello),
        Flight::Alert(alert) => alert_result(id, alert, false),
        Flight::NotTls { start } => untested(
            ClientReason::ProtocolViolation,
            format!("server did not answer with TLS: \"{start}\""),
        ),
        Flight::Malformed(why) => untested(
            ClientReason::ProtocolViolation,
            format!("server sent malformed TLS: {why}"),
        ),
        Flight::NeedMore => match (answer.end, answer.warning) {
            (ReadEnd::Closed, Some(alert)) => alert_result(id, alert, true),
            (ReadEnd::Closed, None) if answer.received == 0 => failed(
                ClientReason::Closed,
                "server closed the connection without answering the ClientHello".into(),
            ),
            (ReadEnd::Timeout, _) => untested(
                ClientReason::Timeout,
                format!(
                    "no complete ServerHello within {}",
                    humantime::format_duration(deadline)
                ),
            ),
            (ReadEnd::Failed(error), _) => untested(
                ClientReason::Network,
                format!("network error while reading the answer: {error}"),
            ),
            (_, _) => untested(
                ClientReason::ProtocolViolation,
                format!(
                    "the answer ended after {} bytes, before a complete ServerHello",
                    answer.received
                ),
            ),
        },
    }
}

fn alert_result(client: SimulatedClient, alert: Alert, warning_then_closed: bool) -> ClientReport {
    let reason = match alert.description {
        70 => ClientReason::ProtocolVersion,
        // handshake_failure, insufficient_security: what servers send when no suite, group or
        // signature algorithm is shared.
        40 | 71 => ClientReason::NoSharedCipher,
        _ => ClientReason::Alert,
    };
    let how = if warning_then_closed {
        " (warning) and closed the connection"
    } else {
        ""
    };
    without_handshake(
        client,
        ClientResult::Failed,
        reason,
        format!("server sent alert {}{how}", alert.name()),
    )
}

/// A ServerHello: connected if the client would accept every choice the server made.
fn judge_hello(client: &Simulated, hello: ServerHello) -> ClientReport {
    let profile = client.profile;
    let refuse = |reason, detail: String| {
        without_handshake(profile.client, ClientResult::Failed, reason, detail)
    };
    let suite = legacy::suite_name(hello.cipher_suite);
    let Some(version) = TlsVersion::ALL
        .into_iter()
        .find(|version| legacy::wire_version(*version) == hello.version)
    else {
        return refuse(
            ClientReason::UnofferedChoice,
            format!("server chose version 0x{:04X}", hello.version),
        );
    };
    if !profile.speaks(version) {
        return refuse(
            ClientReason::UnofferedChoice,
            format!("server chose {version}, which this client does not accept"),
        );
    }
    if !client.hello.suites().contains(&hello.cipher_suite) {
        return refuse(
            ClientReason::UnofferedChoice,
            format!("server chose cipher suite {suite}, which this client did not offer"),
        );
    }
    let groups = client.hello.groups();
    let mut detail = None;
    let group = if version == TlsVersion::Tls13 {
        let Some(group) = hello.key_share_group else {
            return refuse(
                ClientReason::ProtocolViolation,
                "a TLS 1.3 ServerHello without a key share".into(),
            );
        };
        if !groups.contains(&group) {
            return refuse(
                ClientReason::UnofferedChoice,
                format!(
                    "server chose group {}, which this client did not offer",
                    group_name(group)
                ),
            );
        }
        if hello.hello_retry_request {
            detail = Some(format!(
                "after a HelloRetryRequest for {}, which the client offers",
                group_name(group)
            ));
        }
        Some(group_name(group))
    } else {
        match key_exchange(hello.cipher_suite, hello.key_exchange.as_deref()) {
            KeyExchange::Curve(curve) if !groups.is_empty() && !groups.contains(&curve) => {
                return refuse(
                    ClientReason::UnofferedChoice,
                    format!(
                        "server chose curve {}, which this client did not offer",
                        group_name(curve)
                    ),
                );
            }
            KeyExchange::Curve(curve) => Some(group_name(curve)),
            KeyExchange::Dh(bits) => {
                let (low, high) = profile.dh_bits;
                if low.is_some_and(|low| bits < low) || high.is_some_and(|high| bits > high) {
                    return refuse(
                        ClientReason::DhKeySize,
                        format!(
                            "server's Diffie-Hellman group has {bits} bits; this client accepts {}",
                            match (low, high) {
                                (Some(low), Some(high)) => format!("{low} to {high} bits"),
                                (Some(low), None) => format!("at least {low} bits"),
                                (None, Some(high)) => format!("at most {high} bits"),
                                (None, None) => "any size".into(),
                            }
                        ),
                    );
                }
                Some(format!("DH {bits} bits"))
            }
            KeyExchange::None => None,
        }
    };
    ClientReport {
        client: profile.client,
        result: ClientResult::Connected,
        version: Some(version),
        cipher_suite: Some(suite),
        group,
        reason: None,
        detail,
    }
}

/// What a TLS 1.2-or-older ServerKeyExchange says about the key exchange.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum KeyExchange {
    /// ECDHE on a named curve (RFC 8422 §5.4).
    Curve(u16),
    /// DHE with a prime of this many bits (RFC 5246 §7.4.3).
    Dh(u32),
    /// RSA key exchange, or no ServerKeyExchange read.
    None,
}

fn key_exchange(suite: u16, body: Option<&[u8]>) -> KeyExchange {
    let kx = TlsCipherSuite::from_id(suite).map(|suite| suite.kx);
    match (kx, body) {
        // ECParameters: curve_type 3 (named_curve), then the curve.
        (Some(TlsCipherKx::Ecdhe), Some([3, high, low, ..])) => {
            KeyExchange::Curve(u16::from_be_bytes([*high, *low]))
        }
        // ServerDHParams: dh_p first, behind its 16-bit length; leading zero bytes do not count.
        (Some(TlsCipherKx::Dhe), Some([high, low, rest @ ..])) => {
            let len = usize::from(u16::from_be_bytes([*high, *low]));
            let prime = rest.get(..len).unwrap_or(rest);
            let significant = prime.iter().skip_while(|byte| **byte == 0);
            let bytes = u32::try_from(significant.clone().count()).unwrap_or(u32::MAX);
            let top = significant.clone().next().copied().unwrap_or(0);
            let bits = bytes.saturating_mul(8).saturating_sub(top.leading_zeros());
            KeyExchange::Dh(bits)
        }
        _ => KeyExchange::None,
    }
}

/// The name rustls and IANA give a group (`X25519`, `secp256r1`, `ffdhe2048`).
pub fn group_name(group: u16) -> String {
    let name = match group {
        0x0017 => "secp256r1",
        0x0018 => "secp384r1",
        0x0019 => "secp521r1",
        0x001d => "X25519",
        0x001e => "X448",
        0x0100 => "ffdhe2048",
        0x0101 => "ffdhe3072",
        0x0102 => "ffdhe4096",
        0x0103 => "ffdhe6144",
        0x0104 => "ffdhe8192",
        0x11ec => "X25519MLKEM768",
        other => return format!("0x{other:04X}"),
    };
    name.to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use Outcome::{Accepted as A, Inconclusive as I, Rejected as R};
    use mailtls_shared::TlsVersion::*;

    fn simulated(client: SimulatedClient) -> Simulated {
        Catalog::load()
            .unwrap()
            .clients()
            .iter()
            .find(|c| c.profile.client == client)
            .unwrap()
            .clone()
    }

    fn versions(outcomes: [Outcome; 5]) -> BTreeMap<TlsVersion, Outcome> {
        TlsVersion::ALL.into_iter().zip(outcomes).collect()
    }

    fn hello(version: u16, suite: u16) -> ServerHello {
        ServerHello {
            version,
            cipher_suite: suite,
            hello_retry_request: false,
            certificates: vec![],
            key_share_group: None,
            key_exchange: None,
            done: true,
        }
    }

    fn answer(flight: Flight) -> Result<Answer, SendFailure> {
        Ok(Answer {
            flight,
            warning: None,
            end: ReadEnd::Enough,
            received: 100,
        })
    }

    #[test]
    fn the_catalog_loads() {
        assert_eq!(
            Catalog::load().unwrap().clients().len(),
            SimulatedClient::ALL.len()
        );
    }

    #[test]
    fn version_probes_decide_clients_without_a_version_in_common() {
        let win7 = Profile::of(SimulatedClient::SchannelWin7);
        let tls12_only = versions([R, R, R, A, R]);
        let decided = decide_from_versions(win7, &tls12_only).unwrap();
        assert_eq!(
            (decided.result, decided.reason),
            (ClientResult::Failed, Some(ClientReason::ProtocolVersion))
        );
        assert_eq!(
            decided.detail.as_deref(),
            Some(
                "no version in common: the client offers SSL 3.0 to TLS 1.0, the server accepts TLS 1.2 (from the version probes)"
            )
        );
        // One accepted version in the client's range: its hello must go out.
        assert_eq!(decide_from_versions(win7, &versions([R, A, R, A, R])), None);
        // Untested versions are not a failure.
        let unclear = decide_from_versions(win7, &versions([I, I, R, A, R])).unwrap();
        assert_eq!(
            (unclear.result, unclear.reason),
            (ClientResult::Untested, Some(ClientReason::VersionsUntested))
        );
        // A TLS 1.3-only server locks out every client without TLS 1.3.
        let mail16 = Profile::of(SimulatedClient::AppleMail16);
        let only13 = decide_from_versions(mail16, &versions([R, R, R, R, A])).unwrap();
        assert_eq!(only13.reason, Some(ClientReason::ProtocolVersion));
        assert_eq!(
            decide_from_versions(
                Profile::of(SimulatedClient::Thunderbird91),
                &versions([R, R, R, R, A])
            ),
            None
        );
    }

    #[test]
    fn answers_are_held_against_what_the_client_offered() {
        let win7 = simulated(SimulatedClient::SchannelWin7Tls12);
        // ECDHE-RSA-AES128-GCM-SHA256 is not in Windows 7's list.
        let unoffered = judge(
            &win7,
            answer(Flight::ServerHello(hello(0x0303, 0xc02f))),
            Duration::from_secs(1),
        );
        assert_eq!(unoffered.reason, Some(ClientReason::UnofferedChoice));
        let refused = judge(
            &win7,
            answer(Flight::Alert(Alert {
                level: 2,
                description: 40,
            })),
            Duration::from_secs(1),
        );
        assert_eq!(
            (refused.result, refused.reason, refused.detail.as_deref()),
            (
                ClientResult::Failed,
                Some(ClientReason::NoSharedCipher),
                Some("server sent alert handshake_failure")
            )
        );
        // DHE-RSA-AES128-GCM-SHA256 with a 2048-bit prime: Windows 7 accepts 1024 to 4096 bits.
        let mut dhe = hello(0x0303, 0x009e);
        let mut params = vec![0x01, 0x00, 0x80];
        params.extend([0xff; 255]);
        dhe.key_exchange = Some(params);
        let connected = judge(
            &win7,
            answer(Flight::ServerHello(dhe.clone())),
            Duration::from_secs(1),
        );
        assert_eq!(
            (
                connected.result,
                connected.version,
                connected.cipher_suite.as_deref(),
                connected.group.as_deref()
            ),
            (
                ClientResult::Connected,
                Some(Tls12),
                Some("TLS_DHE_RSA_WITH_AES_128_GCM_SHA256"),
                Some("DH 2048 bits")
            )
        );
        let mut huge = vec![0x02, 0x01, 0x01];
        huge.extend([0xff; 512]);
        dhe.key_exchange = Some(huge);
        let too_big = judge(
            &win7,
            answer(Flight::ServerHello(dhe)),
            Duration::from_secs(1),
        );
        assert_eq!(too_big.reason, Some(ClientReason::DhKeySize));
        assert_eq!(
            too_big.detail.as_deref(),
            Some(
                "server's Diffie-Hellman group has 4097 bits; this client accepts 1024 to 4096 bits"
            )
        );
        // A TLS 1.3 answer to a TLS 1.2 client is a choice it cannot accept.
        let mut tls13 = hello(0x0304, 0x1301);
        tls13.key_share_group = Some(0x001d);
        let above = judge(
            &win7,
            answer(Flight::ServerHello(tls13.clone())),
            Duration::from_secs(1),
        );
        assert_eq!(above.reason, Some(ClientReason::UnofferedChoice));
        let tb91 = simulated(SimulatedClient::Thunderbird91);
        let ok = judge(
            &tb91,
            answer(Flight::ServerHello(tls13)),
            Duration::from_secs(1),
        );
        assert_eq!(
            (ok.result, ok.group.as_deref()),
            (ClientResult::Connected, Some("X25519"))
        );
        // ECDHE on a curve the client did not list.
        let mut ecdhe = hello(0x0303, 0xc02f);
        ecdhe.key_exchange = Some(vec![3, 0x00, 0x1e, 32]);
        let curve = judge(
            &tb91,
            answer(Flight::ServerHello(ecdhe)),
            Duration::from_secs(1),
        );
        assert_eq!(
            curve.detail.as_deref(),
            Some("server chose curve X448, which this client did not offer")
        );
    }

    #[test]
    fn unclear_answers_stay_untested() {
        let tb = simulated(SimulatedClient::Thunderbird91);
        let timeout = judge(
            &tb,
            Ok(Answer {
                flight: Flight::NeedMore,
                warning: None,
                end: ReadEnd::Timeout,
                received: 0,
            }),
            Duration::from_secs(2),
        );
        assert_eq!(
            (timeout.result, timeout.reason),
            (ClientResult::Untested, Some(ClientReason::Timeout))
        );
        let closed = judge(
            &tb,
            Ok(Answer {
                flight: Flight::NeedMore,
                warning: None,
                end: ReadEnd::Closed,
                received: 0,
            }),
            Duration::from_secs(2),
        );
        assert_eq!(
            (closed.result, closed.reason),
            (ClientResult::Failed, Some(ClientReason::Closed))
        );
    }
}
