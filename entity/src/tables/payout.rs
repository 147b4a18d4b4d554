//! A payee's withdrawal.

use sea_orm::entity::prelude::*;
use serde::Serialize;

/// A payout to a merchant, rider or carrier.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Serialize, utoipa::ToSchema)]
#[schema(as = Payout)]
#[sea_orm(table_name = "payouts")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub platform_id: i64,
    /// `merchant`, `rider` or `carrier`.
    pub payee_kind: PayeeKind,
    pub owner_id: i64,
    /// The WeChat user who receives the money.
    pub user_id: i64,
    pub amount_fen: i64,
    /// `review`, `approved`, `sent`, `paid`, `failed` or `rejected`.
    pub status: PayoutStatus,
    /// `demo` or `wechat`.
    pub provider: super::payment::PayProvider,
    #[sea_orm(unique)]
    pub out_batch_no: String,
    pub batch_id: Option<String>,
    pub fail_reason: Option<String>,
    pub reviewed_by: Option<i64>,
    #[serde(skip)]
    pub idempotency_key: Option<String>,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

stored_enum! {
    /// Who is paid out.
    pub enum PayeeKind {
        /// A merchant.
        Merchant = "merchant",
        /// A rider.
        Rider = "rider",
        /// A carrier.
        Carrier = "carrier",
        /// A village agent point (its keeper withdraws).
        AgentPoint = "agent_point",
    }
}

stored_enum! {
    /// Where a payout stands.
    pub enum PayoutStatus {
        /// Waiting for an operator (large amounts).
        Review = "review",
        /// Approved, not sent yet.
        Approved = "approved",
        /// Sent to the provider.
        Sent = "sent",
        /// Confirmed paid.
        Paid = "paid",
        /// Failed: the money is back on the account.
        Failed = "failed",
        /// Refused by an operator: the money is back on the account.
        Rejected = "rejected",
    }
}
