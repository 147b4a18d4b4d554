//! What a resident does before the kitchen sees an order: look at a
//! store's menu, fill a basket, place the order, pay (or walk away); and
//! the kitchen's morning restock of its limited SKUs.

use chrono::{DateTime, Duration, Utc};
use entity::error::{DomainError, DomainResult};
use entity::order;
use entity::payment::PayProvider;
use entity::supply_end::menu::{self, SkuInput};
use entity::to_door_line::browse::{self, Menu};
use entity::to_door_line::payments::{self, PaymentOutcome};
use entity::to_door_line::quote::{LineRequest, QuoteRequest};
use entity::{product, sku};
use sea_orm::{
    ColumnTrait, DatabaseTransaction, EntityTrait, QueryFilter, QueryOrder, TransactionTrait,
};

use super::cast::{Kitchen, Resident};
use super::rng::Rng;

/// A SKU a resident can put in a basket.
#[derive(Debug, Clone)]
pub struct Offer {
    /// The SKU.
    pub sku_id: i64,
    /// Its price.
    pub price_fen: i64,
    /// Its cold-chain class.
    pub cold_chain: String,
}

/// A store's menu as SKUs, read the way the mini-program reads it.
pub async fn offers(db: &DatabaseTransaction, pid: i64, store_id: i64) -> DomainResult<Vec<Offer>> {
    let Menu { categories, .. } = browse::menu(db, pid, store_id).await?;
    Ok(categories
        .into_iter()
        .flat_map(|c| c.products)
        .flat_map(|p| {
            let class = p.content.cold_chain.clone();
            p.skus
                .into_iter()
                .filter(|s| !s.sold_out)
                .map(move |s| Offer {
                    sku_id: s.id,
                    price_fen: s.price_fen,
                    cold_chain: class.clone(),
                })
        })
        .collect())
}

/// One to three SKUs, topped up to the store's minimum order. Village
/// residents favour what keeps (frozen buns, dry goods).
pub fn basket(rng: &mut Rng, offers: &[Offer], min_fen: i64, village: bool) -> Vec<LineRequest> {
    let weights: Vec<u64> = offers
        .iter()
        .map(|o| match (village, o.cold_chain.as_str()) {
            (true, "frozen") => 5,
            (false, "frozen") => 1,
            _ => 3,
        })
        .collect();
    let mut lines: Vec<(usize, i32)> = Vec::new();
    for _ in 0..rng.between(1, 3) {
        let i = rng.weighted(&weights);
        match lines.iter_mut().find(|(j, _)| *j == i) {
            Some((_, q)) => *q += 1,
            None => lines.push((i, rng.between(1, 3) as i32)),
        }
    }
    let total = |lines: &[(usize, i32)]| -> i64 {
        lines
            .iter()
            .map(|(i, q)| offers.get(*i).map_or(0, |o| o.price_fen) * i64::from(*q))
            .sum()
    };
    while total(&lines) < min_fen && lines.iter().all(|(_, q)| *q < 20) {
        if let Some(first) = lines.first_mut() {
            first.1 += 1;
        }
    }
    lines
        .into_iter()
        .filter_map(|(i, qty)| {
            offers.get(i).map(|o| LineRequest {
                sku_id: o.sku_id,
                qty,
            })
        })
        .collect()
}

/// Places the order and, unless the resident walks away, pays it a minute
/// later with the demo provider. `None` when the order was refused (a SKU
/// sold out, the store closed): the refusal leaves nothing behind.
#[allow(clippy::too_many_arguments)]
pub async fn place_and_pay(
    db: &DatabaseTransaction,
    pid: i64,
    who: &Resident,
    kitchen: &Kitchen,
    items: Vec<LineRequest>,
    pays: bool,
    rng: &mut Rng,
    at: DateTime<Utc>,
    utc_offset_minutes: i32,
) -> DomainResult<Option<order::Model>> {
    if items.is_empty() {
        return Ok(None);
    }
    let req = QuoteRequest {
        store_id: kitchen.store.id,
        address_id: who.address.id,
        items,
        note: None,
    };
    let local = at + Duration::minutes(i64::from(utc_offset_minutes));
    let no = format!(
        "TC{}{}",
        local.format("%Y%m%d"),
        hex::encode_upper(rng.bytes::<5>())
    );
    let attempt = db.begin().await?;
    let placed =
        entity::to_door_line::place::place(&attempt, pid, who.user_id, &req, None, &no, at).await;
    let o = match placed {
        Ok((o, _)) => {
            attempt.commit().await?;
            o
        }
        Err(e) if !matches!(e, DomainError::Db(_)) => {
            attempt.rollback().await?;
            return Ok(None);
        }
        Err(e) => return Err(e),
    };
    if !pays {
        return Ok(Some(o));
    }
    let paid_at = at + Duration::seconds(rng.between(30, 150));
    let p = payments::start_payment(db, &o, PayProvider::Demo, paid_at).await?;
    let txid = format!("DEMO{}", hex::encode_upper(rng.bytes::<8>()));
    match payments::confirm_payment(db, &p.out_trade_no, p.amount_fen, &txid, paid_at).await? {
        PaymentOutcome::Paid(o) => Ok(Some(*o)),
        PaymentOutcome::AlreadyPaid | PaymentOutcome::RefundInstead(_) => Ok(Some(o)),
    }
}

/// A limited SKU and the stock the kitchen keeps it at.
#[derive(Debug, Clone)]
pub struct Shelf {
    sku: sku::Model,
    level: i64,
}

/// The limited SKUs of the stores and their stock at the start.
pub async fn shelves(db: &DatabaseTransaction, kitchens: &[Kitchen]) -> DomainResult<Vec<Shelf>> {
    let stores: Vec<i64> = kitchens.iter().map(|k| k.store.id).collect();
    let products: Vec<i64> = product::Entity::find()
        .filter(product::Column::StoreId.is_in(stores))
        .all(db)
        .await?
        .into_iter()
        .map(|p| p.id)
        .collect();
    Ok(sku::Entity::find()
        .filter(sku::Column::ProductId.is_in(products))
        .order_by_asc(sku::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .filter_map(|s| match s.stock {
            Some(level) if level > 0 => Some(Shelf { sku: s, level }),
            _ => None,
        })
        .collect())
}

/// The kitchen's morning restock: every limited SKU back to its level,
/// through the menu's own SKU update (which bumps the product's version).
pub async fn restock(
    db: &DatabaseTransaction,
    shelves: &[Shelf],
    at: DateTime<Utc>,
) -> DomainResult<usize> {
    let mut topped = 0;
    for s in shelves {
        let Some(now) = sku::Entity::find_by_id(s.sku.id).one(db).await? else {
            continue;
        };
        if now.stock.unwrap_or(0) >= s.level {
            continue;
        }
        let Some(p) = product::Entity::find_by_id(now.product_id).one(db).await? else {
            continue;
        };
        let input = SkuInput {
            version: p.version,
            name: now.name.clone(),
            price_fen: now.price_fen,
            stock: Some(s.level),
            on_shelf: now.on_shelf,
            position: now.position,
            weight_g: None,
            volume_ml: None,
        };
        menu::save_sku(db, p, Some(now.id), &input, at).await?;
        topped += 1;
    }
    Ok(topped)
}
