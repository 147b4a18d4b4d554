//! Payments of orders: starting one, confirming it (the one path for the
//! demo provider and WeChat Pay notifications) and completing refunds.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set, sea_query::Expr,
};

use crate::error::{DomainError, DomainResult};
use crate::payment::PayProvider;
use crate::payment::PaymentStatus;
use crate::refund::RefundStatus;
use crate::to_door_line::order_states::{OrderEvent, OrderStatus};
use crate::to_door_line::refunds::request_full_refund;
use crate::to_door_line::transitions::{OrderActor, apply};
use crate::{order, payment, refund};

/// Starts (or reuses) a payment of the order with `provider`.
pub async fn start_payment(
    db: &impl ConnectionTrait,
    o: &order::Model,
    provider: PayProvider,
    now: DateTime<Utc>,
) -> DomainResult<payment::Model> {
    if o.status != OrderStatus::PendingPayment {
        return Err(crate::to_door_line::order_states::InvalidOrderTransition {
            from: o.status,
            event: OrderEvent::PaymentConfirmed,
        }
        .into());
    }
    let existing = payment::Entity::find()
        .filter(payment::Column::OrderId.eq(o.id))
        .filter(payment::Column::Status.eq(PaymentStatus::Created))
        .filter(payment::Column::Provider.eq(provider))
        .one(db)
        .await?;
    if let Some(p) = existing {
        return Ok(p);
    }
    Ok(payment::ActiveModel {
        platform_id: Set(o.platform_id),
        order_id: Set(o.id),
        provider: Set(provider),
        out_trade_no: Set(format!("{}P1", o.order_no)),
        amount_fen: Set(o.payable_fen),
        status: Set(PaymentStatus::Created),
        prepay_id: Set(None),
        sub_mchid: Set(None),
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
        .col_expr(payment::Column::Status, Expr::value(PaymentStatus::Paid))
        .col_expr(
            payment::Column::TransactionId,
            Expr::value(Some(transaction_id.to_owned())),
        )
        .col_expr(payment::Column::PaidAt, Expr::value(Some(now)))
        .filter(payment::Column::Id.eq(pay.id))
        .filter(payment::Column::Status.is_in([PaymentStatus::Created, PaymentStatus::Closed]))
        .exec(db)
        .await?;
    if claimed.rows_affected != 1 {
        return Ok(PaymentOutcome::AlreadyPaid);
    }
    crate::platform_end::ledger::book_payment(db, &pay, now).await?;
    let o = crate::scope::get::<order::Entity>(db, pay.order_id, "order").await?;
    if o.status != OrderStatus::PendingPayment {
        // Paid too late: keep the books straight and give the money back.
        let refund =
            request_full_refund(db, &o, "paid after the order was closed".into(), now).await?;
        return Ok(PaymentOutcome::RefundInstead(refund));
    }
    let o = apply(
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
        .col_expr(refund::Column::Status, Expr::value(RefundStatus::Succeeded))
        .col_expr(refund::Column::CompletedAt, Expr::value(Some(now)))
        .filter(refund::Column::Id.eq(refund_id))
        // A refund failed for an answer that was lost or unreadable may
        // still have gone through: WeChat Pay's word settles it.
        .filter(refund::Column::Status.is_in([RefundStatus::Requested, RefundStatus::Failed]))
        .exec(db)
        .await?;
    if done.rows_affected != 1 {
        return Ok(());
    }
    let r = crate::scope::get::<refund::Entity>(db, refund_id, "refund").await?;
    crate::platform_end::ledger::book_refund(db, &r, now).await?;
    let o = crate::scope::get::<order::Entity>(db, r.order_id, "order").await?;
    if o.status == OrderStatus::Refunding {
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

/// Remembers the provider's prepay id of a payment (asked again, WeChat Pay
/// answers the same id while the payment is open).
pub async fn record_prepay(
    db: &impl ConnectionTrait,
    payment_id: i64,
    prepay_id: &str,
    sub_mchid: Option<&str>,
) -> DomainResult<()> {
    payment::Entity::update_many()
        .col_expr(
            payment::Column::PrepayId,
            Expr::value(Some(prepay_id.to_owned())),
        )
        .col_expr(
            payment::Column::SubMchid,
            Expr::value(sub_mchid.map(str::to_owned)),
        )
        .filter(payment::Column::Id.eq(payment_id))
        .exec(db)
        .await?;
    Ok(())
}

/// The provider's word on a refund (`SUCCESS`, `CLOSED` or `ABNORMAL`):
/// done (the order is refunded) or not (the refund is failed and waits for
/// the operator). The amount must be the refund's. Run in a transaction.
/// Idempotent.
pub async fn settle_refund_notice(
    db: &impl ConnectionTrait,
    out_refund_no: &str,
    refunded_fen: i64,
    refund_status: &str,
    now: DateTime<Utc>,
) -> DomainResult<refund::Model> {
    let r = refund::Entity::find()
        .filter(refund::Column::OutRefundNo.eq(out_refund_no))
        .one(db)
        .await?
        .ok_or(DomainError::NotFound("refund"))?;
    if refunded_fen != r.amount_fen {
        return Err(DomainError::AmountMismatch {
            expected_fen: r.amount_fen,
            paid_fen: refunded_fen,
        });
    }
    match refund_status {
        "SUCCESS" => complete_refund(db, r.id, now).await?,
        "PROCESSING" => {}
        other => {
            let why = match other {
                "ABNORMAL" => {
                    "the resident's account could not take the money back; resubmit it or settle it at the merchant platform"
                }
                "CLOSED" => "WeChat Pay closed the refund",
                _ => "WeChat Pay did not carry the refund out",
            };
            crate::to_door_line::refunds::mark_failed(db, r.id, other, why, now).await?;
        }
    }
    Ok(r)
}
