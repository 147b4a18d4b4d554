//! An agent point on a village route, at position `seq`.

use sea_orm::entity::prelude::*;
use serde::Serialize;

/// An agent point on a village route, at position `seq`.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "route_stops")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub platform_id: i64,
    pub route_id: i64,
    pub agent_point_id: i64,
    pub seq: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
