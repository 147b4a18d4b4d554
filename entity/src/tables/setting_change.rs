//! The record of settings changed without a release.

use sea_orm::entity::prelude::*;
use serde::Serialize;

/// One change of a platform setting: who, when, old and new value.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Serialize, utoipa::ToSchema)]
#[schema(as = SettingChange)]
#[sea_orm(table_name = "setting_changes")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub platform_id: i64,
    /// The operator who changed it.
    pub user_id: i64,
    /// `fee_rules`, `timeouts`, `profile`, `dispatch`, `village`.
    pub setting: String,
    /// JSON of the value before.
    pub old_value: String,
    /// JSON of the value after.
    pub new_value: String,
    pub created_at: chrono::DateTime<chrono::Utc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
