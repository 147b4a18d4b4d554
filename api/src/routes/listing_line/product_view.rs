//! How a product is shown to its merchant and to reviewing operators.

use entity::listing_line::product_states::ListingEvent;
use entity::listing_line::review::{self, Actor};
use entity::supply_end::menu;
use entity::supply_end::menu::Content;
use entity::{product, sku};
use sea_orm::{ConnectionTrait, DatabaseTransaction};
use serde::Serialize;
use utoipa::ToSchema;

use crate::error::ApiResult;

/// A product with its current content, the approved (live) content, and SKUs.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProductView {
    /// Product id.
    pub id: i64,
    /// Store id.
    pub store_id: i64,
    /// Category id.
    pub category_id: Option<i64>,
    /// `draft`, `pending_review`, `listed`, `rejected` or `delisted`.
    pub status: String,
    /// Current content (what the next review decides on).
    #[serde(flatten)]
    pub content: Content,
    /// What residents see now: the last approved content.
    pub live: Option<Content>,
    /// Selling unit.
    pub unit: String,
    /// Weight in grams.
    pub weight_g: i32,
    /// Origin.
    pub origin: String,
    /// Why the last review rejected it.
    pub reject_reason: Option<String>,
    /// Send this back with edits (optimistic concurrency).
    pub version: i32,
    /// SKUs.
    pub skus: Vec<sku::Model>,
    /// Last change.
    pub updated_at: chrono::DateTime<chrono::Utc>,
}

/// Builds the view of a product, loading its SKUs.
pub async fn product_view(db: &impl ConnectionTrait, p: product::Model) -> ApiResult<ProductView> {
    let skus = menu::skus(db, p.id).await?;
    Ok(ProductView {
        content: menu::content(&p),
        live: p.live.as_deref().and_then(|l| serde_json::from_str(l).ok()),
        id: p.id,
        store_id: p.store_id,
        category_id: p.category_id,
        status: p.status.to_string(),
        unit: p.unit,
        weight_g: p.weight_g,
        origin: p.origin,
        reject_reason: p.reject_reason,
        version: p.version,
        skus,
        updated_at: p.updated_at,
    })
}

/// Applies a listing-line step to a product loaded in `txn`, commits, and
/// returns the product's view.
pub async fn step_and_view(
    txn: DatabaseTransaction,
    p: product::Model,
    event: ListingEvent,
    reason: Option<String>,
    user_id: i64,
    now: chrono::DateTime<chrono::Utc>,
) -> ApiResult<ProductView> {
    let p = review::apply_listing_event(&txn, p, event, reason, Actor { user_id }, now).await?;
    let view = product_view(&txn, p).await?;
    txn.commit().await?;
    Ok(view)
}
