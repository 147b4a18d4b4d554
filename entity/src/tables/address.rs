//! A resident's delivery address: a city address in a community, or a village agent point.

use sea_orm::entity::prelude::*;
use serde::Serialize;

/// A resident's delivery address: a city address in a community, or a village agent point.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Serialize, utoipa::ToSchema)]
#[schema(as = Address)]
#[sea_orm(table_name = "addresses")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub platform_id: i64,
    pub user_id: i64,
    /// `city` or `village`, decided by the server.
    pub kind: super::order::DeliveryKind,
    pub label: String,
    pub contact_name: String,
    pub contact_phone: String,
    pub detail: String,
    pub lat: Option<f64>,
    pub lng: Option<f64>,
    pub community_id: Option<i64>,
    pub agent_point_id: Option<i64>,
    pub deleted_at: Option<chrono::DateTime<chrono::Utc>>,
    pub created_at: chrono::DateTime<chrono::Utc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
