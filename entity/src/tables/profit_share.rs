//! A delivered partner-mode order's profit-sharing order (分账单).

use sea_orm::entity::prelude::*;
use serde::Serialize;

/// One sharing order: the payment held at a kitchen's sub-merchant is
/// split to its receivers once the order is complete and its refund window
/// has passed; what is not split is unfrozen to the kitchen.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Serialize, utoipa::ToSchema)]
#[schema(as = ProfitShare)]
#[sea_orm(table_name = "profit_shares")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub platform_id: i64,
    #[sea_orm(unique)]
    pub order_id: i64,
    pub payment_id: i64,
    /// The kitchen's merchant.
    pub merchant_id: i64,
    /// The sub-merchant the money is held at.
    pub sub_mchid: String,
    /// WeChat Pay's order number of the payment.
    pub transaction_id: String,
    /// The sharing order's number (`out_order_no`).
    #[sea_orm(unique)]
    pub out_order_no: String,
    /// `scheduled`, `requested` or `finished`.
    pub status: ShareStatus,
    /// What the kitchen is owed from the order (the part left to unfreeze).
    pub kitchen_fen: i64,
    /// The platform's share of the order (commission and delivery margin).
    pub platform_fen: i64,
    /// `rider` or `carrier`, when someone carried it.
    pub courier_role: Option<super::profit_share_line::ShareRole>,
    /// The rider's or carrier's id (0 when none).
    pub courier_id: i64,
    /// The courier's fee.
    pub courier_fen: i64,
    /// The village agent point the resident collected it at (0 when none).
    pub agent_point_id: i64,
    /// The agent point's fee.
    pub agent_fen: i64,
    /// Not shared before this (the refund window's end).
    pub due_at: chrono::DateTime<chrono::Utc>,
    /// WeChat Pay's sharing order id.
    pub wx_order_id: Option<String>,
    /// Why the last attempt was refused.
    pub fail_reason: Option<String>,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

stored_enum! {
    /// Where a sharing order stands.
    pub enum ShareStatus {
        /// Waiting for the refund window to pass.
        Scheduled = "scheduled",
        /// Sent to WeChat Pay; its receivers' results are awaited.
        Requested = "requested",
        /// Every receiver has a final result and the rest is unfrozen.
        Finished = "finished",
    }
}
