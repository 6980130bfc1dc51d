//! Loading a catalog document (the seeded New York catalog, or any file of the same shape)
//! into the database. Loading is idempotent: records are matched by their natural keys
//! (codes, slugs, keys), unchanged records are left alone (same ids, same version), and a
//! changed service gets a new version. Everything happens in one transaction.

use std::collections::{HashMap, HashSet};

use chrono::{NaiveDate, Utc};
use sea_orm::{
    ActiveModelTrait, ActiveValue::NotSet, ColumnTrait, DatabaseTransaction, EntityTrait,
    QueryFilter, QueryOrder, Set,
};
use serde::Deserialize;

use crate::catalog::Catalog;
use crate::catalog::agency::{AgencyInput, CsspInput, Designation, NewAgency};
use crate::catalog::criterion::{CriterionInput, NewCriterion};
use crate::catalog::eligibility::{CriterionOption, CriterionShape};
use crate::catalog::error::{CatalogError, CatalogResult};
use crate::catalog::jurisdiction::{JurisdictionInput, NewJurisdiction};
use crate::catalog::life_event::{LifeEventInput, NewLifeEvent, StageInput};
use crate::catalog::names::{Names, resolve};
use crate::catalog::reference::{NewTableVersion, TableVersionInput, put_version};
use crate::catalog::service::children::write_children;
use crate::catalog::service::fields::ServiceFields;
use crate::catalog::service::write::service_row;
use crate::catalog::store::{bump_if_changed, insert_all, upsert};
use crate::catalog::taxonomy::{CheckedTerm, TermInput, write_term};
use crate::catalog::types::{
    CriterionKind, IncomePeriod, JurisdictionKind, RelationKind, parse_enum,
};
use crate::entity::{
    agency, criterion, cssp_designation, journey_stage, jurisdiction, language, life_event,
    life_event_relation, service, service_relation,
};

/// The New York catalog shipped with the binary.
pub const NEW_YORK: &str = include_str!("new-york.json");

/// A whole catalog document.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CatalogDocument {
    /// Free-text notes about sources; not loaded.
    #[serde(default)]
    pub notes: Vec<String>,
    #[serde(default)]
    pub jurisdictions: Vec<JurisdictionDoc>,
    #[serde(default)]
    pub languages: Vec<LanguageDoc>,
    #[serde(default)]
    pub taxonomy: Vec<TermDoc>,
    #[serde(default)]
    pub reference_tables: Vec<ReferenceTableDoc>,
    #[serde(default)]
    pub criteria: Vec<CriterionDoc>,
    #[serde(default)]
    pub agencies: Vec<AgencyDoc>,
    #[serde(default)]
    pub life_events: Vec<LifeEventDoc>,
    #[serde(default)]
    pub services: Vec<ServiceFields>,
    #[serde(default)]
    pub relations: Vec<RelationDoc>,
}

/// A reference table with its versions (see `catalog::reference`).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ReferenceTableDoc {
    pub key: String,
    pub name: String,
    pub description: String,
    /// `MONTHLY` or `ANNUAL`.
    pub period: String,
    pub versions: Vec<TableVersionDoc>,
}

/// One version of a reference table.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TableVersionDoc {
    pub effective_from: String,
    pub amounts: Vec<f64>,
    pub additional_person: f64,
    pub source_url: String,
    /// Where the figures come from, in our words; not loaded.
    #[serde(default)]
    pub note: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct JurisdictionDoc {
    pub code: String,
    pub name: String,
    pub kind: String,
    #[serde(default)]
    pub parent: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct LanguageDoc {
    pub code: String,
    pub name: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TermDoc {
    pub scheme: String,
    pub code: String,
    pub name: String,
    #[serde(default)]
    pub parent: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CriterionDoc {
    pub key: String,
    pub label: String,
    pub description: String,
    pub kind: String,
    #[serde(default)]
    pub options: Option<Vec<CriterionOption>>,
    #[serde(default)]
    pub unit: Option<String>,
    /// `MONTHLY` or `ANNUAL` for an income criterion.
    #[serde(default)]
    pub income_period: Option<String>,
    /// For a DATE criterion: whether answers may be after `asOf`.
    #[serde(default)]
    pub future_dates: bool,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AgencyDoc {
    pub slug: String,
    pub name: String,
    #[serde(default)]
    pub acronym: Option<String>,
    pub jurisdiction: String,
    #[serde(default)]
    pub parent: Option<String>,
    #[serde(default)]
    pub website: Option<String>,
    #[serde(default)]
    pub phone: Option<String>,
    pub description: String,
    #[serde(default)]
    pub cssp: Option<CsspDoc>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CsspDoc {
    pub designated_on: NaiveDate,
    pub basis: Vec<String>,
    #[serde(default)]
    pub cx_lead_name: Option<String>,
    #[serde(default)]
    pub cx_lead_email: Option<String>,
    #[serde(default)]
    pub source: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct LifeEventDoc {
    pub slug: String,
    pub name: String,
    pub description: String,
    #[serde(default)]
    pub eu_code: Option<String>,
    pub stages: Vec<StageDoc>,
    #[serde(default)]
    pub related: Vec<RelatedLifeEventDoc>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct StageDoc {
    pub slug: String,
    pub name: String,
    pub description: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RelatedLifeEventDoc {
    pub life_event: String,
    pub reason: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RelationDoc {
    pub from: String,
    pub to: String,
    pub kind: String,
    pub reason: String,
}

/// What a load did, for the CLI to report.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SeedReport {
    /// Services inserted.
    pub services_created: usize,
    /// Services whose content changed.
    pub services_updated: usize,
    /// Services already up to date.
    pub services_unchanged: usize,
}

/// Parses a catalog document from JSON.
pub fn parse(json: &str) -> CatalogResult<CatalogDocument> {
    serde_json::from_str(json).map_err(|err| {
        CatalogError::bad_input("document", format!("invalid catalog document: {err}"))
    })
}

/// A document's `cssp` entry as the designation `agencyDesignateCssp` checks: its basis
/// names become the two flags.
fn designation(doc: &CsspDoc) -> CatalogResult<Designation> {
    let mut input = CsspInput {
        designated_on: doc.designated_on,
        large_customer_base: false,
        high_impact: false,
        cx_lead_name: doc.cx_lead_name.clone(),
        cx_lead_email: doc.cx_lead_email.clone(),
        source: doc.source.clone(),
    };
    for basis in &doc.basis {
        match basis.as_str() {
            "LARGE_CUSTOMER_BASE" => input.large_customer_base = true,
            "HIGH_IMPACT" => input.high_impact = true,
            other => {
                return Err(CatalogError::bad_input(
                    "basis",
                    format!("`{other}` is not one of LARGE_CUSTOMER_BASE, HIGH_IMPACT"),
                ));
            }
        }
    }
    Designation::try_from(input)
}

/// One document load: the names known so far (the database's, then each record the
/// document adds), inside the load's transaction.
struct Loader<'a> {
    txn: &'a DatabaseTransaction,
    names: Names,
    /// Service slugs to ids, filled as services load (relations look up what they lack).
    services: HashMap<String, i32>,
    now: chrono::DateTime<Utc>,
}

impl<'a> Loader<'a> {
    async fn new(txn: &'a DatabaseTransaction) -> CatalogResult<Self> {
        Ok(Self {
            txn,
            names: Names::load(txn).await?,
            services: HashMap::new(),
            now: Utc::now(),
        })
    }

    async fn run(mut self, doc: &CatalogDocument) -> CatalogResult<SeedReport> {
        for (i, j) in doc.jurisdictions.iter().enumerate() {
            self.jurisdiction(&format!("jurisdictions[{i}]"), j).await?;
        }
        for (i, l) in doc.languages.iter().enumerate() {
            self.language(&format!("languages[{i}]"), l).await?;
        }
        for (i, t) in doc.taxonomy.iter().enumerate() {
            self.term(&format!("taxonomy[{i}]"), t).await?;
        }
        for (i, t) in doc.reference_tables.iter().enumerate() {
            self.reference_table(&format!("referenceTables[{i}]"), t)
                .await?;
        }
        for (i, c) in doc.criteria.iter().enumerate() {
            self.criterion(&format!("criteria[{i}]"), c).await?;
        }
        for (i, a) in doc.agencies.iter().enumerate() {
            self.agency(&format!("agencies[{i}]"), a).await?;
        }
        for (i, e) in doc.life_events.iter().enumerate() {
            self.life_event(&format!("lifeEvents[{i}]"), e).await?;
        }
        for (i, e) in doc.life_events.iter().enumerate() {
            self.life_event_relations(&format!("lifeEvents[{i}]"), e)
                .await?;
        }
        let mut report = SeedReport::default();
        for (i, s) in doc.services.iter().enumerate() {
            let (before, after) = match self.service(&format!("services[{i}]"), s).await? {
                Change::Created(after) => {
                    report.services_created += 1;
                    (None, after)
                }
                Change::Updated { before, after } => {
                    report.services_updated += 1;
                    (Some(before), after)
                }
                Change::Unchanged => {
                    report.services_unchanged += 1;
                    continue;
                }
            };
            // Recorded like any change, so the change feed carries what a load publishes.
            crate::catalog::audit::record(
                self.txn,
                None,
                crate::catalog::audit::Change {
                    action: "service.load",
                    record_type: "Service",
                    record_id: after.id,
                    agency_id: Some(after.agency_id),
                    before: before
                        .as_deref()
                        .map(crate::catalog::service::write::snapshot),
                    after: Some(crate::catalog::service::write::snapshot(&after)),
                    comment: Some("loaded from a catalog document"),
                },
            )
            .await?;
        }
        self.relations(&doc.relations).await?;
        Ok(report)
    }

    /// A jurisdiction entry, checked by the same rules as `jurisdictionCreate`, then
    /// inserted or updated by code.
    async fn jurisdiction(&mut self, path: &str, doc: &JurisdictionDoc) -> CatalogResult<()> {
        let kind = parse_enum(
            &format!("{path}.kind"),
            &doc.kind,
            JurisdictionKind::ALL,
            |k| k.as_str(),
        )?;
        let jurisdiction = NewJurisdiction::try_from(JurisdictionInput {
            code: doc.code.clone(),
            name: doc.name.clone(),
            kind,
            parent: doc.parent.clone(),
        })
        .map_err(|e| e.under(path))?;
        let parent_id = jurisdiction
            .parent
            .as_ref()
            .map(|p| {
                resolve(
                    &self.names.jurisdictions,
                    &format!("{path}.parent"),
                    "jurisdiction",
                    p.as_str(),
                )
            })
            .transpose()?;
        jurisdiction.check_place().map_err(|e| e.under(path))?;
        let code = jurisdiction.code.as_str();
        let existing = jurisdiction::Entity::find()
            .filter(jurisdiction::Column::Code.eq(code))
            .one(self.txn)
            .await?;
        let desired = jurisdiction::Model {
            id: existing.as_ref().map_or(0, |e| e.id),
            code: code.to_owned(),
            name: jurisdiction.name,
            kind: jurisdiction.kind,
            parent_id,
            version: existing.as_ref().map_or(1, |e| e.version),
        };
        let desired = bump_if_changed(existing.as_ref(), desired, |m| &mut m.version);
        let id = upsert::<jurisdiction::ActiveModel>(self.txn, existing, desired, |m| m.id).await?;
        self.names.jurisdictions.insert(code.to_owned(), id);
        Ok(())
    }

    async fn language(&mut self, path: &str, doc: &LanguageDoc) -> CatalogResult<()> {
        let code = doc.code.trim();
        if code.is_empty() || code.len() > 16 {
            return Err(CatalogError::bad_input(
                format!("{path}.code"),
                "a language code is 1-16 characters",
            ));
        }
        let existing = language::Entity::find()
            .filter(language::Column::Code.eq(code))
            .one(self.txn)
            .await?;
        let desired = language::Model {
            id: existing.as_ref().map_or(0, |e| e.id),
            code: code.to_owned(),
            name: doc.name.trim().to_owned(),
        };
        let id = upsert::<language::ActiveModel>(self.txn, existing, desired, |m| m.id).await?;
        self.names.languages.insert(code.to_owned(), id);
        Ok(())
    }

    /// A taxonomy entry, checked as `taxonomyTermSet` checks it and written by the same
    /// function (its parent named earlier in the document or already stored).
    async fn term(&mut self, path: &str, doc: &TermDoc) -> CatalogResult<()> {
        let term = CheckedTerm::try_from(&TermInput {
            scheme: doc.scheme.clone(),
            code: doc.code.clone(),
            name: doc.name.clone(),
            parent: doc.parent.clone(),
        })
        .map_err(|e| e.under(path))?;
        let parent_id = term
            .parent
            .as_deref()
            .map(|p| {
                resolve(
                    &self.names.terms,
                    &format!("{path}.parent"),
                    "taxonomy term",
                    &format!("{}:{p}", term.scheme),
                )
            })
            .transpose()?;
        let (_, written) = write_term(self.txn, &term, parent_id).await?;
        self.names
            .terms
            .insert(format!("{}:{}", written.scheme, written.code), written.id);
        Ok(())
    }

    /// A criterion entry, checked by the same rules as `criterionCreate`, then inserted or
    /// updated by key.
    async fn criterion(&mut self, path: &str, doc: &CriterionDoc) -> CatalogResult<()> {
        let kind = parse_enum(
            &format!("{path}.kind"),
            &doc.kind,
            CriterionKind::ALL,
            |k| k.as_str(),
        )?;
        let criterion = NewCriterion::try_from(CriterionInput {
            key: doc.key.clone(),
            label: doc.label.clone(),
            description: doc.description.clone(),
            kind,
            options: doc.options.clone().unwrap_or_default(),
            unit: doc.unit.clone(),
            income_period: doc
                .income_period
                .as_deref()
                .map(|p| parse_enum("incomePeriod", p, IncomePeriod::ALL, |k| k.as_str()))
                .transpose()
                .map_err(|e| e.under(path))?,
            future_dates: doc.future_dates,
        })
        .map_err(|e| e.under(path))?;
        let key = criterion.key.as_str();
        let existing = criterion::Entity::find()
            .filter(criterion::Column::Key.eq(key))
            .one(self.txn)
            .await?;
        let desired = criterion::Model {
            id: existing.as_ref().map_or(0, |e| e.id),
            key: key.to_owned(),
            label: criterion.label,
            description: criterion.description,
            kind,
            options: criterion.options,
            unit: criterion.unit,
            version: existing.as_ref().map_or(1, |e| e.version),
            income_period: criterion.income_period,
            future_dates: criterion.future_dates,
        };
        let desired = bump_if_changed(existing.as_ref(), desired, |m| &mut m.version);
        let shape = CriterionShape::from_row(&desired)?;
        let id = upsert::<criterion::ActiveModel>(self.txn, existing, desired, |m| m.id).await?;
        self.names.criteria.insert(key.to_owned(), (id, shape));
        Ok(())
    }

    /// A reference table entry: each version checked and set as `referenceTableSet` does.
    async fn reference_table(&mut self, path: &str, doc: &ReferenceTableDoc) -> CatalogResult<()> {
        let period = parse_enum("period", &doc.period, IncomePeriod::ALL, |k| k.as_str())
            .map_err(|e| e.under(path))?;
        for (i, v) in doc.versions.iter().enumerate() {
            let new = NewTableVersion::try_from(TableVersionInput {
                key: doc.key.clone(),
                name: doc.name.clone(),
                description: doc.description.clone(),
                period,
                effective_from: v.effective_from.clone(),
                amounts: v.amounts.clone(),
                additional_person: v.additional_person,
                source_url: v.source_url.clone(),
            })
            .map_err(|e| e.under(&format!("{path}.versions[{i}]")))?;
            put_version(self.txn, &new, self.now.date_naive())
                .await
                .map_err(|e| e.under(&format!("{path}.versions[{i}]")))?;
        }
        self.names.tables.insert(doc.key.clone());
        Ok(())
    }

    /// An agency entry, checked by the same rules as `agencyCreate` (its fields named under
    /// the entry's path), then inserted or updated by slug.
    async fn agency(&mut self, path: &str, doc: &AgencyDoc) -> CatalogResult<()> {
        let agency = NewAgency::try_from(AgencyInput {
            slug: doc.slug.clone(),
            name: doc.name.clone(),
            acronym: doc.acronym.clone(),
            jurisdiction: doc.jurisdiction.clone(),
            parent: doc.parent.clone(),
            website: doc.website.clone(),
            phone: doc.phone.clone(),
            description: doc.description.clone(),
        })
        .map_err(|e| e.under(path))?;
        let jurisdiction_id = resolve(
            &self.names.jurisdictions,
            &format!("{path}.jurisdiction"),
            "jurisdiction",
            agency.jurisdiction.as_str(),
        )?;
        let parent_id = match &agency.parent {
            Some(p) => Some(
                self.names
                    .agencies
                    .get(p.as_str())
                    .map(|a| a.0)
                    .ok_or_else(|| {
                        CatalogError::bad_input(
                            format!("{path}.parent"),
                            format!("unknown agency `{p}` (list parents first)"),
                        )
                    })?,
            ),
            None => None,
        };
        let designation = doc
            .cssp
            .as_ref()
            .map(|cssp| designation(cssp).map_err(|e| e.under(&format!("{path}.cssp"))))
            .transpose()?;
        let existing = agency::Entity::find()
            .filter(agency::Column::Slug.eq(agency.slug.as_str()))
            .one(self.txn)
            .await?;
        let desired = agency::Model {
            id: existing.as_ref().map_or(0, |e| e.id),
            slug: agency.slug.as_str().to_owned(),
            name: agency.name,
            acronym: agency.acronym,
            jurisdiction_id,
            parent_id,
            website: agency.website.map(String::from),
            phone: agency.phone.map(String::from),
            description: agency.description,
            created_at: existing.as_ref().map_or(self.now, |e| e.created_at),
            updated_at: existing.as_ref().map_or(self.now, |e| e.updated_at),
            version: existing.as_ref().map_or(1, |e| e.version),
        };
        let mut desired = bump_if_changed(existing.as_ref(), desired, |m| &mut m.version);
        if existing.as_ref().is_some_and(|e| *e != desired) {
            desired.updated_at = self.now;
        }
        let id = upsert::<agency::ActiveModel>(self.txn, existing, desired, |m| m.id).await?;
        self.names
            .agencies
            .insert(doc.slug.clone(), (id, jurisdiction_id));

        let existing = cssp_designation::Entity::find()
            .filter(cssp_designation::Column::AgencyId.eq(id))
            .one(self.txn)
            .await?;
        match (designation, existing) {
            (None, None) => {}
            (None, Some(old)) => {
                cssp_designation::Entity::delete_by_id(old.id)
                    .exec(self.txn)
                    .await?;
            }
            (Some(designation), existing) => {
                let desired = cssp_designation::Model {
                    id: existing.as_ref().map_or(0, |e| e.id),
                    agency_id: id,
                    designated_on: designation.designated_on,
                    large_customer_base: designation.large_customer_base,
                    high_impact: designation.high_impact,
                    cx_lead_name: designation.cx_lead_name,
                    cx_lead_email: designation.cx_lead_email.map(String::from),
                    source: designation.source,
                };
                upsert::<cssp_designation::ActiveModel>(self.txn, existing, desired, |m| m.id)
                    .await?;
            }
        }
        Ok(())
    }

    /// A life event entry with its stages, checked by the same rules as `lifeEventCreate`,
    /// then inserted or updated by slug (stages by their slug within it).
    async fn life_event(&mut self, path: &str, doc: &LifeEventDoc) -> CatalogResult<()> {
        let event = NewLifeEvent::try_from(LifeEventInput {
            slug: doc.slug.clone(),
            name: doc.name.clone(),
            description: doc.description.clone(),
            eu_code: doc.eu_code.clone(),
            stages: doc
                .stages
                .iter()
                .map(|s| StageInput {
                    slug: s.slug.clone(),
                    name: s.name.clone(),
                    description: s.description.clone(),
                })
                .collect(),
        })
        .map_err(|e| e.under(path))?;
        let existing = life_event::Entity::find()
            .filter(life_event::Column::Slug.eq(event.slug.as_str()))
            .one(self.txn)
            .await?;
        let desired = life_event::Model {
            id: existing.as_ref().map_or(0, |e| e.id),
            slug: event.slug.as_str().to_owned(),
            name: event.name,
            description: event.description,
            eu_code: event.eu_code,
            created_at: existing.as_ref().map_or(self.now, |e| e.created_at),
            updated_at: existing.as_ref().map_or(self.now, |e| e.updated_at),
            version: existing.as_ref().map_or(1, |e| e.version),
        };
        let mut desired = bump_if_changed(existing.as_ref(), desired, |m| &mut m.version);
        if existing.as_ref().is_some_and(|e| *e != desired) {
            desired.updated_at = self.now;
        }
        let id = upsert::<life_event::ActiveModel>(self.txn, existing, desired, |m| m.id).await?;
        self.names.life_events.insert(doc.slug.clone(), id);
        for (position, stage) in event.stages.into_iter().enumerate() {
            let existing = journey_stage::Entity::find()
                .filter(journey_stage::Column::LifeEventId.eq(id))
                .filter(journey_stage::Column::Slug.eq(stage.slug.as_str()))
                .one(self.txn)
                .await?;
            let desired = journey_stage::Model {
                id: existing.as_ref().map_or(0, |e| e.id),
                life_event_id: id,
                position: i32::try_from(position + 1).unwrap_or(i32::MAX),
                slug: stage.slug.clone(),
                name: stage.name,
                description: stage.description,
            };
            let stage_id =
                upsert::<journey_stage::ActiveModel>(self.txn, existing, desired, |m| m.id).await?;
            self.names.stages.insert((id, stage.slug), stage_id);
        }
        Ok(())
    }

    async fn life_event_relations(&mut self, path: &str, doc: &LifeEventDoc) -> CatalogResult<()> {
        let id = resolve(
            &self.names.life_events,
            &format!("{path}.slug"),
            "life event",
            &doc.slug,
        )?;
        let mut desired = Vec::new();
        for (i, related) in doc.related.iter().enumerate() {
            let other = resolve(
                &self.names.life_events,
                &format!("{path}.related[{i}].lifeEvent"),
                "life event",
                &related.life_event,
            )?;
            desired.push((other, related.reason.trim().to_owned()));
        }
        let existing = life_event_relation::Entity::find()
            .filter(life_event_relation::Column::LifeEventId.eq(id))
            .order_by_asc(life_event_relation::Column::Id)
            .all(self.txn)
            .await?;
        let current: Vec<(i32, String)> = existing
            .iter()
            .map(|r| (r.related_life_event_id, r.reason.clone()))
            .collect();
        if current != desired {
            life_event_relation::Entity::delete_many()
                .filter(life_event_relation::Column::LifeEventId.eq(id))
                .exec(self.txn)
                .await?;
            for (other, reason) in desired {
                life_event_relation::ActiveModel {
                    id: NotSet,
                    life_event_id: Set(id),
                    related_life_event_id: Set(other),
                    reason: Set(reason),
                }
                .insert(self.txn)
                .await?;
            }
        }
        Ok(())
    }

    async fn service(&mut self, path: &str, doc: &ServiceFields) -> CatalogResult<Change> {
        let checked = self.names.check_service(path, doc)?;
        let existing = service::Entity::find()
            .filter(service::Column::Slug.eq(checked.slug.as_str()))
            .filter(service::Column::RevisionOfId.is_null())
            .one(self.txn)
            .await?;
        let desired = service_row(doc, &checked, existing.as_ref(), self.now);
        let (id, change) = match existing {
            None => {
                let id = upsert::<service::ActiveModel>(self.txn, None, desired.clone(), |m| m.id)
                    .await?;
                write_children(self.txn, id, true, &checked.children).await?;
                (id, Change::Created(service::Model { id, ..desired }))
            }
            Some(old) => {
                let id = old.id;
                let children_changed =
                    write_children(self.txn, id, false, &checked.children).await?;
                if old != desired || children_changed {
                    let desired = service::Model {
                        version: old.version + 1,
                        updated_at: self.now,
                        ..desired
                    };
                    upsert::<service::ActiveModel>(
                        self.txn,
                        Some(old.clone()),
                        desired.clone(),
                        |m| m.id,
                    )
                    .await?;
                    (
                        id,
                        Change::Updated {
                            before: Box::new(old),
                            after: desired,
                        },
                    )
                } else {
                    (id, Change::Unchanged)
                }
            }
        };
        self.services.insert(doc.slug.clone(), id);
        Ok(change)
    }

    async fn relations(&mut self, docs: &[RelationDoc]) -> CatalogResult<()> {
        let missing: HashSet<&str> = docs
            .iter()
            .flat_map(|r| [r.from.as_str(), r.to.as_str()])
            .filter(|slug| !self.services.contains_key(*slug))
            .collect();
        if !missing.is_empty() {
            for s in service::Entity::find()
                .filter(service::Column::Slug.is_in(missing))
                .filter(service::Column::RevisionOfId.is_null())
                .all(self.txn)
                .await?
            {
                self.services.insert(s.slug, s.id);
            }
        }
        let mut by_from: HashMap<i32, Vec<(i32, RelationKind, String)>> = HashMap::new();
        let mut seen = HashSet::new();
        for (i, r) in docs.iter().enumerate() {
            let path = format!("relations[{i}]");
            let from = resolve(&self.services, &format!("{path}.from"), "service", &r.from)?;
            let to = resolve(&self.services, &format!("{path}.to"), "service", &r.to)?;
            if from == to {
                return Err(CatalogError::bad_input(
                    format!("{path}.to"),
                    "a service cannot relate to itself",
                ));
            }
            let kind = parse_enum(&format!("{path}.kind"), &r.kind, RelationKind::ALL, |k| {
                k.as_str()
            })?;
            if !seen.insert((from, to, kind)) {
                return Err(CatalogError::bad_input(
                    path,
                    format!("{} -> {} ({}) appears twice", r.from, r.to, r.kind),
                ));
            }
            by_from
                .entry(from)
                .or_default()
                .push((to, kind, r.reason.trim().to_owned()));
        }
        for (from, desired) in by_from {
            let current: Vec<(i32, RelationKind, String)> = service_relation::Entity::find()
                .filter(service_relation::Column::ServiceId.eq(from))
                .order_by_asc(service_relation::Column::Id)
                .all(self.txn)
                .await?
                .into_iter()
                .map(|r| (r.related_service_id, r.kind, r.reason))
                .collect();
            if current != desired {
                service_relation::Entity::delete_many()
                    .filter(service_relation::Column::ServiceId.eq(from))
                    .exec(self.txn)
                    .await?;
                insert_all(
                    self.txn,
                    desired
                        .into_iter()
                        .map(|(to, kind, reason)| service_relation::ActiveModel {
                            id: NotSet,
                            service_id: Set(from),
                            related_service_id: Set(to),
                            kind: Set(kind),
                            reason: Set(reason),
                        }),
                )
                .await?;
            }
        }
        Ok(())
    }
}

/// What loading a service did, with the rows for the audit trail.
pub(crate) enum Change {
    Created(service::Model),
    Updated {
        before: Box<service::Model>,
        after: service::Model,
    },
    Unchanged,
}

impl Catalog {
    /// Loads `document` into the catalog in one transaction; see the module docs.
    pub async fn load_document(&self, document: &CatalogDocument) -> CatalogResult<SeedReport> {
        let txn = self.begin_write().await?;
        let report = Loader::new(&txn).await?.run(document).await?;
        self.commit(txn).await?;
        Ok(report)
    }

    /// Loads the New York catalog shipped with the binary.
    pub async fn seed_new_york(&self) -> CatalogResult<SeedReport> {
        self.load_document(&parse(NEW_YORK)?).await
    }
}
