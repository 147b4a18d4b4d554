//! An order of a resident from one store.

use sea_orm::entity::prelude::*;
use serde::Serialize;

/// An order of a resident from one store.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Serialize, utoipa::ToSchema)]
#[schema(as = Order)]
#[sea_orm(table_name = "orders")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub platform_id: i64,
    /// Public order number, e.g. TC20261123A1B2C3D4.
    #[sea_orm(unique)]
    pub order_no: String,
    pub user_id: i64,
    pub store_id: i64,
    pub address_id: i64,
    /// JSON of the address as it was when the order was placed.
    pub address_snapshot: String,
    /// `city` or `village`.
    pub delivery_kind: DeliveryKind,
    /// Where the order stands on the to-door line.
    pub status: OrderStatus,
    pub items_total_fen: i64,
    pub packing_fee_fen: i64,
    pub delivery_fee_fen: i64,
    /// Cold-chain surcharge (village orders with chilled or frozen items).
    pub surcharge_fen: i64,
    pub discount_fen: i64,
    pub payable_fen: i64,
    /// The fee rules that priced the order.
    pub fee_rule_id: i64,
    pub note: String,
    /// JSON of [`crate::to_door_line::pricing::DeliveryPlan`].
    pub delivery_plan: String,
    pub idempotency_key: Option<String>,
    pub request_hash: Option<String>,
    pub paid_at: Option<chrono::DateTime<chrono::Utc>>,
    pub accepted_at: Option<chrono::DateTime<chrono::Utc>>,
    /// When the kitchen marked it ready (kept if the rider changes).
    pub ready_at: Option<chrono::DateTime<chrono::Utc>>,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

stored_enum! {
    /// Where an order stands on the to-door line (see
    /// [`crate::to_door_line::order_states`] for the moves).
    pub enum OrderStatus {
        /// Created, waiting for payment.
        PendingPayment = "pending_payment",
        /// Paid, waiting for the kitchen.
        Paid = "paid",
        /// The kitchen is preparing it.
        Accepted = "accepted",
        /// Ready for the rider or the village trip.
        Ready = "ready",
        /// A rider has it assigned (city).
        RiderAssigned = "rider_assigned",
        /// The rider picked it up (city).
        PickedUp = "picked_up",
        /// On a village trip.
        OnTrip = "on_trip",
        /// Waiting at the village agent point.
        AtAgentPoint = "at_agent_point",
        /// Handed to the resident (door or agent point).
        Delivered = "delivered",
        /// Confirmed by the resident or closed after a while.
        Completed = "completed",
        /// Cancelled before payment.
        Cancelled = "cancelled",
        /// Money is on its way back.
        Refunding = "refunding",
        /// Money is back with the resident.
        Refunded = "refunded",
    }
}

stored_enum! {
    /// City or village delivery: an order's, and an address's.
    pub enum DeliveryKind {
        /// Rider to the door.
        City = "city",
        /// Scheduled trip to an agent point.
        Village = "village",
    }
}
