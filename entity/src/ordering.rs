//! Quoting and placing orders, and moving them along the state machine with
//! their side effects (stock, timestamps, refunds) and timeline.
//!
//! Prices are always computed here from the database, never taken from the
//! client. Stock is reserved by conditional updates (`stock >= qty`), so
//! concurrent orders never oversell.

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{DateTime, Duration, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set,
    sea_query::Expr,
};
use serde::{Deserialize, Serialize};

use crate::browse::{OpenStatus, local_time, open_status};
use crate::error::{DomainError, DomainResult};
use crate::geo::Coordinates;
use crate::menu::{Content, visible};
use crate::order_state::{DeliveryKind, OrderEvent, OrderStatus, transition};
use crate::pricing::{
    DeliveryPlan, FeeRules, MINUTES_PER_STOP, Schedule, city_eta, next_departure,
};
use crate::{
    address, addresses, departure, fee_rule, merchant, order, order_event, order_item, payment,
    platform, product, refund, route, route_stop, sku, store, store_route,
};

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
    pub delivery_kind: String,
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

/// The platform's fee rules in force at `now` (the default rules are
/// stored on first use, so every order can name the rules that priced it).
pub async fn fee_rules(
    db: &impl ConnectionTrait,
    platform_id: i64,
    now: DateTime<Utc>,
) -> DomainResult<(i64, FeeRules)> {
    let current = fee_rule::Entity::find()
        .filter(fee_rule::Column::PlatformId.eq(platform_id))
        .filter(fee_rule::Column::EffectiveFrom.lte(now))
        .order_by_desc(fee_rule::Column::EffectiveFrom)
        .order_by_desc(fee_rule::Column::Id)
        .one(db)
        .await?;
    if let Some(r) = current {
        let rules = serde_json::from_str(&r.rules)
            .map_err(|e| DomainError::invalid("fee_rules", e.to_string()))?;
        return Ok((r.id, rules));
    }
    let rules = FeeRules::default();
    let row = fee_rule::ActiveModel {
        platform_id: Set(platform_id),
        rules: Set(serde_json::to_string(&rules)
            .map_err(|e| DomainError::invalid("fee_rules", e.to_string()))?),
        effective_from: Set(DateTime::<Utc>::UNIX_EPOCH),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok((row.id, rules))
}

/// The fee rules an order was priced with (by the id it records).
pub async fn fee_rules_of(db: &impl ConnectionTrait, id: i64) -> DomainResult<FeeRules> {
    let r = fee_rule::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(DomainError::NotFound("fee rules"))?;
    serde_json::from_str(&r.rules).map_err(|e| DomainError::invalid("fee_rules", e.to_string()))
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
async fn quote_for(
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
    let s = store::Entity::find_by_id(req.store_id)
        .filter(store::Column::PlatformId.eq(platform_id))
        .one(db)
        .await?
        .ok_or(DomainError::NotFound("store"))?;
    let m = merchant::Entity::find_by_id(s.merchant_id)
        .filter(merchant::Column::Status.eq("approved"))
        .one(db)
        .await?
        .ok_or(DomainError::NotFound("store"))?;
    let p = platform::Entity::find_by_id(platform_id)
        .one(db)
        .await?
        .ok_or(DomainError::NotFound("platform"))?;
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

    let (kind, delivery_fee, surcharge, plan) = match addr.kind.as_str() {
        "village" => {
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
                "village",
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
            ("city", fee, 0, plan)
        }
    };
    let payable = checked_add(
        checked_add(checked_add(items_total, s.packing_fee_fen)?, delivery_fee)?,
        surcharge,
    )?;
    let quote = Quote {
        store_id: s.id,
        address_id: addr.id,
        delivery_kind: kind.into(),
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

/// Who moves an order.
#[derive(Debug, Clone, Copy)]
pub struct OrderActor {
    /// `resident`, `merchant`, `operator`, `system` or `payment`.
    pub kind: &'static str,
    /// The acting user, if a person.
    pub user_id: Option<i64>,
}

impl OrderActor {
    /// The platform itself (timeouts, jobs).
    pub const SYSTEM: OrderActor = OrderActor {
        kind: "system",
        user_id: None,
    };
    /// A payment provider's confirmation.
    pub const PAYMENT: OrderActor = OrderActor {
        kind: "payment",
        user_id: None,
    };
}

/// Places an order: re-prices, reserves stock, stores the order with its
/// lines and first event. Run in a transaction; on error roll it back.
///
/// With an idempotency key, the same key and request return the first
/// order (`false` = not created now); the same key with another request is
/// refused.
#[allow(clippy::too_many_arguments)]
pub async fn place(
    db: &impl ConnectionTrait,
    platform_id: i64,
    user_id: i64,
    req: &QuoteRequest,
    idempotency: Option<(&str, &str)>,
    order_no: &str,
    now: DateTime<Utc>,
) -> DomainResult<(order::Model, bool)> {
    if let Some((key, hash)) = idempotency {
        let prior = order::Entity::find()
            .filter(order::Column::UserId.eq(user_id))
            .filter(order::Column::IdempotencyKey.eq(key))
            .one(db)
            .await?;
        if let Some(o) = prior {
            if o.request_hash.as_deref() != Some(hash) {
                return Err(DomainError::IdempotencyKeyReused);
            }
            return Ok((o, false));
        }
    }
    let (q, addr) = quote_for(db, platform_id, user_id, req, now).await?;
    for l in q.lines.iter().filter(|l| l.limited) {
        use sea_orm::sea_query::ExprTrait;
        let taken = sku::Entity::update_many()
            .col_expr(
                sku::Column::Stock,
                Expr::col(sku::Column::Stock).sub(i64::from(l.qty)),
            )
            .filter(sku::Column::Id.eq(l.sku_id))
            .filter(sku::Column::Stock.gte(i64::from(l.qty)))
            .exec(db)
            .await?;
        if taken.rows_affected != 1 {
            return Err(DomainError::InsufficientStock(l.sku_id));
        }
    }
    let o = order::ActiveModel {
        platform_id: Set(platform_id),
        order_no: Set(order_no.to_owned()),
        user_id: Set(user_id),
        store_id: Set(q.store_id),
        address_id: Set(q.address_id),
        address_snapshot: Set(serde_json::to_string(&addr)
            .map_err(|e| DomainError::invalid("address_id", e.to_string()))?),
        delivery_kind: Set(q.delivery_kind.clone()),
        status: Set(OrderStatus::PendingPayment.as_str().into()),
        items_total_fen: Set(q.items_total_fen),
        packing_fee_fen: Set(q.packing_fee_fen),
        delivery_fee_fen: Set(q.delivery_fee_fen),
        surcharge_fen: Set(q.surcharge_fen),
        discount_fen: Set(q.discount_fen),
        payable_fen: Set(q.payable_fen),
        fee_rule_id: Set(q.fee_rule_id),
        note: Set(req.note.clone().unwrap_or_default()),
        delivery_plan: Set(serde_json::to_string(&q.plan)
            .map_err(|e| DomainError::invalid("plan", e.to_string()))?),
        idempotency_key: Set(idempotency.map(|(k, _)| k.to_owned())),
        request_hash: Set(idempotency.map(|(_, h)| h.to_owned())),
        paid_at: Set(None),
        accepted_at: Set(None),
        ready_at: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?;
    order_item::Entity::insert_many(q.lines.iter().map(|l| order_item::ActiveModel {
        platform_id: Set(platform_id),
        order_id: Set(o.id),
        sku_id: Set(l.sku_id),
        product_id: Set(l.product_id),
        product_name: Set(l.product_name.clone()),
        sku_name: Set(l.sku_name.clone()),
        unit_price_fen: Set(l.unit_price_fen),
        qty: Set(l.qty),
        line_total_fen: Set(l.line_total_fen),
        cold_chain: Set(l.cold_chain.clone()),
        stock_reserved: Set(l.limited),
        ..Default::default()
    }))
    .exec(db)
    .await?;
    record(
        db,
        &o,
        None,
        OrderStatus::PendingPayment,
        "created",
        OrderActor {
            kind: "resident",
            user_id: Some(user_id),
        },
        None,
        now,
    )
    .await?;
    Ok((o, true))
}

#[allow(clippy::too_many_arguments)]
async fn record(
    db: &impl ConnectionTrait,
    o: &order::Model,
    from: Option<OrderStatus>,
    to: OrderStatus,
    event: &str,
    actor: OrderActor,
    reason: Option<String>,
    now: DateTime<Utc>,
) -> DomainResult<()> {
    order_event::ActiveModel {
        platform_id: Set(o.platform_id),
        order_id: Set(o.id),
        from_status: Set(from.map(|s| s.as_str().to_owned())),
        to_status: Set(to.as_str().into()),
        event: Set(event.into()),
        actor_kind: Set(actor.kind.into()),
        actor_user_id: Set(actor.user_id),
        reason: Set(reason),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(())
}

/// Notes an event on the order's timeline that does not move it (a
/// compensation, a reminder).
pub async fn note(
    db: &impl ConnectionTrait,
    o: &order::Model,
    event: &str,
    actor: OrderActor,
    reason: Option<String>,
    now: DateTime<Utc>,
) -> DomainResult<()> {
    let at = status_of(o)?;
    record(db, o, Some(at), at, event, actor, reason, now).await
}

/// The order's status.
pub fn status_of(o: &order::Model) -> DomainResult<OrderStatus> {
    OrderStatus::parse(&o.status)
        .ok_or_else(|| DomainError::invalid("status", format!("unknown status {}", o.status)))
}

fn kind_of(o: &order::Model) -> DeliveryKind {
    if o.delivery_kind == "village" {
        DeliveryKind::Village
    } else {
        DeliveryKind::City
    }
}

/// A refund created by a transition, for the caller to execute (a job).
#[derive(Debug, Clone)]
pub struct RefundDue {
    /// The refund row.
    pub refund: refund::Model,
}

/// Moves an order by `event`, with its side effects. Run in a transaction.
///
/// The status changes by a conditional update, so of two concurrent moves
/// only one happens; a refused move leaves no trace.
pub async fn apply(
    db: &impl ConnectionTrait,
    o: order::Model,
    event: OrderEvent,
    actor: OrderActor,
    reason: Option<String>,
    now: DateTime<Utc>,
) -> DomainResult<(order::Model, Option<RefundDue>)> {
    let from = status_of(&o)?;
    let to = transition(from, event, kind_of(&o))?;
    let mut update = order::Entity::update_many()
        .col_expr(order::Column::Status, Expr::value(to.as_str()))
        .col_expr(order::Column::UpdatedAt, Expr::value(now));
    match event {
        OrderEvent::PaymentConfirmed => {
            update = update.col_expr(order::Column::PaidAt, Expr::value(Some(now)));
        }
        OrderEvent::MerchantAccept => {
            update = update.col_expr(order::Column::AcceptedAt, Expr::value(Some(now)));
        }
        OrderEvent::MarkReady => {
            update = update.col_expr(order::Column::ReadyAt, Expr::value(Some(now)));
        }
        _ => {}
    }
    let moved = update
        .filter(order::Column::Id.eq(o.id))
        .filter(order::Column::Status.eq(from.as_str()))
        .exec(db)
        .await?;
    if moved.rows_affected != 1 {
        // Someone else moved it first: report against its real status.
        let now_status = order::Entity::find_by_id(o.id)
            .one(db)
            .await?
            .and_then(|x| OrderStatus::parse(&x.status))
            .unwrap_or(from);
        return Err(crate::order_state::InvalidOrderTransition {
            from: now_status,
            event,
        }
        .into());
    }
    if matches!(to, OrderStatus::Cancelled | OrderStatus::Refunding) {
        release_stock(db, o.id).await?;
    }
    let mut due = None;
    if to == OrderStatus::Refunding {
        due = Some(RefundDue {
            refund: request_full_refund(
                db,
                &o,
                reason.clone().unwrap_or_else(|| event.as_str().into()),
                now,
            )
            .await?,
        });
    }
    if to == OrderStatus::Cancelled {
        payment::Entity::update_many()
            .col_expr(payment::Column::Status, Expr::value("closed"))
            .filter(payment::Column::OrderId.eq(o.id))
            .filter(payment::Column::Status.eq("created"))
            .exec(db)
            .await?;
    }
    record(db, &o, Some(from), to, event.as_str(), actor, reason, now).await?;
    notify_resident(db, &o, to, now).await?;
    if kind_of(&o) == DeliveryKind::City {
        match event {
            OrderEvent::MerchantAccept => {
                crate::delivery::create_job(db, &o, now).await?;
            }
            OrderEvent::MarkReady => crate::delivery::ready_now(db, o.id, now).await?,
            _ => {}
        }
    }
    if to == OrderStatus::Delivered {
        crate::ledger::book_delivery(db, &o, now).await?;
    }
    // The guarded update above is the only writer of these columns, so the
    // new row is known without reading it back.
    let mut fresh = o;
    fresh.status = to.as_str().into();
    fresh.updated_at = now;
    match event {
        OrderEvent::PaymentConfirmed => fresh.paid_at = Some(now),
        OrderEvent::MerchantAccept => fresh.accepted_at = Some(now),
        OrderEvent::MarkReady => fresh.ready_at = Some(now),
        _ => {}
    }
    Ok((fresh, due))
}

/// Moves a village order to another departure (its trip was full): the
/// new plan is stored, the timeline says why, and the resident is told.
/// Run in a transaction.
pub async fn roll_over(
    db: &impl ConnectionTrait,
    o: &order::Model,
    new_plan_json: &str,
    actor: OrderActor,
    reason: String,
    now: DateTime<Utc>,
) -> DomainResult<()> {
    let from = status_of(o)?;
    let to = transition(from, OrderEvent::RollOver, kind_of(o))?;
    let moved = order::Entity::update_many()
        .col_expr(order::Column::DeliveryPlan, Expr::value(new_plan_json))
        .col_expr(order::Column::UpdatedAt, Expr::value(now))
        .filter(order::Column::Id.eq(o.id))
        .filter(order::Column::Status.eq(from.as_str()))
        .exec(db)
        .await?;
    if moved.rows_affected != 1 {
        return Err(crate::order_state::InvalidOrderTransition {
            from,
            event: OrderEvent::RollOver,
        }
        .into());
    }
    record(
        db,
        o,
        Some(from),
        to,
        OrderEvent::RollOver.as_str(),
        actor,
        Some(reason),
        now,
    )
    .await?;
    // A second roll-over is news too: one message per roll-over instant.
    let dedupe = format!("notify:{}:order_delayed:{}", o.id, now.timestamp());
    queue_notice(db, o, "order_delayed", to.as_str(), dedupe, now).await
}

/// The job kind that sends a WeChat subscription message.
pub const NOTIFY_JOB: &str = "notify.subscribe";

/// The subscription-message template a status change is announced with.
pub fn template_for(to: OrderStatus) -> Option<&'static str> {
    match to {
        OrderStatus::Paid => Some("order_paid"),
        OrderStatus::Accepted => Some("order_accepted"),
        OrderStatus::PickedUp | OrderStatus::OnTrip => Some("out_for_delivery"),
        OrderStatus::AtAgentPoint => Some("at_agent_point"),
        OrderStatus::Delivered => Some("delivered"),
        OrderStatus::Refunded => Some("refunded"),
        _ => None,
    }
}

/// Puts the resident's notification in the outbox, in the caller's
/// transaction: it is sent if and only if the change commits.
async fn notify_resident(
    db: &impl ConnectionTrait,
    o: &order::Model,
    to: OrderStatus,
    now: DateTime<Utc>,
) -> DomainResult<()> {
    let Some(template) = template_for(to) else {
        return Ok(());
    };
    let dedupe = format!("notify:{}:{template}", o.id);
    queue_notice(db, o, template, to.as_str(), dedupe, now).await
}

/// Queues a subscription message about an order to its resident, in the
/// caller's transaction; a second enqueue with the same `dedupe` key is a
/// no-op.
pub(crate) async fn queue_notice(
    db: &impl ConnectionTrait,
    o: &order::Model,
    template: &str,
    status: &str,
    dedupe: String,
    now: DateTime<Utc>,
) -> DomainResult<()> {
    let mut job = crate::outbox::NewJob::new(
        NOTIFY_JOB,
        serde_json::json!({
            "user_id": o.user_id,
            "order_id": o.id,
            "order_no": o.order_no,
            "template": template,
            "status": status,
            "payable_fen": o.payable_fen,
        }),
        now,
    );
    job.platform_id = Some(o.platform_id);
    job.dedupe_key = Some(dedupe);
    job.max_attempts = 8;
    crate::outbox::enqueue(db, job, now).await?;
    Ok(())
}

/// Gives back the stock an order reserved (once: the flag is cleared).
async fn release_stock(db: &impl ConnectionTrait, order_id: i64) -> DomainResult<()> {
    use sea_orm::sea_query::ExprTrait;
    let items = order_item::Entity::find()
        .filter(order_item::Column::OrderId.eq(order_id))
        .filter(order_item::Column::StockReserved.eq(true))
        .all(db)
        .await?;
    for it in items {
        let cleared = order_item::Entity::update_many()
            .col_expr(order_item::Column::StockReserved, Expr::value(false))
            .filter(order_item::Column::Id.eq(it.id))
            .filter(order_item::Column::StockReserved.eq(true))
            .exec(db)
            .await?;
        if cleared.rows_affected == 1 {
            sku::Entity::update_many()
                .col_expr(
                    sku::Column::Stock,
                    Expr::col(sku::Column::Stock).add(i64::from(it.qty)),
                )
                .filter(sku::Column::Id.eq(it.sku_id))
                .filter(sku::Column::Stock.is_not_null())
                .exec(db)
                .await?;
        }
    }
    Ok(())
}

/// What a payment's refunds give back, requested or done (failed ones
/// gave nothing).
pub async fn refunded_so_far(db: &impl ConnectionTrait, payment_id: i64) -> DomainResult<i64> {
    Ok(refund::Entity::find()
        .filter(refund::Column::PaymentId.eq(payment_id))
        .filter(refund::Column::Status.ne("failed"))
        .all(db)
        .await?
        .iter()
        .map(|r| r.amount_fen)
        .sum())
}

/// A refund of everything paid for the order (idempotent per payment).
pub async fn request_full_refund(
    db: &impl ConnectionTrait,
    o: &order::Model,
    reason: String,
    now: DateTime<Utc>,
) -> DomainResult<refund::Model> {
    let paid = payment::Entity::find()
        .filter(payment::Column::OrderId.eq(o.id))
        .filter(payment::Column::Status.eq("paid"))
        .one(db)
        .await?
        .ok_or(DomainError::NotFound("payment"))?;
    let out_refund_no = format!("{}R1", paid.out_trade_no);
    if let Some(existing) = refund::Entity::find()
        .filter(refund::Column::OutRefundNo.eq(&out_refund_no))
        .one(db)
        .await?
    {
        return Ok(existing);
    }
    // What compensations gave back already is not refunded twice.
    let compensated = refunded_so_far(db, paid.id).await?;
    Ok(refund::ActiveModel {
        platform_id: Set(o.platform_id),
        order_id: Set(o.id),
        payment_id: Set(paid.id),
        out_refund_no: Set(out_refund_no),
        amount_fen: Set(paid.amount_fen - compensated),
        reason: Set(reason.chars().take(200).collect()),
        status: Set("requested".into()),
        created_at: Set(now),
        completed_at: Set(None),
        ..Default::default()
    }
    .insert(db)
    .await?)
}

/// Starts (or reuses) a payment of the order with `provider`.
pub async fn start_payment(
    db: &impl ConnectionTrait,
    o: &order::Model,
    provider: &str,
    now: DateTime<Utc>,
) -> DomainResult<payment::Model> {
    if status_of(o)? != OrderStatus::PendingPayment {
        return Err(crate::order_state::InvalidOrderTransition {
            from: status_of(o)?,
            event: OrderEvent::PaymentConfirmed,
        }
        .into());
    }
    let existing = payment::Entity::find()
        .filter(payment::Column::OrderId.eq(o.id))
        .filter(payment::Column::Status.eq("created"))
        .filter(payment::Column::Provider.eq(provider))
        .one(db)
        .await?;
    if let Some(p) = existing {
        return Ok(p);
    }
    Ok(payment::ActiveModel {
        platform_id: Set(o.platform_id),
        order_id: Set(o.id),
        provider: Set(provider.into()),
        out_trade_no: Set(format!("{}P1", o.order_no)),
        amount_fen: Set(o.payable_fen),
        status: Set("created".into()),
        prepay_id: Set(None),
        transaction_id: Set(None),
        created_at: Set(now),
        paid_at: Set(None),
        ..Default::default()
    }
    .insert(db)
    .await?)
}

/// What confirming a payment did.
#[derive(Debug, Clone)]
pub enum PaymentOutcome {
    /// The order is now paid.
    Paid(Box<order::Model>),
    /// This payment was confirmed before; nothing changed.
    AlreadyPaid,
    /// The order was no longer payable (e.g. cancelled by the timeout): the
    /// money goes back through this refund.
    RefundInstead(refund::Model),
}

/// Marks a payment paid and the order paid — the one path for the demo
/// provider and WeChat Pay notifications. Run in a transaction. Idempotent.
pub async fn confirm_payment(
    db: &impl ConnectionTrait,
    out_trade_no: &str,
    paid_fen: i64,
    transaction_id: &str,
    now: DateTime<Utc>,
) -> DomainResult<PaymentOutcome> {
    let pay = payment::Entity::find()
        .filter(payment::Column::OutTradeNo.eq(out_trade_no))
        .one(db)
        .await?
        .ok_or(DomainError::NotFound("payment"))?;
    if pay.amount_fen != paid_fen {
        return Err(DomainError::AmountMismatch {
            expected_fen: pay.amount_fen,
            paid_fen,
        });
    }
    let claimed = payment::Entity::update_many()
        .col_expr(payment::Column::Status, Expr::value("paid"))
        .col_expr(
            payment::Column::TransactionId,
            Expr::value(Some(transaction_id.to_owned())),
        )
        .col_expr(payment::Column::PaidAt, Expr::value(Some(now)))
        .filter(payment::Column::Id.eq(pay.id))
        .filter(payment::Column::Status.is_in(["created", "closed"]))
        .exec(db)
        .await?;
    if claimed.rows_affected != 1 {
        return Ok(PaymentOutcome::AlreadyPaid);
    }
    crate::ledger::book_payment(db, &pay, now).await?;
    let o = order::Entity::find_by_id(pay.order_id)
        .one(db)
        .await?
        .ok_or(DomainError::NotFound("order"))?;
    if status_of(&o)? != OrderStatus::PendingPayment {
        // Paid too late: keep the books straight and give the money back.
        let refund =
            request_full_refund(db, &o, "paid after the order was closed".into(), now).await?;
        return Ok(PaymentOutcome::RefundInstead(refund));
    }
    let (o, _) = apply(
        db,
        o,
        OrderEvent::PaymentConfirmed,
        OrderActor::PAYMENT,
        None,
        now,
    )
    .await?;
    Ok(PaymentOutcome::Paid(Box::new(o)))
}

/// Marks a refund succeeded and the order refunded. Run in a transaction. Idempotent.
pub async fn complete_refund(
    db: &impl ConnectionTrait,
    refund_id: i64,
    now: DateTime<Utc>,
) -> DomainResult<()> {
    let done = refund::Entity::update_many()
        .col_expr(refund::Column::Status, Expr::value("succeeded"))
        .col_expr(refund::Column::CompletedAt, Expr::value(Some(now)))
        .filter(refund::Column::Id.eq(refund_id))
        .filter(refund::Column::Status.eq("requested"))
        .exec(db)
        .await?;
    if done.rows_affected != 1 {
        return Ok(());
    }
    let r = refund::Entity::find_by_id(refund_id)
        .one(db)
        .await?
        .ok_or(DomainError::NotFound("refund"))?;
    crate::ledger::book_refund(db, &r, now).await?;
    let o = order::Entity::find_by_id(r.order_id)
        .one(db)
        .await?
        .ok_or(DomainError::NotFound("order"))?;
    if status_of(&o)? == OrderStatus::Refunding {
        apply(
            db,
            o,
            OrderEvent::RefundSucceeded,
            OrderActor::SYSTEM,
            None,
            now,
        )
        .await?;
    }
    Ok(())
}

/// Orders past a timeout: unpaid past the payment timeout, or paid and not
/// accepted past the acceptance timeout, with the event that ends them.
pub async fn timed_out(
    db: &impl ConnectionTrait,
    now: DateTime<Utc>,
    limit: u64,
) -> DomainResult<Vec<(order::Model, OrderEvent)>> {
    use sea_orm::QuerySelect;
    let platforms: BTreeMap<i64, platform::Model> = platform::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|p| (p.id, p))
        .collect();
    let mut out = Vec::new();
    for p in platforms.values() {
        let unpaid_before = now - Duration::seconds(i64::from(p.payment_timeout_secs));
        for o in order::Entity::find()
            .filter(order::Column::PlatformId.eq(p.id))
            .filter(order::Column::Status.eq(OrderStatus::PendingPayment.as_str()))
            .filter(order::Column::CreatedAt.lt(unpaid_before))
            .limit(limit)
            .all(db)
            .await?
        {
            out.push((o, OrderEvent::PaymentTimeout));
        }
        let unaccepted_before = now - Duration::seconds(i64::from(p.acceptance_timeout_secs));
        for o in order::Entity::find()
            .filter(order::Column::PlatformId.eq(p.id))
            .filter(order::Column::Status.eq(OrderStatus::Paid.as_str()))
            .filter(order::Column::PaidAt.lt(unaccepted_before))
            .limit(limit)
            .all(db)
            .await?
        {
            out.push((o, OrderEvent::AcceptanceTimeout));
        }
    }
    Ok(out)
}
