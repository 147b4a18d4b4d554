//! One line of a posting: an amount on an account (debit > 0, credit < 0).

use sea_orm::entity::prelude::*;
use serde::Serialize;

/// A ledger entry (append-only).
#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "ledger_entries")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub platform_id: i64,
    pub posting_id: i64,
    pub account_id: i64,
    /// Debit positive, credit negative; a posting's entries sum to zero.
    pub amount_fen: i64,
    pub created_at: chrono::DateTime<chrono::Utc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
