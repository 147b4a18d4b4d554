//! A scheduled departure of a village route.

use sea_orm::entity::prelude::*;
use serde::Serialize;

/// A scheduled departure of a village route.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Serialize, utoipa::ToSchema)]
#[schema(as = Departure)]
#[sea_orm(table_name = "departures")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub platform_id: i64,
    pub route_id: i64,
    /// Bit 0 = Monday … bit 6 = Sunday.
    pub weekdays: i32,
    /// Local departure time, `HH:MM`.
    pub depart_at: String,
    /// Orders close this many minutes before departure.
    pub cutoff_minutes: i32,
    pub active: bool,
    pub created_at: chrono::DateTime<chrono::Utc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
