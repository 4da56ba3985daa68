//! Pseudonyms for sharing the statistics: every account name becomes `acct-` and the first 16
//! hex digits of HMAC-SHA-256 over its lower case, keyed with a secret the provider keeps. The
//! same key gives the same pseudonym in every run (progress can be compared week by week);
//! without the key, names cannot be tested against a guess. Check links are dropped: they
//! carry the address.

use std::path::Path;

use ring::hmac;

use super::report::{AuditReport, sort_accounts};

/// The shortest key accepted, in bytes.
pub const MIN_KEY_BYTES: usize = 16;

/// Why a key file cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("{path}: {source}")]
    Read {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "{path}: the key has {length} bytes; a pseudonym key needs at least {MIN_KEY_BYTES} \
         (for example: head -c 32 /dev/urandom > {path})"
    )]
    TooShort { path: String, length: usize },
}

/// A pseudonym key.
pub struct Key(hmac::Key);

impl std::fmt::Debug for Key {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Key(…)")
    }
}

impl Key {
    /// Reads the key from a file (its bytes as they are).
    pub fn read(path: &Path) -> Result<Key, KeyError> {
        let name = path.display().to_string();
        let bytes = std::fs::read(path).map_err(|source| KeyError::Read {
            path: name.clone(),
            source,
        })?;
        Key::new(&bytes).ok_or(KeyError::TooShort {
            path: name,
            length: bytes.len(),
        })
    }

    pub fn new(bytes: &[u8]) -> Option<Key> {
        (bytes.len() >= MIN_KEY_BYTES).then(|| Key(hmac::Key::new(hmac::HMAC_SHA256, bytes)))
    }

    /// The pseudonym of `account`.
    pub fn pseudonym(&self, account: &str) -> String {
        let tag = hmac::sign(&self.0, account.to_lowercase().as_bytes());
        let hex: String = tag.as_ref()[..8]
            .iter()
            .map(|byte| format!("{byte:02x}"))
            .collect();
        format!("acct-{hex}")
    }
}

/// Replaces every account name by its pseudonym and drops the links.
pub fn apply(report: &mut AuditReport, key: &Key) {
    for account in &mut report.accounts {
        account.account = key.pseudonym(&account.account);
        account.link = None;
    }
    report.pseudonymised = true;
    sort_accounts(&mut report.accounts);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pseudonyms_are_stable_per_key_case_blind_and_differ_between_keys() {
        let key = Key::new(&[7; 32]).expect("key");
        let other = Key::new(&[8; 32]).expect("key");
        let alice = key.pseudonym("Alice@Example.test");
        assert_eq!(alice, key.pseudonym("alice@example.test"));
        assert_ne!(alice, other.pseudonym("alice@example.test"));
        assert_ne!(alice, key.pseudonym("bob@example.test"));
        assert!(
            alice.starts_with("acct-") && alice.len() == 5 + 16,
            "{alice}"
        );
        assert!(!alice.contains("alice"));
        assert!(Key::new(&[1; MIN_KEY_BYTES - 1]).is_none());
    }
}
