//! Agencies: who owns and delivers services, with their CSSP designation.

use async_graphql::{Context, ID, InputObject, Object, Result, SimpleObject};

use super::connection::{AgencyConnection, ServiceConnection};
use super::context::{catalog, loader, principal, reader};
use super::enums::CsspBasis;
use super::error::GqlResult;
use super::integrity;
use super::jurisdiction::Jurisdiction;
use super::loaders::{
    AgencyById, ChildrenOfAgency, CsspOfAgency, JurisdictionById, ServiceKeysOfAgency,
};
use super::node::{NodeKind, global_id, row_id};
use super::payload::{on_row, record_payload};
use super::scalars::Date;
use super::service::services_by_keys;
use crate::catalog::agency::{AgencyChanges, AgencyInput, CsspInput};
use crate::catalog::records;
use crate::catalog::types::{JurisdictionCode, Slug};
use crate::catalog::{AgencyFilter as DomainFilter, CatalogError, PageRequest};
use crate::graphql::experience::{min_responses, period as period_of};
use crate::graphql::scorecard::AgencyExperience;

/// A government agency that owns services or delivers them with a partner, e.g. the New
/// York State Department of Labor.
#[derive(Debug, Clone)]
pub struct Agency(pub records::Agency);

/// A government agency that owns services or delivers them with a partner, e.g. the New
/// York State Department of Labor.
#[Object]
impl Agency {
    /// The agency's global id.
    pub async fn id(&self) -> ID {
        global_id(NodeKind::Agency, self.0.id)
    }

    /// Its URL-safe identifier, e.g. `nys-dol`.
    async fn slug(&self) -> &str {
        &self.0.slug
    }

    /// How its residents fared over `period` (a month `2026-10`, a quarter `2026-Q3` or a
    /// fiscal year `FY2026`; the current month when omitted): each published service with
    /// its scores, top negative driver and transactions. For ADMIN and REVIEWER keys;
    /// `null`, with an `UNAUTHENTICATED` or `FORBIDDEN` error, for other callers.
    async fn experience(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "`2026-10`, `2026-Q3` or `FY2026`.")] period: Option<String>,
    ) -> Result<Option<crate::graphql::scorecard::AgencyExperience>> {
        let (period, minimum) = (period_of(period)?, min_responses(ctx));
        let experience = reader(ctx)?
            .live_read(async |c| {
                c.agency_experience(principal(ctx), self.0.id, period, minimum)
                    .await
            })
            .await;
        Ok(Some(AgencyExperience(experience.gql()?)))
    }

    /// Its revision number, which grows by one with every change (its CSSP designation
    /// included). Pass it back as `expectedVersion` when you edit what you read.
    async fn version(&self) -> i32 {
        self.0.version
    }

    /// Its full name.
    async fn name(&self) -> &str {
        &self.0.name
    }

    /// Its usual abbreviation, e.g. `DOL`, if it has one.
    async fn acronym(&self) -> Option<&str> {
        self.0.acronym.as_deref()
    }

    /// What the agency does, in plain language.
    async fn description(&self) -> &str {
        &self.0.description
    }

    /// Its official website.
    async fn website(&self) -> Option<&str> {
        self.0.website.as_deref()
    }

    /// Its main public phone number.
    async fn phone(&self) -> Option<&str> {
        self.0.phone.as_deref()
    }

    /// The jurisdiction the agency belongs to.
    async fn jurisdiction(&self, ctx: &Context<'_>) -> Result<Jurisdiction> {
        let found = loader(ctx)?
            .load_one(JurisdictionById(self.0.jurisdiction_id))
            .await?;
        integrity(found, "agency jurisdiction").map(Jurisdiction)
    }

    /// The agency it is part of, if any (e.g. a division's department).
    async fn parent(&self, ctx: &Context<'_>) -> Result<Option<Agency>> {
        let Some(parent) = self.0.parent_id else {
            return Ok(None);
        };
        Ok(loader(ctx)?.load_one(AgencyById(parent)).await?.map(Agency))
    }

    /// The agencies that are part of this one, by name.
    #[graphql(
        complexity = "crate::graphql::limits::list(crate::graphql::limits::caps::CHILD_AGENCIES, child_complexity)"
    )]
    async fn children(&self, ctx: &Context<'_>) -> Result<Vec<Agency>> {
        let found = loader(ctx)?.load_one(ChildrenOfAgency(self.0.id)).await?;
        Ok(found
            .unwrap_or_default()
            .into_iter()
            .take(crate::graphql::limits::caps::CHILD_AGENCIES)
            .map(Agency)
            .collect())
    }

    /// Its designation as a Critical State Service Provider by the state CX office, or
    /// `null` if it is not designated.
    async fn cssp(&self, ctx: &Context<'_>) -> Result<Option<CsspDesignation>> {
        Ok(loader(ctx)?
            .load_one(CsspOfAgency(self.0.id))
            .await?
            .map(CsspDesignation))
    }

    /// The published services the agency owns or delivers in partnership, by name.
    #[graphql(complexity = "crate::graphql::limits::page(first, last, child_complexity)")]
    async fn services(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "How many services to return: 0 to 100, 20 when omitted.")] first: Option<
            i32,
        >,
        #[graphql(desc = "Return the services after this cursor.")] after: Option<String>,
        #[graphql(
            desc = "How many services to return from the end of the list (or from just before `before`): 0 to 100. Not with `first`."
        )]
        last: Option<i32>,
        #[graphql(desc = "Return the services before this cursor (with `last`, to page back).")]
        before: Option<String>,
    ) -> Result<ServiceConnection> {
        let request = PageRequest::parse(first, after.as_deref(), last, before.as_deref()).gql()?;
        let keys = loader(ctx)?
            .load_one(ServiceKeysOfAgency(self.0.id))
            .await?
            .unwrap_or_default();
        services_by_keys(ctx, keys, &request).await
    }
}

/// An agency's designation as a Critical State Service Provider (CSSP): one of the
/// high-impact agencies whose customer experience the state CX office tracks closely.
#[derive(Debug, Clone)]
pub struct CsspDesignation(pub records::CsspDesignation);

/// An agency's designation as a Critical State Service Provider (CSSP): one of the
/// high-impact agencies whose customer experience the state CX office tracks closely.
#[Object]
impl CsspDesignation {
    /// The date the agency was designated.
    async fn designated_on(&self) -> Date {
        Date(self.0.designated_on)
    }

    /// Why it was designated: a large customer base, a high impact, or both.
    #[graphql(
        complexity = "crate::graphql::limits::list(crate::graphql::limits::caps::CSSP_BASIS, child_complexity)"
    )]
    async fn basis(&self) -> Vec<CsspBasis> {
        let mut basis = Vec::new();
        if self.0.large_customer_base {
            basis.push(CsspBasis::LargeCustomerBase);
        }
        if self.0.high_impact {
            basis.push(CsspBasis::HighImpact);
        }
        basis
    }

    /// The agency's customer-experience lead, if published.
    async fn cx_lead(&self) -> Option<CxLead> {
        (self.0.cx_lead_name.is_some() || self.0.cx_lead_email.is_some()).then(|| CxLead {
            name: self.0.cx_lead_name.clone(),
            email: self.0.cx_lead_email.clone(),
        })
    }

    /// Where the designation comes from: a public source, or a note that it is
    /// illustrative.
    async fn source(&self) -> Option<&str> {
        self.0.source.as_deref()
    }
}

/// The person who leads an agency's customer-experience work.
#[derive(SimpleObject, Debug, Clone)]
pub struct CxLead {
    /// Their name or role.
    pub name: Option<String>,
    /// Their work email address.
    pub email: Option<String>,
}

/// Narrows the agency list. Every field given must match.
#[derive(InputObject, Debug, Default)]
pub struct AgencyFilter {
    /// Only agencies of exactly this jurisdiction, by code (e.g. `US-NY`).
    pub jurisdiction: Option<String>,
    /// `true`: only CSSP-designated agencies; `false`: only the others.
    pub cssp: Option<bool>,
    /// Only agencies whose name or acronym contains this text, ignoring case.
    pub search: Option<String>,
}

impl TryFrom<AgencyFilter> for DomainFilter {
    type Error = async_graphql::Error;

    fn try_from(filter: AgencyFilter) -> Result<Self> {
        Ok(Self {
            jurisdiction: filter
                .jurisdiction
                .as_deref()
                .map(|c| JurisdictionCode::parse("filter.jurisdiction", c))
                .transpose()
                .gql()?,
            cssp: filter.cssp,
            search: filter.search,
        })
    }
}

/// Root fields for agencies.
#[derive(Default)]
pub struct AgencyQuery;

/// Root fields for agencies.
#[Object]
impl AgencyQuery {
    /// Agencies, by name.
    #[graphql(complexity = "crate::graphql::limits::page(first, last, child_complexity)")]
    async fn agencies(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "How many agencies to return: 0 to 100, 20 when omitted.")] first: Option<
            i32,
        >,
        #[graphql(desc = "Return the agencies after this cursor.")] after: Option<String>,
        #[graphql(
            desc = "How many agencies to return from the end of the list (or from just before `before`): 0 to 100. Not with `first`."
        )]
        last: Option<i32>,
        #[graphql(desc = "Return the agencies before this cursor (with `last`, to page back).")]
        before: Option<String>,
        #[graphql(desc = "Narrow the list.")] filter: Option<AgencyFilter>,
    ) -> Result<AgencyConnection> {
        let request = PageRequest::parse(first, after.as_deref(), last, before.as_deref()).gql()?;
        let domain = DomainFilter::try_from(filter.unwrap_or_default())?;
        let page = reader(ctx)?.agencies(&domain, &request).await.gql()?;
        Ok(AgencyConnection::from_page(page, Agency))
    }

    /// The agency with this slug, or `null` if there is none.
    async fn agency(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The agency's slug, e.g. `nys-dol`.")] slug: String,
    ) -> Result<Option<Agency>> {
        let slug = Slug::parse("slug", &slug).gql()?;
        Ok(reader(ctx)?.agency_by_slug(&slug).await.gql()?.map(Agency))
    }
}

/// A new agency.
#[derive(InputObject, Debug, Clone)]
pub struct AgencyCreateInput {
    /// Its URL-safe identifier, unique in the catalog, e.g. `nys-dol`.
    pub slug: String,
    /// Its official name.
    pub name: String,
    /// Its usual abbreviation, e.g. `DOL`.
    pub acronym: Option<String>,
    /// The code of its jurisdiction, e.g. `US-NY`.
    pub jurisdiction: String,
    /// The slug of the agency it belongs to, if any.
    pub parent: Option<String>,
    /// Its http(s) website.
    pub website: Option<String>,
    /// Its main phone number.
    pub phone: Option<String>,
    /// What it does, in plain language.
    pub description: String,
}

record_payload!(
    /// The result of `agencyCreate`.
    AgencyCreatePayload { agency: Agency }
);

/// Changes to an agency; omitted fields stay as they are, an empty string clears an
/// optional one. The slug is fixed.
#[derive(InputObject, Debug, Clone)]
pub struct AgencyUpdateInput {
    /// The agency's global id.
    pub id: ID,
    /// The version you last read; a newer one means someone else changed it (`STALE`).
    pub expected_version: i32,
    /// A new name.
    pub name: Option<String>,
    /// A new acronym.
    pub acronym: Option<String>,
    /// A new jurisdiction code.
    pub jurisdiction: Option<String>,
    /// The slug of a new parent agency; an empty string makes it top-level.
    pub parent: Option<String>,
    /// A new website.
    pub website: Option<String>,
    /// A new phone number.
    pub phone: Option<String>,
    /// A new description.
    pub description: Option<String>,
}

record_payload!(
    /// The result of `agencyUpdate`.
    AgencyUpdatePayload { agency: Agency }
);

/// A Critical State Service Provider designation by the state CX office.
#[derive(InputObject, Debug, Clone)]
pub struct CsspDesignateInput {
    /// The agency's global id.
    pub agency: ID,
    /// The agency version you last read; when given, a newer one is `STALE`.
    pub expected_version: Option<i32>,
    /// The date of the designation.
    pub designated_on: Date,
    /// Why: a large customer base, a high impact, or both.
    pub basis: Vec<CsspBasis>,
    /// The agency's customer-experience lead.
    pub cx_lead_name: Option<String>,
    /// The CX lead's email address.
    pub cx_lead_email: Option<String>,
    /// Where the designation is published, or a note on it.
    pub source: Option<String>,
}

record_payload!(
    /// The result of `csspDesignate`.
    CsspDesignatePayload { agency: Agency }
);

/// Which agency's CSSP designation to end.
#[derive(InputObject, Debug, Clone)]
pub struct CsspRevokeInput {
    /// The agency's global id.
    pub agency: ID,
    /// The agency version you last read; when given, a newer one is `STALE`.
    pub expected_version: Option<i32>,
}

record_payload!(
    /// The result of `csspRevoke`.
    CsspRevokePayload { agency: Agency }
);

/// The row id of an agency global id under `field`; a malformed id is a user error.
fn agency_row(field: &str, id: &ID) -> Result<i32, CatalogError> {
    row_id(field, id, NodeKind::Agency)
}

impl From<AgencyCreateInput> for AgencyInput {
    fn from(input: AgencyCreateInput) -> Self {
        Self {
            slug: input.slug,
            name: input.name,
            acronym: input.acronym,
            jurisdiction: input.jurisdiction,
            parent: input.parent,
            website: input.website,
            phone: input.phone,
            description: input.description,
        }
    }
}

impl AgencyUpdateInput {
    /// The agency, the version read, and the changes.
    fn split(self) -> (Result<i32, CatalogError>, i32, AgencyChanges) {
        let changes = AgencyChanges {
            name: self.name,
            acronym: self.acronym,
            jurisdiction: self.jurisdiction,
            parent: self.parent,
            website: self.website,
            phone: self.phone,
            description: self.description,
        };
        (agency_row("id", &self.id), self.expected_version, changes)
    }
}

impl CsspDesignateInput {
    /// The agency, the version read, and the designation.
    fn split(self) -> (Result<i32, CatalogError>, Option<i32>, CsspInput) {
        let designation = CsspInput {
            designated_on: self.designated_on.0,
            large_customer_base: self.basis.contains(&CsspBasis::LargeCustomerBase),
            high_impact: self.basis.contains(&CsspBasis::HighImpact),
            cx_lead_name: self.cx_lead_name,
            cx_lead_email: self.cx_lead_email,
            source: self.source,
        };
        let row = agency_row("agency", &self.agency);
        (row, self.expected_version, designation)
    }
}

/// Administration of agencies and their CSSP designations (ADMIN keys).
#[derive(Default)]
pub struct AgencyMutation;

/// Administration of agencies and their CSSP designations (ADMIN keys).
#[Object]
impl AgencyMutation {
    /// Creates an agency (ADMIN).
    async fn agency_create(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The new agency.")] input: AgencyCreateInput,
    ) -> Result<AgencyCreatePayload> {
        let result = catalog(ctx)?
            .create_agency(principal(ctx), input.into())
            .await;
        AgencyCreatePayload::from(result, Agency)
    }

    /// Changes an agency (ADMIN).
    async fn agency_update(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The agency and the changes.")] input: AgencyUpdateInput,
    ) -> Result<AgencyUpdatePayload> {
        let (row, version, changes) = input.split();
        let result = on_row(ctx, row, async |catalog, who, row| {
            catalog.update_agency(who, row, version, changes).await
        })
        .await?;
        AgencyUpdatePayload::from(result, Agency)
    }

    /// Designates an agency a Critical State Service Provider, or changes its designation
    /// (ADMIN).
    async fn cssp_designate(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The agency and the designation.")] input: CsspDesignateInput,
    ) -> Result<CsspDesignatePayload> {
        let (row, version, designation) = input.split();
        let result = on_row(ctx, row, async |catalog, who, row| {
            catalog.designate_cssp(who, row, version, designation).await
        })
        .await?;
        CsspDesignatePayload::from(result, Agency)
    }

    /// Ends an agency's CSSP designation (ADMIN).
    async fn cssp_revoke(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The agency.")] input: CsspRevokeInput,
    ) -> Result<CsspRevokePayload> {
        let (row, version) = (agency_row("agency", &input.agency), input.expected_version);
        let result = on_row(ctx, row, async |catalog, who, row| {
            catalog.revoke_cssp(who, row, version).await
        })
        .await?;
        CsspRevokePayload::from(result, Agency)
    }
}
