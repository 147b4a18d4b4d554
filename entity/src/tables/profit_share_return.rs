//! A share returned before a refund (分账回退).

use sea_orm::entity::prelude::*;
use serde::Serialize;

/// The platform's share of an order sent back from the service provider
/// to the kitchen's sub-merchant so that a refund after sharing is paid
/// from it: one per refund, under our number `out_return_no`.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Serialize, utoipa::ToSchema)]
#[schema(as = ProfitShareReturn)]
#[sea_orm(table_name = "profit_share_returns")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub platform_id: i64,
    /// The sharing order the money came from.
    pub share_id: i64,
    /// The refund it is returned for.
    #[sea_orm(unique)]
    pub refund_id: i64,
    #[sea_orm(unique)]
    pub out_return_no: String,
    /// The merchant number that gives the money back (the provider).
    pub return_mchid: String,
    pub amount_fen: i64,
    /// `requested`, `success` or `failed`.
    pub status: ReturnStatus,
    /// WeChat Pay's return number.
    pub return_id: Option<String>,
    pub fail_reason: Option<String>,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

stored_enum! {
    /// Where a return stands.
    pub enum ReturnStatus {
        /// Sent, or about to be; sent again under the same number until final.
        Requested = "requested",
        /// The money is back at the sub-merchant.
        Success = "success",
        /// WeChat Pay refused it; the refund is paid from the kitchen's money.
        Failed = "failed",
    }
}
