//! A stop of a trip: a pickup at a store or a drop at an agent point.

use sea_orm::entity::prelude::*;
use serde::Serialize;

/// A stop of a trip: a pickup at a store or a drop at an agent point.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Serialize, utoipa::ToSchema)]
#[schema(as = TripStop)]
#[sea_orm(table_name = "trip_stops")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub platform_id: i64,
    pub trip_id: i64,
    /// 1, 2, … in visiting order.
    pub seq: i32,
    /// `pickup` or `drop`.
    pub kind: StopKind,
    /// Store (pickup) or agent point (drop).
    pub place_id: i64,
    pub lat: f64,
    pub lng: f64,
    pub eta: chrono::DateTime<chrono::Utc>,
    pub arrived_at: Option<chrono::DateTime<chrono::Utc>>,
    pub handed_over_at: Option<chrono::DateTime<chrono::Utc>>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

stored_enum! {
    /// What a trip does at a stop.
    pub enum StopKind {
        /// Collects orders at a store.
        Pickup = "pickup",
        /// Hands orders over at an agent point.
        Drop = "drop",
    }
}
