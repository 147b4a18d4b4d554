//! A commission rate for a merchant category from a date on.

use sea_orm::entity::prelude::*;
use serde::Serialize;

/// A commission rule version.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Serialize, utoipa::ToSchema)]
#[schema(as = CommissionRule)]
#[sea_orm(table_name = "commission_rules")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub platform_id: i64,
    /// A merchant category, or `*` for every other.
    pub category: String,
    /// Basis points of goods and packing (500 = 5 %).
    pub rate_bp: i32,
    pub effective_from: chrono::DateTime<chrono::Utc>,
    pub created_at: chrono::DateTime<chrono::Utc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
