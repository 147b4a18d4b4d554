//! One receiver's part of a sharing order.

use sea_orm::entity::prelude::*;
use serde::Serialize;

/// What one receiver gets from a sharing order, and WeChat Pay's answer.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Serialize, utoipa::ToSchema)]
#[schema(as = ProfitShareLine)]
#[sea_orm(table_name = "profit_share_lines")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub share_id: i64,
    pub platform_id: i64,
    /// `platform`, `rider`, `carrier` or `agent_point`.
    pub role: ShareRole,
    /// The rider's, carrier's or agent point's id; 0 for the platform.
    pub owner_id: i64,
    /// `MERCHANT_ID` or `PERSONAL_OPENID`.
    pub receiver_type: String,
    /// The merchant number or the openid.
    pub account: String,
    pub amount_fen: i64,
    /// `pending`, `success` or `closed`.
    pub result: LineResult,
    pub fail_reason: Option<String>,
    /// WeChat Pay's detail id.
    pub detail_id: Option<String>,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

stored_enum! {
    /// Whose part a line is.
    pub enum ShareRole {
        /// The platform (the service provider itself).
        Platform = "platform",
        /// The city rider who delivered.
        Rider = "rider",
        /// The village carrier.
        Carrier = "carrier",
        /// The village agent point (its keeper).
        AgentPoint = "agent_point",
    }
}

stored_enum! {
    /// A receiver's result.
    pub enum LineResult {
        /// Not final yet.
        Pending = "pending",
        /// The money reached the receiver.
        Success = "success",
        /// Refused; the money was unfrozen to the kitchen.
        Closed = "closed",
    }
}
