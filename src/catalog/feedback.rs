//! Voice of the Customer: a resident's feedback on a published service, through a channel
//! it offers, optionally at a stage of a life event it is linked to. Anyone may submit it
//! (a portal's "was this helpful?" or post-transaction survey); nothing stored identifies
//! the resident, and the comment is redacted before it is stored (see [`super::redact`]).

use chrono::{NaiveDate, Utc};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use crate::catalog::error::{CatalogError, CatalogResult};
use crate::catalog::records;
use crate::catalog::redact::redact;
use crate::catalog::snapshot::Snapshot;
use crate::catalog::types::{ChannelKind, CxDriver, Drivers, EntryPoint, Slug};
use crate::catalog::{Catalog, validate};
use crate::entity::feedback;

/// The longest comment, in characters.
pub const MAX_COMMENT: usize = 2_000;

/// One resident's feedback, as submitted.
#[derive(Debug, Clone)]
pub struct FeedbackInput {
    /// The service's row id.
    pub service_id: i32,
    /// The channel the resident used; the service must offer one of this kind.
    pub channel_kind: ChannelKind,
    /// The life event the resident is going through (slug); needed with `stage`.
    pub life_event: Option<String>,
    /// The stage of that life event (slug).
    pub stage: Option<String>,
    /// Overall satisfaction, 1 (very dissatisfied) to 5 (very satisfied).
    pub satisfaction: i32,
    /// The A-11 trust question, 1 to 5.
    pub trust: Option<i32>,
    /// What went well.
    pub positive_drivers: Vec<CxDriver>,
    /// What did not go well.
    pub negative_drivers: Vec<CxDriver>,
    /// How the resident found the service.
    pub entry_point: Option<EntryPoint>,
    /// Free text, at most [`MAX_COMMENT`] characters.
    pub comment: Option<String>,
    /// The language the resident answered in (a code the catalog knows, e.g. `en`).
    pub language: String,
    /// The page the feedback was given on (http or https).
    pub page_url: Option<String>,
}

/// What a submission returns: no id, nothing that points back at the resident.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedbackReceipt {
    /// The day it was recorded under.
    pub submitted_on: NaiveDate,
    /// Whether personal details were removed from the comment.
    pub comment_redacted: bool,
}

fn rating(field: &str, value: i32) -> CatalogResult<i16> {
    if (1..=5).contains(&value) {
        Ok(value as i16)
    } else {
        Err(CatalogError::bad_input(
            field,
            format!("must be 1 to 5; got {value}"),
        ))
    }
}

fn drivers(field: &str, list: &[CxDriver]) -> CatalogResult<Drivers> {
    let mut sorted = list.to_vec();
    sorted.sort();
    sorted.dedup();
    if sorted.len() != list.len() {
        return Err(CatalogError::bad_input(field, "a driver appears twice"));
    }
    Ok(Drivers(sorted))
}

impl Catalog {
    /// Records `input` as one resident's feedback, or says what to fix (nothing stored).
    pub async fn submit_feedback(&self, input: FeedbackInput) -> CatalogResult<FeedbackReceipt> {
        let satisfaction = rating("satisfaction", input.satisfaction)?;
        let trust = input.trust.map(|t| rating("trust", t)).transpose()?;
        let positive = drivers("positiveDrivers", &input.positive_drivers)?;
        let negative = drivers("negativeDrivers", &input.negative_drivers)?;
        if let Some(both) = positive.0.iter().find(|d| negative.0.contains(d)) {
            return Err(CatalogError::bad_input(
                "negativeDrivers",
                format!("{} cannot have gone both well and badly", both.as_str()),
            ));
        }
        let comment = validate::optional("comment", input.comment.as_deref(), MAX_COMMENT)?
            .map(|text| redact(&text));
        let page_url = input
            .page_url
            .as_deref()
            .map(str::trim)
            .filter(|u| !u.is_empty())
            .map(|u| validate::url("pageUrl", u))
            .transpose()?;
        let language = input.language.trim().to_owned();
        // What residents can give feedback on is what they can see: the published snapshot
        // answers every check (the language too) without a statement.
        let snapshot = self.published().await?;
        if !snapshot.knows_language(&language) {
            return Err(CatalogError::bad_input(
                "language",
                format!(
                    "unknown language `{}`",
                    crate::catalog::types::truncate(&language)
                ),
            ));
        }
        let service = snapshot
            .services_by_ids(&[input.service_id])
            .remove(&input.service_id)
            .ok_or_else(|| CatalogError::not_found("serviceId", "service"))?;
        let offered = snapshot
            .channels_of_services(&[service.id])
            .remove(&service.id)
            .unwrap_or_default();
        if !offered.iter().any(|c| c.kind == input.channel_kind) {
            return Err(CatalogError::bad_input(
                "channelKind",
                format!(
                    "`{}` does not offer {}",
                    service.slug,
                    input.channel_kind.as_str()
                ),
            ));
        }
        let (life_event_id, journey_stage_id) =
            feedback_journey(&snapshot, &service, &input.life_event, &input.stage)?;
        let submitted_on = Utc::now().date_naive();
        let row = feedback::Model {
            id: 0,
            service_id: service.id,
            channel_kind: input.channel_kind,
            life_event_id,
            journey_stage_id,
            satisfaction,
            trust,
            positive_drivers: positive,
            negative_drivers: negative,
            entry_point: input.entry_point,
            comment: comment.as_ref().map(|(text, _)| text.clone()),
            language,
            page_url: page_url.map(|u| u.as_str().to_owned()),
            submitted_on,
            synthetic: false,
        };
        self.store_feedback(row, service.agency_id).await?;
        Ok(FeedbackReceipt {
            submitted_on,
            comment_redacted: comment.is_some_and(|(_, redacted)| redacted),
        })
    }
}

/// The most comments one read returns.
pub const MAX_COMMENTS: u64 = 100;

impl Catalog {
    /// The newest `limit` (at most [`MAX_COMMENTS`]) responses with a comment on `service`
    /// over `period`, newest first, for its agency's editors, reviewers and admins only
    /// (comments are redacted when stored, yet still the residents' own words).
    pub async fn feedback_comments(
        &self,
        principal: &crate::catalog::principal::Principal,
        service: &records::Service,
        period: crate::catalog::experience::Period,
        limit: u64,
    ) -> CatalogResult<Vec<feedback::Model>> {
        use sea_orm::{QueryOrder, QuerySelect};
        crate::catalog::principal::require_agency_staff(
            principal,
            service.agency_id,
            "residents' comments",
        )?;
        Ok(feedback::Entity::find()
            .filter(feedback::Column::ServiceId.eq(service.id))
            .filter(feedback::Column::Comment.is_not_null())
            .filter(feedback::Column::SubmittedOn.gte(period.start))
            .filter(feedback::Column::SubmittedOn.lt(period.end))
            .order_by_desc(feedback::Column::SubmittedOn)
            .order_by_desc(feedback::Column::Id)
            .limit(limit.min(MAX_COMMENTS))
            .all(&self.db)
            .await?)
    }
}

/// The life event and stage a submission names, checked against the published snapshot:
/// the stage belongs to the life event, and the service is linked to it.
fn feedback_journey(
    snapshot: &Snapshot,
    service: &records::Service,
    event: &Option<String>,
    stage: &Option<String>,
) -> CatalogResult<(Option<i32>, Option<i32>)> {
    let Some(event) = event else {
        return match stage {
            Some(_) => Err(CatalogError::bad_input(
                "stage",
                "a stage needs its lifeEvent",
            )),
            None => Ok((None, None)),
        };
    };
    let slug = Slug::parse("lifeEvent", event)?;
    let event = snapshot.life_event_by_slug(&slug).ok_or_else(|| {
        CatalogError::bad_input("lifeEvent", format!("unknown life event `{slug}`"))
    })?;
    let linked = snapshot
        .life_event_links_of_services(&[service.id])
        .remove(&service.id)
        .unwrap_or_default()
        .iter()
        .any(|link| link.life_event_id == event.id);
    if !linked {
        return Err(CatalogError::bad_input(
            "lifeEvent",
            format!("`{}` is not linked to `{slug}`", service.slug),
        ));
    }
    let stage_id = match stage {
        None => None,
        Some(stage) => {
            let stage_slug = Slug::parse("stage", stage)?;
            let found = snapshot
                .stages_of_life_events(&[event.id])
                .remove(&event.id)
                .unwrap_or_default()
                .into_iter()
                .find(|s| s.slug == stage_slug.as_str())
                .ok_or_else(|| {
                    CatalogError::bad_input(
                        "stage",
                        format!("`{slug}` has no stage `{stage_slug}`"),
                    )
                })?;
            Some(found.id)
        }
    };
    Ok((Some(event.id), stage_id))
}
