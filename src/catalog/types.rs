//! Validated domain values: slugs, jurisdiction codes and the catalog's enumerations.
//! A value of these types can only be built valid, so operations take them, not strings.

use std::fmt;

use super::error::CatalogError;
use crate::catalog::error::CatalogResult;

/// A URL-safe identifier: 1 to 100 lowercase ASCII letters, digits and single hyphens,
/// neither starting nor ending with a hyphen.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Slug(String);

impl Slug {
    /// Parses `value` as a slug, naming `field` in the error.
    pub fn parse(field: &str, value: &str) -> Result<Self, CatalogError> {
        let ok = !value.is_empty()
            && value.len() <= 100
            && value
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            && !value.starts_with('-')
            && !value.ends_with('-')
            && !value.contains("--");
        if ok {
            Ok(Self(value.to_owned()))
        } else {
            Err(CatalogError::bad_input(
                field,
                format!(
                    "`{}` is not a slug: use 1-100 lowercase letters, digits and single hyphens",
                    truncate(value)
                ),
            ))
        }
    }

    /// The slug as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Slug {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Declares a checked text value: built only by its parser in `validate`, read as `&str`,
/// stored as its text.
macro_rules! checked_text {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        pub struct $name(pub(crate) String);

        impl $name {
            /// The value as text.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl From<$name> for String {
            fn from(value: $name) -> Self {
                value.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

checked_text!(
    /// An http or https URL with a host and no spaces (`validate::url`).
    HttpUrl
);
checked_text!(
    /// A phone number: digits with common separators, or a short code such as 311
    /// (`validate::phone`).
    Phone
);
checked_text!(
    /// An email address of the usual shape (`validate::email`).
    Email
);

/// A jurisdiction code in ISO 3166-2 style: `US`, `US-NY`, `US-NY-NYC`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct JurisdictionCode(String);

impl fmt::Display for JurisdictionCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl JurisdictionCode {
    /// Parses `value` as a jurisdiction code, naming `field` in the error.
    pub fn parse(field: &str, value: &str) -> Result<Self, CatalogError> {
        let ok = !value.is_empty()
            && value.len() <= 32
            && value.split('-').all(|part| {
                !part.is_empty()
                    && part
                        .bytes()
                        .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
            });
        if ok {
            Ok(Self(value.to_owned()))
        } else {
            Err(CatalogError::bad_input(
                field,
                format!(
                    "`{}` is not a jurisdiction code: use uppercase ISO 3166-2 style codes such as US, US-NY or US-NY-NYC",
                    truncate(value)
                ),
            ))
        }
    }

    /// The code as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Cuts user input down to a size fit for an error message.
pub(crate) fn truncate(value: &str) -> String {
    const MAX: usize = 60;
    match value.char_indices().nth(MAX) {
        Some((at, _)) => format!("{}…", &value[..at]),
        None => value.to_owned(),
    }
}

pub use crate::entity::enums::{
    ChannelKind, CriterionKind, CxDriver, Drivers, EntryPoint, IncomePeriod, JurisdictionKind,
    Languages, RelationKind, Relevance, Role, RuleGroupMode, RuleOperator, ServiceStatus,
    TouchpointCategory,
};

/// Which way a service relation points, seen from the service being read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RelationDirection {
    /// This service has the relation to the other one ("this service requires that one").
    Outgoing,
    /// The other service has the relation to this one ("that service requires this one").
    Incoming,
}

/// Parses one of an enum's names, naming them all when `value` is none of them.
pub(crate) fn parse_enum<T: std::str::FromStr>(
    path: &str,
    value: &str,
    all: &[T],
    show: fn(&T) -> &'static str,
) -> CatalogResult<T> {
    value.parse::<T>().map_err(|_| {
        let allowed: Vec<&str> = all.iter().map(show).collect();
        CatalogError::bad_input(
            path,
            format!("`{value}` is not one of {}", allowed.join(", ")),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_accept_only_the_documented_shape() {
        for good in ["job-loss", "a", "snap-2", "x1-y2"] {
            assert!(Slug::parse("slug", good).is_ok(), "{good}");
        }
        for bad in [
            "",
            "Job-Loss",
            "-a",
            "a-",
            "a--b",
            "a b",
            "ä",
            &"a".repeat(101),
        ] {
            assert!(Slug::parse("slug", bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn jurisdiction_codes_follow_iso_3166_2_style() {
        for good in ["US", "US-NY", "US-NY-NYC", "US-NY-061"] {
            assert!(JurisdictionCode::parse("code", good).is_ok(), "{good}");
        }
        for bad in ["", "us-ny", "US--NY", "US-", "US NY"] {
            assert!(JurisdictionCode::parse("code", bad).is_err(), "{bad}");
        }
    }
}
