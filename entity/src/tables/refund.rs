//! A refund of (part of) a payment.

use sea_orm::entity::prelude::*;
use serde::Serialize;

/// A refund of (part of) a payment.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Serialize, utoipa::ToSchema)]
#[schema(as = Refund)]
#[sea_orm(table_name = "refunds")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub platform_id: i64,
    pub order_id: i64,
    pub payment_id: i64,
    #[sea_orm(unique)]
    pub out_refund_no: String,
    pub amount_fen: i64,
    pub reason: String,
    /// `requested`, `succeeded` or `failed`.
    pub status: RefundStatus,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub completed_at: Option<chrono::DateTime<chrono::Utc>>,
    /// `full` (the order is refunded) or `compensation` (part of it, e.g.
    /// for a breached cold chain; the order keeps its status).
    pub kind: RefundKind,
    /// Why the provider did not carry it out (`NOT_ENOUGH`, `CLOSED`, …),
    /// while it is `failed`.
    pub failure_code: Option<String>,
    /// The provider's message with that code.
    pub failure_message: Option<String>,
    /// When it failed; the operator's queue is ordered by it.
    pub failed_at: Option<chrono::DateTime<chrono::Utc>>,
    /// How often an operator sent it again (same refund number).
    pub retries: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

stored_enum! {
    /// Where a refund stands.
    pub enum RefundStatus {
        /// Stored and queued for the provider.
        Requested = "requested",
        /// The money is back with the resident.
        Succeeded = "succeeded",
        /// The provider refused or closed it: it waits in the operator's
        /// queue to be sent again.
        Failed = "failed",
    }
}

stored_enum! {
    /// What a refund gives back.
    pub enum RefundKind {
        /// The order is refunded.
        Full = "full",
        /// Part of it (e.g. a breached cold chain); the order keeps its status.
        Compensation = "compensation",
    }
}
