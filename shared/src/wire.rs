//! The names enum values have in the JSON API (`TLSv1.2`, `no_modern_tls`), declared once.
//!
//! Every enum of the API is declared through [`wire_enum!`], which writes each variant's wire
//! name exactly once and derives from it everything that reads or writes the name: serde's
//! `Serialize` (so utoipa's OpenAPI schema sees the same names), `Deserialize`, the page's
//! [`crate::json`] reader, and [`Wire::wire_name`] for labels, metrics and the `data-*` hooks
//! of styles and tests. A second spelling of a name cannot exist.

/// An enum whose values travel as strings.
pub trait Wire: Sized + Copy + 'static {
    /// Every value, in declaration order.
    const VALUES: &'static [Self];

    /// The name this value has on the wire.
    fn wire_name(self) -> &'static str;

    /// The value with this wire name.
    fn from_wire_name(name: &str) -> Option<Self> {
        Self::VALUES
            .iter()
            .copied()
            .find(|value| value.wire_name() == name)
    }
}

/// The name `value` has in the JSON API (`TLSv1.2`, `no_modern_tls`, `forbidden_address`).
pub fn wire_name<T: Wire>(value: &T) -> &'static str {
    value.wire_name()
}

/// `Deserialize` through [`Wire::from_wire_name`]: one small function per enum instead of
/// serde's derived visitor (those cost the page kilobytes of WebAssembly).
pub fn deserialize<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Wire,
{
    let name = <std::borrow::Cow<'de, str> as serde::Deserialize>::deserialize(deserializer)?;
    T::from_wire_name(&name)
        .ok_or_else(|| serde::de::Error::custom(format!("unknown value {name:?}")))
}

/// Declares an API enum with each variant's wire name: `Tls12 = "TLSv1.2"`.
///
/// Attributes (docs, derives, `cfg_attr`) pass through; the macro adds `Serialize` (with the
/// names as serde renames, which utoipa reads too), `Deserialize`, [`Wire`] and
/// [`crate::json::Decode`].
///
/// (The names are matched as `tt`, not `literal`: a `literal` fragment reaches derive macros
/// wrapped in an invisible group, which serde reads but utoipa does not — the OpenAPI document
/// would list the Rust names. The OpenAPI test in `probe-api` holds this.)
macro_rules! wire_enum {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident {
            $( $(#[$variant_meta:meta])* $variant:ident = $wire:tt ),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(serde::Serialize)]
        $vis enum $name {
            $( $(#[$variant_meta])* #[serde(rename = $wire)] $variant ),+
        }

        impl $crate::wire::Wire for $name {
            const VALUES: &'static [Self] = &[$($name::$variant),+];

            fn wire_name(self) -> &'static str {
                match self {
                    $($name::$variant => $wire),+
                }
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                $crate::wire::deserialize(deserializer)
            }
        }

        impl $crate::json::Decode for $name {
            fn decode(value: $crate::json::Json) -> Option<Self> {
                <Self as $crate::wire::Wire>::from_wire_name(value.as_str()?)
            }
        }
    };
}
pub(crate) use wire_enum;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::{ErrorCode, TlsVersion, Verdict};

    wire_enum! {
        /// A test enum.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        enum Sample {
            /// The first.
            First = "first-one",
            Second = "SECOND.2",
        }
    }

    #[test]
    fn one_declaration_gives_serde_the_same_names() {
        for &value in Sample::VALUES {
            let json = serde_json::to_string(&value).expect("JSON");
            assert_eq!(json, format!("\"{}\"", value.wire_name()));
            assert_eq!(serde_json::from_str::<Sample>(&json).expect("read"), value);
            assert_eq!(crate::json::from_str::<Sample>(&json), Ok(value));
        }
        assert_eq!(Sample::from_wire_name("SECOND.2"), Some(Sample::Second));
        assert_eq!(Sample::from_wire_name("second"), None);
    }

    #[test]
    fn an_unknown_name_is_an_error_that_names_it() {
        let error = serde_json::from_str::<Sample>("\"third\"").expect_err("unknown");
        assert!(
            error.to_string().contains("unknown value \"third\""),
            "{error}"
        );
        assert_eq!(
            crate::json::from_str::<Sample>("\"third\""),
            Err(crate::json::JsonError::Shape)
        );
        assert_eq!(
            crate::json::from_str::<Sample>("1"),
            Err(crate::json::JsonError::Shape)
        );
    }

    #[test]
    fn names_of_the_api() {
        assert_eq!(wire_name(&TlsVersion::Tls12), "TLSv1.2");
        assert_eq!(wire_name(&Verdict::NoModernTls), "no_modern_tls");
        assert_eq!(wire_name(&ErrorCode::ForbiddenAddress), "forbidden_address");
    }
}
