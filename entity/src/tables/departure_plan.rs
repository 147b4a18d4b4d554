//! The plan of one departure instance (planned once).

use sea_orm::entity::prelude::*;
use serde::Serialize;

/// The plan of one departure instance (planned once).
#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "departure_plans")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub platform_id: i64,
    pub departure_id: i64,
    pub departs_at: chrono::DateTime<chrono::Utc>,
    pub trips: i32,
    pub rolled_over: i32,
    pub created_at: chrono::DateTime<chrono::Utc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
