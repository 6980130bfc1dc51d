//! The catalog's enumerations as GraphQL enums, mirrored from `catalog::types` so the
//! domain stays free of GraphQL; the compiler keeps both lists in step.

use async_graphql::Enum;

use crate::catalog::types as domain;

/// The level of government of a jurisdiction.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "domain::JurisdictionKind")]
pub enum JurisdictionKind {
    /// The United States federal government.
    Federal,
    /// A state, such as New York State.
    State,
    /// A county.
    County,
    /// A city, such as New York City.
    City,
    /// A tribal nation.
    Tribal,
}

/// Where a service is in its editorial lifecycle. Public callers only ever see `PUBLISHED`.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "domain::ServiceStatus")]
pub enum ServiceStatus {
    /// Being written by its agency; not public.
    Draft,
    /// Submitted to the state CX office for review; not public.
    InReview,
    /// Public.
    Published,
    /// Withdrawn from the public catalog.
    Archived,
}

/// How central a service is to a life event.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "domain::Relevance")]
pub enum Relevance {
    /// Most residents going through the life event need it.
    Core,
    /// Helps many residents, depending on their situation.
    Supporting,
}

/// How one service relates to another, read from the service that holds the relation.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "domain::RelationKind")]
pub enum RelationKind {
    /// The other service must be obtained first (e.g. a license requires an ID).
    Requires,
    /// This service makes the other one possible or easier to get.
    Enables,
    /// Residents who use this service often need the other one too.
    Complements,
    /// The other service meets the same need another way.
    AlternativeTo,
    /// The other service is the usual next step after this one.
    FollowUp,
}

/// Which way a service relation points, seen from the service being read.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "domain::RelationDirection")]
pub enum RelationDirection {
    /// This service holds the relation: "this service REQUIRES that one".
    Outgoing,
    /// The other service holds the relation: "that service REQUIRES this one".
    Incoming,
}

/// The broad kind of a touchpoint (after the GSA Touchpoints channel categories).
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "domain::TouchpointCategory")]
pub enum TouchpointCategory {
    /// Self-service online: websites, forms, apps, email, chat, text messages.
    Digital,
    /// On paper or on site: offices, mail, paper forms, kiosks.
    Physical,
    /// With a person, remotely: phone and video.
    Human,
}

/// How a service is delivered.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "domain::ChannelKind")]
pub enum ChannelKind {
    /// An information website.
    Website,
    /// An online application or form.
    OnlineForm,
    /// A mobile app.
    MobileApp,
    /// An email address.
    Email,
    /// An online chat.
    Chat,
    /// Text messages.
    Sms,
    /// A telephone line.
    Phone,
    /// An office or site to visit.
    InPerson,
    /// Postal mail.
    Mail,
    /// A paper form to print or pick up.
    PaperForm,
    /// A video call.
    Video,
    /// A self-service kiosk.
    Kiosk,
}

/// The type of answer an eligibility criterion takes.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "domain::CriterionKind")]
pub enum CriterionKind {
    /// Yes or no.
    Boolean,
    /// A number, in the criterion's unit.
    Number,
    /// A calendar date.
    Date,
    /// One of the criterion's options.
    Select,
    /// Any number of the criterion's options.
    MultiSelect,
}

/// How the rules of an eligibility rule group combine.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "domain::RuleGroupMode")]
pub enum RuleGroupMode {
    /// Every rule must be met.
    All,
    /// At least one rule must be met.
    Any,
}

/// The comparison an eligibility rule makes against a resident's answer.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "domain::RuleOperator")]
pub enum RuleOperator {
    /// The criterion has any answer.
    Answered,
    /// The yes/no answer is yes.
    IsTrue,
    /// The yes/no answer is no.
    IsFalse,
    /// The answer is one of the listed options (for multi-select: any of them).
    OneOf,
    /// The answer is none of the listed options.
    NoneOf,
    /// The multi-select answer includes all the listed options.
    AllOf,
    /// The number is less than the value.
    Lt,
    /// The number is less than or equal to the value.
    Lte,
    /// The number is greater than the value.
    Gt,
    /// The number is greater than or equal to the value.
    Gte,
    /// The number lies between the two values, both included.
    Between,
    /// The date is before the given date.
    Before,
    /// The date is on or after the given date.
    OnOrAfter,
    /// The date is at least this many years before the evaluation date.
    AtLeastYearsAgo,
    /// The date is less than this many years before the evaluation date.
    LessThanYearsAgo,
    /// The date falls within this many days before the evaluation date.
    WithinLastDays,
    /// The date falls within this many months before the evaluation date.
    WithinLastMonths,
    /// The income is at most `percent` percent of a reference table's amount for the
    /// resident's household size, in the version in force on the evaluation date. Value:
    /// `{"table": "hhs-poverty-guidelines", "percent": 138}`. Only for income criteria.
    AtMostPercentOfTable,
    /// The income is at least `percent` percent of the table's amount (a floor), as
    /// `AT_MOST_PERCENT_OF_TABLE` takes it.
    AtLeastPercentOfTable,
}

/// The period an income, or a reference table's amounts, is counted over.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "domain::IncomePeriod")]
pub enum IncomePeriod {
    /// Per calendar month.
    Monthly,
    /// Per year.
    Annual,
}

/// The basis on which the state CX office designated an agency a Critical State Service
/// Provider.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum CsspBasis {
    /// The agency serves a large share of residents.
    LargeCustomerBase,
    /// The agency's services have a high impact on the residents who use them.
    HighImpact,
}

/// A driver of a resident's experience (OMB A-11 Section 280; GSA Touchpoints keys).
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "domain::CxDriver")]
pub enum CxDriver {
    /// The service did what it should: the need was met.
    Effectiveness,
    /// It was easy to do.
    Ease,
    /// It took a reasonable time.
    Efficiency,
    /// The resident understood the process and what comes next.
    Transparency,
    /// The staff were helpful (only when there was a staff interaction).
    Employee,
    /// The resident was treated with respect and dignity.
    Humanity,
}

/// How a resident found a service.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "domain::EntryPoint")]
pub enum EntryPoint {
    /// A search engine.
    SearchEngine,
    /// The agency's own website.
    AgencySite,
    /// A state portal.
    Portal,
    /// A letter.
    Mail,
    /// Social media.
    SocialMedia,
    /// Someone told them.
    WordOfMouth,
    /// Another agency referred them.
    AgencyReferral,
}

/// Why an experience gap ranks where it does (see `LifeEventExperience.gaps`).
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "crate::catalog::journey::GapKind")]
pub enum ExperienceGapKind {
    /// Residents are dissatisfied at this stage: severity (5 - mean satisfaction) / 4.
    LowSatisfaction,
    /// Residents give up at this stage: severity is the share of transactions abandoned.
    HighAbandonment,
    /// Satisfaction falls from this stage to the next: severity is the fall / 4.
    SatisfactionDrop,
}
