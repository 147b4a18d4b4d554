//! A village agent point (代办点): where village trips drop orders for residents.

use sea_orm::entity::prelude::*;
use serde::Serialize;

/// An agent point kept by a villager, usually a shop.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Serialize, utoipa::ToSchema)]
#[schema(as = AgentPoint)]
#[sea_orm(table_name = "agent_points")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub platform_id: i64,
    pub village_id: i64,
    pub name: String,
    pub keeper_name: String,
    pub phone: String,
    pub lat: f64,
    pub lng: f64,
    /// Opening hours as `HH:MM-HH:MM`, local time.
    pub opening_hours: String,
    pub created_at: chrono::DateTime<chrono::Utc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
