//! Taxonomy terms in GraphQL: the public `taxonomyTerms` list, and `taxonomyTermSet` for
//! ADMIN keys.

use async_graphql::{Context, InputObject, Object, Result};

use super::connection::TaxonomyTermConnection;
use super::context::{catalog, principal, reader};
use super::error::GqlResult;
use super::payload::record_payload;
use super::service::TaxonomyTerm;
use crate::catalog::page::sort_key;
use crate::catalog::taxonomy::TermInput;
use crate::catalog::types::Slug;
use crate::catalog::{Cursor, Page, PageRequest};

/// Root fields for taxonomy terms.
#[derive(Default)]
pub struct TaxonomyQuery;

/// Root fields for taxonomy terms.
#[Object]
impl TaxonomyQuery {
    /// The terms services are classified with (`Service.taxonomyTerms`), by name: every
    /// scheme's, or one scheme's (e.g. `civic-catalog`). A scheme that is not a slug is
    /// `BAD_USER_INPUT`; an unknown one has no terms.
    #[graphql(complexity = "crate::graphql::limits::page(first, last, child_complexity)")]
    async fn taxonomy_terms(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only this scheme's terms.")] scheme: Option<String>,
        #[graphql(desc = "How many terms to return: 0 to 100, 20 when omitted.")] first: Option<
            i32,
        >,
        #[graphql(desc = "Return the terms after this cursor.")] after: Option<String>,
        #[graphql(
            desc = "How many terms to return from the end of the list (or from just before `before`): 0 to 100. Not with `first`."
        )]
        last: Option<i32>,
        #[graphql(desc = "Return the terms before this cursor (with `last`, to page back).")]
        before: Option<String>,
    ) -> Result<TaxonomyTermConnection> {
        let request = PageRequest::parse(first, after.as_deref(), last, before.as_deref()).gql()?;
        let scheme = scheme
            .map(|s| Slug::parse("scheme", &s))
            .transpose()
            .gql()?;
        let terms = reader(ctx)?
            .live_read(async |c| c.taxonomy_terms(scheme.as_ref()).await)
            .await
            .gql()?;
        let page: Page<_> = Page::slice(
            terms,
            &request,
            |t| t.id,
            |t| Cursor {
                name: sort_key(&t.name),
                id: t.id,
            },
        );
        Ok(TaxonomyTermConnection::from_page(page, TaxonomyTerm))
    }
}

/// A taxonomy term to create, or to rename or move when its scheme and code exist.
#[derive(InputObject, Debug, Clone)]
pub struct TaxonomyTermSetInput {
    /// The scheme, a slug, e.g. `civic-catalog`.
    pub scheme: String,
    /// The term's code within its scheme: 1 to 100 letters, digits, `.`, `_` and `-`
    /// (e.g. `food`, or an AIRS code such as `BD-1800.2000`).
    pub code: String,
    /// Its name, as portals show it.
    pub name: String,
    /// The code of its parent term in the same scheme; none for a top-level term.
    pub parent: Option<String>,
}

record_payload!(
    /// The result of `taxonomyTermSet`.
    TaxonomyTermSetPayload { taxonomy_term: TaxonomyTerm }
);

/// Administration of taxonomy terms (ADMIN keys).
#[derive(Default)]
pub struct TaxonomyMutation;

/// Administration of taxonomy terms (ADMIN keys).
#[Object]
impl TaxonomyMutation {
    /// Creates a taxonomy term, or renames or moves the term with the same scheme and code
    /// (ADMIN). Services then name it as `scheme:code` in `taxonomyTerms`. Its parent must
    /// be a term of the same scheme, not the term itself nor one below it; audited as
    /// `taxonomyTerm.set`.
    async fn taxonomy_term_set(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The term.")] input: TaxonomyTermSetInput,
    ) -> Result<TaxonomyTermSetPayload> {
        let input = TermInput {
            scheme: input.scheme,
            code: input.code,
            name: input.name,
            parent: input.parent,
        };
        let result = catalog(ctx)?
            .set_taxonomy_term(principal(ctx), &input)
            .await;
        TaxonomyTermSetPayload::from(result, TaxonomyTerm)
    }
}
