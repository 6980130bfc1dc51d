//! Residents' feedback of one agency over a period, row by row, for the CSV export: what
//! each row says (comments redacted as stored, nothing that identifies the resident), read
//! as a stream so an export of any size is never held in memory. For the agency's editors,
//! and for reviewers and admins.

use std::collections::HashMap;

use futures_util::{Stream, StreamExt};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};

use crate::catalog::Catalog;
use crate::catalog::error::{CatalogError, CatalogResult};
use crate::catalog::experience::Period;
use crate::catalog::principal::{Principal, require_agency_staff};
use crate::catalog::types::Slug;
use crate::entity::{feedback, journey_stage, life_event, service};

/// The columns of the export, in order.
pub const COLUMNS: [&str; 12] = [
    "submitted_on",
    "service",
    "channel_kind",
    "life_event",
    "stage",
    "satisfaction",
    "trust",
    "positive_drivers",
    "negative_drivers",
    "entry_point",
    "language",
    "comment",
];

/// What an export reads: the agency's services, and the names its rows refer to.
#[derive(Debug, Clone)]
pub struct FeedbackExport {
    period: Period,
    services: HashMap<i32, String>,
    life_events: HashMap<i32, String>,
    stages: HashMap<i32, String>,
}

impl FeedbackExport {
    /// `row` as the export's cells, in [`COLUMNS`] order.
    pub fn cells(&self, row: &feedback::Model) -> [String; 12] {
        let name = |names: &HashMap<i32, String>, id: Option<i32>| {
            id.and_then(|id| names.get(&id).cloned())
                .unwrap_or_default()
        };
        let drivers = |set: &crate::entity::enums::Drivers| {
            set.0
                .iter()
                .map(|d| d.as_str())
                .collect::<Vec<_>>()
                .join(" ")
        };
        [
            row.submitted_on.to_string(),
            name(&self.services, Some(row.service_id)),
            row.channel_kind.as_str().to_owned(),
            name(&self.life_events, row.life_event_id),
            name(&self.stages, row.journey_stage_id),
            row.satisfaction.to_string(),
            row.trust.map(|t| t.to_string()).unwrap_or_default(),
            drivers(&row.positive_drivers),
            drivers(&row.negative_drivers),
            row.entry_point
                .map(|e| e.as_str().to_owned())
                .unwrap_or_default(),
            row.language.clone(),
            row.comment.clone().unwrap_or_default(),
        ]
    }
}

impl Catalog {
    /// The export of agency `agency`'s feedback over `period`, for `principal` (the
    /// agency's EDITOR, a REVIEWER or an ADMIN), or why not.
    pub async fn feedback_export(
        &self,
        principal: &Principal,
        agency: &str,
        period: Period,
    ) -> CatalogResult<FeedbackExport> {
        let slug = Slug::parse("agency", agency)?;
        let agency = self
            .agency_by_slug(&slug)
            .await?
            .ok_or_else(|| CatalogError::not_found("agency", "agency"))?;
        require_agency_staff(principal, agency.id, "residents' feedback")?;
        let services = service::Entity::find()
            .filter(service::Column::AgencyId.eq(agency.id))
            .filter(service::Column::RevisionOfId.is_null())
            .all(&self.db)
            .await?
            .into_iter()
            .map(|s| (s.id, s.slug))
            .collect();
        let life_events = life_event::Entity::find()
            .all(&self.db)
            .await?
            .into_iter()
            .map(|e| (e.id, e.slug))
            .collect();
        let stages = journey_stage::Entity::find()
            .all(&self.db)
            .await?
            .into_iter()
            .map(|s| (s.id, s.slug))
            .collect();
        Ok(FeedbackExport {
            period,
            services,
            life_events,
            stages,
        })
    }

    /// The export's rows, oldest first, as the database sends them.
    pub async fn feedback_rows<'a>(
        &'a self,
        export: &FeedbackExport,
    ) -> CatalogResult<impl Stream<Item = CatalogResult<feedback::Model>> + Send + 'a> {
        let ids: Vec<i32> = export.services.keys().copied().collect();
        let rows = feedback::Entity::find()
            .filter(feedback::Column::ServiceId.is_in(ids))
            .filter(feedback::Column::SubmittedOn.gte(export.period.start))
            .filter(feedback::Column::SubmittedOn.lt(export.period.end))
            .order_by_asc(feedback::Column::SubmittedOn)
            .order_by_asc(feedback::Column::Id)
            .stream(&self.db)
            .await?;
        Ok(rows.map(|row| row.map_err(CatalogError::from)))
    }
}
