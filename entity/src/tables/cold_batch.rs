//! A cold-chain batch: the chilled or frozen goods of one trip.

use sea_orm::entity::prelude::*;
use serde::Serialize;

/// One batch per trip and cold class.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Serialize, utoipa::ToSchema)]
#[schema(as = ColdBatch)]
#[sea_orm(table_name = "cold_batches")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub platform_id: i64,
    pub trip_id: i64,
    /// `chilled` or `frozen`.
    pub class: String,
    /// The compartment's sensor.
    pub sensor_id: String,
    /// The orders whose items ride in it (JSON array).
    pub order_ids: String,
    pub created_at: chrono::DateTime<chrono::Utc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
