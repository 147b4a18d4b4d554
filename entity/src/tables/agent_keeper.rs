//! A user who keeps a village agent point.

use sea_orm::entity::prelude::*;
use serde::Serialize;

/// The keeper of an agent point (role `agent_keeper`).
#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Serialize, utoipa::ToSchema)]
#[schema(as = AgentKeeper)]
#[sea_orm(table_name = "agent_keepers")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub platform_id: i64,
    pub agent_point_id: i64,
    pub user_id: i64,
    pub created_at: chrono::DateTime<chrono::Utc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
