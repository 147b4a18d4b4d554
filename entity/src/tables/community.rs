//! A city community (城区社区) served by on-demand rider delivery.

use sea_orm::entity::prelude::*;
use serde::Serialize;

/// A community, described by a centre point and a radius in metres.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Serialize, utoipa::ToSchema)]
#[schema(as = Community)]
#[sea_orm(table_name = "communities")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub platform_id: i64,
    pub name: String,
    pub center_lat: f64,
    pub center_lng: f64,
    pub radius_m: i32,
    pub created_at: chrono::DateTime<chrono::Utc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
