//! A driver of a carrier (role `driver`).

use sea_orm::entity::prelude::*;
use serde::Serialize;

/// A driver of a carrier (role `driver`).
#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Serialize, utoipa::ToSchema)]
#[schema(as = Driver)]
#[sea_orm(table_name = "drivers")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub platform_id: i64,
    pub carrier_id: i64,
    pub user_id: i64,
    pub name: String,
    pub phone: String,
    pub created_at: chrono::DateTime<chrono::Utc>,
    /// Manages the carrier's account (statements, payouts).
    pub manager: bool,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
