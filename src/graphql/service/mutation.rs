//! Mutations: partner agencies create and edit services; reviewers publish them. Each takes
//! one `input` and returns the record with `userErrors` for anything the caller can fix;
//! authentication and permission failures are GraphQL errors.

use async_graphql::{Context, ID, InputObject, Object, Result, SimpleObject};

use crate::catalog::CatalogError;
use crate::catalog::records;
use crate::catalog::service::fields::{ChannelFields, DocumentFields, LinkFields, ServiceFields};
use crate::catalog::service::workflow::Transition;
use crate::catalog::service::write::ServiceChanges;
use crate::graphql::context::catalog;
use crate::graphql::context::principal;
use crate::graphql::node::NodeKind;
use crate::graphql::payload::{UserError, on_row, outcome, outcome_all, record_payload};
use crate::graphql::service::Service;

/// Splits a service command's outcome into the service or user errors.
fn service_outcome(
    result: Result<records::Service, CatalogError>,
) -> Result<(Option<Service>, Vec<UserError>)> {
    let (model, user_errors) = outcome(result)?;
    Ok((model.map(Service), user_errors))
}

/// The row id of a service global id; a malformed id is a user error.
pub(crate) fn service_row(id: &ID) -> Result<i32, CatalogError> {
    crate::graphql::node::row_id("id", id, NodeKind::Service)
}

/// One way to reach a new service.
#[derive(InputObject, Debug, Clone)]
pub struct ChannelInput {
    /// How the service is delivered through it.
    pub kind: crate::graphql::enums::ChannelKind,
    /// A short label to show residents, e.g. "Apply online".
    pub label: String,
    /// An http(s) address, for digital channels.
    pub url: Option<String>,
    /// A phone number, for phone and text channels.
    pub phone: Option<String>,
    /// An email address.
    pub email: Option<String>,
    /// A street or postal address.
    pub address: Option<String>,
    /// When it is open or staffed.
    pub hours: Option<String>,
    /// Accessibility notes: relay services, step-free access, screen-reader support...
    pub accessibility: Option<String>,
    /// Codes of the languages it is offered in, e.g. `es` (at most 50).
    #[graphql(default)]
    pub languages: Vec<String>,
}

/// A new service's link to a life event, at one of its journey stages.
#[derive(InputObject, Debug, Clone)]
pub struct LifeEventLinkInput {
    /// The life event's slug, e.g. `job-loss`.
    pub life_event: String,
    /// The slug of the life event's journey stage where the service helps.
    pub stage: String,
    /// How central the service is to the life event.
    pub relevance: crate::graphql::enums::Relevance,
    /// Why the service matters in this life event, in one line for residents.
    pub reason: String,
}

/// A new service, created as a `DRAFT` of its agency, with everything a partner knows of it
/// so that one call (or one `servicesImport` item) registers it whole.
#[derive(InputObject, Debug, Clone)]
pub struct ServiceCreateInput {
    /// Its URL-safe identifier, unique in the catalog.
    pub slug: String,
    /// Its name as residents know it.
    pub name: String,
    /// One or two sentences on what it offers.
    pub summary: String,
    /// A fuller description in plain language.
    pub description: String,
    /// The slug of the agency that owns it (an EDITOR's own agency).
    pub agency: String,
    /// Your own id for the service, unique within the agency: re-sending a create with the
    /// same `externalId` gives `TAKEN` with the existing service's id instead of a copy.
    pub external_id: Option<String>,
    /// Who can get it, in plain language.
    pub eligibility_summary: Option<String>,
    /// What it costs, if anything.
    pub fees: Option<String>,
    /// How long a decision or delivery usually takes.
    pub processing_time: Option<String>,
    /// What the agency checks that a pre-screen cannot know, in a few words each (e.g.
    /// "net income after deductions", "immigration status"; at most 10, each up to 200
    /// characters). A service with any is at best `LIKELY_ELIGIBLE`, never `ELIGIBLE`.
    #[graphql(default)]
    pub agency_checks: Vec<String>,
    /// The program it is a listing of, when other offices deliver the same program: a slug
    /// they all share (e.g. `snap`). Recommendations show a resident one listing per
    /// program, the one serving their jurisdiction most closely.
    pub program: Option<String>,
    /// Codes of the jurisdictions it serves; the agency's when omitted.
    #[graphql(default)]
    pub jurisdictions: Vec<String>,
    /// How to reach it: 1 to 20 channels.
    pub channels: Vec<ChannelInput>,
    /// Codes of the languages it is offered in, e.g. `es` (at most 50).
    #[graphql(default)]
    pub languages: Vec<String>,
    /// The documents residents need to apply (at most 30).
    #[graphql(default)]
    pub required_documents: Vec<DocumentInput>,
    /// The life events it helps with, each once, at one of their journey stages.
    #[graphql(default)]
    pub life_events: Vec<LifeEventLinkInput>,
    /// Its structured eligibility rules, in groups that combine with AND (at most 20).
    #[graphql(default)]
    pub eligibility: Vec<crate::graphql::service::parts::RuleGroupInput>,
    /// Slugs of other agencies that deliver it with its owner (at most 20).
    #[graphql(default)]
    pub partner_agencies: Vec<String>,
    /// Taxonomy terms that classify it: `scheme:code`, or a bare code of the
    /// `civic-catalog` scheme (at most 50).
    #[graphql(default)]
    pub taxonomy_terms: Vec<String>,
}

/// The catalog fields of a channel.
impl From<ChannelInput> for ChannelFields {
    fn from(c: ChannelInput) -> Self {
        Self {
            kind: crate::catalog::types::ChannelKind::from(c.kind)
                .as_str()
                .to_owned(),
            label: c.label,
            url: c.url,
            phone: c.phone,
            email: c.email,
            address: c.address,
            hours: c.hours,
            languages: c.languages,
            accessibility: c.accessibility,
        }
    }
}

/// The catalog fields of a new service.
impl From<ServiceCreateInput> for ServiceFields {
    fn from(input: ServiceCreateInput) -> Self {
        Self {
            slug: input.slug,
            name: input.name,
            summary: input.summary,
            description: input.description,
            agency: input.agency,
            external_id: input.external_id,
            status: None,
            partner_agencies: input.partner_agencies,
            jurisdictions: input.jurisdictions,
            eligibility_summary: input.eligibility_summary,
            fees: input.fees,
            processing_time: input.processing_time,
            agency_checks: input.agency_checks,
            program: input.program,
            languages: input.languages,
            taxonomy_terms: input.taxonomy_terms,
            required_documents: input
                .required_documents
                .into_iter()
                .map(DocumentFields::from)
                .collect(),
            channels: input
                .channels
                .into_iter()
                .map(ChannelFields::from)
                .collect(),
            life_events: input
                .life_events
                .into_iter()
                .map(|l| LinkFields {
                    life_event: l.life_event,
                    stage: l.stage,
                    relevance: crate::catalog::types::Relevance::from(l.relevance)
                        .as_str()
                        .to_owned(),
                    reason: l.reason,
                })
                .collect(),
            eligibility: input
                .eligibility
                .into_iter()
                .map(crate::catalog::service::fields::RuleGroupFields::from)
                .collect(),
        }
    }
}

/// Up to 500 new services, created together as drafts: all or nothing.
#[derive(InputObject, Debug, Clone)]
pub struct ServicesImportInput {
    /// The services, 1 to 500.
    pub services: Vec<ServiceCreateInput>,
}

/// The result of `servicesImport`.
#[derive(SimpleObject, Debug, Clone)]
pub struct ServicesImportPayload {
    /// The new drafts in input order; empty when `userErrors` is not.
    pub services: Vec<Service>,
    /// Every mistake in every item, under `["input", "services", "<index>", ...]`; nothing
    /// was written when this is not empty.
    pub user_errors: Vec<UserError>,
}

/// Services to move one workflow step together.
#[derive(InputObject, Debug, Clone)]
pub struct ServicesStepInput {
    /// The services' global ids, 1 to 500.
    pub ids: Vec<ID>,
}

/// The result of a bulk workflow step.
#[derive(SimpleObject, Debug, Clone)]
pub struct ServicesStepPayload {
    /// The services after the step, in input order; empty when `userErrors` is not.
    pub services: Vec<Service>,
    /// Every service that cannot take the step, under `["input", "ids", "<index>"]`;
    /// nothing was written when this is not empty.
    pub user_errors: Vec<UserError>,
}

/// Moves every service of `input` one step, all or nothing.
async fn steps(
    ctx: &Context<'_>,
    input: ServicesStepInput,
    step: Transition,
) -> Result<ServicesStepPayload> {
    let ids: Vec<_> = input.ids.iter().map(service_row).collect();
    let result = catalog(ctx)?
        .transition_services(principal(ctx), &ids, step)
        .await;
    let (rows, user_errors) = outcome_all(result.unwrap_or_else(|err| Err(vec![err])))?;
    Ok(ServicesStepPayload {
        services: rows.into_iter().flatten().map(Service).collect(),
        user_errors,
    })
}

record_payload!(
    /// The result of `serviceCreate`.
    ServiceCreatePayload { service: Service }
);

/// A document residents need to apply.
#[derive(InputObject, Debug, Clone)]
pub struct DocumentInput {
    /// What the document is, e.g. "Proof of identity".
    pub name: String,
    /// Examples of documents that serve, or other details.
    pub description: Option<String>,
}

impl From<DocumentInput> for DocumentFields {
    fn from(input: DocumentInput) -> Self {
        Self {
            name: input.name,
            description: input.description,
        }
    }
}

/// Changes to a service; omitted fields stay as they are. A draft changes in place; a
/// published service gets a pending revision that residents do not see until a reviewer
/// publishes it.
#[derive(InputObject, Debug, Clone)]
pub struct ServiceUpdateInput {
    /// The service's global id.
    pub id: ID,
    /// The version you last read; a newer one means someone else changed it (`STALE`).
    pub expected_version: i32,
    /// A new name.
    pub name: Option<String>,
    /// A new summary.
    pub summary: Option<String>,
    /// A new description.
    pub description: Option<String>,
    /// A new eligibility summary; an empty string clears it.
    pub eligibility_summary: Option<String>,
    /// New fees; an empty string clears them.
    pub fees: Option<String>,
    /// A new processing time; an empty string clears it.
    pub processing_time: Option<String>,
    /// What the agency checks that a pre-screen cannot know, replacing the current list
    /// (at most 10; empty clears it).
    pub agency_checks: Option<Vec<String>>,
    /// The program it is a listing of; an empty string clears it.
    pub program: Option<String>,
    /// The documents residents need to apply, replacing the current list (at most 30).
    pub required_documents: Option<Vec<DocumentInput>>,
    /// Codes of the jurisdictions it serves, replacing the current list (1 to 50).
    pub jurisdictions: Option<Vec<String>>,
    /// Codes of the languages it is offered in, replacing the current list (at most 50).
    pub languages: Option<Vec<String>>,
    /// Slugs of the partner agencies, replacing the current list (at most 20).
    pub partner_agencies: Option<Vec<String>>,
    /// Taxonomy terms, replacing the current list (at most 50).
    pub taxonomy_terms: Option<Vec<String>>,
}

impl ServiceUpdateInput {
    /// The service, the version read, and the changes.
    fn split(self) -> (ID, i32, ServiceChanges) {
        let changes = ServiceChanges {
            name: self.name,
            summary: self.summary,
            description: self.description,
            eligibility_summary: self.eligibility_summary,
            fees: self.fees,
            processing_time: self.processing_time,
            agency_checks: self.agency_checks,
            program: self.program,
            required_documents: self
                .required_documents
                .map(|docs| docs.into_iter().map(DocumentFields::from).collect()),
            jurisdictions: self.jurisdictions,
            languages: self.languages,
            partner_agencies: self.partner_agencies,
            taxonomy_terms: self.taxonomy_terms,
        };
        (self.id, self.expected_version, changes)
    }
}

record_payload!(
    /// The result of `serviceUpdate`.
    ServiceUpdatePayload { service: Service }
);

/// Declares the input and payload types of a workflow mutation.
macro_rules! workflow_types {
    ($input:ident, $payload:ident, $what:literal) => {
        #[doc = concat!("Which service to ", $what, ".")]
        #[derive(InputObject, Debug, Clone)]
        pub struct $input {
            /// The service's global id.
            pub id: ID,
        }

        #[doc = concat!("The result of the mutation that asks to ", $what, " a service.")]
        #[derive(SimpleObject, Debug, Clone)]
        pub struct $payload {
            /// The service after the step, or `null` when `userErrors` is not empty.
            pub service: Option<Service>,
            /// What is wrong (e.g. `INVALID_TRANSITION`); nothing was written when this is
            /// not empty.
            pub user_errors: Vec<UserError>,
        }

        impl $payload {
            fn from(result: Result<records::Service, CatalogError>) -> Result<Self> {
                let (service, user_errors) = service_outcome(result)?;
                Ok(Self {
                    service,
                    user_errors,
                })
            }
        }
    };
}

workflow_types!(
    ServiceSubmitForReviewInput,
    ServiceSubmitForReviewPayload,
    "submit for review"
);
workflow_types!(ServicePublishInput, ServicePublishPayload, "publish");
workflow_types!(ServiceArchiveInput, ServiceArchivePayload, "archive");
workflow_types!(
    ServiceRestoreInput,
    ServiceRestorePayload,
    "restore to draft"
);

/// Which service to send back to its agency, and what to change.
#[derive(InputObject, Debug, Clone)]
pub struct ServiceRequestChangesInput {
    /// The service's global id.
    pub id: ID,
    /// What the agency should change, shown in the service's history.
    pub comment: String,
}

record_payload!(
    /// The result of `serviceRequestChanges`: the service back in `DRAFT`.
    ServiceRequestChangesPayload { service: Service }
);

async fn step(
    ctx: &Context<'_>,
    id: &ID,
    step: Transition,
) -> Result<Result<records::Service, CatalogError>> {
    on_row(ctx, service_row(id), async |catalog, who, row| {
        catalog.transition_service(who, row, step).await
    })
    .await
}

/// Services and their workflow.
#[derive(Default)]
pub struct ServiceMutation;

/// Services and their workflow.
#[Object]
impl ServiceMutation {
    /// Creates a service as a `DRAFT` of its agency (EDITOR of that agency, or ADMIN).
    async fn service_create(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The new service.")] input: ServiceCreateInput,
    ) -> Result<ServiceCreatePayload> {
        let fields = ServiceFields::from(input);
        let result = catalog(ctx)?.create_service(principal(ctx), fields).await;
        ServiceCreatePayload::from(result, Service)
    }

    /// Creates up to 500 services as drafts in one transaction, all or nothing, with the
    /// mistakes of every item reported together (EDITOR of each service's agency, or ADMIN).
    async fn services_import(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The services.")] input: ServicesImportInput,
    ) -> Result<ServicesImportPayload> {
        let docs = input
            .services
            .into_iter()
            .map(ServiceFields::from)
            .collect();
        let result = catalog(ctx)?.import_services(principal(ctx), docs).await;
        let (rows, user_errors) = outcome_all(result.unwrap_or_else(|err| Err(vec![err])))?;
        Ok(ServicesImportPayload {
            services: rows.into_iter().flatten().map(Service).collect(),
            user_errors,
        })
    }

    /// Edits a service's text and lists (EDITOR of its agency, or ADMIN). A `DRAFT`
    /// changes in place; a `PUBLISHED` service gets a pending revision (see
    /// `Service.pendingRevision`) that residents do not see until it is published. Returns
    /// what was edited, whose `version` is the next `expectedVersion`.
    async fn service_update(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The changes.")] input: ServiceUpdateInput,
    ) -> Result<ServiceUpdatePayload> {
        let (id, version, changes) = input.split();
        let result = on_row(ctx, service_row(&id), async |catalog, who, row| {
            catalog.update_service(who, row, version, changes).await
        })
        .await?;
        ServiceUpdatePayload::from(result, Service)
    }

    /// Submits a `DRAFT` for review (EDITOR of its agency, or ADMIN). For a published
    /// service with a pending revision, submits the revision and answers with it
    /// (`isPendingRevision: true`, `status: IN_REVIEW`); the service stays published.
    async fn service_submit_for_review(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The service.")] input: ServiceSubmitForReviewInput,
    ) -> Result<ServiceSubmitForReviewPayload> {
        ServiceSubmitForReviewPayload::from(step(ctx, &input.id, Transition::Submit).await?)
    }

    /// Submits several services for review at once, all or nothing: each as
    /// `serviceSubmitForReview` would, each with its own audit event (EDITOR of every
    /// service's agency, or ADMIN).
    async fn services_submit_for_review(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The services.")] input: ServicesStepInput,
    ) -> Result<ServicesStepPayload> {
        steps(ctx, input, Transition::Submit).await
    }

    /// Publishes several services `IN_REVIEW` at once, all or nothing: each as
    /// `servicePublish` would, each with its own audit event (REVIEWER or ADMIN).
    async fn services_publish(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The services.")] input: ServicesStepInput,
    ) -> Result<ServicesStepPayload> {
        steps(ctx, input, Transition::Publish).await
    }

    /// Publishes a service `IN_REVIEW` (REVIEWER or ADMIN).
    async fn service_publish(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The service.")] input: ServicePublishInput,
    ) -> Result<ServicePublishPayload> {
        ServicePublishPayload::from(step(ctx, &input.id, Transition::Publish).await?)
    }

    /// Sends a service `IN_REVIEW` back to `DRAFT` with a comment (REVIEWER or ADMIN).
    async fn service_request_changes(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The service and what to change.")] input: ServiceRequestChangesInput,
    ) -> Result<ServiceRequestChangesPayload> {
        let comment = input.comment;
        let result = step(ctx, &input.id, Transition::RequestChanges { comment }).await?;
        ServiceRequestChangesPayload::from(result, Service)
    }

    /// Withdraws a `DRAFT` or `PUBLISHED` service from the catalog (EDITOR of its agency,
    /// or ADMIN).
    async fn service_archive(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The service.")] input: ServiceArchiveInput,
    ) -> Result<ServiceArchivePayload> {
        ServiceArchivePayload::from(step(ctx, &input.id, Transition::Archive).await?)
    }

    /// Brings an `ARCHIVED` service back as a `DRAFT` (EDITOR of its agency, or ADMIN).
    async fn service_restore(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The service.")] input: ServiceRestoreInput,
    ) -> Result<ServiceRestorePayload> {
        ServiceRestorePayload::from(step(ctx, &input.id, Transition::Restore).await?)
    }
}
