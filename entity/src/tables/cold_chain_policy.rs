//! A cold-chain class's rule and money on a platform from a date on.

use sea_orm::entity::prelude::*;
use serde::Serialize;

/// A cold-chain policy version.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Serialize, utoipa::ToSchema)]
#[schema(as = ColdChainPolicy)]
#[sea_orm(table_name = "cold_chain_policies")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub platform_id: i64,
    /// `chilled` or `frozen`.
    pub class: String,
    /// The [`crate::delivery_end::cold_chain::ClassRule`] as JSON.
    pub rule: String,
    /// What the carrier earns per order of a compliant batch, fen.
    pub carrier_fee_fen: i64,
    /// What the carrier is charged per affected order of a breached batch, fen.
    pub penalty_fen: i64,
    /// Share of the affected items' price refunded, basis points.
    pub compensation_bp: i32,
    /// Whether a batch with no readings compensates (and penalises) as a
    /// breach would.
    pub no_data_compensates: bool,
    pub effective_from: chrono::DateTime<chrono::Utc>,
    pub created_by: Option<i64>,
    pub created_at: chrono::DateTime<chrono::Utc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
