//! Relay connections: one page of a list, with cursors, `pageInfo` and `totalCount`.

use async_graphql::SimpleObject;

use super::agency::Agency;
use super::audit::AuditEvent;
use super::criterion::Criterion;
use super::life_event::LifeEvent;
use super::scorecard::ServiceScorecard;
use super::service::Service;
use crate::catalog::Page;

/// Where this page sits in the whole list.
#[derive(SimpleObject, Debug, Clone)]
pub struct PageInfo {
    /// Whether more items follow this page; fetch them with `after: endCursor`.
    pub has_next_page: bool,
    /// Whether items precede this page; fetch them with `last` and `before: startCursor`.
    pub has_previous_page: bool,
    /// The cursor of the first item of this page, or `null` when the page is empty.
    pub start_cursor: Option<String>,
    /// The cursor of the last item of this page, or `null` when the page is empty.
    pub end_cursor: Option<String>,
}

impl PageInfo {
    /// The page info of a page whose first and last edges carry these cursors.
    pub fn new(
        has_next_page: bool,
        has_previous_page: bool,
        start: Option<&String>,
        end: Option<&String>,
    ) -> Self {
        Self {
            has_next_page,
            has_previous_page,
            start_cursor: start.cloned(),
            end_cursor: end.cloned(),
        }
    }
}

/// A page's edges as (cursor, node), with its page info and total count: the parts of every
/// connection type.
pub fn edges<M, N>(page: Page<M>, wrap: impl Fn(M) -> N) -> (Vec<(String, N)>, PageInfo, i32) {
    let edges: Vec<(String, N)> = page
        .items
        .into_iter()
        .map(|(cursor, item)| (cursor.encode(), wrap(item)))
        .collect();
    let page_info = PageInfo::new(
        page.has_next_page,
        page.has_previous_page,
        edges.first().map(|e| &e.0),
        edges.last().map(|e| &e.0),
    );
    (
        edges,
        page_info,
        i32::try_from(page.total_count).unwrap_or(i32::MAX),
    )
}

/// Declares a connection type and its edge type for one node type.
macro_rules! connection {
    ($connection:ident, $edge:ident, $node:ty, $plural:literal) => {
        #[doc = concat!("One ", $plural, " item with the cursor that marks its position.")]
        #[derive(SimpleObject, Debug, Clone)]
        pub struct $edge {
            /// Pass this as `after` to fetch the items that follow this one, or as `before`
            /// for those that precede it.
            pub cursor: String,
            /// The item.
            pub node: $node,
        }

        #[doc = concat!("One page of ", $plural, ". Pass `pageInfo.endCursor` as `after` to fetch the next page, or `pageInfo.startCursor` as `before` with `last` to fetch the previous one; `first` or `last` takes 0 to 100 items (`first: 20` when both are omitted).")]
        #[derive(SimpleObject, Debug, Clone)]
        pub struct $connection {
            /// The items of this page, each with its cursor.
            pub edges: Vec<$edge>,
            /// The items of this page, without cursors.
            pub nodes: Vec<$node>,
            /// Where this page sits in the whole list.
            pub page_info: PageInfo,
            /// How many items the whole list holds, across all pages.
            pub total_count: i32,
        }

        impl $connection {
            /// Wraps a catalog page, turning each item into its GraphQL type.
            pub fn from_page<M>(page: Page<M>, wrap: impl Fn(M) -> $node) -> Self {
                let (edges, page_info, total_count) = edges(page, wrap);
                Self {
                    nodes: edges.iter().map(|e| e.1.clone()).collect(),
                    edges: edges
                        .into_iter()
                        .map(|(cursor, node)| $edge { cursor, node })
                        .collect(),
                    page_info,
                    total_count,
                }
            }
        }
    };
}

connection!(AgencyConnection, AgencyEdge, Agency, "agency list");
connection!(ServiceConnection, ServiceEdge, Service, "service list");
connection!(
    TaxonomyTermConnection,
    TaxonomyTermEdge,
    crate::graphql::service::TaxonomyTerm,
    "taxonomy term list"
);
connection!(
    LifeEventServiceConnection,
    LifeEventServiceEdge,
    crate::graphql::life_event::StageService,
    "life event service list"
);
connection!(
    LifeEventConnection,
    LifeEventEdge,
    LifeEvent,
    "life event list"
);
connection!(
    CriterionConnection,
    CriterionEdge,
    Criterion,
    "criterion list"
);
connection!(
    AuditEventConnection,
    AuditEventEdge,
    AuditEvent,
    "the audit trail (newest first)"
);
connection!(
    ServiceScorecardConnection,
    ServiceScorecardEdge,
    ServiceScorecard,
    "an agency's services with how each fared (by name)"
);
