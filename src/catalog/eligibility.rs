//! Structured eligibility: typed rule values checked against their criterion when stored,
//! typed answers checked against their criterion when received, and the evaluation of a
//! rule, a rule group and a service's rules against a resident's answers on a given date.
//!
//! Date rules count whole calendar years, months or days back from the evaluation date.
//! "At least N years ago" is met on the Nth anniversary itself. The anniversary of
//! 29 February in a year without one falls on 1 March: someone born on 29 February 2000 is
//! 62 on 1 March 2062, not on 28 February.

use chrono::{Datelike, Months, NaiveDate};
use serde_json::Value;

use super::error::CatalogError;
use super::reference::{Table, Tables, Version, convert};
use super::types::{CriterionKind, IncomePeriod, RuleGroupMode, RuleOperator, truncate};
use crate::entity::criterion;

/// One allowed answer of a SELECT or MULTI_SELECT criterion.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CriterionOption {
    /// The value sent as the answer.
    pub value: String,
    /// The text shown to residents.
    pub label: String,
}

/// What rules and answers are checked against: a criterion's kind and options.
#[derive(Debug, Clone, PartialEq)]
pub struct CriterionShape {
    /// The criterion's key.
    pub key: String,
    /// The question, for plain-language rule descriptions.
    pub label: String,
    /// The type of answer it takes.
    pub kind: CriterionKind,
    /// The allowed answers of a SELECT or MULTI_SELECT criterion.
    pub options: Vec<CriterionOption>,
    /// For an income criterion, the period the income is counted over.
    pub income_period: Option<IncomePeriod>,
    /// For a DATE criterion, whether answers may be after `asOf`.
    pub future_dates: bool,
}

impl CriterionShape {
    /// Parses the stored options (a JSON list) of a criterion row.
    pub fn from_row(row: &criterion::Model) -> Result<Self, CatalogError> {
        let (key, label, kind) = (&row.key, &row.label, row.kind);
        let options = match row.options.as_deref() {
            Some(text) => serde_json::from_str(text)
                .map_err(|e| CatalogError::internal(format!("criterion {key} options: {e}")))?,
            None => Vec::new(),
        };
        Ok(Self {
            key: key.to_owned(),
            label: label.to_owned(),
            kind,
            options,
            income_period: row.income_period,
            future_dates: row.future_dates,
        })
    }

    fn option_label(&self, value: &str) -> String {
        self.options
            .iter()
            .find(|o| o.value == value)
            .map_or_else(|| value.to_owned(), |o| o.label.clone())
    }

    fn check_options(&self, field: &str, values: &[String]) -> Result<(), CatalogError> {
        for value in values {
            if !self.options.iter().any(|o| &o.value == value) {
                let allowed: Vec<&str> = self.options.iter().map(|o| o.value.as_str()).collect();
                return Err(CatalogError::bad_input(
                    field,
                    format!(
                        "`{}` is not an option of `{}`; use one of {}",
                        truncate(value),
                        self.key,
                        allowed.join(", ")
                    ),
                ));
            }
        }
        Ok(())
    }
}

/// A resident's answer to a criterion, typed by the criterion's kind.
#[derive(Debug, Clone, PartialEq)]
pub enum Answer {
    Boolean(bool),
    Number(f64),
    Date(NaiveDate),
    Select(String),
    MultiSelect(Vec<String>),
}

fn parse_date(field: &str, value: &Value) -> Result<NaiveDate, CatalogError> {
    value
        .as_str()
        .and_then(super::validate::date)
        .ok_or_else(|| {
            CatalogError::bad_input(
                field,
                format!(
                    "expected a date such as \"2026-11-24\", got {}",
                    truncate(&value.to_string())
                ),
            )
        })
}

fn parse_strings(field: &str, value: &Value) -> Result<Vec<String>, CatalogError> {
    let bad = || {
        CatalogError::bad_input(
            field,
            format!(
                "expected a list of option values, got {}",
                truncate(&value.to_string())
            ),
        )
    };
    let items = value.as_array().ok_or_else(bad)?;
    let mut out: Vec<String> = Vec::with_capacity(items.len());
    for item in items {
        let text = item.as_str().ok_or_else(bad)?.to_owned();
        if !out.contains(&text) {
            out.push(text);
        }
    }
    Ok(out)
}

impl Answer {
    /// Parses a raw answer for `criterion`; a value of the wrong type is a `BadInput` on
    /// `field`.
    pub fn parse(
        field: &str,
        criterion: &CriterionShape,
        value: &Value,
    ) -> Result<Self, CatalogError> {
        let expected = |what: &str| {
            CatalogError::bad_input(
                field,
                format!(
                    "`{}` takes {what}, got {}",
                    criterion.key,
                    truncate(&value.to_string())
                ),
            )
        };
        match criterion.kind {
            CriterionKind::Boolean => value
                .as_bool()
                .map(Answer::Boolean)
                .ok_or_else(|| expected("true or false")),
            CriterionKind::Number => value
                .as_f64()
                .filter(|n| n.is_finite())
                .map(Answer::Number)
                .ok_or_else(|| expected("a number")),
            CriterionKind::Date => parse_date(field, value).map(Answer::Date),
            CriterionKind::Select => {
                let text = value
                    .as_str()
                    .ok_or_else(|| expected("one option value"))?
                    .to_owned();
                criterion.check_options(field, std::slice::from_ref(&text))?;
                Ok(Answer::Select(text))
            }
            CriterionKind::MultiSelect => {
                let values = parse_strings(field, value)?;
                criterion.check_options(field, &values)?;
                Ok(Answer::MultiSelect(values))
            }
        }
    }
}

/// A rule's comparison value, typed by its operator.
#[derive(Debug, Clone, PartialEq)]
pub enum RuleValue {
    /// Operators that take no value.
    None,
    Number(f64),
    Range(f64, f64),
    Date(NaiveDate),
    /// A whole number of years, months or days.
    Count(u32),
    Options(Vec<String>),
    /// A percent of a reference table's amount for the resident's household size.
    Table {
        table: String,
        percent: f64,
    },
}

/// A rule ready to evaluate.
#[derive(Debug, Clone, PartialEq)]
pub struct Rule {
    /// The operator.
    pub operator: RuleOperator,
    /// Its typed value.
    pub value: RuleValue,
}

/// Which operators fit which criterion kinds.
fn fits(operator: RuleOperator, kind: CriterionKind) -> bool {
    use CriterionKind as K;
    use RuleOperator as O;
    match operator {
        O::Answered => true,
        O::IsTrue | O::IsFalse => kind == K::Boolean,
        O::OneOf | O::NoneOf => matches!(kind, K::Select | K::MultiSelect),
        O::AllOf => kind == K::MultiSelect,
        O::Lt
        | O::Lte
        | O::Gt
        | O::Gte
        | O::Between
        | O::AtMostPercentOfTable
        | O::AtLeastPercentOfTable => kind == K::Number,
        O::Before
        | O::OnOrAfter
        | O::AtLeastYearsAgo
        | O::LessThanYearsAgo
        | O::WithinLastDays
        | O::WithinLastMonths => kind == K::Date,
    }
}

impl Rule {
    /// Checks `operator` and `value` against `criterion`; anything that does not fit is a
    /// `BadInput` on `field` (`field.operator` or `field.value`).
    pub fn parse(
        field: &str,
        criterion: &CriterionShape,
        operator: RuleOperator,
        value: &Value,
    ) -> Result<Self, CatalogError> {
        if !fits(operator, criterion.kind) {
            return Err(CatalogError::bad_input(
                format!("{field}.operator"),
                format!(
                    "{} does not apply to `{}`, a {} criterion",
                    operator.as_str(),
                    criterion.key,
                    criterion.kind.as_str()
                ),
            ));
        }
        if operator.is_table() && criterion.income_period.is_none() {
            return Err(CatalogError::bad_input(
                format!("{field}.operator"),
                format!(
                    "{} compares an income, and `{}` is not an income criterion (it has no incomePeriod)",
                    operator.as_str(),
                    criterion.key
                ),
            ));
        }
        let vfield = format!("{field}.value");
        let bad = |what: &str| {
            CatalogError::bad_input(
                &vfield,
                format!(
                    "{} takes {what}, got {}",
                    operator.as_str(),
                    truncate(&value.to_string())
                ),
            )
        };
        use RuleOperator as O;
        let value = match operator {
            O::Answered | O::IsTrue | O::IsFalse => {
                if !value.is_null() {
                    return Err(bad("no value (null)"));
                }
                RuleValue::None
            }
            O::OneOf | O::NoneOf | O::AllOf => {
                let options = parse_strings(&vfield, value)?;
                if options.is_empty() {
                    return Err(bad("a non-empty list of option values"));
                }
                criterion.check_options(&vfield, &options)?;
                RuleValue::Options(options)
            }
            O::Lt | O::Lte | O::Gt | O::Gte => RuleValue::Number(
                value
                    .as_f64()
                    .filter(|n| n.is_finite())
                    .ok_or_else(|| bad("a number"))?,
            ),
            O::Between => {
                let pair = value
                    .as_array()
                    .filter(|a| a.len() == 2)
                    .ok_or_else(|| bad("[low, high]"))?;
                let low = pair[0]
                    .as_f64()
                    .filter(|n| n.is_finite())
                    .ok_or_else(|| bad("[low, high]"))?;
                let high = pair[1]
                    .as_f64()
                    .filter(|n| n.is_finite())
                    .ok_or_else(|| bad("[low, high]"))?;
                if low > high {
                    return Err(bad("[low, high] with low <= high"));
                }
                RuleValue::Range(low, high)
            }
            O::AtMostPercentOfTable | O::AtLeastPercentOfTable => {
                let shape = "{\"table\": \"<table key>\", \"percent\": <above 0, at most 1000>}";
                let table = value
                    .get("table")
                    .and_then(Value::as_str)
                    .ok_or_else(|| bad(shape))?;
                let table = super::types::Slug::parse(&format!("{vfield}.table"), table)?;
                let percent = value
                    .get("percent")
                    .and_then(Value::as_f64)
                    .filter(|p| p.is_finite() && *p > 0.0 && *p <= 1000.0)
                    .ok_or_else(|| bad(shape))?;
                if value.as_object().is_some_and(|o| o.len() != 2) {
                    return Err(bad(shape));
                }
                RuleValue::Table {
                    table: table.as_str().to_owned(),
                    percent,
                }
            }
            O::Before | O::OnOrAfter => RuleValue::Date(parse_date(&vfield, value)?),
            O::AtLeastYearsAgo | O::LessThanYearsAgo | O::WithinLastDays | O::WithinLastMonths => {
                let max = match operator {
                    O::WithinLastDays => 36_500,
                    O::WithinLastMonths => 2_400,
                    _ => 200,
                };
                let count = value
                    .as_u64()
                    .filter(|n| *n <= max)
                    .ok_or_else(|| bad(&format!("a whole number from 0 to {max}")))?;
                RuleValue::Count(u32::try_from(count).unwrap_or(u32::MAX))
            }
        };
        Ok(Self { operator, value })
    }

    /// Parses a stored rule: its operator text and JSON value.
    pub fn from_row(
        criterion: &CriterionShape,
        operator: RuleOperator,
        value: &str,
    ) -> Result<Self, CatalogError> {
        let value: Value = serde_json::from_str(value)
            .map_err(|e| CatalogError::internal(format!("rule value: {e}")))?;
        Self::parse("rule", criterion, operator, &value).map_err(|e| {
            CatalogError::internal(format!("stored rule does not fit its criterion: {e:?}"))
        })
    }

    /// Evaluates the rule against an answer (or its absence) on `as_of`.
    pub fn evaluate(&self, answer: Option<&Answer>, as_of: NaiveDate) -> Outcome {
        let Some(answer) = answer else {
            return Outcome::Unanswered;
        };
        use RuleOperator as O;
        let met = match (self.operator, &self.value, answer) {
            (O::Answered, _, _) => true,
            (O::IsTrue, _, Answer::Boolean(b)) => *b,
            (O::IsFalse, _, Answer::Boolean(b)) => !*b,
            (O::OneOf, RuleValue::Options(opts), Answer::Select(v)) => opts.contains(v),
            (O::OneOf, RuleValue::Options(opts), Answer::MultiSelect(vs)) => {
                vs.iter().any(|v| opts.contains(v))
            }
            (O::NoneOf, RuleValue::Options(opts), Answer::Select(v)) => !opts.contains(v),
            (O::NoneOf, RuleValue::Options(opts), Answer::MultiSelect(vs)) => {
                !vs.iter().any(|v| opts.contains(v))
            }
            (O::AllOf, RuleValue::Options(opts), Answer::MultiSelect(vs)) => {
                opts.iter().all(|o| vs.contains(o))
            }
            (O::Lt, RuleValue::Number(x), Answer::Number(n)) => n < x,
            (O::Lte, RuleValue::Number(x), Answer::Number(n)) => n <= x,
            (O::Gt, RuleValue::Number(x), Answer::Number(n)) => n > x,
            (O::Gte, RuleValue::Number(x), Answer::Number(n)) => n >= x,
            (O::Between, RuleValue::Range(lo, hi), Answer::Number(n)) => lo <= n && n <= hi,
            (O::Before, RuleValue::Date(d), Answer::Date(a)) => a < d,
            (O::OnOrAfter, RuleValue::Date(d), Answer::Date(a)) => a >= d,
            (O::AtLeastYearsAgo, RuleValue::Count(n), Answer::Date(a)) => {
                anniversary(*a, *n) <= as_of
            }
            (O::LessThanYearsAgo, RuleValue::Count(n), Answer::Date(a)) => {
                *a <= as_of && anniversary(*a, *n) > as_of
            }
            (O::WithinLastDays, RuleValue::Count(n), Answer::Date(a)) => {
                *a <= as_of && as_of.signed_duration_since(*a).num_days() <= i64::from(*n)
            }
            (O::WithinLastMonths, RuleValue::Count(n), Answer::Date(a)) => {
                *a <= as_of
                    && as_of
                        .checked_sub_months(Months::new(*n))
                        .is_some_and(|start| *a >= start)
            }
            // An answer of another type cannot meet the rule; answers are checked against
            // their criterion before evaluation, so this only guards against bad data.
            _ => false,
        };
        if met { Outcome::Met } else { Outcome::NotMet }
    }

    /// The rule in plain words, e.g. "What is your date of birth?: at least 62 years ago".
    pub fn describe(&self, criterion: &CriterionShape) -> String {
        use RuleOperator as O;
        let options = |opts: &[String]| {
            opts.iter()
                .map(|o| criterion.option_label(o))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let number = |n: f64| {
            if n.fract() == 0.0 {
                format!("{n:.0}")
            } else {
                n.to_string()
            }
        };
        let words = match (&self.operator, &self.value) {
            (O::Answered, _) => "answered".to_owned(),
            (O::IsTrue, _) => "yes".to_owned(),
            (O::IsFalse, _) => "no".to_owned(),
            (O::OneOf, RuleValue::Options(o)) => format!("one of: {}", options(o)),
            (O::NoneOf, RuleValue::Options(o)) => format!("none of: {}", options(o)),
            (O::AllOf, RuleValue::Options(o)) => format!("all of: {}", options(o)),
            (O::Lt, RuleValue::Number(n)) => format!("less than {}", number(*n)),
            (O::Lte, RuleValue::Number(n)) => format!("at most {}", number(*n)),
            (O::Gt, RuleValue::Number(n)) => format!("more than {}", number(*n)),
            (O::Gte, RuleValue::Number(n)) => format!("at least {}", number(*n)),
            (O::Between, RuleValue::Range(lo, hi)) => {
                format!("between {} and {}", number(*lo), number(*hi))
            }
            (O::Before, RuleValue::Date(d)) => format!("before {d}"),
            (O::OnOrAfter, RuleValue::Date(d)) => format!("on or after {d}"),
            (O::AtLeastYearsAgo, RuleValue::Count(n)) => format!("at least {n} years ago"),
            (O::LessThanYearsAgo, RuleValue::Count(n)) => format!("less than {n} years ago"),
            (O::WithinLastDays, RuleValue::Count(n)) => format!("within the last {n} days"),
            (O::WithinLastMonths, RuleValue::Count(n)) => format!("within the last {n} months"),
            (O::AtMostPercentOfTable, RuleValue::Table { table, percent }) => format!(
                "at most {}% of `{table}` for the household's size",
                number(*percent)
            ),
            (O::AtLeastPercentOfTable, RuleValue::Table { table, percent }) => format!(
                "at least {}% of `{table}` for the household's size",
                number(*percent)
            ),
            (op, _) => op.as_str().to_lowercase(),
        };
        format!("{}: {words}", criterion.label)
    }
}

/// What a table rule held the resident's income against.
#[derive(Debug, Clone, PartialEq)]
pub struct Threshold {
    pub table_key: String,
    pub table_name: String,
    /// The first day of the table version used.
    pub effective_from: NaiveDate,
    pub household_size: u32,
    pub percent: f64,
    /// The percent of the table's amount for the household, over `period`, to the cent.
    pub amount: f64,
    /// The income criterion's period.
    pub period: IncomePeriod,
    pub source_url: String,
}

/// What evaluating a rule may need beyond its own answer.
#[derive(Debug, Clone, Copy)]
pub struct Facts<'a> {
    pub as_of: NaiveDate,
    /// The resident's household size, when answered.
    pub household_size: Option<u32>,
    pub tables: &'a Tables,
}

/// One rule checked against a resident's answers.
#[derive(Debug, Clone, PartialEq)]
pub struct Verdict {
    pub outcome: Outcome,
    /// For a table rule: the amount compared with, when the household size is known.
    pub threshold: Option<Threshold>,
    /// For a table rule: the comparison in the resident's terms, with its figures (other
    /// rules' text does not depend on the answers: see [`Rule::describe`]).
    pub text: Option<String>,
    /// Whether the rule waits on the household size.
    pub needs_household_size: bool,
}

/// An amount of money as residents read it: `$2,100` or `$3,064.75`.
pub fn money(amount: f64) -> String {
    let cents = (amount * 100.0).round() as i64;
    let (whole, fraction) = (cents / 100, cents % 100);
    let digits = whole.abs().to_string();
    let mut grouped = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    let sign = if cents < 0 { "-" } else { "" };
    if fraction == 0 {
        format!("{sign}${grouped}")
    } else {
        format!("{sign}${grouped}.{:02}", fraction.abs())
    }
}

fn per(period: IncomePeriod) -> &'static str {
    match period {
        IncomePeriod::Monthly => "a month",
        IncomePeriod::Annual => "a year",
    }
}

/// The amount a table rule compares an income with, once the table has a version in force
/// and the household size is known.
struct Limit<'a> {
    table: &'a Table,
    version: &'a Version,
    household_size: u32,
    /// The percent of the table's amount, converted to the income criterion's period and
    /// rounded to the cent: the figure compared, shown and returned.
    amount: f64,
}

/// Why a table rule has no amount to compare with yet.
enum NoLimit {
    /// The table has no version in force on the day.
    NotInForce,
    /// The household size is not answered.
    NeedsHouseholdSize,
}

impl Rule {
    /// For a table rule: the amount it compares an income of `period` with.
    fn limit<'a>(
        &self,
        table: &str,
        percent: f64,
        period: IncomePeriod,
        facts: &Facts<'a>,
    ) -> Result<Limit<'a>, NoLimit> {
        let (table, version) = facts
            .tables
            .get(table)
            .and_then(|t| Some((&**t, t.in_force(facts.as_of)?)))
            .ok_or(NoLimit::NotInForce)?;
        let (household_size, amount) = facts
            .household_size
            .and_then(|size| Some((size, version.amount(size)?)))
            .ok_or(NoLimit::NeedsHouseholdSize)?;
        Ok(Limit {
            table,
            version,
            household_size,
            amount: (convert(amount * percent / 100.0, table.period, period) * 100.0).round()
                / 100.0,
        })
    }

    /// Whether an income meets a table rule's limit. Amounts compare to the cent, so a
    /// resident exactly at the limit meets it.
    fn meets_limit(&self, income: f64, amount: f64) -> bool {
        let cents = |x: f64| (x * 100.0).round() as i64;
        if self.operator == RuleOperator::AtMostPercentOfTable {
            cents(income) <= cents(amount)
        } else {
            cents(income) >= cents(amount)
        }
    }

    /// The outcome [`Rule::check`] gives, without its text and figures (what ranking every
    /// candidate needs; the text is written for the services a page returns), and whether
    /// the rule waits on the household size.
    pub fn outcome(
        &self,
        criterion: &CriterionShape,
        answer: Option<&Answer>,
        facts: &Facts<'_>,
    ) -> (Outcome, bool) {
        let RuleValue::Table { table, percent } = &self.value else {
            return (self.evaluate(answer, facts.as_of), false);
        };
        let period = criterion.income_period.unwrap_or(IncomePeriod::Monthly);
        match (self.limit(table, *percent, period, facts), answer) {
            (Err(NoLimit::NotInForce), _) => (Outcome::Unanswered, false),
            (Err(NoLimit::NeedsHouseholdSize), _) => (Outcome::Unanswered, true),
            (Ok(limit), Some(Answer::Number(income))) => {
                let met = self.meets_limit(*income, limit.amount);
                (if met { Outcome::Met } else { Outcome::NotMet }, false)
            }
            (Ok(_), _) => (Outcome::Unanswered, false),
        }
    }

    /// Checks the rule against `answer` with `facts`: what the recommendations run for the
    /// services they return.
    pub fn check(
        &self,
        criterion: &CriterionShape,
        answer: Option<&Answer>,
        facts: &Facts<'_>,
    ) -> Verdict {
        let RuleValue::Table { table, percent } = &self.value else {
            return Verdict {
                outcome: self.evaluate(answer, facts.as_of),
                threshold: None,
                text: None,
                needs_household_size: false,
            };
        };
        let at_most = self.operator == RuleOperator::AtMostPercentOfTable;
        let period = criterion.income_period.unwrap_or(IncomePeriod::Monthly);
        let pct = if percent.fract() == 0.0 {
            format!("{percent:.0}%")
        } else {
            format!("{percent}%")
        };
        let bound = if at_most { "at most" } else { "at least" };
        let unscreened = |text: String, needs_household_size| Verdict {
            outcome: Outcome::Unanswered,
            threshold: None,
            text: Some(format!("{}: {text}", criterion.label)),
            needs_household_size,
        };
        let limit = match self.limit(table, *percent, period, facts) {
            Ok(limit) => limit,
            Err(NoLimit::NotInForce) => {
                return unscreened(
                    format!(
                        "{bound} {pct} of `{table}`, which has no version in force on {}",
                        facts.as_of
                    ),
                    false,
                );
            }
            Err(NoLimit::NeedsHouseholdSize) => {
                let name = facts.tables.get(table).map_or("", |t| t.name.as_str());
                return unscreened(
                    format!("{bound} {pct} of the {name} for your household's size"),
                    true,
                );
            }
        };
        let (name, size, amount) = (&limit.table.name, limit.household_size, limit.amount);
        let threshold = Threshold {
            table_key: limit.table.key.clone(),
            table_name: name.clone(),
            effective_from: limit.version.effective_from,
            household_size: size,
            percent: *percent,
            amount,
            period,
            source_url: limit.version.source_url.clone(),
        };
        let people = if size == 1 { "person" } else { "people" };
        let limit_text = format!(
            "{pct} of the {name} for {size} {people} ({} {}; figures in force from {})",
            money(amount),
            per(period),
            limit.version.effective_from
        );
        let (outcome, text) = match answer {
            Some(Answer::Number(income)) => {
                let met = self.meets_limit(*income, amount);
                let verb = match (at_most, met) {
                    (true, true) => "is at most",
                    (true, false) => "is more than",
                    (false, true) => "is at least",
                    (false, false) => "is less than",
                };
                let outcome = if met { Outcome::Met } else { Outcome::NotMet };
                let said = format!("{} {} {verb} {limit_text}", money(*income), per(period));
                (outcome, said)
            }
            _ => (Outcome::Unanswered, format!("{bound} {limit_text}")),
        };
        Verdict {
            outcome,
            threshold: Some(threshold),
            text: Some(format!("{}: {text}", criterion.label)),
            needs_household_size: false,
        }
    }
}

/// The `years`th anniversary of `date`; the anniversary of 29 February in a year without
/// one is 1 March.
fn anniversary(date: NaiveDate, years: u32) -> NaiveDate {
    let year = date
        .year()
        .saturating_add(i32::try_from(years).unwrap_or(i32::MAX));
    NaiveDate::from_ymd_opt(year, date.month(), date.day())
        .or_else(|| NaiveDate::from_ymd_opt(year, 3, 1))
        .unwrap_or(NaiveDate::MAX)
}

/// The result of checking one rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Met,
    NotMet,
    Unanswered,
}

/// Combines rule outcomes the way a group's mode says.
pub fn combine(mode: RuleGroupMode, outcomes: impl IntoIterator<Item = Outcome>) -> Outcome {
    let (mut met, mut not_met, mut unanswered) = (false, false, false);
    for outcome in outcomes {
        match outcome {
            Outcome::Met => met = true,
            Outcome::NotMet => not_met = true,
            Outcome::Unanswered => unanswered = true,
        }
    }
    match mode {
        RuleGroupMode::All if not_met => Outcome::NotMet,
        RuleGroupMode::All if unanswered => Outcome::Unanswered,
        RuleGroupMode::All => Outcome::Met,
        RuleGroupMode::Any if met => Outcome::Met,
        RuleGroupMode::Any if unanswered => Outcome::Unanswered,
        RuleGroupMode::Any if not_met => Outcome::NotMet,
        // An empty ANY group constrains nothing.
        RuleGroupMode::Any => Outcome::Met,
    }
}
