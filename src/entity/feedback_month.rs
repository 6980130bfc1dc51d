//! Entity for the `feedback_month` table: one service's feedback through one kind of
//! channel in one calendar month, rolled up (counts and sums), kept in step with
//! `feedback`.

use sea_orm::entity::prelude::*;

use super::enums::ChannelKind;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "feedback_month")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub service_id: i32,
    pub channel_kind: ChannelKind,
    /// The month's first day.
    pub month: Date,
    pub responses: i64,
    pub satisfaction_sum: i64,
    /// Responses with satisfaction 4 or 5.
    pub satisfied: i64,
    pub trust_count: i64,
    pub trust_sum: i64,
    /// Synthetic responses among them.
    pub synthetic: i64,
    /// Responses per satisfaction answer, 1 to 5.
    pub s1: i64,
    pub s2: i64,
    pub s3: i64,
    pub s4: i64,
    pub s5: i64,
    /// Responses per trust answer, 1 to 5.
    pub t1: i64,
    pub t2: i64,
    pub t3: i64,
    pub t4: i64,
    pub t5: i64,
    /// Each driver named as having gone well (`p_`) and as not (`n_`).
    pub p_effectiveness: i64,
    pub n_effectiveness: i64,
    pub p_ease: i64,
    pub n_ease: i64,
    pub p_efficiency: i64,
    pub n_efficiency: i64,
    pub p_transparency: i64,
    pub n_transparency: i64,
    pub p_employee: i64,
    pub n_employee: i64,
    pub p_humanity: i64,
    pub n_humanity: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
