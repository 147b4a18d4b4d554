//! The settlement of one cold-chain batch: written once, never changed
//! (database triggers refuse updates and deletes).

use sea_orm::entity::prelude::*;
use serde::Serialize;

/// A batch's settlement record.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Serialize, utoipa::ToSchema)]
#[schema(as = ColdSettlement)]
#[sea_orm(table_name = "cold_settlements")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub platform_id: i64,
    #[sea_orm(unique)]
    pub batch_id: i64,
    pub trip_id: i64,
    pub carrier_id: i64,
    /// `chilled` or `frozen`.
    pub class: String,
    /// The stored policy applied (none: the built-in default).
    pub policy_id: Option<i64>,
    /// The policy as applied (JSON), so the record stands alone.
    pub policy: String,
    pub compliant: bool,
    /// The [`crate::delivery_end::cold_chain::Verdict`] as JSON.
    pub verdict: String,
    pub max_c: Option<f64>,
    pub coverage: f64,
    pub excursion_secs: i64,
    /// Departure.
    pub window_from: chrono::DateTime<chrono::Utc>,
    /// The batch's last handover.
    pub window_to: chrono::DateTime<chrono::Utc>,
    pub carrier_fee_fen: i64,
    pub penalty_fen: i64,
    pub compensation_fen: i64,
    /// Per affected order: `[{order_id, refund_id, amount_fen}]` (JSON).
    pub compensations: String,
    pub created_at: chrono::DateTime<chrono::Utc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
