//! A sellable variant of a product (e.g. pork buns ×10, frozen bag).

use sea_orm::entity::prelude::*;
use serde::Serialize;

/// A sellable variant of a product (e.g. pork buns ×10, frozen bag).
#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Serialize, utoipa::ToSchema)]
#[schema(as = Sku)]
#[sea_orm(table_name = "skus")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub platform_id: i64,
    pub product_id: i64,
    pub name: String,
    pub price_fen: i64,
    /// `None` = unlimited.
    pub stock: Option<i64>,
    pub on_shelf: bool,
    pub position: i32,
    pub created_at: chrono::DateTime<chrono::Utc>,
    /// Weight of one unit, grams (for village trip capacity).
    pub weight_g: i32,
    /// Volume of one unit, millilitres.
    pub volume_ml: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
