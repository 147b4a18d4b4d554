//! A ledger account of a platform (its own, or a payee's).

use sea_orm::entity::prelude::*;
use serde::Serialize;

/// A ledger account.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "ledger_accounts")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub platform_id: i64,
    /// See [`crate::platform_end::ledger::AccountKind`].
    pub kind: AccountKind,
    /// The merchant, rider or carrier; 0 for the platform's own accounts.
    pub owner_id: i64,
    pub name: String,
    pub created_at: chrono::DateTime<chrono::Utc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

stored_enum! {
    /// The kinds of ledger accounts.
    pub enum AccountKind {
        /// Money WeChat Pay holds for the platform (asset).
        Clearing = "clearing",
        /// Paid orders not yet delivered (liability).
        Escrow = "escrow",
        /// Owed to a merchant (liability, per merchant).
        MerchantPayable = "merchant_payable",
        /// Owed to a rider (liability, per rider).
        RiderPayable = "rider_payable",
        /// Owed to a carrier (liability, per carrier).
        CarrierPayable = "carrier_payable",
        /// Owed to a village agent point for packages collected there
        /// (liability, per agent point).
        AgentPointPayable = "agent_point_payable",
        /// The platform's commission and delivery margin (income).
        PlatformRevenue = "platform_revenue",
        /// Money returned after delivery (expense).
        Refunds = "refunds",
        /// Cold-chain and other compensation (expense).
        CompensationExpense = "compensation_expense",
        /// Payouts sent and not yet confirmed (liability).
        PayoutsInTransit = "payouts_in_transit",
        /// Partner mode: paid money held at the kitchens' sub-merchants
        /// until it is shared and unfrozen (asset).
        PartnerFunds = "partner_funds",
    }
}
