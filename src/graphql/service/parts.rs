//! Mutations on the parts of a service: channels, life-event links, relations and
//! eligibility rules. On a draft they change it in place; on a published service they go to
//! its pending revision (opened by the first edit), and residents see the published version
//! until a reviewer publishes the revision. Each payload returns what was edited.

use async_graphql::{Context, ID, InputObject, Object, Result, SimpleObject};

use crate::catalog::CatalogError;
use crate::catalog::records;
use crate::catalog::service::channels::ChannelChanges;
use crate::catalog::service::fields::{RuleFields, RuleGroupFields};
use crate::catalog::service::links::LifeEventLink;
use crate::catalog::types as domain;
use crate::graphql::enums::{ChannelKind, RelationKind, Relevance, RuleGroupMode, RuleOperator};
use crate::graphql::node::{NodeKind, global_id};
use crate::graphql::payload::{UserError, on_row, outcome};
use crate::graphql::scalars::Json;
use crate::graphql::service::mutation::ChannelInput;
use crate::graphql::service::{Channel, Service};

/// The row id of a channel global id; a malformed id is a user error.
fn channel_row(field: &str, id: &ID) -> Result<i32, CatalogError> {
    crate::graphql::node::row_id(field, id, NodeKind::Channel)
}

/// Declares a payload that returns the edited service.
macro_rules! service_payload {
    ($(#[$meta:meta])* $payload:ident) => {
        $(#[$meta])*
        #[derive(SimpleObject, Debug, Clone)]
        pub struct $payload {
            /// What was edited: the draft, or the pending revision of a published service
            /// (its `version` is the next `expectedVersion`); `null` when `userErrors` is not
            /// empty.
            pub service: Option<Service>,
            /// What to fix; nothing was written when this is not empty.
            pub user_errors: Vec<UserError>,
        }

        impl $payload {
            fn from(result: Result<records::Service, CatalogError>) -> Result<Self> {
                let (service, user_errors) = outcome(result)?;
                Ok(Self { service: service.map(Service), user_errors })
            }
        }
    };
}

/// Declares a payload that returns an edited channel with its service.
macro_rules! channel_payload {
    ($(#[$meta:meta])* $payload:ident) => {
        $(#[$meta])*
        #[derive(SimpleObject, Debug, Clone)]
        pub struct $payload {
            /// The channel after the change, or `null` when `userErrors` is not empty.
            pub channel: Option<Channel>,
            /// What was edited: the draft, or the pending revision of a published service.
            pub service: Option<Service>,
            /// What to fix; nothing was written when this is not empty.
            pub user_errors: Vec<UserError>,
        }

        impl $payload {
            fn from(
                result: Result<(records::Service, records::Channel), CatalogError>,
            ) -> Result<Self> {
                let (pair, user_errors) = outcome(result)?;
                let (service, channel) = pair.unzip();
                Ok(Self {
                    channel: channel.map(Channel),
                    service: service.map(Service),
                    user_errors,
                })
            }
        }
    };
}

/// A new channel for a service.
#[derive(InputObject, Debug, Clone)]
pub struct ChannelAddInput {
    /// The service's global id.
    pub service_id: ID,
    /// The service version you last read; when given, a newer one is `STALE`.
    pub expected_version: Option<i32>,
    /// The channel, added after the service's others.
    pub channel: ChannelInput,
}

channel_payload!(
    /// The result of `channelAdd`.
    ChannelAddPayload
);

/// Changes to a channel; omitted fields stay as they are, and an empty string clears an
/// optional one.
#[derive(InputObject, Debug, Clone)]
pub struct ChannelUpdateInput {
    /// The channel's global id.
    pub id: ID,
    /// The version of its service you last read (the pending revision's, if there is one).
    pub expected_version: i32,
    /// A new kind.
    pub kind: Option<ChannelKind>,
    /// A new label.
    pub label: Option<String>,
    /// A new http(s) address.
    pub url: Option<String>,
    /// A new phone number.
    pub phone: Option<String>,
    /// A new email address.
    pub email: Option<String>,
    /// A new street or postal address.
    pub address: Option<String>,
    /// New opening hours.
    pub hours: Option<String>,
    /// New accessibility notes.
    pub accessibility: Option<String>,
    /// Codes of the languages it is offered in, replacing the current list.
    pub languages: Option<Vec<String>>,
}

channel_payload!(
    /// The result of `channelUpdate`.
    ChannelUpdatePayload
);

impl ChannelUpdateInput {
    /// The channel, the version read, and the changes.
    fn split(self) -> (ID, i32, ChannelChanges) {
        let changes = ChannelChanges {
            kind: self
                .kind
                .map(|k| domain::ChannelKind::from(k).as_str().to_owned()),
            label: self.label,
            url: self.url,
            phone: self.phone,
            email: self.email,
            address: self.address,
            hours: self.hours,
            accessibility: self.accessibility,
            languages: self.languages,
        };
        (self.id, self.expected_version, changes)
    }
}

/// Which channel to remove.
#[derive(InputObject, Debug, Clone)]
pub struct ChannelRemoveInput {
    /// The channel's global id.
    pub id: ID,
    /// The service version you last read; when given, a newer one is `STALE`.
    pub expected_version: Option<i32>,
}

service_payload!(
    /// The result of `channelRemove`.
    ChannelRemovePayload
);

/// A link from a service to a life event, at one of its journey stages.
#[derive(InputObject, Debug, Clone)]
pub struct ServiceLinkLifeEventInput {
    /// The service's global id.
    pub id: ID,
    /// The service version you last read; when given, a newer one is `STALE`.
    pub expected_version: Option<i32>,
    /// The life event's slug, e.g. `job-loss`.
    pub life_event: String,
    /// The slug of the life event's journey stage where the service helps.
    pub stage: String,
    /// How central the service is to the life event.
    pub relevance: Relevance,
    /// Why the service matters in this life event, in one line for residents.
    pub reason: String,
}

impl From<ServiceLinkLifeEventInput> for LifeEventLink {
    fn from(input: ServiceLinkLifeEventInput) -> Self {
        Self {
            life_event: input.life_event,
            stage: input.stage,
            relevance: input.relevance.into(),
            reason: input.reason,
        }
    }
}

service_payload!(
    /// The result of `serviceLinkLifeEvent`.
    ServiceLinkLifeEventPayload
);

/// Which life-event link of a service to remove.
#[derive(InputObject, Debug, Clone)]
pub struct ServiceUnlinkLifeEventInput {
    /// The service's global id.
    pub id: ID,
    /// The service version you last read; when given, a newer one is `STALE`.
    pub expected_version: Option<i32>,
    /// The life event's slug.
    pub life_event: String,
}

service_payload!(
    /// The result of `serviceUnlinkLifeEvent`.
    ServiceUnlinkLifeEventPayload
);

/// A relation from a service to another one.
#[derive(InputObject, Debug, Clone)]
pub struct ServiceRelationAddInput {
    /// The global id of the service the relation starts from (yours).
    pub id: ID,
    /// The service version you last read; when given, a newer one is `STALE`.
    pub expected_version: Option<i32>,
    /// The global id of the related service (any service you can see).
    pub to: ID,
    /// How the services relate, read from `id` to `to`.
    pub kind: RelationKind,
    /// Why, in one line for residents.
    pub reason: String,
}

service_payload!(
    /// The result of `serviceRelationAdd`.
    ServiceRelationAddPayload
);

/// Which relation of a service to remove.
#[derive(InputObject, Debug, Clone)]
pub struct ServiceRelationRemoveInput {
    /// The global id of the service the relation starts from.
    pub id: ID,
    /// The service version you last read; when given, a newer one is `STALE`.
    pub expected_version: Option<i32>,
    /// The global id of the related service.
    pub to: ID,
    /// The kind of relation.
    pub kind: RelationKind,
}

service_payload!(
    /// The result of `serviceRelationRemove`.
    ServiceRelationRemovePayload
);

/// One structured eligibility rule.
#[derive(InputObject, Debug, Clone)]
pub struct RuleInput {
    /// The key of the criterion the rule asks about, e.g. `birth-date`.
    pub criterion: String,
    /// The comparison made against the resident's answer.
    pub operator: RuleOperator,
    /// The value(s) to compare with, typed for the criterion and operator: a number, a
    /// date string, a list of option values, a `[low, high]` pair for `BETWEEN`; omitted
    /// for operators that take none.
    pub value: Option<Json>,
}

/// A group of rules that combine as `mode` says; a service's groups combine with AND.
#[derive(InputObject, Debug, Clone)]
pub struct RuleGroupInput {
    /// How the group's rules combine.
    #[graphql(default_with = "RuleGroupMode::All")]
    pub mode: RuleGroupMode,
    /// What the group checks, in plain words.
    pub description: Option<String>,
    /// The rules, 1 to 30.
    pub rules: Vec<RuleInput>,
}

/// The group as the catalog takes it.
impl From<RuleGroupInput> for RuleGroupFields {
    fn from(input: RuleGroupInput) -> Self {
        Self {
            mode: domain::RuleGroupMode::from(input.mode).as_str().to_owned(),
            description: input.description,
            rules: input
                .rules
                .into_iter()
                .map(|r| RuleFields {
                    criterion: r.criterion,
                    operator: domain::RuleOperator::from(r.operator).as_str().to_owned(),
                    value: r.value.map_or(serde_json::Value::Null, |v| v.0),
                })
                .collect(),
        }
    }
}

/// A service's complete set of structured eligibility rules.
#[derive(InputObject, Debug, Clone)]
pub struct ServiceEligibilitySetInput {
    /// The service's global id.
    pub id: ID,
    /// The service version you last read; when given, a newer one is `STALE`.
    pub expected_version: Option<i32>,
    /// The rule groups, replacing the current ones (at most 20; empty removes them all).
    pub groups: Vec<RuleGroupInput>,
}

service_payload!(
    /// The result of `serviceEligibilitySet`.
    ServiceEligibilitySetPayload
);

/// The row id of a service id under `field`, or the error to report.
fn service_at(field: &str, id: &ID) -> Result<i32, CatalogError> {
    crate::graphql::node::row_id(field, id, NodeKind::Service)
}

/// The row ids of a relation's two services (`id` and `to`).
fn service_pair(id: &ID, to: &ID) -> Result<(i32, i32), CatalogError> {
    Ok((service_at("id", id)?, service_at("to", to)?))
}

/// Mutations on the parts of a service.
#[derive(Default)]
pub struct PartMutation;

/// Mutations on the parts of a service.
#[Object]
impl PartMutation {
    /// Adds a channel to a service (EDITOR of its agency, or ADMIN).
    async fn channel_add(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The service and the channel.")] input: ChannelAddInput,
    ) -> Result<ChannelAddPayload> {
        let (version, channel) = (input.expected_version, input.channel.into());
        let id = service_at("serviceId", &input.service_id);
        let result = on_row(ctx, id, async |catalog, who, row| {
            catalog.add_channel(who, row, version, channel).await
        })
        .await?;
        ChannelAddPayload::from(result)
    }

    /// Changes a channel (EDITOR of its service's agency, or ADMIN).
    async fn channel_update(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The channel and the changes.")] input: ChannelUpdateInput,
    ) -> Result<ChannelUpdatePayload> {
        let (id, version, changes) = input.split();
        let result = on_row(ctx, channel_row("id", &id), async |catalog, who, row| {
            catalog.update_channel(who, row, version, changes).await
        })
        .await?;
        ChannelUpdatePayload::from(result)
    }

    /// Removes a channel; a service keeps at least one (EDITOR of its service's agency, or
    /// ADMIN).
    async fn channel_remove(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The channel.")] input: ChannelRemoveInput,
    ) -> Result<ChannelRemovePayload> {
        let version = input.expected_version;
        let result = on_row(
            ctx,
            channel_row("id", &input.id),
            async |catalog, who, row| catalog.remove_channel(who, row, version).await,
        )
        .await?;
        ChannelRemovePayload::from(result)
    }

    /// Links a service to a life event at one of its journey stages, or changes that link
    /// (EDITOR of its agency, or ADMIN).
    async fn service_link_life_event(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The service and the link.")] input: ServiceLinkLifeEventInput,
    ) -> Result<ServiceLinkLifeEventPayload> {
        let (id, version) = (service_at("id", &input.id), input.expected_version);
        let link = LifeEventLink::from(input);
        let result = on_row(ctx, id, async |catalog, who, row| {
            catalog.link_life_event(who, row, version, link).await
        })
        .await?;
        ServiceLinkLifeEventPayload::from(result)
    }

    /// Removes a service's link to a life event (EDITOR of its agency, or ADMIN).
    async fn service_unlink_life_event(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The service and the life event.")] input: ServiceUnlinkLifeEventInput,
    ) -> Result<ServiceUnlinkLifeEventPayload> {
        let (version, life_event) = (input.expected_version, &input.life_event);
        let result = on_row(
            ctx,
            service_at("id", &input.id),
            async |catalog, who, row| {
                catalog
                    .unlink_life_event(who, row, version, life_event)
                    .await
            },
        )
        .await?;
        ServiceUnlinkLifeEventPayload::from(result)
    }

    /// Adds a relation from a service to another service, with the reason residents see
    /// (EDITOR of the first service's agency, or ADMIN).
    async fn service_relation_add(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The relation.")] input: ServiceRelationAddInput,
    ) -> Result<ServiceRelationAddPayload> {
        let rows = service_pair(&input.id, &input.to);
        let (version, kind, reason) = (input.expected_version, input.kind.into(), input.reason);
        let result = on_row(ctx, rows, async |catalog, who, (row, to)| {
            catalog
                .add_relation(who, row, version, (to, kind, reason))
                .await
        })
        .await?;
        ServiceRelationAddPayload::from(result)
    }

    /// Removes a relation from a service (EDITOR of its agency, or ADMIN).
    async fn service_relation_remove(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The relation.")] input: ServiceRelationRemoveInput,
    ) -> Result<ServiceRelationRemovePayload> {
        let rows = service_pair(&input.id, &input.to);
        let (version, kind) = (input.expected_version, input.kind.into());
        let result = on_row(ctx, rows, async |catalog, who, (row, to)| {
            catalog.remove_relation(who, row, version, (to, kind)).await
        })
        .await?;
        ServiceRelationRemovePayload::from(result)
    }

    /// Replaces a service's structured eligibility rules; each rule is checked against its
    /// criterion (EDITOR of its agency, or ADMIN).
    async fn service_eligibility_set(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The service and its rules.")] input: ServiceEligibilitySetInput,
    ) -> Result<ServiceEligibilitySetPayload> {
        let version = input.expected_version;
        let groups = input
            .groups
            .into_iter()
            .map(RuleGroupFields::from)
            .collect();
        let result = on_row(
            ctx,
            service_at("id", &input.id),
            async |catalog, who, row| catalog.set_eligibility(who, row, version, groups).await,
        )
        .await?;
        ServiceEligibilitySetPayload::from(result)
    }
}

/// The global id clients know a channel by (a pending revision's copy keeps the id of the
/// published channel it will update).
pub fn channel_id(c: &records::Channel) -> ID {
    global_id(NodeKind::Channel, c.replaces_id.unwrap_or(c.id))
}
