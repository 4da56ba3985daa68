//! German texts (the default language).

use mailtls_shared::{
    CertificateVerdict, DaneStatus, DomainReport, DomainVerdict, FindingCode, MtaStsMode,
    MtaStsStatus, MxProblemCode, MxSource, MxStatus, Outcome, ProfileSecurity, Reason, Severity,
    TlsRptStatus,
};

use super::{Catalog, Text, WrongServiceAdvice};
use crate::clients::{Fix, Guidance, Measured, Program, System};
use crate::settings::{Advice, Direction};

#[derive(Debug)]
pub struct German;

impl Catalog for German {
    fn text(&self, text: Text) -> &'static str {
        match text {
            Text::Title => "Verschlüsselte Verbindung zum Mailserver prüfen",
            Text::MetaDescription => {
                "Prüfen Sie, ob Ihr Mailserver TLS 1.2 oder neuer anbietet und ob sich Ihr E-Mail-Programm damit verbinden kann."
            }
            Text::Intro => {
                "Microsoft und viele andere Anbieter nehmen E-Mails nur noch über Verbindungen mit TLS 1.2 oder neuer an. Die veralteten TLS-Versionen 1.0 und 1.1 gelten als unsicher und werden abgeschaltet. Tragen Sie die Einstellungen aus Ihrem E-Mail-Programm ein. Wir prüfen, ob Ihr Mailserver TLS 1.2 oder neuer anbietet, und sagen Ihnen, ob Sie etwas ändern müssen."
            }
            Text::LanguageLabel => "Sprache",
            Text::ServerLabel => "Mailserver",
            Text::ServerHint => {
                "Zum Beispiel mail.example.de. Ohne Port prüfen wir alle für E-Mail üblichen Ports. Mit Port prüfen wir nur diesen, zum Beispiel mail.example.de:993. Wenn Sie stattdessen Ihre E-Mail-Adresse eingeben (name@example.de), prüfen wir, ob andere Anbieter wie Microsoft 365 Ihnen E-Mails verschlüsselt zustellen können."
            }
            Text::CheckButton => "Prüfen",
            Text::Checking => "Die Verbindung wird geprüft …",
            Text::ResultsHeading => "Ergebnis",
            Text::EditedSinceCheck => {
                "Sie haben Ihre Angaben geändert. Das Ergebnis unten gilt noch für die vorherigen Angaben. Starten Sie die Prüfung bitte noch einmal."
            }
            Text::HeadlineGood => {
                "In Ordnung: Alles, was wir geprüft haben, funktioniert mit TLS 1.2 oder neuer."
            }
            Text::HeadlineWarning => {
                "Achtung: Es gibt etwas zu tun. Was genau, steht unten bei den mit „Achtung“ markierten Ergebnissen."
            }
            Text::HeadlineBad => {
                "Problem: Bei mindestens einem Ergebnis muss etwas geändert werden. Was zu tun ist, steht unten bei den mit „Problem“ markierten Ergebnissen."
            }
            Text::HeadlineUnknown => {
                "Unklar: Manches konnten wir nicht eindeutig feststellen. Was Sie tun können, steht unten bei den mit „Unklar“ markierten Ergebnissen."
            }
            Text::HeadlineNotOffered => {
                "Nicht angeboten: Diese Domain empfängt laut DNS keine E-Mails."
            }
            Text::HeadlineProgramWarning => {
                "Achtung: Für Ihr E-Mail-Programm gibt es etwas zu tun. Was genau, steht unten bei Ihrem E-Mail-Programm."
            }
            Text::HeadlineProgramBad => {
                "Problem: Ihr E-Mail-Programm kann sich so, wie es jetzt eingerichtet ist, nicht verbinden. Was zu tun ist, steht unten bei Ihrem E-Mail-Programm."
            }
            Text::HeadlineSettings => {
                "Bitte ändern Sie Ihre Einstellungen so, wie es direkt darunter steht."
            }
            Text::VersionsHeading => "TLS-Versionen",
            Text::CertificateLabel => "Zertifikat",
            Text::AddressLabel => "Adresse",
            Text::SummaryGood => {
                "Auf diesem Port nimmt der Server nur Verbindungen mit TLS 1.2 oder neuer an. Aktuelle E-Mail-Programme und Microsoft 365 verbinden sich damit verschlüsselt. Ältere Programme, die nur TLS 1.0 oder 1.1 beherrschen, können sich nicht verbinden."
            }
            Text::SummaryClientsLockedOut => {
                "Auf diesem Port beherrscht der Server TLS 1.2 oder neuer. Trotzdem können sich verbreitete E-Mail-Programme nicht verbinden: Sie kennen entweder keine der TLS-Versionen oder keines der Verschlüsselungsverfahren, die der Server anbietet. Das kann nur Ihr Anbieter ändern. Bitte schicken Sie ihm dieses Ergebnis, zum Beispiel mit dem Link unten."
            }
            Text::NoCapture => {
                "Den Verbindungsaufbau Ihres Programms auf diesem System konnten wir nicht nachstellen. Dieser Rat beruht deshalb nicht auf einer Messung an Ihrem Server, sondern auf dem, was über Ihr Programm bekannt ist."
            }
            Text::ProgramShownBelow => {
                "Ob Ihr Programm betroffen ist, steht unten bei Ihrem Programm."
            }
            Text::ChooseProgramHint => {
                "Ob Ihr Programm betroffen ist, sagen wir Ihnen, wenn Sie oben unter „Ihr E-Mail-Programm (freiwillig)“ Ihr Betriebssystem und Ihr Programm auswählen."
            }
            Text::SummaryLegacyEnabled => {
                "Auf diesem Port beherrscht der Server TLS 1.2 oder neuer, nimmt aber auch noch veraltete Versionen wie TLS 1.0 an. Wenn Ihr Anbieter diese abschaltet, können sich E-Mail-Programme, die nur die veralteten Versionen beherrschen, nicht mehr verbinden."
            }
            Text::SummaryCertificate => {
                "Die Verschlüsselung funktioniert. E-Mail-Programme vertrauen dem Zertifikat des Servers aber nicht und zeigen eine Warnung. Prüfen Sie zuerst, ob der Servername genau so geschrieben ist, wie Ihr Anbieter ihn angibt. Stimmt er, muss Ihr Anbieter das Zertifikat korrigieren. Akzeptieren Sie das Zertifikat in Ihrem E-Mail-Programm bis dahin nicht dauerhaft."
            }
            Text::SummaryNoEncryption => {
                "Auf diesem Port bietet der Server keine Verschlüsselung an. Ihr Passwort und Ihre E-Mails würden unverschlüsselt übertragen. Stellen Sie Port und Verschlüsselung („SSL/TLS“ oder „STARTTLS“) so ein, wie Ihr Anbieter es angibt."
            }
            Text::SummaryNoService => {
                "Auf diesem Port nimmt der Server keine Verbindungen an. Vielleicht ist der Port falsch eingetragen, oder der Server ist gerade nicht erreichbar. Vergleichen Sie die Portnummer mit den Angaben Ihres Anbieters."
            }
            Text::SummaryThrottled => {
                "Der Server ist gerade ausgelastet und hat die Prüfung abgelehnt. Bitte versuchen Sie es in einigen Minuten noch einmal. Lehnt er sie dann wieder ab, schicken Sie das Ergebnis an den Kundenservice Ihres Anbieters."
            }
            Text::SummaryLegacyOnly => {
                "Auf diesem Port bietet der Server kein TLS 1.2 an, nur veraltete Versionen wie TLS 1.0. Microsoft 365 und viele aktuelle E-Mail-Programme verbinden sich damit nicht mehr. Das kann nur Ihr Anbieter ändern. Bitte schicken Sie ihm dieses Ergebnis, zum Beispiel mit dem Link unten."
            }
            Text::SummaryNoTls => {
                "Mit diesem Server kommt keine Verbindung mit TLS 1.2 oder neuer zustande. Bitte prüfen Sie zuerst, ob Servername und Port stimmen. Stimmen beide, schicken Sie dieses Ergebnis bitte an Ihren Anbieter."
            }
            Text::SummaryUnknown => {
                "Der Server hat nicht eindeutig geantwortet. Bitte prüfen Sie Servername und Port und versuchen Sie es noch einmal. Bleibt das Ergebnis unklar, schicken Sie es bitte an den Kundenservice Ihres Anbieters."
            }
            Text::SummaryNameNotFound => {
                "Diesen Servernamen konnten wir nicht finden. Bitte prüfen Sie die Schreibweise, zum Beispiel in den Kontoeinstellungen Ihres E-Mail-Programms. Stimmt sie, versuchen Sie es in einigen Minuten noch einmal. Finden wir den Namen dann immer noch nicht, wenden Sie sich an den Kundenservice Ihres Anbieters."
            }
            Text::SummaryLookupFailed => {
                "Diesen Servernamen konnten wir gerade nicht nachschlagen: Die Namensauflösung (DNS) hat keine brauchbare Antwort gegeben. An der Schreibweise muss das nicht liegen. Bitte versuchen Sie es in einigen Minuten noch einmal. Bleibt es dabei, wenden Sie sich an den Kundenservice Ihres Anbieters."
            }
            Text::TryAgain => "Noch einmal prüfen",
            Text::RequestFailed => {
                "Die Prüfung konnte nicht durchgeführt werden. Bitte prüfen Sie Ihre Internetverbindung und versuchen Sie es in einigen Minuten noch einmal. Wenn es dann immer noch nicht funktioniert, wenden Sie sich bitte an den Kundenservice Ihres Anbieters."
            }
            Text::IconGood => "In Ordnung",
            Text::IconWarning => "Achtung",
            Text::IconBad => "Problem",
            Text::IconUnknown => "Unklar",
            Text::IconNotOffered => "Nicht angeboten",
            Text::SummaryProgramUnencrypted => {
                "Ihr Programm ist so eingestellt, dass es nicht verschlüsselt. Ihr Passwort und Ihre E-Mails werden dadurch unverschlüsselt übertragen. Der Server bietet auf diesem Port Verschlüsselung an. Wie Sie die Verschlüsselung einstellen, steht unter „Das sollten Sie in Ihren Einstellungen ändern“."
            }
            Text::SummaryWrongService => {
                "Auf diesem Port antwortet der Server anders als erwartet: mit einem anderen Kontotyp oder einer anderen Verschlüsselung. Vergleichen Sie Port und Verschlüsselung mit den Angaben Ihres Anbieters. Üblich sind mit „SSL/TLS“ Port 993 für IMAP, 995 für POP3 und 465 für SMTP, mit „STARTTLS“ die Ports 143, 110 und 587."
            }
            Text::SummaryNotOffered => {
                "Auf diesem Port nimmt Ihr Server keine Verbindungen an. Das ist kein Fehler, wenn Sie diesen Port nicht verwenden."
            }
            Text::SummaryPartlyTested => {
                "Auf diesem Port beherrscht der Server TLS 1.2 oder neuer. Ob veraltete Versionen wie TLS 1.0 abgeschaltet sind, konnten wir nicht feststellen: Der Server hat auf einige Versuche nicht geantwortet. Bitte versuchen Sie es später noch einmal. Bleibt das Ergebnis unklar, schicken Sie es an den Kundenservice Ihres Anbieters."
            }
            Text::ModeLabel => "Was möchten Sie prüfen?",
            Text::ModeSettings => "Meine E-Mail-Einstellungen",
            Text::ReportTruncated => {
                "Dieses Ergebnis war sehr umfangreich. Technische Einzelheiten haben wir deshalb gekürzt. Alle Bewertungen sind vollständig."
            }
            Text::BuilderModeSettings => "E-Mail-Einstellungen der Kundin oder des Kunden",
            Text::ServerHintAgent => {
                "Zum Beispiel mail.example.de. Ohne Port prüft der Link alle für E-Mail üblichen Ports, mit Port nur diesen (mail.example.de:993). Mit der E-Mail-Adresse der Kundin oder des Kunden (name@example.de) prüft er, ob andere Anbieter wie Microsoft 365 an diese Adresse verschlüsselt zustellen können."
            }
            Text::ModeServer => "Einen Mailserver",
            Text::SettingsHint => {
                "Übernehmen Sie die Angaben aus den Kontoeinstellungen Ihres E-Mail-Programms. Ein Passwort brauchen wir nicht."
            }
            Text::SettingsHintAgent => {
                "Tragen Sie die Angaben ein, die Ihnen die Kundin oder der Kunde aus dem E-Mail-Programm genannt hat. Ein Passwort brauchen Sie nicht."
            }
            Text::ClientHeadingAgent => "E-Mail-Programm der Kundin oder des Kunden (freiwillig)",
            Text::EmailLabel => "E-Mail-Adresse (freiwillig)",
            Text::IncomingHeading => "Posteingangsserver (IMAP oder POP3)",
            Text::OutgoingHeading => "Postausgangsserver (SMTP)",
            Text::ProtocolLabel => "Kontotyp",
            Text::ServerNameLabel => "Servername",
            Text::PortLabel => "Port",
            Text::PortHint => {
                "Ist kein Port eingetragen, prüfen wir den üblichen Port für die gewählte Verschlüsselung."
            }
            Text::SecurityLabel => "Verschlüsselung",
            Text::SecuritySslTls => "SSL/TLS",
            Text::SecurityStarttls => "STARTTLS",
            Text::SecurityNone => "Keine",
            Text::SecurityAuto => "Automatisch / weiß nicht",
            Text::SecurityHintThunderbird => {
                "In Thunderbird heißt die Einstellung für die Verschlüsselung „Verbindungssicherheit“. Wählen Sie dort wie hier „SSL/TLS“ oder „STARTTLS“."
            }
            Text::SecurityHintK9 => {
                "In K-9 Mail und Thunderbird für Android heißt die Einstellung für die Verschlüsselung „Sicherheit“ (in älteren K-9-Versionen „Sicherheitstyp“). Dort heißen die Möglichkeiten „SSL/TLS“ und „StartTLS“."
            }
            Text::SecurityHintAndroid => {
                "In der E-Mail-App von Android heißt die Einstellung für die Verschlüsselung „Sicherheitstyp“, mit den Möglichkeiten „SSL/TLS“ und „STARTTLS“. Wählen Sie keine Variante mit „alle Zertifikate akzeptieren“. In den E-Mail-Apps mancher Gerätehersteller kann die Einstellung anders heißen."
            }
            Text::SecurityHintAppleMail => {
                "Solange in Apple Mail „Verbindungseinstellungen automatisch verwalten“ eingeschaltet ist, wählt Mail Port und Verschlüsselung selbst. Um sie selbst einzutragen, schalten Sie diese Option aus."
            }
            Text::CheckSettingsButton => "Einstellungen prüfen",
            Text::AdviceHeading => "Das sollten Sie in Ihren Einstellungen ändern",
            Text::DetailsSummary => "Technische Details",
            Text::FindingsHeading => "Technische Hinweise für Ihren Anbieter",
            Text::HandshakesHeading => "Verbindungsversuche",
            Text::ProgramNewOutlook => "Neues Outlook / Outlook-App (iOS, Android)",
            Text::ProgramWindowsMail => "Mail und Kalender (Windows Mail)",
            Text::ProgramThunderbirdOld => "Thunderbird bis Version 24",
            Text::ProgramThunderbird31 => "Thunderbird, Version 31 bis 77",
            Text::ProgramThunderbird => "Thunderbird ab Version 78",
            Text::ProgramAndroidMail => "Vorinstallierte E-Mail-App (Android)",
            Text::ProgramK9 => "K-9 Mail / Thunderbird für Android",
            Text::ServerProblemAbove => {
                "Beachten Sie aber auch die Ergebnisse oben: Bei mindestens einem Server gibt es ein Problem. Was zu tun ist, steht direkt bei dem Ergebnis, das mit „Problem“ markiert ist."
            }
            Text::Win7StepTest => {
                "Rufen Sie danach in Ihrem E-Mail-Programm Ihre E-Mails ab und senden Sie eine E-Mail an sich selbst. Kommt sie an, funktioniert die Verbindung. Wenn nicht, wenden Sie sich bitte an den Kundenservice Ihres Anbieters."
            }
            Text::ClientsHeading => "E-Mail-Programme (nachgestellt)",
            Text::ClientsHint => {
                "So würden sich diese Systeme und Programme mit diesem Server verbinden. Dafür haben wir ihren Verbindungsaufbau nachgestellt. Die Einträge für Windows und Android gelten für Programme, die die Verschlüsselung des Systems verwenden (zum Beispiel Outlook oder die vorinstallierte E-Mail-App) – nicht für Programme, die eine eigene mitbringen, wie Thunderbird oder K-9 Mail."
            }
            Text::ClientConnected => "Verbindung möglich",
            Text::ClientFailed => "keine Verbindung",
            Text::ClientUntested => "nicht geprüft",
            Text::ClientWin7 => "Windows 7 (Grundeinstellung)",
            Text::ClientWin7Tls12 => "Windows 7 mit eingeschaltetem TLS 1.2",
            Text::ClientIos9Mail => "iOS Mail unter iOS 9",
            Text::ClientOsx1011Mail => "Apple Mail unter OS X 10.11",
            Text::CertSubject => "Ausgestellt für",
            Text::CertNames => "Gültig für die Namen",
            Text::CertIssuer => "Aussteller",
            Text::CertValidUntil => "Gültig bis",
            Text::CertKey => "Schlüssel",
            Text::CertSignature => "Signatur",
            Text::CertChain => "Zertifikate in der Kette",
            Text::TechnicalDetail => "Technische Angabe (englisch)",
            Text::SummaryTitle => "Zeitpunkt der MailTLS-Prüfung",
            Text::SummaryOverall => "Gesamtergebnis",
            Text::SummaryVersions => "Unterstützte Versionen",
            Text::SummaryLink => "Link zu dieser Prüfung",
            Text::SupportHeading => "Ergebnis an den Kundenservice schicken",
            Text::SupportHint => {
                "Wenn Sie Hilfe brauchen, schicken Sie dem Kundenservice Ihres Anbieters den Link oder die Zusammenfassung. Damit sieht er genau diese Prüfung. Passwörter sind nicht enthalten."
            }
            Text::SummaryLabel => "Zusammenfassung",
            Text::CopyLink => "Link kopieren",
            Text::CopySummary => "Zusammenfassung kopieren",
            Text::Copied => "Kopiert.",
            Text::CopyFailed => {
                "Das Kopieren hat nicht funktioniert. Bitte markieren Sie den Text und kopieren Sie ihn mit Strg+C (am Mac: ⌘+C)."
            }
            Text::ContactPhone => "Telefon",
            Text::ContactEmail => "E-Mail",
            Text::ContactHours => "Servicezeiten",
            Text::ClientHeading => "Ihr E-Mail-Programm (freiwillig)",
            Text::SystemLabel => "Betriebssystem",
            Text::ProgramLabel => "E-Mail-Programm",
            Text::ChooseOne => "Bitte wählen",
            Text::SuggestedByBrowser => {
                "Diese Angabe stammt von Ihrem Browser. Bitte prüfen Sie, ob Ihr E-Mail-Programm auf diesem System läuft."
            }
            Text::Unconfirmed => {
                "Ohne Gewähr: Für diese Angabe haben wir keine offizielle Quelle. Sie beruht auf unserer eigenen Einschätzung."
            }
            Text::Win7StepUpdate => "Installieren Sie das Windows-Update",
            Text::Win7StepReg => "Laden Sie diese Datei herunter:",
            Text::Win7StepOpenReg => {
                "Öffnen Sie die Datei mit einem Doppelklick. Bestätigen Sie die Rückfragen von Windows mit „Ja“. Dafür brauchen Sie Administratorrechte."
            }
            Text::Win7StepRestart => "Starten Sie den Computer neu.",
            Text::DownloadReg => "TLS-1.2-Einstellung für Windows 7 (.reg)",
            Text::SourceLabel => "Quelle",
            Text::YourSettingsHeading => "So muss Ihr Konto eingestellt sein",
            Text::DownloadMobileconfig => "Profil für iPhone, iPad und Mac (.mobileconfig)",
            Text::StepSaveAndCheck => {
                "Speichern Sie die Einstellungen. Rufen Sie danach Ihre E-Mails ab und senden Sie eine E-Mail an sich selbst. Kommt sie an, funktioniert die Verbindung. Wenn nicht, wenden Sie sich bitte an den Kundenservice Ihres Anbieters."
            }
            Text::MoreFromProvider => "Weitere Hilfe von Ihrem Anbieter",
            Text::BuilderHeading => "Prüf-Link für Kundinnen und Kunden erstellen",
            Text::BuilderIntro => {
                "Tragen Sie ein, was die Kundin oder der Kunde Ihnen genannt hat. Der Link öffnet die Prüfung mit diesen Angaben und startet sie sofort. Er enthält kein Passwort."
            }
            Text::CustomerLanguage => "Sprache der Kundin oder des Kunden",
            Text::BuildLinkButton => "Link erstellen",
            Text::BuiltLinkLabel => "Link zum Verschicken",
            Text::MxHostsHeading => "Ihre Mailserver für eingehende E-Mails (MX)",
            Text::OpenBuiltLink => "Prüfung öffnen",
            Text::PortError => {
                "Bitte geben Sie als Port eine Zahl von 1 bis 65535 ein, zum Beispiel 993."
            }
            Text::EmailError => {
                "Bitte prüfen Sie die E-Mail-Adresse. Eine E-Mail-Adresse sieht zum Beispiel so aus: name@example.de."
            }
            Text::EmailDomainError => {
                "Bitte prüfen Sie den Teil nach dem @. Dort steht die Domain, zum Beispiel example.de."
            }
            Text::Footer => {
                "MailTLS prüft die verschlüsselte Verbindung zu Ihrem Mailserver. MailTLS ändert nichts an Ihrem E-Mail-Programm, meldet sich nicht an und sendet keine E-Mails."
            }
        }
    }

    fn finding(&self, code: FindingCode) -> &'static str {
        match code {
            FindingCode::StarttlsNotOffered => {
                "Der Server bietet auf diesem Port kein STARTTLS an. E-Mails und Passwörter werden unverschlüsselt übertragen."
            }
            FindingCode::AuthBeforeTls => {
                "Der Server bietet die Anmeldung schon vor der Verschlüsselung an. Passwörter können dabei unverschlüsselt übertragen werden."
            }
            FindingCode::LegacyVersionsEnabled => {
                "Veraltete Versionen sind noch eingeschaltet (siehe Klammer). TLS 1.0 und 1.1 sind durch RFC 8996 abgeschafft, SSL 3.0 durch RFC 7568."
            }
            FindingCode::NoTls12 => {
                "Der Server bietet weder TLS 1.2 noch TLS 1.3 an. Microsoft 365 und aktuelle E-Mail-Programme können sich nicht verbinden."
            }
            FindingCode::Tls12LegacyCiphersOnly => {
                "TLS 1.2 funktioniert nur mit älteren Cipher-Suites (CBC oder RSA-Schlüsselaustausch). Viele E-Mail-Programme verbinden sich damit noch. Empfohlen sind Suites mit ECDHE und AES-GCM oder ChaCha20 (RFC 9325)."
            }
            FindingCode::CertificateProblem => {
                "E-Mail-Programme werden dem Zertifikat nicht vertrauen."
            }
            FindingCode::ClientsLockedOut => {
                "Manche E-Mail-Programme, die TLS 1.2 oder neuer beherrschen, können sich nicht verbinden (siehe Klammer), weil der Server keine TLS-Version oder kein Verschlüsselungsverfahren anbietet, das diese Programme kennen."
            }
            FindingCode::WrongService => {
                "Auf diesem Port antwortet der Server mit einem anderen Kontotyp oder verlangt eine andere Verschlüsselung als eingestellt."
            }
            FindingCode::CertificateExpiresSoon => {
                "Das Zertifikat des Servers läuft bald ab. Ihr Anbieter muss es rechtzeitig erneuern, sonst zeigen E-Mail-Programme eine Warnung."
            }
            FindingCode::ClientsNeedLegacyVersions => {
                "Manche E-Mail-Programme (siehe Klammer) beherrschen nur veraltete Versionen wie TLS 1.0. Sobald diese Versionen abgeschaltet sind, können sich diese Programme nicht mehr verbinden."
            }
            FindingCode::ResponseInjection => {
                "Nach der STARTTLS-Antwort kam noch Klartext vor der Verschlüsselung (Einschleusen von Antworten möglich)."
            }
        }
    }

    fn severity(&self, severity: Severity) -> &'static str {
        match severity {
            Severity::Info => "Hinweis",
            Severity::Warning => "Warnung",
            Severity::Critical => "Kritisch",
        }
    }

    fn key_size(&self, key: &str, bits: u32) -> String {
        format!("{key}, {bits} Bit")
    }

    fn kb3140245_url(&self) -> &'static str {
        "https://support.microsoft.com/de-de/kb/3140245"
    }

    fn days_left(&self, days: i64) -> String {
        match days {
            1 => "noch 1 Tag".into(),
            0 => "läuft heute ab".into(),
            2.. => format!("noch {days} Tage"),
            -1 => "seit 1 Tag abgelaufen".into(),
            _ => format!("seit {} Tagen abgelaufen", -days),
        }
    }

    fn port_and_security(&self, port: u16, security: &str) -> String {
        format!(", Port {port}, Verschlüsselung: „{security}“")
    }

    fn date(&self, year: &str, month: u32, day: u32) -> String {
        format!("{day:02}.{month:02}.{year}")
    }

    fn date_time(&self, date: String, hour_minute: &str) -> String {
        format!("{date}, {hour_minute} Uhr (UTC)")
    }

    fn system(&self, system: System) -> &'static str {
        match system {
            System::WindowsXp => "Windows XP",
            System::WindowsVista => "Windows Vista",
            System::Windows7 => "Windows 7",
            System::Windows8 => "Windows 8",
            System::Windows81 => "Windows 8.1",
            System::Windows10 => "Windows 10",
            System::Windows11 => "Windows 11",
            System::MacOsOld => "OS X 10.11 oder älter",
            System::MacOs => "macOS 10.12 oder neuer",
            System::IosOld => "iOS 9 oder älter",
            System::Ios => "iOS 10 oder neuer",
            System::AndroidOld => "Android 4.1 bis 4.4",
            System::Android40 => "Android 4.0 oder älter",
            System::Android => "Android 5 oder neuer",
            System::Linux => "Linux",
        }
    }

    fn client_heading(&self, program: &str, system: System) -> String {
        format!("{program} unter {}", self.system(system))
    }

    fn guidance(&self, guidance: Guidance, system: System) -> String {
        let last_thunderbird = match system {
            System::WindowsXp | System::WindowsVista => {
                " Für Windows XP und Vista ist Thunderbird 52 ESR die letzte Version."
            }
            System::Windows7 | System::Windows8 | System::Windows81 => {
                " Für Windows 7, 8 und 8.1 ist Thunderbird 115 ESR die letzte Version."
            }
            System::MacOsOld => {
                " Für OS X 10.9 bis 10.11 ist Thunderbird 78 ESR die letzte Version."
            }
            System::MacOs => {
                " Unter macOS 10.12 bis 10.14 ist Thunderbird 115 ESR die letzte Version."
            }
            _ => "",
        };
        let fix = |fix: Fix| {
            match fix {
            Fix::Nothing => String::new(),
            Fix::Windows7Registry => "Schalten Sie TLS 1.2 in Windows 7 ein (Anleitung auf der Ergebnisseite).".into(),
            Fix::InstallThunderbird => format!("Installieren Sie das kostenlose E-Mail-Programm Thunderbird.{last_thunderbird} Thunderbird bringt TLS 1.2 selbst mit und hängt dabei nicht vom Betriebssystem ab."),
            Fix::UpdateThunderbird => format!("Installieren Sie eine neuere Version von Thunderbird.{last_thunderbird} Ab Version 31 ist TLS 1.2 in Thunderbird bereits eingeschaltet."),
            Fix::InstallK9 => "Installieren Sie die kostenlose E-Mail-App K-9 Mail. Die App schaltet TLS 1.2 auf Android 4.1 bis 4.4 selbst ein. Die letzte Version für Android 4 ist K-9 Mail 5.600.".into(),
            Fix::NewDevice => "Die E-Mail-App auf diesem Gerät beherrscht kein TLS 1.2, und das lässt sich in ihr nicht nachrüsten. Installieren Sie eine neuere Version des Betriebssystems, wenn Ihr Gerät das erlaubt, oder verwenden Sie ein neueres Gerät.".into(),
            // The new Outlook needs Windows 10 or 11.
            Fix::SwitchProgram if matches!(system, System::Windows8 | System::Windows81) => format!("Wechseln Sie zu einem aktuellen Programm, zum Beispiel zu Thunderbird (kostenlos).{last_thunderbird}"),
            Fix::SwitchProgram => "Wechseln Sie zu einem aktuellen Programm, zum Beispiel zum neuen Outlook oder zu Thunderbird (beide kostenlos).".into(),
        }
        };
        let send = " Bitte schicken Sie ihm dieses Ergebnis, zum Beispiel mit dem Link unten.";
        // Where the program cannot connect at all, customers are tempted to switch encryption off.
        let keep = " Stellen Sie bis dahin die Verschlüsselung nicht auf „Keine“: Sonst würden Ihr Passwort und Ihre E-Mails unverschlüsselt übertragen.";
        match guidance {
            Guidance::Works => "Ihr Programm verbindet sich mit Ihrem Server über TLS 1.2 oder neuer. Wegen der TLS-Version müssen Sie an Ihrem Programm nichts ändern.".into(),
            Guidance::Supported => "Ihr Programm beherrscht auf diesem System TLS 1.2 oder neuer, und Ihr Server bietet TLS 1.2 oder neuer an. Wegen der TLS-Version müssen Sie an Ihrem Programm nichts ändern. Testen Sie zur Sicherheit in Ihrem E-Mail-Programm: Rufen Sie Ihre E-Mails ab und senden Sie eine E-Mail an sich selbst.".into(),
            Guidance::Unchecked => "Ihr Programm beherrscht auf diesem System TLS 1.2 oder neuer. Welche TLS-Versionen Ihr Server anbietet, konnten wir nicht feststellen. Was Sie tun können, steht oben beim Ergebnis für den Server.".into(),
            Guidance::Discontinued => format!("Microsoft hat diese App Ende 2024 eingestellt. Seitdem ruft sie mit keinem Server mehr E-Mails ab. {}", fix(Fix::SwitchProgram)),
            Guidance::WorksButDiscontinued => format!("Ihr Programm beherrscht auf diesem System TLS 1.2. Der Hersteller entwickelt es aber nicht mehr weiter und liefert keine Sicherheitsupdates mehr dafür. Wir empfehlen: {}", fix(Fix::SwitchProgram)),
            Guidance::WorksForNow { fix: f } => format!("Ihr Programm kann sich im Moment noch verbinden, weil der Server noch veraltete Versionen wie TLS 1.0 annimmt. Sobald Ihr Anbieter diese abschaltet, kann sich Ihr Programm nicht mehr verbinden. {}", fix(f)),
            Guidance::ApplyFix { fix: f } => format!("Ohne Änderung kann sich Ihr Programm auf diesem System nicht mit Ihrem Server verbinden. {}", fix(f)),
            Guidance::ServerMustChange => format!("Ihr Programm beherrscht TLS 1.2. Ihr Server bietet aber nur veraltete Versionen wie TLS 1.0 an. Das kann nur Ihr Anbieter ändern.{send}{keep}"),
            Guidance::ServerFirst { fix: f } => format!("Ihr Server bietet nur veraltete Versionen wie TLS 1.0 an. Das muss zuerst Ihr Anbieter ändern.{send} Wechseln Sie bis dahin weder Programm noch Gerät: Neuere Programme und Geräte verbinden sich oft nicht mehr mit TLS 1.0. Sobald Ihr Server TLS 1.2 anbietet, müssen Sie auch auf Ihrer Seite etwas ändern: {}", fix(f)),
            Guidance::ServerUnknown { fix: f } => format!("Welche TLS-Versionen Ihr Server anbietet, konnten wir nicht feststellen. Ohne Änderung beherrscht Ihr Programm auf diesem System aber kein TLS 1.2. Ob Ihr Server nur TLS 1.2 oder neuer anbietet, kann Ihnen der Kundenservice Ihres Anbieters sagen. Wenn ja: {}", fix(f)),
            Guidance::LegacyUnknown { fix: f } => format!("Ob Ihr Server noch veraltete Versionen wie TLS 1.0 annimmt, konnten wir nicht feststellen. Ohne Änderung beherrscht Ihr Programm auf diesem System aber kein TLS 1.2. Spätestens wenn Ihr Anbieter diese Versionen abschaltet, kann sich Ihr Programm nicht mehr verbinden. {}", fix(f)),
            Guidance::CloudNeedsModernServer => format!("Diese Outlook-Version ruft Ihre E-Mails über die Server von Microsoft ab, und diese verlangen TLS 1.2 oder neuer. Ihr Server bietet das nicht an. Das kann nur Ihr Anbieter ändern.{send}"),
            Guidance::NoData => "Zu diesem Programm auf diesem System haben wir keine gesicherten Angaben. Testen Sie in Ihrem E-Mail-Programm: Rufen Sie Ihre E-Mails ab und senden Sie eine E-Mail an sich selbst. Wenn das nicht funktioniert, wenden Sie sich bitte an den Kundenservice Ihres Anbieters.".into(),
            Guidance::ServerLocksOut => format!("Ihr Programm und Ihr Server beherrschen zwar eine gemeinsame TLS-Version, aber kein gemeinsames Verschlüsselungsverfahren. Deshalb kommt keine Verbindung zustande. Das kann nur Ihr Anbieter ändern.{send}{keep}"),
            Guidance::LockedOutAfterFix => format!("Im Moment verbindet sich Ihr Programm noch mit der veralteten Version TLS 1.0. Mit TLS 1.2 käme keine Verbindung zustande: Der Server bietet kein Verschlüsselungsverfahren an, das Windows 7 mit TLS 1.2 kennt. Schalten Sie TLS 1.2 in Windows deshalb noch nicht ein. Das muss zuerst Ihr Anbieter ändern.{send}"),
            Guidance::ServerNeedsTls12 => format!("Ihr Server bietet nur TLS 1.3 an. Ihr Programm beherrscht auf diesem System kein TLS 1.3. Deshalb kommt keine Verbindung zustande. Das kann nur Ihr Anbieter ändern: Er muss zusätzlich TLS 1.2 einschalten.{send}{keep}"),
        }
    }

    fn measured(&self, measured: Measured, after_fix: bool) -> String {
        let done = if after_fix {
            "Gemessen mit eingeschaltetem TLS 1.2: Wir haben Ihren Server so angesprochen, wie es Ihr Programm tun wird, sobald Sie TLS 1.2 in Windows 7 eingeschaltet haben."
        } else {
            "Gemessen: Wir haben Ihren Server so angesprochen, wie es Ihr Programm auf diesem System tut."
        };
        match measured {
            Measured::Connected(version) => {
                format!("{done} Die Verbindung kommt mit {version} zustande.")
            }
            Measured::NoVersion => format!(
                "{done} Die Verbindung kommt nicht zustande: Ihr Programm und der Server beherrschen keine gemeinsame TLS-Version."
            ),
            Measured::NoCipher => format!(
                "{done} Die Verbindung kommt nicht zustande, obwohl Ihr Programm und der Server eine gemeinsame TLS-Version beherrschen: Der Server lehnt den Verbindungsaufbau ab."
            ),
            Measured::Unknown => String::new(),
        }
    }

    fn role(&self, role: &str) -> &'static str {
        match role {
            "imap" => "Posteingangsserver (IMAP)",
            "pop3" => "Posteingangsserver (POP3)",
            _ => "Postausgangsserver (SMTP)",
        }
    }

    fn where_to_change(&self, program: Program) -> &'static str {
        match program {
            Program::Outlook2010 | Program::Outlook2013 | Program::Outlook2016OrNewer => {
                "In Outlook: Datei › Kontoeinstellungen › Kontoeinstellungen… › (Ihr Konto) auswählen › Ändern › Weitere Einstellungen › Erweitert."
            }
            Program::Outlook2007 => {
                "In Outlook 2007: Extras › Kontoeinstellungen… › (Ihr Konto) › Ändern… › Weitere Einstellungen… › Erweitert."
            }
            Program::NewOutlook => {
                "Im neuen Outlook: Einstellungen › Konten › (Ihr Konto) › Verwalten."
            }
            Program::WindowsLiveMail => {
                "In Windows Live Mail: Klicken Sie mit der rechten Maustaste auf Ihr Konto › Eigenschaften › Registerkarten „Server“ und „Erweitert“."
            }
            Program::OutlookExpress => {
                "In Outlook Express: Extras › Konten › E-Mail › (Ihr Konto) › Eigenschaften › Registerkarten „Server“ und „Erweitert“."
            }
            Program::WindowsMail => {
                "Die App „Mail und Kalender“ funktioniert seit Ende 2024 nicht mehr. Richten Sie Ihr Konto in einem anderen Programm ein, zum Beispiel in Thunderbird oder – unter Windows 10 und 11 – im neuen Outlook."
            }
            Program::Thunderbird | Program::Thunderbird31 | Program::ThunderbirdOld => {
                "In Thunderbird: Konten-Einstellungen › Server-Einstellungen. Für den Postausgangsserver: Konten-Einstellungen › Postausgangs-Server (SMTP) › Bearbeiten."
            }
            Program::AppleMail => {
                "In Apple Mail: Mail › Einstellungen › Accounts › Servereinstellungen."
            }
            Program::IosMail => {
                "Auf dem iPhone oder iPad: Öffnen Sie die App „Einstellungen“ und dort Ihren E-Mail-Account. Wo er steht, hängt von der iOS-Version ab."
            }
            Program::AndroidMail | Program::K9Mail => {
                "In der App: Einstellungen › (Ihr Konto) › Eingangsserver oder Ausgangsserver."
            }
        }
    }

    fn contact_heading(&self, provider: &str) -> String {
        format!("Kundenservice von {provider}")
    }

    fn did_you_mean(&self, suggestion: &str) -> String {
        format!("Meinten Sie {suggestion}?")
    }

    fn advice(&self, advice: &Advice) -> String {
        match advice {
            Advice::IncomingUnencrypted { suggested_port } => format!(
                "Ihr Posteingangsserver ist ohne Verschlüsselung eingestellt. Ihr Passwort und Ihre E-Mails werden dadurch ungeschützt übertragen. Stellen Sie die Verschlüsselung auf „SSL/TLS“ und den Port auf {suggested_port}."
            ),
            Advice::OutgoingPort25Unencrypted => "Port 25 ohne Verschlüsselung ist für das Senden aus E-Mail-Programmen nicht geeignet: Ihr Passwort würde unverschlüsselt übertragen. Stellen Sie für den Postausgangsserver Port 587 mit „STARTTLS“ ein.".into(),
            Advice::OutgoingUnencrypted => "Ihr Postausgangsserver ist ohne Verschlüsselung eingestellt. Stellen Sie Port 587 mit „STARTTLS“ ein oder Port 465 mit „SSL/TLS“.".into(),
            Advice::OutgoingPort25 => "Port 25 ist für den Versand zwischen Mailservern gedacht und wird in vielen Netzen gesperrt. Stellen Sie für den Postausgangsserver Port 587 mit „STARTTLS“ ein.".into(),
            Advice::PortDoesNotFitSecurity { direction, port, expected } => format!(
                "Beim {} passen Port {port} und die gewählte Verschlüsselung nicht zusammen. Mit dieser Verschlüsselung ist Port {expected} üblich. Bitte vergleichen Sie beides mit den Angaben Ihres Anbieters.",
                server(*direction)
            ),
            Advice::DidYouMean { field, official } => format!(
                "Der Name des {}s weicht nur leicht vom Servernamen Ihres Anbieters ab. Meinten Sie {official}?",
                if *field == crate::settings::Field::OutgoingHost { "Postausgangsserver" } else { "Posteingangsserver" }
            ),
            Advice::AutoChoice { direction, port, security } => format!(
                "Auf Port {port} mit „{}“ bietet Ihr {} TLS 1.2 oder neuer an. Bitte stellen Sie das in Ihrem E-Mail-Programm so ein.",
                if *security == crate::settings::Encryption::SslTls { "SSL/TLS" } else { "STARTTLS" },
                server(*direction)
            ),
            Advice::RetiredName { direction, host, official } => format!(
                "Ihr Anbieter verwendet für den {} jetzt den Namen {official}. Bitte ersetzen Sie {host} in Ihrem E-Mail-Programm durch {official}.",
                server(*direction)
            ),
            Advice::NotTheProvidersSetting { direction, port, security } => format!(
                "Ihr Anbieter gibt für den {} Port {port} mit „{}“ vor. Bitte stellen Sie das in Ihrem E-Mail-Programm so ein.",
                server(*direction),
                match security { ProfileSecurity::Tls => "SSL/TLS", ProfileSecurity::Starttls => "STARTTLS" }
            ),
            Advice::NameNotOnCertificate { host, suggestion } => match suggestion {
                Some(name) => format!("Der Name {host} steht nicht im Zertifikat des Servers. Ihr E-Mail-Programm wird deshalb eine Warnung zeigen. Tragen Sie stattdessen den Servernamen Ihres Anbieters ein: {name}."),
                None => format!("Der Name {host} steht nicht im Zertifikat des Servers. Ihr E-Mail-Programm wird deshalb eine Warnung zeigen. Fragen Sie Ihren Anbieter nach dem richtigen Servernamen. Akzeptieren Sie das Zertifikat bis dahin nicht dauerhaft."),
            },
            Advice::NameLooksMistyped { field, suggestion } => format!(
                "Der Name des {} sieht nach einem Tippfehler aus. Meinten Sie {suggestion}? Bitte prüfen Sie die Schreibweise.",
                if *field == crate::settings::Field::OutgoingHost { "Postausgangsservers" } else { "Posteingangsservers" }
            ),
        }
    }

    fn cached_age(&self, seconds: u64) -> String {
        let ago = match seconds {
            0..60 => "wenigen Sekunden".to_owned(),
            60..120 => "1 Minute".to_owned(),
            _ => format!("{} Minuten", seconds / 60),
        };
        format!("Dieses Ergebnis stammt aus einer Prüfung vor {ago}.")
    }

    fn port_not_checked(&self, port: u16, (tls, starttls): (u16, u16)) -> String {
        format!(
            "Port {port} können wir hier nicht prüfen, deshalb haben wir diesen Server nicht geprüft. Wenn Ihr Anbieter diesen Port angibt, ist er trotzdem richtig. Sonst sind die Ports {tls} (SSL/TLS) und {starttls} (STARTTLS) üblich."
        )
    }

    fn left_out(&self, direction: Direction, host: &str, port: u16) -> String {
        let role = server(direction);
        format!(
            "{role} {host}, Port {port}: nicht geprüft. Diesen Port können wir hier nicht prüfen."
        )
    }

    fn more_names(&self, more: usize) -> String {
        format!("… und {} weitere", crate::i18n::thousands(more, '.'))
    }

    fn pending(&self, targets: &str) -> String {
        format!("Wir prüfen noch: {targets} …")
    }

    fn progress(&self, done: usize, total: usize) -> String {
        format!("({done} von {total} geprüft)")
    }

    fn outcome(&self, outcome: Outcome) -> &'static str {
        match outcome {
            Outcome::Accepted => "unterstützt",
            Outcome::Rejected => "nicht unterstützt",
            Outcome::Inconclusive => "unklar",
        }
    }

    fn reason(&self, reason: Reason) -> &'static str {
        match reason {
            Reason::Alert => "der Server lehnt diese Version ab",
            Reason::Closed => "der Server hat die Verbindung beendet",
            Reason::OtherVersion => "der Server antwortet mit einer anderen Version",
            Reason::Timeout => "keine Antwort in der vorgesehenen Zeit",
            Reason::ConnectionRefused => "der Server nimmt auf diesem Port keine Verbindungen an",
            Reason::Network => "Netzwerkfehler",
            Reason::ProtocolViolation => "unerwartete Antwort des Servers",
            Reason::NameNotFound => "Servername nicht gefunden",
            Reason::LookupFailed => "DNS-Abfrage fehlgeschlagen",
            Reason::Throttled => {
                "der Server ist ausgelastet und hat um einen späteren Versuch gebeten"
            }
            Reason::Starttls => "die Verschlüsselung mit STARTTLS kam nicht zustande",
        }
    }

    fn verdict(&self, verdict: CertificateVerdict) -> &'static str {
        match verdict {
            CertificateVerdict::Valid => "gültig",
            CertificateVerdict::Expired => "abgelaufen",
            CertificateVerdict::NotYetValid => "noch nicht gültig",
            CertificateVerdict::NameMismatch => "ausgestellt für einen anderen Servernamen",
            CertificateVerdict::SelfSigned => "selbst ausgestellt (nicht vertrauenswürdig)",
            CertificateVerdict::Untrusted => "von einer unbekannten Stelle ausgestellt",
            CertificateVerdict::IncompleteChain => "unvollständig (Zwischenzertifikat fehlt)",
            CertificateVerdict::Invalid => "fehlerhaft",
        }
    }

    fn domain_heading(&self, domain: &str) -> String {
        format!("E-Mails von anderen Anbietern an {domain}")
    }

    fn domain_verdict(&self, domain: &DomainReport) -> String {
        match domain.verdict {
            DomainVerdict::Ready => "Microsoft 365 und andere Anbieter können Ihnen E-Mails verschlüsselt mit TLS 1.2 oder neuer zustellen.".into(),
            DomainVerdict::SomeMxFailing => format!(
                "Bei einem Teil Ihrer Mailserver gibt es Probleme. Deshalb können manche E-Mails an Sie verspätet oder gar nicht ankommen. Betroffen: {}.",
                super::failing_hosts(domain, "von", "Mailservern")
            ),
            DomainVerdict::NoModernTls if domain.unencrypted_only() => "Keiner Ihrer Mailserver bietet Verschlüsselung an (kein STARTTLS). Deshalb stellen Ihnen Microsoft 365 und die meisten anderen Anbieter E-Mails unverschlüsselt zu.".into(),
            DomainVerdict::NoModernTls => "Keiner Ihrer Mailserver nimmt E-Mails mit TLS 1.2 oder neuer an. Deshalb kommen E-Mails von Microsoft 365 verspätet oder gar nicht bei Ihnen an.".into(),
            DomainVerdict::NoUsableMx => "Keiner Ihrer Mailserver ist für andere Anbieter wie Microsoft 365 nutzbar. Deshalb können E-Mails von anderen Anbietern verspätet oder gar nicht bei Ihnen ankommen. Was nicht stimmt, steht unten bei jedem Mailserver.".into(),
            DomainVerdict::NoMail => "Diese Domain empfängt laut DNS keine E-Mails (Null-MX).".into(),
            DomainVerdict::Untestable if domain.mx_source == MxSource::NoMailServer => "Für diese Domain haben wir im DNS keinen Mailserver gefunden, weder einen MX-Eintrag noch eine Adresse. Bitte prüfen Sie die Schreibweise der Domain.".into(),
            DomainVerdict::Untestable => "Die Mailserver dieser Domain konnten nicht geprüft werden.".into(),
            DomainVerdict::MtaStsBroken => format!(
                "{} Deshalb stellen Ihnen die meisten Absender E-Mails zu, als wäre MTA-STS nicht eingerichtet: verschlüsselt, wenn möglich, sonst auch unverschlüsselt. Absender, die noch eine gültige ältere Fassung Ihrer Richtlinie gespeichert haben, halten sich weiter an diese. Mit MTA-STS legen Sie fest, dass andere Anbieter Ihnen E-Mails nur verschlüsselt zustellen. Ihre Mailserver selbst nehmen E-Mails mit TLS 1.2 oder neuer an.",
                match domain.mta_sts.status {
                    MtaStsStatus::InvalidRecord => "Der DNS-Eintrag Ihrer MTA-STS-Richtlinie ist fehlerhaft.",
                    MtaStsStatus::InvalidPolicy => "Ihre MTA-STS-Richtlinie enthält Fehler.",
                    _ => "Ihre MTA-STS-Richtlinie lässt sich nicht abrufen.",
                }
            ),
        }
    }

    fn domain_todo(&self, domain: &DomainReport) -> &'static str {
        match domain.verdict {
            DomainVerdict::Ready => "",
            DomainVerdict::SomeMxFailing => {
                "Bitte geben Sie dieses Ergebnis an Ihren Anbieter oder Ihre IT-Abteilung weiter. Dort müssen die Probleme bei den unten mit „Problem“ markierten Servern behoben werden."
            }
            DomainVerdict::NoModernTls => {
                "Bitte geben Sie dieses Ergebnis an Ihren Anbieter oder Ihre IT-Abteilung weiter. Dort muss auf den unten mit „Problem“ markierten Servern TLS 1.2 oder neuer eingeschaltet werden."
            }
            DomainVerdict::NoUsableMx => {
                "Bitte geben Sie dieses Ergebnis an Ihren Anbieter oder Ihre IT-Abteilung weiter. Dort müssen die DNS-Einträge (MX, Adressen, MTA-STS oder DANE) zu den unten mit „Problem“ markierten Servern korrigiert werden."
            }
            DomainVerdict::NoMail => {
                "Wenn Sie unter dieser Domain E-Mails empfangen möchten, muss der Null-MX-Eintrag im DNS durch einen MX-Eintrag für Ihren Mailserver ersetzt werden. Das erledigt, wer Ihre Domain verwaltet (meist Ihr Anbieter)."
            }
            DomainVerdict::Untestable => {
                "Bitte prüfen Sie die Schreibweise der Domain und versuchen Sie es später noch einmal."
            }
            DomainVerdict::MtaStsBroken => {
                "Bitte geben Sie dieses Ergebnis an Ihren Anbieter oder Ihre IT-Abteilung weiter. Dort muss die Einrichtung von MTA-STS korrigiert werden. Was nicht stimmt, steht unten unter „MTA-STS“."
            }
        }
    }

    fn mx_status(&self, status: MxStatus) -> &'static str {
        match status {
            MxStatus::Usable => "funktioniert",
            MxStatus::Problem => "Problem",
            MxStatus::Untested => "nicht geprüft",
        }
    }

    fn mx_problem(&self, code: MxProblemCode) -> &'static str {
        match code {
            MxProblemCode::NoModernTls => "kein TLS 1.2 oder neuer",
            MxProblemCode::StarttlsNotOffered => "keine Verschlüsselung (kein STARTTLS)",
            MxProblemCode::LegacyVersionsEnabled => "veraltete TLS-Versionen noch eingeschaltet",
            MxProblemCode::CertificateProblem => "Zertifikat wird nicht als gültig anerkannt",
            MxProblemCode::NotInMtaStsPolicy => "fehlt in der MTA-STS-Richtlinie",
            MxProblemCode::DaneMismatch => "Zertifikat passt nicht zu den TLSA-Einträgen (DANE)",
            MxProblemCode::DnssecBogus => "DNSSEC-Signaturen ungültig",
            MxProblemCode::DaneLookupFailed => "TLSA-Abfrage gescheitert (DANE)",
            MxProblemCode::NameNotFound => "Name im DNS nicht gefunden",
            MxProblemCode::AddressRefused => {
                "zeigt auf eine interne Adresse, die aus dem Internet niemand erreicht. Der DNS-Eintrag muss eine öffentliche Adresse nennen"
            }
            MxProblemCode::Unreachable => "unter mindestens einer Adresse nicht erreichbar",
        }
    }

    fn mta_sts(&self, status: MtaStsStatus, mode: Option<MtaStsMode>) -> &'static str {
        match (status, mode) {
            (MtaStsStatus::Absent, _) => {
                "nicht eingerichtet: Absender verschlüsseln, wenn möglich, und stellen sonst auch unverschlüsselt zu"
            }
            (MtaStsStatus::Valid, Some(MtaStsMode::Enforce)) => {
                "eingerichtet: Absender stellen nur verschlüsselt, mit gültigem Zertifikat und nur an die aufgeführten Server zu"
            }
            (MtaStsStatus::Valid, Some(MtaStsMode::Testing)) => {
                "im Testmodus: Absender stellen trotz Problemen zu (und melden sie, wenn TLS-RPT eingerichtet ist)"
            }
            (MtaStsStatus::Valid, _) => "abgeschaltet (Modus „none“)",
            (MtaStsStatus::InvalidRecord, _) => "DNS-Eintrag fehlerhaft",
            (MtaStsStatus::PolicyUnavailable, _) => "Richtlinie nicht abrufbar",
            (MtaStsStatus::InvalidPolicy, _) => "Richtlinie fehlerhaft",
            (MtaStsStatus::LookupFailed, _) => "DNS-Abfrage gescheitert",
        }
    }

    fn tls_rpt(&self, status: TlsRptStatus) -> &'static str {
        match status {
            TlsRptStatus::Absent => {
                "nicht eingerichtet: Sie erfahren nicht, wenn Absender nicht verschlüsselt zustellen konnten"
            }
            TlsRptStatus::Valid => "eingerichtet: Absender schicken Berichte über Probleme",
            TlsRptStatus::Invalid => "DNS-Eintrag fehlerhaft",
            TlsRptStatus::LookupFailed => "DNS-Abfrage gescheitert",
        }
    }

    fn dane(&self, status: DaneStatus) -> &'static str {
        match status {
            DaneStatus::Unsigned => {
                "nicht möglich: DNSSEC fehlt (für die Domain oder ihre Mailserver)"
            }
            DaneStatus::NoRecords => "möglich, aber nicht eingerichtet (keine TLSA-Einträge)",
            DaneStatus::Valid => "eingerichtet: die Zertifikate passen zu den TLSA-Einträgen",
            DaneStatus::Partial => "nur für einen Teil der Mailserver eingerichtet",
            DaneStatus::Mismatch => {
                "fehlerhaft: Ein Zertifikat passt nicht zu den TLSA-Einträgen. Absender, die DANE prüfen, stellen an diesen Server nicht zu"
            }
            DaneStatus::Unusable => "TLSA-Einträge für E-Mail nicht verwendbar",
            DaneStatus::Bogus => "DNSSEC-Signaturen ungültig",
            DaneStatus::LookupFailed => "DNS-Abfrage gescheitert",
        }
    }

    fn wrong_service(&self, advice: WrongServiceAdvice) -> String {
        match advice {
            WrongServiceAdvice::UseStarttls {
                port,
                move_to_587,
                tls_port,
            } => {
                let fix = if move_to_587 {
                    "Stellen Sie den Port auf 587 und die Verschlüsselung auf „STARTTLS“."
                } else {
                    "Stellen Sie die Verschlüsselung auf „STARTTLS“."
                };
                format!(
                    "Auf Port {port} beginnt dieser Server unverschlüsselt und schaltet die Verschlüsselung erst mit STARTTLS ein. Mit der Einstellung „SSL/TLS“ kann sich Ihr E-Mail-Programm hier deshalb nicht verbinden. {fix} Oder verwenden Sie Port {tls_port} mit „SSL/TLS“, wenn Ihr Anbieter diesen Port angibt."
                )
            }
            WrongServiceAdvice::OtherProtocol {
                port,
                found,
                wanted,
                tls_port,
            } => format!(
                "Auf Port {port} antwortet dieser Server mit {}, nicht mit {}. Für {} mit „SSL/TLS“ ist Port {tls_port} üblich. Stellen Sie den Port auf {tls_port}, wenn Ihr Anbieter nichts anderes angibt.",
                found.name(),
                wanted.name(),
                wanted.name()
            ),
        }
    }
}

/// The server's name in German mail programs' settings.
fn server(direction: Direction) -> &'static str {
    match direction {
        Direction::Incoming => "Posteingangsserver",
        Direction::Outgoing => "Postausgangsserver",
    }
}
