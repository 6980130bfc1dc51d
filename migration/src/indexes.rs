//! One way to create the indexes a table needs, named `ux_<table>_<columns>` (unique) or
//! `ix_<table>_<columns>`, so constraint names are predictable.

use sea_orm_migration::prelude::*;

/// Creates each `(unique, columns)` index on `table`.
pub async fn create_indexes(
    manager: &SchemaManager<'_>,
    table: &'static str,
    indexes: &[(bool, &[&'static str])],
) -> Result<(), DbErr> {
    for (unique, columns) in indexes {
        let name = format!(
            "{}_{table}_{}",
            if *unique { "ux" } else { "ix" },
            columns.join("_")
        );
        let mut index = Index::create();
        index.name(name).table(table);
        for column in *columns {
            index.col(*column);
        }
        if *unique {
            index.unique();
        }
        manager.create_index(index.to_owned()).await?;
    }
    Ok(())
}
