//! Reference tables: named series of amounts by household size (the HHS poverty guidelines,
//! a state median income), in versions each valid from a date until the next one. Income
//! rules compare a resident's income with a percent of the version in force on the day they
//! are evaluated (`AT_MOST_PERCENT_OF_TABLE`, `AT_LEAST_PERCENT_OF_TABLE`).
//!
//! ADMIN keys set them (`Catalog::set_reference_table`); catalog documents load them through
//! the same checks. A version in force is never edited in place: a change is a new version
//! from a later date. A table a rule uses cannot be deleted.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use chrono::{NaiveDate, Utc};
use sea_orm::{
    ActiveModelTrait, ActiveValue::NotSet, ColumnTrait, ConnectionTrait, DatabaseTransaction,
    EntityTrait, IntoActiveModel, QueryFilter, QueryOrder, Set,
};
use serde_json::{Value, json};

use crate::catalog::Catalog;
use crate::catalog::error::{CatalogError, CatalogResult, ConflictCode};
use crate::catalog::principal::{ADMINISTER, Principal, require_admin};
use crate::catalog::store::{UniqueKey, insert_unique};
use crate::catalog::types::{IncomePeriod, RuleOperator, Slug, truncate};
use crate::catalog::validate::{self, max};
use crate::entity::{eligibility_rule, reference_table, reference_table_version, service};

/// The most household sizes a version lists; larger households add `additional_person`.
pub const MAX_SIZES: usize = 20;

/// The criterion whose answer says how many people a table's amount is for.
pub const HOUSEHOLD_SIZE: &str = "household-size";

/// One version of a table.
#[derive(Debug, Clone, PartialEq)]
pub struct Version {
    /// The first day it is in force.
    pub effective_from: NaiveDate,
    /// The amounts for households of 1, 2, ... people.
    pub amounts: Vec<f64>,
    /// What each person beyond the listed sizes adds.
    pub additional_person: f64,
    /// Where the figures come from.
    pub source_url: String,
}

impl Version {
    /// The amount for a household of `size` people (`None` for fewer than one).
    pub fn amount(&self, size: u32) -> Option<f64> {
        let index = usize::try_from(size).ok()?.checked_sub(1)?;
        if let Some(amount) = self.amounts.get(index) {
            return Some(*amount);
        }
        let last = *self.amounts.last()?;
        let beyond = index + 1 - self.amounts.len();
        Some(last + self.additional_person * beyond as f64)
    }
}

/// A reference table with its versions, oldest first.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    pub key: String,
    pub name: String,
    pub description: String,
    /// The period its amounts are for.
    pub period: IncomePeriod,
    pub versions: Vec<Version>,
}

impl Table {
    /// The version in force on `day`: the latest one effective on or before it.
    pub fn in_force(&self, day: NaiveDate) -> Option<&Version> {
        self.versions.iter().rev().find(|v| v.effective_from <= day)
    }
}

/// Every table, by key, as rules are evaluated against them (each candidate's income rule
/// looks its table up, so the map hashes fast).
pub type Tables = HashMap<String, Arc<Table>, crate::catalog::hash::FastHash>;

/// `amount` of a `from` period as an amount of the `to` period (a year is 12 months).
pub fn convert(amount: f64, from: IncomePeriod, to: IncomePeriod) -> f64 {
    match (from, to) {
        (IncomePeriod::Annual, IncomePeriod::Monthly) => amount / 12.0,
        (IncomePeriod::Monthly, IncomePeriod::Annual) => amount * 12.0,
        _ => amount,
    }
}

/// A version to set, as an ADMIN key or a catalog document gives it.
#[derive(Debug, Clone)]
pub struct TableVersionInput {
    pub key: String,
    pub name: String,
    pub description: String,
    pub period: IncomePeriod,
    pub effective_from: String,
    pub amounts: Vec<f64>,
    pub additional_person: f64,
    pub source_url: String,
}

/// A version to set, every field checked.
#[derive(Debug, Clone)]
pub struct NewTableVersion {
    pub key: Slug,
    pub name: String,
    pub description: String,
    pub period: IncomePeriod,
    pub version: Version,
}

impl TryFrom<TableVersionInput> for NewTableVersion {
    type Error = CatalogError;

    fn try_from(input: TableVersionInput) -> CatalogResult<Self> {
        let effective_from = validate::date(input.effective_from.trim()).ok_or_else(|| {
            CatalogError::bad_input(
                "effectiveFrom",
                format!(
                    "expected a date such as \"2026-01-15\", got `{}`",
                    truncate(&input.effective_from)
                ),
            )
        })?;
        validate::count("amounts", input.amounts.len(), 1, MAX_SIZES)?;
        let mut previous = 0.0;
        for (i, amount) in input.amounts.iter().enumerate() {
            if !amount.is_finite() || *amount <= 0.0 || *amount > 1e9 {
                return Err(CatalogError::bad_input(
                    format!("amounts[{i}]"),
                    "must be a positive amount of at most 1,000,000,000",
                ));
            }
            if *amount < previous {
                return Err(CatalogError::bad_input(
                    format!("amounts[{i}]"),
                    "a larger household's amount may not be below a smaller one's",
                ));
            }
            previous = *amount;
        }
        if !input.additional_person.is_finite()
            || input.additional_person < 0.0
            || input.additional_person > 1e9
        {
            return Err(CatalogError::bad_input(
                "additionalPerson",
                "must be an amount from 0 to 1,000,000,000",
            ));
        }
        Ok(Self {
            key: Slug::parse("key", input.key.trim())?,
            name: validate::required("name", &input.name, max::NAME)?,
            description: validate::required("description", &input.description, max::SUMMARY)?,
            period: input.period,
            version: Version {
                effective_from,
                amounts: input.amounts,
                additional_person: input.additional_person,
                source_url: validate::url("sourceUrl", &input.source_url)?.into(),
            },
        })
    }
}

fn version_json(v: &Version) -> Value {
    json!({ "effectiveFrom": v.effective_from, "amounts": v.amounts,
            "additionalPerson": v.additional_person, "sourceUrl": v.source_url })
}

fn table_json(t: &reference_table::Model, version: Option<&Version>) -> Value {
    json!({ "key": t.key, "name": t.name, "description": t.description, "period": t.period,
            "version": version.map(version_json) })
}

fn version_of(row: &reference_table_version::Model) -> CatalogResult<Version> {
    let amounts = serde_json::from_str(&row.amounts)
        .map_err(|e| CatalogError::internal(format!("reference table version {}: {e}", row.id)))?;
    Ok(Version {
        effective_from: row.effective_from,
        amounts,
        additional_person: row.additional_person,
        source_url: row.source_url.clone(),
    })
}

/// Every table with its versions, by key.
pub(crate) async fn load_tables(db: &impl ConnectionTrait) -> CatalogResult<Tables> {
    let rows = reference_table::Entity::find().all(db).await?;
    let mut versions: HashMap<i32, Vec<Version>> = HashMap::new();
    for v in reference_table_version::Entity::find()
        .order_by_asc(reference_table_version::Column::EffectiveFrom)
        .all(db)
        .await?
    {
        versions
            .entry(v.table_id)
            .or_default()
            .push(version_of(&v)?);
    }
    Ok(rows
        .into_iter()
        .map(|t| {
            let table = Table {
                versions: versions.remove(&t.id).unwrap_or_default(),
                key: t.key.clone(),
                name: t.name,
                description: t.description,
                period: t.period,
            };
            (t.key, Arc::new(table))
        })
        .collect())
}

/// The keys of every table, for checking the rules that name them.
pub(crate) async fn table_keys(db: &impl ConnectionTrait) -> CatalogResult<HashSet<String>> {
    Ok(reference_table::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|t| t.key)
        .collect())
}

/// The table a stored income rule names, if it is one.
fn table_of(rule: &eligibility_rule::Model) -> Option<String> {
    matches!(
        rule.operator,
        RuleOperator::AtMostPercentOfTable | RuleOperator::AtLeastPercentOfTable
    )
    .then(|| serde_json::from_str::<Value>(&rule.value).ok())
    .flatten()
    .and_then(|v| v.get("table").and_then(Value::as_str).map(str::to_owned))
}

/// What setting a version changed: the table's row id, and its JSON before and after.
pub(crate) type TableChange = (i32, Option<Value>, Value);

/// Sets one version of a table inside `txn`, creating the table when its key is new: what
/// `referenceTableSet` and a catalog document's `referenceTables` entries both run. A
/// version already in force on `today` is never replaced. `None` when nothing changed.
pub(crate) async fn put_version(
    txn: &DatabaseTransaction,
    new: &NewTableVersion,
    today: NaiveDate,
) -> CatalogResult<Option<TableChange>> {
    let now = Utc::now();
    let existing = reference_table::Entity::find()
        .filter(reference_table::Column::Key.eq(new.key.as_str()))
        .one(txn)
        .await?;
    let table = match existing {
        Some(t) if t.period != new.period => {
            return Err(CatalogError::bad_input(
                "period",
                format!(
                    "`{}` holds {} amounts; its period cannot change",
                    t.key,
                    t.period.as_str().to_lowercase()
                ),
            ));
        }
        Some(t) if t.name != new.name || t.description != new.description => {
            let mut row = t.into_active_model();
            row.name = Set(new.name.clone());
            row.description = Set(new.description.clone());
            row.update(txn).await?
        }
        Some(t) => t,
        None => {
            let row = reference_table::ActiveModel {
                id: NotSet,
                key: Set(new.key.as_str().to_owned()),
                name: Set(new.name.clone()),
                description: Set(new.description.clone()),
                period: Set(new.period),
                created_at: Set(now),
            };
            let key = UniqueKey {
                index: "ux_reference_table_key",
                column: reference_table::Column::Key,
                value: new.key.as_str(),
                field: "key",
                message: format!("the table `{}` was just created", new.key),
                record: "ReferenceTable",
            };
            insert_unique(txn, row, key, |t| t.id).await?
        }
    };
    let same_day = reference_table_version::Entity::find()
        .filter(reference_table_version::Column::TableId.eq(table.id))
        .filter(reference_table_version::Column::EffectiveFrom.eq(new.version.effective_from))
        .one(txn)
        .await?;
    let before = match same_day {
        Some(row) => {
            let old = version_of(&row)?;
            if old == new.version {
                return Ok(None);
            }
            if row.effective_from <= today {
                return Err(CatalogError::conflict(
                    "effectiveFrom",
                    ConflictCode::InvalidTransition,
                    format!(
                        "the version of `{}` from {} is in force and cannot change; set a new version from a later date",
                        table.key, row.effective_from
                    ),
                ));
            }
            reference_table_version::Entity::delete_by_id(row.id)
                .exec(txn)
                .await?;
            Some(table_json(&table, Some(&old)))
        }
        None => None,
    };
    let version = &new.version;
    let amounts = serde_json::to_string(&version.amounts)
        .map_err(|e| CatalogError::internal(format!("amounts: {e}")))?;
    reference_table_version::ActiveModel {
        id: NotSet,
        table_id: Set(table.id),
        effective_from: Set(version.effective_from),
        amounts: Set(amounts),
        additional_person: Set(version.additional_person),
        source_url: Set(version.source_url.clone()),
        created_at: Set(now),
    }
    .insert(txn)
    .await?;
    Ok(Some((table.id, before, table_json(&table, Some(version)))))
}

impl Catalog {
    /// Every reference table with its versions, by key.
    pub async fn reference_tables(&self) -> CatalogResult<Vec<Arc<Table>>> {
        let mut tables: Vec<Arc<Table>> = load_tables(&self.db).await?.into_values().collect();
        tables.sort_by(|a, b| a.key.cmp(&b.key));
        Ok(tables)
    }

    /// Sets one version of a reference table (ADMIN), creating the table when its key is
    /// new. Residents' verdicts change from the version's date on.
    pub async fn set_reference_table(
        &self,
        principal: &Principal,
        input: TableVersionInput,
    ) -> CatalogResult<Arc<Table>> {
        let admin = require_admin(principal, ADMINISTER)?;
        let new = NewTableVersion::try_from(input)?;
        let txn = self.begin_write().await?;
        let change = put_version(&txn, &new, Utc::now().date_naive()).await?;
        let table = load_tables(&txn).await?.remove(new.key.as_str());
        match change {
            Some((id, before, after)) => {
                let record = ("ReferenceTable", id, None);
                let action = "referenceTable.set";
                self.commit_recorded(txn, admin, action, record, before, Some(after))
                    .await?
            }
            None => self.commit(txn).await?,
        }
        table.ok_or_else(|| CatalogError::internal("the table set is missing"))
    }

    /// Deletes a reference table and its versions (ADMIN); refused while a rule uses it.
    pub async fn delete_reference_table(
        &self,
        principal: &Principal,
        key: &str,
    ) -> CatalogResult<String> {
        let admin = require_admin(principal, ADMINISTER)?;
        let txn = self.begin_write().await?;
        let table = reference_table::Entity::find()
            .filter(reference_table::Column::Key.eq(key))
            .one(&txn)
            .await?
            .ok_or_else(|| CatalogError::not_found("key", format!("reference table `{key}`")))?;
        let users: Vec<i32> = eligibility_rule::Entity::find()
            .filter(eligibility_rule::Column::Operator.is_in([
                RuleOperator::AtMostPercentOfTable,
                RuleOperator::AtLeastPercentOfTable,
            ]))
            .all(&txn)
            .await?
            .into_iter()
            .filter(|r| table_of(r).as_deref() == Some(key))
            .map(|r| r.service_id)
            .collect();
        if !users.is_empty() {
            let mut slugs: Vec<String> = service::Entity::find()
                .filter(service::Column::Id.is_in(users))
                .all(&txn)
                .await?
                .into_iter()
                .map(|s| s.slug)
                .collect();
            slugs.sort();
            return Err(CatalogError::conflict(
                "key",
                ConflictCode::InUse,
                format!(
                    "rules of {} use `{key}`; change them first",
                    slugs.join(", ")
                ),
            ));
        }
        reference_table::Entity::delete_by_id(table.id)
            .exec(&txn)
            .await?;
        let before = Some(table_json(&table, None));
        let record = ("ReferenceTable", table.id, None);
        self.commit_recorded(txn, admin, "referenceTable.delete", record, before, None)
            .await?;
        Ok(table.key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn version(amounts: &[f64], extra: f64) -> Version {
        Version {
            effective_from: NaiveDate::from_ymd_opt(2025, 1, 15).unwrap(),
            amounts: amounts.to_vec(),
            additional_person: extra,
            source_url: "https://aspe.hhs.gov".into(),
        }
    }

    #[test]
    fn sizes_beyond_the_list_add_the_increment_for_each_person() {
        let v = version(&[100.0, 150.0], 40.0);
        assert_eq!(v.amount(0), None);
        assert_eq!(v.amount(1), Some(100.0));
        assert_eq!(v.amount(2), Some(150.0));
        assert_eq!(v.amount(3), Some(190.0));
        assert_eq!(v.amount(5), Some(270.0));
    }

    #[test]
    fn the_version_in_force_is_the_latest_one_from_on_or_before_the_day() {
        let mut later = version(&[200.0], 0.0);
        later.effective_from = NaiveDate::from_ymd_opt(2026, 1, 15).unwrap();
        let table = Table {
            key: "t".into(),
            name: "T".into(),
            description: "d".into(),
            period: IncomePeriod::Annual,
            versions: vec![version(&[100.0], 0.0), later],
        };
        let day = |m, d| NaiveDate::from_ymd_opt(2026, m, d).unwrap();
        assert_eq!(table.in_force(day(1, 14)).unwrap().amounts, [100.0]);
        assert_eq!(table.in_force(day(1, 15)).unwrap().amounts, [200.0]);
        assert!(
            table
                .in_force(NaiveDate::from_ymd_opt(2024, 12, 31).unwrap())
                .is_none()
        );
    }
}
