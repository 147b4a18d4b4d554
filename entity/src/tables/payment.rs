//! A payment attempt of an order with a provider.

use sea_orm::entity::prelude::*;
use serde::Serialize;

/// A payment attempt of an order with a provider.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Serialize, utoipa::ToSchema)]
#[schema(as = Payment)]
#[sea_orm(table_name = "payments")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub platform_id: i64,
    pub order_id: i64,
    /// `demo` or `wechat`.
    pub provider: PayProvider,
    #[sea_orm(unique)]
    pub out_trade_no: String,
    pub amount_fen: i64,
    /// `created`, `paid` or `closed`.
    pub status: PaymentStatus,
    pub prepay_id: Option<String>,
    /// The kitchen's sub-merchant number of a partner-mode payment.
    pub sub_mchid: Option<String>,
    pub transaction_id: Option<String>,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub paid_at: Option<chrono::DateTime<chrono::Utc>>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

stored_enum! {
    /// Where a payment stands.
    pub enum PaymentStatus {
        /// Started, not paid.
        Created = "created",
        /// Confirmed by the provider.
        Paid = "paid",
        /// The order ended before payment.
        Closed = "closed",
    }
}

stored_enum! {
    /// Who moves the money.
    pub enum PayProvider {
        /// The demo provider (demo mode only).
        Demo = "demo",
        /// WeChat Pay.
        Wechat = "wechat",
    }
}
