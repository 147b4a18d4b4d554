//! A city delivery job: one order from the store to the resident's door.

use sea_orm::entity::prelude::*;
use serde::Serialize;

/// A city delivery job.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Serialize, utoipa::ToSchema)]
#[schema(as = DeliveryJob)]
#[sea_orm(table_name = "delivery_jobs")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub platform_id: i64,
    #[sea_orm(unique)]
    pub order_id: i64,
    pub store_id: i64,
    pub pickup_lat: f64,
    pub pickup_lng: f64,
    pub drop_lat: f64,
    pub drop_lng: f64,
    /// Store to door, great-circle metres.
    pub distance_m: i64,
    /// When the kitchen expects the food to be ready.
    pub ready_by: chrono::DateTime<chrono::Utc>,
    /// `ambient`, `chilled` or `frozen` (the coldest item).
    pub cold_chain: String,
    pub rider_fee_fen: i64,
    pub fee_rule_id: i64,
    /// `open`, `offered`, `assigned`, `picked_up`, `delivered`, `locked`
    /// or `cancelled`.
    pub status: DeliveryJobStatus,
    pub rider_id: Option<i64>,
    /// The code the resident tells the rider at the door.
    #[serde(skip)]
    pub code: String,
    pub code_failures: i32,
    pub assigned_at: Option<chrono::DateTime<chrono::Utc>>,
    pub picked_up_at: Option<chrono::DateTime<chrono::Utc>>,
    pub delivered_at: Option<chrono::DateTime<chrono::Utc>>,
    /// When the operator was alerted that nobody took it.
    pub alerted_at: Option<chrono::DateTime<chrono::Utc>>,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

stored_enum! {
    /// Where a city delivery job stands.
    pub enum DeliveryJobStatus {
        /// In the pool, for grabs or the next dispatch round.
        Open = "open",
        /// Offered to one rider by dispatch.
        Offered = "offered",
        /// A rider has it.
        Assigned = "assigned",
        /// Picked up at the store.
        PickedUp = "picked_up",
        /// Handed over at the door.
        Delivered = "delivered",
        /// Too many wrong codes: an operator resolves it.
        Locked = "locked",
        /// The order ended without delivery.
        Cancelled = "cancelled",
    }
}
