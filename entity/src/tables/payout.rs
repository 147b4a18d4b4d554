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
    pub payee_kind: String,
    pub owner_id: i64,
    /// The WeChat user who receives the money.
    pub user_id: i64,
    pub amount_fen: i64,
    /// `review`, `approved`, `sent`, `paid`, `failed` or `rejected`.
    pub status: String,
    /// `demo` or `wechat`.
    pub provider: String,
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
