//! A village (村) reached by scheduled village trips.

use sea_orm::entity::prelude::*;
use serde::Serialize;

/// A village of a township, with its coordinates.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Serialize, utoipa::ToSchema)]
#[schema(as = Village)]
#[sea_orm(table_name = "villages")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub platform_id: i64,
    pub name: String,
    pub township: String,
    pub lat: f64,
    pub lng: f64,
    pub created_at: chrono::DateTime<chrono::Utc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
