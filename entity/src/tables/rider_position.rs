//! A point of a rider's track, kept while the rider carries jobs.

use sea_orm::entity::prelude::*;
use serde::Serialize;

/// A point of a rider's track.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Serialize, utoipa::ToSchema)]
#[schema(as = RiderPosition)]
#[sea_orm(table_name = "rider_positions")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub platform_id: i64,
    pub rider_id: i64,
    pub lat: f64,
    pub lng: f64,
    pub at: chrono::DateTime<chrono::Utc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
