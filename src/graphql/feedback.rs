//! Voice of the Customer in GraphQL: `feedbackSubmit`, open to everyone (a portal's "was
//! this helpful?" or post-transaction survey), rate-limited per client address.

use std::net::{IpAddr, Ipv4Addr};
use std::num::NonZeroU32;

use async_graphql::{Context, ErrorExtensions, ID, InputObject, Object, Result, SimpleObject};
use governor::clock::DefaultClock;
use governor::state::keyed::DashMapStateStore;
use governor::{Quota, RateLimiter};

use crate::catalog::feedback::{FeedbackInput, FeedbackReceipt};
use crate::graphql::enums::{ChannelKind, CxDriver, EntryPoint};
use crate::graphql::node::NodeKind;
use crate::graphql::payload::{UserError, on_row, outcome};
use crate::graphql::scalars::Date;

/// The address of the client behind a request, as the HTTP layer saw it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientAddress(pub IpAddr);

/// How many submissions one client address may make a minute (`None`: no limit).
pub struct FeedbackGate(Option<RateLimiter<IpAddr, DashMapStateStore<IpAddr>, DefaultClock>>);

impl FeedbackGate {
    /// A gate letting `per_minute` submissions a minute through per address (0: no limit).
    pub fn new(per_minute: u32) -> Self {
        Self(NonZeroU32::new(per_minute).map(|n| RateLimiter::dashmap(Quota::per_minute(n))))
    }

    fn admit(&self, address: IpAddr) -> bool {
        self.0
            .as_ref()
            .is_none_or(|limiter| limiter.check_key(&address).is_ok())
    }
}

/// One resident's feedback on a service.
#[derive(InputObject, Debug, Clone)]
pub struct FeedbackSubmitInput {
    /// The service's global id.
    pub service_id: ID,
    /// The channel used; the service must offer one of this kind.
    pub channel_kind: ChannelKind,
    /// The life event the resident is going through, by slug (e.g. `job-loss`); the
    /// service must be linked to it.
    pub life_event: Option<String>,
    /// The stage of that life event, by slug.
    pub stage: Option<String>,
    /// Overall satisfaction: 1 (very dissatisfied) to 5 (very satisfied).
    pub satisfaction: i32,
    /// "I trust this agency to fulfil its duties": 1 (strongly disagree) to 5.
    pub trust: Option<i32>,
    /// What went well.
    #[graphql(default)]
    pub positive_drivers: Vec<CxDriver>,
    /// What did not go well.
    #[graphql(default)]
    pub negative_drivers: Vec<CxDriver>,
    /// How the resident found the service.
    pub entry_point: Option<EntryPoint>,
    /// Free text, at most 2,000 characters. E-mail addresses, phone numbers, social
    /// security and card numbers are removed before it is stored.
    pub comment: Option<String>,
    /// The language the resident answered in, e.g. `en` or `es`.
    pub language: String,
    /// The page the feedback was given on (http or https).
    pub page_url: Option<String>,
}

/// What was recorded.
#[derive(SimpleObject, Debug, Clone)]
pub struct FeedbackReceiptObject {
    /// The day the feedback is counted under.
    pub submitted_on: Date,
    /// Whether personal details were removed from the comment.
    pub comment_redacted: bool,
}

/// The result of `feedbackSubmit`.
#[derive(SimpleObject, Debug, Clone)]
pub struct FeedbackSubmitPayload {
    /// What was recorded, or `null` when `userErrors` is not empty.
    pub receipt: Option<FeedbackReceiptObject>,
    /// What to fix; nothing was stored when this is not empty.
    pub user_errors: Vec<UserError>,
}

impl From<FeedbackReceipt> for FeedbackReceiptObject {
    fn from(receipt: FeedbackReceipt) -> Self {
        Self {
            submitted_on: Date(receipt.submitted_on),
            comment_redacted: receipt.comment_redacted,
        }
    }
}

impl FeedbackSubmitInput {
    fn into_command(self, service_id: i32) -> FeedbackInput {
        FeedbackInput {
            service_id,
            channel_kind: self.channel_kind.into(),
            life_event: self.life_event,
            stage: self.stage,
            satisfaction: self.satisfaction,
            trust: self.trust,
            positive_drivers: self.positive_drivers.into_iter().map(Into::into).collect(),
            negative_drivers: self.negative_drivers.into_iter().map(Into::into).collect(),
            entry_point: self.entry_point.map(Into::into),
            comment: self.comment,
            language: self.language,
            page_url: self.page_url,
        }
    }
}

/// Lets a submission through the per-address feedback limit, or refuses it with
/// `RATE_LIMITED`.
fn admit(ctx: &Context<'_>) -> Result<()> {
    let address = ctx
        .data_opt::<ClientAddress>()
        .map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |a| a.0);
    if ctx.data::<FeedbackGate>()?.admit(address) {
        return Ok(());
    }
    Err(
        async_graphql::Error::new("too many submissions from this address: try again in a minute")
            .extend_with(|_, e| e.set("code", "RATE_LIMITED")),
    )
}

/// Voice of the Customer mutations.
#[derive(Default)]
pub struct FeedbackMutation;

/// Voice of the Customer mutations.
#[Object]
impl FeedbackMutation {
    /// Records a resident's feedback on a published service. Open to everyone, without a
    /// key; at most a few submissions a minute per client address (over it, a
    /// `RATE_LIMITED` error and nothing stored). Nothing stored identifies the resident.
    async fn feedback_submit(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The feedback.")] input: FeedbackSubmitInput,
    ) -> Result<FeedbackSubmitPayload> {
        admit(ctx)?;
        let id = crate::graphql::node::row_id("serviceId", &input.service_id, NodeKind::Service);
        let result = on_row(ctx, id, async |catalog, _, row| {
            catalog.submit_feedback(input.into_command(row)).await
        })
        .await?;
        let (receipt, user_errors) = outcome(result)?;
        Ok(FeedbackSubmitPayload {
            receipt: receipt.map(Into::into),
            user_errors,
        })
    }
}

/// One resident's response with a comment, as the service's agency reads it (redacted:
/// e-mail addresses, phone numbers, social security and card numbers were removed before
/// it was stored). Nothing in it identifies the resident.
#[derive(Debug, Clone)]
pub struct FeedbackComment(pub crate::entity::feedback::Model);

/// One resident's response with a comment, as the service's agency reads it.
#[Object]
impl FeedbackComment {
    /// The day it was given.
    async fn submitted_on(&self) -> Date {
        Date(self.0.submitted_on)
    }

    /// The kind of channel it was about.
    async fn channel_kind(&self) -> ChannelKind {
        self.0.channel_kind.into()
    }

    /// Overall satisfaction, 1 to 5.
    async fn satisfaction(&self) -> i32 {
        self.0.satisfaction.into()
    }

    /// The answer to the trust question, 1 to 5, if given.
    async fn trust(&self) -> Option<i32> {
        self.0.trust.map(Into::into)
    }

    /// What went well.
    async fn positive_drivers(&self) -> Vec<CxDriver> {
        self.0
            .positive_drivers
            .0
            .iter()
            .map(|d| (*d).into())
            .collect()
    }

    /// What did not go well.
    async fn negative_drivers(&self) -> Vec<CxDriver> {
        self.0
            .negative_drivers
            .0
            .iter()
            .map(|d| (*d).into())
            .collect()
    }

    /// The journey stage the resident was at, if they said.
    async fn stage(
        &self,
        ctx: &Context<'_>,
    ) -> Result<Option<crate::graphql::life_event::JourneyStage>> {
        let Some(id) = self.0.journey_stage_id else {
            return Ok(None);
        };
        let stage = crate::graphql::context::loader(ctx)?
            .load_one(crate::graphql::loaders::StageById(id))
            .await?;
        Ok(stage.map(crate::graphql::life_event::JourneyStage))
    }

    /// The comment, redacted.
    async fn comment(&self) -> Option<&str> {
        self.0.comment.as_deref()
    }

    /// The language the resident answered in.
    async fn language(&self) -> &str {
        &self.0.language
    }
}
