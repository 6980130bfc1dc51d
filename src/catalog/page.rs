//! Keyset pagination: a page request (`first` / `after`, or `last` / `before`), the opaque
//! cursor that marks a position in a list ordered by (name, id), and the page that comes
//! back.

use std::ops::Range;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use super::error::CatalogError;

/// The most items one page may hold.
pub const MAX_PAGE_SIZE: i32 = 100;
/// The page size when the caller gives none.
pub const DEFAULT_PAGE_SIZE: i32 = 20;

/// The key names are listed by: the name with ASCII letters in lower case, compared byte by
/// byte, as the database's generated `sort_name` column holds it (SQLite's `lower()` and
/// PostgreSQL's under `COLLATE "C"` change ASCII letters only), so "NYC Care" sorts among
/// the other "n" names, and the snapshot and both databases list in one order.
pub fn sort_key(name: &str) -> String {
    name.to_ascii_lowercase()
}

/// A position in a list ordered by `(name, id)`: the last item the caller has seen.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
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

    /// Parses a cursor a client sent back as the argument `field`.
    pub fn decode_as(field: &str, text: &str) -> Result<Self, CatalogError> {
        let bad = || {
            CatalogError::bad_input(
                field,
                "malformed cursor: pass back an `endCursor`, `startCursor` or `cursor` value this API returned",
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

    /// Parses a cursor a client sent back as `after`.
    pub fn decode(text: &str) -> Result<Self, CatalogError> {
        Self::decode_as("after", text)
    }
}

/// What slice of a list the caller wants: the items between `after` and `before` (either
/// open), and of those the first `size` or, `from_end`, the last `size`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PageRequest {
    /// How many items, 0 to [`MAX_PAGE_SIZE`].
    pub size: i32,
    /// Only items after this position.
    pub after: Option<Cursor>,
    /// Only items before this position.
    pub before: Option<Cursor>,
    /// Take the last `size` items of the window (`last`) rather than the first (`first`).
    pub from_end: bool,
}

impl PageRequest {
    /// Validates raw Relay arguments: `first` (and `after`) pages forward, `last` (and
    /// `before`) backward; `first` and `last` together are refused.
    pub fn parse(
        first: Option<i32>,
        after: Option<&str>,
        last: Option<i32>,
        before: Option<&str>,
    ) -> Result<Self, CatalogError> {
        let size = |field: &str, n: i32| {
            if (0..=MAX_PAGE_SIZE).contains(&n) {
                Ok(n)
            } else {
                Err(CatalogError::bad_input(
                    field,
                    format!("`{field}` must be between 0 and {MAX_PAGE_SIZE}; got {n}"),
                ))
            }
        };
        let (size, from_end) = match (first, last) {
            (Some(_), Some(_)) => {
                return Err(CatalogError::bad_input(
                    "last",
                    "give `first` to page forward or `last` to page backward, not both",
                ));
            }
            (_, Some(n)) => (size("last", n)?, true),
            (n, None) => (size("first", n.unwrap_or(DEFAULT_PAGE_SIZE))?, false),
        };
        Ok(Self {
            size,
            after: after.map(|c| Cursor::decode_as("after", c)).transpose()?,
            before: before.map(|c| Cursor::decode_as("before", c)).transpose()?,
            from_end,
        })
    }

    /// The page size as a count.
    pub fn len(&self) -> usize {
        usize::try_from(self.size).unwrap_or(0)
    }

    /// Whether the page is asked to hold nothing.
    pub fn is_empty(&self) -> bool {
        self.size == 0
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
    /// The same page with each item turned by `f`.
    pub fn map<U>(self, mut f: impl FnMut(T) -> U) -> Page<U> {
        Page {
            items: self.items.into_iter().map(|(c, t)| (c, f(t))).collect(),
            has_next_page: self.has_next_page,
            has_previous_page: self.has_previous_page,
            total_count: self.total_count,
        }
    }

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
        let position = |cursor: &Cursor, past: bool| place(&all, cursor, past, &id, &key);
        let total = all.len();
        let window = window(total, request, position);
        let items = all
            .into_iter()
            .skip(window.start)
            .take(window.len())
            .map(|item| (key(&item), item))
            .collect();
        Self::of(items, window, total)
    }

    /// The page holding `items`, which sit at `window` in a list of `total` items.
    pub fn of(items: Vec<(Cursor, T)>, window: Range<usize>, total: usize) -> Self {
        Self {
            items,
            has_next_page: window.end < total,
            has_previous_page: window.start > 0,
            total_count: total as u64,
        }
    }
}

/// Where `cursor` sits in `all` (a list in order): the index of its item, found by id, plus
/// one when `past`; or, if its item has gone, the first item whose `(name, id)` comes after
/// the cursor's.
pub fn place<T>(
    all: &[T],
    cursor: &Cursor,
    past: bool,
    id: impl Fn(&T) -> i32,
    key: impl Fn(&T) -> Cursor,
) -> usize {
    all.iter()
        .position(|item| id(item) == cursor.id)
        .map(|at| at + usize::from(past))
        .unwrap_or_else(|| {
            all.iter()
                .position(|item| {
                    let k = key(item);
                    (k.name.as_str(), k.id) > (cursor.name.as_str(), cursor.id)
                })
                .unwrap_or(all.len())
        })
}

/// Where the page `request` asks for sits in a list of `len` items: `position` places a
/// cursor (the index of its item, plus one when its second argument is true, for `after`).
pub fn window(
    len: usize,
    request: &PageRequest,
    position: impl Fn(&Cursor, bool) -> usize,
) -> Range<usize> {
    let start = request.after.as_ref().map_or(0, |c| position(c, true));
    let end = request
        .before
        .as_ref()
        .map_or(len, |c| position(c, false))
        .max(start);
    let size = request.len();
    if request.from_end {
        end.saturating_sub(size).max(start)..end
    } else {
        start..(start + size).min(end)
    }
}
