//! Read operations over the public catalog: what anonymous callers may see (published
//! services, and the agencies, life events and criteria around them), as pages for lists and
//! as batch loads keyed by parent id for nested fields, so a request's statement count
//! depends on the query's shape, never on how many rows it returns.

use std::collections::HashMap;

use sea_orm::sea_query::{Expr, ExprTrait, Func, LikeExpr, Query, SelectStatement};
use sea_orm::{
    ColumnTrait, Condition, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
    Select,
};

use super::Catalog;
use super::auth::Principal;
use super::error::{CatalogError, CatalogResult};
use super::page::{Cursor, Page, PageRequest};
use super::types::{
    ChannelKind, JurisdictionCode, RelationDirection, RelationKind, Role, ServiceStatus, Slug,
};
use crate::entity::{
    agency, channel, criterion, cssp_designation, eligibility_rule, eligibility_rule_group,
    journey_stage, jurisdiction, language, life_event, life_event_relation, life_event_service,
    required_document, service, service_jurisdiction, service_language, service_partner,
    service_relation, service_taxonomy_term, taxonomy_term,
};

/// Filters on the agency list. Every field narrows the result; `None` does not filter.
#[derive(Debug, Clone, Default)]
pub struct AgencyFilter {
    /// Agencies of exactly this jurisdiction.
    pub jurisdiction: Option<JurisdictionCode>,
    /// `Some(true)`: CSSP-designated agencies only; `Some(false)`: the others.
    pub cssp: Option<bool>,
    /// Case-insensitive text contained in the name or acronym.
    pub search: Option<String>,
}

/// Filters on the service list. Every field narrows the result; `None` does not filter.
#[derive(Debug, Clone, Default)]
pub struct ServiceFilter {
    /// Services owned by, or delivered in partnership with, this agency.
    pub agency: Option<Slug>,
    /// Services linked to this life event.
    pub life_event: Option<Slug>,
    /// Services available to a resident of this jurisdiction: those serving it or any
    /// jurisdiction above it.
    pub jurisdiction: Option<JurisdictionCode>,
    /// Services offering a channel of this kind.
    pub channel_kind: Option<ChannelKind>,
    /// Services changed strictly after this instant.
    pub modified_after: Option<chrono::DateTime<chrono::Utc>>,
    /// Case-insensitive text contained in the name or summary.
    pub search: Option<String>,
    /// Services in this lifecycle status (of those the viewer may read).
    pub status: Option<ServiceStatus>,
    /// `true`: services waiting for a reviewer, in review themselves or through a pending
    /// revision in review (of those the viewer may read); `false`: the others.
    pub awaiting_review: Option<bool>,
}

/// A relation between two services, seen from one of them.
#[derive(Debug, Clone)]
pub struct RelatedService {
    /// The kind of relation, read in `direction`.
    pub kind: RelationKind,
    /// Why the services are related, in words for residents.
    pub reason: String,
    /// Whether the relation points from or to the service being read.
    pub direction: RelationDirection,
    /// The other service's id.
    pub service_id: i32,
}

/// A rule group with its rules, in order.
#[derive(Debug, Clone)]
pub struct RuleGroup {
    /// The group.
    pub group: eligibility_rule_group::Model,
    /// Its rules.
    pub rules: Vec<eligibility_rule::Model>,
}

/// The condition every publicly visible service meets: published and not deleted.
fn published() -> Condition {
    Condition::all()
        .add(service::Column::Status.eq(ServiceStatus::Published.as_str()))
        .add(service::Column::DeletedAt.is_null())
}

/// The services `viewer` may read: the public sees published ones; an EDITOR also sees
/// every service of their agency, a REVIEWER those in review, and an ADMIN all of them.
/// Deleted services are nobody's. Links and relations between services stay public-only.
/// Pending revisions match like drafts; lists and slug look-ups leave them out, as they are
/// read through their service.
pub fn visible_to(viewer: &Principal) -> Condition {
    let not_deleted = Condition::all().add(service::Column::DeletedAt.is_null());
    let is_published = service::Column::Status.eq(ServiceStatus::Published.as_str());
    match viewer {
        Principal::Anonymous => published(),
        Principal::Key(key) => match key.role {
            Role::Admin => not_deleted,
            Role::Reviewer => not_deleted.add(
                Condition::any()
                    .add(is_published)
                    .add(service::Column::Status.eq(ServiceStatus::InReview.as_str())),
            ),
            Role::Editor => not_deleted.add(
                Condition::any()
                    .add(is_published)
                    .add(service::Column::AgencyId.eq(key.agency_id.unwrap_or(0))),
            ),
        },
    }
}

/// `SELECT id FROM service WHERE <published>`, for filtering links to visible services.
fn published_service_ids() -> SelectStatement {
    Query::select()
        .column(service::Column::Id)
        .from(service::Entity)
        .cond_where(published())
        .to_owned()
}

/// Escapes `%`, `_` and `\` so user text matches literally inside a LIKE pattern.
fn like_pattern(term: &str) -> LikeExpr {
    let mut escaped = String::with_capacity(term.len() + 2);
    escaped.push('%');
    for c in term.trim().to_lowercase().chars() {
        if matches!(c, '%' | '_' | '\\') {
            escaped.push('\\');
        }
        escaped.push(c);
    }
    escaped.push('%');
    LikeExpr::new(escaped).escape('\\')
}

/// Case-insensitive "contains" over several columns, the same on SQLite and PostgreSQL.
fn text_search<C: ColumnTrait>(columns: &[C], term: &str) -> Condition {
    columns.iter().fold(Condition::any(), |cond, column| {
        cond.add(
            Expr::expr(Func::lower(Expr::col(column.as_column_ref()))).like(like_pattern(term)),
        )
    })
}

/// Groups rows by a key, keeping their order.
fn group_by<T>(rows: Vec<T>, key: impl Fn(&T) -> i32) -> HashMap<i32, Vec<T>> {
    let mut map: HashMap<i32, Vec<T>> = HashMap::new();
    for row in rows {
        map.entry(key(&row)).or_default().push(row);
    }
    map
}

/// Indexes rows by their id.
fn by_id<T>(rows: Vec<T>, id: impl Fn(&T) -> i32) -> HashMap<i32, T> {
    rows.into_iter().map(|row| (id(&row), row)).collect()
}

impl Catalog {
    /// One page of `select`, ordered by `(name, id)`, with its total count.
    async fn keyset_page<E>(
        &self,
        select: Select<E>,
        (name, id): (E::Column, E::Column),
        request: &PageRequest,
        key: impl Fn(&E::Model) -> Cursor,
    ) -> CatalogResult<Page<E::Model>>
    where
        E: EntityTrait,
        E::Model: Sync,
    {
        let total_count = select.clone().count(&self.db).await?;
        let mut query = select;
        if let Some(after) = &request.after {
            query = query.filter(
                Condition::any().add(name.gt(after.name.as_str())).add(
                    Condition::all()
                        .add(name.eq(after.name.as_str()))
                        .add(id.gt(after.id)),
                ),
            );
        }
        if let Some(before) = &request.before {
            query = query.filter(
                Condition::any().add(name.lt(before.name.as_str())).add(
                    Condition::all()
                        .add(name.eq(before.name.as_str()))
                        .add(id.lt(before.id)),
                ),
            );
        }
        let size = request.len();
        // One row more than asked says whether the list goes on in the paging direction.
        let (rows, has_next_page, has_previous_page) = if request.from_end {
            let mut rows = query
                .order_by_desc(name)
                .order_by_desc(id)
                .limit(size as u64 + 1)
                .all(&self.db)
                .await?;
            let more = rows.len() > size;
            rows.truncate(size);
            rows.reverse();
            (rows, request.before.is_some(), more)
        } else {
            let mut rows = query
                .order_by_asc(name)
                .order_by_asc(id)
                .limit(size as u64 + 1)
                .all(&self.db)
                .await?;
            let more = rows.len() > size;
            rows.truncate(size);
            (rows, more, request.after.is_some())
        };
        Ok(Page {
            items: rows.into_iter().map(|row| (key(&row), row)).collect(),
            has_next_page,
            has_previous_page,
            total_count,
        })
    }

    // ----- jurisdictions -------------------------------------------------------------

    /// Every jurisdiction, broadest first (federal, then states, then local).
    pub async fn jurisdictions(&self) -> CatalogResult<Vec<jurisdiction::Model>> {
        let all = jurisdiction::Entity::find()
            .order_by_asc(jurisdiction::Column::Code)
            .all(&self.db)
            .await?;
        let depth = |j: &jurisdiction::Model| j.code.matches('-').count();
        let mut all = all;
        all.sort_by(|a, b| depth(a).cmp(&depth(b)).then_with(|| a.code.cmp(&b.code)));
        Ok(all)
    }

    /// The jurisdiction with this code, if any.
    pub async fn jurisdiction_by_code(
        &self,
        code: &JurisdictionCode,
    ) -> CatalogResult<Option<jurisdiction::Model>> {
        Ok(jurisdiction::Entity::find()
            .filter(jurisdiction::Column::Code.eq(code.as_str()))
            .one(&self.db)
            .await?)
    }

    /// The ids of a jurisdiction and of every jurisdiction above it, nearest first.
    /// An unknown code is a `BadInput` on `field`.
    pub async fn jurisdiction_with_ancestors(
        &self,
        field: &str,
        code: &JurisdictionCode,
    ) -> CatalogResult<Vec<i32>> {
        let all = by_id(jurisdiction::Entity::find().all(&self.db).await?, |j| j.id);
        let start = all
            .values()
            .find(|j| j.code == code.as_str())
            .ok_or_else(|| {
                CatalogError::bad_input(field, format!("unknown jurisdiction `{}`", code.as_str()))
            })?;
        let mut chain = vec![start.id];
        let mut parent = start.parent_id;
        while let Some(id) = parent {
            if chain.contains(&id) {
                break; // a cycle in the data must not hang a request
            }
            chain.push(id);
            parent = all.get(&id).and_then(|j| j.parent_id);
        }
        Ok(chain)
    }

    /// Jurisdictions by id.
    pub async fn jurisdictions_by_ids(
        &self,
        ids: &[i32],
    ) -> CatalogResult<HashMap<i32, jurisdiction::Model>> {
        let rows = jurisdiction::Entity::find()
            .filter(jurisdiction::Column::Id.is_in(ids.to_vec()))
            .all(&self.db)
            .await?;
        Ok(by_id(rows, |j| j.id))
    }

    // ----- agencies ------------------------------------------------------------------

    /// A page of agencies matching `filter`, by name.
    pub async fn agencies(
        &self,
        filter: &AgencyFilter,
        page: &PageRequest,
    ) -> CatalogResult<Page<agency::Model>> {
        let mut select = agency::Entity::find();
        if let Some(code) = &filter.jurisdiction {
            select = select.filter(
                agency::Column::JurisdictionId.in_subquery(
                    Query::select()
                        .column(jurisdiction::Column::Id)
                        .from(jurisdiction::Entity)
                        .and_where(jurisdiction::Column::Code.eq(code.as_str()))
                        .to_owned(),
                ),
            );
        }
        if let Some(cssp) = filter.cssp {
            let designated = Query::select()
                .column(cssp_designation::Column::AgencyId)
                .from(cssp_designation::Entity)
                .to_owned();
            select = select.filter(if cssp {
                agency::Column::Id.in_subquery(designated)
            } else {
                agency::Column::Id.not_in_subquery(designated)
            });
        }
        if let Some(term) = &filter.search {
            select = select.filter(text_search(
                &[agency::Column::Name, agency::Column::Acronym],
                term,
            ));
        }
        self.keyset_page(
            select,
            (agency::Column::Name, agency::Column::Id),
            page,
            |a| Cursor {
                name: a.name.clone(),
                id: a.id,
            },
        )
        .await
    }

    /// The agency with this slug, if any.
    pub async fn agency_by_slug(&self, slug: &Slug) -> CatalogResult<Option<agency::Model>> {
        Ok(agency::Entity::find()
            .filter(agency::Column::Slug.eq(slug.as_str()))
            .one(&self.db)
            .await?)
    }

    /// Agencies by id.
    pub async fn agencies_by_ids(&self, ids: &[i32]) -> CatalogResult<HashMap<i32, agency::Model>> {
        let rows = agency::Entity::find()
            .filter(agency::Column::Id.is_in(ids.to_vec()))
            .all(&self.db)
            .await?;
        Ok(by_id(rows, |a| a.id))
    }

    /// The CSSP designations of these agencies, by agency id.
    pub async fn cssp_of_agencies(
        &self,
        ids: &[i32],
    ) -> CatalogResult<HashMap<i32, cssp_designation::Model>> {
        let rows = cssp_designation::Entity::find()
            .filter(cssp_designation::Column::AgencyId.is_in(ids.to_vec()))
            .all(&self.db)
            .await?;
        Ok(by_id(rows, |c| c.agency_id))
    }

    /// The child agencies of these agencies, by parent id, by name.
    pub async fn children_of_agencies(
        &self,
        ids: &[i32],
    ) -> CatalogResult<HashMap<i32, Vec<agency::Model>>> {
        let rows = agency::Entity::find()
            .filter(agency::Column::ParentId.is_in(ids.to_vec()))
            .order_by_asc(agency::Column::Name)
            .order_by_asc(agency::Column::Id)
            .all(&self.db)
            .await?;
        Ok(group_by(rows, |a| a.parent_id.unwrap_or_default()))
    }

    /// The published services of these agencies (owned or in partnership), as
    /// `(name, id)` keys in list order, by agency id.
    pub async fn service_keys_of_agencies(
        &self,
        ids: &[i32],
    ) -> CatalogResult<HashMap<i32, Vec<Cursor>>> {
        let owned: Vec<(i32, i32, String)> = service::Entity::find()
            .select_only()
            .column(service::Column::AgencyId)
            .column(service::Column::Id)
            .column(service::Column::Name)
            .filter(published())
            .filter(service::Column::AgencyId.is_in(ids.to_vec()))
            .into_tuple()
            .all(&self.db)
            .await?;
        let partnered: Vec<(i32, i32, String)> = service_partner::Entity::find()
            .select_only()
            .column(service_partner::Column::AgencyId)
            .column(service::Column::Id)
            .column(service::Column::Name)
            .join_as(
                sea_orm::JoinType::InnerJoin,
                service_partner_to_service(),
                service::Entity,
            )
            .filter(published())
            .filter(service_partner::Column::AgencyId.is_in(ids.to_vec()))
            .into_tuple()
            .all(&self.db)
            .await?;
        Ok(sorted_keys(owned.into_iter().chain(partnered)))
    }

    // ----- services ------------------------------------------------------------------

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
                        .and_where(channel::Column::Kind.eq(kind.as_str()))
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
            select = select.filter(service::Column::Status.eq(status.as_str()));
        }
        if let Some(awaiting) = filter.awaiting_review {
            let in_review = ServiceStatus::InReview.as_str();
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
            (service::Column::Name, service::Column::Id),
            page,
            |s| Cursor {
                name: s.name.clone(),
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
            .filter(channel::Column::ServiceId.in_subquery(published_service_ids()))
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
            .filter(service_relation::Column::RelatedServiceId.in_subquery(published_service_ids()))
            .order_by_asc(service_relation::Column::Id)
            .all(&self.db)
            .await?;
        let incoming = service_relation::Entity::find()
            .filter(service_relation::Column::RelatedServiceId.is_in(ids.to_vec()))
            .filter(service_relation::Column::ServiceId.in_subquery(published_service_ids()))
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
                    kind: row.kind.parse()?,
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

    // ----- life events ---------------------------------------------------------------

    /// A page of life events, by name.
    pub async fn life_events(&self, page: &PageRequest) -> CatalogResult<Page<life_event::Model>> {
        self.keyset_page(
            life_event::Entity::find(),
            (life_event::Column::Name, life_event::Column::Id),
            page,
            |e| Cursor {
                name: e.name.clone(),
                id: e.id,
            },
        )
        .await
    }

    /// The life event with this slug, if any.
    pub async fn life_event_by_slug(
        &self,
        slug: &Slug,
    ) -> CatalogResult<Option<life_event::Model>> {
        Ok(life_event::Entity::find()
            .filter(life_event::Column::Slug.eq(slug.as_str()))
            .one(&self.db)
            .await?)
    }

    /// Life events by id.
    pub async fn life_events_by_ids(
        &self,
        ids: &[i32],
    ) -> CatalogResult<HashMap<i32, life_event::Model>> {
        let rows = life_event::Entity::find()
            .filter(life_event::Column::Id.is_in(ids.to_vec()))
            .all(&self.db)
            .await?;
        Ok(by_id(rows, |e| e.id))
    }

    /// The journey stages of these life events, in journey order, by life event id.
    pub async fn stages_of_life_events(
        &self,
        ids: &[i32],
    ) -> CatalogResult<HashMap<i32, Vec<journey_stage::Model>>> {
        let rows = journey_stage::Entity::find()
            .filter(journey_stage::Column::LifeEventId.is_in(ids.to_vec()))
            .order_by_asc(journey_stage::Column::Position)
            .order_by_asc(journey_stage::Column::Id)
            .all(&self.db)
            .await?;
        Ok(group_by(rows, |s| s.life_event_id))
    }

    /// Journey stages by id.
    pub async fn stages_by_ids(
        &self,
        ids: &[i32],
    ) -> CatalogResult<HashMap<i32, journey_stage::Model>> {
        let rows = journey_stage::Entity::find()
            .filter(journey_stage::Column::Id.is_in(ids.to_vec()))
            .all(&self.db)
            .await?;
        Ok(by_id(rows, |s| s.id))
    }

    /// The links from these journey stages to published services, core ones first,
    /// by stage id.
    pub async fn service_links_of_stages(
        &self,
        ids: &[i32],
    ) -> CatalogResult<HashMap<i32, Vec<life_event_service::Model>>> {
        let rows = life_event_service::Entity::find()
            .filter(life_event_service::Column::JourneyStageId.is_in(ids.to_vec()))
            .filter(life_event_service::Column::ServiceId.in_subquery(published_service_ids()))
            .order_by_asc(life_event_service::Column::Relevance)
            .order_by_asc(life_event_service::Column::Position)
            .order_by_asc(life_event_service::Column::Id)
            .all(&self.db)
            .await?;
        Ok(group_by(rows, |l| l.journey_stage_id))
    }

    /// The published services linked to these life events, as `(name, id)` keys in list
    /// order, by life event id.
    pub async fn service_keys_of_life_events(
        &self,
        ids: &[i32],
    ) -> CatalogResult<HashMap<i32, Vec<Cursor>>> {
        let rows: Vec<(i32, i32, String)> = life_event_service::Entity::find()
            .select_only()
            .column(life_event_service::Column::LifeEventId)
            .column(service::Column::Id)
            .column(service::Column::Name)
            .join_as(
                sea_orm::JoinType::InnerJoin,
                link(
                    life_event_service::Entity,
                    life_event_service::Column::ServiceId,
                    service::Entity,
                    service::Column::Id,
                ),
                service::Entity,
            )
            .filter(published())
            .filter(life_event_service::Column::LifeEventId.is_in(ids.to_vec()))
            .into_tuple()
            .all(&self.db)
            .await?;
        Ok(sorted_keys(rows.into_iter()))
    }

    /// The life events related to these ones, with the reason, by life event id.
    pub async fn related_life_events(
        &self,
        ids: &[i32],
    ) -> CatalogResult<HashMap<i32, Vec<life_event_relation::Model>>> {
        let rows = life_event_relation::Entity::find()
            .filter(life_event_relation::Column::LifeEventId.is_in(ids.to_vec()))
            .order_by_asc(life_event_relation::Column::Id)
            .all(&self.db)
            .await?;
        Ok(group_by(rows, |r| r.life_event_id))
    }

    // ----- criteria ------------------------------------------------------------------

    /// A page of eligibility criteria, by label.
    pub async fn criteria(&self, page: &PageRequest) -> CatalogResult<Page<criterion::Model>> {
        self.keyset_page(
            criterion::Entity::find(),
            (criterion::Column::Label, criterion::Column::Id),
            page,
            |c| Cursor {
                name: c.label.clone(),
                id: c.id,
            },
        )
        .await
    }

    /// Criteria by id.
    pub async fn criteria_by_ids(
        &self,
        ids: &[i32],
    ) -> CatalogResult<HashMap<i32, criterion::Model>> {
        let rows = criterion::Entity::find()
            .filter(criterion::Column::Id.is_in(ids.to_vec()))
            .all(&self.db)
            .await?;
        Ok(by_id(rows, |c| c.id))
    }

    /// The criterion with this key, if any.
    pub async fn criterion_by_key(&self, key: &str) -> CatalogResult<Option<criterion::Model>> {
        Ok(criterion::Entity::find()
            .filter(criterion::Column::Key.eq(key))
            .one(&self.db)
            .await?)
    }
}

/// `(parent, id, name)` rows as per-parent key lists in `(name, id)` order, without repeats.
fn sorted_keys(rows: impl Iterator<Item = (i32, i32, String)>) -> HashMap<i32, Vec<Cursor>> {
    let mut map: HashMap<i32, Vec<Cursor>> = HashMap::new();
    for (parent, id, name) in rows {
        map.entry(parent).or_default().push(Cursor { name, id });
    }
    for keys in map.values_mut() {
        keys.sort_by(|a, b| (a.name.as_str(), a.id).cmp(&(b.name.as_str(), b.id)));
        keys.dedup_by_key(|k| k.id);
    }
    map
}

/// A join relation `from.from_col = to.to_col` for ad-hoc joins: entities carry columns
/// only, so joins are spelled out where they are used.
fn link<F, T>(_from: F, from_col: F::Column, _to: T, to_col: T::Column) -> sea_orm::RelationDef
where
    F: EntityTrait,
    T: EntityTrait,
{
    F::belongs_to(T::default()).from(from_col).to(to_col).into()
}

fn service_partner_to_service() -> sea_orm::RelationDef {
    link(
        service_partner::Entity,
        service_partner::Column::ServiceId,
        service::Entity,
        service::Column::Id,
    )
}
