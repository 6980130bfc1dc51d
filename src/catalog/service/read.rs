//! Reading services: the filtered, paged list, slug and batch look-ups, and the batch loads
//! of each part (channels, partners, jurisdictions, links, relations, rules, documents,
//! languages, terms) keyed by service id, so a request's statement count depends on its
//! shape only.

use std::collections::HashMap;

use sea_orm::sea_query::Query;
use sea_orm::{ColumnTrait, Condition, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use crate::catalog::Catalog;
use crate::catalog::error::CatalogResult;
use crate::catalog::page::{Cursor, Page, PageRequest, sort_key};
use crate::catalog::principal::Principal;
use crate::catalog::service::write::record_id;
use crate::catalog::service::{
    RelatedService, RuleGroup, ServiceFilter, points_at_published, visible_to,
};
use crate::catalog::store::{by_id, group_by, link, sort_name, text_search};
use crate::catalog::types::{RelationDirection, ServiceStatus, Slug};
use crate::entity::{
    agency, audit_event, channel, eligibility_rule, eligibility_rule_group, language, life_event,
    life_event_service, required_document, service, service_jurisdiction, service_language,
    service_partner, service_relation, service_taxonomy_term, taxonomy_term,
};

pub(crate) fn service_partner_to_service() -> sea_orm::RelationDef {
    link(
        service_partner::Entity,
        service_partner::Column::ServiceId,
        service::Entity,
        service::Column::Id,
    )
}
/// How many of a service's newest audit events its history shows.
pub const HISTORY_LIMIT: u64 = 50;

impl Catalog {
    /// A page of the services `viewer` may read matching `filter`, by name.
    pub async fn services(
        &self,
        filter: &ServiceFilter,
        page: &PageRequest,
        viewer: &Principal,
    ) -> CatalogResult<Page<service::Model>> {
        let mut select = service::Entity::find()
            .filter(visible_to(viewer))
            .filter(service::Column::RevisionOfId.is_null());
        if let Some(slug) = &filter.agency {
            let found = agency::Entity::find()
                .filter(agency::Column::Slug.eq(slug.as_str()))
                .one(&self.db)
                .await?;
            crate::catalog::snapshot::known(found.map(|a| a.id).as_ref(), "agency", slug)?;
            let agency_ids = Query::select()
                .column(agency::Column::Id)
                .from(agency::Entity)
                .and_where(agency::Column::Slug.eq(slug.as_str()))
                .to_owned();
            select = select.filter(
                Condition::any()
                    .add(service::Column::AgencyId.in_subquery(agency_ids.clone()))
                    .add(
                        service::Column::Id.in_subquery(
                            Query::select()
                                .column(service_partner::Column::ServiceId)
                                .from(service_partner::Entity)
                                .and_where(
                                    service_partner::Column::AgencyId.in_subquery(agency_ids),
                                )
                                .to_owned(),
                        ),
                    ),
            );
        }
        if let Some(slug) = &filter.life_event {
            let found = life_event::Entity::find()
                .filter(life_event::Column::Slug.eq(slug.as_str()))
                .one(&self.db)
                .await?;
            crate::catalog::snapshot::known(found.map(|e| e.id).as_ref(), "lifeEvent", slug)?;
            select = select.filter(
                service::Column::Id.in_subquery(
                    Query::select()
                        .column(life_event_service::Column::ServiceId)
                        .from(life_event_service::Entity)
                        .and_where(
                            life_event_service::Column::LifeEventId.in_subquery(
                                Query::select()
                                    .column(life_event::Column::Id)
                                    .from(life_event::Entity)
                                    .and_where(life_event::Column::Slug.eq(slug.as_str()))
                                    .to_owned(),
                            ),
                        )
                        .to_owned(),
                ),
            );
        }
        if let Some(code) = &filter.jurisdiction {
            let chain = self
                .jurisdiction_with_ancestors("filter.jurisdiction", code)
                .await?;
            select = select.filter(
                service::Column::Id.in_subquery(
                    Query::select()
                        .column(service_jurisdiction::Column::ServiceId)
                        .from(service_jurisdiction::Entity)
                        .and_where(service_jurisdiction::Column::JurisdictionId.is_in(chain))
                        .to_owned(),
                ),
            );
        }
        if let Some(kind) = filter.channel_kind {
            select = select.filter(
                service::Column::Id.in_subquery(
                    Query::select()
                        .column(channel::Column::ServiceId)
                        .from(channel::Entity)
                        .and_where(channel::Column::Kind.eq(kind))
                        .to_owned(),
                ),
            );
        }
        if let Some(after) = filter.modified_after {
            select = select.filter(service::Column::UpdatedAt.gt(after));
        }
        if let Some(term) = &filter.search {
            select = select.filter(text_search(
                &[service::Column::Name, service::Column::Summary],
                term,
            ));
        }
        if let Some(status) = filter.status {
            select = select.filter(service::Column::Status.eq(status));
        }
        if let Some(awaiting) = filter.awaiting_review {
            let in_review = ServiceStatus::InReview;
            // Revisions count only where the viewer may read them, so the filter tells
            // nobody about a revision they cannot see.
            let revisions_in_review = Query::select()
                .column(service::Column::RevisionOfId)
                .from(service::Entity)
                .and_where(service::Column::RevisionOfId.is_not_null())
                .and_where(service::Column::Status.eq(in_review))
                .cond_where(visible_to(viewer))
                .to_owned();
            select = select.filter(if awaiting {
                Condition::any()
                    .add(service::Column::Status.eq(in_review))
                    .add(service::Column::Id.in_subquery(revisions_in_review))
            } else {
                Condition::all()
                    .add(service::Column::Status.ne(in_review))
                    .add(service::Column::Id.not_in_subquery(revisions_in_review))
            });
        }
        self.keyset_page(
            select,
            (sort_name("service"), service::Column::Id),
            page,
            |s| Cursor {
                name: sort_key(&s.name),
                id: s.id,
            },
        )
        .await
    }

    /// The service with this slug, if `viewer` may read it.
    pub async fn service_by_slug(
        &self,
        slug: &Slug,
        viewer: &Principal,
    ) -> CatalogResult<Option<service::Model>> {
        Ok(service::Entity::find()
            .filter(visible_to(viewer))
            .filter(service::Column::RevisionOfId.is_null())
            .filter(service::Column::Slug.eq(slug.as_str()))
            .one(&self.db)
            .await?)
    }

    /// Services by id that `viewer` may read; other ids are absent.
    pub async fn services_by_ids(
        &self,
        ids: &[i32],
        viewer: &Principal,
    ) -> CatalogResult<HashMap<i32, service::Model>> {
        let rows = service::Entity::find()
            .filter(visible_to(viewer))
            .filter(service::Column::Id.is_in(ids.to_vec()))
            .all(&self.db)
            .await?;
        Ok(by_id(rows, |s| s.id))
    }

    /// The channels of these services, in display order, by service id.
    pub async fn channels_of_services(
        &self,
        ids: &[i32],
    ) -> CatalogResult<HashMap<i32, Vec<channel::Model>>> {
        let rows = channel::Entity::find()
            .filter(channel::Column::ServiceId.is_in(ids.to_vec()))
            .order_by_asc(channel::Column::Position)
            .order_by_asc(channel::Column::Id)
            .all(&self.db)
            .await?;
        Ok(group_by(rows, |c| c.service_id))
    }

    /// Channels by id, for channels of published services only.
    pub async fn channels_by_ids(
        &self,
        ids: &[i32],
    ) -> CatalogResult<HashMap<i32, channel::Model>> {
        let rows = channel::Entity::find()
            .filter(channel::Column::Id.is_in(ids.to_vec()))
            .filter(points_at_published((
                channel::Entity,
                channel::Column::ServiceId,
            )))
            .all(&self.db)
            .await?;
        Ok(by_id(rows, |c| c.id))
    }

    /// The partner agency ids of these services, by service id.
    pub async fn partners_of_services(&self, ids: &[i32]) -> CatalogResult<HashMap<i32, Vec<i32>>> {
        let rows = service_partner::Entity::find()
            .filter(service_partner::Column::ServiceId.is_in(ids.to_vec()))
            .order_by_asc(service_partner::Column::Id)
            .all(&self.db)
            .await?;
        Ok(group_by(rows, |p| p.service_id)
            .into_iter()
            .map(|(k, v)| (k, v.into_iter().map(|p| p.agency_id).collect()))
            .collect())
    }

    /// The jurisdiction ids these services serve, by service id.
    pub async fn jurisdictions_of_services(
        &self,
        ids: &[i32],
    ) -> CatalogResult<HashMap<i32, Vec<i32>>> {
        let rows = service_jurisdiction::Entity::find()
            .filter(service_jurisdiction::Column::ServiceId.is_in(ids.to_vec()))
            .order_by_asc(service_jurisdiction::Column::Id)
            .all(&self.db)
            .await?;
        Ok(group_by(rows, |j| j.service_id)
            .into_iter()
            .map(|(k, v)| (k, v.into_iter().map(|j| j.jurisdiction_id).collect()))
            .collect())
    }

    /// The life-event links of these services, by service id.
    pub async fn life_event_links_of_services(
        &self,
        ids: &[i32],
    ) -> CatalogResult<HashMap<i32, Vec<life_event_service::Model>>> {
        let rows = life_event_service::Entity::find()
            .filter(life_event_service::Column::ServiceId.is_in(ids.to_vec()))
            .order_by_asc(life_event_service::Column::LifeEventId)
            .order_by_asc(life_event_service::Column::Id)
            .all(&self.db)
            .await?;
        Ok(group_by(rows, |l| l.service_id))
    }

    /// The relations of these services to other published services, both directions,
    /// by service id: outgoing ones first, then incoming, each in creation order.
    pub async fn relations_of_services(
        &self,
        ids: &[i32],
    ) -> CatalogResult<HashMap<i32, Vec<RelatedService>>> {
        let outgoing = service_relation::Entity::find()
            .filter(service_relation::Column::ServiceId.is_in(ids.to_vec()))
            .filter(points_at_published((
                service_relation::Entity,
                service_relation::Column::RelatedServiceId,
            )))
            .order_by_asc(service_relation::Column::Id)
            .all(&self.db)
            .await?;
        let incoming = service_relation::Entity::find()
            .filter(service_relation::Column::RelatedServiceId.is_in(ids.to_vec()))
            .filter(points_at_published((
                service_relation::Entity,
                service_relation::Column::ServiceId,
            )))
            .order_by_asc(service_relation::Column::Id)
            .all(&self.db)
            .await?;
        let mut map: HashMap<i32, Vec<RelatedService>> = HashMap::new();
        for (rows, direction) in [
            (outgoing, RelationDirection::Outgoing),
            (incoming, RelationDirection::Incoming),
        ] {
            for row in rows {
                let (own, other) = match direction {
                    RelationDirection::Outgoing => (row.service_id, row.related_service_id),
                    RelationDirection::Incoming => (row.related_service_id, row.service_id),
                };
                map.entry(own).or_default().push(RelatedService {
                    kind: row.kind,
                    reason: row.reason,
                    direction,
                    service_id: other,
                });
            }
        }
        Ok(map)
    }

    /// The eligibility rule groups of these services, with their rules, by service id.
    pub async fn rules_of_services(
        &self,
        ids: &[i32],
    ) -> CatalogResult<HashMap<i32, Vec<RuleGroup>>> {
        let groups = eligibility_rule_group::Entity::find()
            .filter(eligibility_rule_group::Column::ServiceId.is_in(ids.to_vec()))
            .order_by_asc(eligibility_rule_group::Column::Position)
            .order_by_asc(eligibility_rule_group::Column::Id)
            .all(&self.db)
            .await?;
        let mut rules = group_by(
            eligibility_rule::Entity::find()
                .filter(eligibility_rule::Column::ServiceId.is_in(ids.to_vec()))
                .order_by_asc(eligibility_rule::Column::Position)
                .order_by_asc(eligibility_rule::Column::Id)
                .all(&self.db)
                .await?,
            |r| r.group_id,
        );
        let groups = groups
            .into_iter()
            .map(|group| RuleGroup {
                rules: rules.remove(&group.id).unwrap_or_default(),
                group,
            })
            .collect();
        Ok(group_by(groups, |g| g.group.service_id))
    }

    /// The documents these services ask for, in order, by service id.
    pub async fn documents_of_services(
        &self,
        ids: &[i32],
    ) -> CatalogResult<HashMap<i32, Vec<required_document::Model>>> {
        let rows = required_document::Entity::find()
            .filter(required_document::Column::ServiceId.is_in(ids.to_vec()))
            .order_by_asc(required_document::Column::Position)
            .order_by_asc(required_document::Column::Id)
            .all(&self.db)
            .await?;
        Ok(group_by(rows, |d| d.service_id))
    }

    /// The languages these services are offered in, by service id.
    pub async fn languages_of_services(
        &self,
        ids: &[i32],
    ) -> CatalogResult<HashMap<i32, Vec<language::Model>>> {
        let rows: Vec<(i32, i32, String, String)> = service_language::Entity::find()
            .select_only()
            .column(service_language::Column::ServiceId)
            .column(language::Column::Id)
            .column(language::Column::Code)
            .column(language::Column::Name)
            .join_as(
                sea_orm::JoinType::InnerJoin,
                link(
                    service_language::Entity,
                    service_language::Column::LanguageId,
                    language::Entity,
                    language::Column::Id,
                ),
                language::Entity,
            )
            .filter(service_language::Column::ServiceId.is_in(ids.to_vec()))
            .order_by_asc(service_language::Column::Id)
            .into_tuple()
            .all(&self.db)
            .await?;
        Ok(group_by(rows, |r| r.0)
            .into_iter()
            .map(|(k, v)| {
                let languages = v
                    .into_iter()
                    .map(|(_, id, code, name)| language::Model { id, code, name })
                    .collect();
                (k, languages)
            })
            .collect())
    }

    /// The taxonomy terms of these services, by service id.
    pub async fn terms_of_services(
        &self,
        ids: &[i32],
    ) -> CatalogResult<HashMap<i32, Vec<taxonomy_term::Model>>> {
        let links = service_taxonomy_term::Entity::find()
            .filter(service_taxonomy_term::Column::ServiceId.is_in(ids.to_vec()))
            .order_by_asc(service_taxonomy_term::Column::Id)
            .all(&self.db)
            .await?;
        let term_ids: Vec<i32> = links.iter().map(|l| l.taxonomy_term_id).collect();
        let terms = by_id(
            taxonomy_term::Entity::find()
                .filter(taxonomy_term::Column::Id.is_in(term_ids))
                .all(&self.db)
                .await?,
            |t| t.id,
        );
        let mut map: HashMap<i32, Vec<taxonomy_term::Model>> = HashMap::new();
        for link in links {
            if let Some(term) = terms.get(&link.taxonomy_term_id) {
                map.entry(link.service_id).or_default().push(term.clone());
            }
        }
        Ok(map)
    }

    /// The audit events of one service, newest first: for ADMIN and REVIEWER keys, and for
    /// EDITOR keys of its agency.
    pub async fn service_history(
        &self,
        principal: &Principal,
        service: &service::Model,
    ) -> CatalogResult<Vec<audit_event::Model>> {
        use sea_orm::{QueryOrder, QuerySelect};
        crate::catalog::principal::require_agency_staff(
            principal,
            service.agency_id,
            "a service's history",
        )?;
        Ok(audit_event::Entity::find()
            .filter(audit_event::Column::RecordType.eq("Service"))
            .filter(audit_event::Column::RecordId.eq(record_id(service)))
            .order_by_desc(audit_event::Column::Id)
            .limit(HISTORY_LIMIT)
            .all(&self.db)
            .await?)
    }

    /// The owning agency of a service, for callers that need to authorize reads.
    pub async fn agency_of_service(&self, service_id: i32) -> CatalogResult<Option<agency::Model>> {
        let Some(s) = service::Entity::find_by_id(service_id)
            .one(&self.db)
            .await?
        else {
            return Ok(None);
        };
        Ok(agency::Entity::find_by_id(s.agency_id)
            .one(&self.db)
            .await?)
    }
}
