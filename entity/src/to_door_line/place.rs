//! Placing an order: re-priced, stock reserved by conditional updates
//! (`stock >= qty`, so concurrent orders never oversell), stored with its
//! lines and first event.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set, sea_query::Expr,
};

use crate::error::{DomainError, DomainResult};
use crate::order_event::ActorKind;
use crate::to_door_line::order_states::OrderStatus;
use crate::to_door_line::quote::{QuoteRequest, quote_for};
use crate::to_door_line::transitions::{OrderActor, record};
use crate::{order, order_item, sku};

/// The order a user placed with an idempotency key, if any; the same key
/// with another request (`hash`) is refused.
pub async fn prior(
    db: &impl ConnectionTrait,
    user_id: i64,
    key: &str,
    hash: &str,
) -> DomainResult<Option<order::Model>> {
    let prior = order::Entity::find()
        .filter(order::Column::UserId.eq(user_id))
        .filter(order::Column::IdempotencyKey.eq(key))
        .one(db)
        .await?;
    match prior {
        Some(o) if o.request_hash.as_deref() != Some(hash) => {
            Err(DomainError::IdempotencyKeyReused)
        }
        other => Ok(other),
    }
}

/// Whether a failed insert lost the race for an idempotency key: another
/// request with the same key inserted its order first (PostgreSQL makes the
/// later insert wait for the first to commit, then refuses it).
pub fn lost_key_race(e: &DomainError) -> bool {
    matches!(e, DomainError::Db(db) if matches!(
        db.sql_err(),
        Some(sea_orm::SqlErr::UniqueConstraintViolation(detail)) if detail.contains("idempotency_key")
    ))
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
    if let Some((key, hash)) = idempotency
        && let Some(o) = prior(db, user_id, key, hash).await?
    {
        return Ok((o, false));
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
        delivery_kind: Set(q.delivery_kind),
        status: Set(OrderStatus::PendingPayment),
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
            kind: ActorKind::Resident,
            user_id: Some(user_id),
        },
        None,
        now,
    )
    .await?;
    Ok((o, true))
}
