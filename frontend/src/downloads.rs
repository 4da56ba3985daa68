//! Settings files generated in the browser: an Apple configuration profile (`.mobileconfig`,
//! e-mail payload, unsigned, no password) from the provider's profile, and, for Windows 7, the
//! `.reg` file that switches on TLS 1.2 for mail programs. Pure string work: every value is
//! escaped for its format; the end-to-end tests parse each file with a real parser.
//!
//! No Thunderbird autoconfig file: Thunderbird reads that from the provider's `autoconfig.`
//! host or Mozilla's ISPDB, not from a file a customer downloads (the README says how a provider
//! publishes one).

use mailtls_shared::{Profile, ProfileSecurity};

/// Escapes text for XML element content and attribute values.
fn xml(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // Control characters cannot appear in XML 1.0 at all.
            c if c.is_control() && c != '\n' && c != '\t' => {}
            c => out.push(c),
        }
    }
    out
}

/// Whether a `.mobileconfig` can say what the provider means. Apple documents
/// `IncomingMailServerUseSSL` and `OutgoingMailServerUseSSL` only as "enables SSL"; whether that
/// is STARTTLS on port 143 or 587 is not documented, so the profile is offered only when both
/// servers use TLS from the first byte (SSL/TLS), where it cannot be misread.
pub fn mobileconfig_fits(profile: &Profile) -> bool {
    let incoming = profile.imap.as_ref().or(profile.pop3.as_ref());
    incoming.is_some_and(|server| server.security == ProfileSecurity::Tls)
        && profile.smtp.security == ProfileSecurity::Tls
}

/// The part of an identifier that names one account: the address's local part in letters,
/// digits and hyphens (`max.muster` → `max-muster`).
fn account_label(email: &str) -> String {
    let local = email.rsplit_once('@').map_or(email, |(local, _)| local);
    local
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect()
}

/// An Apple configuration profile with one mail account (`com.apple.mail.managed`): the
/// provider's IMAP (or POP3) and SMTP server, the customer's address as account and user name,
/// no password (the device asks for it). `uuids` are two fresh UUIDs (profile, payload). The
/// identifiers name domain and account, so a second account's profile is added beside the first
/// instead of replacing it (Apple: the top-level identifier decides that). Offer it only where
/// [`mobileconfig_fits`].
pub fn mobileconfig(profile: &Profile, email: &str, uuids: [&str; 2]) -> String {
    let (account_type, incoming) = match (&profile.imap, &profile.pop3) {
        (Some(imap), _) => ("EmailTypeIMAP", imap),
        (None, Some(pop3)) => ("EmailTypePOP", pop3),
        // A valid profile has an incoming server; without one there is nothing to configure.
        (None, None) => ("EmailTypeIMAP", &profile.smtp),
    };
    let domain = email.rsplit_once('@').map_or("mail", |(_, domain)| domain);
    let reverse: Vec<&str> = domain.rsplit('.').collect();
    let identifier = format!("{}.mailtls.{}", reverse.join("."), account_label(email));
    let string = |key: &str, value: &str| {
        format!(
            "\t\t\t<key>{key}</key>\n\t\t\t<string>{}</string>\n",
            xml(value)
        )
    };
    let integer = |key: &str, value: u16| {
        format!("\t\t\t<key>{key}</key>\n\t\t\t<integer>{value}</integer>\n")
    };
    let boolean = |key: &str| format!("\t\t\t<key>{key}</key>\n\t\t\t<true/>\n");
    let mut payload = String::new();
    payload.push_str(&string("EmailAccountDescription", &profile.provider));
    payload.push_str(&string("EmailAccountType", account_type));
    payload.push_str(&string("EmailAddress", email));
    payload.push_str(&string(
        "IncomingMailServerAuthentication",
        "EmailAuthPassword",
    ));
    payload.push_str(&string(
        "IncomingMailServerHostName",
        incoming.host.as_str(),
    ));
    payload.push_str(&integer("IncomingMailServerPortNumber", incoming.port));
    payload.push_str(&boolean("IncomingMailServerUseSSL"));
    payload.push_str(&string("IncomingMailServerUsername", email));
    payload.push_str(&string(
        "OutgoingMailServerAuthentication",
        "EmailAuthPassword",
    ));
    payload.push_str(&string(
        "OutgoingMailServerHostName",
        profile.smtp.host.as_str(),
    ));
    payload.push_str(&integer("OutgoingMailServerPortNumber", profile.smtp.port));
    payload.push_str(&boolean("OutgoingMailServerUseSSL"));
    payload.push_str(&string("OutgoingMailServerUsername", email));
    payload.push_str(&string("PayloadDisplayName", &profile.provider));
    payload.push_str(&string(
        "PayloadIdentifier",
        &format!("{identifier}.account"),
    ));
    payload.push_str(&string("PayloadType", "com.apple.mail.managed"));
    payload.push_str(&string("PayloadUUID", uuids[1]));
    payload.push_str(&integer("PayloadVersion", 1));
    let top =
        |key: &str, value: &str| format!("\t<key>{key}</key>\n\t<string>{}</string>\n", xml(value));
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!DOCTYPE plist PUBLIC \"-//Apple//DTD PLIST 1.0//EN\" \
         \"http://www.apple.com/DTDs/PropertyList-1.0.dtd\">\n<plist version=\"1.0\">\n<dict>\n\
         \t<key>PayloadContent</key>\n\t<array>\n\t\t<dict>\n{payload}\t\t</dict>\n\t</array>\n\
         {}{}{}{}\t<key>PayloadVersion</key>\n\t<integer>1</integer>\n</dict>\n</plist>\n",
        top(
            "PayloadDisplayName",
            &format!("E-Mail: {}", profile.provider)
        ),
        top("PayloadIdentifier", &identifier),
        top("PayloadType", "Configuration"),
        top("PayloadUUID", uuids[0]),
    )
}

/// The Windows 7 registry change Microsoft documents for TLS 1.2 in mail programs: the
/// SChannel client switch for TLS 1.2, and WinHTTP's default protocols (TLS 1.1 + 1.2, which
/// also needs update KB3140245), for 32- and 64-bit programs. CRLF line endings, as regedit
/// writes them.
pub fn windows7_tls12_reg() -> String {
    [
        "Windows Registry Editor Version 5.00",
        "",
        "[HKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Control\\SecurityProviders\\SCHANNEL\\Protocols\\TLS 1.2\\Client]",
        "\"DisabledByDefault\"=dword:00000000",
        "\"Enabled\"=dword:00000001",
        "",
        "[HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Internet Settings\\WinHttp]",
        "\"DefaultSecureProtocols\"=dword:00000a00",
        "",
        "[HKEY_LOCAL_MACHINE\\SOFTWARE\\Wow6432Node\\Microsoft\\Windows\\CurrentVersion\\Internet Settings\\WinHttp]",
        "\"DefaultSecureProtocols\"=dword:00000a00",
        "",
    ]
    .join("\r\n")
}

#[cfg(test)]
mod tests {
    use mailtls_shared::{Hostname, Lang, OfficialServer, Support};

    use super::*;

    fn profile() -> Profile {
        let server = |host: &str, port, security| OfficialServer {
            host: Hostname::parse(host).expect("host"),
            port,
            security,
        };
        Profile {
            provider: "Müller & <Söhne>".into(),
            aliases: vec![],
            retired: vec![],
            languages: vec![Lang::De],
            imap: Some(server("mail.provider.test", 993, ProfileSecurity::Tls)),
            pop3: None,
            smtp: server("mail.provider.test", 465, ProfileSecurity::Tls),
            support: Support::default(),
            links: vec![],
            theme: mailtls_shared::Theme::default(),
        }
    }

    #[test]
    fn the_apple_profile_is_offered_only_for_ssl_tls_servers() {
        let mut implicit = profile();
        assert!(mobileconfig_fits(&implicit));
        implicit.smtp.port = 587;
        implicit.smtp.security = ProfileSecurity::Starttls;
        assert!(
            !mobileconfig_fits(&implicit),
            "UseSSL on 587 is not documented as STARTTLS"
        );
        assert_eq!(account_label("Max.Muster+x@provider.test"), "max-muster-x");
    }

    #[test]
    fn the_apple_profile_holds_the_account_and_no_password() {
        let plist = mobileconfig(
            &profile(),
            "kunde@provider.test",
            [
                "6F1A0D3C-0000-4000-8000-000000000001",
                "6F1A0D3C-0000-4000-8000-000000000002",
            ],
        );
        for part in [
            "<string>com.apple.mail.managed</string>",
            "<string>EmailTypeIMAP</string>",
            "<key>EmailAddress</key>\n\t\t\t<string>kunde@provider.test</string>",
            "<key>IncomingMailServerPortNumber</key>\n\t\t\t<integer>993</integer>",
            "<key>OutgoingMailServerPortNumber</key>\n\t\t\t<integer>465</integer>",
            "<string>test.provider.mailtls.kunde</string>",
            "<string>test.provider.mailtls.kunde.account</string>",
            "<string>Configuration</string>",
            "Müller &amp; &lt;Söhne&gt;",
        ] {
            assert!(plist.contains(part), "{part} missing in\n{plist}");
        }
        assert!(
            !plist.contains("Password</key>"),
            "no password in the profile"
        );
    }

    /// Parses the three files with Python's standard parsers (plistlib, ElementTree, and
    /// configparser for the `.reg` body) and returns what they read.
    fn parsed_by_python(plist: &str, reg: &str) -> String {
        let dir = std::env::temp_dir().join(format!("mailtls-downloads-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        std::fs::write(dir.join("mail.mobileconfig"), plist).expect("plist");
        std::fs::write(dir.join("tls12.reg"), reg).expect("reg");
        let script = r#"
import configparser, plistlib, sys
d = sys.argv[1]
with open(d + "/mail.mobileconfig", "rb") as f:
    p = plistlib.load(f)
a = p["PayloadContent"][0]
print("plist", p["PayloadType"], p["PayloadIdentifier"], a["PayloadType"], a["EmailAddress"], a["IncomingMailServerPortNumber"], a["OutgoingMailServerUseSSL"], sorted(k for k in a if "Password" in k))
text = open(d + "/tls12.reg", encoding="ascii", newline="").read()
head, body = text.split("\r\n", 1)
c = configparser.ConfigParser(); c.optionxform = str; c.read_string(body)
print("reg", head, [(s.rsplit("\\", 1)[-1], dict(c[s])) for s in c.sections()])
"#;
        let output = std::process::Command::new("python3")
            .arg("-c")
            .arg(script)
            .arg(&dir)
            .output()
            .expect("python3 runs");
        let _ = std::fs::remove_dir_all(&dir);
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8_lossy(&output.stdout).into_owned()
    }

    #[test]
    fn real_parsers_read_the_generated_files() {
        let read = parsed_by_python(
            &mobileconfig(
                &profile(),
                "kunde@provider.test",
                [
                    "6F1A0D3C-0000-4000-8000-000000000001",
                    "6F1A0D3C-0000-4000-8000-000000000002",
                ],
            ),
            &windows7_tls12_reg(),
        );
        let expected = [
            "plist Configuration test.provider.mailtls.kunde com.apple.mail.managed kunde@provider.test 993 True []",
            "reg Windows Registry Editor Version 5.00 [('Client', {'\"DisabledByDefault\"': 'dword:00000000', '\"Enabled\"': 'dword:00000001'}), ('WinHttp', {'\"DefaultSecureProtocols\"': 'dword:00000a00'}), ('WinHttp', {'\"DefaultSecureProtocols\"': 'dword:00000a00'})]",
        ];
        let lines: Vec<&str> = read.lines().collect();
        assert_eq!(lines, expected);
    }

    #[test]
    fn the_registry_file_switches_on_tls_12() {
        let reg = windows7_tls12_reg();
        assert!(reg.starts_with("Windows Registry Editor Version 5.00\r\n"));
        assert!(reg.contains("\\TLS 1.2\\Client]\r\n\"DisabledByDefault\"=dword:00000000\r\n\"Enabled\"=dword:00000001"));
        assert_eq!(
            reg.matches("\"DefaultSecureProtocols\"=dword:00000a00")
                .count(),
            2
        );
        assert!(!reg.contains("\n\n"), "CRLF only");
    }
}
