//! A line of an order, with names and prices as they were when ordered.

use sea_orm::entity::prelude::*;
use serde::Serialize;

/// A line of an order, with names and prices as they were when ordered.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Serialize, utoipa::ToSchema)]
#[schema(as = OrderItem)]
#[sea_orm(table_name = "order_items")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub platform_id: i64,
    pub order_id: i64,
    pub sku_id: i64,
    pub product_id: i64,
    pub product_name: String,
    pub sku_name: String,
    pub unit_price_fen: i64,
    pub qty: i32,
    pub line_total_fen: i64,
    pub cold_chain: String,
    /// Whether stock was taken from the SKU (to give back on cancellation).
    pub stock_reserved: bool,
    /// The production batch it came from (set when the order is ready).
    pub batch_id: Option<i64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
