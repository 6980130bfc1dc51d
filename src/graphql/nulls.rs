//! Null propagation, as the GraphQL specification requires it: when a non-null field
//! errors, its nearest nullable ancestor becomes `null` (and `data` itself when there is
//! none). The engine leaves such a field out of its object instead, which typed clients
//! cannot read; [`propagate`] repairs the response from the schema's types and the query.

use std::collections::HashMap;

use async_graphql::parser::types::{
    BaseType, DocumentOperations, ExecutableDocument, OperationType, Selection, SelectionSet, Type,
    TypeKind, TypeSystemDefinition,
};
use async_graphql::{Name, PathSegment, Positioned, Response, Value};

/// The schema's field types: by type and field name, with the root type names.
pub struct Types {
    fields: HashMap<String, HashMap<String, Type>>,
    query: String,
    mutation: String,
}

impl Types {
    /// The types of the schema whose SDL is `sdl` (`None` when it does not parse).
    pub fn from_sdl(sdl: &str) -> Option<Self> {
        let document = async_graphql::parser::parse_schema(sdl).ok()?;
        let mut types = Self {
            fields: HashMap::new(),
            query: "Query".to_owned(),
            mutation: "Mutation".to_owned(),
        };
        for definition in document.definitions {
            match definition {
                TypeSystemDefinition::Schema(schema) => {
                    if let Some(query) = &schema.node.query {
                        types.query = query.node.to_string();
                    }
                    if let Some(mutation) = &schema.node.mutation {
                        types.mutation = mutation.node.to_string();
                    }
                }
                TypeSystemDefinition::Type(ty) => {
                    let fields = match &ty.node.kind {
                        TypeKind::Object(object) => &object.fields,
                        TypeKind::Interface(interface) => &interface.fields,
                        _ => continue,
                    };
                    types.fields.insert(
                        ty.node.name.node.to_string(),
                        fields
                            .iter()
                            .map(|f| (f.node.name.node.to_string(), f.node.ty.node.clone()))
                            .collect(),
                    );
                }
                TypeSystemDefinition::Directive(_) => {}
            }
        }
        Some(types)
    }

    /// The type of `field` on `parent`; on an interface or union whose implementations
    /// are not known here, the field of that name on any object type.
    fn field(&self, parent: &str, field: &str) -> Option<&Type> {
        self.fields
            .get(parent)
            .and_then(|fields| fields.get(field))
            .or_else(|| self.fields.values().find_map(|fields| fields.get(field)))
    }
}

/// The name of the named type under `ty`'s lists.
fn named(ty: &Type) -> &str {
    match &ty.base {
        BaseType::Named(name) => name.as_str(),
        BaseType::List(inner) => named(inner),
    }
}

/// The field of `sets` whose response key is `key`: its name, the type condition it was
/// selected under (a fragment's), and the selections of every field with that key.
fn select<'a>(
    sets: &[&'a SelectionSet],
    key: &str,
    document: &'a ExecutableDocument,
) -> Option<(&'a Name, Option<&'a Name>, Vec<&'a SelectionSet>)> {
    let mut found: Option<(&Name, Option<&Name>)> = None;
    let mut children = Vec::new();
    let mut pending: Vec<(&SelectionSet, Option<&Name>)> =
        sets.iter().map(|s| (*s, None)).collect();
    let mut seen_fragments = Vec::new();
    while let Some((set, on)) = pending.pop() {
        for item in &set.items {
            match &item.node {
                Selection::Field(field) => {
                    let response_key = field.node.alias.as_ref().unwrap_or(&field.node.name);
                    if response_key.node.as_str() == key {
                        found.get_or_insert((&field.node.name.node, on));
                        children.push(&field.node.selection_set.node);
                    }
                }
                Selection::InlineFragment(fragment) => {
                    let condition = fragment
                        .node
                        .type_condition
                        .as_ref()
                        .map(|c| &c.node.on.node);
                    pending.push((&fragment.node.selection_set.node, condition.or(on)));
                }
                Selection::FragmentSpread(spread) => {
                    let fragment_name = &spread.node.fragment_name.node;
                    if !seen_fragments.contains(&fragment_name) {
                        seen_fragments.push(fragment_name);
                        if let Some(fragment) = document.fragments.get(fragment_name) {
                            let condition = &fragment.node.type_condition.node.on.node;
                            pending.push((&fragment.node.selection_set.node, Some(condition)));
                        }
                    }
                }
            }
        }
    }
    found.map(|(name, on)| (name, on, children))
}

/// The selection set of the operation `name` picks in `document`.
fn operation<'a>(
    document: &'a ExecutableDocument,
    name: Option<&str>,
) -> Option<(OperationType, &'a Positioned<SelectionSet>)> {
    match (&document.operations, name) {
        (DocumentOperations::Single(op), _) => Some((op.node.ty, &op.node.selection_set)),
        (DocumentOperations::Multiple(ops), Some(name)) => ops
            .iter()
            .find(|(op_name, _)| op_name.as_str() == name)
            .map(|(_, op)| (op.node.ty, &op.node.selection_set)),
        (DocumentOperations::Multiple(ops), None) if ops.len() == 1 => ops
            .values()
            .next()
            .map(|op| (op.node.ty, &op.node.selection_set)),
        _ => None,
    }
}

/// One step down an error's path: whether the value there may be null.
struct Step {
    segment: PathSegment,
    nullable: bool,
}

/// The steps from `data` to the field an error's `path` names, each with whether it may
/// be null; `None` when the path cannot be followed through the query and the schema.
fn steps(
    types: &Types,
    document: &ExecutableDocument,
    operation_name: Option<&str>,
    path: &[PathSegment],
) -> Option<Vec<Step>> {
    let (ty, root) = operation(document, operation_name)?;
    let mut parent = match ty {
        OperationType::Mutation => types.mutation.clone(),
        _ => types.query.clone(),
    };
    let mut sets = vec![&root.node];
    let mut current: Option<Type> = None;
    let mut out = Vec::with_capacity(path.len());
    for segment in path {
        match segment {
            PathSegment::Field(key) => {
                let (name, on, children) = select(&sets, key, document)?;
                let parent_type = on.map_or(parent.as_str(), |on| on.as_str());
                let field = types.field(parent_type, name.as_str())?.clone();
                out.push(Step {
                    segment: segment.clone(),
                    nullable: field.nullable,
                });
                parent = named(&field).to_owned();
                sets = children;
                current = Some(field);
            }
            PathSegment::Index(_) => {
                let BaseType::List(item) = &current.as_ref()?.base else {
                    return None;
                };
                let item = (**item).clone();
                out.push(Step {
                    segment: segment.clone(),
                    nullable: item.nullable,
                });
                current = Some(item);
            }
        }
    }
    Some(out)
}

/// The value at `path` under `value`, if it is there.
fn at<'v>(value: &'v mut Value, path: &[PathSegment]) -> Option<&'v mut Value> {
    path.iter()
        .try_fold(value, |value, segment| match (segment, value) {
            (PathSegment::Field(key), Value::Object(fields)) => fields.get_mut(key.as_str()),
            (PathSegment::Index(i), Value::List(items)) => items.get_mut(*i),
            _ => None,
        })
}

/// Nulls, for every field error in `response`, the nearest nullable ancestor of a non-null
/// field that errored (the field itself when it is nullable).
pub fn propagate(
    types: &Types,
    document: &ExecutableDocument,
    operation_name: Option<&str>,
    response: &mut Response,
) {
    let paths: Vec<Vec<PathSegment>> = response
        .errors
        .iter()
        .filter(|e| !e.path.is_empty())
        .map(|e| e.path.clone())
        .collect();
    for path in paths {
        let Some(steps) = steps(types, document, operation_name, &path) else {
            continue;
        };
        // The deepest step that may be null takes the null; none: `data` does.
        match steps.iter().rposition(|step| step.nullable) {
            None => response.data = Value::Null,
            Some(depth) => {
                let (parent, last) = (&path[..depth], &steps[depth].segment);
                if let Some(container) = at(&mut response.data, parent) {
                    match (last, container) {
                        (PathSegment::Field(key), Value::Object(fields)) => {
                            fields.insert(Name::new(key), Value::Null);
                        }
                        (PathSegment::Index(i), Value::List(items)) => {
                            if let Some(item) = items.get_mut(*i) {
                                *item = Value::Null;
                            }
                        }
                        _ => {}
                    }
                }
            }
        }
    }
}
