//! The ClientHellos of the TLS stacks under the mail programs the page knows, as published
//! captures recorded them: one [`Profile`] per [`SimulatedClient`].
//!
//! Every value is taken from testssl.sh's client data (GPLv2 project; the hellos and limits are
//! facts about other programs, copied as data, not code): `etc/client-simulation.txt`,
//! `etc/client-simulation.wiresharked.txt` and the mail captures kept in
//! `utils/update_client_sim_data.pl`, all at commit 9fdf8028 of github.com/testssl/testssl.sh.
//! Most older entries come from SSL Labs' client list (`api/v3/getClients`). Why each entry
//! stands for which mail programs, and how sure that is: `docs/client-simulation.md`.
//!
//! The hex is the whole record as captured (record header, handshake header, ClientHello); the
//! server name in it is the capture's and is replaced before sending ([`super::hello`]).

use mailtls_shared::{SimulatedClient, TlsVersion};

/// How directly a capture stands for the mail program.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Confidence {
    /// The mail program's own hello was captured.
    Program,
    /// Another program on the same system TLS library (a browser on SChannel, Android's stack):
    /// the mail program uses the same library and its defaults, but could switch versions or
    /// suites for itself.
    SameStack,
}

/// One simulated client.
#[derive(Debug, Clone, Copy)]
pub struct Profile {
    pub client: SimulatedClient,
    /// A short name for admins (`Windows 7 with TLS 1.2 switched on`).
    pub label: &'static str,
    /// The mail programs and systems it stands for.
    pub stands_for: &'static str,
    /// Whose hello was captured.
    pub capture: &'static str,
    /// Where the capture is published.
    pub source: &'static str,
    pub confidence: Confidence,
    /// The lowest and highest version the client accepts.
    pub versions: (TlsVersion, TlsVersion),
    /// The Diffie-Hellman group sizes (bits) the client accepts, where known.
    pub dh_bits: (Option<u32>, Option<u32>),
    /// Common enough among customers today that locking it out decides the endpoint's verdict
    /// (Windows 7 with TLS 1.2 on and newer, Android 7 and newer, Apple Mail 16, Thunderbird 60
    /// and newer); locking out a rarer TLS 1.2 client is a warning only.
    pub common: bool,
    /// The captured record, as hex.
    pub hello: &'static str,
}

impl Profile {
    /// The profile of `client`. Every client has one ([`PROFILES`] is checked by a test).
    pub fn of(client: SimulatedClient) -> &'static Profile {
        let index = SimulatedClient::ALL
            .iter()
            .position(|known| *known == client)
            .unwrap_or(0);
        PROFILES.get(index).unwrap_or(&PROFILES[0])
    }

    /// Whether the client accepts `version`.
    pub fn speaks(&self, version: TlsVersion) -> bool {
        (self.versions.0..=self.versions.1).contains(&version)
    }
}

/// In [`SimulatedClient::ALL`]'s order.
pub static PROFILES: [Profile; 22] = [
    Profile {
        client: SimulatedClient::SchannelWinXp,
        label: "Windows XP",
        stands_for: "Outlook and Outlook Express on Windows XP SP3 (SChannel)",
        capture: "IE 8 on Windows XP",
        source: "testssl.sh `etc/client-simulation.txt` (from SSL Labs' client list)",
        confidence: Confidence::SameStack,
        versions: (TlsVersion::Ssl3, TlsVersion::Tls10),
        dh_bits: (None, None),
        common: false,
        hello: concat!(
            "1603010048010000440301550bf46d2cff1997bd24885e963ba61faa8be6c28835c1f9bf74c1675cd3cf850000160004",
            "0005000a0009006400620003000600130012006301000005ff01000100",
        ),
    },
    Profile {
        client: SimulatedClient::SchannelVista,
        label: "Windows Vista",
        stands_for: "Outlook and Windows Mail on Windows Vista (SChannel)",
        capture: "IE 7 on Windows Vista",
        source: "testssl.sh `etc/client-simulation.txt` (from SSL Labs' client list)",
        confidence: Confidence::SameStack,
        versions: (TlsVersion::Ssl3, TlsVersion::Tls10),
        dh_bits: (None, None),
        common: false,
        hello: concat!(
            "160301007d01000079030151fa62ab452795b7003c5f93ab677dbf57dd62bfa39e0ffaaeabe45b06552452000018002f",
            "00350005000ac009c00ac013c01400320038001300040100003800000014001200000f7777772e73736c6c6162732e63",
            "6f6d000500050100000000000a00080006001700180019000b00020100ff01000100",
        ),
    },
    Profile {
        client: SimulatedClient::SchannelWin7,
        label: "Windows 7",
        stands_for: "Outlook and Windows Live Mail on Windows 7 as installed: TLS 1.1 and 1.2 off (SChannel)",
        capture: "IE 8-10 on Windows 7",
        source: "testssl.sh `etc/client-simulation.txt` (from SSL Labs' client list)",
        confidence: Confidence::SameStack,
        versions: (TlsVersion::Ssl3, TlsVersion::Tls10),
        dh_bits: (Some(1024), Some(4096)),
        common: false,
        hello: concat!(
            "160301007d01000079030155f092059b76ac28cceda732dac7f07a52aecc126f8ed890ab80e12e7eca049c000018c014",
            "c0130035002fc00ac00900380032000a0013000500040100003800000014001200000f6465762e73736c6c6162732e63",
            "6f6d000500050100000000000a00080006001700180019000b00020100ff01000100",
        ),
    },
    Profile {
        client: SimulatedClient::SchannelWin7Tls12,
        label: "Windows 7 with TLS 1.2 switched on",
        stands_for: "Outlook and Windows Live Mail on Windows 7 once TLS 1.1 and 1.2 are switched on (SChannel)",
        capture: "IE 11 on Windows 7, which switches TLS 1.1 and 1.2 on for itself",
        source: "testssl.sh `etc/client-simulation.txt` (from SSL Labs' client list)",
        confidence: Confidence::SameStack,
        versions: (TlsVersion::Tls10, TlsVersion::Tls12),
        dh_bits: (Some(1024), Some(4096)),
        common: true,
        hello: concat!(
            "16030300af010000ab03035954cc4cf4eaf6c39a501d311bc340fcbeab6b52a25defdc40e83a2699791c4f000030c028",
            "c027c014c013009f009e009d009c003d003c0035002fc02cc02bc024c023c00ac009006a004000380032000a00130100",
            "005200000014001200000f6465762e73736c6c6162732e636f6d000500050100000000000a0006000400170018000b00",
            "020100000d0014001206010603040105010201040305030203020200170000ff01000100",
        ),
    },
    Profile {
        client: SimulatedClient::SchannelWin81,
        label: "Windows 8.1",
        stands_for: "Outlook and Windows Live Mail on Windows 8.1 (SChannel)",
        capture: "IE 11 on Windows 8.1",
        source: "testssl.sh `etc/client-simulation.txt` (from SSL Labs' client list)",
        confidence: Confidence::SameStack,
        versions: (TlsVersion::Tls10, TlsVersion::Tls12),
        dh_bits: (Some(1024), Some(4096)),
        common: true,
        hello: concat!(
            "16030300d1010000cd0303576c36e03bf1afe8d81100c68adc72bd0c678a5162275a5569651875123a7bec000034c028",
            "c027c014c013009f009e00390033009d009c003d003c0035002fc02cc02bc024c023c00ac009006a004000380032000a",
            "00130100007000000014001200000f6465762e73736c6c6162732e636f6d000500050100000000000a00060004001700",
            "18000b00020100000d001400120401050106010201040305030603020302020023000000100012001006737064792f33",
            "08687474702f312e313374000000170000ff01000100",
        ),
    },
    Profile {
        client: SimulatedClient::SchannelWin10,
        label: "Windows 10",
        stands_for: "Outlook, Windows Live Mail and the Mail app on Windows 10 (SChannel)",
        capture: "IE 11 on Windows 10",
        source: "testssl.sh `etc/client-simulation.txt` (from SSL Labs' client list)",
        confidence: Confidence::SameStack,
        versions: (TlsVersion::Tls10, TlsVersion::Tls12),
        dh_bits: (Some(1024), Some(4096)),
        common: true,
        hello: concat!(
            "16030300d7010000d30303576c3861086a497dbb46489b67a88ac2e541c4863147fd09634bd0c630b73e92000038c02c",
            "c02bc030c02f009f009ec024c023c028c027c00ac009c014c01300390033009d009c003d003c0035002f000a006a0040",
            "0038003200130100007200000014001200000f6465762e73736c6c6162732e636f6d000500050100000000000a000600",
            "0400170018000b00020100000d00140012040105010201040305030203020206010603002300000010000e000c026832",
            "08687474702f312e310017000055000006000100020002ff01000100",
        ),
    },
    Profile {
        client: SimulatedClient::Android23,
        label: "Android 2.3",
        stands_for: "mail apps using Android 2.3's TLS",
        capture: "Android 2.3.7's system TLS",
        source: "testssl.sh `etc/client-simulation.txt` (from SSL Labs' client list)",
        confidence: Confidence::SameStack,
        versions: (TlsVersion::Ssl3, TlsVersion::Tls10),
        dh_bits: (None, None),
        common: false,
        hello: concat!(
            "160301004b010000470301531f3de6b36804738bbb94a6ecd570a544789c3bb0a6ef8b9d702f997d928d4b0000200004",
            "0005002f00330032000a00160013000900150012000300080014001100ff0100",
        ),
    },
    Profile {
        client: SimulatedClient::Android40,
        label: "Android 4.0",
        stands_for: "mail apps using Android 4.0's TLS (the stock Mail app)",
        capture: "Android 4.0.4's system TLS",
        source: "testssl.sh `etc/client-simulation.txt` (from SSL Labs' client list)",
        confidence: Confidence::SameStack,
        versions: (TlsVersion::Ssl3, TlsVersion::Tls10),
        dh_bits: (None, None),
        common: false,
        hello: concat!(
            "16030100c6010000c20301531f479cc7785f455ca7a70142af5be929c1ba931eedbf46dba6b6638da75e95000038c014",
            "c00a00390038c00fc0050035c012c00800160013c00dc003000ac013c00900330032c00ec004002fc011c007c00cc002",
            "0005000400ff020100006000000014001200000f7777772e73736c6c6162732e636f6d000b000403000102000a003400",
            "32000100020003000400050006000700080009000a000b000c000d000e000f0010001100120013001400150016001700",
            "1800190023000033740000",
        ),
    },
    Profile {
        client: SimulatedClient::Android43,
        label: "Android 4.1-4.3",
        stands_for: "mail apps on Android 4.1 to 4.3 that keep the system's defaults (TLS 1.0)",
        capture: "Android 4.3's system TLS with its default versions",
        source: "testssl.sh `etc/client-simulation.txt` (from SSL Labs' client list)",
        confidence: Confidence::SameStack,
        versions: (TlsVersion::Ssl3, TlsVersion::Tls10),
        dh_bits: (None, None),
        common: false,
        hello: concat!(
            "16030100d1010000cd0301531f41c3c5110dd688458e5e48e06d30814572ad7b8f9d9df1b0a8820b270685000044c014",
            "c00ac022c02100390038c00fc0050035c012c008c01cc01b00160013c00dc003000ac013c009c01fc01e00330032c00e",
            "c004002fc011c007c00cc0020005000400ff0100006000000014001200000f7777772e73736c6c6162732e636f6d000b",
            "000403000102000a00340032000e000d0019000b000c00180009000a0016001700080006000700140015000400050012",
            "0013000100020003000f001000110023000033740000",
        ),
    },
    Profile {
        client: SimulatedClient::Android44,
        label: "Android 4.4",
        stands_for: "mail apps using Android 4.4's TLS",
        capture: "Android 4.4.2's system TLS",
        source: "testssl.sh `etc/client-simulation.txt` (from SSL Labs' client list)",
        confidence: Confidence::SameStack,
        versions: (TlsVersion::Ssl3, TlsVersion::Tls12),
        dh_bits: (None, None),
        common: false,
        hello: concat!(
            "16030100d1010000cd0303531f4317998fb70d57feded18c14433a1b665f963f7e3b1b045b6cc3d61bf21300004cc030",
            "c02cc014c00a00a3009f006b006a00390038009d003d0035c012c00800160013000ac02fc02bc027c023c013c00900a2",
            "009e0067004000330032009c003c002fc011c0070005000400ff0100005800000014001200000f7777772e73736c6c61",
            "62732e636f6d000b00020100000a0008000600190018001700230000000d002200200601060206030501050205030401",
            "04020403030103020303020102020203010133740000",
        ),
    },
    Profile {
        client: SimulatedClient::Android5,
        label: "Android 5",
        stands_for: "mail apps using Android 5's TLS",
        capture: "Android 5.0.0's system TLS",
        source: "testssl.sh `etc/client-simulation.txt` (from SSL Labs' client list)",
        confidence: Confidence::SameStack,
        versions: (TlsVersion::Ssl3, TlsVersion::Tls12),
        dh_bits: (None, None),
        common: false,
        hello: concat!(
            "16030100bd010000b9030354c21737f3d9d10696c91debf12415f9c45833a83cfbbd4c60c9b91407d2316b000038cc14",
            "cc13cc15c014c00a003900380035c012c00800160013000ac02fc02bc013c00900a2009e00330032009c002fc011c007",
            "0005000400ff0100005800000014001200000f6465762e73736c6c6162732e636f6d00230000000d0022002006010602",
            "0603050105020503040104020403030103020303020102020203010133740000000b00020100000a0008000600190018",
            "0017",
        ),
    },
    Profile {
        client: SimulatedClient::Android7,
        label: "Android 7",
        stands_for: "mail apps using Android 7's TLS",
        capture: "Android 7.0's system TLS",
        source: "testssl.sh `etc/client-simulation.wiresharked.txt` (testssl.sh's own capture)",
        confidence: Confidence::SameStack,
        versions: (TlsVersion::Tls10, TlsVersion::Tls12),
        dh_bits: (None, None),
        common: true,
        hello: concat!(
            "160301009d0100009903036cea0f867ae9fdd087adedaa810119e62971b36c0486d44fb3099e51403c8a1e000018c02b",
            "c02ccca9c02fc030cca8c013c014009c009d002f003501000058ff010001000000000d000b00000873796e6f642e696d",
            "0017000000230000000d0016001406010603050105030401040303010303020102030010000e000c0268320868747470",
            "2f312e31000b00020100000a000400020017",
        ),
    },
    Profile {
        client: SimulatedClient::Android10,
        label: "Android 10",
        stands_for: "mail apps using Android 10's TLS",
        capture: "Android 10's system TLS",
        source: "testssl.sh `etc/client-simulation.wiresharked.txt` (testssl.sh's own capture)",
        confidence: Confidence::SameStack,
        versions: (TlsVersion::Tls10, TlsVersion::Tls13),
        dh_bits: (None, None),
        common: true,
        hello: concat!(
            "1603010200010001fc0303b0e379bbe0d7058b2d0b548d7f240da621716032e8a1577d3f3a34c2cc6794c420c44a8b4c",
            "ae0a1a53970f394f078373ad2cc8962a87fad719ff8a637633792a9a00223a3a130113021303c02bc02fc02cc030cca9",
            "cca8c013c014009c009d002f0035000a010001919a9a00000000002500230000206b6964736d616e6167656d656e742d",
            "70612e676f6f676c65617069732e636f6d00170000ff01000100000a000a0008aaaa001d00170018000b000201000023",
            "00000010000e000c02683208687474702f312e31000500050100000000000d0014001204030804040105030805050108",
            "0606010201001200000033002b0029aaaa000100001d002068d49fc35d239c0ebf95fecdc700b5a4e3f99a7c3411f90c",
            "2dd51cb9431d3330002d00020101002b000b0a2a2a0304030303020301001b0003020002caca000100001500b8000000",
            "000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000",
            "000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000",
            "000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000",
            "00000000000000000000000000000000000000000000000000000000000000000000000000",
        ),
    },
    Profile {
        client: SimulatedClient::Android13,
        label: "Android 13/14",
        stands_for: "mail apps using Android 13's and 14's TLS",
        capture: "Android 13/14's system TLS",
        source: "testssl.sh `etc/client-simulation.wiresharked.txt` (testssl.sh's own capture)",
        confidence: Confidence::SameStack,
        versions: (TlsVersion::Tls12, TlsVersion::Tls13),
        dh_bits: (None, None),
        common: true,
        hello: concat!(
            "16030102330100022f0303564593a940b5d751d4cee7d4cd3ffbb68c310109b98a4a17e3ed6486d73dcee3202e82d4bb",
            "e870f4ad23988eee22f7b5c5036460e511edc31544211275bd9527960022130113021303c02bc02ccca9c02fc030cca8",
            "c009c00ac013c014009c009d002f0035010001c4000000180016000013706c61792e676f6f676c65617069732e636f6d",
            "00170000ff01000100000a00080006001d00170018000b00020100002300000010000b000908687474702f312e310005",
            "00050100000000000d00140012040308040401050308050501080606010201003300260024001d00205551dfbfb93995",
            "9b7aa673d638cd80e0ee8d202623f1a78f87741ff7bfa0c619002d00020101002b000504030403030029011c00f700f1",
            "025680712b38fc90496ec3b53ffa0ae9e00eafdaa742879902bc71a8956410ca53915661cbc5c3e60649f278b1268a6a",
            "3dfcd9be7269ae0eda3974dbad73f6368d430867a8e1d540aad8c0b9024adabb10adc58864062a0984fc03d62ad39b25",
            "d176f8500e93232446663fa256733f9b08efbce336afd2eaa090d8e20f7e53ec0a4135a83bdff4383cd1db1905377e9a",
            "5d81f41e045e6fd97d316b05f954102e6bcd3b110b0b2c2ccd1891d90057e9fe6795f4430942437ce9cad68c7a7d77c1",
            "a49eb29d33d7700c7274a552f1015dff3569a1492d746e59b372a1ecdbae650eba8771b931c648414d133f7e0e063337",
            "6d1b715cca002120dc30aa42c9d3367cce7f2bafd591d04b95e6b11081345ebd56d47b65bf89266c",
        ),
    },
    Profile {
        client: SimulatedClient::Android15,
        label: "Android 15/16",
        stands_for: "mail apps using Android 15's and 16's TLS",
        capture: "Android 15/16's system TLS",
        source: "testssl.sh `etc/client-simulation.wiresharked.txt` (testssl.sh's own capture)",
        confidence: Confidence::SameStack,
        versions: (TlsVersion::Tls12, TlsVersion::Tls13),
        dh_bits: (None, None),
        common: true,
        hello: concat!(
            "16030108ad010008a9030391072cb3571b43dc4a8cc1ad1c53edf47f89a855e5e52a701befa485fdcc847d201e6800ef",
            "ce12bdb7a96cdb1d7b6c3d451f1e7275ef468a873b746fe29fa89e2200201a1a130113021303c02bc02fc02cc030cca9",
            "cca8c013c014009c009d002f0035010008409a9a0000000500050100000000000b0002010044cd000500030268320017",
            "0000002b000706eaea03040303002d000201010000001b0019000016706c61792d66652e676f6f676c65617069732e63",
            "6f6d001b0003020002002300000010000e000c02683208687474702f312e3100120000000a000c000a3a3a11ec001d00",
            "170018fe0d00da00000100017b002072f7b873fdab02ad8a7e3ef3dd54613a0051821d29bfcde7f71af8ac49860c0500",
            "b0eb42e5082e1426108b1f5d6f67b5c35e26d985cdd337873c1ab77f3fcedc1cbf68cc86b20d82e5764fbadf86df30d4",
            "4696184d7f73c5d2b67c3bc1955f7ce21900b7448b8ad575ce3533d8bfd9c6b6415a8c523454145c4c6306531fbe2bf0",
            "979002fd79fa707dea23d8bcd180662617c0a8b7a1dec7c63eeaf3156571c1e0f97f418b6d278dedf0d07fe027aea8f3",
            "70d020503cdf7225ba8d0d1c1374c0580382f2880aaf82b7bab3a93f0bb40c91c6000d00120010040308040401050308",
            "05050108060601003304ef04ed3a3a00010011ec04c0fba42d89e82e616023e892af4a115a4bc5272dd77199ea670f92",
            "7605acbd8607741e878836d92b9b35b9c3183b02621c5b6bca8ea93433dc4ad8abaabfc6a69e639d4ac391e9862609bc",
            "4ef0c1ba8b674f981cabe3f13007858a029b4d0ba12d170074ffb1468106cc91f9a394a947dbe32312b6936c26b0ad11",
            "4d54c496e3233c5c53c9f86c35043ab012f9b658040df4614db746075e708657784eb22b1d5e63247b7820e4431ace5a",
            "82a85c83bcd686ed3a64ee2b4c55159da00744e0103c74b351a2956d6ba54c54696ad3d742f7d389c257143402254e0c",
            "7e7f292d08a7ad896c485fc362a33c73958836c32675d97c4e79c9a92ee00bfd3939ecd09be3fc58e1247ae468848455",
            "391cd7291a140103a34f4b054a7e148c9b672cc2f29c4c0482dba0cc3239b32dc6973da04b499c820159a2ec9bba37c6",
            "661794cdbbb5bf98d30c4d627ece6a883139a287799591059b5ca949f82234c1960cdd51278152bd39f2b734c187a70c",
            "478bcc8908d335a2848ff4b0aeddb4491860a269a74e6b5875c201004a51b72ae79096ec7b5c508a25fc04e2f3a1f3b1",
            "5bfdc2673ce48a172b4faf175b9ae2750102a50b9893f93b06c2104b6ee73eed379713738d4090c80b30c3afc242a2e0",
            "022d8a9559d776069337c314c3ae346da1420465e3b8039635813185ae57ba77e6bc57f9c8afe0388ed228772caa7aaa",
            "5037a5234d7c4e7fe0372202add9e471248a87215c6c9a2838fdd0088e039405e62225580e326357c3a2a76f0b775ba0",
            "7ad451934a916e79c537f0c0ad56e0c939d142809b2b44d0c446f554e52770f3e8cba997a59aa86429304c33161d9806",
            "a42c4c4777d7cab66290d26381953276e42a7990214b45989b9a979da1674861da4cea454412ba980842b4e8852f26db",
            "1d94416d388826b66a727bb26a51a55ac5dca267cb765a8c0999794e2a1b21048527a4366c5e670f5c36b769b030673b",
            "6dee187250f637aeebae1f01260293124bf289246813a345011e04a3e107a27a2b4ab9f4bced961fc7f570116322dab9",
            "8986185ebce85f674c1bf0e4774d87055d1c2a239758eb20ae45588a294937a4a39361001863931e5d350ee0bc295022",
            "8631d49755d26988198cb6592a36e65710e1614f4608c5432138a3a7edca8520b9328aa3a3904028f7803a365194cbba",
            "86aeec8dec9711c7574baf0a8061b93762120b94923293c8cda3316f79509bdfe2328106714578130879c63270391508",
            "b29e984789067a1c59af71a807e6cb474e888773abb53ea87cced11a6ab6498c301630a65e9d37cd8e44abb18b9f97d2",
            "391eb22acc74c2f02633ae3649faf19efbe7b56ac6265b46354bba7197ecb8651c1dbeec4031a9cc3da48d8c6993905a",
            "8f0cf131a90a23af5b5b6bd2571dc15c3233a7f74ca3da76cc889a0eba3161790471da3542b4da57d9a1b2fc7c9a2693",
            "110828c405d19b8d6a0cec2a911c375c1d100671471401435cfc050b3039730de5ad30b78fd1fcb4ffa604d78ba6f729",
            "79db56008d903950e43385184b344b4ea2c0a331d8afb1954f567bb20ceb957bc72bb0c685a0f4176875107e47b59f2b",
            "4616901d0c9612e529204ea524222b39dad558deb07bda9919ae25635ff6b791e354b19f92175ed1635841072717a2e7",
            "bf8ea666d4ef0087ffe8ef74c50317c30c1406bb15e3a02606e2be51eea33beed8a3a6aef44a001d0020e3b270223362",
            "eb0f688b920f024370f2bcdc58f22ef5e7a32cbf318805e67113ff010001006a6a000100002901ca01a5019f02e41689",
            "2a2f1f90b8c577cb046e05e5df038964982ae7b5b00f2450f97b2820b6a503d15f01fd0e8abe4ab5bfe3383af1fed6b5",
            "efd49450f1b773050ed43c8d4623b7d61b9ba793ed8ac81530bf3630efc169e883047220d8b7cc3290375cf03a692176",
            "48b952c2c3635f8c1f713d175e0032846f1e8887e75485561dcf7cff2555ed833a4fa236df7cdf971eb6e186213d0779",
            "c6eeae1777582a0300a2668cfc948881278534c2e3c102667c8c84325e3d5e31efbae0fdcf31347540e03d8f3c3cbb94",
            "a113df6dbf9ae2bc54d14e27dd92cf0eb708e7c5ce73aec09c0f1e006110af1c9ffe2f41cca0982db2d0e329fe6296f6",
            "5b1d3d9c9bf55d88cd97fb1361c5c86a71f704b56819a5d0266d4214379df7ce093297ab2eddb69c3275c4cb98f25e4b",
            "a1849e81d7eccc52294c6aba5f750e5c5c1d41be5f42008870780b86d340108e6ef3c29362a678896d376245418ac27d",
            "e83e8de2ea309bd294d510a032ff47b5651bf2a8f53fd0bdf5b569576ef6b1ea249e3f2f4a88fdd99d54ce5b53d6935f",
            "1dcb4bb6ffeac2ad08f1d8882d54240048414d6a2b7a3e8a0e04cc81ca531600212096370dc60f1571e843667259d4e4",
            "eccda96828a23587ecde81ad55262c4c5968",
        ),
    },
    Profile {
        client: SimulatedClient::AppleMailIos9,
        label: "Mail on iOS 9",
        stands_for: "the Mail app of iOS 9.3",
        capture: "Mail on iOS 9.3.2",
        source: "testssl.sh `utils/update_client_sim_data.pl` (testssl.sh's own capture)",
        confidence: Confidence::Program,
        versions: (TlsVersion::Ssl3, TlsVersion::Tls10),
        dh_bits: (None, None),
        common: false,
        hello: concat!(
            "16030100bb010000b703015767e6ae46f9abf3138e26a9f9880f9697bf3387f7eff709db1fa220e692d80420fb04b097",
            "9bae1664e11ef172d4dfba15af59dd200b7831992a35c73cde9efed9003200ffc024c023c00ac009c008c028c027c014",
            "c013c012006b0067003900330016003d003c0035002f000ac007c011000500040100003c000000190017000014696d61",
            "702e73656374696f6e7a65726f2e6f7267000a00080006001700180019000b0002010000050005010000000000120000",
        ),
    },
    Profile {
        client: SimulatedClient::AppleMailOsx1011,
        label: "Apple Mail on OS X 10.11",
        stands_for: "Apple Mail on OS X 10.11 El Capitan",
        capture: "Apple Mail on OS X 10.11",
        source: "testssl.sh `utils/update_client_sim_data.pl` (testssl.sh's own capture)",
        confidence: Confidence::Program,
        versions: (TlsVersion::Tls10, TlsVersion::Tls10),
        dh_bits: (None, None),
        common: false,
        hello: concat!(
            "16030100940100009003015770e928499e82df2eb7477200e2a828d9fa4109514385bd1602df44aaf2b0f400003200ff",
            "c024c023c00ac009c008c028c027c014c013c012006b0067003900330016003d003c0035002f000ac007c01100050004",
            "0100003500000012001000000d3137382e3233372e33342e3932000a00080006001700180019000b0002010000050005",
            "010000000000120000",
        ),
    },
    Profile {
        client: SimulatedClient::AppleMail16,
        label: "Apple Mail 16",
        stands_for: "Apple Mail 16 (captured in May 2022, when macOS 12 was current)",
        capture: "Apple Mail 16.0",
        source: "testssl.sh `etc/client-simulation.wiresharked.txt` (testssl.sh's own capture)",
        confidence: Confidence::Program,
        versions: (TlsVersion::Tls10, TlsVersion::Tls12),
        dh_bits: (None, None),
        common: true,
        hello: concat!(
            "16030100a9010000a50303629610e27d8327bb7869cb85b066cd04b5c5caa9bfb14740edc358ac9dcd843b00002c00ff",
            "c02cc02bc024c023c00ac009c008c030c02fc028c027c014c013c012009d009c003d003c0035002f000a010000500000",
            "0013001100000e696d61702e676d61696c2e636f6d000a00080006001700180019000b00020100000d00120010040102",
            "010501060104030203050306030005000501000000000012000000170000",
        ),
    },
    Profile {
        client: SimulatedClient::Thunderbird45,
        label: "Thunderbird 45",
        stands_for: "Thunderbird 45",
        capture: "Thunderbird 45.1.1 on OS X 10.11",
        source: "testssl.sh `utils/update_client_sim_data.pl` (testssl.sh's own capture)",
        confidence: Confidence::Program,
        versions: (TlsVersion::Tls10, TlsVersion::Tls12),
        dh_bits: (None, None),
        common: false,
        hello: concat!(
            "160301009d010000990303c7c5b3ff80b3aa597c770c538b98ae34a94c9590ad8f947ba7bc28692061cb57000016c02b",
            "c02fc00ac009c013c01400330039002f0035000a0100005a0000001800160000136d78332e73656374696f6e7a65726f",
            "2e6f7267ff01000100000a00080006001700180019000b0002010000230000000500050100000000000d001600140401",
            "050106010201040305030603020304020202",
        ),
    },
    Profile {
        client: SimulatedClient::Thunderbird60,
        label: "Thunderbird 60",
        stands_for: "Thunderbird 60",
        capture: "Thunderbird 60.6",
        source: "testssl.sh `etc/client-simulation.wiresharked.txt` (testssl.sh's own capture)",
        confidence: Confidence::Program,
        versions: (TlsVersion::Tls10, TlsVersion::Tls13),
        dh_bits: (None, None),
        common: true,
        hello: concat!(
            "1603010200010001fc03039f5f6a4903cf739091fca37e8f43e6d173ffeb64905977b2dede05e061f3a24c20f958c20b",
            "0edd50e0716d108e1d6046178a8974d868c138eac8a6ab8becdf81cd001c130113031302c02bc02fcca9cca8c02cc030",
            "c013c014002f0035000a0100019700000013001100000e696d61702e676d61696c2e636f6d00170000ff01000100000a",
            "000e000c001d00170018001901000101000b00020100002300000005000501000000000033006b0069001d00200ff081",
            "04aea54116caac222c2b7661e05d852847fcfd6860a0ec2f09804bd5330017004104d7afd4ac669de5312ff866d84381",
            "723c1d5ff549d409658f9300644d76e33b5c953499a89bdb1fc8930587645bf3452a47fbe6e3f00a59e232c39c269791",
            "d871002b0009080304030303020301000d0018001604030503060308040805080604010501060102030201002d000201",
            "01001c00024001001500aa00000000000000000000000000000000000000000000000000000000000000000000000000",
            "000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000",
            "000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000",
            "00000000000000000000000000000000000000000000000000000000000000000000000000",
        ),
    },
    Profile {
        client: SimulatedClient::Thunderbird68,
        label: "Thunderbird 68",
        stands_for: "Thunderbird 68",
        capture: "Thunderbird 68.3",
        source: "testssl.sh `etc/client-simulation.wiresharked.txt` (testssl.sh's own capture)",
        confidence: Confidence::Program,
        versions: (TlsVersion::Tls10, TlsVersion::Tls13),
        dh_bits: (None, None),
        common: true,
        hello: concat!(
            "1603010200010001fc030342ffc6c8b96ea60586a63fe7d97ec8d5c962b55ccfe02177cd94c8ea42f7333e209c9b6129",
            "e250f6fb8127664d26a46c410a6c217d4c2c4dc49125edd7191043810024130113031302c02bc02fcca9cca8c02cc030",
            "c00ac009c013c01400330039002f0035000a0100018f00000013001100000e696d61702e676d61696c2e636f6d001700",
            "00ff01000100000a000e000c001d00170018001901000101000b00020100002300000005000501000000000033006b00",
            "69001d0020fb48d75e98e9e9c7a7aa32106b8856384f9af1e50f9bd45f2ae3dc349858741b00170041047138476a2fbf",
            "d6dc6fa4b351b99248abc20bf27ccb962445161036ec3df7bf7566e048374b72d4cbcf4526475a8a13bbaea75e592551",
            "4d6db1a4ae60f6a961fd002b0009080304030303020301000d0018001604030503060308040805080604010501060102",
            "030201002d00020101001c00024001001500a20000000000000000000000000000000000000000000000000000000000",
            "000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000",
            "000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000",
            "00000000000000000000000000000000000000000000000000000000000000000000000000",
        ),
    },
    Profile {
        client: SimulatedClient::Thunderbird91,
        label: "Thunderbird 91",
        stands_for: "Thunderbird 91",
        capture: "Thunderbird 91.9",
        source: "testssl.sh `etc/client-simulation.wiresharked.txt` (testssl.sh's own capture)",
        confidence: Confidence::Program,
        versions: (TlsVersion::Tls12, TlsVersion::Tls13),
        dh_bits: (None, None),
        common: true,
        hello: concat!(
            "1603010200010001fc030398fea60c514a1aa7931c86651b3486f0f9caca127093a7b213b8ea135f0a89ad20f2f096a2",
            "f33d57fe91ad3398b3e76d5d5620eafc6cffa6586b230d207f8912bf0024130113031302c02bc02fcca9cca8c02cc030",
            "c00ac009c013c014009c009d002f0035000a0100018f00000011000f00000c696d61702e676d782e6e657400170000ff",
            "01000100000a000e000c001d00170018001901000101000b00020100002300000005000501000000000022000a000804",
            "030503060302030033006b0069001d00208a798abebb2289f6cd1d87d0e79b101714dd6d21832c95cc0900c246a74189",
            "470017004104e84182d790cbb409acc446aa7b2da35b9d91e5c3ab9a1306f3a737092c06616f9f0373483fa3f41dbbbc",
            "fb1c51ecb6994c796787ce2f516fe860905f35dd48db002b00050403040303000d001800160403050306030804080508",
            "0604010501060102030201002d00020101001c000240010015009a000000000000000000000000000000000000000000",
            "000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000",
            "000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000",
            "00000000000000000000000000000000000000000000000000000000000000000000000000",
        ),
    },
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn profiles_follow_the_client_order() {
        for (profile, client) in PROFILES.iter().zip(SimulatedClient::ALL) {
            assert_eq!(profile.client, client);
            assert_eq!(Profile::of(client).client, client);
            assert!(profile.versions.0 <= profile.versions.1, "{client:?}");
        }
    }
}
