//! Quoting an order: prices are always computed here from the database,
//! never taken from the client, with the delivery plan (rider ETA or the
//! village departure) and the fee rules that priced it.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Duration, Utc};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use serde::{Deserialize, Serialize};

use crate::error::{DomainError, DomainResult};
use crate::geo::Coordinates;
use crate::order::DeliveryKind;
use crate::supply_end::menu::{Content, visible};
use crate::to_door_line::addresses;
use crate::to_door_line::browse::{OpenStatus, local_time, open_status};
use crate::to_door_line::fee_rules::fee_rules;
use crate::to_door_line::pricing::{
    DeliveryPlan, MINUTES_PER_STOP, Schedule, city_eta, next_departure,
};
use crate::{address, departure, product, route, route_stop, sku, store_route};

/// A line of a quote request.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct LineRequest {
    /// The SKU.
    pub sku_id: i64,
    /// How many (1 to 99).
    pub qty: i32,
}

/// What a resident asks to buy.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct QuoteRequest {
    /// The store.
    pub store_id: i64,
    /// One of the resident's addresses.
    pub address_id: i64,
    /// Lines, 1 to 50, each SKU once.
    pub items: Vec<LineRequest>,
    /// A note for the kitchen.
    pub note: Option<String>,
}

/// A priced line.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct QuoteLine {
    /// SKU id.
    pub sku_id: i64,
    /// Product id.
    pub product_id: i64,
    /// Product name as listed.
    pub product_name: String,
    /// SKU name.
    pub sku_name: String,
    /// Unit price in fen.
    pub unit_price_fen: i64,
    /// Quantity.
    pub qty: i32,
    /// `unit_price_fen × qty`.
    pub line_total_fen: i64,
    /// Cold-chain class.
    pub cold_chain: String,
    /// Whether the SKU has limited stock (reserved on order).
    #[serde(skip)]
    pub limited: bool,
}

/// A discount applied to the order (none exist yet; the shape is fixed).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Discount {
    /// What it is.
    pub label: String,
    /// Amount off in fen.
    pub amount_fen: i64,
}

/// A priced order that has not been created.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Quote {
    /// The store.
    pub store_id: i64,
    /// The address.
    pub address_id: i64,
    /// `city` or `village`.
    pub delivery_kind: DeliveryKind,
    /// Priced lines.
    pub lines: Vec<QuoteLine>,
    /// Sum of the lines.
    pub items_total_fen: i64,
    /// The store's packing fee.
    pub packing_fee_fen: i64,
    /// Delivery fee by the platform's rules.
    pub delivery_fee_fen: i64,
    /// Village cold-chain surcharge.
    pub surcharge_fen: i64,
    /// Discounts.
    pub discounts: Vec<Discount>,
    /// Sum of the discounts.
    pub discount_fen: i64,
    /// What the resident pays.
    pub payable_fen: i64,
    /// How and when it arrives.
    pub plan: DeliveryPlan,
    /// The fee rules used.
    pub fee_rule_id: i64,
}

fn checked_add(a: i64, b: i64) -> DomainResult<i64> {
    a.checked_add(b)
        .ok_or_else(|| DomainError::invalid("items", "the amounts overflow"))
}

/// Prices an order on the server. Refuses with a precise reason.
pub async fn quote(
    db: &impl ConnectionTrait,
    platform_id: i64,
    user_id: i64,
    req: &QuoteRequest,
    now: DateTime<Utc>,
) -> DomainResult<Quote> {
    quote_for(db, platform_id, user_id, req, now)
        .await
        .map(|(q, _)| q)
}

/// The quote and the address it was priced for.
pub(crate) async fn quote_for(
    db: &impl ConnectionTrait,
    platform_id: i64,
    user_id: i64,
    req: &QuoteRequest,
    now: DateTime<Utc>,
) -> DomainResult<(Quote, address::Model)> {
    if req.items.is_empty() || req.items.len() > 50 {
        return Err(DomainError::invalid("items", "order 1 to 50 lines"));
    }
    let mut seen = HashSet::new();
    for l in &req.items {
        if !(1..=99).contains(&l.qty) {
            return Err(DomainError::invalid("items", "each qty is 1 to 99"));
        }
        if !seen.insert(l.sku_id) {
            return Err(DomainError::invalid(
                "items",
                format!("SKU {} is listed twice", l.sku_id),
            ));
        }
    }
    if req.note.as_ref().is_some_and(|n| n.chars().count() > 100) {
        return Err(DomainError::invalid("note", "at most 100 characters"));
    }
    let addr = addresses::get(db, platform_id, user_id, req.address_id).await?;
    let (s, m) = crate::supply_end::stores::selling(db, platform_id, req.store_id).await?;
    let p = crate::platform_end::platforms::platform_of(db, platform_id).await?;
    let (fee_rule_id, rules) = fee_rules(db, platform_id, now).await?;

    // Lines, priced from the database.
    let ids: Vec<i64> = req.items.iter().map(|l| l.sku_id).collect();
    let skus: HashMap<i64, sku::Model> = sku::Entity::find()
        .filter(sku::Column::Id.is_in(ids.clone()))
        .all(db)
        .await?
        .into_iter()
        .map(|k| (k.id, k))
        .collect();
    let product_ids: Vec<i64> = skus.values().map(|k| k.product_id).collect();
    let products: HashMap<i64, product::Model> = product::Entity::find()
        .filter(product::Column::Id.is_in(product_ids))
        .filter(product::Column::StoreId.eq(s.id))
        .all(db)
        .await?
        .into_iter()
        .map(|p| (p.id, p))
        .collect();
    let mut lines = Vec::with_capacity(req.items.len());
    let mut items_total = 0i64;
    for l in &req.items {
        let k = skus
            .get(&l.sku_id)
            .ok_or(DomainError::SkuUnavailable(l.sku_id))?;
        let prod = products
            .get(&k.product_id)
            .filter(|p| visible(p) && k.on_shelf)
            .ok_or(DomainError::SkuUnavailable(l.sku_id))?;
        if k.stock.is_some_and(|st| st < i64::from(l.qty)) {
            return Err(DomainError::InsufficientStock(l.sku_id));
        }
        let live: Content = prod
            .live
            .as_deref()
            .and_then(|j| serde_json::from_str(j).ok())
            .ok_or(DomainError::SkuUnavailable(l.sku_id))?;
        let line_total = k
            .price_fen
            .checked_mul(i64::from(l.qty))
            .ok_or_else(|| DomainError::invalid("items", "the amounts overflow"))?;
        items_total = checked_add(items_total, line_total)?;
        lines.push(QuoteLine {
            sku_id: k.id,
            product_id: prod.id,
            product_name: live.name,
            sku_name: k.name.clone(),
            unit_price_fen: k.price_fen,
            qty: l.qty,
            line_total_fen: line_total,
            cold_chain: live.cold_chain,
            limited: k.stock.is_some(),
        });
    }
    if items_total < s.min_order_fen {
        return Err(DomainError::BelowMinimumOrder {
            min_fen: s.min_order_fen,
            total_fen: items_total,
        });
    }

    let (kind, delivery_fee, surcharge, plan) = match addr.kind {
        DeliveryKind::Village => {
            let point = addr
                .agent_point_id
                .ok_or(DomainError::NotFound("address"))?;
            if m.delivery_modes == "city" {
                return Err(DomainError::OutOfDeliveryRange(
                    "this store does not deliver to villages".into(),
                ));
            }
            if s.closed_now {
                return Err(DomainError::StoreClosed);
            }
            let Some(schedules) = village_schedules(db, s.id, point).await? else {
                return Err(DomainError::OutOfDeliveryRange(
                    "no route of this store stops at that agent point".into(),
                ));
            };
            let local_now = local_time(&p, now);
            let (sched, departs, cutoff) =
                next_departure(local_now, &schedules).ok_or(DomainError::NoDepartureAvailable)?;
            let offset = Duration::minutes(i64::from(p.utc_offset_minutes));
            let departs_at = departs.and_utc() - offset;
            let plan = DeliveryPlan::Village {
                route_id: sched.route_id,
                departure_id: sched.departure_id,
                departs_at,
                cutoff_at: cutoff.and_utc() - offset,
                agent_point_id: point,
                eta: departs_at
                    + Duration::minutes(MINUTES_PER_STOP * (i64::from(sched.stop_seq) + 1)),
            };
            let surcharge = rules.surcharge(lines.iter().map(|l| l.cold_chain.as_str()));
            (
                DeliveryKind::Village,
                rules.village_fee(sched.route_id),
                surcharge,
                plan,
            )
        }
        _ => {
            if m.delivery_modes == "village" {
                return Err(DomainError::OutOfDeliveryRange(
                    "this store delivers to villages only".into(),
                ));
            }
            let here = coordinates(&addr)?;
            let at =
                Coordinates::new(s.lat, s.lng).map_err(|e| DomainError::invalid("store", e))?;
            let distance = at.distance_m(here).round() as i64;
            let fee = rules
                .city_fee(distance)
                .filter(|_| distance <= i64::from(s.delivery_radius_m))
                .ok_or_else(|| {
                    DomainError::OutOfDeliveryRange(format!(
                        "the address is {distance} m away, beyond the store's delivery range"
                    ))
                })?;
            if open_status(&s, local_time(&p, now)).0 != OpenStatus::Open {
                return Err(DomainError::StoreClosed);
            }
            let plan = DeliveryPlan::City {
                distance_m: distance,
                eta: city_eta(now, s.prep_minutes, distance),
            };
            (DeliveryKind::City, fee, 0, plan)
        }
    };
    let goods = checked_add(items_total, s.packing_fee_fen)?;
    let payable = checked_add(checked_add(goods, delivery_fee)?, surcharge)?;
    if let Some(max_bp) = crate::platform_end::sharing_limit::partner_limit(db, platform_id).await?
    {
        let rate =
            crate::platform_end::commission::rate_at(db, platform_id, &m.category, now).await?;
        crate::platform_end::sharing_limit::check_order(
            goods,
            delivery_fee + surcharge,
            rate,
            max_bp,
        )?;
    }
    let quote = Quote {
        store_id: s.id,
        address_id: addr.id,
        delivery_kind: kind,
        lines,
        items_total_fen: items_total,
        packing_fee_fen: s.packing_fee_fen,
        delivery_fee_fen: delivery_fee,
        surcharge_fen: surcharge,
        discounts: Vec::new(),
        discount_fen: 0,
        payable_fen: payable,
        plan,
        fee_rule_id,
    };
    Ok((quote, addr))
}

fn coordinates(a: &address::Model) -> DomainResult<Coordinates> {
    let (Some(lat), Some(lng)) = (a.lat, a.lng) else {
        return Err(DomainError::invalid(
            "address_id",
            "address has no location",
        ));
    };
    Coordinates::new(lat, lng).map_err(|e| DomainError::invalid("address_id", e))
}

/// Active departures of the store's active routes that stop at the point;
/// `None` when no such route exists at all.
async fn village_schedules(
    db: &impl ConnectionTrait,
    store_id: i64,
    point: i64,
) -> DomainResult<Option<Vec<Schedule>>> {
    let served: Vec<i64> = store_route::Entity::find()
        .filter(store_route::Column::StoreId.eq(store_id))
        .all(db)
        .await?
        .into_iter()
        .map(|r| r.route_id)
        .collect();
    let stops: HashMap<i64, i32> = route_stop::Entity::find()
        .filter(route_stop::Column::AgentPointId.eq(point))
        .filter(route_stop::Column::RouteId.is_in(served))
        .all(db)
        .await?
        .into_iter()
        .map(|s| (s.route_id, s.seq))
        .collect();
    let active: HashSet<i64> = route::Entity::find()
        .filter(route::Column::Id.is_in(stops.keys().copied()))
        .filter(route::Column::Active.eq(true))
        .all(db)
        .await?
        .into_iter()
        .map(|r| r.id)
        .collect();
    if active.is_empty() {
        return Ok(None);
    }
    let deps = departure::Entity::find()
        .filter(departure::Column::RouteId.is_in(active.iter().copied()))
        .filter(departure::Column::Active.eq(true))
        .all(db)
        .await?;
    Ok(Some(
        deps.into_iter()
            .filter_map(|d| Schedule::of(&d, *stops.get(&d.route_id)?))
            .collect(),
    ))
}
