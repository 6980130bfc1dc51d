//! Input rules shared by every way into the catalog (catalog documents and mutations): text
//! is trimmed and bounded, URLs are absolute http(s), phone numbers and emails have their
//! usual shape, and lists have a size. Each check names the offending field in its error.

use super::error::{CatalogError, CatalogResult};
use super::types::{Email, HttpUrl, Phone, truncate};

/// The most characters of each kind of text.
pub mod max {
    pub const NAME: usize = 200;
    pub const SUMMARY: usize = 1_000;
    pub const DESCRIPTION: usize = 10_000;
    pub const ELIGIBILITY_SUMMARY: usize = 4_000;
    pub const FEES: usize = 1_000;
    pub const PROCESSING_TIME: usize = 200;
    pub const LABEL: usize = 200;
    pub const HOURS: usize = 500;
    pub const ADDRESS: usize = 1_000;
    pub const ACCESSIBILITY: usize = 2_000;
    pub const REASON: usize = 500;
    pub const COMMENT: usize = 2_000;
    pub const ACRONYM: usize = 32;
    pub const URL: usize = 2_048;
    pub const EMAIL: usize = 254;
    pub const UNIT: usize = 32;
    pub const EXTERNAL_ID: usize = 200;
    /// One thing the agency checks that a pre-screen cannot.
    pub const AGENCY_CHECK: usize = 200;
}

/// The most items of each kind of list.
pub mod max_items {
    pub const CHANNELS: usize = 20;
    pub const DOCUMENTS: usize = 30;
    pub const JURISDICTIONS: usize = 50;
    pub const LANGUAGES: usize = 50;
    pub const RULE_GROUPS: usize = 20;
    pub const RULES_PER_GROUP: usize = 30;
    pub const STAGES: usize = 12;
    pub const OPTIONS: usize = 100;
    pub const CSSP_BASIS: usize = 2;
    pub const PARTNERS: usize = 20;
    pub const TAXONOMY_TERMS: usize = 50;
    pub const AGENCY_CHECKS: usize = 10;
}

/// A calendar date written exactly `YYYY-MM-DD` (`2026-1-1` and `+2026-01-01` are not).
pub fn date(value: &str) -> Option<chrono::NaiveDate> {
    let shaped = value.len() == 10
        && value.bytes().enumerate().all(|(i, b)| match i {
            4 | 7 => b == b'-',
            _ => b.is_ascii_digit(),
        });
    shaped
        .then(|| chrono::NaiveDate::parse_from_str(value, "%Y-%m-%d").ok())
        .flatten()
}

/// Whether `value` holds a control character other than tab, newline and carriage return
/// (NUL above all: PostgreSQL cannot store it in text, SQLite can, so it is refused on both
/// before any database call).
pub fn has_control(value: &str) -> bool {
    value
        .chars()
        .any(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r'))
}

/// `value` trimmed, if it is 1 to `max` characters.
pub fn required(field: &str, value: &str, max: usize) -> CatalogResult<String> {
    let value = value.trim();
    if value.is_empty() || value.chars().count() > max {
        return Err(CatalogError::bad_input(
            field,
            format!("must be 1 to {max} characters"),
        ));
    }
    Ok(value.to_owned())
}

/// `items` trimmed, each 1 to `max` characters, at most `limit` of them and none twice
/// (ignoring case); a mistake names the item (`field[i]`).
pub fn phrases(
    field: &str,
    items: &[String],
    limit: usize,
    max: usize,
) -> CatalogResult<Vec<String>> {
    if items.len() > limit {
        return Err(CatalogError::bad_input(
            field,
            format!("at most {limit} items, not {}", items.len()),
        ));
    }
    let mut seen = std::collections::HashSet::new();
    items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            let item = required(&format!("{field}[{i}]"), item, max)?;
            if !seen.insert(item.to_lowercase()) {
                return Err(CatalogError::bad_input(
                    format!("{field}[{i}]"),
                    format!("`{item}` is listed twice"),
                ));
            }
            Ok(item)
        })
        .collect()
}

/// A service's `agencyChecks` (the `field`), checked as [`phrases`]: at most
/// [`max_items::AGENCY_CHECKS`] of [`max::AGENCY_CHECK`] characters each.
pub fn agency_checks(field: &str, items: &[String]) -> CatalogResult<Vec<String>> {
    phrases(field, items, max_items::AGENCY_CHECKS, max::AGENCY_CHECK)
}

/// `value` trimmed, `None` when it is absent or blank; at most `max` characters.
pub fn optional(field: &str, value: Option<&str>, max: usize) -> CatalogResult<Option<String>> {
    match value.map(str::trim).filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some(v) if v.chars().count() > max => Err(CatalogError::bad_input(
            field,
            format!("must be at most {max} characters"),
        )),
        Some(v) => Ok(Some(v.to_owned())),
    }
}

/// Checks that `value` is an absolute http(s) URL of at most 2048 characters.
pub fn url(field: &str, value: &str) -> CatalogResult<HttpUrl> {
    let value = value.trim();
    let rest = value
        .strip_prefix("https://")
        .or_else(|| value.strip_prefix("http://"));
    match rest {
        Some(rest)
            if !rest.is_empty()
                && !rest.starts_with('/')
                && !value.contains(char::is_whitespace)
                && value.len() <= max::URL =>
        {
            Ok(HttpUrl(value.to_owned()))
        }
        _ => Err(CatalogError::bad_input(
            field,
            format!("`{}` is not an http(s) URL", truncate(value)),
        )),
    }
}

/// Checks that `value` looks like a phone number: digits with common separators, or a
/// short code such as 311 or 988.
pub fn phone(field: &str, value: &str) -> CatalogResult<Phone> {
    let value = value.trim();
    let digits = value.chars().filter(char::is_ascii_digit).count();
    let ok = (3..=15).contains(&digits)
        && value.len() <= 32
        && value
            .chars()
            .all(|c| c.is_ascii_digit() || " +-().".contains(c));
    if ok {
        Ok(Phone(value.to_owned()))
    } else {
        Err(CatalogError::bad_input(
            field,
            format!("`{}` is not a phone number", truncate(value)),
        ))
    }
}

/// Checks that `value` has the shape of an email address: one `@` with a local part before
/// it and a dotted domain after it, no spaces.
pub fn email(field: &str, value: &str) -> CatalogResult<Email> {
    let value = value.trim();
    let ok = value.len() <= max::EMAIL
        && !value.contains(char::is_whitespace)
        && value.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty()
                && !domain.contains('@')
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !domain.contains("..")
        });
    if ok {
        Ok(Email(value.to_owned()))
    } else {
        Err(CatalogError::bad_input(
            field,
            format!("`{}` is not an email address", truncate(value)),
        ))
    }
}

/// Checks that a list has `min` to `max` items.
pub fn count(field: &str, len: usize, min: usize, max: usize) -> CatalogResult<()> {
    if (min..=max).contains(&len) {
        Ok(())
    } else if min == 0 {
        Err(CatalogError::bad_input(
            field,
            format!("at most {max} items; got {len}"),
        ))
    } else {
        Err(CatalogError::bad_input(
            field,
            format!("{min} to {max} items; got {len}"),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_must_be_absolute_http() {
        assert!(url("u", "https://ny.gov/x").is_ok());
        assert!(url("u", " http://ny.gov ").is_ok());
        for bad in [
            "ny.gov",
            "javascript:alert(1)",
            "https://",
            "https:///x",
            "https://a b",
        ] {
            assert!(url("u", bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn emails_and_phones_have_their_usual_shape() {
        assert!(email("e", "cx@its.ny.gov").is_ok());
        for bad in [
            "cx",
            "cx@",
            "@ny.gov",
            "cx@ny",
            "c x@ny.gov",
            "a@b@c.d",
            "cx@.gov",
        ] {
            assert!(email("e", bad).is_err(), "{bad}");
        }
        assert!(phone("p", "1-888-209-8124").is_ok());
        assert!(phone("p", "311").is_ok());
        assert!(phone("p", "call us").is_err());
    }
}
