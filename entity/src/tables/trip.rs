//! A vehicle trip (车次) of a departure.

use sea_orm::entity::prelude::*;
use serde::Serialize;

/// A vehicle trip (车次) of a departure.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Serialize, utoipa::ToSchema)]
#[schema(as = Trip)]
#[sea_orm(table_name = "trips")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub platform_id: i64,
    pub plan_id: i64,
    pub route_id: i64,
    pub departure_id: i64,
    pub departs_at: chrono::DateTime<chrono::Utc>,
    /// 1, 2, … within the departure.
    pub seq: i32,
    pub vehicle_id: i64,
    pub carrier_id: i64,
    /// `planned`, `departed` or `completed`.
    pub status: TripStatus,
    pub load_g: i64,
    pub load_ml: i64,
    pub chilled_ml: i64,
    pub frozen_ml: i64,
    /// Planned path, metres (great circle).
    pub length_m: f64,
    /// The same stops in the route's own order, metres.
    pub naive_length_m: f64,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub departed_at: Option<chrono::DateTime<chrono::Utc>>,
    pub completed_at: Option<chrono::DateTime<chrono::Utc>>,
    /// When its cold-chain batches were settled (set once, by the worker).
    pub cold_settled_at: Option<chrono::DateTime<chrono::Utc>>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

stored_enum! {
    /// Where a village trip stands.
    pub enum TripStatus {
        /// Planned at the cut-off.
        Planned = "planned",
        /// On the road.
        Departed = "departed",
        /// Back, every stop done.
        Completed = "completed",
    }
}
