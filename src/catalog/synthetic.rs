//! The synthetic demonstration set: residents' feedback and agencies' UX metrics made up
//! for the published catalog, so that on a first run the experience reads, the CSSP
//! scorecard and the journey map show something true to their purpose. It is
//! deterministic (the same catalog on the same day gives the same rows), covers the twelve
//! months before the current one and the current month to date, and every row of it is
//! marked `synthetic`, which every read that shows figures reports.
//!
//! The story it tells: most services do fairly well, but in the job-loss journey the
//! "keep your home" stage (heating and rental help) does badly: low satisfaction, much
//! abandonment and TRANSPARENCY named as what went wrong, a drop right after residents
//! replaced their income. That is the kind of cross-agency gap the CX office looks for.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{Datelike, Days, Months, NaiveDate, Utc};
use sea_orm::{ActiveValue::NotSet, ColumnTrait, EntityTrait, QueryFilter, QuerySelect, Set};

use crate::catalog::Catalog;
use crate::catalog::error::CatalogResult;
use crate::catalog::experience::Period;
use crate::catalog::service::published;
use crate::catalog::store::insert_all;
use crate::catalog::types::{ChannelKind, CxDriver, EntryPoint, TouchpointCategory};
use crate::entity::enums::Drivers;
use crate::entity::{channel, feedback, journey_stage, life_event, life_event_service};
use crate::entity::{service, ux_metric};

/// The life event and stage whose services the set makes fare badly.
const GAP: (&str, &str) = ("job-loss", "keep-your-home");

/// Every synthetic comment starts with this, so a reader of raw comments sees it too.
pub const COMMENT_MARK: &str = "[synthetic] ";

/// What the set holds, once loaded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SyntheticReport {
    /// Feedback rows written.
    pub feedback: usize,
    /// UX-metric months written.
    pub ux_metrics: usize,
}

/// A deterministic pseudo-random sequence (SplitMix64): the set must be the same on every
/// machine and run, so no system randomness.
#[derive(Debug, Clone)]
pub(crate) struct Sequence(pub(crate) u64);

impl Sequence {
    pub(crate) fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in [0, 1).
    pub(crate) fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// True with probability `p`.
    pub(crate) fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    /// One of `items` (not empty), each as likely as its weight.
    fn pick<T: Copy>(&mut self, items: &[(T, f64)]) -> Option<T> {
        let total: f64 = items.iter().map(|(_, w)| w).sum();
        let mut at = self.unit() * total;
        for (item, weight) in items {
            if at < *weight {
                return Some(*item);
            }
            at -= weight;
        }
        items.last().map(|(item, _)| *item)
    }
}

/// A stable number from a name, so each service keeps its own character across runs.
fn hash(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// How one service fares in the set.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Profile {
    /// Mean satisfaction, 1 to 5.
    satisfaction: f64,
    /// Share of transactions abandoned.
    abandonment: f64,
    /// Share of transactions that fail.
    failure: f64,
    /// Responses a day through its main channel.
    daily: f64,
    /// The driver residents name when it goes badly.
    weak: CxDriver,
}

/// What the set knows of one published service.
#[derive(Debug, Clone)]
struct Plan {
    id: i32,
    profile: Profile,
    kinds: Vec<ChannelKind>,
    /// (life event, stage) links residents may answer at.
    links: Vec<(i32, i32)>,
}

fn profile(slug: &str, in_gap: bool, in_gap_event: bool) -> Profile {
    let h = hash(slug);
    let spread = |bits: u32, range: f64| ((h >> bits) % 1000) as f64 / 1000.0 * range;
    let weak = CxDriver::ALL[(h % CxDriver::ALL.len() as u64) as usize];
    if in_gap {
        return Profile {
            satisfaction: 2.2 + spread(8, 0.4),
            abandonment: 0.36 + spread(16, 0.1),
            failure: 0.06,
            daily: 2.0,
            weak: CxDriver::Transparency,
        };
    }
    Profile {
        satisfaction: 3.7 + spread(8, 0.7),
        abandonment: 0.08 + spread(16, 0.1),
        failure: 0.03 + spread(24, 0.03),
        daily: if in_gap_event { 2.0 } else { 0.6 },
        weak,
    }
}

/// How often residents answer through a kind of channel, against the main one.
fn kind_weight(kind: ChannelKind) -> f64 {
    match kind {
        ChannelKind::OnlineForm | ChannelKind::Website | ChannelKind::MobileApp => 1.0,
        ChannelKind::Phone => 0.6,
        ChannelKind::InPerson => 0.4,
        _ => 0.3,
    }
}

/// A satisfaction answer around `mean`.
fn satisfaction(seq: &mut Sequence, mean: f64) -> i16 {
    let weights: Vec<(i16, f64)> = (1..=5)
        .map(|k| {
            let d = f64::from(k) - mean;
            (k, (-(d * d) / 1.6).exp())
        })
        .collect();
    seq.pick(&weights).unwrap_or(3)
}

const ENTRY_POINTS: [(EntryPoint, f64); 7] = [
    (EntryPoint::Portal, 30.0),
    (EntryPoint::SearchEngine, 25.0),
    (EntryPoint::AgencySite, 20.0),
    (EntryPoint::AgencyReferral, 10.0),
    (EntryPoint::WordOfMouth, 8.0),
    (EntryPoint::SocialMedia, 4.0),
    (EntryPoint::Mail, 3.0),
];

const LOW: [&str; 4] = [
    "I sent the same documents twice and still do not know where my application stands.",
    "The line closed before anyone picked up.",
    "The form timed out and I had to start again.",
    "Nobody told me what would happen next.",
];
const MIDDLE: [&str; 2] = [
    "It took longer than I expected, but the letter explained the next step.",
    "Fine once I found the right page.",
];
const HIGH: [&str; 3] = [
    "Clear steps, done in one sitting.",
    "The person on the phone was patient and helpful.",
    "Quicker than I thought it would be.",
];

/// One made-up response to `plan` through `kind` on `day`.
fn response(
    seq: &mut Sequence,
    plan: &Plan,
    kind: ChannelKind,
    day: NaiveDate,
) -> feedback::ActiveModel {
    let p = plan.profile;
    let score = satisfaction(seq, p.satisfaction);
    let human = kind.category() != TouchpointCategory::Digital;
    let drivers: Vec<CxDriver> = CxDriver::ALL
        .iter()
        .copied()
        .filter(|d| human || *d != CxDriver::Employee)
        .collect();
    let mut positive = Vec::new();
    let mut negative = Vec::new();
    if score >= 4 {
        for d in &drivers {
            if *d != p.weak && seq.chance(0.3) {
                positive.push(*d);
            }
        }
    } else if score <= 2 || seq.chance(0.5) {
        if drivers.contains(&p.weak) {
            negative.push(p.weak);
        }
        for d in &drivers {
            if *d != p.weak && seq.chance(0.15) {
                negative.push(*d);
            }
        }
    }
    let (life_event_id, journey_stage_id) = match plan.links.len() {
        0 => (None, None),
        n if seq.chance(0.6) => {
            let (event, stage) = plan.links[(seq.next() % n as u64) as usize];
            (Some(event), Some(stage))
        }
        _ => (None, None),
    };
    let comment = seq.chance(0.06).then(|| {
        let texts: &[&str] = match score {
            1 | 2 => &LOW,
            3 => &MIDDLE,
            _ => &HIGH,
        };
        let text = texts[(seq.next() % texts.len() as u64) as usize];
        format!("{COMMENT_MARK}{text}")
    });
    let trust = seq
        .chance(0.8)
        .then(|| (score + [-1, 0, 0, 1][(seq.next() % 4) as usize]).clamp(1, 5));
    let entry_point = if seq.chance(0.7) {
        seq.pick(&ENTRY_POINTS)
    } else {
        None
    };
    let language = seq
        .pick(&[("en", 85.0), ("es", 10.0), ("zh", 5.0)])
        .unwrap_or("en");
    feedback::ActiveModel {
        id: NotSet,
        service_id: Set(plan.id),
        channel_kind: Set(kind),
        life_event_id: Set(life_event_id),
        journey_stage_id: Set(journey_stage_id),
        satisfaction: Set(score),
        trust: Set(trust),
        positive_drivers: Set(Drivers(positive)),
        negative_drivers: Set(Drivers(negative)),
        entry_point: Set(entry_point),
        comment: Set(comment),
        language: Set(language.to_owned()),
        page_url: Set(None),
        submitted_on: Set(day),
        synthetic: Set(true),
    }
}

/// One made-up month of measurements of `plan` through `kind`, from its `responses`.
fn month_metrics(
    seq: &mut Sequence,
    plan: &Plan,
    kind: ChannelKind,
    month: NaiveDate,
    responses: u64,
) -> ux_metric::ActiveModel {
    let p = plan.profile;
    // About one person in nine answers the survey.
    let started = (responses as f64 * (8.0 + seq.unit() * 2.0)).round() as i64 + 1;
    let abandoned = (started as f64 * p.abandonment).round() as i64;
    let failed = (started as f64 * p.failure).round() as i64;
    let completed = (started - abandoned - failed).max(0);
    let base = match kind.category() {
        TouchpointCategory::Digital => 420.0,
        TouchpointCategory::Human => 900.0,
        TouchpointCategory::Physical => 1_800.0,
    };
    let median = (base * (1.0 + seq.unit()) * if p.satisfaction < 3.0 { 2.0 } else { 1.0 }).round();
    let timed = completed > 0;
    ux_metric::ActiveModel {
        id: NotSet,
        service_id: Set(plan.id),
        channel_kind: Set(kind),
        month: Set(month),
        started: Set(started),
        completed: Set(completed),
        failed: Set(failed),
        abandoned: Set(abandoned),
        median_seconds: Set(timed.then_some(median)),
        p90_seconds: Set(timed.then_some((median * 2.3).round())),
        median_clicks: Set((timed && kind.category() == TouchpointCategory::Digital)
            .then(|| (12.0 + seq.unit() * 25.0).round())),
        reported_at: Set(Utc::now()),
        synthetic: Set(true),
    }
}

/// The set for `plans` from `first` to `today`, both included: the day's responses, and
/// a month of metrics for every month that has ended.
fn generate(
    plans: &[Plan],
    first: NaiveDate,
    today: NaiveDate,
) -> (Vec<feedback::ActiveModel>, Vec<ux_metric::ActiveModel>) {
    let mut seq = Sequence(0x5EED_C1C1_CA7A_1065);
    let mut responses = Vec::new();
    let mut metrics = Vec::new();
    for plan in plans {
        for kind in &plan.kinds {
            let rate = plan.profile.daily * kind_weight(*kind);
            let mut per_month: BTreeMap<NaiveDate, u64> = BTreeMap::new();
            let mut day = first;
            while day <= today {
                let count = rate.floor() as u64 + u64::from(seq.chance(rate.fract()));
                for _ in 0..count {
                    responses.push(response(&mut seq, plan, *kind, day));
                }
                *per_month.entry(day.with_day(1).unwrap_or(day)).or_default() += count;
                day = match day.checked_add_days(Days::new(1)) {
                    Some(next) => next,
                    None => break,
                };
            }
            for (month, count) in per_month {
                let ended = month
                    .checked_add_months(Months::new(1))
                    .is_some_and(|end| end <= today);
                if ended {
                    metrics.push(month_metrics(&mut seq, plan, *kind, month, count));
                }
            }
        }
    }
    (responses, metrics)
}

impl Catalog {
    /// Loads the synthetic set for the published catalog as it is today, replacing an
    /// earlier synthetic set (real feedback and reports are left alone).
    pub async fn load_synthetic_experience(&self) -> CatalogResult<SyntheticReport> {
        let plans = self.synthetic_plans().await?;
        let today = Utc::now().date_naive();
        let this_month = today.with_day(1).unwrap_or(today);
        let first = this_month
            .checked_sub_months(Months::new(12))
            .unwrap_or(this_month);
        let (responses, metrics) = generate(&plans, first, today);
        let report = SyntheticReport {
            feedback: responses.len(),
            ux_metrics: metrics.len(),
        };
        // Not a change residents see in the catalog: the public revision stays.
        let txn = self.begin_private_write().await?;
        remove_synthetic(&txn).await?;
        insert_all(&txn, responses.into_iter()).await?;
        insert_all(&txn, metrics.into_iter()).await?;
        crate::catalog::feedback_month::rebuild(&txn).await?;
        self.commit(txn).await?;
        Ok(report)
    }

    /// Removes the synthetic set; real feedback and reports are left alone.
    pub async fn remove_synthetic_experience(&self) -> CatalogResult<()> {
        let txn = self.begin_private_write().await?;
        remove_synthetic(&txn).await?;
        crate::catalog::feedback_month::rebuild(&txn).await?;
        self.commit(txn).await
    }

    /// Whether `period` holds any synthetic feedback or UX metrics: every read that shows
    /// figures over a period says so, and so does every page that shows them.
    pub async fn holds_synthetic(&self, period: Period) -> CatalogResult<bool> {
        let feedback = feedback::Entity::find()
            .select_only()
            .column(feedback::Column::Id)
            .filter(feedback::Column::Synthetic.eq(true))
            .filter(feedback::Column::SubmittedOn.gte(period.start))
            .filter(feedback::Column::SubmittedOn.lt(period.end))
            .limit(1)
            .into_tuple::<i32>()
            .one(&self.db)
            .await?;
        if feedback.is_some() {
            return Ok(true);
        }
        let metrics = ux_metric::Entity::find()
            .select_only()
            .column(ux_metric::Column::Id)
            .filter(ux_metric::Column::Synthetic.eq(true))
            .filter(ux_metric::Column::Month.gte(period.start))
            .filter(ux_metric::Column::Month.lt(period.end))
            .limit(1)
            .into_tuple::<i32>()
            .one(&self.db)
            .await?;
        Ok(metrics.is_some())
    }

    /// Each published service, by slug, with its profile, channel kinds and journey links.
    async fn synthetic_plans(&self) -> CatalogResult<Vec<Plan>> {
        let services = service::Entity::find()
            .filter(published())
            .filter(service::Column::RevisionOfId.is_null())
            .all(&self.db)
            .await?;
        let ids: Vec<i32> = services.iter().map(|s| s.id).collect();
        let mut kinds: BTreeMap<i32, BTreeSet<ChannelKind>> = BTreeMap::new();
        for c in channel::Entity::find()
            .filter(channel::Column::ServiceId.is_in(ids.clone()))
            .all(&self.db)
            .await?
        {
            kinds.entry(c.service_id).or_default().insert(c.kind);
        }
        let links = life_event_service::Entity::find()
            .filter(life_event_service::Column::ServiceId.is_in(ids))
            .all(&self.db)
            .await?;
        let gap_event = life_event::Entity::find()
            .filter(life_event::Column::Slug.eq(GAP.0))
            .one(&self.db)
            .await?;
        let gap_stage = match &gap_event {
            Some(event) => {
                journey_stage::Entity::find()
                    .filter(journey_stage::Column::LifeEventId.eq(event.id))
                    .filter(journey_stage::Column::Slug.eq(GAP.1))
                    .one(&self.db)
                    .await?
            }
            None => None,
        };
        let mut plans: Vec<(String, Plan)> = services
            .into_iter()
            .map(|s| {
                let mine: Vec<(i32, i32)> = links
                    .iter()
                    .filter(|l| l.service_id == s.id)
                    .map(|l| (l.life_event_id, l.journey_stage_id))
                    .collect();
                let in_gap = gap_stage
                    .as_ref()
                    .is_some_and(|g| mine.iter().any(|(_, stage)| *stage == g.id));
                let in_gap_event = gap_event
                    .as_ref()
                    .is_some_and(|e| mine.iter().any(|(event, _)| *event == e.id));
                let plan = Plan {
                    id: s.id,
                    profile: profile(&s.slug, in_gap, in_gap_event),
                    kinds: kinds
                        .remove(&s.id)
                        .unwrap_or_default()
                        .into_iter()
                        .collect(),
                    links: mine,
                };
                (s.slug, plan)
            })
            .collect();
        plans.sort_by(|a, b| a.0.cmp(&b.0));
        Ok(plans.into_iter().map(|(_, plan)| plan).collect())
    }
}

async fn remove_synthetic(txn: &sea_orm::DatabaseTransaction) -> CatalogResult<()> {
    feedback::Entity::delete_many()
        .filter(feedback::Column::Synthetic.eq(true))
        .exec(txn)
        .await?;
    ux_metric::Entity::delete_many()
        .filter(ux_metric::Column::Synthetic.eq(true))
        .exec(txn)
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(id: i32, slug: &str, in_gap: bool) -> Plan {
        Plan {
            id,
            profile: profile(slug, in_gap, true),
            kinds: vec![ChannelKind::OnlineForm, ChannelKind::Phone],
            links: vec![(1, 10 + id)],
        }
    }

    #[test]
    fn the_set_is_the_same_every_time_and_tells_the_gap() {
        let plans = [plan(1, "income", false), plan(2, "home", true)];
        let first = NaiveDate::from_ymd_opt(2025, 12, 1).unwrap();
        let today = NaiveDate::from_ymd_opt(2026, 12, 3).unwrap();
        let (a, metrics) = generate(&plans, first, today);
        let (b, _) = generate(&plans, first, today);
        assert_eq!(a, b);
        // Twelve ended months for each service and kind, none for the current month.
        assert_eq!(metrics.len(), 2 * 2 * 12);
        let mean = |id: i32| {
            let scores: Vec<f64> = a
                .iter()
                .filter(|r| r.service_id == Set(id))
                .filter_map(|r| match &r.satisfaction {
                    sea_orm::ActiveValue::Set(s) => Some(f64::from(*s)),
                    _ => None,
                })
                .collect();
            scores.iter().sum::<f64>() / scores.len() as f64
        };
        assert!(mean(1) > 3.5, "{}", mean(1));
        assert!(mean(2) < 3.0, "{}", mean(2));
        assert!(a.iter().all(|r| r.synthetic == Set(true)));
        let comments: Vec<String> = a
            .iter()
            .filter_map(|r| match &r.comment {
                sea_orm::ActiveValue::Set(Some(c)) => Some(c.clone()),
                _ => None,
            })
            .collect();
        assert!(!comments.is_empty());
        assert!(comments.iter().all(|c| c.starts_with(COMMENT_MARK)));
    }
}
