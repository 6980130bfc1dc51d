//! `viewer`: who the caller is.

use async_graphql::{Context, Enum, Object, Result};

use super::agency::Agency;
use super::context::loader;
use super::loaders::AgencyById;
use crate::catalog::principal::{KeyPrincipal, Principal};
use crate::catalog::types;

/// What an API key may do.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "types::Role")]
pub enum Role {
    /// The state CX office: everything, including agencies, life events, criteria and keys.
    Admin,
    /// Reviews services submitted for review, and publishes them or sends them back.
    Reviewer,
    /// A partner agency's editor: maintains that agency's services.
    Editor,
}

/// The holder of the API key this request was made with.
#[derive(Debug, Clone)]
pub struct Viewer(KeyPrincipal);

/// The holder of the API key this request was made with.
#[Object]
impl Viewer {
    /// The key's name, e.g. "DOL web team".
    async fn name(&self) -> &str {
        &self.0.name
    }

    /// What the key may do.
    async fn role(&self) -> Role {
        self.0.role.into()
    }

    /// The agency an EDITOR key works for; `null` for other roles.
    async fn agency(&self, ctx: &Context<'_>) -> Result<Option<Agency>> {
        let Some(agency) = self.0.agency_id else {
            return Ok(None);
        };
        Ok(loader(ctx)?.load_one(AgencyById(agency)).await?.map(Agency))
    }
}

/// Root fields about the caller.
#[derive(Default)]
pub struct ViewerQuery;

#[Object]
impl ViewerQuery {
    /// Who you are: the holder of the API key sent as `Authorization: Bearer <token>`, or
    /// `null` when the request carries no credentials (anonymous callers read published
    /// data). A bad or revoked token is refused with `UNAUTHENTICATED`, never treated as
    /// anonymous.
    async fn viewer(&self, ctx: &Context<'_>) -> Result<Option<Viewer>> {
        Ok(match super::context::principal(ctx) {
            Principal::Key(key) => Some(Viewer(key.clone())),
            Principal::Anonymous => None,
        })
    }
}
