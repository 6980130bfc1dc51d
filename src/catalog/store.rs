//! Storage helpers every resource module writes and pages through: the write transaction
//! (which moves the catalog revision), bulk inserts, upserts by natural key, keyset pages and
//! case-insensitive search. Depends on nothing above it in the catalog.

use std::collections::HashMap;

use sea_orm::sea_query::{Alias, Expr, ExprTrait, Func, LikeExpr, Order, SimpleExpr};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait,
    DatabaseTransaction, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Select,
    TransactionTrait,
};

use crate::catalog::Catalog;
use crate::catalog::error::{CatalogError, CatalogResult};
use crate::catalog::page::{Cursor, Page, PageRequest, sort_key};
use crate::entity::{catalog_revision, public_change};

/// How many public revisions back the public changes log reaches (at least; pruned when
/// the revision is a multiple of it).
pub(crate) const PUBLIC_CHANGES_KEPT: i64 = 1_000;

/// Escapes `%`, `_` and `\` so user text matches literally inside a LIKE pattern.
pub(crate) fn like_pattern(term: &str) -> LikeExpr {
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
pub(crate) fn text_search<C: ColumnTrait>(columns: &[C], term: &str) -> Condition {
    columns.iter().fold(Condition::any(), |cond, column| {
        cond.add(
            Expr::expr(Func::lower(Expr::col(column.as_column_ref()))).like(like_pattern(term)),
        )
    })
}

/// Groups rows by a key, keeping their order.
pub(crate) fn group_by<T>(rows: Vec<T>, key: impl Fn(&T) -> i32) -> HashMap<i32, Vec<T>> {
    let mut map: HashMap<i32, Vec<T>> = HashMap::new();
    for row in rows {
        map.entry(key(&row)).or_default().push(row);
    }
    map
}

/// Indexes rows by their id.
pub(crate) fn by_id<T>(rows: Vec<T>, id: impl Fn(&T) -> i32) -> HashMap<i32, T> {
    rows.into_iter().map(|row| (id(&row), row)).collect()
}

/// `(parent, id, name)` rows as per-parent key lists in `(sort_key(name), id)` order,
/// without repeats.
pub(crate) fn sorted_keys(
    rows: impl Iterator<Item = (i32, i32, String)>,
) -> HashMap<i32, Vec<Cursor>> {
    let mut map: HashMap<i32, Vec<Cursor>> = HashMap::new();
    for (parent, id, name) in rows {
        map.entry(parent).or_default().push(Cursor {
            name: sort_key(&name),
            id,
        });
    }
    for keys in map.values_mut() {
        keys.sort_by(|a, b| (a.name.as_str(), a.id).cmp(&(b.name.as_str(), b.id)));
        keys.dedup_by_key(|k| k.id);
    }
    map
}

/// A join relation `from.from_col = to.to_col` for ad-hoc joins: entities carry columns
/// only, so joins are spelled out where they are used.
pub(crate) fn link<F, T>(
    _from: F,
    from_col: F::Column,
    _to: T,
    to_col: T::Column,
) -> sea_orm::RelationDef
where
    F: EntityTrait,
    T: EntityTrait,
{
    F::belongs_to(T::default()).from(from_col).to(to_col).into()
}

pub(crate) fn bump_if_changed<M: PartialEq>(
    existing: Option<&M>,
    mut desired: M,
    version: impl Fn(&mut M) -> &mut i32,
) -> M {
    if existing.is_some_and(|e| *e != desired) {
        *version(&mut desired) += 1;
    }
    desired
}

pub(crate) fn position(index: usize) -> i32 {
    i32::try_from(index + 1).unwrap_or(i32::MAX)
}

/// Inserts `desired` when there is no `existing` row, updates the row when they differ,
/// and leaves it alone otherwise. Returns the row id.
pub(crate) async fn upsert<A>(
    db: &impl ConnectionTrait,
    existing: Option<<A::Entity as EntityTrait>::Model>,
    desired: <A::Entity as EntityTrait>::Model,
    id: impl Fn(&<A::Entity as EntityTrait>::Model) -> i32,
) -> CatalogResult<i32>
where
    A: ActiveModelTrait
        + sea_orm::ActiveModelBehavior
        + Send
        + From<<A::Entity as EntityTrait>::Model>,
    <A::Entity as EntityTrait>::Model: sea_orm::IntoActiveModel<A> + PartialEq,
{
    match existing {
        Some(old) if old == desired => Ok(id(&old)),
        Some(_) => {
            let mut active: A = desired.into();
            // Every column but the key is rewritten; the key stays as it was.
            for column in <<A::Entity as EntityTrait>::Column as sea_orm::Iterable>::iter() {
                if let Some(value) = active.get(column).into_value() {
                    active.set(column, value);
                }
            }
            let model = active.update(db).await?;
            Ok(id(&model))
        }
        None => {
            let mut active: A = desired.into();
            for key in <<A::Entity as EntityTrait>::PrimaryKey as sea_orm::Iterable>::iter() {
                active.not_set(sea_orm::PrimaryKeyToColumn::into_column(key));
            }
            let model = active.insert(db).await?;
            Ok(id(&model))
        }
    }
}

/// How many rows one insert statement carries at most, so that a statement's bound
/// parameters stay under SQLite's and PostgreSQL's limits for any table here.
pub(crate) const INSERT_CHUNK: usize = 1_000;

/// Inserts `rows`, [`INSERT_CHUNK`] to a statement.
pub(crate) async fn insert_all<A>(
    db: &impl ConnectionTrait,
    rows: impl Iterator<Item = A>,
) -> CatalogResult<()>
where
    A: ActiveModelTrait + Send,
{
    // Collected first: the iterator (and what its closures borrow) is not held across an
    // await.
    let mut rows: Vec<A> = rows.collect();
    while !rows.is_empty() {
        let rest = rows.split_off(rows.len().min(INSERT_CHUNK));
        A::Entity::insert_many(rows).exec(db).await?;
        rows = rest;
    }
    Ok(())
}
/// `new` when given, else `old`; each given value through `check`.
pub(crate) fn changed<T: Clone>(
    new: Option<&str>,
    old: &T,
    check: impl FnOnce(&str) -> CatalogResult<T>,
) -> CatalogResult<T> {
    new.map_or_else(|| Ok(old.clone()), check)
}

impl Catalog {
    /// Begins a write transaction that may change what residents see. Its first statement
    /// moves the catalog revision (and the public revision), which locks that one row until
    /// commit: writers queue there, so audit events (and the change feed read from them)
    /// are numbered in commit order, and no two writers can take row locks in opposite
    /// orders.
    pub(crate) async fn begin_write(&self) -> CatalogResult<DatabaseTransaction> {
        let txn = self.db.begin().await?;
        Catalog::bump_revision(&txn, true).await?;
        Ok(txn)
    }

    /// Begins a write transaction that changes nothing residents see (a draft, a pending
    /// revision, a review step, a key): like [`Catalog::begin_write`], but the public
    /// revision stays, so read models of the published catalog are kept. A command that
    /// turns out to change public data after all calls [`Catalog::touch_public_service`].
    pub(crate) async fn begin_private_write(&self) -> CatalogResult<DatabaseTransaction> {
        let txn = self.db.begin().await?;
        Catalog::bump_revision(&txn, false).await?;
        Ok(txn)
    }

    /// Records, inside `txn`, that it changes what residents see of the service `id` and
    /// of nothing else: the public revision moves, and the public changes log names the
    /// service under the new revision, so a snapshot of the previous one can be patched
    /// rather than rebuilt (see `Catalog::published`).
    pub(crate) async fn touch_public_service(
        txn: &DatabaseTransaction,
        id: i32,
    ) -> CatalogResult<()> {
        let revision = catalog_revision::Entity::update_many()
            .col_expr(
                catalog_revision::Column::PublicRevision,
                Expr::col(catalog_revision::Column::PublicRevision).add(1),
            )
            .filter(catalog_revision::Column::Id.eq(1))
            .exec_with_returning(txn)
            .await?
            .first()
            .map(|row| row.public_revision)
            .ok_or_else(|| CatalogError::internal("the catalog revision row is missing"))?;
        public_change::Entity::insert(public_change::ActiveModel {
            revision: Set(revision),
            service_id: Set(id),
            ..Default::default()
        })
        .exec_without_returning(txn)
        .await?;
        // The log only serves snapshots a little behind; older entries go now and then.
        if revision % PUBLIC_CHANGES_KEPT == 0 {
            public_change::Entity::delete_many()
                .filter(public_change::Column::Revision.lte(revision - PUBLIC_CHANGES_KEPT))
                .exec(txn)
                .await?;
        }
        Ok(())
    }

    /// Records a change, inside the transaction that makes it; `public` when residents
    /// can see it.
    pub async fn bump_revision(db: &impl ConnectionTrait, public: bool) -> CatalogResult<()> {
        let mut update = catalog_revision::Entity::update_many().col_expr(
            catalog_revision::Column::Revision,
            Expr::col(catalog_revision::Column::Revision).add(1),
        );
        if public {
            update = update.col_expr(
                catalog_revision::Column::PublicRevision,
                Expr::col(catalog_revision::Column::PublicRevision).add(1),
            );
        }
        update
            .filter(catalog_revision::Column::Id.eq(1))
            .exec(db)
            .await?;
        Ok(())
    }

    /// One page of `select`, ordered by `(sort, id)` (`sort` is what `key` gives as the
    /// cursor's name: a table's [`sort_name`] or a label), with its total count.
    pub(crate) async fn keyset_page<E>(
        &self,
        select: Select<E>,
        (sort, id): (SimpleExpr, E::Column),
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
                Condition::any()
                    .add(sort.clone().gt(after.name.as_str()))
                    .add(
                        Condition::all()
                            .add(sort.clone().eq(after.name.as_str()))
                            .add(id.gt(after.id)),
                    ),
            );
        }
        if let Some(before) = &request.before {
            query = query.filter(
                Condition::any()
                    .add(sort.clone().lt(before.name.as_str()))
                    .add(
                        Condition::all()
                            .add(sort.clone().eq(before.name.as_str()))
                            .add(id.lt(before.id)),
                    ),
            );
        }
        let size = request.len();
        // One row more than asked says whether the list goes on in the paging direction.
        let (rows, has_next_page, has_previous_page) = if request.from_end {
            let mut rows = query
                .order_by(sort, Order::Desc)
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
                .order_by(sort, Order::Asc)
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
}

/// The generated `sort_name` column of `table` ([`sort_key`] of its name, kept by the
/// database on every write), which name-ordered lists are paged by.
pub(crate) fn sort_name(table: &str) -> SimpleExpr {
    Expr::col((Alias::new(table), Alias::new("sort_name")))
}

/// Runs `write` in a savepoint of `txn`. When the database refuses it for a unique index
/// among `indexes`, the savepoint is rolled back (`txn` stays usable) and the error is what
/// `taken` makes of the index's name: whether a value is taken is decided by the unique
/// index itself, so it stays right for writers that do not queue on the catalog revision.
pub(crate) async fn unless_taken<T>(
    txn: &DatabaseTransaction,
    indexes: &[&str],
    write: impl AsyncFnOnce(&DatabaseTransaction) -> CatalogResult<T>,
    taken: impl AsyncFnOnce(&DatabaseTransaction, &str) -> CatalogResult<CatalogError>,
) -> CatalogResult<T> {
    let savepoint = txn.begin().await?;
    match write(&savepoint).await {
        Ok(value) => {
            savepoint.commit().await?;
            Ok(value)
        }
        Err(err) => {
            savepoint.rollback().await?;
            match err {
                CatalogError::Unique { index, .. } if indexes.contains(&index.as_str()) => {
                    Err(taken(txn, &index).await?)
                }
                other => Err(other),
            }
        }
    }
}

/// Where a unique value sits, for [`insert_unique`]: the index that guards it, the column
/// and value to find its holder by, and the `TAKEN` error's field, message and record type.
pub(crate) struct UniqueKey<'a, C> {
    pub(crate) index: &'a str,
    pub(crate) column: C,
    pub(crate) value: &'a str,
    pub(crate) field: &'a str,
    pub(crate) message: String,
    pub(crate) record: &'static str,
}

/// Inserts `row`; when the unique index of `key` refuses it, the error is `TAKEN` at the
/// key's field with the id (`id`) of the row that holds the value.
pub(crate) async fn insert_unique<A>(
    txn: &DatabaseTransaction,
    row: A,
    key: UniqueKey<'_, <A::Entity as EntityTrait>::Column>,
    id: impl Fn(&<A::Entity as EntityTrait>::Model) -> i32,
) -> CatalogResult<<A::Entity as EntityTrait>::Model>
where
    A: ActiveModelTrait + sea_orm::ActiveModelBehavior + Send,
    <A::Entity as EntityTrait>::Model: sea_orm::IntoActiveModel<A>,
{
    let UniqueKey {
        index,
        column,
        value,
        field,
        message,
        record,
    } = key;
    unless_taken(
        txn,
        &[index],
        async |txn| Ok(row.insert(txn).await?),
        async |txn, _| {
            let holder = A::Entity::find().filter(column.eq(value)).one(txn).await?;
            Ok(CatalogError::taken(
                field,
                message,
                record,
                holder.map(|h| id(&h)),
            ))
        },
    )
    .await
}
