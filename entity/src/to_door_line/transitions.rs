//! Moving an order along its state machine with the side effects of each
//! move: the guarded status update, stock given back, refunds requested,
//! the timeline, the resident's notice, city jobs and the ledger.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set, sea_query::Expr,
};

use crate::error::DomainResult;
use crate::order_event::ActorKind;
use crate::to_door_line::notices::{notify_resident, queue_notice};
use crate::to_door_line::order_states::{DeliveryKind, OrderEvent, OrderStatus, transition};
use crate::to_door_line::refunds::request_full_refund;
use crate::{order, order_event, order_item, sku};

/// Who moves an order.
#[derive(Debug, Clone, Copy)]
pub struct OrderActor {
    /// Who, by role.
    pub kind: ActorKind,
    /// The acting user, if a person.
    pub user_id: Option<i64>,
}

impl OrderActor {
    /// The platform itself (timeouts, jobs).
    pub const SYSTEM: OrderActor = OrderActor {
        kind: ActorKind::System,
        user_id: None,
    };
    /// A payment provider's confirmation.
    pub const PAYMENT: OrderActor = OrderActor {
        kind: ActorKind::Payment,
        user_id: None,
    };
}

#[allow(clippy::too_many_arguments)]
pub(crate) async fn record(
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
        from_status: Set(from),
        to_status: Set(to),
        event: Set(event.into()),
        actor_kind: Set(actor.kind),
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
    let at = o.status;
    record(db, o, Some(at), at, event, actor, reason, now).await
}

/// Moves an order by `event`, with its side effects (a refund owed is
/// requested and queued for execution here). Run in a transaction.
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
) -> DomainResult<order::Model> {
    let from = o.status;
    let to = transition(from, event, o.delivery_kind)?;
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
            .map(|x| x.status)
            .unwrap_or(from);
        return Err(crate::to_door_line::order_states::InvalidOrderTransition {
            from: now_status,
            event,
        }
        .into());
    }
    if matches!(to, OrderStatus::Cancelled | OrderStatus::Refunding) {
        release_stock(db, o.id).await?;
    }
    if to == OrderStatus::Refunding {
        // The refund and the job that executes it are stored with the move.
        request_full_refund(
            db,
            &o,
            reason.clone().unwrap_or_else(|| event.as_str().into()),
            now,
        )
        .await?;
    }
    if to == OrderStatus::Cancelled {
        crate::to_door_line::payment_close::close_open(db, &o, event, now).await?;
    }
    record(db, &o, Some(from), to, event.as_str(), actor, reason, now).await?;
    notify_resident(db, &o, to, now).await?;
    if o.delivery_kind == DeliveryKind::City {
        match event {
            OrderEvent::MerchantAccept => {
                crate::to_door_line::city::jobs::create_job(db, &o, now).await?;
            }
            OrderEvent::MarkReady => {
                crate::to_door_line::city::jobs::ready_now(db, o.id, now).await?
            }
            _ => {}
        }
    }
    if to == OrderStatus::Delivered {
        crate::platform_end::ledger::book_delivery(db, &o, now).await?;
        crate::platform_end::profit_sharing::schedule(db, &o, now).await?;
    }
    // The guarded update above is the only writer of these columns, so the
    // new row is known without reading it back.
    let mut fresh = o;
    fresh.status = to;
    fresh.updated_at = now;
    match event {
        OrderEvent::PaymentConfirmed => fresh.paid_at = Some(now),
        OrderEvent::MerchantAccept => fresh.accepted_at = Some(now),
        OrderEvent::MarkReady => fresh.ready_at = Some(now),
        _ => {}
    }
    Ok(fresh)
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
    let from = o.status;
    let to = transition(from, OrderEvent::RollOver, o.delivery_kind)?;
    let moved = order::Entity::update_many()
        .col_expr(order::Column::DeliveryPlan, Expr::value(new_plan_json))
        .col_expr(order::Column::UpdatedAt, Expr::value(now))
        .filter(order::Column::Id.eq(o.id))
        .filter(order::Column::Status.eq(from.as_str()))
        .exec(db)
        .await?;
    if moved.rows_affected != 1 {
        return Err(crate::to_door_line::order_states::InvalidOrderTransition {
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
