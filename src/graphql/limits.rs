//! What a request may ask, decided before anything runs: its cost, its aliases and root
//! fields, and no control characters in its text.
//!
//! Every field costs 1 plus what it selects; a list or connection field multiplies what it
//! selects by the most items it can return: its `first`/`last` (20 when omitted, at most
//! 100) or, for a list without paging, the cap in [`caps`]. Aliases and fragment uses
//! count; each `__typename` written costs 1 (the engine answers it without a look-up, and
//! aliases, which alone could repeat it, are capped). The engine computes the cost while it validates the query; the
//! [`RequestLimits`] extension then refuses a request over its caller's budget with
//! `COST_LIMIT`, before any resolver runs, and reports the cost of an accepted one in the
//! response's `extensions.cost`. It also caps aliases (`ALIAS_LIMIT`) and root fields
//! (`ROOT_FIELD_LIMIT`), and refuses a string argument or variable holding a control
//! character other than tab and line breaks (`BAD_USER_INPUT`): PostgreSQL cannot store
//! NUL in text while SQLite can, so both refuse it here, before any database call.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};

use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextExecute, NextParseQuery, NextPrepareRequest,
    NextValidation,
};
use async_graphql::parser::types::OperationType;
use async_graphql::parser::types::{ExecutableDocument, Selection, SelectionSet};
use async_graphql::{
    Positioned, Response, ServerError, ServerResult, ValidationResult, Value as ConstValue,
    Variables,
};

use crate::catalog::page::{DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE};
use crate::catalog::principal::Principal;
use crate::catalog::validate::has_control;
use crate::config::Limits;
use crate::graphql::nulls::Types;

/// The most items each list without paging returns; resolvers never return more.
pub mod caps {
    pub use crate::catalog::validate::max_items::{
        CHANNELS, CSSP_BASIS, DOCUMENTS, JURISDICTIONS, LANGUAGES, OPTIONS, PARTNERS, STAGES,
        TAXONOMY_TERMS,
    };
    /// A service's related services, both directions together.
    pub const RELATED_SERVICES: usize = 20;
    /// The life events a service is linked to.
    pub const SERVICE_LIFE_EVENTS: usize = 20;
    /// A life event's related life events.
    pub const RELATED_LIFE_EVENTS: usize = 20;
    /// The services linked to one journey stage.
    pub const STAGE_SERVICES: usize = 50;
    /// An agency's child agencies.
    pub const CHILD_AGENCIES: usize = 50;
    /// A service's history: its newest audit events.
    pub const HISTORY: usize = crate::catalog::service::read::HISTORY_LIMIT as usize;
    /// A service's eligibility rules, all groups together.
    pub const RULES: usize = crate::catalog::validate::max_items::RULE_GROUPS
        * crate::catalog::validate::max_items::RULES_PER_GROUP;
    /// All jurisdictions.
    pub const ALL_JURISDICTIONS: usize = 500;
    /// The ids `nodes` takes, and so the nodes it returns.
    pub const NODES: usize = 100;
    /// The questions `eligibilityQuestions` asks.
    pub const QUESTIONS: usize = 100;
    /// The reasons given for one recommendation, and the life events suggested with a page.
    pub const REASONS: usize = 20;
    /// The checks one eligibility verdict lists: one per rule.
    pub const CHECKS: usize = RULES;
    /// The changes one page of the change feed carries.
    pub const CHANGES: usize = 500;
}

/// No computed cost goes above this, so sums of costs cannot overflow.
const CEILING: usize = 1_000_000_000_000;

/// The cost of a list field that returns at most `cap` items, each costing `child`.
pub fn list(cap: usize, child: usize) -> usize {
    child.saturating_mul(cap).saturating_add(1).min(CEILING)
}

/// The cost of a connection field asked for `first` or `last` items.
pub fn page(first: Option<i32>, last: Option<i32>, child: usize) -> usize {
    let size = first
        .or(last)
        .unwrap_or(DEFAULT_PAGE_SIZE)
        .clamp(0, MAX_PAGE_SIZE);
    list(usize::try_from(size).unwrap_or(0), child)
}

/// The extension that enforces [`Limits`]' cost budgets, alias and root-field caps.
pub struct RequestLimits {
    types: Option<Arc<Types>>,
    budget_anonymous: usize,
    budget_key: usize,
    max_aliases: usize,
    max_root_fields: usize,
}

impl RequestLimits {
    /// The limits `limits` configures; `types` (the schema's) repairs null propagation.
    pub fn new(limits: &Limits, types: Option<Arc<Types>>) -> Self {
        Self {
            types,
            budget_anonymous: limits.cost_budget_anonymous,
            budget_key: limits.cost_budget_key,
            max_aliases: limits.max_aliases,
            max_root_fields: limits.max_root_fields,
        }
    }
}

impl ExtensionFactory for RequestLimits {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(PerRequest {
            types: self.types.clone(),
            query: OnceLock::new(),
            budget_anonymous: self.budget_anonymous,
            budget_key: self.budget_key,
            max_aliases: self.max_aliases,
            max_root_fields: self.max_root_fields,
            cost: AtomicUsize::new(0),
            typenames: AtomicUsize::new(0),
            operation_name: OnceLock::new(),
        })
    }
}

struct PerRequest {
    types: Option<Arc<Types>>,
    query: OnceLock<String>,
    budget_anonymous: usize,
    budget_key: usize,
    max_aliases: usize,
    max_root_fields: usize,
    cost: AtomicUsize,
    typenames: AtomicUsize,
    operation_name: OnceLock<Option<String>>,
}

fn refusal(code: &str, message: String, detail: &[(&str, usize)]) -> ServerError {
    let mut error = ServerError::new(message, None);
    let extensions = error
        .extensions
        .get_or_insert_with(async_graphql::ErrorExtensionValues::default);
    extensions.set("code", code);
    for (name, value) in detail {
        extensions.set(*name, *value as u64);
    }
    error
}

#[async_graphql::async_trait::async_trait]
impl Extension for PerRequest {
    async fn prepare_request(
        &self,
        ctx: &ExtensionContext<'_>,
        request: async_graphql::Request,
        next: NextPrepareRequest<'_>,
    ) -> ServerResult<async_graphql::Request> {
        let _ = self.operation_name.set(request.operation_name.clone());
        next.run(ctx, request).await
    }

    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        let document = next.run(ctx, query, variables).await?;
        let _ = self.query.set(query.to_owned());
        if matches!(
            ctx.data_opt::<Principal>(),
            None | Some(Principal::Anonymous)
        ) && needs_key(
            &document,
            self.operation_name.get().and_then(Option::as_deref),
        ) {
            // Before validation, so the answer is the same whatever the input says.
            return Err(refusal(
                "UNAUTHENTICATED",
                "mutations need an API key: send `Authorization: Bearer <token>` (only \
                 feedbackSubmit is open to everyone)"
                    .to_owned(),
                &[],
            ));
        }
        if let Some(place) = control_character(&document, variables) {
            return Err(refusal(
                "BAD_USER_INPUT",
                format!(
                    "{place} holds a control character (such as NUL); only tab and line \
                     breaks are allowed in text"
                ),
                &[],
            ));
        }
        self.typenames
            .store(count_typenames(&document), Ordering::Relaxed);
        let mut aliases = 0;
        let mut roots = 0;
        for (_, operation) in document.operations.iter() {
            roots = roots.max(operation.node.selection_set.node.items.len());
            aliases += count_aliases(&operation.node.selection_set);
        }
        for fragment in document.fragments.values() {
            aliases += count_aliases(&fragment.node.selection_set);
        }
        if aliases > self.max_aliases {
            return Err(refusal(
                "ALIAS_LIMIT",
                format!(
                    "the request uses {aliases} aliases; at most {} are allowed",
                    self.max_aliases
                ),
                &[("aliases", aliases), ("limit", self.max_aliases)],
            ));
        }
        if roots > self.max_root_fields {
            return Err(refusal(
                "ROOT_FIELD_LIMIT",
                format!(
                    "the operation selects {roots} root fields; at most {} are allowed",
                    self.max_root_fields
                ),
                &[("rootFields", roots), ("limit", self.max_root_fields)],
            ));
        }
        Ok(document)
    }

    async fn validation(
        &self,
        ctx: &ExtensionContext<'_>,
        next: NextValidation<'_>,
    ) -> Result<ValidationResult, Vec<ServerError>> {
        let mut result = next.run(ctx).await?;
        // The engine's count leaves `__typename` out; each one written costs 1.
        result.complexity = result
            .complexity
            .saturating_add(self.typenames.load(Ordering::Relaxed));
        let budget = match ctx.data_opt::<Principal>() {
            Some(Principal::Key(_)) => self.budget_key,
            _ => self.budget_anonymous,
        };
        if result.complexity > budget {
            return Err(vec![refusal(
                "COST_LIMIT",
                format!(
                    "the query would cost {} and the budget is {budget}: ask for fewer items \
                     (`first`) or nest fewer lists",
                    result.complexity
                ),
                &[("cost", result.complexity), ("budget", budget)],
            )]);
        }
        self.cost.store(result.complexity, Ordering::Relaxed);
        Ok(result)
    }

    async fn execute(
        &self,
        ctx: &ExtensionContext<'_>,
        operation_name: Option<&str>,
        next: NextExecute<'_>,
    ) -> Response {
        let mut response = next.run(ctx, operation_name).await;
        if let (Some(types), Some(query)) = (&self.types, self.query.get())
            && response.errors.iter().any(|e| !e.path.is_empty())
            && let Ok(document) = async_graphql::parser::parse_query(query)
        {
            crate::graphql::nulls::propagate(types, &document, operation_name, &mut response);
        }
        let cost = self.cost.load(Ordering::Relaxed) as u64;
        response
            .extensions
            .insert("cost".to_owned(), async_graphql::Value::from(cost));
        response
    }
}

/// The aliased fields in `set`, fragments' own selections not included (they are counted
/// once, where they are defined).
fn count_aliases(set: &Positioned<SelectionSet>) -> usize {
    set.node
        .items
        .iter()
        .map(|item| match &item.node {
            Selection::Field(field) => {
                usize::from(field.node.alias.is_some()) + count_aliases(&field.node.selection_set)
            }
            Selection::InlineFragment(fragment) => count_aliases(&fragment.node.selection_set),
            Selection::FragmentSpread(_) => 0,
        })
        .sum()
}

/// Where a string in `document`'s arguments or in `variables` holds a control character:
/// the variable's name, or the argument's.
fn control_character(document: &ExecutableDocument, variables: &Variables) -> Option<String> {
    fn in_const(value: &ConstValue) -> bool {
        match value {
            ConstValue::String(s) => has_control(s),
            ConstValue::List(items) => items.iter().any(in_const),
            ConstValue::Object(fields) => fields
                .iter()
                .any(|(name, v)| has_control(name) || in_const(v)),
            _ => false,
        }
    }
    fn in_set(set: &Positioned<SelectionSet>) -> Option<String> {
        set.node.items.iter().find_map(|item| match &item.node {
            Selection::Field(field) => field
                .node
                .arguments
                .iter()
                .find(|(_, value)| {
                    // Variables are checked on their own; here they stand as null.
                    let literal = value
                        .node
                        .clone()
                        .into_const_with(|_| Ok::<_, std::convert::Infallible>(ConstValue::Null));
                    literal.is_ok_and(|literal| in_const(&literal))
                })
                .map(|(name, _)| format!("argument `{}`", name.node))
                .or_else(|| in_set(&field.node.selection_set)),
            Selection::InlineFragment(fragment) => in_set(&fragment.node.selection_set),
            Selection::FragmentSpread(_) => None,
        })
    }
    if let Some((name, _)) = variables.iter().find(|(_, value)| in_const(value)) {
        return Some(format!("variable `${name}`"));
    }
    for (_, operation) in document.operations.iter() {
        if let Some(place) = in_set(&operation.node.selection_set) {
            return Some(place);
        }
        for variable in &operation.node.variable_definitions {
            if variable
                .node
                .default_value
                .as_ref()
                .is_some_and(|d| in_const(&d.node))
            {
                return Some(format!("the default of `${}`", variable.node.name.node));
            }
        }
    }
    document
        .fragments
        .values()
        .find_map(|fragment| in_set(&fragment.node.selection_set))
}

/// Whether `document` runs a mutation: the operation `name` names, or, without a name,
/// any of its operations.
pub fn runs_mutation(document: &ExecutableDocument, name: Option<&str>) -> bool {
    document.operations.iter().any(|(op_name, op)| {
        op.node.ty == OperationType::Mutation
            && match (name, op_name) {
                (Some(wanted), Some(op_name)) => wanted == op_name.as_str(),
                _ => true,
            }
    })
}

/// The mutations anyone may run without a key.
pub const ANONYMOUS_MUTATIONS: &[&str] = &["feedbackSubmit"];

/// Whether the operation `name` picks in `document` (any, without a name) is a mutation
/// with a root field outside [`ANONYMOUS_MUTATIONS`].
fn needs_key(document: &ExecutableDocument, name: Option<&str>) -> bool {
    document.operations.iter().any(|(op_name, op)| {
        op.node.ty == OperationType::Mutation
            && match (name, op_name) {
                (Some(wanted), Some(op_name)) => wanted == op_name.as_str(),
                _ => true,
            }
            && op
                .node
                .selection_set
                .node
                .items
                .iter()
                .any(|item| match &item.node {
                    Selection::Field(field) => {
                        !ANONYMOUS_MUTATIONS.contains(&field.node.name.node.as_str())
                    }
                    _ => true,
                })
    })
}

/// The `__typename` fields `document` selects, each fragment counted at every spread (a
/// fragment cycle counts nothing: validation refuses it).
fn count_typenames(document: &ExecutableDocument) -> usize {
    use std::collections::HashMap;
    fn in_set<'a>(
        set: &'a Positioned<SelectionSet>,
        document: &'a ExecutableDocument,
        memo: &mut HashMap<&'a str, usize>,
        open: &mut Vec<&'a str>,
    ) -> usize {
        set.node
            .items
            .iter()
            .map(|item| match &item.node {
                Selection::Field(field) if field.node.name.node == "__typename" => 1,
                Selection::Field(field) => in_set(&field.node.selection_set, document, memo, open),
                Selection::InlineFragment(fragment) => {
                    in_set(&fragment.node.selection_set, document, memo, open)
                }
                Selection::FragmentSpread(spread) => {
                    let name = spread.node.fragment_name.node.as_str();
                    if let Some(&count) = memo.get(name) {
                        return count;
                    }
                    if open.contains(&name) {
                        return 0;
                    }
                    let Some(fragment) = document.fragments.get(&spread.node.fragment_name.node)
                    else {
                        return 0;
                    };
                    open.push(name);
                    let count = in_set(&fragment.node.selection_set, document, memo, open);
                    open.pop();
                    memo.insert(name, count);
                    count
                }
            })
            .fold(0, usize::saturating_add)
    }
    let mut memo = HashMap::new();
    document
        .operations
        .iter()
        .map(|(_, op)| in_set(&op.node.selection_set, document, &mut memo, &mut Vec::new()))
        .fold(0, usize::saturating_add)
}
