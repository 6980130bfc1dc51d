//! The natural keys the catalog knows (jurisdiction codes, language codes, taxonomy terms,
//! agency slugs, life events and their stages, criteria), read once per write so that a
//! command or a whole catalog document resolves the names it uses without a query each, and
//! the checks of a service's fields against them.

use std::collections::{HashMap, HashSet};

use sea_orm::{ConnectionTrait, DatabaseTransaction, EntityTrait};

use crate::catalog::eligibility::CriterionShape;
use crate::catalog::error::{CatalogError, CatalogResult};
use crate::catalog::service::channels::check_channel;
use crate::catalog::service::children::check_documents;
use crate::catalog::service::fields::ServiceFields;
use crate::catalog::service::rules::check_rule_groups;
use crate::catalog::service::write::{CheckedService, ServiceChildren};
use crate::catalog::types::{Relevance, ServiceStatus, Slug, parse_enum};
use crate::catalog::validate;
use crate::catalog::validate::{max, max_items};
use crate::entity::{
    agency, criterion, journey_stage, jurisdiction, language, life_event, taxonomy_term,
};

/// Natural keys to row ids.
#[derive(Debug, Default)]
pub(crate) struct Names {
    pub(crate) jurisdictions: HashMap<String, i32>,
    pub(crate) languages: HashMap<String, i32>,
    /// `scheme:code`.
    pub(crate) terms: HashMap<String, i32>,
    pub(crate) criteria: HashMap<String, (i32, CriterionShape)>,
    /// Reference table keys.
    pub(crate) tables: std::collections::HashSet<String>,
    /// Slug to (id, jurisdiction id).
    pub(crate) agencies: HashMap<String, (i32, i32)>,
    pub(crate) life_events: HashMap<String, i32>,
    /// (life event id, stage slug) to stage id.
    pub(crate) stages: HashMap<(i32, String), i32>,
}

/// Looks a natural key up in a map built during the load.
pub(crate) fn resolve(
    map: &HashMap<String, i32>,
    path: &str,
    what: &str,
    key: &str,
) -> CatalogResult<i32> {
    map.get(key)
        .copied()
        .ok_or_else(|| CatalogError::bad_input(path, format!("unknown {what} `{key}`")))
}

/// Every criterion by key, with the shape rules are checked against.
pub(crate) async fn criteria_by_key(
    db: &impl ConnectionTrait,
) -> CatalogResult<HashMap<String, (i32, CriterionShape)>> {
    let mut map = HashMap::new();
    for c in criterion::Entity::find().all(db).await? {
        let shape = CriterionShape::from_row(&c)?;
        map.insert(c.key, (c.id, shape));
    }
    Ok(map)
}

impl Names {
    /// Every natural key the database holds (services aside: they are many, and looked up
    /// where needed).
    pub(crate) async fn load(txn: &DatabaseTransaction) -> CatalogResult<Self> {
        let mut names = Names::default();
        for j in jurisdiction::Entity::find().all(txn).await? {
            names.jurisdictions.insert(j.code, j.id);
        }
        for l in language::Entity::find().all(txn).await? {
            names.languages.insert(l.code, l.id);
        }
        for t in taxonomy_term::Entity::find().all(txn).await? {
            names.terms.insert(format!("{}:{}", t.scheme, t.code), t.id);
        }
        names.criteria = criteria_by_key(txn).await?;
        names.tables = crate::catalog::reference::table_keys(txn).await?;
        for a in agency::Entity::find().all(txn).await? {
            names.agencies.insert(a.slug, (a.id, a.jurisdiction_id));
        }
        for e in life_event::Entity::find().all(txn).await? {
            names.life_events.insert(e.slug, e.id);
        }
        for s in journey_stage::Entity::find().all(txn).await? {
            names.stages.insert((s.life_event_id, s.slug), s.id);
        }
        Ok(names)
    }

    /// Checks a service without writing anything; returns what writing it needs.
    pub(crate) fn check_service(
        &self,
        path: &str,
        doc: &ServiceFields,
    ) -> CatalogResult<CheckedService> {
        let slug = Slug::parse(&format!("{path}.slug"), &doc.slug)?;
        let (agency_id, agency_jurisdiction) =
            self.agencies.get(&doc.agency).copied().ok_or_else(|| {
                CatalogError::bad_input(
                    format!("{path}.agency"),
                    format!("unknown agency `{}`", doc.agency),
                )
            })?;
        let status = match &doc.status {
            Some(s) => parse_enum(&format!("{path}.status"), s, ServiceStatus::ALL, |k| {
                k.as_str()
            })?,
            None => ServiceStatus::Published,
        };
        for (field, text, limit) in [
            ("name", &doc.name, max::NAME),
            ("summary", &doc.summary, max::SUMMARY),
            ("description", &doc.description, max::DESCRIPTION),
        ] {
            validate::required(&format!("{path}.{field}"), text, limit)?;
        }
        for (field, text, limit) in [
            (
                "eligibilitySummary",
                &doc.eligibility_summary,
                max::ELIGIBILITY_SUMMARY,
            ),
            ("fees", &doc.fees, max::FEES),
            ("processingTime", &doc.processing_time, max::PROCESSING_TIME),
            ("externalId", &doc.external_id, max::EXTERNAL_ID),
        ] {
            validate::optional(&format!("{path}.{field}"), text.as_deref(), limit)?;
        }
        validate::agency_checks(&format!("{path}.agencyChecks"), &doc.agency_checks)?;
        if let Some(program) = &doc.program {
            crate::catalog::types::Slug::parse(&format!("{path}.program"), program)?;
        }
        if doc.channels.is_empty() {
            return Err(CatalogError::bad_input(
                format!("{path}.channels"),
                "a service needs at least one channel",
            ));
        }
        for (field, len, limit) in [
            ("channels", doc.channels.len(), max_items::CHANNELS),
            (
                "requiredDocuments",
                doc.required_documents.len(),
                max_items::DOCUMENTS,
            ),
            (
                "jurisdictions",
                doc.jurisdictions.len(),
                max_items::JURISDICTIONS,
            ),
            ("languages", doc.languages.len(), max_items::LANGUAGES),
            ("eligibility", doc.eligibility.len(), max_items::RULE_GROUPS),
        ] {
            validate::count(&format!("{path}.{field}"), len, 0, limit)?;
        }
        let children = self.service_children(path, doc, agency_jurisdiction)?;
        Ok(CheckedService {
            slug,
            agency_id,
            status,
            children,
        })
    }

    /// The ids of the partner agencies named at `field`: known, each once, and not the
    /// owner itself.
    pub(crate) fn partner_ids(
        &self,
        field: &str,
        slugs: &[String],
        owner: i32,
    ) -> CatalogResult<Vec<i32>> {
        validate::count(field, slugs.len(), 0, max_items::PARTNERS)?;
        let mut ids = Vec::new();
        for (i, slug) in slugs.iter().enumerate() {
            let path = format!("{field}[{i}]");
            let slug = slug.trim();
            let id = self.agencies.get(slug).map(|a| a.0).ok_or_else(|| {
                CatalogError::bad_input(&path, format!("unknown agency `{slug}`"))
            })?;
            if id == owner {
                return Err(CatalogError::bad_input(
                    path,
                    "the owning agency is not its own partner",
                ));
            }
            if ids.contains(&id) {
                return Err(CatalogError::bad_input(
                    path,
                    format!("`{slug}` appears twice"),
                ));
            }
            ids.push(id);
        }
        Ok(ids)
    }

    /// The ids of the taxonomy terms named at `field` (`scheme:code`, or a bare code of the
    /// `civic-catalog` scheme), each once.
    pub(crate) fn term_ids(&self, field: &str, terms: &[String]) -> CatalogResult<Vec<i32>> {
        validate::count(field, terms.len(), 0, max_items::TAXONOMY_TERMS)?;
        let mut ids = Vec::new();
        for (i, term) in terms.iter().enumerate() {
            let term = term.trim();
            let key = if term.contains(':') {
                term.to_owned()
            } else {
                format!("civic-catalog:{term}")
            };
            let id = resolve(&self.terms, &format!("{field}[{i}]"), "taxonomy term", &key)?;
            if !ids.contains(&id) {
                ids.push(id);
            }
        }
        Ok(ids)
    }

    /// Resolves and validates everything a service owns.
    pub(crate) fn service_children(
        &self,
        path: &str,
        doc: &ServiceFields,
        agency_jurisdiction: i32,
    ) -> CatalogResult<ServiceChildren> {
        let owner = self.agencies.get(&doc.agency).map_or(0, |a| a.0);
        let partners = self.partner_ids(
            &format!("{path}.partnerAgencies"),
            &doc.partner_agencies,
            owner,
        )?;
        let mut jurisdictions = Vec::new();
        for (i, code) in doc.jurisdictions.iter().enumerate() {
            jurisdictions.push(resolve(
                &self.jurisdictions,
                &format!("{path}.jurisdictions[{i}]"),
                "jurisdiction",
                code,
            )?);
        }
        if jurisdictions.is_empty() {
            jurisdictions.push(agency_jurisdiction);
        }
        let mut languages = Vec::new();
        for (i, code) in doc.languages.iter().enumerate() {
            languages.push(resolve(
                &self.languages,
                &format!("{path}.languages[{i}]"),
                "language",
                code,
            )?);
        }
        let terms = self.term_ids(&format!("{path}.taxonomyTerms"), &doc.taxonomy_terms)?;
        let documents = check_documents(
            &format!("{path}.requiredDocuments"),
            &doc.required_documents,
        )?;
        let mut channels = Vec::new();
        for (i, c) in doc.channels.iter().enumerate() {
            channels.push(check_channel(
                &format!("{path}.channels[{i}]"),
                c,
                |code| self.languages.contains_key(code),
            )?);
        }
        let mut links = Vec::new();
        let mut linked = HashSet::new();
        for (i, l) in doc.life_events.iter().enumerate() {
            let lpath = format!("{path}.lifeEvents[{i}]");
            let event = resolve(
                &self.life_events,
                &format!("{lpath}.lifeEvent"),
                "life event",
                &l.life_event,
            )?;
            if !linked.insert(event) {
                return Err(CatalogError::bad_input(
                    format!("{lpath}.lifeEvent"),
                    format!("`{}` is linked twice", l.life_event),
                ));
            }
            let stage = self
                .stages
                .get(&(event, l.stage.clone()))
                .copied()
                .ok_or_else(|| {
                    CatalogError::bad_input(
                        format!("{lpath}.stage"),
                        format!("`{}` has no stage `{}`", l.life_event, l.stage),
                    )
                })?;
            let relevance = parse_enum(
                &format!("{lpath}.relevance"),
                &l.relevance,
                Relevance::ALL,
                |k| k.as_str(),
            )?;
            links.push((event, stage, relevance, l.reason.trim().to_owned()));
        }
        let rules = check_rule_groups(
            &format!("{path}.eligibility"),
            &doc.eligibility,
            &self.criteria,
            &self.tables,
        )?;
        Ok(ServiceChildren {
            partners,
            jurisdictions,
            languages,
            terms,
            documents,
            channels,
            links,
            rules,
        })
    }
}
