//! Relay global object identification: opaque ids that name a record's type and row, the
//! `Node` interface, and the `node` / `nodes` root fields.

use async_graphql::{Context, ID, Interface, Object, Result};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use super::agency::Agency;
use super::context::loader;
use super::criterion::Criterion;
use super::error::GqlResult;
use super::jurisdiction::Jurisdiction;
use super::life_event::{JourneyStage, LifeEvent};
use super::loaders::{
    AgencyById, ChannelById, CriterionById, JurisdictionById, LifeEventById, ServiceById, StageById,
};
use super::service::{Channel, Service};
use crate::catalog::CatalogError;

/// The kinds of record a global id can name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NodeKind {
    Jurisdiction,
    Agency,
    Service,
    Channel,
    LifeEvent,
    JourneyStage,
    Criterion,
}

impl NodeKind {
    const ALL: [NodeKind; 7] = [
        Self::Jurisdiction,
        Self::Agency,
        Self::Service,
        Self::Channel,
        Self::LifeEvent,
        Self::JourneyStage,
        Self::Criterion,
    ];

    /// The kind whose name is `name`, e.g. `Service`.
    pub fn named(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.name() == name)
    }

    /// The kind's name, as in global ids and audit events.
    pub fn name(self) -> &'static str {
        match self {
            Self::Jurisdiction => "Jurisdiction",
            Self::Agency => "Agency",
            Self::Service => "Service",
            Self::Channel => "Channel",
            Self::LifeEvent => "LifeEvent",
            Self::JourneyStage => "JourneyStage",
            Self::Criterion => "Criterion",
        }
    }
}

/// The global id of row `id` of `kind`.
pub fn global_id(kind: NodeKind, id: i32) -> ID {
    ID(URL_SAFE_NO_PAD.encode(format!("{}:{id}", kind.name())))
}

/// Parses a global id; anything this API did not hand out is a `BadInput` on `field`.
pub fn parse_global_id(field: &str, id: &ID) -> Result<(NodeKind, i32), CatalogError> {
    let bad = || {
        CatalogError::bad_input(
            field,
            format!(
                "`{}` is not an id issued by this API",
                crate::catalog::types::truncate(id)
            ),
        )
    };
    let bytes = URL_SAFE_NO_PAD.decode(id.as_str()).map_err(|_| bad())?;
    let text = String::from_utf8(bytes).map_err(|_| bad())?;
    let (kind, row) = text.split_once(':').ok_or_else(bad)?;
    let kind = NodeKind::ALL
        .into_iter()
        .find(|k| k.name() == kind)
        .ok_or_else(bad)?;
    let row = row.parse::<i32>().map_err(|_| bad())?;
    if row <= 0 || global_id(kind, row) != *id {
        return Err(bad());
    }
    Ok((kind, row))
}

/// The row id of a global id that must name a record of `kind`; anything else is a
/// `BadInput` on `field`.
pub fn row_id(field: &str, id: &ID, kind: NodeKind) -> Result<i32, CatalogError> {
    match parse_global_id(field, id)? {
        (found, row) if found == kind => Ok(row),
        _ => Err(CatalogError::bad_input(
            field,
            format!("this is not the id of a {}", kind.name()),
        )),
    }
}

/// A record with a global id, fetchable with `node(id:)`.
#[derive(Interface)]
#[graphql(field(name = "id", ty = "ID", desc = "The record's global, opaque id."))]
pub enum Node {
    Jurisdiction(Jurisdiction),
    Agency(Agency),
    Service(Service),
    Channel(Channel),
    LifeEvent(LifeEvent),
    JourneyStage(JourneyStage),
    Criterion(Criterion),
}

/// The most ids `nodes(ids:)` takes at once.
const MAX_NODES: usize = crate::graphql::limits::caps::NODES;

/// Root fields for global object identification.
#[derive(Default)]
pub struct NodeQuery;

/// Root fields for global object identification.
#[Object]
impl NodeQuery {
    /// The record with this global id; `null` when there is none, or none you may see.
    /// An id this API did not issue is a `BAD_USER_INPUT` error.
    async fn node(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "A global id, as returned in any `id` field.")] id: ID,
    ) -> Result<Option<Node>> {
        let (kind, row) = parse_global_id("id", &id).gql()?;
        fetch(ctx, kind, row).await
    }

    /// The records with these global ids, in the same order, with `null` for any that
    /// does not exist or that you may not see. At most 100 ids.
    #[graphql(
        complexity = "crate::graphql::limits::list(crate::graphql::limits::caps::NODES, child_complexity)"
    )]
    async fn nodes(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Global ids, as returned in any `id` field; at most 100.")] ids: Vec<ID>,
    ) -> Result<Vec<Option<Node>>> {
        if ids.len() > MAX_NODES {
            return Err(CatalogError::bad_input(
                "ids",
                format!("at most {MAX_NODES} ids at once; got {}", ids.len()),
            )
            .into());
        }
        let parsed = ids
            .iter()
            .enumerate()
            .map(|(i, id)| parse_global_id(&format!("ids[{i}]"), id))
            .collect::<Result<Vec<_>, _>>()
            .gql()?;
        futures_join(ctx, parsed).await
    }
}

async fn futures_join(ctx: &Context<'_>, ids: Vec<(NodeKind, i32)>) -> Result<Vec<Option<Node>>> {
    // The loaders batch concurrent loads, so the whole list costs one statement per kind.
    let loads = ids.into_iter().map(|(kind, row)| fetch(ctx, kind, row));
    let mut nodes = Vec::new();
    for result in futures_util::future::join_all(loads).await {
        nodes.push(result?);
    }
    Ok(nodes)
}

async fn fetch(ctx: &Context<'_>, kind: NodeKind, row: i32) -> Result<Option<Node>> {
    let loader = loader(ctx)?;
    Ok(match kind {
        NodeKind::Jurisdiction => loader
            .load_one(JurisdictionById(row))
            .await?
            .map(|m| Node::Jurisdiction(Jurisdiction(m))),
        NodeKind::Agency => loader
            .load_one(AgencyById(row))
            .await?
            .map(|m| Node::Agency(Agency(m))),
        NodeKind::Service => loader
            .load_one(ServiceById(row))
            .await?
            .map(|m| Node::Service(Service(m))),
        NodeKind::Channel => loader
            .load_one(ChannelById(row))
            .await?
            .map(|m| Node::Channel(Channel(m))),
        NodeKind::LifeEvent => loader
            .load_one(LifeEventById(row))
            .await?
            .map(|m| Node::LifeEvent(LifeEvent(m))),
        NodeKind::JourneyStage => loader
            .load_one(StageById(row))
            .await?
            .map(|m| Node::JourneyStage(JourneyStage(m))),
        NodeKind::Criterion => loader
            .load_one(CriterionById(row))
            .await?
            .map(|m| Node::Criterion(Criterion(m))),
    })
}
