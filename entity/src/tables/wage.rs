//! A month's wage paid to a staff member from a registered household.

use sea_orm::entity::prelude::*;
use serde::Serialize;

/// A wage payment.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Serialize, utoipa::ToSchema)]
#[schema(as = Wage)]
#[sea_orm(table_name = "wages")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub platform_id: i64,
    pub merchant_id: i64,
    pub staff_id: i64,
    /// The staff member's household.
    pub supplier_id: i64,
    /// The month's first day.
    pub month: chrono::NaiveDate,
    pub amount_fen: i64,
    pub created_at: chrono::DateTime<chrono::Utc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
