//! A ledger account of a platform (its own, or a payee's).

use sea_orm::entity::prelude::*;
use serde::Serialize;

/// A ledger account.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "ledger_accounts")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub platform_id: i64,
    /// See [`crate::platform_end::ledger::AccountKind`].
    pub kind: String,
    /// The merchant, rider or carrier; 0 for the platform's own accounts.
    pub owner_id: i64,
    pub name: String,
    pub created_at: chrono::DateTime<chrono::Utc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
