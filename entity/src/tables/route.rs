//! A village route: from the county hub through agent points in order.

use sea_orm::entity::prelude::*;
use serde::Serialize;

/// A village route: from the county hub through agent points in order.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Serialize, utoipa::ToSchema)]
#[schema(as = Route)]
#[sea_orm(table_name = "routes")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub platform_id: i64,
    pub name: String,
    pub hub_name: String,
    pub hub_lat: f64,
    pub hub_lng: f64,
    pub active: bool,
    pub created_at: chrono::DateTime<chrono::Utc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
