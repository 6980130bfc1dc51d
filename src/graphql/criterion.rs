//! Eligibility criteria: the reusable questions eligibility rules are written against.

use async_graphql::{Context, ID, InputObject, Object, Result, SimpleObject};

use super::connection::CriterionConnection;
use super::context::{catalog, principal, reader};
use super::enums::{CriterionKind, IncomePeriod};
use super::error::GqlResult;
use super::node::{NodeKind, global_id, row_id};
use super::payload::{on_row, record_payload};
use crate::catalog::CatalogError;
use crate::catalog::PageRequest;
use crate::catalog::criterion::{CriterionChanges, CriterionInput};
use crate::catalog::eligibility::CriterionShape;
use crate::catalog::records;
use crate::catalog::types::Slug;

/// A reusable eligibility question, such as "What is your household's yearly income?".
/// Services' eligibility rules refer to criteria by `key`.
#[derive(Debug, Clone)]
pub struct Criterion(pub records::Criterion);

/// One allowed answer of a `SELECT` or `MULTI_SELECT` criterion.
#[derive(SimpleObject, Debug, Clone)]
pub struct CriterionOption {
    /// The value to send as the answer.
    pub value: String,
    /// The text to show residents.
    pub label: String,
}

/// A reusable eligibility question, such as "What is your household's yearly income?".
/// Services' eligibility rules refer to criteria by `key`.
#[Object]
impl Criterion {
    /// The criterion's global id.
    pub async fn id(&self) -> ID {
        global_id(NodeKind::Criterion, self.0.id)
    }

    /// Its stable key, e.g. `household-monthly-income`, used in rules and answers.
    async fn key(&self) -> &str {
        &self.0.key
    }

    /// Its revision number, which grows by one with every change. Pass it back as
    /// `expectedVersion` when you edit what you read.
    async fn version(&self) -> i32 {
        self.0.version
    }

    /// The question as shown to residents.
    async fn label(&self) -> &str {
        &self.0.label
    }

    /// What the question means and how to answer it.
    async fn description(&self) -> &str {
        &self.0.description
    }

    /// The type of answer it takes.
    async fn kind(&self) -> CriterionKind {
        self.0.kind.into()
    }

    /// The allowed answers, for `SELECT` and `MULTI_SELECT` criteria; empty otherwise.
    #[graphql(
        complexity = "crate::graphql::limits::list(crate::graphql::limits::caps::OPTIONS, child_complexity)"
    )]
    async fn options(&self) -> Result<Vec<CriterionOption>> {
        let shape = CriterionShape::from_row(&self.0).gql()?;
        Ok(shape
            .options
            .into_iter()
            .map(|o| CriterionOption {
                value: o.value,
                label: o.label,
            })
            .collect())
    }

    /// The unit of a `NUMBER` answer, e.g. `USD per year` or `people`.
    async fn unit(&self) -> Option<&str> {
        self.0.unit.as_deref()
    }

    /// For an income criterion: the period the income is counted over. Only income
    /// criteria take `AT_MOST_PERCENT_OF_TABLE` and `AT_LEAST_PERCENT_OF_TABLE` rules.
    async fn income_period(&self) -> Option<IncomePeriod> {
        self.0.income_period.map(Into::into)
    }

    /// For a DATE criterion: whether an answer may be after the day eligibility is worked
    /// out for (`asOf`), as an expected due date may. When false (every other criterion),
    /// a later date is `BAD_USER_INPUT`: a birth date or the day a job ended cannot be in
    /// the future.
    async fn future_dates(&self) -> bool {
        self.0.future_dates
    }
}

/// Root fields for criteria.
#[derive(Default)]
pub struct CriterionQuery;

/// Root fields for criteria.
#[Object]
impl CriterionQuery {
    /// The reusable eligibility questions, by label.
    #[graphql(complexity = "crate::graphql::limits::page(first, last, child_complexity)")]
    async fn criteria(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "How many criteria to return: 0 to 100, 20 when omitted.")] first: Option<
            i32,
        >,
        #[graphql(desc = "Return the criteria after this cursor.")] after: Option<String>,
        #[graphql(
            desc = "How many criteria to return from the end of the list (or from just before `before`): 0 to 100. Not with `first`."
        )]
        last: Option<i32>,
        #[graphql(desc = "Return the criteria before this cursor (with `last`, to page back).")]
        before: Option<String>,
    ) -> Result<CriterionConnection> {
        let request = PageRequest::parse(first, after.as_deref(), last, before.as_deref()).gql()?;
        let page = reader(ctx)?.criteria(&request).await.gql()?;
        Ok(CriterionConnection::from_page(page, Criterion))
    }

    /// The criterion with this key, or `null` if there is none.
    async fn criterion(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The criterion's key, e.g. `household-monthly-income`.")] key: String,
    ) -> Result<Option<Criterion>> {
        let key = Slug::parse("key", &key).gql()?;
        Ok(reader(ctx)?
            .criterion_by_key(key.as_str())
            .await
            .gql()?
            .map(Criterion))
    }
}

/// One allowed answer of a SELECT or MULTI_SELECT criterion.
#[derive(InputObject, Debug, Clone)]
pub struct CriterionOptionInput {
    /// The value sent as the answer, URL-safe (e.g. `laid-off`).
    pub value: String,
    /// The text shown to residents.
    pub label: String,
}

fn options(input: Vec<CriterionOptionInput>) -> Vec<crate::catalog::eligibility::CriterionOption> {
    input
        .into_iter()
        .map(|o| crate::catalog::eligibility::CriterionOption {
            value: o.value,
            label: o.label,
        })
        .collect()
}

/// A new eligibility criterion: a question residents may answer.
#[derive(InputObject, Debug, Clone)]
pub struct CriterionCreateInput {
    /// Its URL-safe key, unique in the catalog, e.g. `household-size`.
    pub key: String,
    /// The question as residents read it.
    pub label: String,
    /// What the question means and how to answer it.
    pub description: String,
    /// The type of answer it takes; fixed once created.
    pub kind: CriterionKind,
    /// The allowed answers: 1 to 100 for SELECT and MULTI_SELECT, none otherwise.
    #[graphql(default)]
    pub options: Vec<CriterionOptionInput>,
    /// The unit of a NUMBER answer, e.g. `USD per month`.
    pub unit: Option<String>,
    /// For a NUMBER criterion that holds an income: the period it is counted over, so
    /// rules can compare it with a reference table. Fixed once created.
    pub income_period: Option<IncomePeriod>,
    /// For a DATE criterion: whether answers may be after `asOf` (an expected due date).
    /// False when omitted: a later date is then refused. Fixed once created.
    #[graphql(default)]
    pub future_dates: bool,
}

record_payload!(
    /// The result of `criterionCreate`.
    CriterionCreatePayload { criterion: Criterion }
);

/// Changes to a criterion; omitted fields stay as they are. Its key and kind are fixed,
/// and new options must still fit every rule that uses the criterion (`IN_USE`).
#[derive(InputObject, Debug, Clone)]
pub struct CriterionUpdateInput {
    /// The criterion's global id.
    pub id: ID,
    /// The version you last read; a newer one means someone else changed it (`STALE`).
    pub expected_version: i32,
    /// A new question.
    pub label: Option<String>,
    /// A new description.
    pub description: Option<String>,
    /// The new list of allowed answers, replacing the current one.
    pub options: Option<Vec<CriterionOptionInput>>,
    /// A new unit; an empty string clears it.
    pub unit: Option<String>,
}

record_payload!(
    /// The result of `criterionUpdate`.
    CriterionUpdatePayload { criterion: Criterion }
);

/// Administration of eligibility criteria (ADMIN keys).
#[derive(Default)]
pub struct CriterionMutation;

impl From<CriterionCreateInput> for CriterionInput {
    fn from(input: CriterionCreateInput) -> Self {
        Self {
            key: input.key,
            label: input.label,
            description: input.description,
            kind: input.kind.into(),
            options: options(input.options),
            unit: input.unit,
            income_period: input.income_period.map(Into::into),
            future_dates: input.future_dates,
        }
    }
}

impl CriterionUpdateInput {
    /// The criterion, the version read, and the changes.
    fn split(self) -> (Result<i32, CatalogError>, i32, CriterionChanges) {
        let changes = CriterionChanges {
            label: self.label,
            description: self.description,
            options: self.options.map(options),
            unit: self.unit,
        };
        let row = row_id("id", &self.id, NodeKind::Criterion);
        (row, self.expected_version, changes)
    }
}

/// Administration of eligibility criteria (ADMIN keys).
#[Object]
impl CriterionMutation {
    /// Creates an eligibility criterion (ADMIN).
    async fn criterion_create(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The new criterion.")] input: CriterionCreateInput,
    ) -> Result<CriterionCreatePayload> {
        let result = catalog(ctx)?
            .create_criterion(principal(ctx), input.into())
            .await;
        CriterionCreatePayload::from(result, Criterion)
    }

    /// Changes an eligibility criterion (ADMIN).
    async fn criterion_update(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The criterion and the changes.")] input: CriterionUpdateInput,
    ) -> Result<CriterionUpdatePayload> {
        let (row, version, changes) = input.split();
        let result = on_row(ctx, row, async |catalog, who, row| {
            catalog.update_criterion(who, row, version, changes).await
        })
        .await?;
        CriterionUpdatePayload::from(result, Criterion)
    }
}
