//! A payee's statement of one business day.

use sea_orm::entity::prelude::*;
use serde::Serialize;

/// A payee's daily statement (amounts in the account's natural sign).
#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Serialize, utoipa::ToSchema)]
#[schema(as = Statement)]
#[sea_orm(table_name = "statements")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub platform_id: i64,
    pub run_id: i64,
    pub business_date: chrono::NaiveDate,
    pub account_id: i64,
    pub kind: super::ledger_account::AccountKind,
    pub owner_id: i64,
    /// Owed at the start of the day.
    pub opening_fen: i64,
    /// Entries of the day that lowered what is owed.
    pub debits_fen: i64,
    /// Entries of the day that raised it.
    pub credits_fen: i64,
    /// Owed at the end of the day.
    pub closing_fen: i64,
    /// What the payee may withdraw from this statement on.
    pub payable_fen: i64,
    /// Entries of the day.
    pub entries: i32,
    pub created_at: chrono::DateTime<chrono::Utc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
