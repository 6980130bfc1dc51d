//! API keys as the API shows them (never their tokens, but once), and their management by
//! ADMIN keys.

use async_graphql::{Context, InputObject, Object, Result, SimpleObject};

use super::context::{catalog, principal};
use super::payload::{UserError, on_row, outcome};
use crate::catalog::CatalogError;
use crate::catalog::api_key::CreatedKey;
use crate::catalog::types::Slug;

/// An API key as listed: never its token.
#[derive(SimpleObject, Debug, Clone)]
pub struct ApiKey {
    /// The key's number, as `civic-catalog keys list` shows it.
    pub id: i32,
    /// Who holds it.
    pub name: String,
    /// What it may do.
    pub role: super::viewer::Role,
    /// The slug of the agency an EDITOR key works for.
    pub agency_slug: Option<String>,
    /// The token's first characters, to tell keys apart.
    pub prefix: String,
    /// When it was created.
    pub created_at: super::scalars::DateTime,
    /// When it was revoked, if it was.
    pub revoked_at: Option<super::scalars::DateTime>,
}

impl From<crate::catalog::api_key::KeySummary> for ApiKey {
    fn from(k: crate::catalog::api_key::KeySummary) -> Self {
        Self {
            id: k.id,
            name: k.name,
            role: k.role.into(),
            agency_slug: k.agency_slug,
            prefix: k.prefix,
            created_at: super::scalars::DateTime(k.created_at),
            revoked_at: k.revoked_at.map(super::scalars::DateTime),
        }
    }
}

/// A new API key.
#[derive(InputObject, Debug, Clone)]
pub struct ApiKeyCreateInput {
    /// Who will hold it, e.g. "DOL web team".
    pub name: String,
    /// What it may do.
    pub role: super::viewer::Role,
    /// The slug of the agency an EDITOR key works for; required for EDITOR, refused
    /// otherwise.
    pub agency: Option<String>,
}

impl ApiKeyCreateInput {
    /// The agency slug, checked.
    fn agency_slug(&self) -> Result<Option<Slug>, CatalogError> {
        self.agency
            .as_deref()
            .map(|a| Slug::parse("agency", a))
            .transpose()
    }
}

/// The result of `apiKeyCreate`.
#[derive(SimpleObject, Debug, Clone)]
pub struct ApiKeyCreatePayload {
    /// The new key, or `null` when `userErrors` is not empty.
    pub api_key: Option<ApiKey>,
    /// The token, shown only this once; only its hash is stored.
    pub token: Option<String>,
    /// What to fix; nothing was written when this is not empty.
    pub user_errors: Vec<UserError>,
}

impl ApiKeyCreatePayload {
    fn from(result: Result<CreatedKey, CatalogError>) -> Result<Self> {
        let (created, user_errors) = outcome(result)?;
        let (api_key, token) = created.map(|c| (c.summary.into(), c.token)).unzip();
        Ok(Self {
            api_key,
            token,
            user_errors,
        })
    }
}

/// Which key to revoke.
#[derive(InputObject, Debug, Clone)]
pub struct ApiKeyRevokeInput {
    /// The key's number.
    pub id: i32,
}

/// The result of `apiKeyRevoke`.
#[derive(SimpleObject, Debug, Clone)]
pub struct ApiKeyRevokePayload {
    /// The revoked key, or `null` when `userErrors` is not empty.
    pub api_key: Option<ApiKey>,
    /// What to fix; nothing was written when this is not empty.
    pub user_errors: Vec<UserError>,
}

/// API keys (ADMIN keys).
#[derive(Default)]
pub struct ApiKeyMutation;

/// API keys (ADMIN keys).
#[Object]
impl ApiKeyMutation {
    /// Creates an API key (ADMIN). The token is in the payload, once.
    async fn api_key_create(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The new key.")] input: ApiKeyCreateInput,
    ) -> Result<ApiKeyCreatePayload> {
        let agency = input.agency_slug();
        let (name, role) = (&input.name, input.role.into());
        let result = on_row(ctx, agency, async |catalog, who, agency| {
            catalog
                .create_key_by(who, name, role, agency.as_ref())
                .await
        })
        .await?;
        ApiKeyCreatePayload::from(result)
    }

    /// Revokes an API key (ADMIN); its token stops working at once.
    async fn api_key_revoke(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The key.")] input: ApiKeyRevokeInput,
    ) -> Result<ApiKeyRevokePayload> {
        let (key, user_errors) =
            outcome(catalog(ctx)?.revoke_key_by(principal(ctx), input.id).await)?;
        Ok(ApiKeyRevokePayload {
            api_key: key.map(ApiKey::from),
            user_errors,
        })
    }
}
