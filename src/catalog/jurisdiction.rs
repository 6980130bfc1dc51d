//! Jurisdictions (federal, state, county, city, tribal): reading them, and their
//! administration by ADMIN keys.

use std::collections::HashMap;

use sea_orm::{
    ActiveModelTrait, ActiveValue::NotSet, ColumnTrait, ConnectionTrait, EntityTrait,
    IntoActiveModel, QueryFilter, QueryOrder, Set,
};
use serde_json::{Value, json};

use crate::catalog::error::{CatalogError, CatalogResult};
use crate::catalog::principal::{ADMINISTER, Principal, require_admin};
use crate::catalog::service::write::expect_version;
use crate::catalog::store::{UniqueKey, by_id, insert_unique};
use crate::catalog::types::{JurisdictionCode, JurisdictionKind};
use crate::catalog::validate::max;
use crate::catalog::{Catalog, validate};
use crate::entity::jurisdiction;

/// A new jurisdiction.
#[derive(Debug, Clone)]
pub struct JurisdictionInput {
    pub code: String,
    pub name: String,
    pub kind: JurisdictionKind,
    /// The code of the jurisdiction directly above it; none for a federal one.
    pub parent: Option<String>,
}

pub(crate) fn jurisdiction_json(j: &jurisdiction::Model) -> Value {
    json!({ "code": j.code, "name": j.name, "kind": j.kind, "parentId": j.parent_id,
            "version": j.version })
}

pub(crate) async fn jurisdiction_id(
    db: &impl ConnectionTrait,
    field: &str,
    code: &str,
) -> CatalogResult<i32> {
    let code = JurisdictionCode::parse(field, code.trim())?;
    jurisdiction::Entity::find()
        .filter(jurisdiction::Column::Code.eq(code.as_str()))
        .one(db)
        .await?
        .map(|j| j.id)
        .ok_or_else(|| {
            CatalogError::bad_input(field, format!("unknown jurisdiction `{}`", code.as_str()))
        })
}

/// A new jurisdiction, every field checked: what `jurisdictionCreate` and a catalog
/// document's `jurisdictions` entry both become. Its place under its parent is checked with
/// [`NewJurisdiction::check_place`] once the parent is known to exist.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewJurisdiction {
    pub code: JurisdictionCode,
    pub name: String,
    pub kind: JurisdictionKind,
    pub parent: Option<JurisdictionCode>,
}

impl NewJurisdiction {
    /// Whether it may sit where its parent puts it (see [`check_place`]).
    pub(crate) fn check_place(&self) -> CatalogResult<()> {
        check_place(&self.code, self.kind, self.parent.as_ref())
    }
}

impl TryFrom<JurisdictionInput> for NewJurisdiction {
    type Error = CatalogError;

    fn try_from(input: JurisdictionInput) -> CatalogResult<Self> {
        let code = JurisdictionCode::parse("code", input.code.trim())?;
        let name = validate::required("name", &input.name, max::NAME)?;
        let parent = input
            .parent
            .as_deref()
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .map(|p| JurisdictionCode::parse("parent", p))
            .transpose()?;
        Ok(Self {
            code,
            name,
            kind: input.kind,
            parent,
        })
    }
}

/// Checks where a new jurisdiction sits: a federal one stands alone, any other sits under
/// the jurisdiction it belongs to and extends its code (`US-NY` under `US`), so codes read
/// as the hierarchy they name.
pub(crate) fn check_place(
    code: &JurisdictionCode,
    kind: JurisdictionKind,
    parent: Option<&JurisdictionCode>,
) -> CatalogResult<()> {
    match (kind, parent) {
        (JurisdictionKind::Federal, None) => Ok(()),
        (JurisdictionKind::Federal, Some(_)) => Err(CatalogError::bad_input(
            "parent",
            "a federal jurisdiction has no parent",
        )),
        (_, None) => Err(CatalogError::bad_input(
            "parent",
            "give the code of the jurisdiction this one belongs to",
        )),
        (_, Some(parent)) if !code.as_str().starts_with(&format!("{parent}-")) => {
            Err(CatalogError::bad_input(
                "code",
                format!("a jurisdiction under `{parent}` has a code that starts with `{parent}-`"),
            ))
        }
        _ => Ok(()),
    }
}

/// The ids of `start` and of every jurisdiction above it, nearest first, finding parents
/// with `get`; a cycle in the data ends the chain rather than hanging a request.
pub(crate) fn chain_up<'a>(
    start: &'a jurisdiction::Model,
    get: impl Fn(i32) -> Option<&'a jurisdiction::Model>,
) -> Vec<i32> {
    let mut chain = vec![start.id];
    let mut parent = start.parent_id;
    while let Some(id) = parent {
        if chain.contains(&id) {
            break;
        }
        chain.push(id);
        parent = get(id).and_then(|j| j.parent_id);
    }
    chain
}

impl Catalog {
    /// Every jurisdiction, broadest first (federal, then states, then local).
    pub async fn jurisdictions(&self) -> CatalogResult<Vec<jurisdiction::Model>> {
        let all = jurisdiction::Entity::find()
            .order_by_asc(jurisdiction::Column::Code)
            .all(&self.db)
            .await?;
        let depth = |j: &jurisdiction::Model| j.code.matches('-').count();
        let mut all = all;
        all.sort_by(|a, b| depth(a).cmp(&depth(b)).then_with(|| a.code.cmp(&b.code)));
        Ok(all)
    }

    /// The jurisdiction with this code, if any.
    pub async fn jurisdiction_by_code(
        &self,
        code: &JurisdictionCode,
    ) -> CatalogResult<Option<jurisdiction::Model>> {
        Ok(jurisdiction::Entity::find()
            .filter(jurisdiction::Column::Code.eq(code.as_str()))
            .one(&self.db)
            .await?)
    }

    /// The ids of a jurisdiction and of every jurisdiction above it, nearest first.
    /// An unknown code is a `BadInput` on `field`.
    pub async fn jurisdiction_with_ancestors(
        &self,
        field: &str,
        code: &JurisdictionCode,
    ) -> CatalogResult<Vec<i32>> {
        let all = by_id(jurisdiction::Entity::find().all(&self.db).await?, |j| j.id);
        let start = all
            .values()
            .find(|j| j.code == code.as_str())
            .ok_or_else(|| {
                CatalogError::bad_input(field, format!("unknown jurisdiction `{}`", code.as_str()))
            })?;
        Ok(chain_up(start, |id| all.get(&id)))
    }

    /// Jurisdictions by id.
    pub async fn jurisdictions_by_ids(
        &self,
        ids: &[i32],
    ) -> CatalogResult<HashMap<i32, jurisdiction::Model>> {
        let rows = jurisdiction::Entity::find()
            .filter(jurisdiction::Column::Id.is_in(ids.to_vec()))
            .all(&self.db)
            .await?;
        Ok(by_id(rows, |j| j.id))
    }

    /// Creates a jurisdiction.
    pub async fn create_jurisdiction(
        &self,
        principal: &Principal,
        input: JurisdictionInput,
    ) -> CatalogResult<jurisdiction::Model> {
        let key = require_admin(principal, ADMINISTER)?;
        let new = NewJurisdiction::try_from(input)?;
        let txn = self.begin_write().await?;
        let parent_id = match &new.parent {
            Some(p) => Some(jurisdiction_id(&txn, "parent", p.as_str()).await?),
            None => None,
        };
        new.check_place()?;
        let NewJurisdiction {
            code, name, kind, ..
        } = new;
        let row = jurisdiction::ActiveModel {
            id: NotSet,
            code: Set(code.as_str().to_owned()),
            name: Set(name),
            kind: Set(kind),
            parent_id: Set(parent_id),
            version: Set(1),
        };
        let created = insert_unique(
            &txn,
            row,
            UniqueKey {
                index: "ux_jurisdiction_code",
                column: jurisdiction::Column::Code,
                value: code.as_str(),
                field: "code",
                message: format!("the code `{}` is taken", code),
                record: "Jurisdiction",
            },
            |h| h.id,
        )
        .await?;
        self.commit_recorded(
            txn,
            key,
            "jurisdiction.create",
            ("Jurisdiction", created.id, None),
            None,
            Some(jurisdiction_json(&created)),
        )
        .await?;
        Ok(created)
    }

    /// Renames a jurisdiction. Its code, kind and place are fixed: services, agencies and
    /// residents' queries refer to them.
    pub async fn rename_jurisdiction(
        &self,
        principal: &Principal,
        id: i32,
        expected_version: i32,
        name: &str,
    ) -> CatalogResult<jurisdiction::Model> {
        let key = require_admin(principal, ADMINISTER)?;
        let name = validate::required("name", name, max::NAME)?;
        let txn = self.begin_write().await?;
        let current = jurisdiction::Entity::find_by_id(id)
            .one(&txn)
            .await?
            .ok_or_else(|| CatalogError::not_found("id", format!("jurisdiction {id}")))?;
        expect_version("jurisdiction", current.version, Some(expected_version))?;
        let mut active = current.clone().into_active_model();
        active.name = Set(name);
        active.version = Set(current.version + 1);
        let updated = active.update(&txn).await?;
        self.commit_recorded(
            txn,
            key,
            "jurisdiction.update",
            ("Jurisdiction", id, None),
            Some(jurisdiction_json(&current)),
            Some(jurisdiction_json(&updated)),
        )
        .await?;
        Ok(updated)
    }
}
