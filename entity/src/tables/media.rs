//! An uploaded image, stored under its content hash.

use sea_orm::entity::prelude::*;
use serde::Serialize;

/// An uploaded image, stored under its content hash.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "media")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub platform_id: i64,
    pub owner_user_id: i64,
    #[sea_orm(unique)]
    pub file_name: String,
    pub content_type: String,
    pub size_bytes: i64,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
