//! A step of an order's timeline: who moved it from where to where, and why.

use sea_orm::entity::prelude::*;
use serde::Serialize;

/// A step of an order's timeline: who moved it from where to where, and why.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Serialize, utoipa::ToSchema)]
#[schema(as = OrderEvent)]
#[sea_orm(table_name = "order_events")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub platform_id: i64,
    pub order_id: i64,
    pub from_status: Option<String>,
    pub to_status: String,
    pub event: String,
    /// `resident`, `merchant`, `operator`, `system` or `payment`.
    pub actor_kind: String,
    pub actor_user_id: Option<i64>,
    pub reason: Option<String>,
    pub created_at: chrono::DateTime<chrono::Utc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
