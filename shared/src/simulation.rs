//! The report's client simulation part: which mail programs' own TLS hellos reached a server.
//!
//! A server that accepts TLS 1.2 can still refuse a program that speaks TLS 1.2: a handshake also
//! needs a cipher suite, a key-exchange group and key sizes both sides accept. The probe sends the
//! ClientHello each [`SimulatedClient`] really sends (a published capture, see
//! `docs/client-simulation.md`) and records what the server answered, per endpoint.
//!
//! The client ids are part of the API contract: add ids, never rename one.

use serde::{Deserialize, Serialize};

use crate::api::TlsVersion;

crate::wire::wire_enum! {
    /// A TLS stack at one version, as a mail program on one system uses it. The wire name
    /// (`schannel-win7`) is the stable id.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
    #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
    pub enum SimulatedClient {
        /// Windows XP SP3's SChannel (every Outlook and Outlook Express there).
        SchannelWinXp = "schannel-winxp",
        /// Windows Vista's SChannel.
        SchannelVista = "schannel-vista",
        /// Windows 7's SChannel as installed: TLS 1.0 only.
        SchannelWin7 = "schannel-win7",
        /// Windows 7's SChannel with TLS 1.1 and 1.2 switched on (the registry fix).
        SchannelWin7Tls12 = "schannel-win7-tls12",
        /// Windows 8.1's SChannel.
        SchannelWin81 = "schannel-win81",
        /// Windows 10's SChannel.
        SchannelWin10 = "schannel-win10",
        Android23 = "android-2.3",
        Android40 = "android-4.0",
        /// Android 4.1 to 4.3 as apps get it by default (TLS 1.0).
        Android43 = "android-4.3",
        Android44 = "android-4.4",
        Android5 = "android-5",
        Android7 = "android-7",
        Android10 = "android-10",
        /// Android 13 and 14.
        Android13 = "android-13",
        /// Android 15 and 16.
        Android15 = "android-15",
        /// The Mail app of iOS 9.3.
        AppleMailIos9 = "apple-mail-ios9",
        /// Apple Mail on OS X 10.11 El Capitan.
        AppleMailOsx1011 = "apple-mail-osx10.11",
        /// Apple Mail 16 (macOS 13 Ventura).
        AppleMail16 = "apple-mail-16",
        Thunderbird45 = "thunderbird-45",
        Thunderbird60 = "thunderbird-60",
        Thunderbird68 = "thunderbird-68",
        Thunderbird91 = "thunderbird-91",
    }
}

impl SimulatedClient {
    /// Every client, in the order reports list them.
    pub const ALL: [SimulatedClient; 22] = [
        SimulatedClient::SchannelWinXp,
        SimulatedClient::SchannelVista,
        SimulatedClient::SchannelWin7,
        SimulatedClient::SchannelWin7Tls12,
        SimulatedClient::SchannelWin81,
        SimulatedClient::SchannelWin10,
        SimulatedClient::Android23,
        SimulatedClient::Android40,
        SimulatedClient::Android43,
        SimulatedClient::Android44,
        SimulatedClient::Android5,
        SimulatedClient::Android7,
        SimulatedClient::Android10,
        SimulatedClient::Android13,
        SimulatedClient::Android15,
        SimulatedClient::AppleMailIos9,
        SimulatedClient::AppleMailOsx1011,
        SimulatedClient::AppleMail16,
        SimulatedClient::Thunderbird45,
        SimulatedClient::Thunderbird60,
        SimulatedClient::Thunderbird68,
        SimulatedClient::Thunderbird91,
    ];
}

crate::wire::wire_enum! {
    /// Whether a client's hello led to a handshake.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
    pub enum ClientResult {
        /// The server answered with a version, suite and group this client accepts.
        Connected = "connected",
        /// The server refused the client, or chose something the client would refuse.
        Failed = "failed",
        /// Not tried, or no clear answer (see `reason`).
        Untested = "untested",
    }
}

crate::wire::wire_enum! {
    /// Why a client failed or was not tested.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
    pub enum ClientReason {
        /// No protocol version in common (an alert, or the version probes already showed it).
        ProtocolVersion = "protocol_version",
        /// The server found no cipher suite, group or signature algorithm in common.
        NoSharedCipher = "no_shared_cipher",
        /// Another TLS alert (see `detail`).
        Alert = "alert",
        /// The server chose a version, suite or group this client did not offer.
        UnofferedChoice = "unoffered_choice",
        /// The server's Diffie-Hellman key is outside the sizes this client accepts.
        DhKeySize = "dh_key_size",
        /// The certificate's key is outside the sizes this client accepts.
        CertificateKeySize = "certificate_key_size",
        /// The server closed the connection without an answer.
        Closed = "closed",
        Timeout = "timeout",
        Network = "network",
        /// The server's answer broke the protocol.
        ProtocolViolation = "protocol_violation",
        /// The connection or the plain-text dialog before TLS failed.
        Unreached = "unreached",
        /// The versions this client offers could not be tested, so its hello was not sent.
        VersionsUntested = "versions_untested",
        /// Not tried: client simulation is switched off, or no version probe reached a handshake.
        Skipped = "skipped",
    }
}

/// What one simulated client's hello achieved at one endpoint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ClientReport {
    pub client: SimulatedClient,
    pub result: ClientResult,
    /// The negotiated version, when connected.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<TlsVersion>,
    /// IANA name of the negotiated cipher suite.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cipher_suite: Option<String>,
    /// The key-exchange group (`x25519`, `secp256r1`, `ffdhe2048`, `DH 2048 bits`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<ClientReason>,
    /// Technical detail for admins, in English.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}
crate::json::record!(ClientReport {
    required: client, result;
    defaulted: version, cipher_suite, group, reason, detail;
});

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::wire_name;

    #[test]
    fn client_ids_are_unique_and_read_back() {
        let mut names: Vec<&str> = SimulatedClient::ALL.iter().map(wire_name).collect();
        for (client, name) in SimulatedClient::ALL.iter().zip(&names) {
            let back: SimulatedClient = serde_json::from_str(&format!("\"{name}\"")).unwrap();
            assert_eq!(&back, client);
        }
        names.sort();
        names.dedup();
        assert_eq!(names.len(), SimulatedClient::ALL.len());
        assert_eq!(wire_name(&SimulatedClient::SchannelWin81), "schannel-win81");
    }

    #[test]
    fn client_report_json_shape() {
        let report = ClientReport {
            client: SimulatedClient::SchannelWin7Tls12,
            result: ClientResult::Failed,
            version: None,
            cipher_suite: None,
            group: None,
            reason: Some(ClientReason::NoSharedCipher),
            detail: Some("server sent alert handshake_failure".into()),
        };
        let json = serde_json::to_value(&report).unwrap();
        assert_eq!(json["client"], "schannel-win7-tls12");
        assert_eq!(json["result"], "failed");
        assert_eq!(json["reason"], "no_shared_cipher");
        assert!(json.get("version").is_none());
        let back: ClientReport = serde_json::from_value(json).unwrap();
        assert_eq!(back, report);
    }
}
