//! An order's package on a trip, with its handover code.

use sea_orm::entity::prelude::*;
use serde::Serialize;

/// An order's package on a trip, with its handover code.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Serialize, utoipa::ToSchema)]
#[schema(as = TripPackage)]
#[sea_orm(table_name = "trip_packages")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub platform_id: i64,
    pub trip_id: i64,
    pub order_id: i64,
    /// The pickup stop's `seq`.
    pub pickup_seq: i32,
    /// The drop stop's `seq`.
    pub drop_seq: i32,
    /// Shown by the agent point keeper at handover.
    #[serde(skip)]
    pub handover_code: String,
    /// Shown to the resident; the keeper asks for it at collection.
    #[serde(skip)]
    pub pickup_code: String,
    /// Wrong pickup codes tried at the agent point; at three the package
    /// waits for an operator.
    pub code_failures: i32,
    /// `planned`, `loaded`, `left_behind`, `at_agent_point` or `collected`.
    pub status: PackageStatus,
    pub reason: Option<String>,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
    /// When it went to the exception queue, uncollected too long.
    pub overdue_at: Option<chrono::DateTime<chrono::Utc>>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

stored_enum! {
    /// Where an order's package on a trip stands.
    pub enum PackageStatus {
        /// Planned onto the trip.
        Planned = "planned",
        /// Handed over by the kitchen.
        Loaded = "loaded",
        /// Not loaded at departure.
        LeftBehind = "left_behind",
        /// Handed to the keeper.
        AtAgentPoint = "at_agent_point",
        /// Collected by the resident.
        Collected = "collected",
        /// Sent back uncollected.
        Returned = "returned",
    }
}
