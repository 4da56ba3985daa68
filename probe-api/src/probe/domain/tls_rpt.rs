//! TLS-RPT (RFC 8460 §3): the `_smtp._tls` TXT record that tells senders where to send daily
//! reports of failed TLS deliveries.

use thiserror::Error;

use super::dns::{RecordChoice, versioned_record};

/// Why the record is not usable.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum RecordError {
    #[error("there are {0} records starting with v=TLSRPTv1; exactly one is allowed")]
    Several(usize),
    #[error("the record is {0} bytes long")]
    TooLong(usize),
    #[error("the record is not text")]
    NotText,
    #[error("the record does not start with v=TLSRPTv1")]
    Version,
    #[error("the record has no rua= field")]
    MissingRua,
    #[error("{0:?} is not a mailto: or https: address for reports")]
    InvalidUri(String),
}

impl From<RecordChoice> for RecordError {
    fn from(choice: RecordChoice) -> Self {
        match choice {
            RecordChoice::Several(count) => RecordError::Several(count),
            RecordChoice::TooLong(len) => RecordError::TooLong(len),
            RecordChoice::NotText => RecordError::NotText,
        }
    }
}

/// The report addresses (`rua`) of the one `v=TLSRPTv1` record among `records`; `Ok(None)` when
/// there is none.
pub fn parse(records: &[Result<&[u8], usize>]) -> Result<Option<Vec<String>>, RecordError> {
    let Some(text) = versioned_record(records, b"v=TLSRPTv1")? else {
        return Ok(None);
    };
    let mut fields = text
        .split(';')
        .map(str::trim)
        .filter(|field| !field.is_empty());
    if fields.next() != Some("v=TLSRPTv1") {
        return Err(RecordError::Version);
    }
    let rua = fields
        .find_map(|field| field.strip_prefix("rua="))
        .ok_or(RecordError::MissingRua)?;
    let mut uris = Vec::new();
    for uri in rua.split(',').map(str::trim) {
        let valid = uri
            .strip_prefix("mailto:")
            .map(|address| address.contains('@'))
            .or_else(|| uri.strip_prefix("https://").map(|rest| !rest.is_empty()))
            .unwrap_or(false)
            && !uri.contains(|c: char| c.is_whitespace() || c.is_control());
        if !valid {
            return Err(RecordError::InvalidUri(uri.chars().take(80).collect()));
        }
        uris.push(uri.to_owned());
    }
    Ok(Some(uris))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(text: &str) -> Result<Option<Vec<String>>, RecordError> {
        parse(&[Ok(text.as_bytes())])
    }

    #[test]
    fn records() {
        assert_eq!(
            one("v=TLSRPTv1; rua=mailto:tlsrpt@firma.de"),
            Ok(Some(vec!["mailto:tlsrpt@firma.de".into()]))
        );
        assert_eq!(
            one("v=TLSRPTv1;rua=mailto:a@firma.de,https://reports.firma.de/tls;"),
            Ok(Some(vec![
                "mailto:a@firma.de".into(),
                "https://reports.firma.de/tls".into()
            ]))
        );
        assert_eq!(one("v=spf1 -all"), Ok(None));
        assert_eq!(parse(&[]), Ok(None));
        assert_eq!(one("v=TLSRPTv1;"), Err(RecordError::MissingRua));
        assert_eq!(
            one("v=TLSRPTv1; rua=http://firma.de"),
            Err(RecordError::InvalidUri("http://firma.de".into()))
        );
        assert_eq!(
            one("v=TLSRPTv1; rua=mailto:nobody"),
            Err(RecordError::InvalidUri("mailto:nobody".into()))
        );
        assert_eq!(
            parse(&[
                Ok(b"v=TLSRPTv1; rua=mailto:a@b.de"),
                Ok(b"v=TLSRPTv1; rua=mailto:c@d.de")
            ]),
            Err(RecordError::Several(2))
        );
        assert_eq!(parse(&[Err(5000)]), Err(RecordError::TooLong(5000)));
    }
}
