//! A posting: one business event booked as balanced entries.

use sea_orm::entity::prelude::*;
use serde::Serialize;

/// A posting (append-only).
#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "ledger_postings")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub platform_id: i64,
    /// `payment`, `order`, `refund`, … — with `source_id` and `kind`, unique.
    pub source_type: String,
    pub source_id: i64,
    pub kind: String,
    /// The commission rule that priced it, if any.
    pub commission_rule_id: Option<i64>,
    pub memo: String,
    pub created_at: chrono::DateTime<chrono::Utc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
