//! Taxonomy terms in GraphQL: `taxonomyTermSet` for ADMIN keys.

use async_graphql::{Context, InputObject, Object, Result};

use super::context::{catalog, principal};
use super::payload::record_payload;
use super::service::TaxonomyTerm;
use crate::catalog::taxonomy::TermInput;

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
