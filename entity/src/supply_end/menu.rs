//! A store's menu as its staff edit it — categories, products, SKUs — and
//! the listing-line operations: submit, approve, reject, delist.
//!
//! Every edit of a product is conditional on the version the editor read
//! and bumps it, so two staff (or a staff member and an operator) cannot
//! silently overwrite each other.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, Set, TryIntoModel,
};
use serde::{Deserialize, Serialize};

use crate::error::{DomainError, DomainResult};
use crate::listing_line::product_states::{ListingEvent, ProductStatus, transition};
use crate::validate::text;
use crate::{category, product, sku};

/// Cold-chain classes: ambient, chilled (0–4 °C), frozen (≤ −18 °C).
pub const COLD_CHAIN: &[&str] = &["ambient", "chilled", "frozen"];

/// A category's fields.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CategoryInput {
    /// Name, e.g. 冷冻包子.
    pub name: String,
    /// Order on the menu (lower first).
    #[serde(default)]
    pub position: i32,
}

/// Creates or (with `id`) renames/reorders a category of the store.
pub async fn save_category(
    db: &impl ConnectionTrait,
    store_id: i64,
    platform_id: i64,
    id: Option<i64>,
    input: &CategoryInput,
    now: DateTime<Utc>,
) -> DomainResult<category::Model> {
    let name = text("name", &input.name, 1, 16)?;
    let mut m: category::ActiveModel = match id {
        Some(id) => category_of(db, store_id, id).await?.into(),
        None => category::ActiveModel {
            platform_id: Set(platform_id),
            store_id: Set(store_id),
            created_at: Set(now),
            ..Default::default()
        },
    };
    m.name = Set(name);
    m.position = Set(input.position);
    m.save(db)
        .await
        .map_err(|e| match e.sql_err() {
            Some(sea_orm::SqlErr::UniqueConstraintViolation(_)) => {
                DomainError::invalid("name", "the store has a category of this name")
            }
            _ => DomainError::Db(e),
        })?
        .try_into_model()
        .map_err(DomainError::Db)
}

async fn category_of(
    db: &impl ConnectionTrait,
    store_id: i64,
    id: i64,
) -> DomainResult<category::Model> {
    category::Entity::find_by_id(id)
        .filter(category::Column::StoreId.eq(store_id))
        .one(db)
        .await?
        .ok_or(DomainError::NotFound("category"))
}

/// Deletes an empty category.
pub async fn delete_category(
    db: &impl ConnectionTrait,
    store_id: i64,
    id: i64,
) -> DomainResult<()> {
    let c = category_of(db, store_id, id).await?;
    let used = product::Entity::find()
        .filter(product::Column::CategoryId.eq(c.id))
        .count(db)
        .await?;
    if used > 0 {
        return Err(DomainError::invalid(
            "category",
            "move its products elsewhere first",
        ));
    }
    category::Entity::delete_by_id(c.id).exec(db).await?;
    Ok(())
}

/// The categories of a store, in menu order.
pub async fn categories(
    db: &impl ConnectionTrait,
    store_id: i64,
) -> DomainResult<Vec<category::Model>> {
    Ok(category::Entity::find()
        .filter(category::Column::StoreId.eq(store_id))
        .order_by_asc(category::Column::Position)
        .order_by_asc(category::Column::Id)
        .all(db)
        .await?)
}

/// What residents see of a product; the part an operator reviews.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Content {
    /// Name.
    pub name: String,
    /// Description.
    pub description: String,
    /// Image URLs.
    pub images: Vec<String>,
    /// Cold-chain class.
    pub cold_chain: String,
}

/// A product's fields at creation.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProductInput {
    /// Its category on the menu.
    pub category_id: Option<i64>,
    /// Name, e.g. 黑猪肉包子.
    pub name: String,
    /// Description.
    #[serde(default)]
    pub description: String,
    /// Image URLs from uploads.
    #[serde(default)]
    pub images: Vec<String>,
    /// Selling unit, e.g. 袋, 个, 斤.
    pub unit: String,
    /// `ambient`, `chilled` or `frozen`.
    pub cold_chain: String,
    /// Weight in grams (per unit).
    pub weight_g: i32,
    /// Origin, e.g. 康县长坝镇 黑猪肉.
    #[serde(default)]
    pub origin: String,
}

/// A partial product edit; `version` must be the version the editor read.
#[derive(Debug, Clone, Deserialize, Default, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProductPatch {
    /// The version the editor read.
    pub version: i32,
    /// Category (reviewed: no).
    pub category_id: Option<i64>,
    /// Name (reviewed: yes).
    pub name: Option<String>,
    /// Description (reviewed: yes).
    pub description: Option<String>,
    /// Images (reviewed: yes).
    pub images: Option<Vec<String>>,
    /// Unit (reviewed: no).
    pub unit: Option<String>,
    /// Cold-chain class (reviewed: yes).
    pub cold_chain: Option<String>,
    /// Weight (reviewed: no).
    pub weight_g: Option<i32>,
    /// Origin (reviewed: no).
    pub origin: Option<String>,
}

fn check_images(images: &[String]) -> DomainResult<String> {
    if images.len() > 9 {
        return Err(DomainError::invalid("images", "at most 9 images"));
    }
    for url in images {
        if url.len() > 256 || !(url.starts_with("/media/") || url.starts_with("https://")) {
            return Err(DomainError::invalid(
                "images",
                "each must be an uploaded /media/ URL or https://",
            ));
        }
    }
    serde_json::to_string(images).map_err(|e| DomainError::invalid("images", e.to_string()))
}

fn check_cold_chain(v: &str) -> DomainResult<String> {
    if COLD_CHAIN.contains(&v) {
        Ok(v.to_owned())
    } else {
        Err(DomainError::invalid(
            "cold_chain",
            "must be ambient, chilled or frozen",
        ))
    }
}

fn check_weight(v: i32) -> DomainResult<i32> {
    if (1..=50_000).contains(&v) {
        Ok(v)
    } else {
        Err(DomainError::invalid("weight_g", "must be 1 to 50000 grams"))
    }
}

/// The product's current (possibly unreviewed) content.
pub fn content(p: &product::Model) -> Content {
    Content {
        name: p.name.clone(),
        description: p.description.clone(),
        images: serde_json::from_str(&p.images).unwrap_or_default(),
        cold_chain: p.cold_chain.clone(),
    }
}

/// Creates a draft product in the store.
pub async fn create_product(
    db: &impl ConnectionTrait,
    store_id: i64,
    platform_id: i64,
    input: &ProductInput,
    now: DateTime<Utc>,
) -> DomainResult<product::Model> {
    if let Some(c) = input.category_id {
        category_of(db, store_id, c).await?;
    }
    Ok(product::ActiveModel {
        platform_id: Set(platform_id),
        store_id: Set(store_id),
        category_id: Set(input.category_id),
        status: Set(ProductStatus::Draft),
        name: Set(text("name", &input.name, 1, 32)?),
        description: Set(text("description", &input.description, 0, 500)?),
        images: Set(check_images(&input.images)?),
        unit: Set(text("unit", &input.unit, 1, 8)?),
        cold_chain: Set(check_cold_chain(&input.cold_chain)?),
        weight_g: Set(check_weight(input.weight_g)?),
        origin: Set(text("origin", &input.origin, 0, 64)?),
        live: Set(None),
        live_name: Set(None),
        reject_reason: Set(None),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?)
}

/// A product of the store (404 for another store's).
pub async fn product_of(
    db: &impl ConnectionTrait,
    store_id: i64,
    id: i64,
) -> DomainResult<product::Model> {
    product::Entity::find_by_id(id)
        .filter(product::Column::StoreId.eq(store_id))
        .one(db)
        .await?
        .ok_or(DomainError::NotFound("product"))
}

/// Writes `m` if the product is still at `expected` version, bumping it.
pub(crate) async fn write_versioned(
    db: &impl ConnectionTrait,
    current: &product::Model,
    mut m: product::ActiveModel,
    expected: i32,
    now: DateTime<Utc>,
) -> DomainResult<product::Model> {
    m.version = Set(expected + 1);
    m.updated_at = Set(now);
    let res = product::Entity::update_many()
        .set(m)
        .filter(product::Column::Id.eq(current.id))
        .filter(product::Column::Version.eq(expected))
        .exec(db)
        .await?;
    if res.rows_affected != 1 {
        return Err(DomainError::StaleVersion {
            what: "product",
            expected,
        });
    }
    crate::scope::get::<product::Entity>(db, current.id, "product").await
}

/// Edits a product. Changing what residents see of a listed product sends
/// it back to review; the last approved version stays on the menu.
pub async fn update_product(
    db: &impl ConnectionTrait,
    current: product::Model,
    patch: &ProductPatch,
    now: DateTime<Utc>,
) -> DomainResult<product::Model> {
    if patch.version != current.version {
        return Err(DomainError::StaleVersion {
            what: "product",
            expected: patch.version,
        });
    }
    let before = content(&current);
    let mut m: product::ActiveModel = current.clone().into();
    if let Some(c) = patch.category_id {
        category_of(db, current.store_id, c).await?;
        m.category_id = Set(Some(c));
    }
    let mut after = before.clone();
    if let Some(v) = &patch.name {
        after.name = text("name", v, 1, 32)?;
    }
    if let Some(v) = &patch.description {
        after.description = text("description", v, 0, 500)?;
    }
    if let Some(v) = &patch.images {
        check_images(v)?;
        after.images = v.clone();
    }
    if let Some(v) = &patch.cold_chain {
        after.cold_chain = check_cold_chain(v)?;
    }
    if let Some(v) = &patch.unit {
        m.unit = Set(text("unit", v, 1, 8)?);
    }
    if let Some(v) = patch.weight_g {
        m.weight_g = Set(check_weight(v)?);
    }
    if let Some(v) = &patch.origin {
        m.origin = Set(text("origin", v, 0, 64)?);
    }
    if after != before {
        let next = transition(current.status, ListingEvent::EditContent)?;
        m.status = Set(next);
        m.name = Set(after.name);
        m.description = Set(after.description);
        m.images = Set(check_images(&after.images)?);
        m.cold_chain = Set(after.cold_chain);
    }
    write_versioned(db, &current, m, patch.version, now).await
}

/// A SKU's fields.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SkuInput {
    /// The product version the editor read.
    pub version: i32,
    /// Spec name, e.g. 猪肉包 ×10 冷冻袋.
    pub name: String,
    /// Price in fen (1 to 1,000,000).
    pub price_fen: i64,
    /// Units in stock; absent = unlimited.
    pub stock: Option<i64>,
    /// Whether it is on sale.
    #[serde(default = "yes")]
    pub on_shelf: bool,
    /// Order within the product.
    #[serde(default)]
    pub position: i32,
    /// Weight of one unit in grams (village trip capacity); default 500.
    #[serde(default)]
    pub weight_g: Option<i32>,
    /// Volume of one unit in millilitres; default 750.
    #[serde(default)]
    pub volume_ml: Option<i32>,
}

fn yes() -> bool {
    true
}

fn check_sku(input: &SkuInput) -> DomainResult<String> {
    if !(1..=1_000_000).contains(&input.price_fen) {
        return Err(DomainError::invalid(
            "price_fen",
            "must be 1 to 1,000,000 fen",
        ));
    }
    if let Some(s) = input.stock
        && !(0..=1_000_000).contains(&s)
    {
        return Err(DomainError::invalid(
            "stock",
            "must be 0 to 1,000,000 (or absent for unlimited)",
        ));
    }
    if input.weight_g.is_some_and(|g| !(1..=100_000).contains(&g)) {
        return Err(DomainError::invalid("weight_g", "must be 1 to 100,000 g"));
    }
    if input.volume_ml.is_some_and(|v| !(1..=200_000).contains(&v)) {
        return Err(DomainError::invalid("volume_ml", "must be 1 to 200,000 ml"));
    }
    text("name", &input.name, 1, 32)
}

/// Adds or (with `id`) replaces a SKU. Price and stock need no review.
pub async fn save_sku(
    db: &impl ConnectionTrait,
    product: product::Model,
    id: Option<i64>,
    input: &SkuInput,
    now: DateTime<Utc>,
) -> DomainResult<sku::Model> {
    let name = check_sku(input)?;
    // The product version guards its SKUs too.
    let touched: product::ActiveModel = product.clone().into();
    write_versioned(db, &product, touched, input.version, now).await?;
    let mut m: sku::ActiveModel = match id {
        Some(id) => sku_of(db, product.id, id).await?.into(),
        None => sku::ActiveModel {
            platform_id: Set(product.platform_id),
            product_id: Set(product.id),
            created_at: Set(now),
            ..Default::default()
        },
    };
    m.name = Set(name);
    m.price_fen = Set(input.price_fen);
    m.stock = Set(input.stock);
    m.on_shelf = Set(input.on_shelf);
    m.position = Set(input.position);
    if let Some(g) = input.weight_g {
        m.weight_g = Set(g);
    }
    if let Some(v) = input.volume_ml {
        m.volume_ml = Set(v);
    }
    Ok(m.save(db).await?.try_into_model()?)
}

async fn sku_of(db: &impl ConnectionTrait, product_id: i64, id: i64) -> DomainResult<sku::Model> {
    sku::Entity::find_by_id(id)
        .filter(sku::Column::ProductId.eq(product_id))
        .one(db)
        .await?
        .ok_or(DomainError::NotFound("sku"))
}

/// The SKUs of a product, in order.
pub async fn skus(db: &impl ConnectionTrait, product_id: i64) -> DomainResult<Vec<sku::Model>> {
    Ok(sku::Entity::find()
        .filter(sku::Column::ProductId.eq(product_id))
        .order_by_asc(sku::Column::Position)
        .order_by_asc(sku::Column::Id)
        .all(db)
        .await?)
}

/// Whether residents see the product: it has approved content (set on
/// approval, kept while a revision is reviewed, cleared on delisting).
pub fn visible(p: &product::Model) -> bool {
    p.live.is_some() && p.status != ProductStatus::Delisted
}
