//! A production batch of a product, with its trace code.

use sea_orm::entity::prelude::*;
use serde::Serialize;

/// A production batch.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Serialize, utoipa::ToSchema)]
#[schema(as = ProductionBatch)]
#[sea_orm(table_name = "production_batches")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub platform_id: i64,
    pub merchant_id: i64,
    pub store_id: i64,
    pub product_id: i64,
    pub produced_on: chrono::NaiveDate,
    /// Units made.
    pub quantity: i32,
    /// Units not yet tied to order items.
    pub remaining: i32,
    /// The public code on its label (一码溯源).
    #[sea_orm(unique)]
    pub trace_code: String,
    pub created_by: i64,
    pub created_at: chrono::DateTime<chrono::Utc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
