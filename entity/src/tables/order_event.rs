//! A step of an order's timeline: who moved it from where to where, and why.

use sea_orm::entity::prelude::*;
use serde::Serialize;

/// A step of an order's timeline: who moved it from where to where, and why.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Serialize, utoipa::ToSchema)]
#[schema(as = OrderEvent)]
#[sea_orm(table_name = "order_events")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub platform_id: i64,
    pub order_id: i64,
    pub from_status: Option<super::order::OrderStatus>,
    pub to_status: super::order::OrderStatus,
    pub event: String,
    /// `resident`, `merchant`, `operator`, `system` or `payment`.
    pub actor_kind: ActorKind,
    pub actor_user_id: Option<i64>,
    pub reason: Option<String>,
    pub created_at: chrono::DateTime<chrono::Utc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

stored_enum! {
    /// Who moved an order.
    pub enum ActorKind {
        /// The resident.
        Resident = "resident",
        /// The kitchen's staff.
        Merchant = "merchant",
        /// A city rider.
        Rider = "rider",
        /// An agent point's keeper.
        Keeper = "keeper",
        /// A county operator.
        Operator = "operator",
        /// The platform itself (timeouts, jobs).
        System = "system",
        /// A payment provider's confirmation.
        Payment = "payment",
    }
}
