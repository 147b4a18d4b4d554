//! A version of a platform's delivery fee rules, in force from `effective_from`.

use sea_orm::entity::prelude::*;
use serde::Serialize;

/// A version of a platform's delivery fee rules, in force from `effective_from`.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Serialize, utoipa::ToSchema)]
#[schema(as = FeeRule)]
#[sea_orm(table_name = "fee_rules")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub platform_id: i64,
    /// JSON of [`crate::to_door_line::pricing::FeeRules`].
    pub rules: String,
    pub effective_from: chrono::DateTime<chrono::Utc>,
    pub created_at: chrono::DateTime<chrono::Utc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
