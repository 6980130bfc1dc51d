//! Agencies and their CSSP designations: the agency list and batch loads, and their
//! administration by ADMIN keys.

use std::collections::HashMap;

use chrono::{NaiveDate, Utc};
use sea_orm::sea_query::Query;
use sea_orm::{
    ActiveModelTrait, ActiveValue::NotSet, ColumnTrait, ConnectionTrait, EntityTrait,
    IntoActiveModel, QueryFilter, QueryOrder, QuerySelect, Set, TryIntoModel,
};
use serde_json::{Value, json};

use crate::catalog::error::{CatalogError, CatalogResult};
use crate::catalog::jurisdiction::jurisdiction_id;
use crate::catalog::page::{Cursor, Page, PageRequest, sort_key};
use crate::catalog::principal::{ADMINISTER, Principal, require_admin};
use crate::catalog::service::published;
use crate::catalog::service::read::service_partner_to_service;
use crate::catalog::service::write::expect_version;
use crate::catalog::store::{
    UniqueKey, by_id, changed, group_by, insert_unique, sort_name, sorted_keys, text_search,
};
use crate::catalog::types::{Email, HttpUrl, JurisdictionCode, Phone, Slug};
use crate::catalog::validate::max;
use crate::catalog::{Catalog, validate};
use crate::entity::{agency, cssp_designation, jurisdiction, service, service_partner};

/// Filters on the agency list. Every field narrows the result; `None` does not filter.
#[derive(Debug, Clone, Default)]
pub struct AgencyFilter {
    /// Agencies of exactly this jurisdiction.
    pub jurisdiction: Option<JurisdictionCode>,
    /// `Some(true)`: CSSP-designated agencies only; `Some(false)`: the others.
    pub cssp: Option<bool>,
    /// Case-insensitive text contained in the name or acronym.
    pub search: Option<String>,
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

/// A new agency, every field checked: what `agencyCreate` and a catalog document's
/// `agencies` entry both become before anything is written, so the same rules refuse the
/// same input whichever way it comes (with the same field names, relative to the agency).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAgency {
    pub slug: Slug,
    pub name: String,
    pub acronym: Option<String>,
    pub jurisdiction: JurisdictionCode,
    pub parent: Option<Slug>,
    pub website: Option<HttpUrl>,
    pub phone: Option<Phone>,
    pub description: String,
}

impl TryFrom<AgencyInput> for NewAgency {
    type Error = CatalogError;

    fn try_from(input: AgencyInput) -> CatalogResult<Self> {
        Ok(Self {
            slug: Slug::parse("slug", input.slug.trim())?,
            name: validate::required("name", &input.name, max::NAME)?,
            acronym: validate::optional("acronym", input.acronym.as_deref(), max::ACRONYM)?,
            jurisdiction: JurisdictionCode::parse("jurisdiction", input.jurisdiction.trim())?,
            parent: input
                .parent
                .as_deref()
                .map(str::trim)
                .filter(|p| !p.is_empty())
                .map(|p| Slug::parse("parent", p))
                .transpose()?,
            website: validate::optional("website", input.website.as_deref(), max::URL)?
                .map(|u| validate::url("website", &u))
                .transpose()?,
            phone: validate::optional("phone", input.phone.as_deref(), max::LABEL)?
                .map(|p| validate::phone("phone", &p))
                .transpose()?,
            description: validate::required("description", &input.description, max::DESCRIPTION)?,
        })
    }
}

/// A CSSP designation, every field checked (from `agencyDesignateCssp` or a document's
/// `cssp` entry).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Designation {
    pub designated_on: NaiveDate,
    pub large_customer_base: bool,
    pub high_impact: bool,
    pub cx_lead_name: Option<String>,
    pub cx_lead_email: Option<Email>,
    pub source: Option<String>,
}

impl TryFrom<CsspInput> for Designation {
    type Error = CatalogError;

    fn try_from(input: CsspInput) -> CatalogResult<Self> {
        if !(input.large_customer_base || input.high_impact) {
            return Err(CatalogError::bad_input(
                "basis",
                "give at least one basis: LARGE_CUSTOMER_BASE, HIGH_IMPACT",
            ));
        }
        Ok(Self {
            designated_on: input.designated_on,
            large_customer_base: input.large_customer_base,
            high_impact: input.high_impact,
            cx_lead_name: validate::optional(
                "cxLeadName",
                input.cx_lead_name.as_deref(),
                max::NAME,
            )?,
            cx_lead_email: validate::optional(
                "cxLeadEmail",
                input.cx_lead_email.as_deref(),
                max::EMAIL,
            )?
            .map(|e| validate::email("cxLeadEmail", &e))
            .transpose()?,
            source: validate::optional("source", input.source.as_deref(), max::SUMMARY)?,
        })
    }
}

impl Designation {
    /// Sets the designation's columns on `row`.
    pub(crate) fn write_to(self, row: &mut cssp_designation::ActiveModel) {
        row.designated_on = Set(self.designated_on);
        row.large_customer_base = Set(self.large_customer_base);
        row.high_impact = Set(self.high_impact);
        row.cx_lead_name = Set(self.cx_lead_name);
        row.cx_lead_email = Set(self.cx_lead_email.map(String::from));
        row.source = Set(self.source);
    }
}

pub(crate) fn agency_json(a: &agency::Model) -> Value {
    json!({ "slug": a.slug, "name": a.name, "acronym": a.acronym, "jurisdictionId": a.jurisdiction_id,
            "parentId": a.parent_id, "website": a.website, "phone": a.phone,
            "description": a.description, "version": a.version })
}

pub(crate) fn cssp_json(c: &cssp_designation::Model) -> Value {
    json!({ "designatedOn": c.designated_on.to_string(), "largeCustomerBase": c.large_customer_base,
            "highImpact": c.high_impact, "cxLeadName": c.cx_lead_name, "cxLeadEmail": c.cx_lead_email,
            "source": c.source })
}

pub(crate) async fn agency_id_by_slug(
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

/// Agency `id`, named by the command's `field`, for commands.
pub(crate) async fn agency_for_command(
    db: &impl ConnectionTrait,
    field: &str,
    id: i32,
) -> CatalogResult<agency::Model> {
    agency::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(|| CatalogError::not_found(field, format!("agency {id}")))
}

/// Counts a change to an agency's designation on the agency itself.
pub(crate) async fn touch_agency(
    db: &impl ConnectionTrait,
    agency: &agency::Model,
) -> CatalogResult<agency::Model> {
    let mut active: agency::ActiveModel = agency.clone().into();
    active.version = Set(agency.version + 1);
    active.updated_at = Set(Utc::now());
    Ok(active.update(db).await?)
}
impl Catalog {
    /// A page of agencies matching `filter`, by name.
    pub async fn agencies(
        &self,
        filter: &AgencyFilter,
        page: &PageRequest,
    ) -> CatalogResult<Page<agency::Model>> {
        let mut select = agency::Entity::find();
        if let Some(code) = &filter.jurisdiction {
            select = select.filter(
                agency::Column::JurisdictionId.in_subquery(
                    Query::select()
                        .column(jurisdiction::Column::Id)
                        .from(jurisdiction::Entity)
                        .and_where(jurisdiction::Column::Code.eq(code.as_str()))
                        .to_owned(),
                ),
            );
        }
        if let Some(cssp) = filter.cssp {
            let designated = Query::select()
                .column(cssp_designation::Column::AgencyId)
                .from(cssp_designation::Entity)
                .to_owned();
            select = select.filter(if cssp {
                agency::Column::Id.in_subquery(designated)
            } else {
                agency::Column::Id.not_in_subquery(designated)
            });
        }
        if let Some(term) = &filter.search {
            select = select.filter(text_search(
                &[agency::Column::Name, agency::Column::Acronym],
                term,
            ));
        }
        self.keyset_page(
            select,
            (sort_name("agency"), agency::Column::Id),
            page,
            |a| Cursor {
                name: sort_key(&a.name),
                id: a.id,
            },
        )
        .await
    }

    /// The agency with this slug, if any.
    pub async fn agency_by_slug(&self, slug: &Slug) -> CatalogResult<Option<agency::Model>> {
        Ok(agency::Entity::find()
            .filter(agency::Column::Slug.eq(slug.as_str()))
            .one(&self.db)
            .await?)
    }

    /// Agencies by id.
    pub async fn agencies_by_ids(&self, ids: &[i32]) -> CatalogResult<HashMap<i32, agency::Model>> {
        let rows = agency::Entity::find()
            .filter(agency::Column::Id.is_in(ids.to_vec()))
            .all(&self.db)
            .await?;
        Ok(by_id(rows, |a| a.id))
    }

    /// The CSSP designations of these agencies, by agency id.
    pub async fn cssp_of_agencies(
        &self,
        ids: &[i32],
    ) -> CatalogResult<HashMap<i32, cssp_designation::Model>> {
        let rows = cssp_designation::Entity::find()
            .filter(cssp_designation::Column::AgencyId.is_in(ids.to_vec()))
            .all(&self.db)
            .await?;
        Ok(by_id(rows, |c| c.agency_id))
    }

    /// The child agencies of these agencies, by parent id, by name.
    pub async fn children_of_agencies(
        &self,
        ids: &[i32],
    ) -> CatalogResult<HashMap<i32, Vec<agency::Model>>> {
        let rows = agency::Entity::find()
            .filter(agency::Column::ParentId.is_in(ids.to_vec()))
            .order_by(sort_name("agency"), sea_orm::Order::Asc)
            .order_by_asc(agency::Column::Id)
            .all(&self.db)
            .await?;
        Ok(group_by(rows, |a| a.parent_id.unwrap_or_default()))
    }

    /// The published services of these agencies (owned or in partnership), as
    /// `(name, id)` keys in list order, by agency id.
    pub async fn service_keys_of_agencies(
        &self,
        ids: &[i32],
    ) -> CatalogResult<HashMap<i32, Vec<Cursor>>> {
        let owned: Vec<(i32, i32, String)> = service::Entity::find()
            .select_only()
            .column(service::Column::AgencyId)
            .column(service::Column::Id)
            .column(service::Column::Name)
            .filter(published())
            .filter(service::Column::AgencyId.is_in(ids.to_vec()))
            .into_tuple()
            .all(&self.db)
            .await?;
        let partnered: Vec<(i32, i32, String)> = service_partner::Entity::find()
            .select_only()
            .column(service_partner::Column::AgencyId)
            .column(service::Column::Id)
            .column(service::Column::Name)
            .join_as(
                sea_orm::JoinType::InnerJoin,
                service_partner_to_service(),
                service::Entity,
            )
            .filter(published())
            .filter(service_partner::Column::AgencyId.is_in(ids.to_vec()))
            .into_tuple()
            .all(&self.db)
            .await?;
        Ok(sorted_keys(owned.into_iter().chain(partnered)))
    }

    /// Creates an agency.
    pub async fn create_agency(
        &self,
        principal: &Principal,
        input: AgencyInput,
    ) -> CatalogResult<agency::Model> {
        let key = require_admin(principal, ADMINISTER)?;
        let NewAgency {
            slug,
            name,
            acronym,
            jurisdiction,
            parent,
            website,
            phone,
            description,
        } = NewAgency::try_from(input)?;
        let txn = self.begin_write().await?;
        let jurisdiction_id = jurisdiction_id(&txn, "jurisdiction", jurisdiction.as_str()).await?;
        let parent_id = match &parent {
            Some(p) => Some(agency_id_by_slug(&txn, "parent", p.as_str()).await?),
            None => None,
        };
        let now = Utc::now();
        let row = agency::ActiveModel {
            id: NotSet,
            slug: Set(slug.as_str().to_owned()),
            name: Set(name),
            acronym: Set(acronym),
            jurisdiction_id: Set(jurisdiction_id),
            parent_id: Set(parent_id),
            website: Set(website.map(String::from)),
            phone: Set(phone.map(String::from)),
            description: Set(description),
            created_at: Set(now),
            updated_at: Set(now),
            version: Set(1),
        };
        let created = insert_unique(
            &txn,
            row,
            UniqueKey {
                index: "ux_agency_slug",
                column: agency::Column::Slug,
                value: slug.as_str(),
                field: "slug",
                message: format!("the slug `{slug}` is taken"),
                record: "Agency",
            },
            |h| h.id,
        )
        .await?;
        self.commit_recorded(
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
        let current = agency_for_command(&txn, "id", id).await?;
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
            validate::required("name", v, max::NAME)
        })?;
        next.description = changed(changes.description.as_deref(), &current.description, |v| {
            validate::required("description", v, max::DESCRIPTION)
        })?;
        next.acronym = clearable(changes.acronym.as_deref(), &current.acronym, &|v| {
            validate::required("acronym", v, max::ACRONYM)
        })?;
        next.website = clearable(changes.website.as_deref(), &current.website, &|v| {
            validate::url("website", v).map(String::from)
        })?;
        next.phone = clearable(changes.phone.as_deref(), &current.phone, &|v| {
            validate::phone("phone", v).map(String::from)
        })?;
        if let Some(code) = &changes.jurisdiction {
            next.jurisdiction_id = jurisdiction_id(&txn, "jurisdiction", code).await?;
        }
        match changes.parent.as_deref().map(str::trim) {
            None => {}
            Some("") => next.parent_id = None,
            Some(slug) => {
                let parent = agency_id_by_slug(&txn, "parent", slug).await?;
                // Walk up from the new parent: reaching this agency would make a cycle.
                let mut at = Some(parent);
                let mut steps = 0;
                while let Some(ancestor) = at {
                    if ancestor == id || steps > 100 {
                        return Err(CatalogError::bad_input(
                            "parent",
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
        self.commit_recorded(
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
        let designation = Designation::try_from(input)?;
        let txn = self.begin_write().await?;
        let agency = agency_for_command(&txn, "agency", agency_id).await?;
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
        designation.write_to(&mut active);
        let saved = active.save(&txn).await?.try_into_model()?;
        let updated = touch_agency(&txn, &agency).await?;
        self.commit_recorded(
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
        let agency = agency_for_command(&txn, "agency", agency_id).await?;
        expect_version("agency", agency.version, expected_version)?;
        let existing = cssp_designation::Entity::find()
            .filter(cssp_designation::Column::AgencyId.eq(agency_id))
            .one(&txn)
            .await?
            .ok_or_else(|| {
                CatalogError::not_found(
                    "agency",
                    format!("a CSSP designation of `{}`", agency.slug),
                )
            })?;
        cssp_designation::Entity::delete_by_id(existing.id)
            .exec(&txn)
            .await?;
        let updated = touch_agency(&txn, &agency).await?;
        self.commit_recorded(
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
}
