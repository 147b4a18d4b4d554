//! An ingredient of a product and the supplier it comes from.

use sea_orm::entity::prelude::*;
use serde::Serialize;

/// A product ingredient link.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "product_ingredients")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub platform_id: i64,
    pub product_id: i64,
    pub supplier_id: i64,
    /// e.g. 黑猪肉, 面粉.
    pub ingredient: String,
    pub created_at: chrono::DateTime<chrono::Utc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
