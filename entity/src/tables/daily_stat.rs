//! A platform's rolled-up figures of one finished local day.

use sea_orm::entity::prelude::*;
use serde::Serialize;

/// A day's rollup.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "daily_stats")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub platform_id: i64,
    pub day: chrono::NaiveDate,
    pub orders_delivered: i64,
    pub city_orders: i64,
    pub village_orders: i64,
    pub gmv_fen: i64,
    pub trips: i64,
    pub cold_batches: i64,
    pub cold_compliant: i64,
    /// Earnings of riders from registered households, fen.
    pub rider_household_fen: i64,
    /// Handling fees earned by village agent points, fen.
    pub agent_point_fen: i64,
    pub created_at: chrono::DateTime<chrono::Utc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
