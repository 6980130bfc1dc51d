//! Administration of the catalog's shared records, for ADMIN keys (the state CX office):
//! agencies and their CSSP designations, life events and their journey stages, and the
//! eligibility criteria rules are written against. Each command is one transaction that
//! checks the key, validates, writes, moves the record's version and records an audit event.

use std::collections::{HashMap, HashSet};

use chrono::{NaiveDate, Utc};
use sea_orm::{
    ActiveModelTrait, ActiveValue::NotSet, ColumnTrait, ConnectionTrait, DatabaseTransaction,
    EntityTrait, IntoActiveModel, PaginatorTrait, QueryFilter, QueryOrder, Set, TryIntoModel,
};
use serde_json::{Value, json};

use super::Catalog;
use super::auth::{KeyPrincipal, Principal, require_admin};
use super::commands::{conflict, expect_version};
use super::eligibility::{CriterionOption, CriterionShape, Rule};
use super::error::{CatalogError, CatalogResult};
use super::types::{CriterionKind, JurisdictionCode, JurisdictionKind, Slug};
use super::validate::{self, max, max_items};
use crate::entity::{
    agency, criterion, cssp_designation, eligibility_rule, journey_stage, jurisdiction, life_event,
    life_event_service, service,
};

/// A new jurisdiction.
#[derive(Debug, Clone)]
pub struct JurisdictionInput {
    pub code: String,
    pub name: String,
    pub kind: JurisdictionKind,
    /// The code of the jurisdiction directly above it; none for a federal one.
    pub parent: Option<String>,
}

/// A new agency.
#[derive(Debug, Clone, Default)]
pub struct AgencyInput {
    pub slug: String,
    pub name: String,
    pub acronym: Option<String>,
    /// The code of its jurisdiction.
    pub jurisdiction: String,
    /// The slug of its parent agency.
    pub parent: Option<String>,
    pub website: Option<String>,
    pub phone: Option<String>,
    pub description: String,
}

/// Changes to an agency; `None` leaves a field as it is, an empty string clears an
/// optional one.
#[derive(Debug, Clone, Default)]
pub struct AgencyChanges {
    pub name: Option<String>,
    pub acronym: Option<String>,
    pub jurisdiction: Option<String>,
    pub parent: Option<String>,
    pub website: Option<String>,
    pub phone: Option<String>,
    pub description: Option<String>,
}

/// A CSSP designation.
#[derive(Debug, Clone)]
pub struct CsspInput {
    pub designated_on: NaiveDate,
    pub large_customer_base: bool,
    pub high_impact: bool,
    pub cx_lead_name: Option<String>,
    pub cx_lead_email: Option<String>,
    pub source: Option<String>,
}

/// A journey stage.
#[derive(Debug, Clone, Default)]
pub struct StageInput {
    pub slug: String,
    pub name: String,
    pub description: String,
}

/// A new life event with its stages, in journey order.
#[derive(Debug, Clone, Default)]
pub struct LifeEventInput {
    pub slug: String,
    pub name: String,
    pub description: String,
    pub eu_code: Option<String>,
    pub stages: Vec<StageInput>,
}

/// Changes to a life event or a journey stage; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct TextChanges {
    pub name: Option<String>,
    pub description: Option<String>,
    /// For life events: the EU life-event code; an empty string clears it.
    pub eu_code: Option<String>,
}

/// A new eligibility criterion.
#[derive(Debug, Clone)]
pub struct CriterionInput {
    pub key: String,
    pub label: String,
    pub description: String,
    pub kind: CriterionKind,
    pub options: Vec<CriterionOption>,
    pub unit: Option<String>,
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

const ADMINISTER: &str = "administer jurisdictions, agencies, life events and criteria";

fn taken(field: &str, message: String, record: &'static str, id: i32) -> CatalogError {
    CatalogError::Conflict {
        field: field.to_owned(),
        code: "TAKEN".to_owned(),
        message,
        existing: Some((record, id)),
    }
}

fn not_found(what: String) -> CatalogError {
    CatalogError::NotFound { what }
}

/// `new` when given, else `old`; each given value through `check`.
fn changed<T: Clone>(
    new: Option<&str>,
    old: &T,
    check: impl FnOnce(&str) -> CatalogResult<T>,
) -> CatalogResult<T> {
    new.map_or_else(|| Ok(old.clone()), check)
}

/// Records the change as made by `key`, then commits `txn`: every administration command
/// ends here, so none commits without its audit event.
async fn commit_recorded(
    txn: DatabaseTransaction,
    key: &KeyPrincipal,
    action: &str,
    (record_type, record_id, agency_id): (&str, i32, Option<i32>),
    before: Option<Value>,
    after: Option<Value>,
) -> CatalogResult<()> {
    super::audit::record(
        &txn,
        Some(key),
        super::audit::Change {
            action,
            record_type,
            record_id,
            agency_id,
            before: before.map(|v| v.to_string()),
            after: after.map(|v| v.to_string()),
            comment: None,
        },
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

fn jurisdiction_json(j: &jurisdiction::Model) -> Value {
    json!({ "code": j.code, "name": j.name, "kind": j.kind, "parentId": j.parent_id,
            "version": j.version })
}

fn agency_json(a: &agency::Model) -> Value {
    json!({ "slug": a.slug, "name": a.name, "acronym": a.acronym, "jurisdictionId": a.jurisdiction_id,
            "parentId": a.parent_id, "website": a.website, "phone": a.phone,
            "description": a.description, "version": a.version })
}

fn cssp_json(c: &cssp_designation::Model) -> Value {
    json!({ "designatedOn": c.designated_on.to_string(), "largeCustomerBase": c.large_customer_base,
            "highImpact": c.high_impact, "cxLeadName": c.cx_lead_name, "cxLeadEmail": c.cx_lead_email,
            "source": c.source })
}

fn life_event_json(e: &life_event::Model, stages: &[journey_stage::Model]) -> Value {
    json!({ "slug": e.slug, "name": e.name, "description": e.description, "euCode": e.eu_code,
            "version": e.version, "stages": stages.iter()
                .map(|s| json!({ "id": s.id, "slug": s.slug, "name": s.name, "position": s.position }))
                .collect::<Vec<_>>() })
}

fn criterion_json(c: &criterion::Model) -> Value {
    json!({ "key": c.key, "label": c.label, "description": c.description, "kind": c.kind,
            "options": c.options.as_deref().and_then(|o| serde_json::from_str::<Value>(o).ok()),
            "unit": c.unit, "version": c.version })
}

async fn jurisdiction_id(db: &impl ConnectionTrait, field: &str, code: &str) -> CatalogResult<i32> {
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

async fn agency_id_by_slug(
    db: &impl ConnectionTrait,
    field: &str,
    slug: &str,
) -> CatalogResult<i32> {
    let slug = Slug::parse(field, slug.trim())?;
    agency::Entity::find()
        .filter(agency::Column::Slug.eq(slug.as_str()))
        .one(db)
        .await?
        .map(|a| a.id)
        .ok_or_else(|| CatalogError::bad_input(field, format!("unknown agency `{slug}`")))
}

async fn stages_of(
    db: &impl ConnectionTrait,
    life_event_id: i32,
) -> CatalogResult<Vec<journey_stage::Model>> {
    Ok(journey_stage::Entity::find()
        .filter(journey_stage::Column::LifeEventId.eq(life_event_id))
        .order_by_asc(journey_stage::Column::Position)
        .order_by_asc(journey_stage::Column::Id)
        .all(db)
        .await?)
}

/// Numbers `stages` 1, 2, 3... in the given order, writing only the ones that move.
async fn renumber(
    db: &impl ConnectionTrait,
    stages: Vec<journey_stage::Model>,
) -> CatalogResult<()> {
    for (i, stage) in stages.into_iter().enumerate() {
        let position = super::seed::position(i);
        if stage.position != position {
            let mut active = stage.into_active_model();
            active.position = Set(position);
            active.update(db).await?;
        }
    }
    Ok(())
}

fn check_stage(path: &str, stage: &StageInput) -> CatalogResult<StageInput> {
    Ok(StageInput {
        slug: Slug::parse(&format!("{path}.slug"), stage.slug.trim())?
            .as_str()
            .to_owned(),
        name: validate::required(&format!("{path}.name"), &stage.name, max::NAME)?,
        description: validate::required(
            &format!("{path}.description"),
            &stage.description,
            max::SUMMARY,
        )?,
    })
}

/// Checks a criterion's options against its kind: SELECT and MULTI_SELECT take 1 to 100
/// with distinct slug values; other kinds take none.
fn check_options(
    kind: CriterionKind,
    options: &[CriterionOption],
) -> CatalogResult<Option<String>> {
    let field = "input.options";
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

/// Checks where a new jurisdiction sits: a federal one stands alone, any other sits under
/// the jurisdiction it belongs to and extends its code (`US-NY` under `US`), so codes read
/// as the hierarchy they name.
fn check_place(
    code: &JurisdictionCode,
    kind: JurisdictionKind,
    parent: Option<&jurisdiction::Model>,
) -> CatalogResult<()> {
    match (kind, parent) {
        (JurisdictionKind::Federal, None) => Ok(()),
        (JurisdictionKind::Federal, Some(_)) => Err(CatalogError::bad_input(
            "input.parent",
            "a federal jurisdiction has no parent",
        )),
        (_, None) => Err(CatalogError::bad_input(
            "input.parent",
            "give the code of the jurisdiction this one belongs to",
        )),
        (_, Some(parent)) if !code.as_str().starts_with(&format!("{}-", parent.code)) => {
            Err(CatalogError::bad_input(
                "input.code",
                format!(
                    "a jurisdiction under `{0}` has a code that starts with `{0}-`",
                    parent.code
                ),
            ))
        }
        _ => Ok(()),
    }
}

impl Catalog {
    /// Creates a jurisdiction.
    pub async fn create_jurisdiction(
        &self,
        principal: &Principal,
        input: JurisdictionInput,
    ) -> CatalogResult<jurisdiction::Model> {
        let key = require_admin(principal, ADMINISTER)?;
        let code = JurisdictionCode::parse("input.code", input.code.trim())?;
        let name = validate::required("input.name", &input.name, max::NAME)?;
        let txn = self.begin_write().await?;
        if let Some(existing) = jurisdiction::Entity::find()
            .filter(jurisdiction::Column::Code.eq(code.as_str()))
            .one(&txn)
            .await?
        {
            return Err(taken(
                "input.code",
                format!("the code `{}` is taken", code.as_str()),
                "Jurisdiction",
                existing.id,
            ));
        }
        let parent = match input.parent.as_deref().map(str::trim) {
            Some(p) if !p.is_empty() => {
                let id = jurisdiction_id(&txn, "input.parent", p).await?;
                jurisdiction::Entity::find_by_id(id).one(&txn).await?
            }
            _ => None,
        };
        check_place(&code, input.kind, parent.as_ref())?;
        let created = jurisdiction::ActiveModel {
            id: NotSet,
            code: Set(code.as_str().to_owned()),
            name: Set(name),
            kind: Set(input.kind.as_str().to_owned()),
            parent_id: Set(parent.map(|p| p.id)),
            version: Set(1),
        }
        .insert(&txn)
        .await?;
        commit_recorded(
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
        let name = validate::required("input.name", name, max::NAME)?;
        let txn = self.begin_write().await?;
        let current = jurisdiction::Entity::find_by_id(id)
            .one(&txn)
            .await?
            .ok_or_else(|| not_found(format!("jurisdiction {id}")))?;
        expect_version("jurisdiction", current.version, Some(expected_version))?;
        let mut active = current.clone().into_active_model();
        active.name = Set(name);
        active.version = Set(current.version + 1);
        let updated = active.update(&txn).await?;
        commit_recorded(
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

    /// Creates an agency.
    pub async fn create_agency(
        &self,
        principal: &Principal,
        input: AgencyInput,
    ) -> CatalogResult<agency::Model> {
        let key = require_admin(principal, ADMINISTER)?;
        let slug = Slug::parse("input.slug", input.slug.trim())?;
        let name = validate::required("input.name", &input.name, max::NAME)?;
        let acronym = validate::optional("input.acronym", input.acronym.as_deref(), max::ACRONYM)?;
        let description =
            validate::required("input.description", &input.description, max::DESCRIPTION)?;
        let website = validate::optional("input.website", input.website.as_deref(), max::URL)?
            .map(|u| validate::url("input.website", &u))
            .transpose()?;
        let phone = validate::optional("input.phone", input.phone.as_deref(), max::LABEL)?
            .map(|p| validate::phone("input.phone", &p))
            .transpose()?;
        let txn = self.begin_write().await?;
        if let Some(existing) = agency::Entity::find()
            .filter(agency::Column::Slug.eq(slug.as_str()))
            .one(&txn)
            .await?
        {
            return Err(taken(
                "input.slug",
                format!("the slug `{slug}` is taken"),
                "Agency",
                existing.id,
            ));
        }
        let jurisdiction_id =
            jurisdiction_id(&txn, "input.jurisdiction", &input.jurisdiction).await?;
        let parent_id = match input.parent.as_deref().filter(|p| !p.trim().is_empty()) {
            Some(p) => Some(agency_id_by_slug(&txn, "input.parent", p).await?),
            None => None,
        };
        let now = Utc::now();
        let created = agency::ActiveModel {
            id: NotSet,
            slug: Set(slug.as_str().to_owned()),
            name: Set(name),
            acronym: Set(acronym),
            jurisdiction_id: Set(jurisdiction_id),
            parent_id: Set(parent_id),
            website: Set(website),
            phone: Set(phone),
            description: Set(description),
            created_at: Set(now),
            updated_at: Set(now),
            version: Set(1),
        }
        .insert(&txn)
        .await?;
        commit_recorded(
            txn,
            key,
            "agency.create",
            ("Agency", created.id, Some(created.id)),
            None,
            Some(agency_json(&created)),
        )
        .await?;
        Ok(created)
    }

    /// Changes an agency. Its slug is fixed: keys and portals refer to it.
    pub async fn update_agency(
        &self,
        principal: &Principal,
        id: i32,
        expected_version: i32,
        changes: AgencyChanges,
    ) -> CatalogResult<agency::Model> {
        let key = require_admin(principal, ADMINISTER)?;
        let txn = self.begin_write().await?;
        let current = agency_for_command(&txn, id).await?;
        expect_version("agency", current.version, Some(expected_version))?;
        let clearable = |new: Option<&str>,
                         old: &Option<String>,
                         check: &dyn Fn(&str) -> CatalogResult<String>| {
            match new.map(str::trim) {
                None => Ok(old.clone()),
                Some("") => Ok(None),
                Some(v) => check(v).map(Some),
            }
        };
        let mut next = current.clone();
        next.name = changed(changes.name.as_deref(), &current.name, |v| {
            validate::required("input.name", v, max::NAME)
        })?;
        next.description = changed(changes.description.as_deref(), &current.description, |v| {
            validate::required("input.description", v, max::DESCRIPTION)
        })?;
        next.acronym = clearable(changes.acronym.as_deref(), &current.acronym, &|v| {
            validate::required("input.acronym", v, max::ACRONYM)
        })?;
        next.website = clearable(changes.website.as_deref(), &current.website, &|v| {
            validate::url("input.website", v)
        })?;
        next.phone = clearable(changes.phone.as_deref(), &current.phone, &|v| {
            validate::phone("input.phone", v)
        })?;
        if let Some(code) = &changes.jurisdiction {
            next.jurisdiction_id = jurisdiction_id(&txn, "input.jurisdiction", code).await?;
        }
        match changes.parent.as_deref().map(str::trim) {
            None => {}
            Some("") => next.parent_id = None,
            Some(slug) => {
                let parent = agency_id_by_slug(&txn, "input.parent", slug).await?;
                // Walk up from the new parent: reaching this agency would make a cycle.
                let mut at = Some(parent);
                let mut steps = 0;
                while let Some(ancestor) = at {
                    if ancestor == id || steps > 100 {
                        return Err(CatalogError::bad_input(
                            "input.parent",
                            "an agency cannot sit under itself or one of its own sub-agencies",
                        ));
                    }
                    at = agency::Entity::find_by_id(ancestor)
                        .one(&txn)
                        .await?
                        .and_then(|a| a.parent_id);
                    steps += 1;
                }
                next.parent_id = Some(parent);
            }
        }
        next.version = current.version + 1;
        next.updated_at = Utc::now();
        let mut active = next.into_active_model().reset_all();
        active.id = sea_orm::ActiveValue::Unchanged(id);
        let updated = active.update(&txn).await?;
        commit_recorded(
            txn,
            key,
            "agency.update",
            ("Agency", id, Some(id)),
            Some(agency_json(&current)),
            Some(agency_json(&updated)),
        )
        .await?;
        Ok(updated)
    }

    /// Designates an agency a Critical State Service Provider, or changes its designation.
    pub async fn designate_cssp(
        &self,
        principal: &Principal,
        agency_id: i32,
        expected_version: Option<i32>,
        input: CsspInput,
    ) -> CatalogResult<agency::Model> {
        let key = require_admin(principal, ADMINISTER)?;
        if !(input.large_customer_base || input.high_impact) {
            return Err(CatalogError::bad_input(
                "input.basis",
                "give at least one basis: LARGE_CUSTOMER_BASE, HIGH_IMPACT",
            ));
        }
        let cx_lead_name =
            validate::optional("input.cxLeadName", input.cx_lead_name.as_deref(), max::NAME)?;
        let cx_lead_email = validate::optional(
            "input.cxLeadEmail",
            input.cx_lead_email.as_deref(),
            max::EMAIL,
        )?
        .map(|e| validate::email("input.cxLeadEmail", &e))
        .transpose()?;
        let source = validate::optional("input.source", input.source.as_deref(), max::SUMMARY)?;
        let txn = self.begin_write().await?;
        let agency = agency_for_command(&txn, agency_id).await?;
        expect_version("agency", agency.version, expected_version)?;
        let existing = cssp_designation::Entity::find()
            .filter(cssp_designation::Column::AgencyId.eq(agency_id))
            .one(&txn)
            .await?;
        let mut active = match &existing {
            Some(row) => row.clone().into_active_model(),
            None => cssp_designation::ActiveModel {
                id: NotSet,
                agency_id: Set(agency_id),
                ..Default::default()
            },
        };
        active.designated_on = Set(input.designated_on);
        active.large_customer_base = Set(input.large_customer_base);
        active.high_impact = Set(input.high_impact);
        active.cx_lead_name = Set(cx_lead_name);
        active.cx_lead_email = Set(cx_lead_email);
        active.source = Set(source);
        let saved = active.save(&txn).await?.try_into_model()?;
        let updated = touch_agency(&txn, &agency).await?;
        commit_recorded(
            txn,
            key,
            "agency.csspDesignate",
            ("Agency", agency_id, Some(agency_id)),
            existing.as_ref().map(cssp_json),
            Some(cssp_json(&saved)),
        )
        .await?;
        Ok(updated)
    }

    /// Ends an agency's CSSP designation.
    pub async fn revoke_cssp(
        &self,
        principal: &Principal,
        agency_id: i32,
        expected_version: Option<i32>,
    ) -> CatalogResult<agency::Model> {
        let key = require_admin(principal, ADMINISTER)?;
        let txn = self.begin_write().await?;
        let agency = agency_for_command(&txn, agency_id).await?;
        expect_version("agency", agency.version, expected_version)?;
        let existing = cssp_designation::Entity::find()
            .filter(cssp_designation::Column::AgencyId.eq(agency_id))
            .one(&txn)
            .await?
            .ok_or_else(|| not_found(format!("a CSSP designation of `{}`", agency.slug)))?;
        cssp_designation::Entity::delete_by_id(existing.id)
            .exec(&txn)
            .await?;
        let updated = touch_agency(&txn, &agency).await?;
        commit_recorded(
            txn,
            key,
            "agency.csspRevoke",
            ("Agency", agency_id, Some(agency_id)),
            Some(cssp_json(&existing)),
            None,
        )
        .await?;
        Ok(updated)
    }

    /// Creates a life event with its journey stages.
    pub async fn create_life_event(
        &self,
        principal: &Principal,
        input: LifeEventInput,
    ) -> CatalogResult<life_event::Model> {
        let key = require_admin(principal, ADMINISTER)?;
        let slug = Slug::parse("input.slug", input.slug.trim())?;
        let name = validate::required("input.name", &input.name, max::NAME)?;
        let description =
            validate::required("input.description", &input.description, max::DESCRIPTION)?;
        let eu_code = validate::optional("input.euCode", input.eu_code.as_deref(), max::LABEL)?;
        validate::count("input.stages", input.stages.len(), 1, max_items::STAGES)?;
        let mut stages = Vec::new();
        let mut seen = HashSet::new();
        for (i, stage) in input.stages.iter().enumerate() {
            let stage = check_stage(&format!("input.stages[{i}]"), stage)?;
            if !seen.insert(stage.slug.clone()) {
                return Err(CatalogError::bad_input(
                    format!("input.stages[{i}].slug"),
                    format!("stage `{}` appears twice", stage.slug),
                ));
            }
            stages.push(stage);
        }
        let txn = self.begin_write().await?;
        if let Some(existing) = life_event::Entity::find()
            .filter(life_event::Column::Slug.eq(slug.as_str()))
            .one(&txn)
            .await?
        {
            return Err(taken(
                "input.slug",
                format!("the slug `{slug}` is taken"),
                "LifeEvent",
                existing.id,
            ));
        }
        let now = Utc::now();
        let created = life_event::ActiveModel {
            id: NotSet,
            slug: Set(slug.as_str().to_owned()),
            name: Set(name),
            description: Set(description),
            eu_code: Set(eu_code),
            created_at: Set(now),
            updated_at: Set(now),
            version: Set(1),
        }
        .insert(&txn)
        .await?;
        super::seed::insert_all(
            &txn,
            stages
                .into_iter()
                .enumerate()
                .map(|(i, s)| journey_stage::ActiveModel {
                    id: NotSet,
                    life_event_id: Set(created.id),
                    position: Set(super::seed::position(i)),
                    slug: Set(s.slug),
                    name: Set(s.name),
                    description: Set(s.description),
                }),
        )
        .await?;
        let stages = stages_of(&txn, created.id).await?;
        commit_recorded(
            txn,
            key,
            "lifeEvent.create",
            ("LifeEvent", created.id, None),
            None,
            Some(life_event_json(&created, &stages)),
        )
        .await?;
        Ok(created)
    }

    /// Changes a life event's text.
    pub async fn update_life_event(
        &self,
        principal: &Principal,
        id: i32,
        expected_version: i32,
        changes: TextChanges,
    ) -> CatalogResult<life_event::Model> {
        self.edit_life_event(
            principal,
            id,
            Some(expected_version),
            "lifeEvent.update",
            async |_, current| {
                let mut next = current.clone();
                next.name = changed(changes.name.as_deref(), &current.name, |v| {
                    validate::required("input.name", v, max::NAME)
                })?;
                next.description =
                    changed(changes.description.as_deref(), &current.description, |v| {
                        validate::required("input.description", v, max::DESCRIPTION)
                    })?;
                if let Some(code) = &changes.eu_code {
                    next.eu_code = validate::optional("input.euCode", Some(code), max::LABEL)?;
                }
                Ok((next, None))
            },
        )
        .await
        .map(|(event, _)| event)
    }

    /// Adds a journey stage at `position` (from 1; the end when omitted).
    pub async fn add_stage(
        &self,
        principal: &Principal,
        life_event_id: i32,
        expected_version: Option<i32>,
        stage: StageInput,
        position: Option<i32>,
    ) -> CatalogResult<(life_event::Model, journey_stage::Model)> {
        let stage = check_stage("input", &stage)?;
        let (event, added) = self
            .edit_life_event(
                principal,
                life_event_id,
                expected_version,
                "lifeEvent.stageAdd",
                async |txn, current| {
                    let mut stages = stages_of(txn, current.id).await?;
                    if let Some(existing) = stages.iter().find(|s| s.slug == stage.slug) {
                        return Err(taken(
                            "input.slug",
                            format!("`{}` already has a stage `{}`", current.slug, stage.slug),
                            "JourneyStage",
                            existing.id,
                        ));
                    }
                    validate::count("input", stages.len() + 1, 1, max_items::STAGES)?;
                    let at = match position {
                        None => stages.len(),
                        Some(p) if (1..=stages.len() as i64 + 1).contains(&i64::from(p)) => {
                            usize::try_from(p - 1).unwrap_or(0)
                        }
                        Some(_) => {
                            return Err(CatalogError::bad_input(
                                "input.position",
                                format!("give a position from 1 to {}", stages.len() + 1),
                            ));
                        }
                    };
                    let added = journey_stage::ActiveModel {
                        id: NotSet,
                        life_event_id: Set(current.id),
                        position: Set(0),
                        slug: Set(stage.slug.clone()),
                        name: Set(stage.name.clone()),
                        description: Set(stage.description.clone()),
                    }
                    .insert(txn)
                    .await?;
                    stages.insert(at, added.clone());
                    renumber(txn, stages).await?;
                    Ok((current.clone(), Some(added.id)))
                },
            )
            .await?;
        let added = journey_stage::Entity::find_by_id(added.unwrap_or_default())
            .one(&self.db)
            .await?
            .ok_or_else(|| CatalogError::internal("added stage vanished"))?;
        Ok((event, added))
    }

    /// Changes a journey stage's text.
    pub async fn update_stage(
        &self,
        principal: &Principal,
        stage_id: i32,
        expected_version: i32,
        changes: TextChanges,
    ) -> CatalogResult<(life_event::Model, journey_stage::Model)> {
        let stage = self.stage_for_command(stage_id).await?;
        let (event, _) = self
            .edit_life_event(
                principal,
                stage.life_event_id,
                Some(expected_version),
                "lifeEvent.stageUpdate",
                async |txn, current| {
                    let mut active = stage.clone().into_active_model();
                    active.name = Set(changed(changes.name.as_deref(), &stage.name, |v| {
                        validate::required("input.name", v, max::NAME)
                    })?);
                    active.description = Set(changed(
                        changes.description.as_deref(),
                        &stage.description,
                        |v| validate::required("input.description", v, max::SUMMARY),
                    )?);
                    active.update(txn).await?;
                    Ok((current.clone(), None))
                },
            )
            .await?;
        let updated = self.stage_for_command(stage_id).await?;
        Ok((event, updated))
    }

    /// Removes a journey stage no service is linked to; a life event keeps at least one.
    pub async fn remove_stage(
        &self,
        principal: &Principal,
        stage_id: i32,
        expected_version: Option<i32>,
    ) -> CatalogResult<life_event::Model> {
        let stage = self.stage_for_command(stage_id).await?;
        self.edit_life_event(principal, stage.life_event_id, expected_version, "lifeEvent.stageRemove", async |txn, current| {
            let linked = life_event_service::Entity::find()
                .filter(life_event_service::Column::JourneyStageId.eq(stage.id))
                .count(txn)
                .await?;
            if linked > 0 {
                return Err(conflict(
                    "input.id",
                    "IN_USE",
                    format!("{linked} service link(s) point at this stage; move or remove them first"),
                ));
            }
            let stages = stages_of(txn, current.id).await?;
            if stages.len() <= 1 {
                return Err(CatalogError::bad_input(
                    "input.id",
                    "a life event needs at least one journey stage",
                ));
            }
            journey_stage::Entity::delete_by_id(stage.id).exec(txn).await?;
            renumber(txn, stages.into_iter().filter(|s| s.id != stage.id).collect()).await?;
            Ok((current.clone(), None))
        })
        .await
        .map(|(event, _)| event)
    }

    /// Puts a life event's journey stages in a new order; `order` lists every stage once.
    pub async fn reorder_stages(
        &self,
        principal: &Principal,
        life_event_id: i32,
        expected_version: Option<i32>,
        order: Vec<i32>,
    ) -> CatalogResult<life_event::Model> {
        self.edit_life_event(
            principal,
            life_event_id,
            expected_version,
            "lifeEvent.stageReorder",
            async |txn, current| {
                let stages = stages_of(txn, current.id).await?;
                let mut by_id: HashMap<i32, journey_stage::Model> =
                    stages.iter().map(|s| (s.id, s.clone())).collect();
                let ordered: Option<Vec<journey_stage::Model>> =
                    order.iter().map(|id| by_id.remove(id)).collect();
                match ordered {
                    Some(ordered) if by_id.is_empty() => {
                        renumber(txn, ordered).await?;
                        Ok((current.clone(), None))
                    }
                    _ => Err(CatalogError::bad_input(
                        "input.stages",
                        format!(
                            "list each of the life event's {} stages exactly once",
                            stages.len()
                        ),
                    )),
                }
            },
        )
        .await
        .map(|(event, _)| event)
    }

    /// A journey stage by id, for commands.
    async fn stage_for_command(&self, stage_id: i32) -> CatalogResult<journey_stage::Model> {
        journey_stage::Entity::find_by_id(stage_id)
            .one(&self.db)
            .await?
            .ok_or_else(|| not_found(format!("journey stage {stage_id}")))
    }

    /// One transaction over life event `id` as described in the module docs: `edit` returns
    /// the event's new text (and a value), and the event's version moves.
    async fn edit_life_event(
        &self,
        principal: &Principal,
        id: i32,
        expected_version: Option<i32>,
        action: &str,
        edit: impl AsyncFnOnce(
            &DatabaseTransaction,
            &life_event::Model,
        ) -> CatalogResult<(life_event::Model, Option<i32>)>,
    ) -> CatalogResult<(life_event::Model, Option<i32>)> {
        let key = require_admin(principal, ADMINISTER)?;
        let txn = self.begin_write().await?;
        let current = life_event::Entity::find_by_id(id)
            .one(&txn)
            .await?
            .ok_or_else(|| not_found(format!("life event {id}")))?;
        expect_version("life event", current.version, expected_version)?;
        let before = life_event_json(&current, &stages_of(&txn, id).await?);
        let (mut next, value) = edit(&txn, &current).await?;
        next.version = current.version + 1;
        next.updated_at = Utc::now();
        let mut active = next.into_active_model().reset_all();
        active.id = sea_orm::ActiveValue::Unchanged(id);
        let updated = active.update(&txn).await?;
        let after = life_event_json(&updated, &stages_of(&txn, id).await?);
        commit_recorded(
            txn,
            key,
            action,
            ("LifeEvent", id, None),
            Some(before),
            Some(after),
        )
        .await?;
        Ok((updated, value))
    }

    /// Creates an eligibility criterion.
    pub async fn create_criterion(
        &self,
        principal: &Principal,
        input: CriterionInput,
    ) -> CatalogResult<criterion::Model> {
        let key = require_admin(principal, ADMINISTER)?;
        let criterion_key = Slug::parse("input.key", input.key.trim())?;
        let label = validate::required("input.label", &input.label, max::LABEL)?;
        let description =
            validate::required("input.description", &input.description, max::SUMMARY)?;
        let options = check_options(input.kind, &input.options)?;
        let unit = validate::optional("input.unit", input.unit.as_deref(), max::UNIT)?;
        let txn = self.begin_write().await?;
        if let Some(existing) = criterion::Entity::find()
            .filter(criterion::Column::Key.eq(criterion_key.as_str()))
            .one(&txn)
            .await?
        {
            return Err(taken(
                "input.key",
                format!("the key `{criterion_key}` is taken"),
                "Criterion",
                existing.id,
            ));
        }
        let created = criterion::ActiveModel {
            id: NotSet,
            key: Set(criterion_key.as_str().to_owned()),
            label: Set(label),
            description: Set(description),
            kind: Set(input.kind.as_str().to_owned()),
            options: Set(options),
            unit: Set(unit),
            version: Set(1),
        }
        .insert(&txn)
        .await?;
        commit_recorded(
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
            .ok_or_else(|| not_found(format!("criterion {id}")))?;
        expect_version("criterion", current.version, Some(expected_version))?;
        let kind: CriterionKind = current.kind.parse()?;
        let mut next = current.clone();
        next.label = changed(changes.label.as_deref(), &current.label, |v| {
            validate::required("input.label", v, max::LABEL)
        })?;
        next.description = changed(changes.description.as_deref(), &current.description, |v| {
            validate::required("input.description", v, max::SUMMARY)
        })?;
        if let Some(unit) = &changes.unit {
            next.unit = validate::optional("input.unit", Some(unit), max::UNIT)?;
        }
        if let Some(options) = &changes.options {
            next.options = check_options(kind, options)?;
            let shape = CriterionShape::from_row(
                &next.key,
                &next.label,
                &next.kind,
                next.options.as_deref(),
            )?;
            let mut misfits = Vec::new();
            for rule in eligibility_rule::Entity::find()
                .filter(eligibility_rule::Column::CriterionId.eq(id))
                .all(&txn)
                .await?
            {
                let value: Value = serde_json::from_str(&rule.value)
                    .map_err(|e| CatalogError::internal(format!("rule value: {e}")))?;
                if Rule::parse("rule", &shape, rule.operator.parse()?, &value).is_err() {
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
                return Err(conflict(
                    "input.options",
                    "IN_USE",
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
        commit_recorded(
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

async fn agency_for_command(db: &impl ConnectionTrait, id: i32) -> CatalogResult<agency::Model> {
    agency::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(|| not_found(format!("agency {id}")))
}

/// Counts a change to an agency's designation on the agency itself.
async fn touch_agency(
    db: &impl ConnectionTrait,
    agency: &agency::Model,
) -> CatalogResult<agency::Model> {
    let mut active: agency::ActiveModel = agency.clone().into();
    active.version = Set(agency.version + 1);
    active.updated_at = Set(Utc::now());
    Ok(active.update(db).await?)
}
