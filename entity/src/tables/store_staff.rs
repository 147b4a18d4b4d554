//! A user who works at a store (merchant staff).

use sea_orm::entity::prelude::*;
use serde::Serialize;

/// A user who works at a store (merchant staff).
#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Serialize, utoipa::ToSchema)]
#[schema(as = StoreStaff)]
#[sea_orm(table_name = "store_staff")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub platform_id: i64,
    pub store_id: i64,
    pub user_id: i64,
    /// The registered household the staff member comes from.
    pub household_id: Option<i64>,
    pub created_at: chrono::DateTime<chrono::Utc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
