//! A product of a store's menu and its place on the listing line.

use sea_orm::entity::prelude::*;
use serde::Serialize;

/// A product of a store's menu and its place on the listing line.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Serialize, utoipa::ToSchema)]
#[schema(as = Product)]
#[sea_orm(table_name = "products")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub platform_id: i64,
    pub store_id: i64,
    pub category_id: Option<i64>,
    /// See [`crate::listing_line::product_states::ProductStatus`].
    pub status: ProductStatus,
    pub name: String,
    pub description: String,
    /// JSON array of image URLs.
    pub images: String,
    pub unit: String,
    /// `ambient`, `chilled` or `frozen`.
    pub cold_chain: String,
    pub weight_g: i32,
    pub origin: String,
    /// JSON of the last approved content, shown to residents while a revision
    /// is under review; `None` until first approved.
    pub live: Option<String>,
    /// The approved name, for search.
    pub live_name: Option<String>,
    pub reject_reason: Option<String>,
    /// Optimistic-concurrency version, bumped by every edit.
    pub version: i32,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

stored_enum! {
    /// Where a product stands on the listing line.
    pub enum ProductStatus {
        /// Being prepared by the merchant; never shown to residents.
        Draft = "draft",
        /// Waiting for an operator's review.
        PendingReview = "pending_review",
        /// Approved and on the menu.
        Listed = "listed",
        /// Refused by an operator, with a reason.
        Rejected = "rejected",
        /// Taken off the menu by the merchant or an operator.
        Delisted = "delisted",
    }
}
