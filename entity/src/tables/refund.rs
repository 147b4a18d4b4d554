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
    pub status: String,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub completed_at: Option<chrono::DateTime<chrono::Utc>>,
    /// `full` (the order is refunded) or `compensation` (part of it, e.g.
    /// for a breached cold chain; the order keeps its status).
    pub kind: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
