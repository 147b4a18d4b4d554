//! A merchant's store: where orders are prepared and picked up.

use sea_orm::entity::prelude::*;
use serde::Serialize;

/// A store with its pickup coordinates.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Serialize, utoipa::ToSchema)]
#[schema(as = Store)]
#[sea_orm(table_name = "stores")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub platform_id: i64,
    pub merchant_id: i64,
    pub name: String,
    pub address: String,
    pub lat: f64,
    pub lng: f64,
    pub created_at: chrono::DateTime<chrono::Utc>,
    /// JSON of [`crate::supply_end::hours::WeeklyHours`].
    pub opening_hours: String,
    /// The manual "closed now" switch.
    pub closed_now: bool,
    /// City delivery radius in metres.
    pub delivery_radius_m: i32,
    pub min_order_fen: i64,
    pub packing_fee_fen: i64,
    /// Minutes from acceptance to ready.
    pub prep_minutes: i32,
    pub logo_url: Option<String>,
    pub cover_url: Option<String>,
    /// Optimistic-concurrency version, bumped by every settings change.
    pub version: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
