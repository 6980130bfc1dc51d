//! Keyset pagination: a page request (`first`, `after`), the opaque cursor that marks a
//! position in a list ordered by (name, id), and the page that comes back.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use super::error::CatalogError;

/// The most items one page may hold.
pub const MAX_PAGE_SIZE: i32 = 100;
/// The page size when the caller gives none.
pub const DEFAULT_PAGE_SIZE: i32 = 20;

/// A position in a list ordered by `(name, id)`: the last item the caller has seen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cursor {
    /// The sort name of the item.
    pub name: String,
    /// The row id of the item, which breaks ties between equal names.
    pub id: i32,
}

const CURSOR_PREFIX: &str = "k1:";

impl Cursor {
    /// The opaque text form handed to clients.
    pub fn encode(&self) -> String {
        URL_SAFE_NO_PAD.encode(format!("{CURSOR_PREFIX}{}:{}", self.id, self.name))
    }

    /// Parses a cursor a client sent back.
    pub fn decode(text: &str) -> Result<Self, CatalogError> {
        let bad = || {
            CatalogError::bad_input(
                "after",
                "malformed cursor: pass back an `endCursor` or `cursor` value this API returned",
            )
        };
        let bytes = URL_SAFE_NO_PAD.decode(text).map_err(|_| bad())?;
        let text = String::from_utf8(bytes).map_err(|_| bad())?;
        let rest = text.strip_prefix(CURSOR_PREFIX).ok_or_else(bad)?;
        let (id, name) = rest.split_once(':').ok_or_else(bad)?;
        let id = id.parse::<i32>().map_err(|_| bad())?;
        Ok(Self {
            name: name.to_owned(),
            id,
        })
    }
}

/// What slice of a list the caller wants.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageRequest {
    /// How many items, 1 to [`MAX_PAGE_SIZE`].
    pub first: i32,
    /// Start after this position; `None` starts at the beginning.
    pub after: Option<Cursor>,
}

impl PageRequest {
    /// Validates raw `first` / `after` arguments.
    pub fn parse(first: Option<i32>, after: Option<&str>) -> Result<Self, CatalogError> {
        let first = first.unwrap_or(DEFAULT_PAGE_SIZE);
        if !(0..=MAX_PAGE_SIZE).contains(&first) {
            return Err(CatalogError::bad_input(
                "first",
                format!("`first` must be between 0 and {MAX_PAGE_SIZE}; got {first}"),
            ));
        }
        let after = after.map(Cursor::decode).transpose()?;
        Ok(Self { first, after })
    }
}

/// One page of a list.
#[derive(Debug, Clone)]
pub struct Page<T> {
    /// The items, in order, each with its cursor.
    pub items: Vec<(Cursor, T)>,
    /// Whether more items follow this page.
    pub has_next_page: bool,
    /// Whether items precede this page.
    pub has_previous_page: bool,
    /// How many items the whole list holds.
    pub total_count: u64,
}

impl<T> Page<T> {
    /// Cuts one page out of a whole list already in `(name, id)` order.
    ///
    /// The cursor's id is looked up first, so a cursor stays exact even where the database
    /// and Rust disagree on how names sort; a cursor whose item has gone falls back to
    /// comparing names.
    /// `id` gives an item's cursor id cheaply; `key` builds its whole cursor, only for the
    /// items returned (and for the rare fallback).
    pub fn slice(
        all: Vec<T>,
        request: &PageRequest,
        id: impl Fn(&T) -> i32,
        key: impl Fn(&T) -> Cursor,
    ) -> Self {
        let total_count = all.len() as u64;
        let start = match &request.after {
            None => 0,
            Some(after) => match all.iter().position(|item| id(item) == after.id) {
                Some(at) => at + 1,
                None => all
                    .iter()
                    .position(|item| {
                        let k = key(item);
                        (k.name.as_str(), k.id) > (after.name.as_str(), after.id)
                    })
                    .unwrap_or(all.len()),
            },
        };
        let first = usize::try_from(request.first).unwrap_or(0);
        let has_next_page = all.len() > start + first;
        let items = all
            .into_iter()
            .skip(start)
            .take(first)
            .map(|item| (key(&item), item))
            .collect();
        Self {
            items,
            has_next_page,
            has_previous_page: start > 0,
            total_count,
        }
    }
}
