//! `auditEvents`: the audit trail, for the state CX office's admins and reviewers.

use async_graphql::{Context, ID, InputObject, Object, Result};

use super::connection::AuditEventConnection;
use super::context::{catalog, principal};
use super::error::GqlResult;
use super::node::parse_global_id;
use super::scalars::{DateTime, Json};
use crate::catalog::PageRequest;
use crate::catalog::audit::AuditFilter as DomainFilter;
use crate::catalog::records;

/// One recorded change: who did what, when, with the record before and after.
#[derive(Debug, Clone)]
pub struct AuditEvent(pub records::AuditEvent);

/// One recorded change: who did what, when, with the record before and after.
#[Object]
impl AuditEvent {
    /// What was done, e.g. `service.publish`.
    async fn action(&self) -> &str {
        &self.0.action
    }

    /// The name of the API key that did it.
    async fn principal(&self) -> &str {
        &self.0.principal
    }

    /// When it was committed.
    async fn at(&self) -> DateTime {
        DateTime(self.0.created_at)
    }

    /// The record before the change (`null` for a creation).
    async fn before(&self) -> Option<Json> {
        self.0
            .before
            .as_deref()
            .and_then(|b| serde_json::from_str(b).ok())
            .map(Json)
    }

    /// The record after the change.
    async fn after(&self) -> Option<Json> {
        self.0
            .after
            .as_deref()
            .and_then(|a| serde_json::from_str(a).ok())
            .map(Json)
    }

    /// The kind of record changed, e.g. `Service` or `ApiKey`.
    async fn record_type(&self) -> &str {
        &self.0.record_type
    }

    /// The changed record's row id (for services, `node` takes the global id of `Service`).
    async fn record_id(&self) -> i32 {
        self.0.record_id
    }

    /// The reviewer's comment, for requested changes.
    async fn comment(&self) -> Option<&str> {
        self.0.comment.as_deref()
    }
}

/// Narrows the audit trail; every field given must match.
#[derive(InputObject, Debug, Default)]
pub struct AuditFilter {
    /// Changes to records of the agency with this slug.
    pub agency: Option<String>,
    /// Changes made by this principal: an API key's name, or `command line`.
    pub principal: Option<String>,
    /// Changes to the record with this global id: a service (with its channels and other
    /// parts), an agency (with its CSSP designation), a life event (with its journey
    /// stages) or a criterion.
    pub record: Option<ID>,
    /// Changes committed at or after this instant.
    pub after: Option<DateTime>,
    /// Changes committed before this instant.
    pub before: Option<DateTime>,
}

impl TryFrom<AuditFilter> for DomainFilter {
    type Error = crate::catalog::CatalogError;

    fn try_from(filter: AuditFilter) -> Result<Self, Self::Error> {
        let record = filter
            .record
            .map(|id| parse_global_id("record", &id))
            .transpose()?
            .map(|(kind, row)| (kind.name().to_owned(), row));
        Ok(Self {
            agency: filter.agency,
            principal: filter.principal,
            record,
            after: filter.after.map(|t| t.0),
            before: filter.before.map(|t| t.0),
        })
    }
}

/// Root fields for the audit trail.
#[derive(Default)]
pub struct AuditQuery;

#[Object]
impl AuditQuery {
    /// Every committed change, newest first: who did what to which record, when, with the
    /// record before and after. ADMIN and REVIEWER keys only.
    #[graphql(complexity = "crate::graphql::limits::page(first, last, child_complexity)")]
    async fn audit_events(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "How many events to return: 0 to 100, 20 when omitted.")] first: Option<
            i32,
        >,
        #[graphql(desc = "Return the events older than this cursor.")] after: Option<String>,
        #[graphql(
            desc = "How many events to return from the end of the list (the oldest, or the ones just newer than `before`): 0 to 100. Not with `first`."
        )]
        last: Option<i32>,
        #[graphql(desc = "Return the events newer than this cursor (with `last`, to page back).")]
        before: Option<String>,
        #[graphql(desc = "Narrow the trail.")] filter: Option<AuditFilter>,
    ) -> Result<AuditEventConnection> {
        let request = PageRequest::parse(first, after.as_deref(), last, before.as_deref()).gql()?;
        let filter = DomainFilter::try_from(filter.unwrap_or_default()).gql_in("filter")?;
        let page = catalog(ctx)?
            .audit_events(principal(ctx), &filter, &request)
            .await
            .gql_in("filter")?;
        Ok(AuditEventConnection::from_page(page, AuditEvent))
    }
}
