//! A service's structured eligibility rules: validated against their criteria, replaced as a
//! whole, and compared so an unchanged set is not rewritten.

use std::collections::{HashMap, HashSet};

use sea_orm::{
    ActiveModelTrait, ActiveValue::NotSet, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
    QueryOrder, Set,
};
use serde_json::{Value, json};

use crate::catalog::eligibility::{CriterionShape, Rule, RuleValue};
use crate::catalog::error::{CatalogError, CatalogResult};
use crate::catalog::names::criteria_by_key;
use crate::catalog::principal::Principal;
use crate::catalog::reference::table_keys;
use crate::catalog::service::fields::RuleGroupFields;
use crate::catalog::service::write::Edited;
use crate::catalog::store::{insert_all, position};
use crate::catalog::types::{RuleGroupMode, RuleOperator, parse_enum};
use crate::catalog::validate::{max, max_items};
use crate::catalog::{Catalog, validate};
use crate::entity::{eligibility_rule, eligibility_rule_group, service};

pub(crate) fn rules_json(rows: &[RuleGroupRow]) -> Value {
    rows.iter()
        .map(|(mode, description, rules)| {
            json!({ "mode": mode, "description": description, "rules": rules.iter()
                .map(|(criterion, operator, value)| json!({ "criterionId": criterion, "operator": operator, "value": value }))
                .collect::<Vec<_>>() })
        })
        .collect()
}

/// A rule group as stored: mode, description, and `(criterion id, operator, value)` rules.
pub(crate) type RuleGroupRow = (
    RuleGroupMode,
    Option<String>,
    Vec<(i32, RuleOperator, String)>,
);

/// Validates eligibility rule groups against the criteria they name (`path` names the list).
pub(crate) fn check_rule_groups(
    path: &str,
    groups: &[RuleGroupFields],
    criteria: &HashMap<String, (i32, CriterionShape)>,
    tables: &HashSet<String>,
) -> CatalogResult<Vec<RuleGroupRow>> {
    validate::count(path, groups.len(), 0, max_items::RULE_GROUPS)?;
    let mut rows = Vec::new();
    for (g, group) in groups.iter().enumerate() {
        let gpath = format!("{path}[{g}]");
        let mode = parse_enum(
            &format!("{gpath}.mode"),
            &group.mode,
            RuleGroupMode::ALL,
            |k| k.as_str(),
        )?;
        validate::count(
            &format!("{gpath}.rules"),
            group.rules.len(),
            1,
            max_items::RULES_PER_GROUP,
        )?;
        let mut group_rules = Vec::new();
        for (r, rule) in group.rules.iter().enumerate() {
            let rpath = format!("{gpath}.rules[{r}]");
            let (criterion, shape) = criteria.get(&rule.criterion).ok_or_else(|| {
                CatalogError::bad_input(
                    format!("{rpath}.criterion"),
                    format!("unknown criterion `{}`", rule.criterion),
                )
            })?;
            let operator = parse_enum(
                &format!("{rpath}.operator"),
                &rule.operator,
                RuleOperator::ALL,
                |k| k.as_str(),
            )?;
            let parsed = Rule::parse(&rpath, shape, operator, &rule.value)?;
            if let RuleValue::Table { table, .. } = &parsed.value
                && !tables.contains(table)
            {
                return Err(CatalogError::bad_input(
                    format!("{rpath}.value.table"),
                    format!("unknown reference table `{table}`"),
                ));
            }
            group_rules.push((*criterion, operator, rule.value.to_string()));
        }
        rows.push((
            mode,
            validate::optional(
                &format!("{gpath}.description"),
                group.description.as_deref(),
                max::SUMMARY,
            )?,
            group_rules,
        ));
    }
    Ok(rows)
}

/// A service's rule groups as stored.
pub(crate) async fn current_rules(
    db: &impl ConnectionTrait,
    service_id: i32,
) -> CatalogResult<Vec<RuleGroupRow>> {
    let groups = eligibility_rule_group::Entity::find()
        .filter(eligibility_rule_group::Column::ServiceId.eq(service_id))
        .order_by_asc(eligibility_rule_group::Column::Position)
        .all(db)
        .await?;
    let rules = eligibility_rule::Entity::find()
        .filter(eligibility_rule::Column::ServiceId.eq(service_id))
        .order_by_asc(eligibility_rule::Column::Position)
        .all(db)
        .await?;
    Ok(groups
        .iter()
        .map(|g| {
            let rs = rules
                .iter()
                .filter(|r| r.group_id == g.id)
                .map(|r| (r.criterion_id, r.operator, r.value.clone()))
                .collect();
            (g.mode, g.description.clone(), rs)
        })
        .collect())
}

/// Replaces a service's rule groups with `groups`.
pub(crate) async fn replace_rules(
    db: &impl ConnectionTrait,
    service_id: i32,
    groups: &[RuleGroupRow],
) -> CatalogResult<()> {
    eligibility_rule::Entity::delete_many()
        .filter(eligibility_rule::Column::ServiceId.eq(service_id))
        .exec(db)
        .await?;
    eligibility_rule_group::Entity::delete_many()
        .filter(eligibility_rule_group::Column::ServiceId.eq(service_id))
        .exec(db)
        .await?;
    for (g, (mode, description, group_rules)) in groups.iter().enumerate() {
        let group = eligibility_rule_group::ActiveModel {
            id: NotSet,
            service_id: Set(service_id),
            mode: Set(*mode),
            position: Set(position(g)),
            description: Set(description.clone()),
        }
        .insert(db)
        .await?;
        insert_all(
            db,
            group_rules
                .iter()
                .enumerate()
                .map(
                    |(r, (criterion_id, operator, value))| eligibility_rule::ActiveModel {
                        id: NotSet,
                        group_id: Set(group.id),
                        service_id: Set(service_id),
                        criterion_id: Set(*criterion_id),
                        operator: Set(*operator),
                        value: Set(value.clone()),
                        position: Set(position(r)),
                    },
                ),
        )
        .await?;
    }
    Ok(())
}

impl Catalog {
    /// Replaces the service's structured eligibility rules (an empty list removes them).
    pub async fn set_eligibility(
        &self,
        principal: &Principal,
        service_id: i32,
        expected_version: Option<i32>,
        groups: Vec<RuleGroupFields>,
    ) -> CatalogResult<service::Model> {
        let (work, ()) = self
            .edit_part(
                principal,
                ("id", service_id),
                expected_version,
                "service.eligibilitySet",
                async |txn, work| {
                    let criteria = criteria_by_key(txn).await?;
                    let tables = table_keys(txn).await?;
                    let rows = check_rule_groups("groups", &groups, &criteria, &tables)?;
                    let before = current_rules(txn, work.id).await?;
                    replace_rules(txn, work.id, &rows).await?;
                    Ok(Edited {
                        value: (),
                        before: Some(rules_json(&before)),
                        after: Some(rules_json(&rows)),
                    })
                },
            )
            .await?;
        Ok(work)
    }
}
