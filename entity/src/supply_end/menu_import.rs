//! A store's menu imported from a spreadsheet: categories, products and
//! their SKUs with prices and stock, a line per SKU. All or nothing; the
//! same file again changes nothing. New products are drafts, submitted for
//! review as any other; a listed product whose content changes goes back
//! to review (the approved version stays on the menu meanwhile), while a
//! price or stock change needs no review.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

use crate::bulk::{ImportError, ImportReport, each_line};
use crate::error::{DomainError, DomainResult};
use crate::supply_end::menu::{self, CategoryInput, ProductInput, ProductPatch, SkuInput};
use crate::tables::{category, product, sku, store};

/// One line of a menu file: one SKU of a product.
#[derive(Debug, Clone, PartialEq)]
pub struct MenuLine {
    /// The line's number in the file (for errors).
    pub line: u64,
    /// The category on the menu, e.g. 冷冻包子.
    pub category: String,
    /// The product, e.g. 黑猪肉包子.
    pub product: String,
    /// Selling unit, e.g. 袋.
    pub unit: String,
    /// `ambient`, `chilled` or `frozen`.
    pub cold_chain: String,
    /// The product's weight per unit, grams.
    pub weight_g: i32,
    /// Description.
    pub description: String,
    /// Origin, e.g. 康县长坝镇.
    pub origin: String,
    /// The SKU's name, e.g. 鲜肉包 ×6.
    pub sku: String,
    /// Its price, fen.
    pub price_fen: i64,
    /// Units in stock; `None` = unlimited.
    pub stock: Option<i64>,
}

impl MenuLine {
    /// The product's own fields (the same on every line of the product).
    fn product_fields(&self) -> (&str, &str, &str, i32, &str, &str) {
        (
            self.category.trim(),
            self.unit.trim(),
            self.cold_chain.trim(),
            self.weight_g,
            self.description.trim(),
            self.origin.trim(),
        )
    }
}

/// Imports the lines into the store's menu; any bad line fails the whole
/// import with every bad line listed. Run it in a transaction.
pub async fn import_menu(
    db: &impl ConnectionTrait,
    store: &store::Model,
    lines: &[MenuLine],
    now: DateTime<Utc>,
) -> Result<ImportReport, ImportError> {
    let mut categories: HashMap<String, i64> = HashMap::new();
    // Product name → (its first line, the product id).
    let mut products: HashMap<String, (usize, i64)> = HashMap::new();
    let mut position: HashMap<i64, i32> = HashMap::new();
    let index: HashMap<u64, usize> = lines.iter().enumerate().map(|(i, l)| (l.line, i)).collect();
    each_line(
        lines,
        |l| l.line,
        async |l, report| {
            let product_id = match products.get(l.product.trim()) {
                Some(&(first, id)) => {
                    let f = &lines[first];
                    if f.product_fields() != l.product_fields() {
                        return Err(DomainError::invalid(
                            "product",
                            format!(
                                "{}'s category, unit, cold chain, weight, description or origin differ from line {}",
                                l.product.trim(),
                                f.line
                            ),
                        ));
                    }
                    id
                }
                None => {
                    let category_id =
                        category_id(db, store, &l.category, &mut categories, report, now).await?;
                    let id = product_line(db, store, category_id, l, report, now).await?;
                    let first = index.get(&l.line).copied().unwrap_or_default();
                    products.insert(l.product.trim().to_owned(), (first, id));
                    id
                }
            };
            let seq = position.entry(product_id).or_insert(0);
            *seq += 1;
            sku_line(db, store, product_id, l, *seq, report, now).await
        },
    )
    .await
}

async fn category_id(
    db: &impl ConnectionTrait,
    store: &store::Model,
    name: &str,
    known: &mut HashMap<String, i64>,
    report: &mut ImportReport,
    now: DateTime<Utc>,
) -> DomainResult<i64> {
    let name = name.trim();
    if let Some(id) = known.get(name) {
        return Ok(*id);
    }
    let found = category::Entity::find()
        .filter(category::Column::StoreId.eq(store.id))
        .filter(category::Column::Name.eq(name))
        .one(db)
        .await?;
    let id = match found {
        Some(c) => c.id,
        None => {
            let input = CategoryInput {
                name: name.to_owned(),
                position: 10 * (known.len() as i32 + 1),
            };
            report.categories_created += 1;
            menu::save_category(db, store.id, store.platform_id, None, &input, now)
                .await
                .map_err(|e| match e {
                    DomainError::Invalid { message, .. } => {
                        DomainError::invalid("category", message)
                    }
                    other => other,
                })?
                .id
        }
    };
    known.insert(name.to_owned(), id);
    Ok(id)
}

/// Creates the product, or changes the fields that differ; its id.
async fn product_line(
    db: &impl ConnectionTrait,
    store: &store::Model,
    category_id: i64,
    l: &MenuLine,
    report: &mut ImportReport,
    now: DateTime<Utc>,
) -> DomainResult<i64> {
    let found = product::Entity::find()
        .filter(product::Column::StoreId.eq(store.id))
        .filter(product::Column::Name.eq(l.product.trim()))
        .one(db)
        .await?;
    let Some(p) = found else {
        let input = ProductInput {
            category_id: Some(category_id),
            name: l.product.clone(),
            description: l.description.clone(),
            images: Vec::new(),
            unit: l.unit.clone(),
            cold_chain: l.cold_chain.trim().to_owned(),
            weight_g: l.weight_g,
            origin: l.origin.clone(),
        };
        report.products_created += 1;
        return Ok(
            menu::create_product(db, store.id, store.platform_id, &input, now)
                .await?
                .id,
        );
    };
    let differs = |current: &str, given: &str| (current != given.trim()).then(|| given.to_owned());
    let patch = ProductPatch {
        version: p.version,
        category_id: (p.category_id != Some(category_id)).then_some(category_id),
        name: None,
        description: differs(&p.description, &l.description),
        images: None,
        unit: differs(&p.unit, &l.unit),
        cold_chain: differs(&p.cold_chain, &l.cold_chain),
        weight_g: (p.weight_g != l.weight_g).then_some(l.weight_g),
        origin: differs(&p.origin, &l.origin),
    };
    let changed = patch.category_id.is_some()
        || patch.description.is_some()
        || patch.unit.is_some()
        || patch.cold_chain.is_some()
        || patch.weight_g.is_some()
        || patch.origin.is_some();
    if changed {
        menu::update_product(db, p.clone(), &patch, now).await?;
        report.products_updated += 1;
    }
    Ok(p.id)
}

/// Creates the SKU, or changes its price and stock when they differ.
async fn sku_line(
    db: &impl ConnectionTrait,
    store: &store::Model,
    product_id: i64,
    l: &MenuLine,
    position: i32,
    report: &mut ImportReport,
    now: DateTime<Utc>,
) -> DomainResult<()> {
    let p = menu::product_of(db, store.id, product_id).await?;
    let found = sku::Entity::find()
        .filter(sku::Column::ProductId.eq(product_id))
        .filter(sku::Column::Name.eq(l.sku.trim()))
        .one(db)
        .await?;
    let input = |on_shelf: bool, position: i32| SkuInput {
        version: p.version,
        name: l.sku.clone(),
        price_fen: l.price_fen,
        stock: l.stock,
        on_shelf,
        position,
        weight_g: None,
        volume_ml: None,
    };
    match found {
        Some(s) if s.price_fen == l.price_fen && s.stock == l.stock => {
            report.unchanged += 1;
        }
        Some(s) => {
            menu::save_sku(
                db,
                p.clone(),
                Some(s.id),
                &input(s.on_shelf, s.position),
                now,
            )
            .await?;
            report.skus_updated += 1;
        }
        None => {
            menu::save_sku(db, p.clone(), None, &input(true, position), now).await?;
            report.skus_created += 1;
        }
    }
    Ok(())
}
