//! Eligibility criteria: the reusable questions rules are written against, read and
//! administered by ADMIN keys (options in use by a rule are kept).

use std::collections::{HashMap, HashSet};

use sea_orm::{
    ActiveModelTrait, ActiveValue::NotSet, ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter,
    Set,
};
use serde_json::{Value, json};

use crate::catalog::eligibility::{CriterionOption, CriterionShape, Rule};
use crate::catalog::error::{CatalogError, CatalogResult, ConflictCode};
use crate::catalog::page::{Cursor, Page, PageRequest};
use crate::catalog::principal::{ADMINISTER, Principal, require_admin};
use crate::catalog::service::write::expect_version;
use crate::catalog::store::{UniqueKey, by_id, changed, insert_unique};
use crate::catalog::types::{CriterionKind, IncomePeriod, Slug};
use crate::catalog::validate::{max, max_items};
use crate::catalog::{Catalog, validate};
use crate::entity::{criterion, eligibility_rule, service};

/// A new eligibility criterion.
#[derive(Debug, Clone)]
pub struct CriterionInput {
    pub key: String,
    pub label: String,
    pub description: String,
    pub kind: CriterionKind,
    pub options: Vec<CriterionOption>,
    pub unit: Option<String>,
    /// For an income criterion (NUMBER), the period the income is counted over; fixed once
    /// created, as income rules depend on it.
    pub income_period: Option<IncomePeriod>,
    /// For a DATE criterion, whether answers may be after `asOf` (an expected due date);
    /// fixed once created.
    pub future_dates: bool,
}

/// Changes to a criterion; its key and kind are fixed, as rules depend on them.
#[derive(Debug, Clone, Default)]
pub struct CriterionChanges {
    pub label: Option<String>,
    pub description: Option<String>,
    pub options: Option<Vec<CriterionOption>>,
    /// An empty string clears it.
    pub unit: Option<String>,
}

pub(crate) fn criterion_json(c: &criterion::Model) -> Value {
    json!({ "key": c.key, "label": c.label, "description": c.description, "kind": c.kind,
            "options": c.options.as_deref().and_then(|o| serde_json::from_str::<Value>(o).ok()),
            "unit": c.unit, "incomePeriod": c.income_period, "futureDates": c.future_dates,
            "version": c.version })
}

/// Checks a criterion's options against its kind: SELECT and MULTI_SELECT take 1 to 100
/// with distinct slug values; other kinds take none.
/// A new criterion, every field checked: what `criterionCreate` and a catalog document's
/// `criteria` entry both become before anything is written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewCriterion {
    pub key: Slug,
    pub label: String,
    pub description: String,
    pub kind: CriterionKind,
    /// The options as stored (JSON), for SELECT and MULTI_SELECT criteria.
    pub options: Option<String>,
    pub unit: Option<String>,
    pub income_period: Option<IncomePeriod>,
    pub future_dates: bool,
}

impl TryFrom<CriterionInput> for NewCriterion {
    type Error = CatalogError;

    fn try_from(input: CriterionInput) -> CatalogResult<Self> {
        Ok(Self {
            key: Slug::parse("key", input.key.trim())?,
            label: validate::required("label", &input.label, max::LABEL)?,
            description: validate::required("description", &input.description, max::SUMMARY)?,
            kind: input.kind,
            options: check_options(input.kind, &input.options)?,
            unit: validate::optional("unit", input.unit.as_deref(), max::UNIT)?,
            income_period: match input.income_period {
                Some(_) if input.kind != CriterionKind::Number => {
                    return Err(CatalogError::bad_input(
                        "incomePeriod",
                        "only a NUMBER criterion holds an income",
                    ));
                }
                period => period,
            },
            future_dates: match input.future_dates {
                true if input.kind != CriterionKind::Date => {
                    return Err(CatalogError::bad_input(
                        "futureDates",
                        "only a DATE criterion takes dates",
                    ));
                }
                allowed => allowed,
            },
        })
    }
}

pub(crate) fn check_options(
    kind: CriterionKind,
    options: &[CriterionOption],
) -> CatalogResult<Option<String>> {
    let field = "options";
    let needs = matches!(kind, CriterionKind::Select | CriterionKind::MultiSelect);
    if !needs {
        return if options.is_empty() {
            Ok(None)
        } else {
            Err(CatalogError::bad_input(
                field,
                format!("{} criteria take no options", kind.as_str()),
            ))
        };
    }
    validate::count(field, options.len(), 1, max_items::OPTIONS)?;
    let mut seen = HashSet::new();
    let mut clean = Vec::new();
    for (i, o) in options.iter().enumerate() {
        let value = Slug::parse(&format!("{field}[{i}].value"), o.value.trim())?;
        if !seen.insert(value.as_str().to_owned()) {
            return Err(CatalogError::bad_input(
                format!("{field}[{i}].value"),
                format!("`{value}` appears twice"),
            ));
        }
        clean.push(CriterionOption {
            value: value.as_str().to_owned(),
            label: validate::required(&format!("{field}[{i}].label"), &o.label, max::LABEL)?,
        });
    }
    serde_json::to_string(&clean)
        .map(Some)
        .map_err(|e| CatalogError::internal(format!("options: {e}")))
}

impl Catalog {
    /// A page of eligibility criteria, by label.
    pub async fn criteria(&self, page: &PageRequest) -> CatalogResult<Page<criterion::Model>> {
        self.keyset_page(
            criterion::Entity::find(),
            (
                sea_orm::sea_query::Expr::col(criterion::Column::Label),
                criterion::Column::Id,
            ),
            page,
            |c| Cursor {
                name: c.label.clone(),
                id: c.id,
            },
        )
        .await
    }

    /// Criteria by id.
    pub async fn criteria_by_ids(
        &self,
        ids: &[i32],
    ) -> CatalogResult<HashMap<i32, criterion::Model>> {
        let rows = criterion::Entity::find()
            .filter(criterion::Column::Id.is_in(ids.to_vec()))
            .all(&self.db)
            .await?;
        Ok(by_id(rows, |c| c.id))
    }

    /// The criterion with this key, if any.
    pub async fn criterion_by_key(&self, key: &str) -> CatalogResult<Option<criterion::Model>> {
        Ok(criterion::Entity::find()
            .filter(criterion::Column::Key.eq(key))
            .one(&self.db)
            .await?)
    }
    /// Creates an eligibility criterion.
    pub async fn create_criterion(
        &self,
        principal: &Principal,
        input: CriterionInput,
    ) -> CatalogResult<criterion::Model> {
        let key = require_admin(principal, ADMINISTER)?;
        let NewCriterion {
            key: criterion_key,
            label,
            description,
            kind,
            options,
            unit,
            income_period,
            future_dates,
        } = NewCriterion::try_from(input)?;
        let txn = self.begin_write().await?;
        let row = criterion::ActiveModel {
            id: NotSet,
            key: Set(criterion_key.as_str().to_owned()),
            label: Set(label),
            description: Set(description),
            kind: Set(kind),
            options: Set(options),
            unit: Set(unit),
            version: Set(1),
            income_period: Set(income_period),
            future_dates: Set(future_dates),
        };
        let created = insert_unique(
            &txn,
            row,
            UniqueKey {
                index: "ux_criterion_key",
                column: criterion::Column::Key,
                value: criterion_key.as_str(),
                field: "key",
                message: format!("the key `{criterion_key}` is taken"),
                record: "Criterion",
            },
            |h| h.id,
        )
        .await?;
        self.commit_recorded(
            txn,
            key,
            "criterion.create",
            ("Criterion", created.id, None),
            None,
            Some(criterion_json(&created)),
        )
        .await?;
        Ok(created)
    }

    /// Changes a criterion. New options must still fit every rule that uses it.
    pub async fn update_criterion(
        &self,
        principal: &Principal,
        id: i32,
        expected_version: i32,
        changes: CriterionChanges,
    ) -> CatalogResult<criterion::Model> {
        let key = require_admin(principal, ADMINISTER)?;
        let txn = self.begin_write().await?;
        let current = criterion::Entity::find_by_id(id)
            .one(&txn)
            .await?
            .ok_or_else(|| CatalogError::not_found("id", format!("criterion {id}")))?;
        expect_version("criterion", current.version, Some(expected_version))?;
        let kind: CriterionKind = current.kind;
        let mut next = current.clone();
        next.label = changed(changes.label.as_deref(), &current.label, |v| {
            validate::required("label", v, max::LABEL)
        })?;
        next.description = changed(changes.description.as_deref(), &current.description, |v| {
            validate::required("description", v, max::SUMMARY)
        })?;
        if let Some(unit) = &changes.unit {
            next.unit = validate::optional("unit", Some(unit), max::UNIT)?;
        }
        if let Some(options) = &changes.options {
            next.options = check_options(kind, options)?;
            let shape = CriterionShape::from_row(&next)?;
            let mut misfits = Vec::new();
            for rule in eligibility_rule::Entity::find()
                .filter(eligibility_rule::Column::CriterionId.eq(id))
                .all(&txn)
                .await?
            {
                let value: Value = serde_json::from_str(&rule.value)
                    .map_err(|e| CatalogError::internal(format!("rule value: {e}")))?;
                if Rule::parse("rule", &shape, rule.operator, &value).is_err() {
                    misfits.push(rule.service_id);
                }
            }
            if !misfits.is_empty() {
                let slugs: Vec<String> = service::Entity::find()
                    .filter(service::Column::Id.is_in(misfits))
                    .all(&txn)
                    .await?
                    .into_iter()
                    .map(|s| s.slug)
                    .collect::<std::collections::BTreeSet<_>>()
                    .into_iter()
                    .collect();
                return Err(CatalogError::conflict(
                    "options",
                    ConflictCode::InUse,
                    format!(
                        "rules of {} use options this change removes; change those rules first",
                        slugs.join(", ")
                    ),
                ));
            }
        }
        next.version = current.version + 1;
        let mut active = next.into_active_model().reset_all();
        active.id = sea_orm::ActiveValue::Unchanged(id);
        let updated = active.update(&txn).await?;
        self.commit_recorded(
            txn,
            key,
            "criterion.update",
            ("Criterion", id, None),
            Some(criterion_json(&current)),
            Some(criterion_json(&updated)),
        )
        .await?;
        Ok(updated)
    }
}
