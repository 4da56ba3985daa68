//! The tally: every sighting lands on its account, as one of the account's usages (a way of
//! connecting: service, protection, server name, port, program), and on its day. Memory grows
//! with the accounts and their distinct usages, never with the log: both are capped, and what
//! the caps leave out is counted.

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;

use super::sighting::{ClientId, Protection, Service, Sighting};
use super::stamp::{Date, LogTime};

/// Most accounts kept (a provider's whole customer base fits; a hostile log does not exhaust
/// memory).
pub const ACCOUNTS_CAP: usize = 2_000_000;
/// Most distinct usages kept per account.
pub const USAGES_CAP: usize = 32;
/// Most days kept for the chart (ten years).
pub const DAYS_CAP: usize = 3_660;

/// One way an account connected, and how often.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Usage {
    pub service: Service,
    pub protection: Protection,
    pub cipher: Option<String>,
    pub server_name: Option<String>,
    pub port: Option<u16>,
    pub client: Option<ClientId>,
    pub first_seen: Option<LogTime>,
    pub last_seen: Option<LogTime>,
    pub count: u64,
}

/// What makes two logins the same way of connecting.
type Way<'a> = (
    Service,
    Protection,
    Option<&'a str>,
    Option<u16>,
    Option<&'a ClientId>,
);

impl Usage {
    fn way(&self) -> Way<'_> {
        (
            self.service,
            self.protection,
            self.server_name.as_deref(),
            self.port,
            self.client.as_ref(),
        )
    }
}

impl Sighting {
    fn way(&self) -> Way<'_> {
        (
            self.service,
            self.protection,
            self.server_name.as_deref(),
            self.port,
            self.client.as_ref(),
        )
    }
}

/// An account and its usages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    /// As first logged (the key is its lower case).
    pub name: String,
    pub usages: Vec<Usage>,
}

/// One day's logins.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct DayCount {
    pub logins: u64,
    /// Logins with SSL 3.0, TLS 1.0 or 1.1.
    pub breaking: u64,
    /// Logins without TLS (settled with the rest of the log, see [`Protection::settled`]).
    pub plaintext: u64,
    #[serde(skip)]
    pub no_tls_element: u64,
}

/// Everything counted so far.
#[derive(Debug, Default)]
pub struct Tally {
    accounts: HashMap<String, Account>,
    days: BTreeMap<Date, DayCount>,
    pub logins: u64,
    /// Logins of accounts beyond [`ACCOUNTS_CAP`].
    pub accounts_left_out: u64,
    /// Logins whose usage was beyond [`USAGES_CAP`] for their account.
    pub usages_left_out: u64,
    /// Logins on days beyond [`DAYS_CAP`], or without a date.
    pub undated: u64,
}

impl Tally {
    pub fn add(&mut self, sighting: Sighting) {
        self.logins += 1;
        self.count_day(&sighting);
        // Most logs write accounts in lower case: then the name is its own key, found without
        // an allocation.
        let lowered = sighting
            .account
            .bytes()
            .any(|b| b.is_ascii_uppercase() || !b.is_ascii())
            .then(|| sighting.account.to_lowercase());
        let key = lowered.as_deref().unwrap_or(&sighting.account);
        if !self.accounts.contains_key(key) {
            if self.accounts.len() >= ACCOUNTS_CAP {
                self.accounts_left_out += 1;
                return;
            }
            self.accounts.insert(
                key.to_owned(),
                Account {
                    name: sighting.account.clone(),
                    usages: Vec::new(),
                },
            );
        }
        let Some(account) = self.accounts.get_mut(key) else {
            return;
        };
        if let Some(usage) = account
            .usages
            .iter_mut()
            .find(|u| u.way() == sighting.way())
        {
            usage.count += 1;
            usage.first_seen = earliest(usage.first_seen, sighting.time);
            usage.last_seen = latest(usage.last_seen, sighting.time);
            if sighting.cipher.is_some() {
                usage.cipher = sighting.cipher;
            }
            return;
        }
        if account.usages.len() >= USAGES_CAP {
            self.usages_left_out += 1;
            return;
        }
        account.usages.push(Usage {
            service: sighting.service,
            protection: sighting.protection,
            cipher: sighting.cipher,
            server_name: sighting.server_name,
            port: sighting.port,
            client: sighting.client,
            first_seen: sighting.time,
            last_seen: sighting.time,
            count: 1,
        });
    }

    fn count_day(&mut self, sighting: &Sighting) {
        let Some(time) = sighting.time else {
            self.undated += 1;
            return;
        };
        if !self.days.contains_key(&time.date) && self.days.len() >= DAYS_CAP {
            self.undated += 1;
            return;
        }
        let day = self.days.entry(time.date).or_default();
        day.logins += 1;
        match sighting.protection {
            protection if protection.breaks_at_switch_off() => day.breaking += 1,
            Protection::None => day.plaintext += 1,
            Protection::NoTlsElement => day.no_tls_element += 1,
            _ => {}
        }
    }

    /// The accounts (in no order) with [`Protection::NoTlsElement`] settled and usages merged
    /// where settling made them the same, most recent first; and the days, settled likewise.
    pub fn settle(self, dovecot_logs_tls_elements: bool) -> (Vec<Account>, Vec<(Date, DayCount)>) {
        let accounts: Vec<Account> = self
            .accounts
            .into_values()
            .map(|mut account| {
                // Only a login without a TLS element changes when settled (and may then be the
                // same as another usage).
                if account
                    .usages
                    .iter()
                    .any(|u| u.protection == Protection::NoTlsElement)
                {
                    let mut usages: Vec<Usage> = Vec::with_capacity(account.usages.len());
                    for mut usage in account.usages {
                        usage.protection = usage.protection.settled(dovecot_logs_tls_elements);
                        match usages.iter_mut().find(|u| u.way() == usage.way()) {
                            Some(same) => {
                                same.count += usage.count;
                                same.first_seen = earliest(same.first_seen, usage.first_seen);
                                same.last_seen = latest(same.last_seen, usage.last_seen);
                            }
                            None => usages.push(usage),
                        }
                    }
                    account.usages = usages;
                }
                account
                    .usages
                    .sort_by_key(|usage| std::cmp::Reverse(usage.last_seen));
                account
            })
            .collect();
        let days = self
            .days
            .into_iter()
            .map(|(date, mut day)| {
                if dovecot_logs_tls_elements {
                    day.plaintext += day.no_tls_element;
                }
                day.no_tls_element = 0;
                (date, day)
            })
            .collect();
        (accounts, days)
    }
}

fn earliest(a: Option<LogTime>, b: Option<LogTime>) -> Option<LogTime> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

fn latest(a: Option<LogTime>, b: Option<LogTime>) -> Option<LogTime> {
    a.max(b)
}

#[cfg(test)]
mod tests {
    use super::*;
    use mailtls_shared::TlsVersion;

    fn at(day: u8, seconds: u32) -> Option<LogTime> {
        Some(LogTime {
            date: Date {
                year: 2026,
                month: 12,
                day,
            },
            seconds,
        })
    }

    fn sighting(account: &str, protection: Protection, time: Option<LogTime>) -> Sighting {
        Sighting {
            account: account.into(),
            service: Service::Imap,
            protection,
            cipher: None,
            server_name: None,
            port: Some(993),
            client: None,
            time,
        }
    }

    #[test]
    fn repeated_logins_count_on_one_usage_with_first_and_last_seen() {
        let mut tally = Tally::default();
        let tls10 = Protection::Tls(TlsVersion::Tls10);
        tally.add(sighting("Alice@Example.test", tls10, at(5, 100)));
        tally.add(sighting("alice@example.test", tls10, at(3, 50)));
        tally.add(sighting("alice@example.test", tls10, at(4, 70)));
        tally.add(sighting(
            "alice@example.test",
            Protection::Tls(TlsVersion::Tls13),
            at(4, 80),
        ));
        let (accounts, days) = tally.settle(true);
        assert_eq!(accounts.len(), 1);
        assert_eq!(accounts[0].name, "Alice@Example.test");
        let usages = &accounts[0].usages;
        assert_eq!(usages.len(), 2);
        assert_eq!(usages[0].protection, tls10, "the most recent usage first");
        assert_eq!(
            (usages[0].count, usages[0].first_seen, usages[0].last_seen),
            (3, at(3, 50), at(5, 100))
        );
        let breaking: Vec<(String, u64)> = days
            .iter()
            .map(|(date, day)| (date.to_string(), day.breaking))
            .collect();
        assert_eq!(
            breaking,
            [
                ("2026-12-03".to_owned(), 1),
                ("2026-12-04".to_owned(), 1),
                ("2026-12-05".to_owned(), 1)
            ]
        );
    }

    #[test]
    fn logins_without_a_tls_element_settle_as_plain_text_or_unknown() {
        let build = || {
            let mut tally = Tally::default();
            tally.add(sighting("bob@x.test", Protection::NoTlsElement, at(5, 1)));
            tally.add(sighting("bob@x.test", Protection::None, at(5, 2)));
            tally
        };
        let (accounts, days) = build().settle(true);
        assert_eq!(accounts[0].usages.len(), 1, "merged once settled");
        assert_eq!(accounts[0].usages[0].protection, Protection::None);
        assert_eq!(accounts[0].usages[0].count, 2);
        assert_eq!(days[0].1.plaintext, 2);
        let (accounts, days) = build().settle(false);
        assert_eq!(accounts[0].usages.len(), 2);
        assert_eq!(days[0].1.plaintext, 1);
    }

    #[test]
    fn usages_beyond_the_cap_are_counted_not_kept() {
        let mut tally = Tally::default();
        for port in 0..(USAGES_CAP as u16 + 3) {
            let mut seen = sighting("c@x.test", Protection::None, None);
            seen.port = Some(port);
            tally.add(seen);
        }
        assert_eq!((tally.usages_left_out, tally.undated), (3, 35));
        let (accounts, days) = tally.settle(true);
        assert_eq!(accounts[0].usages.len(), USAGES_CAP);
        assert!(days.is_empty());
    }
}
