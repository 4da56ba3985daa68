//! Log timestamps: the shapes mail logs start with, read into a [`LogTime`] (date and time as
//! the log wrote them; an offset, where given, is not applied: a provider's logs share one
//! clock, and the audit counts days, not instants).
//!
//! - traditional syslog, Postfix's `maillog_file`, Dovecot's `log_path` and `journalctl`'s
//!   default: `Dec  5 07:33:42`, `Dec 05 07:33:42` (no year);
//! - with a year: `Dec  5 2026 07:33:42` and `2026 Dec  5 07:33:42`;
//! - ISO 8601 / RFC 3339 (rsyslog's default file format on Debian 12, `journalctl -o
//!   short-iso`, `short-iso-precise`): `2026-12-05T07:33:42+0000`, `…T07:33:42.123456+01:00`,
//!   `…Z`, and Dovecot's `log_timestamp = "%Y-%m-%d %H:%M:%S "`: `2026-12-05 07:33:42`.
//!
//! A timestamp without a year gets the year of a reference date (the file's modification time,
//! or today for standard input), or the year before when its month lies after the reference's
//! month: a file written in January holds December's lines of the year before.

use serde::Serialize;

/// A calendar date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Date {
    pub year: u16,
    pub month: u8,
    pub day: u8,
}

impl Date {
    /// The date of a Unix time (seconds since 1970, UTC): Howard Hinnant's `civil_from_days`.
    pub fn from_unix(seconds: i64) -> Date {
        let days = seconds.div_euclid(86_400);
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = doy - (153 * mp + 2) / 5 + 1;
        let month = if mp < 10 { mp + 3 } else { mp - 9 };
        let year = yoe + era * 400 + i64::from(month <= 2);
        Date {
            year: u16::try_from(year.clamp(0, 9999)).unwrap_or(0),
            month: u8::try_from(month).unwrap_or(1),
            day: u8::try_from(day).unwrap_or(1),
        }
    }

    /// The date of a file's modification time, or of now.
    pub fn of(time: std::time::SystemTime) -> Date {
        let seconds = match time.duration_since(std::time::UNIX_EPOCH) {
            Ok(since) => i64::try_from(since.as_secs()).unwrap_or(i64::MAX),
            Err(before) => -i64::try_from(before.duration().as_secs()).unwrap_or(i64::MAX),
        };
        Date::from_unix(seconds)
    }
}

impl std::fmt::Display for Date {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

impl Serialize for Date {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

/// A date and a time of day, as the log wrote them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct LogTime {
    pub date: Date,
    /// Seconds since midnight.
    pub seconds: u32,
}

impl std::fmt::Display for LogTime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (h, m, s) = (
            self.seconds / 3600,
            self.seconds / 60 % 60,
            self.seconds % 60,
        );
        write!(f, "{} {h:02}:{m:02}:{s:02}", self.date)
    }
}

impl Serialize for LogTime {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

/// Reads the timestamp at the start of `line`; returns it and the rest of the line after the
/// blank that ends it. `reference` supplies the year where the line has none.
pub fn parse(line: &[u8], reference: Date) -> Option<(LogTime, &[u8])> {
    match line.first()? {
        b'0'..=b'9' => parse_numeric(line),
        _ => parse_month_first(line, reference),
    }
}

/// `Dec  5 07:33:42`, `Dec 05 07:33:42`, `Dec  5 2026 07:33:42`.
fn parse_month_first(line: &[u8], reference: Date) -> Option<(LogTime, &[u8])> {
    let month = month(line.get(..3)?)?;
    let rest = line.get(3..)?.strip_prefix(b" ")?;
    let rest = rest.strip_prefix(b" ").unwrap_or(rest);
    let (day, rest) = digits(rest, 1, 2)?;
    let rest = rest.strip_prefix(b" ")?;
    // `2026 07:…` or `07:…`.
    let (year, rest) = match digits(rest, 4, 4) {
        Some((year, after)) if after.first() == Some(&b' ') => (Some(year), &after[1..]),
        _ => (None, rest),
    };
    let (seconds, rest) = time_of_day(rest)?;
    let year = match year {
        Some(year) => u16::try_from(year).ok()?,
        None if month > reference.month => reference.year.checked_sub(1)?,
        None => reference.year,
    };
    let date = date(year, month, day)?;
    Some((LogTime { date, seconds }, blank(rest)?))
}

/// `2026-12-05T07:33:42[.frac][Z|±hh:mm|±hhmm]`, `2026-12-05 07:33:42`,
/// `2026 Dec  5 07:33:42`.
fn parse_numeric(line: &[u8]) -> Option<(LogTime, &[u8])> {
    let (year, rest) = digits(line, 4, 4)?;
    let year = u16::try_from(year).ok()?;
    if let Some(rest) = rest.strip_prefix(b" ") {
        let month = month(rest.get(..3)?)?;
        let rest = rest.get(3..)?.strip_prefix(b" ")?;
        let rest = rest.strip_prefix(b" ").unwrap_or(rest);
        let (day, rest) = digits(rest, 1, 2)?;
        let (seconds, rest) = time_of_day(rest.strip_prefix(b" ")?)?;
        let date = date(year, month, day)?;
        return Some((LogTime { date, seconds }, blank(rest)?));
    }
    let rest = rest.strip_prefix(b"-")?;
    let (month, rest) = digits(rest, 2, 2)?;
    let rest = rest.strip_prefix(b"-")?;
    let (day, rest) = digits(rest, 2, 2)?;
    let rest = rest
        .strip_prefix(b"T")
        .or_else(|| rest.strip_prefix(b" "))?;
    let (seconds, mut rest) = time_of_day(rest)?;
    if let Some(fraction) = rest.strip_prefix(b".").or_else(|| rest.strip_prefix(b",")) {
        let digits = fraction.iter().take_while(|b| b.is_ascii_digit()).count();
        if digits == 0 {
            return None;
        }
        rest = &fraction[digits..];
    }
    if let Some(after) = rest.strip_prefix(b"Z") {
        rest = after;
    } else if matches!(rest.first(), Some(b'+' | b'-')) {
        let (_, after) = digits(&rest[1..], 2, 2)?;
        let after = after.strip_prefix(b":").unwrap_or(after);
        let (_, after) = digits(after, 2, 2)?;
        rest = after;
    }
    let date = date(year, u8::try_from(month).ok()?, day)?;
    Some((LogTime { date, seconds }, blank(rest)?))
}

/// `Jan` → 1 … `Dec` → 12 (a match on the bytes: this runs on every line).
fn month(name: &[u8]) -> Option<u8> {
    Some(match name {
        b"Jan" => 1,
        b"Feb" => 2,
        b"Mar" => 3,
        b"Apr" => 4,
        b"May" => 5,
        b"Jun" => 6,
        b"Jul" => 7,
        b"Aug" => 8,
        b"Sep" => 9,
        b"Oct" => 10,
        b"Nov" => 11,
        b"Dec" => 12,
        _ => return None,
    })
}

/// Between `min` and `max` ASCII digits at the start of `text`, and what follows.
fn digits(text: &[u8], min: usize, max: usize) -> Option<(u32, &[u8])> {
    let count = text
        .iter()
        .take(max)
        .take_while(|b| b.is_ascii_digit())
        .count();
    if count < min {
        return None;
    }
    let value = text[..count]
        .iter()
        .fold(0u32, |value, digit| value * 10 + u32::from(digit - b'0'));
    Some((value, &text[count..]))
}

/// `hh:mm:ss`, as seconds since midnight.
fn time_of_day(text: &[u8]) -> Option<(u32, &[u8])> {
    let (h, rest) = digits(text, 2, 2)?;
    let (m, rest) = digits(rest.strip_prefix(b":")?, 2, 2)?;
    let (s, rest) = digits(rest.strip_prefix(b":")?, 2, 2)?;
    // 60 is a leap second.
    (h < 24 && m < 60 && s <= 60).then_some((h * 3600 + m * 60 + s, rest))
}

fn date(year: u16, month: u8, day: u32) -> Option<Date> {
    let day = u8::try_from(day).ok()?;
    let leap = year.is_multiple_of(4) && (!year.is_multiple_of(100) || year.is_multiple_of(400));
    let last = match month {
        2 if leap => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        1..=12 => 31,
        _ => return None,
    };
    (1..=last)
        .contains(&day)
        .then_some(Date { year, month, day })
}

/// The rest after the blank that ends a timestamp (an empty rest is allowed).
fn blank(rest: &[u8]) -> Option<&[u8]> {
    match rest.first() {
        None => Some(rest),
        Some(b' ') => Some(&rest[1..]),
        Some(_) => None,
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// The date the audit's tests take as today (a reference for years).
    pub(crate) const DEC_2026: Date = Date {
        year: 2026,
        month: 12,
        day: 5,
    };

    fn read(line: &str, reference: Date) -> Option<(String, String)> {
        parse(line.as_bytes(), reference)
            .map(|(time, rest)| (time.to_string(), String::from_utf8_lossy(rest).into_owned()))
    }

    #[test]
    fn every_timestamp_shape_reads_to_the_same_time() {
        let cases = [
            "Dec  5 07:33:42 mx postfix/smtpd[1]: x",
            "Dec 05 07:33:42 mx postfix/smtpd[1]: x",
            "Dec  5 2026 07:33:42 mx postfix/smtpd[1]: x",
            "2026 Dec  5 07:33:42 mx postfix/smtpd[1]: x",
            "2026-12-05T07:33:42+0000 mx postfix/smtpd[1]: x",
            "2026-12-05T07:33:42.123456+01:00 mx postfix/smtpd[1]: x",
            "2026-12-05T07:33:42Z mx postfix/smtpd[1]: x",
            "2026-12-05 07:33:42 mx postfix/smtpd[1]: x",
        ];
        for line in cases {
            assert_eq!(
                read(line, DEC_2026),
                Some((
                    "2026-12-05 07:33:42".to_owned(),
                    "mx postfix/smtpd[1]: x".to_owned()
                )),
                "{line}"
            );
        }
    }

    #[test]
    fn a_missing_year_comes_from_the_reference_and_december_lines_in_january_are_last_year() {
        let january = Date {
            year: 2027,
            month: 1,
            day: 2,
        };
        assert_eq!(
            read("Dec 31 23:59:59 x", january).map(|(t, _)| t),
            Some("2026-12-31 23:59:59".to_owned())
        );
        assert_eq!(
            read("Jan  1 00:00:01 x", january).map(|(t, _)| t),
            Some("2027-01-01 00:00:01".to_owned())
        );
        assert_eq!(
            read("Feb 29 10:00:00 x", DEC_2026),
            None,
            "2026 is no leap year"
        );
    }

    #[test]
    fn what_is_no_timestamp_is_refused() {
        for line in [
            "",
            "Dez  5 07:33:42 x",
            "Dec 32 07:33:42 x",
            "Dec  5 24:00:00 x",
            "Dec  5 07:33 x",
            "2026-13-05T07:33:42 x",
            "2026-12-05T07:33:42.+00:00 x",
            "2026-12-05T07:33:42+0 x",
            "2026-12-05X07:33:42 x",
            "Dec  5 07:33:42x",
            "\u{0}\u{1}garbage",
        ] {
            assert_eq!(read(line, DEC_2026), None, "{line:?}");
        }
    }

    #[test]
    fn unix_times_become_dates() {
        assert_eq!(Date::from_unix(0).to_string(), "1970-01-01");
        assert_eq!(Date::from_unix(951_782_400).to_string(), "2000-02-29");
        assert_eq!(Date::from_unix(1_796_428_800).to_string(), "2026-12-05");
        assert_eq!(Date::from_unix(-86_400).to_string(), "1969-12-31");
    }
}
