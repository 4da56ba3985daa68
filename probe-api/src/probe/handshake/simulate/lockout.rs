//! From the simulated clients' results to what the operator must hear: which programs that speak
//! TLS 1.2 or newer are locked out and what to add so they connect, and which programs connect
//! only through a version that is about to be switched off. Pure.

use tls_parser::{TlsCipherAu, TlsCipherEnc, TlsCipherEncMode, TlsCipherKx, TlsCipherSuite};

use mailtls_shared::{ClientReason, ClientReport, ClientResult, Severity, TlsVersion};

use super::Catalog;
use super::catalog::Profile;

/// How many suites the advice names.
const SUITES_NAMED: usize = 3;

/// Programs that speak TLS 1.2 or newer and still could not connect.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lockout {
    /// Critical when a common program is among them (see [`Profile::common`]).
    pub severity: Severity,
    /// Whether the endpoint's verdict must say so (a common program is locked out).
    pub decides_verdict: bool,
    /// Who, why, and what to add (English, for admins).
    pub detail: String,
}

/// The lock-out among `reports`, if any. `certificate_key` is the certificate's key type as the
/// report gives it (`RSA`, `EC P-256`), to name suites the server can use with it.
pub fn lockout(
    reports: &[ClientReport],
    catalog: &Catalog,
    certificate_key: Option<&str>,
) -> Option<Lockout> {
    let locked: Vec<(&ClientReport, &'static Profile)> = reports
        .iter()
        .filter(|report| report.result == ClientResult::Failed)
        .map(|report| (report, Profile::of(report.client)))
        .filter(|(_, profile)| profile.versions.1 >= TlsVersion::Tls12)
        .collect();
    if locked.is_empty() {
        return None;
    }
    let common = locked.iter().any(|(_, profile)| profile.common);
    let (by_version, by_suite): (Vec<_>, Vec<_>) = locked
        .into_iter()
        .partition(|(report, _)| report.reason == Some(ClientReason::ProtocolVersion));
    let mut sentences = Vec::new();
    if !by_version.is_empty() {
        // What each of them needs at least: its oldest version from TLS 1.2 on. Switching on
        // those versions lets all of them in (TLS 1.2 for most; TLS 1.3 only for a client
        // that speaks nothing older).
        let mut needed: Vec<TlsVersion> = by_version
            .iter()
            .map(|(_, profile)| profile.versions.0.max(TlsVersion::Tls12))
            .collect();
        needed.sort();
        needed.dedup();
        let oldest = needed.first().copied().unwrap_or(TlsVersion::Tls12);
        let switch: Vec<String> = needed.iter().map(ToString::to_string).collect();
        sentences.push(format!(
            "{} cannot connect: no protocol version in common (they need {oldest} or newer); switch {} on",
            names(&by_version),
            switch.join(" and ")
        ));
    }
    if !by_suite.is_empty() {
        let mut sentence = format!(
            "{} cannot connect although a version is shared: no cipher suite, group or key size in common",
            names(&by_suite)
        );
        let ids: Vec<_> = by_suite.iter().map(|(report, _)| report.client).collect();
        let offers: Vec<&[u16]> = catalog
            .clients()
            .iter()
            .filter(|client| ids.contains(&client.profile.client))
            .map(|client| client.hello.suites())
            .collect();
        let rsa = certificate_key.is_some_and(|key| key.starts_with("RSA"));
        let ec = certificate_key.is_some_and(|key| key.starts_with("EC"));
        let fits_certificate = |au: TlsCipherAu| match (rsa, ec) {
            (true, _) => au == TlsCipherAu::Rsa,
            (_, true) => au == TlsCipherAu::Ecdsa,
            _ => matches!(au, TlsCipherAu::Rsa | TlsCipherAu::Ecdsa),
        };
        let shared = shared_suites(&offers, fits_certificate);
        if !shared.is_empty() {
            sentence.push_str(&format!(
                "; add one of {}, which all of them offer",
                shared.join(", ")
            ));
        }
        if rsa {
            let ecdsa = shared_suites(&offers, |au| au == TlsCipherAu::Ecdsa);
            if let Some(first) = ecdsa.first() {
                sentence.push_str(&format!(
                    "; or add an ECDSA certificate (they offer {first})"
                ));
            }
        }
        sentences.push(sentence);
    }
    Some(Lockout {
        severity: if common {
            Severity::Critical
        } else {
            Severity::Warning
        },
        decides_verdict: common,
        detail: sentences.join(". "),
    })
}

/// Programs that connected with SSL 3.0, TLS 1.0 or TLS 1.1 and speak nothing newer, each with
/// its version: they are the ones the switch-off cuts off. (A program that speaks TLS 1.2 but
/// got TLS 1.0 from a server without TLS 1.2 is fine once the server has it.)
pub fn legacy_only(reports: &[ClientReport]) -> Option<String> {
    let legacy: Vec<String> = reports
        .iter()
        .filter(|report| report.result == ClientResult::Connected)
        .filter_map(|report| {
            let profile = Profile::of(report.client);
            let version = report.version.filter(|v| *v < TlsVersion::Tls12)?;
            (profile.versions.1 < TlsVersion::Tls12)
                .then(|| format!("{} ({version})", profile.label))
        })
        .collect();
    (!legacy.is_empty()).then(|| {
        format!(
            "{} connect only with a version RFC 8996 retired and will fail once it is switched off",
            legacy.join(", ")
        )
    })
}

fn names(clients: &[(&ClientReport, &'static Profile)]) -> String {
    clients
        .iter()
        .map(|(_, profile)| profile.label)
        .collect::<Vec<_>>()
        .join(", ")
}

/// TLS 1.2 suites every offer in `offers` contains, best first: AEAD before CBC, ECDHE before
/// DHE. Only AES or ChaCha20 with forward secrecy (RFC 9325 §4.2 advises against RSA key
/// exchange). At most [`SUITES_NAMED`].
fn shared_suites(offers: &[&[u16]], au_fits: impl Fn(TlsCipherAu) -> bool) -> Vec<String> {
    let Some((first, rest)) = offers.split_first() else {
        return Vec::new();
    };
    let mut suites: Vec<&TlsCipherSuite> = first
        .iter()
        .filter(|id| rest.iter().all(|offer| offer.contains(id)))
        .filter_map(|id| TlsCipherSuite::from_id(*id))
        .filter(|suite| {
            matches!(suite.kx, TlsCipherKx::Ecdhe | TlsCipherKx::Dhe)
                && matches!(
                    suite.enc,
                    TlsCipherEnc::Aes | TlsCipherEnc::Chacha20_Poly1305
                )
                && au_fits(suite.au)
        })
        .collect();
    let rank = |suite: &TlsCipherSuite| {
        let aead = matches!(suite.enc_mode, TlsCipherEncMode::Gcm)
            || suite.enc == TlsCipherEnc::Chacha20_Poly1305;
        let kx = suite.kx != TlsCipherKx::Ecdhe;
        (!aead, kx, suite.enc_size)
    };
    suites.sort_by_key(|suite| rank(suite));
    suites
        .into_iter()
        .take(SUITES_NAMED)
        .map(|suite| suite.name.to_owned())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use mailtls_shared::SimulatedClient;

    fn failed(client: SimulatedClient, reason: ClientReason) -> ClientReport {
        super::super::without_handshake(client, ClientResult::Failed, reason, "x")
    }

    #[test]
    fn windows_locked_out_by_an_ecdhe_gcm_only_rsa_server_gets_suites_to_add() {
        let catalog = Catalog::load().unwrap();
        let reports = [
            failed(
                SimulatedClient::SchannelWin7Tls12,
                ClientReason::NoSharedCipher,
            ),
            failed(SimulatedClient::SchannelWin81, ClientReason::NoSharedCipher),
            // Below TLS 1.2: the switch-off's expected casualty, not a lock-out.
            failed(SimulatedClient::SchannelWin7, ClientReason::ProtocolVersion),
        ];
        let found = lockout(&reports, &catalog, Some("RSA")).unwrap();
        assert_eq!(found.severity, Severity::Critical);
        assert!(found.decides_verdict);
        assert_eq!(
            found.detail,
            "Windows 7 with TLS 1.2 switched on, Windows 8.1 cannot connect although a version is shared: \
             no cipher suite, group or key size in common; add one of \
             TLS_DHE_RSA_WITH_AES_128_GCM_SHA256, TLS_DHE_RSA_WITH_AES_256_GCM_SHA384, \
             TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256, which all of them offer; or add an ECDSA \
             certificate (they offer TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256)"
        );
    }

    #[test]
    fn a_tls13_only_server_is_told_to_switch_tls12_on() {
        let catalog = Catalog::load().unwrap();
        let reports = [
            failed(
                SimulatedClient::SchannelWin10,
                ClientReason::ProtocolVersion,
            ),
            failed(SimulatedClient::AppleMail16, ClientReason::ProtocolVersion),
        ];
        let found = lockout(&reports, &catalog, Some("EC P-256")).unwrap();
        assert_eq!(
            found.detail,
            "Windows 10, Apple Mail 16 cannot connect: no protocol version in common (they need TLS 1.2 or newer); switch TLS 1.2 on"
        );
    }

    #[test]
    fn clients_that_speak_tls_1_3_too_are_let_in_by_tls_1_2() {
        // Android 10 and 13 speak up to TLS 1.3; against a TLS 1.0-only server the fix is
        // TLS 1.2 (the oldest version each of them speaks from 1.2 on), not "switch 1.3 on".
        let catalog = Catalog::load().unwrap();
        let reports = [
            failed(SimulatedClient::Android10, ClientReason::ProtocolVersion),
            failed(SimulatedClient::Android13, ClientReason::ProtocolVersion),
        ];
        let found = lockout(&reports, &catalog, Some("RSA")).unwrap();
        assert!(
            found
                .detail
                .ends_with("(they need TLS 1.2 or newer); switch TLS 1.2 on"),
            "{}",
            found.detail
        );
    }

    #[test]
    fn only_rare_clients_locked_out_is_a_warning_that_keeps_the_verdict() {
        let catalog = Catalog::load().unwrap();
        let reports = [failed(
            SimulatedClient::Android44,
            ClientReason::NoSharedCipher,
        )];
        let found = lockout(&reports, &catalog, Some("RSA")).unwrap();
        assert_eq!(
            (found.severity, found.decides_verdict),
            (Severity::Warning, false)
        );
        assert_eq!(lockout(&[], &catalog, None), None);
    }

    #[test]
    fn legacy_only_names_each_client_with_its_version() {
        let mut win7 = failed(SimulatedClient::SchannelWin7, ClientReason::Alert);
        win7.result = ClientResult::Connected;
        win7.reason = None;
        win7.version = Some(TlsVersion::Tls10);
        let mut tb = win7.clone();
        tb.client = SimulatedClient::Thunderbird91;
        tb.version = Some(TlsVersion::Tls13);
        // Windows 10 speaks TLS 1.2: a TLS 1.0 connection is the server's doing, not its limit.
        let mut win10 = win7.clone();
        win10.client = SimulatedClient::SchannelWin10;
        assert_eq!(
            legacy_only(&[win7, win10, tb.clone()]).as_deref(),
            Some(
                "Windows 7 (TLS 1.0) connect only with a version RFC 8996 retired and will fail once it is switched off"
            )
        );
        assert_eq!(legacy_only(&[tb]), None);
    }
}
