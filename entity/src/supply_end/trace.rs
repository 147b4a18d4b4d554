//! Traceability (一码溯源): production batches with a public trace code,
//! each order item tied to the batch it came from when the kitchen marks
//! the order ready (its pick, or the oldest batch with enough left), and
//! the trace page anyone who scans the label sees.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set,
};
use serde::{Deserialize, Serialize};

use crate::error::{DomainError, DomainResult};
use crate::supply_end::households::Ingredient;
use crate::{
    batch_source, merchant, order, order_item, product, production_batch, store, supplier, village,
};

/// A batch as the kitchen records it.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct NewBatch {
    /// The product made.
    pub product_id: i64,
    /// When (today or up to 30 days back).
    pub produced_on: NaiveDate,
    /// Units made (1 to 100,000).
    pub quantity: i32,
    /// Where the ingredients came from; the product's ingredient links
    /// when left out.
    #[serde(default)]
    pub sources: Vec<Ingredient>,
}

/// The alphabet of trace codes: no 0/O, 1/I/L.
const CODE_ALPHABET: &[u8; 31] = b"23456789ABCDEFGHJKMNPQRSTUVWXYZ";

/// A 12-character trace code from 12 random bytes.
pub fn trace_code(random: [u8; 12]) -> String {
    random
        .iter()
        .map(|b| char::from(CODE_ALPHABET[usize::from(b % 31)]))
        .collect()
}

/// Records a production batch of one of the store's products.
#[allow(clippy::too_many_arguments)]
pub async fn create_batch(
    db: &impl ConnectionTrait,
    s: &store::Model,
    by: i64,
    b: &NewBatch,
    code: String,
    today: NaiveDate,
    now: DateTime<Utc>,
) -> DomainResult<production_batch::Model> {
    let p = product::Entity::find_by_id(b.product_id)
        .one(db)
        .await?
        .filter(|p| p.store_id == s.id)
        .ok_or(DomainError::NotFound("product"))?;
    if !(1..=100_000).contains(&b.quantity) {
        return Err(DomainError::invalid("quantity", "1 to 100,000"));
    }
    if b.produced_on > today || b.produced_on < today - chrono::Duration::days(30) {
        return Err(DomainError::invalid(
            "produced_on",
            "today or up to 30 days back",
        ));
    }
    let sources = if b.sources.is_empty() {
        crate::supply_end::households::ingredients(db, p.id).await?
    } else {
        b.sources.clone()
    };
    for src in &sources {
        crate::validate::text("ingredient", &src.ingredient, 1, 16)?;
        crate::scope::on_platform::<supplier::Entity>(
            db,
            s.platform_id,
            src.supplier_id,
            "supplier",
        )
        .await?;
    }
    let batch = production_batch::ActiveModel {
        platform_id: Set(s.platform_id),
        merchant_id: Set(s.merchant_id),
        store_id: Set(s.id),
        product_id: Set(p.id),
        produced_on: Set(b.produced_on),
        quantity: Set(b.quantity),
        remaining: Set(b.quantity),
        trace_code: Set(code),
        created_by: Set(by),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?;
    for src in sources {
        batch_source::ActiveModel {
            batch_id: Set(batch.id),
            supplier_id: Set(src.supplier_id),
            ingredient: Set(src.ingredient.trim().to_owned()),
            ..Default::default()
        }
        .insert(db)
        .await?;
    }
    Ok(batch)
}

/// Takes `qty` units from a batch if it has them (a guarded update, so
/// two orders never take the same units).
async fn take(db: &impl ConnectionTrait, batch_id: i64, qty: i32) -> DomainResult<bool> {
    let res = production_batch::Entity::update_many()
        .col_expr(
            production_batch::Column::Remaining,
            Expr::col(production_batch::Column::Remaining).sub(qty),
        )
        .filter(production_batch::Column::Id.eq(batch_id))
        .filter(production_batch::Column::Remaining.gte(qty))
        .exec(db)
        .await?;
    Ok(res.rows_affected == 1)
}

/// Ties the order's items to batches: the kitchen's pick (`item id →
/// batch id`), otherwise the oldest batch of the product with enough left
/// (FIFO). Items of products without batches stay untied. Run in the
/// transaction that marks the order ready.
pub async fn assign_batches(
    db: &impl ConnectionTrait,
    o: &order::Model,
    picks: &BTreeMap<i64, i64>,
    today: NaiveDate,
) -> DomainResult<usize> {
    let items = order_item::Entity::find()
        .filter(order_item::Column::OrderId.eq(o.id))
        .all(db)
        .await?;
    if let Some(stray) = picks.keys().find(|id| !items.iter().any(|i| i.id == **id)) {
        return Err(DomainError::invalid(
            "batches",
            format!("item {stray} is not in this order"),
        ));
    }
    let mut tied = 0;
    for it in items.iter().filter(|i| i.batch_id.is_none()) {
        let chosen = match picks.get(&it.id) {
            Some(&batch_id) => {
                let b = production_batch::Entity::find_by_id(batch_id)
                    .one(db)
                    .await?
                    .filter(|b| b.product_id == it.product_id && b.store_id == o.store_id)
                    .ok_or(DomainError::NotFound("batch"))?;
                if !take(db, b.id, it.qty).await? {
                    return Err(DomainError::invalid(
                        "batches",
                        format!("batch {} has fewer than {} left", b.trace_code, it.qty),
                    ));
                }
                Some(b.id)
            }
            None => {
                let mut found = None;
                for b in production_batch::Entity::find()
                    .filter(production_batch::Column::ProductId.eq(it.product_id))
                    .filter(production_batch::Column::StoreId.eq(o.store_id))
                    .filter(production_batch::Column::Remaining.gte(it.qty))
                    .filter(production_batch::Column::ProducedOn.lte(today))
                    .order_by_asc(production_batch::Column::ProducedOn)
                    .order_by_asc(production_batch::Column::Id)
                    .all(db)
                    .await?
                {
                    if take(db, b.id, it.qty).await? {
                        found = Some(b.id);
                        break;
                    }
                }
                found
            }
        };
        if let Some(batch_id) = chosen {
            order_item::Entity::update_many()
                .col_expr(order_item::Column::BatchId, Expr::value(Some(batch_id)))
                .filter(order_item::Column::Id.eq(it.id))
                .filter(order_item::Column::BatchId.is_null())
                .exec(db)
                .await?;
            tied += 1;
        }
    }
    Ok(tied)
}

/// Where an ingredient came from, as the public may see it: the village
/// and the kind of supplier, never a person's name.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TraceSource {
    /// e.g. 黑猪肉.
    pub ingredient: String,
    /// `household`, `cooperative` or `other`.
    pub supplier_kind: String,
    /// A registered poor household.
    pub registered_poor: bool,
    /// Its village.
    pub village: Option<String>,
}

/// The resident's own delivery of this batch.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct YourDelivery {
    /// The order's public number.
    pub order_no: String,
    /// Its status.
    pub status: String,
    /// The cold-chain record of its journey.
    pub cold_chain: Vec<crate::to_door_line::village::batch_settlement::ColdRecord>,
}

/// What scanning a trace code shows.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TraceView {
    /// The code.
    pub code: String,
    /// The product.
    pub product: String,
    /// The kitchen.
    pub kitchen: String,
    /// Its merchant.
    pub merchant: String,
    /// Production date.
    pub produced_on: NaiveDate,
    /// Units in the batch.
    pub quantity: i32,
    /// Where the ingredients came from.
    pub sources: Vec<TraceSource>,
    /// For a signed-in resident who received items of this batch.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub your_delivery: Option<YourDelivery>,
}

/// The trace page of a code. `resident`: the signed-in caller (platform,
/// user), who also sees their own delivery of the batch.
pub async fn trace(
    db: &impl ConnectionTrait,
    code: &str,
    resident: Option<(i64, i64)>,
) -> DomainResult<TraceView> {
    let code = code.trim().to_ascii_uppercase();
    let b = production_batch::Entity::find()
        .filter(production_batch::Column::TraceCode.eq(code.as_str()))
        .one(db)
        .await?
        .ok_or(DomainError::NotFound("trace code"))?;
    let p = crate::scope::get::<product::Entity>(db, b.product_id, "product").await?;
    let s = crate::scope::get::<store::Entity>(db, b.store_id, "store").await?;
    let m = crate::scope::get::<merchant::Entity>(db, b.merchant_id, "merchant").await?;
    let mut sources = Vec::new();
    for src in batch_source::Entity::find()
        .filter(batch_source::Column::BatchId.eq(b.id))
        .order_by_asc(batch_source::Column::Id)
        .all(db)
        .await?
    {
        let Some(sup) = supplier::Entity::find_by_id(src.supplier_id)
            .one(db)
            .await?
        else {
            continue;
        };
        let village = match sup.village_id {
            Some(v) => village::Entity::find_by_id(v)
                .one(db)
                .await?
                .map(|v| v.name),
            None => None,
        };
        sources.push(TraceSource {
            ingredient: src.ingredient,
            supplier_kind: sup.kind.to_string(),
            registered_poor: sup.registered_poor,
            village,
        });
    }
    let mut your_delivery = None;
    if let Some((platform_id, user_id)) = resident.filter(|(p, _)| *p == b.platform_id) {
        let mine = order_item::Entity::find()
            .filter(order_item::Column::BatchId.eq(b.id))
            .all(db)
            .await?;
        let ids: Vec<i64> = mine.iter().map(|i| i.order_id).collect();
        if !ids.is_empty() {
            let o = order::Entity::find()
                .filter(order::Column::Id.is_in(ids))
                .filter(order::Column::PlatformId.eq(platform_id))
                .filter(order::Column::UserId.eq(user_id))
                .order_by_desc(order::Column::Id)
                .one(db)
                .await?;
            if let Some(o) = o {
                your_delivery = Some(YourDelivery {
                    cold_chain: crate::to_door_line::village::batch_settlement::record_of_order(
                        db, o.id,
                    )
                    .await?,
                    order_no: o.order_no,
                    status: o.status.to_string(),
                });
            }
        }
    }
    Ok(TraceView {
        code: b.trace_code,
        product: p.name,
        kitchen: s.name,
        merchant: m.name,
        produced_on: b.produced_on,
        quantity: b.quantity,
        sources,
        your_delivery,
    })
}

/// A store's batches, newest first.
pub async fn batches_of(
    db: &impl ConnectionTrait,
    store_id: i64,
) -> DomainResult<Vec<production_batch::Model>> {
    Ok(production_batch::Entity::find()
        .filter(production_batch::Column::StoreId.eq(store_id))
        .order_by_desc(production_batch::Column::ProducedOn)
        .order_by_desc(production_batch::Column::Id)
        .all(db)
        .await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trace_codes_avoid_look_alikes() {
        let c = trace_code([0, 1, 30, 31, 62, 255, 7, 8, 9, 10, 11, 12]);
        assert_eq!(c.len(), 12);
        assert!(!c.contains(['0', 'O', '1', 'I', 'L']), "{c}");
    }
}
