//! What mail programs can do: a table of facts (program × system → TLS 1.2 capability, the fix,
//! the source), and the decision that combines a fact with what the probe found on the
//! provider's server. Data, not if-chains: a new program is a new row. Facts our research could
//! not confirm are marked and shown as "unconfirmed", never as certain.
//!
//! Every fact's source, with the sentence that supports it: `docs/mail-clients.md`.
//!
//! Where a captured hello stands for the program ([`simulated`]), the check measured what the
//! program's own handshake does with the customer's server, and [`measured_guidance`] answers
//! from that instead of from the table.

use mailtls_shared::{
    CheckReport, ClientReason, ClientResult, Outcome, SimulatedClient, TlsVersion,
};

/// The operating systems the page asks about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum System {
    WindowsXp,
    WindowsVista,
    Windows7,
    Windows8,
    Windows81,
    Windows10,
    Windows11,
    /// OS X 10.11 El Capitan and older.
    MacOsOld,
    /// macOS 10.12 Sierra and newer.
    MacOs,
    /// iOS 9 and older.
    IosOld,
    /// iOS 10 and newer.
    Ios,
    /// Android 4.0 and older: no TLS 1.2 at all.
    Android40,
    /// Android 4.1 to 4.4: TLS 1.2 there, but off unless the app switches it on.
    AndroidOld,
    /// Android 5 and newer.
    Android,
    Linux,
}

impl System {
    pub const ALL: [System; 15] = [
        System::Windows11,
        System::Windows10,
        System::Windows81,
        System::Windows8,
        System::Windows7,
        System::WindowsVista,
        System::WindowsXp,
        System::MacOs,
        System::MacOsOld,
        System::Ios,
        System::IosOld,
        System::Android,
        System::AndroidOld,
        System::Android40,
        System::Linux,
    ];

    /// The value in links and form fields.
    pub fn tag(self) -> &'static str {
        match self {
            System::WindowsXp => "winxp",
            System::WindowsVista => "winvista",
            System::Windows7 => "win7",
            System::Windows8 => "win8",
            System::Windows81 => "win81",
            System::Windows10 => "win10",
            System::Windows11 => "win11",
            System::MacOsOld => "macos-old",
            System::MacOs => "macos",
            System::IosOld => "ios-old",
            System::Ios => "ios",
            System::Android40 => "android-40",
            System::AndroidOld => "android-old",
            System::Android => "android",
            System::Linux => "linux",
        }
    }

    pub fn from_tag(tag: &str) -> Option<System> {
        System::ALL.into_iter().find(|system| system.tag() == tag)
    }

    fn is_windows(self) -> bool {
        matches!(
            self,
            System::WindowsXp
                | System::WindowsVista
                | System::Windows7
                | System::Windows8
                | System::Windows81
                | System::Windows10
                | System::Windows11
        )
    }

    fn is_android(self) -> bool {
        matches!(
            self,
            System::Android40 | System::AndroidOld | System::Android
        )
    }
}

/// The mail programs the page asks about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Program {
    OutlookExpress,
    Outlook2007,
    Outlook2010,
    Outlook2013,
    /// Outlook 2016, 2019, 2021 and Microsoft 365 ("classic" Outlook).
    Outlook2016OrNewer,
    /// The new Outlook for Windows, and Outlook for iOS and Android: they sync through
    /// Microsoft's cloud.
    NewOutlook,
    WindowsLiveMail,
    /// The Mail app of Windows 8, 10 and 11.
    WindowsMail,
    /// Thunderbird 24 and older: TLS 1.2 off by default.
    ThunderbirdOld,
    /// Thunderbird 31 to 77: TLS 1.0 to 1.2 (and 1.3 from 60).
    Thunderbird31,
    /// Thunderbird 78 and newer: TLS 1.2 and newer only.
    Thunderbird,
    AppleMail,
    /// The mail app of the iPhone and iPad.
    IosMail,
    /// The mail app that came with the Android device.
    AndroidMail,
    /// K-9 Mail / Thunderbird for Android.
    K9Mail,
}

impl Program {
    pub const ALL: [Program; 15] = [
        Program::Outlook2016OrNewer,
        Program::NewOutlook,
        Program::Outlook2013,
        Program::Outlook2010,
        Program::Outlook2007,
        Program::OutlookExpress,
        Program::WindowsLiveMail,
        Program::WindowsMail,
        Program::Thunderbird,
        Program::Thunderbird31,
        Program::ThunderbirdOld,
        Program::AppleMail,
        Program::IosMail,
        Program::AndroidMail,
        Program::K9Mail,
    ];

    pub fn tag(self) -> &'static str {
        match self {
            Program::OutlookExpress => "outlook-express",
            Program::Outlook2007 => "outlook2007",
            Program::Outlook2010 => "outlook2010",
            Program::Outlook2013 => "outlook2013",
            Program::Outlook2016OrNewer => "outlook",
            Program::NewOutlook => "new-outlook",
            Program::WindowsLiveMail => "wlm",
            Program::WindowsMail => "windows-mail",
            Program::ThunderbirdOld => "thunderbird-old",
            Program::Thunderbird31 => "thunderbird-31",
            Program::Thunderbird => "thunderbird",
            Program::AppleMail => "apple-mail",
            Program::IosMail => "ios-mail",
            Program::AndroidMail => "android-mail",
            Program::K9Mail => "k9",
        }
    }

    pub fn from_tag(tag: &str) -> Option<Program> {
        Program::ALL
            .into_iter()
            .find(|program| program.tag() == tag)
    }
}

/// Whether a program on a system can speak TLS 1.2 to a mail server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tls12 {
    /// On, as the program comes on this system.
    Enabled,
    /// After installing an update of the program.
    AfterUpdate,
    /// After a setting in the system (Windows 7: the registry change).
    AfterSettingChange,
    /// Not at all on this system: another program or a newer system is needed.
    Unavailable,
    /// The device never talks to the server: Microsoft's cloud does, with TLS 1.2.
    ViaCloud,
}

/// What the customer can do about it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fix {
    Nothing,
    /// Windows 7: the SChannel TLS 1.2 client setting (the `.reg` file) and update KB3140245.
    Windows7Registry,
    /// Install Thunderbird, which brings its own TLS: the newest version for the system
    /// (52 ESR on XP and Vista, 115 ESR on Windows 7 to 8.1, 78 ESR on OS X 10.9 to 10.11).
    InstallThunderbird,
    /// Thunderbird 24 or older: a newer Thunderbird switches TLS 1.2 on itself (from 31 on).
    UpdateThunderbird,
    /// Android 4.1 to 4.4: K-9 Mail switches TLS 1.2 on there (5.600 is its last version for
    /// Android 4).
    InstallK9,
    /// Nothing installable helps: a newer system, where the device takes one, or a newer device.
    NewDevice,
    /// The program is discontinued: switch to another one.
    SwitchProgram,
}

/// One row of the knowledge base.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fact {
    pub program: Program,
    pub systems: &'static [System],
    pub tls12: Tls12,
    pub fix: Fix,
    /// Where the fact comes from; `docs/mail-clients.md` quotes the supporting sentence. Empty
    /// for an unconfirmed fact that no source supports (the page shows no source for those).
    pub source: &'static str,
    /// False for what the research inferred but could not confirm: the page says so, and shows
    /// no source as if it proved the fact.
    pub confirmed: bool,
}

const WINDOWS_MODERN: &[System] = &[
    System::Windows8,
    System::Windows81,
    System::Windows10,
    System::Windows11,
];
const EVERYWHERE: &[System] = &System::ALL;

const MS_OFFICE_TLS: &str =
    "https://learn.microsoft.com/en-us/purview/tls-1.0-and-1.1-deprecation-for-office-365";
const MS_KB3140245: &str = "https://support.microsoft.com/en-us/kb/3140245";
const SCHANNEL_PROTOCOLS: &str =
    "https://learn.microsoft.com/en-us/windows/win32/secauthn/protocols-in-tls-ssl--schannel-ssp-";
const SCHANNEL_VERSIONS: &str =
    "https://blogs.msdn.microsoft.com/kaushal/2011/10/02/support-for-ssltls-protocols-on-windows/";
const OUTLOOK_EXPRESS: &str = "https://joewein.net/blog/2018/07/04/outlook-express-error-0x800ccc0b-and-the-end-of-tls-1-0-deprecated-ssl-protocol/";
const NEW_OUTLOOK_CLOUD: &str = "https://support.microsoft.com/en-us/office/sync-your-account-in-outlook-to-the-microsoft-cloud-985f9e19-d308-4e85-9d1d-0c6f32f8e981";
const WINDOWS_MAIL_END: &str =
    "https://www.neowin.net/news/windows-mail-will-stop-working-on-december-31-2024/";
const THUNDERBIRD_78: &str = "https://www.thunderbird.net/en-US/thunderbird/78.0/releasenotes/";
const THUNDERBIRD_TLS: &str = "http://kb.mozillazine.org/Security.tls.version.*";
const THUNDERBIRD_CAPTURES: &str = "https://github.com/testssl/testssl.sh/blob/9fdf8028baba86d83218db294a5776384ec8c332/etc/client-simulation.txt";
const APPLE_MAIL_TLS10: &str =
    "https://herrbischoff.com/2018/06/macos-and-ios-mail-do-not-support-tlsv1.2/";
const APPLE_MAIL_16_CAPTURE: &str = "https://github.com/testssl/testssl.sh/blob/9fdf8028baba86d83218db294a5776384ec8c332/etc/client-simulation.wiresharked.txt";
const ANDROID_SSLSOCKET: &str = "https://developer.android.com/reference/javax/net/ssl/SSLSocket";
const AOSP_EMAIL: &str = "https://github.com/aosp-mirror/platform_packages_apps_email/blob/android-4.4.4_r2/emailcommon/src/com/android/emailcommon/utility/SSLUtils.java";
const K9_TLS12: &str = "https://github.com/thunderbird/thunderbird-android/blob/5.600/k9mail-library/src/main/java/com/fsck/k9/mail/ssl/DefaultTrustedSocketFactory.java";
const K9_ANDROID5: &str = "https://github.com/thunderbird/thunderbird-android/issues/4992";

/// The knowledge base. The first row that matches program and system wins.
pub const FACTS: &[Fact] = &[
    // Outlook Express exists only on XP and older; TLS 1.0 at most.
    Fact {
        program: Program::OutlookExpress,
        systems: EVERYWHERE,
        tls12: Tls12::Unavailable,
        fix: Fix::InstallThunderbird,
        source: OUTLOOK_EXPRESS,
        confirmed: true,
    },
    // Classic Outlook and Windows Live Mail use Windows' TLS (SChannel): "All Office clients can
    // use TLS protocols, as TLS and SSL protocols are part of the operating system"
    // (MS_OFFICE_TLS), which covers every Outlook version alike. XP has no TLS 1.2 (Kaushal's
    // table); Vista neither (Microsoft's SChannel table: "Not supported"; Kaushal's table was
    // later changed for Server 2008 SP2 and now reads otherwise for Vista).
    Fact {
        program: Program::Outlook2007,
        systems: &[System::WindowsXp],
        tls12: Tls12::Unavailable,
        fix: Fix::InstallThunderbird,
        source: SCHANNEL_VERSIONS,
        confirmed: true,
    },
    Fact {
        program: Program::Outlook2007,
        systems: &[System::WindowsVista],
        tls12: Tls12::Unavailable,
        fix: Fix::InstallThunderbird,
        source: SCHANNEL_PROTOCOLS,
        confirmed: true,
    },
    Fact {
        program: Program::Outlook2010,
        systems: &[System::WindowsXp],
        tls12: Tls12::Unavailable,
        fix: Fix::InstallThunderbird,
        source: SCHANNEL_VERSIONS,
        confirmed: true,
    },
    Fact {
        program: Program::Outlook2010,
        systems: &[System::WindowsVista],
        tls12: Tls12::Unavailable,
        fix: Fix::InstallThunderbird,
        source: SCHANNEL_PROTOCOLS,
        confirmed: true,
    },
    Fact {
        program: Program::WindowsLiveMail,
        systems: &[System::WindowsXp],
        tls12: Tls12::Unavailable,
        fix: Fix::InstallThunderbird,
        source: SCHANNEL_VERSIONS,
        confirmed: false,
    },
    Fact {
        program: Program::WindowsLiveMail,
        systems: &[System::WindowsVista],
        tls12: Tls12::Unavailable,
        fix: Fix::InstallThunderbird,
        source: SCHANNEL_PROTOCOLS,
        confirmed: false,
    },
    // Windows 7: TLS 1.2 is in SChannel but off for clients until the registry says otherwise.
    Fact {
        program: Program::Outlook2007,
        systems: &[System::Windows7],
        tls12: Tls12::AfterSettingChange,
        fix: Fix::Windows7Registry,
        source: MS_KB3140245,
        confirmed: true,
    },
    Fact {
        program: Program::Outlook2010,
        systems: &[System::Windows7],
        tls12: Tls12::AfterSettingChange,
        fix: Fix::Windows7Registry,
        source: MS_KB3140245,
        confirmed: true,
    },
    Fact {
        program: Program::Outlook2013,
        systems: &[System::Windows7],
        tls12: Tls12::AfterSettingChange,
        fix: Fix::Windows7Registry,
        source: MS_KB3140245,
        confirmed: true,
    },
    Fact {
        program: Program::Outlook2016OrNewer,
        systems: &[System::Windows7],
        tls12: Tls12::AfterSettingChange,
        fix: Fix::Windows7Registry,
        source: MS_KB3140245,
        confirmed: true,
    },
    Fact {
        program: Program::WindowsLiveMail,
        systems: &[System::Windows7],
        tls12: Tls12::AfterSettingChange,
        fix: Fix::Windows7Registry,
        source: SCHANNEL_PROTOCOLS,
        confirmed: false,
    },
    // Windows 8 and newer: TLS 1.2 on by default.
    Fact {
        program: Program::Outlook2007,
        systems: WINDOWS_MODERN,
        tls12: Tls12::Enabled,
        fix: Fix::Nothing,
        source: MS_OFFICE_TLS,
        confirmed: true,
    },
    Fact {
        program: Program::Outlook2010,
        systems: WINDOWS_MODERN,
        tls12: Tls12::Enabled,
        fix: Fix::Nothing,
        source: MS_OFFICE_TLS,
        confirmed: true,
    },
    Fact {
        program: Program::Outlook2013,
        systems: WINDOWS_MODERN,
        tls12: Tls12::Enabled,
        fix: Fix::Nothing,
        source: MS_OFFICE_TLS,
        confirmed: true,
    },
    Fact {
        program: Program::Outlook2016OrNewer,
        systems: WINDOWS_MODERN,
        tls12: Tls12::Enabled,
        fix: Fix::Nothing,
        source: MS_OFFICE_TLS,
        confirmed: true,
    },
    // Windows Live Mail speaks TLS 1.2 there, but is discontinued.
    Fact {
        program: Program::WindowsLiveMail,
        systems: WINDOWS_MODERN,
        tls12: Tls12::Enabled,
        fix: Fix::SwitchProgram,
        source: SCHANNEL_PROTOCOLS,
        confirmed: false,
    },
    // The new Outlook and Outlook mobile: Microsoft's servers connect, not the device.
    Fact {
        program: Program::NewOutlook,
        systems: EVERYWHERE,
        tls12: Tls12::ViaCloud,
        fix: Fix::Nothing,
        source: NEW_OUTLOOK_CLOUD,
        confirmed: false,
    },
    // The Mail app of Windows 8 to 11 stopped sending and receiving at the end of 2024.
    Fact {
        program: Program::WindowsMail,
        systems: EVERYWHERE,
        tls12: Tls12::Unavailable,
        fix: Fix::SwitchProgram,
        source: WINDOWS_MAIL_END,
        confirmed: true,
    },
    // Thunderbird brings its own TLS (NSS), whatever the system: TLS 1.2 supported from 24, on
    // by default from 31 (Gecko 27); TLS 1.0 and 1.1 off from 78.
    Fact {
        program: Program::ThunderbirdOld,
        systems: EVERYWHERE,
        tls12: Tls12::AfterUpdate,
        fix: Fix::UpdateThunderbird,
        source: THUNDERBIRD_TLS,
        confirmed: true,
    },
    Fact {
        program: Program::Thunderbird31,
        systems: EVERYWHERE,
        tls12: Tls12::Enabled,
        fix: Fix::Nothing,
        source: THUNDERBIRD_CAPTURES,
        confirmed: true,
    },
    Fact {
        program: Program::Thunderbird,
        systems: EVERYWHERE,
        tls12: Tls12::Enabled,
        fix: Fix::Nothing,
        source: THUNDERBIRD_78,
        confirmed: true,
    },
    // Apple's mail apps: TLS 1.0 only up to OS X 10.11 and iOS 9. For later versions no Apple
    // source says when TLS 1.2 came; Apple Mail 16's capture offers it.
    Fact {
        program: Program::AppleMail,
        systems: &[System::MacOsOld],
        tls12: Tls12::Unavailable,
        fix: Fix::InstallThunderbird,
        source: APPLE_MAIL_TLS10,
        confirmed: true,
    },
    Fact {
        program: Program::AppleMail,
        systems: &[System::MacOs],
        tls12: Tls12::Enabled,
        fix: Fix::Nothing,
        source: APPLE_MAIL_16_CAPTURE,
        confirmed: false,
    },
    Fact {
        program: Program::IosMail,
        systems: &[System::IosOld],
        tls12: Tls12::Unavailable,
        fix: Fix::NewDevice,
        source: APPLE_MAIL_TLS10,
        confirmed: true,
    },
    Fact {
        program: Program::IosMail,
        systems: &[System::Ios],
        tls12: Tls12::Enabled,
        fix: Fix::Nothing,
        source: "",
        confirmed: false,
    },
    // Android: no TLS 1.2 before 4.1; 4.1 to 4.4 have it but enable it only when the app asks
    // (the stock Email app does not, K-9 does); on by default from 5.0.
    Fact {
        program: Program::AndroidMail,
        systems: &[System::Android40],
        tls12: Tls12::Unavailable,
        fix: Fix::NewDevice,
        source: ANDROID_SSLSOCKET,
        confirmed: true,
    },
    Fact {
        program: Program::AndroidMail,
        systems: &[System::AndroidOld],
        tls12: Tls12::Unavailable,
        fix: Fix::InstallK9,
        source: AOSP_EMAIL,
        confirmed: false,
    },
    Fact {
        program: Program::AndroidMail,
        systems: &[System::Android],
        tls12: Tls12::Enabled,
        fix: Fix::Nothing,
        source: ANDROID_SSLSOCKET,
        confirmed: false,
    },
    Fact {
        program: Program::K9Mail,
        systems: &[System::Android40],
        tls12: Tls12::Unavailable,
        fix: Fix::NewDevice,
        source: ANDROID_SSLSOCKET,
        confirmed: true,
    },
    Fact {
        program: Program::K9Mail,
        systems: &[System::AndroidOld],
        tls12: Tls12::Enabled,
        fix: Fix::Nothing,
        source: K9_TLS12,
        confirmed: true,
    },
    Fact {
        program: Program::K9Mail,
        systems: &[System::Android],
        tls12: Tls12::Enabled,
        fix: Fix::Nothing,
        source: K9_ANDROID5,
        confirmed: true,
    },
];

/// What the knowledge base says about this program on this system, if anything.
pub fn fact(program: Program, system: System) -> Option<&'static Fact> {
    FACTS
        .iter()
        .find(|fact| fact.program == program && fact.systems.contains(&system))
}

/// What the probe found on the provider's server, as far as mail programs care.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ServerTls {
    /// TLS 1.2 or 1.3, and nothing older.
    ModernOnly,
    /// TLS 1.2 or 1.3, and still TLS 1.0/1.1 too.
    ModernAndLegacy,
    /// Only TLS 1.0/1.1 (or SSL 3.0).
    LegacyOnly,
    /// TLS 1.2 or 1.3; whether TLS 1.0/1.1 are still on could not be told (those probes got no
    /// clear answer, the card says "partly tested").
    ModernLegacyUnknown,
    /// Not known (nothing checked yet, or the check was inconclusive).
    Unknown,
}

/// The advice for one customer: their program and system, and the provider's server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Guidance {
    /// Measured: the program connects with TLS 1.2 or newer.
    Works,
    /// From the table: the program speaks TLS 1.2 or newer and so does the server (not measured).
    Supported,
    /// From the table: the program speaks TLS 1.2 or newer; the server could not be checked.
    Unchecked,
    /// The program stopped working with every server (the Windows Mail app).
    Discontinued,
    /// Works, but the program is discontinued and gets no security updates.
    WorksButDiscontinued,
    /// Works now because the server still allows old versions; will break when they go.
    WorksForNow { fix: Fix },
    /// Does not work with this server until the customer applies `fix`.
    ApplyFix { fix: Fix },
    /// The server offers nothing newer than TLS 1.1: the provider must switch on TLS 1.2. The
    /// program speaks TLS 1.2.
    ServerMustChange,
    /// The server offers nothing newer than TLS 1.1 and the program needs `fix` too, but only
    /// after the server: the fix (a Thunderbird 78 or newer) would refuse the old server.
    ServerFirst { fix: Fix },
    /// The server could not be checked: what to do if it offers only TLS 1.2 and newer.
    ServerUnknown { fix: Fix },
    /// The server offers TLS 1.2, but whether it still takes TLS 1.0 could not be told: the
    /// program needs `fix` at the latest when the old versions go.
    LegacyUnknown { fix: Fix },
    /// The program syncs through Microsoft's cloud, which needs TLS 1.2 on the server.
    CloudNeedsModernServer,
    /// The program and system are not in the knowledge base.
    NoData,
    /// Measured: program and server share a version, but no cipher suite or group; only the
    /// provider can fix that.
    ServerLocksOut,
    /// Measured on Windows 7: works with TLS 1.0 today, but with TLS 1.2 switched on it would
    /// be locked out; the customer must not switch it on yet.
    LockedOutAfterFix,
    /// Measured: the program speaks TLS 1.2 at most, the server TLS 1.3 only.
    ServerNeedsTls12,
}

impl Guidance {
    /// A stable name, for styles and tests.
    pub fn tag(self) -> &'static str {
        match self {
            Guidance::Works => "works",
            Guidance::Supported => "supported",
            Guidance::Unchecked => "unchecked",
            Guidance::Discontinued => "discontinued",
            Guidance::LockedOutAfterFix => "locked-out-after-fix",
            Guidance::WorksButDiscontinued => "works-but-discontinued",
            Guidance::WorksForNow { .. } => "works-for-now",
            Guidance::ApplyFix { .. } => "apply-fix",
            Guidance::ServerMustChange => "server-must-change",
            Guidance::ServerFirst { .. } => "server-first",
            Guidance::ServerUnknown { .. } => "server-unknown",
            Guidance::LegacyUnknown { .. } => "legacy-unknown",
            Guidance::CloudNeedsModernServer => "cloud-needs-modern-server",
            Guidance::NoData => "no-data",
            Guidance::ServerLocksOut => "server-locks-out",
            Guidance::ServerNeedsTls12 => "server-needs-tls12",
        }
    }

    /// The fix the customer is asked to apply, if any (the steps shown under the advice).
    pub fn fix(self) -> Option<Fix> {
        match self {
            Guidance::WorksForNow { fix }
            | Guidance::ApplyFix { fix }
            | Guidance::ServerFirst { fix }
            | Guidance::ServerUnknown { fix }
            | Guidance::LegacyUnknown { fix } => Some(fix),
            _ => None,
        }
    }
}

/// The advice, and whether it rests on an unconfirmed fact.
pub fn guidance(program: Program, system: System, server: ServerTls) -> (Guidance, bool) {
    let Some(fact) = fact(program, system) else {
        return (Guidance::NoData, false);
    };
    let fix = fact.fix;
    let advice = match (fact.tls12, server) {
        // Broken whatever the server does (discontinued programs).
        (Tls12::Unavailable, _) if fix == Fix::SwitchProgram => Guidance::Discontinued,
        (Tls12::ViaCloud, ServerTls::LegacyOnly) => Guidance::CloudNeedsModernServer,
        (Tls12::ViaCloud, ServerTls::Unknown) => Guidance::Unchecked,
        (Tls12::ViaCloud, _) => Guidance::Supported,
        (Tls12::Enabled, ServerTls::LegacyOnly) => Guidance::ServerMustChange,
        (Tls12::Enabled, _) if fix == Fix::SwitchProgram => Guidance::WorksButDiscontinued,
        (Tls12::Enabled, ServerTls::Unknown) => Guidance::Unchecked,
        (Tls12::Enabled, _) => Guidance::Supported,
        // Switching TLS 1.2 on in Windows 7 keeps TLS 1.0: harmless before the server changes.
        (Tls12::AfterSettingChange, ServerTls::ModernAndLegacy | ServerTls::LegacyOnly) => {
            Guidance::WorksForNow { fix }
        }
        // A newer Thunderbird or device may refuse TLS 1.0: the server has to change first.
        (_, ServerTls::LegacyOnly) => Guidance::ServerFirst { fix },
        (_, ServerTls::ModernAndLegacy) => Guidance::WorksForNow { fix },
        (_, ServerTls::ModernOnly) => Guidance::ApplyFix { fix },
        (_, ServerTls::ModernLegacyUnknown) => Guidance::LegacyUnknown { fix },
        (_, ServerTls::Unknown) => Guidance::ServerUnknown { fix },
    };
    (advice, !fact.confirmed)
}

/// The captured TLS stacks that stand for `program` on `system` (`docs/client-simulation.md`):
/// as installed, and after the fix the page offers (Windows 7's TLS 1.2 setting). `None` where no
/// capture does: then the advice rests on the facts above only.
pub fn simulated(
    program: Program,
    system: System,
) -> Option<(SimulatedClient, Option<SimulatedClient>)> {
    use SimulatedClient as C;
    let schannel = matches!(
        program,
        Program::OutlookExpress
            | Program::Outlook2007
            | Program::Outlook2010
            | Program::Outlook2013
            | Program::Outlook2016OrNewer
            | Program::WindowsLiveMail
    );
    let stack = match (program, system) {
        (_, System::WindowsXp) if schannel => (C::SchannelWinXp, None),
        (_, System::WindowsVista) if schannel => (C::SchannelVista, None),
        (_, System::Windows7) if schannel => (C::SchannelWin7, Some(C::SchannelWin7Tls12)),
        (_, System::Windows81) if schannel => (C::SchannelWin81, None),
        (_, System::Windows10) if schannel => (C::SchannelWin10, None),
        (Program::Thunderbird, _) => (C::Thunderbird91, None),
        (Program::AppleMail, System::MacOsOld) => (C::AppleMailOsx1011, None),
        (Program::AppleMail, System::MacOs) => (C::AppleMail16, None),
        (Program::IosMail, System::IosOld) => (C::AppleMailIos9, None),
        _ => return None,
    };
    Some(stack)
}

/// What the check measured for one simulated client over the checked endpoints.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Measured {
    /// Connected everywhere it was tried; the oldest version negotiated.
    Connected(TlsVersion),
    /// No version in common somewhere.
    NoVersion,
    /// A version in common, but no suite, group or key size somewhere.
    NoCipher,
    /// Not tried, or no clear answer.
    Unknown,
}

impl Measured {
    /// A stable name, for styles and tests.
    pub fn tag(self) -> &'static str {
        match self {
            Measured::Connected(_) => "connected",
            Measured::NoVersion => "no-version",
            Measured::NoCipher => "no-cipher",
            Measured::Unknown => "unknown",
        }
    }
}

/// The simulated client's results over `report`'s endpoints: a failure anywhere is a failure;
/// endpoints where it was not tested (a port not offered) do not count.
pub fn measured(report: &CheckReport, client: SimulatedClient) -> Measured {
    let mut connected: Option<TlsVersion> = None;
    let mut failure = None;
    for result in report
        .endpoints
        .iter()
        .flat_map(|endpoint| endpoint.clients.iter())
        .filter(|result| result.client == client)
    {
        match result.result {
            ClientResult::Connected => {
                let version = result.version.unwrap_or(TlsVersion::Tls12);
                connected = Some(connected.map_or(version, |seen| seen.min(version)));
            }
            ClientResult::Failed if result.reason == Some(ClientReason::ProtocolVersion) => {
                failure = failure.or(Some(Measured::NoVersion));
            }
            ClientResult::Failed => failure = Some(Measured::NoCipher),
            ClientResult::Untested => {}
        }
    }
    failure.unwrap_or(connected.map_or(Measured::Unknown, Measured::Connected))
}

/// What the check measured for the customer's program, and the advice it leads to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Measurement {
    pub guidance: Guidance,
    /// The program as installed.
    pub now: Measured,
    /// The program after the fix the page offers (Windows 7's TLS 1.2 setting), where one exists.
    pub after_fix: Option<Measured>,
}

/// The advice from the measurement, where one was made: what happened when the program's own
/// hello (and, on Windows 7, the hello after the fix) was sent to the customer's servers.
pub fn measured_guidance(
    program: Program,
    system: System,
    report: &CheckReport,
) -> Option<Measurement> {
    let (now, after_fix) = simulated(program, system)?;
    let fact = fact(program, system);
    let fix = fact.map_or(Fix::InstallThunderbird, |fact| fact.fix);
    let speaks_tls12 = fact.is_some_and(|fact| fact.tls12 == Tls12::Enabled);
    let server_has = |version| {
        report
            .endpoints
            .iter()
            .any(|endpoint| endpoint.versions.get(&version) == Some(&Outcome::Accepted))
    };
    let (server_has_tls12, server_has_tls13) =
        (server_has(TlsVersion::Tls12), server_has(TlsVersion::Tls13));
    let fixed = after_fix.map(|client| measured(report, client));
    let measured_now = measured(report, now);
    let guidance = match (measured_now, fixed) {
        (Measured::Unknown, _) => return None,
        (Measured::Connected(version), _) if version >= TlsVersion::Tls12 => {
            if fix == Fix::SwitchProgram {
                Guidance::WorksButDiscontinued
            } else {
                Guidance::Works
            }
        }
        // Works today with TLS 1.0, but the fix would move it onto a TLS 1.2 the server refuses.
        (Measured::Connected(_), Some(Measured::NoCipher)) => Guidance::LockedOutAfterFix,
        // An old version because the server has nothing newer, not because the program hasn't.
        (Measured::Connected(_), _) if !server_has_tls12 && speaks_tls12 => {
            Guidance::ServerMustChange
        }
        // Windows 7's setting keeps TLS 1.0, so it is safe now; other fixes may not be.
        (Measured::Connected(_), _) if server_has_tls12 || fix == Fix::Windows7Registry => {
            Guidance::WorksForNow { fix }
        }
        (Measured::Connected(_), _) => Guidance::ServerFirst { fix },
        // The fix helps: Windows 7 with TLS 1.2 switched on connects.
        (Measured::NoCipher | Measured::NoVersion, Some(Measured::Connected(_))) => {
            Guidance::ApplyFix { fix }
        }
        (Measured::NoCipher | Measured::NoVersion, Some(Measured::NoCipher)) => {
            Guidance::ServerLocksOut
        }
        (Measured::NoCipher, _) if speaks_tls12 => Guidance::ServerLocksOut,
        // An old program with old suites only (Windows XP): its own fix helps.
        (Measured::NoCipher, _) => Guidance::ApplyFix { fix },
        (Measured::NoVersion, _) if server_has_tls12 => Guidance::ApplyFix { fix },
        // Nothing from TLS 1.2 down: TLS 1.3 only, or old versions only.
        (Measured::NoVersion, _) if server_has_tls13 => Guidance::ServerNeedsTls12,
        (Measured::NoVersion, _) if speaks_tls12 => Guidance::ServerMustChange,
        // Old versions only on both sides, but not the same one (Windows XP against TLS 1.1):
        // the server first, then the program's own fix.
        (Measured::NoVersion, _) => Guidance::ServerFirst { fix },
    };
    Some(Measurement {
        guidance,
        now: measured_now,
        after_fix: fixed,
    })
}

/// What the customer said (or the browser suggested) about their mail program.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ClientChoice {
    pub system: Option<System>,
    pub program: Option<Program>,
    /// The system was suggested by the browser and not yet confirmed.
    pub suggested: bool,
}

/// The program advice for one service of the check (`role` `imap`, `pop3` or `smtp`), or for the
/// whole check (`role` `None`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProgramAdvice {
    pub role: Option<&'static str>,
    pub measurement: Option<Measurement>,
    pub guidance: Guidance,
    pub unconfirmed: bool,
}

/// What the check means for `program` on `system`: one piece of advice when every service in
/// the check leads to the same, else one per service, so that a POP3 port with old versions
/// only does not speak for a customer who uses IMAP. A measurement of the program's own
/// handshake beats the table. Port 25 counts for sending only when the check has no
/// submission port (it is the port between mail servers).
pub fn program_advice(
    program: Program,
    system: System,
    report: &CheckReport,
) -> Vec<ProgramAdvice> {
    use mailtls_shared::Scheme;
    let advise = |role, report: &CheckReport| {
        let measurement = measured_guidance(program, system, report);
        let (guidance, unconfirmed) = match measurement {
            Some(measurement) => (measurement.guidance, false),
            None => guidance(program, system, server_tls(report)),
        };
        ProgramAdvice {
            role,
            measurement,
            guidance,
            unconfirmed,
        }
    };
    let submission = report
        .endpoints
        .iter()
        .any(|endpoint| matches!(endpoint.scheme, Scheme::Submission | Scheme::Smtps));
    let role_of = |scheme: Scheme| match scheme {
        Scheme::Imap | Scheme::Imaps => Some("imap"),
        Scheme::Pop3 | Scheme::Pop3s => Some("pop3"),
        Scheme::Submission | Scheme::Smtps => Some("smtp"),
        Scheme::Smtp => (!submission).then_some("smtp"),
    };
    let per_service: Vec<ProgramAdvice> = ["imap", "pop3", "smtp"]
        .into_iter()
        .filter_map(|role| {
            let endpoints: Vec<_> = report
                .endpoints
                .iter()
                .filter(|endpoint| role_of(endpoint.scheme) == Some(role))
                .cloned()
                .collect();
            (!endpoints.is_empty()).then(|| {
                let part = CheckReport {
                    endpoints,
                    ..report.clone()
                };
                advise(Some(role), &part)
            })
        })
        .collect();
    let same = per_service.windows(2).all(|pair| {
        (pair[0].guidance, pair[0].measurement, pair[0].unconfirmed)
            == (pair[1].guidance, pair[1].measurement, pair[1].unconfirmed)
    });
    match per_service.first() {
        Some(first) if same => vec![ProgramAdvice {
            role: None,
            ..*first
        }],
        Some(_) => per_service,
        None => vec![advise(None, report)],
    }
}

/// Whether the program advice must point at a problem on a server card above: the advice speaks
/// of the program only (it works, or would), while a card says "Problem".
pub fn server_problem_note(guidance: Guidance, report: &CheckReport) -> bool {
    matches!(
        guidance,
        Guidance::Works
            | Guidance::Supported
            | Guidance::Unchecked
            | Guidance::WorksButDiscontinued
            | Guidance::WorksForNow { .. }
    ) && report
        .endpoints
        .iter()
        .any(|endpoint| crate::tone::card_summary(endpoint).0 == crate::tone::Tone::Bad)
}

/// What a finished check says about the provider's servers, as mail programs care: whether
/// every endpoint that accepted a TLS handshake speaks TLS 1.2+, and whether any still speaks
/// older versions. Endpoints that say nothing about TLS versions do not count: nothing listens,
/// untestable, another service, or no encryption offered at all (no STARTTLS) — their cards
/// name that cause, and "only outdated versions" would be a wrong one.
pub fn server_tls(report: &mailtls_shared::CheckReport) -> ServerTls {
    use mailtls_shared::{Outcome, TlsVersion, Verdict};
    let tested: Vec<_> = report
        .endpoints
        .iter()
        .filter(|endpoint| {
            !matches!(
                endpoint.verdict,
                Verdict::Untestable | Verdict::NotOffered | Verdict::WrongService
            ) && endpoint.best_version().is_some()
        })
        .collect();
    if tested.is_empty() {
        return ServerTls::Unknown;
    }
    let accepts = |endpoint: &mailtls_shared::EndpointReport, versions: &[TlsVersion]| {
        versions
            .iter()
            .any(|version| endpoint.versions.get(version) == Some(&Outcome::Accepted))
    };
    let modern = [TlsVersion::Tls12, TlsVersion::Tls13];
    let legacy = [TlsVersion::Ssl3, TlsVersion::Tls10, TlsVersion::Tls11];
    let unclear = |endpoint: &&mailtls_shared::EndpointReport| {
        legacy
            .iter()
            .any(|version| endpoint.versions.get(version) == Some(&Outcome::Inconclusive))
    };
    if !tested.iter().all(|endpoint| accepts(endpoint, &modern)) {
        ServerTls::LegacyOnly
    } else if tested.iter().any(|endpoint| accepts(endpoint, &legacy)) {
        ServerTls::ModernAndLegacy
    } else if tested.iter().any(unclear) {
        ServerTls::ModernLegacyUnknown
    } else {
        ServerTls::ModernOnly
    }
}

/// The program and system a browser's user agent suggests. Only a suggestion: the customer
/// confirms or corrects it (the browser is not always the device the mail program runs on).
pub fn suggest_system(user_agent: &str) -> Option<System> {
    let ua = user_agent;
    let after = |marker: &str| ua.split(marker).nth(1).map(|rest| rest.trim_start());
    if ua.contains("Windows NT 10.0") {
        return Some(System::Windows10);
    }
    let windows = [
        ("Windows NT 6.3", System::Windows81),
        ("Windows NT 6.2", System::Windows8),
        ("Windows NT 6.1", System::Windows7),
        ("Windows NT 6.0", System::WindowsVista),
        ("Windows NT 5.1", System::WindowsXp),
    ];
    if let Some((_, system)) = windows.iter().find(|(marker, _)| ua.contains(marker)) {
        return Some(*system);
    }
    if ua.contains("iPhone") || ua.contains("iPad") {
        let major = after("OS ")
            .and_then(|rest| rest.split(['_', ' ', '.']).next())
            .and_then(|major| major.parse::<u32>().ok())?;
        return Some(if major <= 9 {
            System::IosOld
        } else {
            System::Ios
        });
    }
    if ua.contains("Android") {
        let major = after("Android")
            .and_then(|rest| rest.split(['.', ';', ' ']).next())
            .and_then(|major| major.parse::<u32>().ok())?;
        return Some(if major <= 4 {
            System::AndroidOld
        } else {
            System::Android
        });
    }
    if ua.contains("Mac OS X") {
        // Browsers freeze the macOS version at 10_15 nowadays; old systems report theirs.
        let minor = after("Mac OS X 10_")
            .and_then(|rest| rest.split(['_', ')', ';', ' ']).next())
            .and_then(|minor| minor.parse::<u32>().ok());
        return Some(match minor {
            Some(minor) if minor <= 11 => System::MacOsOld,
            _ => System::MacOs,
        });
    }
    if ua.contains("Linux") {
        return Some(System::Linux);
    }
    None
}

/// What the chosen program calls the encryption setting, where its own labels are confirmed
/// (docs/mail-clients.md, "What programs call the encryption setting"); `None` where they are
/// not: no hint rather than a wrong one.
pub fn encryption_hint(program: Program) -> Option<crate::i18n::Text> {
    use crate::i18n::Text;
    match program {
        Program::Thunderbird | Program::Thunderbird31 | Program::ThunderbirdOld => {
            Some(Text::SecurityHintThunderbird)
        }
        Program::K9Mail => Some(Text::SecurityHintK9),
        Program::AndroidMail => Some(Text::SecurityHintAndroid),
        Program::AppleMail => Some(Text::SecurityHintAppleMail),
        Program::OutlookExpress
        | Program::Outlook2007
        | Program::Outlook2010
        | Program::Outlook2013
        | Program::Outlook2016OrNewer
        | Program::NewOutlook
        | Program::WindowsLiveMail
        | Program::WindowsMail
        | Program::IosMail => None,
    }
}

/// Whether a program runs on a system at all (for the picker: no Apple Mail on Windows).
pub fn runs_on(program: Program, system: System) -> bool {
    match program {
        Program::OutlookExpress => matches!(system, System::WindowsXp),
        Program::Outlook2007 | Program::Outlook2010 | Program::WindowsLiveMail => {
            system.is_windows()
        }
        // Office 2013 and newer do not install on XP or Vista.
        Program::Outlook2013 | Program::Outlook2016OrNewer => {
            system.is_windows() && !matches!(system, System::WindowsXp | System::WindowsVista)
        }
        // The Mail app came with Windows 8.
        Program::WindowsMail => matches!(
            system,
            System::Windows8 | System::Windows81 | System::Windows10 | System::Windows11
        ),
        Program::NewOutlook => matches!(
            system,
            System::Windows10 | System::Windows11 | System::Ios | System::Android | System::MacOs
        ),
        Program::ThunderbirdOld | Program::Thunderbird31 | Program::Thunderbird => {
            system.is_windows()
                || matches!(system, System::MacOs | System::MacOsOld | System::Linux)
        }
        Program::AppleMail => matches!(system, System::MacOs | System::MacOsOld),
        Program::IosMail => matches!(system, System::Ios | System::IosOld),
        Program::AndroidMail | Program::K9Mail => system.is_android(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use Fix::*;
    use Guidance::*;
    use Program::*;
    use ServerTls::*;
    use System::*;

    #[test]
    fn decisions() {
        // (program, system, server, expected advice, rests on an unconfirmed fact)
        let fix = |fix| ApplyFix { fix };
        let for_now = |fix| WorksForNow { fix };
        let cases: &[(Program, System, ServerTls, Guidance, bool)] = &[
            (
                Outlook2010,
                Windows7,
                ModernOnly,
                fix(Windows7Registry),
                false,
            ),
            (
                Outlook2010,
                Windows7,
                ModernAndLegacy,
                for_now(Windows7Registry),
                false,
            ),
            // Switching TLS 1.2 on keeps TLS 1.0: safe while the server has only that.
            (
                Outlook2010,
                Windows7,
                LegacyOnly,
                for_now(Windows7Registry),
                false,
            ),
            // Unknown server: no claim that the program cannot connect.
            (
                Outlook2010,
                Windows7,
                Unknown,
                ServerUnknown {
                    fix: Windows7Registry,
                },
                false,
            ),
            (Outlook2010, Windows10, ModernOnly, Supported, false),
            (Outlook2010, Windows8, ModernOnly, Supported, false),
            (Outlook2010, Windows10, LegacyOnly, ServerMustChange, false),
            (Outlook2016OrNewer, Windows11, ModernOnly, Supported, false),
            (
                Outlook2016OrNewer,
                Windows11,
                LegacyOnly,
                ServerMustChange,
                false,
            ),
            (
                Outlook2007,
                Windows7,
                ModernOnly,
                fix(Windows7Registry),
                false,
            ),
            (Outlook2007, Windows10, ModernOnly, Supported, false),
            (
                Outlook2010,
                WindowsXp,
                ModernOnly,
                fix(InstallThunderbird),
                false,
            ),
            (
                OutlookExpress,
                WindowsXp,
                ModernOnly,
                fix(InstallThunderbird),
                false,
            ),
            (
                OutlookExpress,
                WindowsXp,
                ModernAndLegacy,
                for_now(InstallThunderbird),
                false,
            ),
            // Thunderbird 78+ would refuse a TLS 1.0-only server: the server first.
            (
                OutlookExpress,
                WindowsXp,
                LegacyOnly,
                ServerFirst {
                    fix: InstallThunderbird,
                },
                false,
            ),
            (NewOutlook, Windows11, ModernOnly, Supported, true),
            (NewOutlook, Ios, LegacyOnly, CloudNeedsModernServer, true),
            (
                WindowsLiveMail,
                Windows7,
                ModernOnly,
                fix(Windows7Registry),
                true,
            ),
            // TLS 1.2 there; discontinued, which is a recommendation, not a breakage.
            (
                WindowsLiveMail,
                Windows10,
                ModernOnly,
                WorksButDiscontinued,
                true,
            ),
            (
                WindowsLiveMail,
                Windows81,
                ModernAndLegacy,
                WorksButDiscontinued,
                true,
            ),
            (WindowsMail, Windows10, ModernOnly, Discontinued, false),
            (WindowsMail, Windows11, ModernAndLegacy, Discontinued, false),
            (Outlook2016OrNewer, Windows10, Unknown, Unchecked, false),
            // Partly tested: TLS 1.2 is there, whether TLS 1.0 still is could not be told.
            (
                Outlook2016OrNewer,
                Windows10,
                ModernLegacyUnknown,
                Supported,
                false,
            ),
            (
                ThunderbirdOld,
                Linux,
                ModernLegacyUnknown,
                LegacyUnknown {
                    fix: UpdateThunderbird,
                },
                false,
            ),
            // Microsoft's cloud connects for the new Outlook: an unknown server is no "offers".
            (NewOutlook, Windows11, Unknown, Unchecked, true),
            (
                ThunderbirdOld,
                Windows7,
                ModernOnly,
                fix(UpdateThunderbird),
                false,
            ),
            (
                ThunderbirdOld,
                Linux,
                ModernAndLegacy,
                for_now(UpdateThunderbird),
                false,
            ),
            // Updating to 78+ against a TLS 1.0-only server breaks the mail at once.
            (
                ThunderbirdOld,
                Windows10,
                LegacyOnly,
                ServerFirst {
                    fix: UpdateThunderbird,
                },
                false,
            ),
            (Thunderbird31, Windows7, ModernOnly, Supported, false),
            (Thunderbird31, Linux, LegacyOnly, ServerMustChange, false),
            (Thunderbird, Windows7, ModernOnly, Supported, false),
            (Thunderbird, MacOsOld, ModernOnly, Supported, false),
            (Thunderbird, Linux, LegacyOnly, ServerMustChange, false),
            (
                AppleMail,
                MacOsOld,
                ModernOnly,
                fix(InstallThunderbird),
                false,
            ),
            (
                AppleMail,
                MacOsOld,
                ModernAndLegacy,
                for_now(InstallThunderbird),
                false,
            ),
            (AppleMail, MacOs, ModernOnly, Supported, true),
            (IosMail, IosOld, ModernOnly, fix(NewDevice), false),
            (IosMail, Ios, ModernOnly, Supported, true),
            (IosMail, Ios, LegacyOnly, ServerMustChange, true),
            (AndroidMail, Android40, ModernOnly, fix(NewDevice), false),
            (AndroidMail, AndroidOld, ModernOnly, fix(InstallK9), true),
            (AndroidMail, Android, ModernOnly, Supported, true),
            (
                K9Mail,
                Android40,
                ModernAndLegacy,
                for_now(NewDevice),
                false,
            ),
            // K-9 switches TLS 1.2 on itself on Android 4.1 to 4.4.
            (K9Mail, AndroidOld, ModernOnly, Supported, false),
            (K9Mail, Android, ModernOnly, Supported, false),
            (AppleMail, Windows10, ModernOnly, NoData, false),
        ];
        assert!(cases.len() >= 40);
        for (program, system, server, expected, unconfirmed) in cases {
            assert_eq!(
                guidance(*program, *system, *server),
                (*expected, *unconfirmed),
                "{program:?} on {system:?}, server {server:?}"
            );
        }
    }

    #[test]
    fn programs_are_offered_only_where_they_run() {
        assert!(!runs_on(Outlook2016OrNewer, WindowsXp));
        assert!(!runs_on(Outlook2013, WindowsVista));
        assert!(runs_on(Outlook2010, WindowsXp));
        for system in [WindowsXp, WindowsVista, Windows7] {
            assert!(!runs_on(WindowsMail, system), "{system:?}");
        }
        // No Thunderbird on phones: the fixes there never name it.
        for system in [Ios, IosOld, Android, AndroidOld, Android40] {
            assert!(!runs_on(Thunderbird, system), "{system:?}");
            for program in Program::ALL.into_iter().filter(|p| runs_on(*p, system)) {
                if let Some(fact) = fact(program, system) {
                    assert_ne!(fact.fix, InstallThunderbird, "{program:?} on {system:?}");
                }
            }
        }
    }

    /// A one-endpoint report whose server accepts `versions` and where each client in `clients`
    /// had the given result (`Some(version)` connected, `None` failed for `reason`).
    fn report_with(
        versions: &[TlsVersion],
        clients: &[(SimulatedClient, Option<TlsVersion>, ClientReason)],
    ) -> CheckReport {
        use mailtls_shared::{ClientReport, EndpointReport, Scheme, Verdict};
        CheckReport {
            tool_version: String::new(),
            checked_at: String::new(),
            duration_ms: 0,
            targets: vec![],
            endpoints: vec![EndpointReport {
                scheme: Scheme::Imaps,
                host: "mail.example.test".into(),
                port: 993,
                address: None,
                versions: versions.iter().map(|v| (*v, Outcome::Accepted)).collect(),
                handshakes: vec![],
                clients: clients
                    .iter()
                    .map(|(client, version, reason)| ClientReport {
                        client: *client,
                        result: if version.is_some() {
                            ClientResult::Connected
                        } else {
                            ClientResult::Failed
                        },
                        version: *version,
                        cipher_suite: None,
                        group: None,
                        reason: version.is_none().then_some(*reason),
                        detail: None,
                    })
                    .collect(),
                certificate: None,
                findings: vec![],
                verdict: Verdict::Ready,
                service_found: None,
                error: None,
            }],
            verdict: mailtls_shared::CheckVerdict::Ready,
            domains: vec![],
            truncated: false,
            cached: false,
            age_seconds: None,
        }
    }

    #[test]
    fn the_measurement_decides_the_advice() {
        use ClientReason::{NoSharedCipher as Cipher, ProtocolVersion as Version};
        use SimulatedClient as C;
        use TlsVersion::{Tls10, Tls12, Tls13};
        let win7 = |now: Option<TlsVersion>,
                    fixed: Option<TlsVersion>,
                    fixed_reason,
                    versions: &[TlsVersion]| {
            let report = report_with(
                versions,
                &[
                    (C::SchannelWin7, now, Version),
                    (C::SchannelWin7Tls12, fixed, fixed_reason),
                ],
            );
            measured_guidance(Outlook2010, Windows7, &report).map(|m| m.guidance)
        };
        // A TLS 1.2 server with suites Windows 7 lacks: the registry fix cannot help.
        assert_eq!(win7(None, None, Cipher, &[Tls12]), Some(ServerLocksOut));
        // With DHE-GCM added, the fix works.
        assert_eq!(
            win7(None, Some(Tls12), Cipher, &[Tls12]),
            Some(ApplyFix {
                fix: Windows7Registry
            })
        );
        // TLS 1.0 still works, but the fix would land on a TLS 1.2 the server refuses.
        assert_eq!(
            win7(Some(Tls10), None, Cipher, &[Tls10, Tls12]),
            Some(LockedOutAfterFix)
        );
        assert_eq!(
            win7(Some(Tls10), Some(Tls12), Cipher, &[Tls10, Tls12]),
            Some(WorksForNow {
                fix: Windows7Registry
            })
        );
        // TLS 1.3 only: no Windows 7 setting helps.
        assert_eq!(win7(None, None, Version, &[Tls13]), Some(ServerNeedsTls12));

        let one = |program,
                   system,
                   client,
                   result: Option<TlsVersion>,
                   reason,
                   versions: &[TlsVersion]| {
            let report = report_with(versions, &[(client, result, reason)]);
            measured_guidance(program, system, &report).map(|m| (m.guidance, m.now))
        };
        assert_eq!(
            one(
                Outlook2016OrNewer,
                Windows81,
                C::SchannelWin81,
                None,
                Cipher,
                &[Tls12]
            ),
            Some((ServerLocksOut, Measured::NoCipher))
        );
        assert_eq!(
            one(AppleMail, MacOs, C::AppleMail16, None, Version, &[Tls13]),
            Some((ServerNeedsTls12, Measured::NoVersion))
        );
        assert_eq!(
            one(
                Thunderbird,
                Windows11,
                C::Thunderbird91,
                Some(Tls13),
                Cipher,
                &[Tls12, Tls13]
            ),
            Some((Works, Measured::Connected(Tls13)))
        );
        // Windows 10 on TLS 1.0 because the server has nothing newer: the server must change.
        assert_eq!(
            one(
                Outlook2016OrNewer,
                Windows10,
                C::SchannelWin10,
                Some(Tls10),
                Cipher,
                &[Tls10]
            ),
            Some((ServerMustChange, Measured::Connected(Tls10)))
        );
        // Apple Mail on OS X 10.11 speaks TLS 1.0 at most: works until the switch-off.
        assert_eq!(
            one(
                AppleMail,
                MacOsOld,
                C::AppleMailOsx1011,
                Some(Tls10),
                Cipher,
                &[Tls10, Tls12]
            ),
            Some((
                WorksForNow {
                    fix: InstallThunderbird
                },
                Measured::Connected(Tls10)
            ))
        );
        // Windows XP offers only RC4 and 3DES: refused by a current server, Thunderbird helps.
        assert_eq!(
            one(
                Outlook2010,
                WindowsXp,
                C::SchannelWinXp,
                None,
                Cipher,
                &[Tls10, Tls12]
            ),
            Some((
                ApplyFix {
                    fix: InstallThunderbird
                },
                Measured::NoCipher
            ))
        );
        // Windows 7 refused on TLS 1.0 but fine once TLS 1.2 is on: the fix, not the provider.
        let report = report_with(
            &[Tls10, Tls12],
            &[
                (C::SchannelWin7, None, Cipher),
                (C::SchannelWin7Tls12, Some(Tls12), Cipher),
            ],
        );
        assert_eq!(
            measured_guidance(Outlook2010, Windows7, &report).map(|m| m.guidance),
            Some(ApplyFix {
                fix: Windows7Registry
            })
        );
        // Windows XP (TLS 1.0) against a TLS 1.1-only server: no "your program speaks TLS 1.2".
        assert_eq!(
            one(
                Outlook2010,
                WindowsXp,
                C::SchannelWinXp,
                None,
                Version,
                &[TlsVersion::Tls11]
            ),
            Some((
                ServerFirst {
                    fix: InstallThunderbird
                },
                Measured::NoVersion
            ))
        );
        // Windows Live Mail measured on Windows 10: it connects, and it is discontinued.
        assert_eq!(
            one(
                WindowsLiveMail,
                Windows10,
                C::SchannelWin10,
                Some(Tls12),
                Cipher,
                &[Tls12]
            ),
            Some((WorksButDiscontinued, Measured::Connected(Tls12)))
        );
        // No capture, or nothing measured: the table decides.
        assert_eq!(
            measured_guidance(K9Mail, Android, &report_with(&[Tls12], &[])),
            None
        );
        assert_eq!(
            measured_guidance(Outlook2010, Windows10, &report_with(&[Tls12], &[])),
            None
        );
    }

    #[test]
    fn every_fact_has_a_source_and_runs_where_it_says() {
        for fact in FACTS {
            // A confirmed fact names its source; an unconfirmed one may have none.
            assert!(
                fact.source.starts_with("http") || !fact.confirmed && fact.source.is_empty(),
                "{fact:?}"
            );
            assert!(
                fact.systems
                    .iter()
                    .any(|system| runs_on(fact.program, *system)),
                "{fact:?} describes a program on systems it never runs on"
            );
        }
        for program in Program::ALL {
            assert_eq!(Program::from_tag(program.tag()), Some(program));
        }
        for system in System::ALL {
            assert_eq!(System::from_tag(system.tag()), Some(system));
        }
    }

    #[test]
    fn the_browser_suggests_a_system() {
        let cases = [
            (
                "Mozilla/5.0 (Windows NT 6.1; Win64; x64) AppleWebKit/537.36",
                Some(Windows7),
            ),
            (
                "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36",
                Some(Windows10),
            ),
            (
                "Mozilla/5.0 (Windows NT 5.1; rv:52.0) Gecko/20100101 Firefox/52.0",
                Some(WindowsXp),
            ),
            (
                "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_11_6) AppleWebKit/601.7.7",
                Some(MacOsOld),
            ),
            (
                "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15",
                Some(MacOs),
            ),
            (
                "Mozilla/5.0 (iPhone; CPU iPhone OS 9_3_5 like Mac OS X) AppleWebKit/601.1.46",
                Some(IosOld),
            ),
            (
                "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15",
                Some(Ios),
            ),
            (
                "Mozilla/5.0 (Linux; Android 4.4.2; GT-I9505) AppleWebKit/537.36",
                Some(AndroidOld),
            ),
            (
                "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36",
                Some(Android),
            ),
            (
                "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0",
                Some(Linux),
            ),
            ("curl/8.0", None),
        ];
        for (agent, expected) in cases {
            assert_eq!(suggest_system(agent), expected, "{agent}");
        }
    }
}
