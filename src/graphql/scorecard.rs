//! Agencies' experience and the CSSP scorecard in GraphQL, for ADMIN and REVIEWER keys.

use async_graphql::{Context, Enum, InputObject, Object, Result};

use crate::catalog::PageRequest;
use crate::catalog::scorecard::{
    AgencyExperience as Experience, ScorecardOrder, ScorecardPage, ServiceScorecard as ServiceCard,
};
use crate::catalog::ux_metrics::Transactions;
use crate::graphql::agency::Agency;
use crate::graphql::connection::ServiceScorecardConnection;
use crate::graphql::context::{loader, principal, reader};
use crate::graphql::enums::CxDriver;
use crate::graphql::error::GqlResult;
use crate::graphql::experience::{ExperienceScores, min_responses, period};
use crate::graphql::integrity;
use crate::graphql::loaders::ServiceById;
use crate::graphql::service::Service;

/// Transactions an agency's systems counted, with the rates derived from them.
#[derive(Debug, Clone, Copy)]
pub struct TransactionCounts(pub Transactions);

/// Transactions an agency's systems counted, with the rates derived from them.
#[Object]
impl TransactionCounts {
    /// Started.
    async fn started(&self) -> i64 {
        self.0.started
    }

    /// Completed.
    async fn completed(&self) -> i64 {
        self.0.completed
    }

    /// Ended in an error.
    async fn failed(&self) -> i64 {
        self.0.failed
    }

    /// Left unfinished.
    async fn abandoned(&self) -> i64 {
        self.0.abandoned
    }

    /// Completed over started, 0 to 1 (`null` when nothing started).
    async fn success_rate(&self) -> Option<f64> {
        self.0.success_rate()
    }

    /// Failed over started.
    async fn error_rate(&self) -> Option<f64> {
        self.0.error_rate()
    }

    /// Abandoned over started.
    async fn abandonment_rate(&self) -> Option<f64> {
        self.0.abandonment_rate()
    }
}

/// How an agency's residents fared over a period.
#[derive(Debug, Clone)]
pub struct AgencyExperience(pub Experience);

/// How an agency's residents fared over a period.
#[Object]
impl AgencyExperience {
    /// The agency.
    async fn agency(&self) -> Agency {
        Agency(self.0.agency.clone())
    }

    /// Whether it is a Critical State Service Provider.
    async fn cssp(&self) -> bool {
        self.0.cssp
    }

    /// The feedback on all its published services together.
    async fn scores(&self) -> ExperienceScores {
        self.0.scores.clone().into()
    }

    /// The A-11 driver residents most often said did not go well, across its services
    /// (`null` when none was named, or the figures are withheld).
    async fn top_negative_driver(&self) -> Option<CxDriver> {
        self.0.top_negative_driver.map(Into::into)
    }

    /// All its services' transactions together.
    async fn transactions(&self) -> TransactionCounts {
        TransactionCounts(self.0.transactions)
    }

    /// Whether the period holds synthetic demonstration data (the set `serve` loads on a
    /// first run): figures that include it describe no real resident.
    async fn synthetic(&self) -> bool {
        self.0.synthetic
    }

    /// Its published services, by name, with how each fared over the same period: one page
    /// at a time (an agency may run thousands).
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
    ) -> Result<ServiceScorecardConnection> {
        let request = PageRequest::parse(first, after.as_deref(), last, before.as_deref()).gql()?;
        let asked = ScorecardPage {
            agency_id: self.0.agency.id,
            period: self.0.period,
            minimum: min_responses(ctx),
            request,
        };
        let page = loader(ctx)?.load_one(asked).await?;
        let page = integrity(page, "scorecard page")?;
        Ok(ServiceScorecardConnection::from_page(
            page,
            ServiceScorecard,
        ))
    }
}

/// How one service fared.
#[derive(Debug, Clone)]
pub struct ServiceScorecard(pub ServiceCard);

/// How one service fared.
#[Object]
impl ServiceScorecard {
    /// The service.
    async fn service(&self, ctx: &Context<'_>) -> Result<Service> {
        let found = loader(ctx)?
            .load_one(ServiceById(self.0.service_id))
            .await?;
        integrity(found, "scorecard service").map(Service)
    }

    /// Its feedback.
    async fn scores(&self) -> ExperienceScores {
        self.0.scores.clone().into()
    }

    /// The driver residents most often said did not go well.
    async fn top_negative_driver(&self) -> Option<CxDriver> {
        self.0.top_negative_driver.map(Into::into)
    }

    /// Its transactions, every channel together.
    async fn transactions(&self) -> TransactionCounts {
        TransactionCounts(self.0.transactions)
    }
}

/// What the scorecard is sorted by.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "ScorecardOrder")]
pub enum ScorecardField {
    /// CSAT, the share of 4 and 5 answers (withheld figures last).
    Csat,
    /// Mean trust (withheld figures last).
    Trust,
    /// Responses.
    Responses,
    /// The share of transactions abandoned (agencies without transactions last).
    AbandonmentRate,
    /// The agency's name.
    Name,
}

/// How to sort the scorecard.
#[derive(InputObject, Debug, Clone, Copy)]
pub struct ScorecardOrderBy {
    /// The figure.
    pub field: ScorecardField,
    /// Highest first when true.
    #[graphql(default)]
    pub descending: bool,
}

/// Root fields for the state CX office.
#[derive(Default)]
pub struct ScorecardQuery;

/// Root fields for the state CX office.
#[Object]
impl ScorecardQuery {
    /// Every Critical State Service Provider over `period`, with its services, responses,
    /// CSAT, trust, top negative driver and transactions; CSAT lowest first unless
    /// `orderBy` says otherwise (ties by name). ADMIN and REVIEWER keys only.
    #[graphql(complexity = "crate::graphql::limits::list(100, child_complexity)")]
    async fn cssp_scorecard(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "`2026-10`, `2026-Q3` or `FY2026`; the current month when omitted.")]
        period: Option<String>,
        #[graphql(desc = "The order; CSAT ascending (worst first) when omitted.")] order_by: Option<
            ScorecardOrderBy,
        >,
    ) -> Result<Vec<AgencyExperience>> {
        let period = self::period(period)?;
        let order = order_by.map_or((ScorecardOrder::Csat, false), |o| {
            (o.field.into(), o.descending)
        });
        let agencies = reader(ctx)?
            .live_read(async |c| {
                c.cssp_scorecard(principal(ctx), period, min_responses(ctx), order)
                    .await
            })
            .await
            .gql()?;
        Ok(agencies.into_iter().map(AgencyExperience).collect())
    }
}
