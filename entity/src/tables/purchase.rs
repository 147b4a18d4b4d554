//! A merchant's purchase from a supplier.

use sea_orm::entity::prelude::*;
use serde::Serialize;

/// A purchase.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Serialize, utoipa::ToSchema)]
#[schema(as = Purchase)]
#[sea_orm(table_name = "purchases")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub platform_id: i64,
    pub merchant_id: i64,
    pub supplier_id: i64,
    /// What, e.g. 黑猪肉.
    pub item: String,
    pub quantity: f64,
    /// `kg`, `jin` (斤), `piece`, …
    pub unit: String,
    pub unit_price_fen: i64,
    /// What was paid, fen.
    pub amount_fen: i64,
    pub purchased_on: chrono::NaiveDate,
    pub created_by: i64,
    pub created_at: chrono::DateTime<chrono::Utc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
