//! API keys and principals: who is calling. Tokens are random 256-bit values with a
//! `ccat_` prefix that says what they are; only their SHA-256 hash is stored, and a
//! presented token is compared with the stored hash in constant time.

use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ActiveValue::NotSet, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set,
};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::catalog::Catalog;
use crate::catalog::audit::{Change, record};
use crate::catalog::error::{CatalogError, CatalogResult};
use crate::catalog::principal::{KeyPrincipal, Principal, require_admin};
use crate::catalog::types::{Role, Slug};
use crate::entity::{agency, api_key};

/// What every token starts with, so a leaked one is recognisable (and scannable).
pub const TOKEN_PREFIX: &str = "ccat_";

/// A key as listed: never the token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeySummary {
    pub id: i32,
    pub name: String,
    pub role: Role,
    pub agency_slug: Option<String>,
    /// The token's first characters, to tell keys apart.
    pub prefix: String,
    pub created_at: chrono::DateTime<Utc>,
    pub revoked_at: Option<chrono::DateTime<Utc>>,
}

/// A new key and its token, which is shown once and never stored.
#[derive(Debug, Clone)]
pub struct CreatedKey {
    pub summary: KeySummary,
    pub token: String,
}

pub(crate) fn hash(token: &str) -> String {
    Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

pub(crate) fn new_token() -> CatalogResult<String> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes)
        .map_err(|e| CatalogError::internal(format!("no randomness: {e}")))?;
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    Ok(format!("{TOKEN_PREFIX}{hex}"))
}

/// An audit change for a key: never its hash.
pub(crate) fn key_change<'a>(
    action: &'a str,
    before: Option<&api_key::Model>,
    after: &api_key::Model,
) -> Change<'a> {
    let snapshot = |k: &api_key::Model| {
        serde_json::json!({ "name": k.name, "role": k.role, "agencyId": k.agency_id, "prefix": k.prefix,
                            "revokedAt": k.revoked_at.map(|t| t.to_rfc3339()) })
        .to_string()
    };
    Change {
        action,
        record_type: "ApiKey",
        record_id: after.id,
        agency_id: after.agency_id,
        before: before.map(snapshot),
        after: Some(snapshot(after)),
        comment: None,
    }
}

pub(crate) fn summary(
    row: api_key::Model,
    agency_slug: Option<String>,
) -> CatalogResult<KeySummary> {
    Ok(KeySummary {
        id: row.id,
        role: row.role,
        name: row.name,
        agency_slug,
        prefix: row.prefix,
        created_at: row.created_at,
        revoked_at: row.revoked_at,
    })
}
impl Catalog {
    /// Creates an API key at the command line (audited as such).
    pub async fn create_key(
        &self,
        name: &str,
        role: Role,
        agency: Option<&Slug>,
    ) -> CatalogResult<CreatedKey> {
        self.insert_key(None, name, role, agency).await
    }

    /// Creates an API key on behalf of `principal`, who must hold an ADMIN key.
    pub async fn create_key_by(
        &self,
        principal: &Principal,
        name: &str,
        role: Role,
        agency: Option<&Slug>,
    ) -> CatalogResult<CreatedKey> {
        let admin = require_admin(principal, "manage API keys")?;
        self.insert_key(Some(admin), name, role, agency).await
    }

    /// Revokes a key on behalf of `principal`, who must hold an ADMIN key.
    pub async fn revoke_key_by(&self, principal: &Principal, id: i32) -> CatalogResult<KeySummary> {
        let admin = require_admin(principal, "manage API keys")?;
        self.revoke(Some(admin), id).await
    }

    /// Revokes a key at the command line (audited as such); its token stops working at
    /// once. Revoking twice is harmless.
    pub async fn revoke_key(&self, id: i32) -> CatalogResult<KeySummary> {
        self.revoke(None, id).await
    }

    /// Creates a key. EDITOR keys need an agency; other roles take none.
    pub(crate) async fn insert_key(
        &self,
        actor: Option<&KeyPrincipal>,
        name: &str,
        role: Role,
        agency: Option<&Slug>,
    ) -> CatalogResult<CreatedKey> {
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 200 {
            return Err(CatalogError::bad_input(
                "name",
                "a key's name is 1 to 200 characters",
            ));
        }
        let agency_row = match (role, agency) {
            (Role::Editor, None) => {
                return Err(CatalogError::bad_input(
                    "agency",
                    "an EDITOR key needs the agency it works for",
                ));
            }
            (Role::Editor, Some(slug)) => {
                Some(self.agency_by_slug(slug).await?.ok_or_else(|| {
                    CatalogError::bad_input("agency", format!("unknown agency `{slug}`"))
                })?)
            }
            (_, Some(_)) => {
                return Err(CatalogError::bad_input(
                    "agency",
                    "only EDITOR keys belong to an agency",
                ));
            }
            (_, None) => None,
        };
        let token = new_token()?;
        let txn = self.begin_private_write().await?;
        let row = api_key::ActiveModel {
            id: NotSet,
            name: Set(name.to_owned()),
            role: Set(role),
            agency_id: Set(agency_row.as_ref().map(|a| a.id)),
            prefix: Set(token.chars().take(TOKEN_PREFIX.len() + 6).collect()),
            token_hash: Set(hash(&token)),
            created_at: Set(Utc::now()),
            revoked_at: Set(None),
        }
        .insert(&txn)
        .await?;
        record(&txn, actor, key_change("apiKey.create", None, &row)).await?;
        self.commit(txn).await?;
        Ok(CreatedKey {
            summary: summary(row, agency_row.map(|a| a.slug))?,
            token,
        })
    }

    /// Every key, newest first.
    pub async fn list_keys(&self) -> CatalogResult<Vec<KeySummary>> {
        let rows = api_key::Entity::find()
            .order_by_desc(api_key::Column::Id)
            .all(&self.db)
            .await?;
        let agency_ids: Vec<i32> = rows.iter().filter_map(|r| r.agency_id).collect();
        let agencies = self.agencies_by_ids(&agency_ids).await?;
        rows.into_iter()
            .map(|row| {
                let slug = row
                    .agency_id
                    .and_then(|id| agencies.get(&id))
                    .map(|a| a.slug.clone());
                summary(row, slug)
            })
            .collect()
    }

    pub(crate) async fn revoke(
        &self,
        actor: Option<&KeyPrincipal>,
        id: i32,
    ) -> CatalogResult<KeySummary> {
        let txn = self.begin_private_write().await?;
        let row = api_key::Entity::find_by_id(id)
            .one(&txn)
            .await?
            .ok_or_else(|| CatalogError::not_found("id", format!("API key {id}")))?;
        let row = if row.revoked_at.is_none() {
            let before = row.clone();
            let mut active: api_key::ActiveModel = row.into();
            active.revoked_at = Set(Some(Utc::now()));
            let after = active.update(&txn).await?;
            record(
                &txn,
                actor,
                key_change("apiKey.revoke", Some(&before), &after),
            )
            .await?;
            after
        } else {
            row
        };
        let slug = match row.agency_id {
            Some(agency_id) => agency::Entity::find_by_id(agency_id)
                .one(&txn)
                .await?
                .map(|a| a.slug),
            None => None,
        };
        self.commit(txn).await?;
        summary(row, slug)
    }

    /// Who an `Authorization` header names. No header is anonymous; anything else that is
    /// not a valid, unrevoked `Bearer` token is `Unauthenticated`, never anonymous.
    pub async fn authenticate(&self, authorization: Option<&str>) -> CatalogResult<Principal> {
        let Some(header) = authorization else {
            return Ok(Principal::Anonymous);
        };
        let token = header
            .strip_prefix("Bearer ")
            .or_else(|| header.strip_prefix("bearer "))
            .map(str::trim)
            .ok_or_else(|| CatalogError::unauthenticated("use `Authorization: Bearer <token>`"))?;
        if !token.starts_with(TOKEN_PREFIX) || token.len() != TOKEN_PREFIX.len() + 64 {
            return Err(CatalogError::unauthenticated(
                "that is not a civic-catalog API token",
            ));
        }
        let presented = hash(token);
        let row = api_key::Entity::find()
            .filter(api_key::Column::TokenHash.eq(presented.as_str()))
            .one(&self.db)
            .await?
            .filter(|row| bool::from(row.token_hash.as_bytes().ct_eq(presented.as_bytes())))
            .ok_or_else(|| CatalogError::unauthenticated("unknown API token"))?;
        if row.revoked_at.is_some() {
            return Err(CatalogError::unauthenticated(
                "this API token has been revoked",
            ));
        }
        Ok(Principal::Key(KeyPrincipal {
            key_id: row.id,
            name: row.name,
            role: row.role,
            agency_id: row.agency_id,
        }))
    }
}
