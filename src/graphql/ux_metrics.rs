//! UX metrics in GraphQL: `uxMetricsReport`, by which an agency reports what its systems
//! measured of a service in a month, and the measurements as `service.experience` shows
//! them, with the rates derived from the counts.

use async_graphql::{Context, ID, InputObject, Object, Result, SimpleObject};

use crate::catalog::CatalogError;
use crate::catalog::ux_metrics::{UxMetrics as Metrics, UxMetricsInput, UxMetricsReported};
use crate::graphql::enums::{ChannelKind, TouchpointCategory};
use crate::graphql::node::NodeKind;
use crate::graphql::payload::{UserError, on_row, outcome};

/// What an agency's systems measured of one service through one kind of channel in one
/// calendar month. Every count is 0 or more, and completed + failed + abandoned may not
/// exceed started; rates are derived from the counts, never reported.
#[derive(InputObject, Debug, Clone)]
pub struct UxMetricsReportInput {
    /// The service's global id.
    pub service_id: ID,
    /// The kind of channel measured; the service must offer one.
    pub channel_kind: ChannelKind,
    /// The calendar month, e.g. `2026-10`; it must have begun.
    pub month: String,
    /// Transactions started.
    pub started: i32,
    /// Transactions completed.
    pub completed: i32,
    /// Transactions that ended in an error.
    pub failed: i32,
    /// Transactions left unfinished.
    pub abandoned: i32,
    /// The median time to complete, in seconds (only when some were completed).
    pub median_seconds_to_complete: Option<f64>,
    /// The 90th-percentile time to complete, in seconds; not below the median.
    pub p90_seconds_to_complete: Option<f64>,
    /// The median clicks to complete: digital channels only (refused for phone, in-person
    /// and other human or physical channels).
    pub median_clicks_to_complete: Option<f64>,
}

/// What an agency's systems measured of a service through one kind of channel, over one
/// or more months.
#[derive(Debug, Clone)]
pub struct UxMetrics(pub Metrics);

/// What an agency's systems measured of a service through one kind of channel, over one
/// or more months.
#[Object]
impl UxMetrics {
    /// The kind of channel.
    async fn channel_kind(&self) -> ChannelKind {
        self.0.channel_kind.into()
    }

    /// Its touchpoint category: digital, physical or human.
    async fn category(&self) -> TouchpointCategory {
        self.0.channel_kind.category().into()
    }

    /// The months reported.
    async fn months(&self) -> u32 {
        self.0.months
    }

    /// Transactions started.
    async fn started(&self) -> i64 {
        self.0.transactions.started
    }

    /// Transactions completed.
    async fn completed(&self) -> i64 {
        self.0.transactions.completed
    }

    /// Transactions that ended in an error.
    async fn failed(&self) -> i64 {
        self.0.transactions.failed
    }

    /// Transactions left unfinished.
    async fn abandoned(&self) -> i64 {
        self.0.transactions.abandoned
    }

    /// Completed over started, 0 to 1 (`null` when nothing started).
    async fn success_rate(&self) -> Option<f64> {
        self.0.transactions.success_rate()
    }

    /// Failed over started, 0 to 1.
    async fn error_rate(&self) -> Option<f64> {
        self.0.transactions.error_rate()
    }

    /// Abandoned over started, 0 to 1.
    async fn abandonment_rate(&self) -> Option<f64> {
        self.0.transactions.abandonment_rate()
    }

    /// The median time to complete, in seconds. Over several months, the months' medians
    /// weighted by the transactions each completed (an estimate: medians do not add up).
    async fn median_seconds_to_complete(&self) -> Option<f64> {
        self.0.median_seconds
    }

    /// The 90th-percentile time to complete, in seconds, weighted the same way.
    async fn p90_seconds_to_complete(&self) -> Option<f64> {
        self.0.p90_seconds
    }

    /// The median clicks to complete (digital channels only), weighted the same way.
    async fn median_clicks_to_complete(&self) -> Option<f64> {
        self.0.median_clicks
    }
}

/// What `uxMetricsReport` recorded.
#[derive(SimpleObject, Debug, Clone)]
pub struct UxMetricsReportPayload {
    /// The month's measurements as stored, or `null` when `userErrors` is not empty.
    pub ux_metrics: Option<UxMetrics>,
    /// The month, e.g. `2026-10`.
    pub month: Option<String>,
    /// Whether it replaced an earlier report of the same month (both are in the audit
    /// trail).
    pub replaced: Option<bool>,
    /// What to fix; nothing was written when this is not empty.
    pub user_errors: Vec<UserError>,
}

impl UxMetricsReportInput {
    fn into_command(self, service_id: i32) -> UxMetricsInput {
        UxMetricsInput {
            service_id,
            channel_kind: self.channel_kind.into(),
            month: self.month,
            started: self.started.into(),
            completed: self.completed.into(),
            failed: self.failed.into(),
            abandoned: self.abandoned.into(),
            median_seconds: self.median_seconds_to_complete,
            p90_seconds: self.p90_seconds_to_complete,
            median_clicks: self.median_clicks_to_complete,
        }
    }
}

impl UxMetricsReportPayload {
    fn from(result: Result<UxMetricsReported, CatalogError>) -> Result<Self> {
        let (reported, user_errors) = outcome(result)?;
        Ok(Self {
            month: reported
                .as_ref()
                .map(|r| r.month.format("%Y-%m").to_string()),
            replaced: reported.as_ref().map(|r| r.replaced),
            ux_metrics: reported.map(|r| UxMetrics(r.metrics)),
            user_errors,
        })
    }
}

/// UX metrics mutations.
#[derive(Default)]
pub struct UxMetricsMutation;

/// UX metrics mutations.
#[Object]
impl UxMetricsMutation {
    /// Reports one month of a service's measurements through one kind of channel. For
    /// EDITOR keys of the service's agency and ADMIN keys. Re-reporting a month replaces
    /// it; every report is audited (`uxMetrics.report`).
    async fn ux_metrics_report(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The month's measurements.")] input: UxMetricsReportInput,
    ) -> Result<UxMetricsReportPayload> {
        let id = crate::graphql::node::row_id("serviceId", &input.service_id, NodeKind::Service);
        let result = on_row(ctx, id, async |catalog, principal, row| {
            let command = input.into_command(row);
            catalog.report_ux_metrics(principal, command).await
        })
        .await?;
        UxMetricsReportPayload::from(result)
    }
}
