//! Taxonomy terms: the classification schemes services are tagged with (`scheme:code` in a
//! service's `taxonomyTerms`). ADMIN keys set them one at a time with `taxonomyTermSet`; a
//! catalog document's `taxonomy` entries go through the same checks and the same write.

use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};

use crate::catalog::error::{CatalogError, CatalogResult};
use crate::catalog::principal::{ADMINISTER, Principal, require_admin};
use crate::catalog::store::upsert;
use crate::catalog::types::{Slug, truncate};
use crate::catalog::validate::max;
use crate::catalog::{Catalog, validate};
use crate::entity::taxonomy_term;

/// A term to create, or to rename or move when its scheme and code exist.
#[derive(Debug, Clone)]
pub struct TermInput {
    pub scheme: String,
    pub code: String,
    pub name: String,
    /// The code of its parent term, in the same scheme.
    pub parent: Option<String>,
}

/// A term with every field checked.
#[derive(Debug, Clone)]
pub(crate) struct CheckedTerm {
    pub(crate) scheme: Slug,
    pub(crate) code: String,
    pub(crate) name: String,
    pub(crate) parent: Option<String>,
}

/// Checks a term code (the `field`): 1 to 100 letters, digits, `.`, `_` and `-`, so that
/// schemes such as AIRS (`BD-1800.2000`) fit, and `scheme:code` stays unambiguous.
fn check_code(field: &str, code: &str) -> CatalogResult<String> {
    let code = code.trim();
    let ok = !code.is_empty()
        && code.len() <= 100
        && code
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'));
    if ok {
        Ok(code.to_owned())
    } else {
        Err(CatalogError::bad_input(
            field,
            format!(
                "`{}` is not a term code: use 1-100 letters, digits, `.`, `_` and `-`",
                truncate(code)
            ),
        ))
    }
}

impl TryFrom<&TermInput> for CheckedTerm {
    type Error = CatalogError;

    fn try_from(input: &TermInput) -> CatalogResult<Self> {
        let code = check_code("code", &input.code)?;
        let parent = input
            .parent
            .as_deref()
            .map(|p| check_code("parent", p))
            .transpose()?;
        if parent.as_deref() == Some(code.as_str()) {
            return Err(CatalogError::bad_input(
                "parent",
                "a term cannot be its own parent",
            ));
        }
        Ok(Self {
            scheme: Slug::parse("scheme", input.scheme.trim())?,
            code,
            name: validate::required("name", &input.name, max::NAME)?,
            parent,
        })
    }
}

/// A term as its audit events record it.
fn term_json(term: &taxonomy_term::Model, parent: Option<&str>) -> Value {
    json!({ "scheme": term.scheme, "code": term.code, "name": term.name, "parent": parent })
}

/// The term `code` of `scheme`, if there is one.
async fn find(
    db: &impl ConnectionTrait,
    scheme: &str,
    code: &str,
) -> CatalogResult<Option<taxonomy_term::Model>> {
    Ok(taxonomy_term::Entity::find()
        .filter(taxonomy_term::Column::Scheme.eq(scheme))
        .filter(taxonomy_term::Column::Code.eq(code))
        .one(db)
        .await?)
}

/// Writes `term` (inserting it, or updating the term of its scheme and code) with its
/// parent's row id, and returns the term before (if it existed) and after.
pub(crate) async fn write_term(
    db: &impl ConnectionTrait,
    term: &CheckedTerm,
    parent_id: Option<i32>,
) -> CatalogResult<(Option<taxonomy_term::Model>, taxonomy_term::Model)> {
    let existing = find(db, term.scheme.as_str(), &term.code).await?;
    let desired = taxonomy_term::Model {
        id: existing.as_ref().map_or(0, |e| e.id),
        scheme: term.scheme.as_str().to_owned(),
        code: term.code.clone(),
        name: term.name.clone(),
        parent_id,
    };
    let id = upsert::<taxonomy_term::ActiveModel>(db, existing.clone(), desired.clone(), |m| m.id)
        .await?;
    Ok((existing, taxonomy_term::Model { id, ..desired }))
}

impl Catalog {
    /// Creates a taxonomy term, or renames or moves the term of the same scheme and code
    /// (ADMIN). Its parent must be a term of the same scheme, and not the term itself or
    /// one of its descendants. Services show terms, so the public revision moves.
    pub async fn set_taxonomy_term(
        &self,
        principal: &Principal,
        input: &TermInput,
    ) -> CatalogResult<taxonomy_term::Model> {
        let key = require_admin(principal, ADMINISTER)?;
        let term = CheckedTerm::try_from(input)?;
        let txn = self.begin_write().await?;
        let parent =
            match &term.parent {
                Some(code) => Some(find(&txn, term.scheme.as_str(), code).await?.ok_or_else(
                    || {
                        CatalogError::not_found(
                            "parent",
                            format!("taxonomy term `{}:{code}`", term.scheme),
                        )
                    },
                )?),
                None => None,
            };
        // The parent's ancestors must not include the term: no cycles.
        let mut above = parent.clone();
        while let Some(ancestor) = above {
            if ancestor.code == term.code {
                return Err(CatalogError::bad_input(
                    "parent",
                    format!("`{}` is below `{}` already", ancestor.code, term.code),
                ));
            }
            above = match ancestor.parent_id {
                Some(id) => taxonomy_term::Entity::find_by_id(id).one(&txn).await?,
                None => None,
            };
        }
        let (before, after) = write_term(&txn, &term, parent.as_ref().map(|p| p.id)).await?;
        let before_parent = match before.as_ref().and_then(|b| b.parent_id) {
            Some(id) => taxonomy_term::Entity::find_by_id(id)
                .one(&txn)
                .await?
                .map(|p| p.code),
            None => None,
        };
        self.commit_recorded(
            txn,
            key,
            "taxonomyTerm.set",
            ("TaxonomyTerm", after.id, None),
            before
                .as_ref()
                .map(|b| term_json(b, before_parent.as_deref())),
            Some(term_json(&after, term.parent.as_deref())),
        )
        .await?;
        Ok(after)
    }
}

impl Catalog {
    /// Every taxonomy term, of `scheme` when given (an unknown scheme has none), ordered
    /// by name ([`sort_key`](crate::catalog::page::sort_key)) then id as pages list them. Terms are public and few (a scheme such as AIRS
    /// holds some thousands), so they are read whole and paged in memory.
    pub async fn taxonomy_terms(
        &self,
        scheme: Option<&Slug>,
    ) -> CatalogResult<Vec<taxonomy_term::Model>> {
        let mut query = taxonomy_term::Entity::find();
        if let Some(scheme) = scheme {
            query = query.filter(taxonomy_term::Column::Scheme.eq(scheme.as_str()));
        }
        let mut terms = query.all(self.connection()).await?;
        terms.sort_by_cached_key(|t| (crate::catalog::page::sort_key(&t.name), t.id));
        Ok(terms)
    }

    /// The taxonomy terms with these ids, by id.
    pub async fn taxonomy_terms_by_ids(
        &self,
        ids: &[i32],
    ) -> CatalogResult<std::collections::HashMap<i32, taxonomy_term::Model>> {
        let terms = taxonomy_term::Entity::find()
            .filter(taxonomy_term::Column::Id.is_in(ids.iter().copied()))
            .all(self.connection())
            .await?;
        Ok(terms.into_iter().map(|t| (t.id, t)).collect())
    }
}
