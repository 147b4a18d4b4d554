//! Refunds of an order's payment: what was given back so far, the full
//! refund a cancelled, rejected or returned order is owed, and the one way a
//! refund is requested: stored together with the job that executes it.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};

use crate::error::{DomainError, DomainResult};
use crate::outbox::{self, NewJob};
use crate::payment::PaymentStatus;
use crate::refund::RefundStatus;
use crate::{order, payment, refund};

/// The job kind that executes a refund with its payment provider.
pub const EXECUTE_JOB: &str = "refund.execute";

/// Stores a refund and queues its execution in the same transaction (the
/// outbox), so a refund is executed if and only if it was recorded; no
/// caller has to remember to send it.
pub(crate) async fn request(
    db: &impl ConnectionTrait,
    row: refund::ActiveModel,
    now: DateTime<Utc>,
) -> DomainResult<refund::Model> {
    let r = row.insert(db).await?;
    let mut job = NewJob::new(EXECUTE_JOB, serde_json::json!({ "refund_id": r.id }), now);
    job.platform_id = Some(r.platform_id);
    job.dedupe_key = Some(format!("refund:{}", r.out_refund_no));
    job.max_attempts = 10;
    outbox::enqueue(db, job, now).await?;
    Ok(r)
}

/// What a payment's refunds give back, requested or done (failed ones
/// gave nothing).
pub async fn refunded_so_far(db: &impl ConnectionTrait, payment_id: i64) -> DomainResult<i64> {
    Ok(refund::Entity::find()
        .filter(refund::Column::PaymentId.eq(payment_id))
        .filter(refund::Column::Status.ne(RefundStatus::Failed))
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
        .filter(payment::Column::Status.eq(PaymentStatus::Paid))
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
    let row = refund::ActiveModel {
        platform_id: Set(o.platform_id),
        order_id: Set(o.id),
        payment_id: Set(paid.id),
        out_refund_no: Set(out_refund_no),
        amount_fen: Set(paid.amount_fen - compensated),
        reason: Set(reason.chars().take(200).collect()),
        status: Set(RefundStatus::Requested),
        created_at: Set(now),
        completed_at: Set(None),
        ..Default::default()
    };
    request(db, row, now).await
}

/// The provider could not give the money back (`CLOSED` or `ABNORMAL`): the
/// refund is failed, once; an operator follows up with the resident.
pub async fn mark_failed(db: &impl ConnectionTrait, refund_id: i64) -> DomainResult<()> {
    refund::Entity::update_many()
        .col_expr(refund::Column::Status, Expr::value(RefundStatus::Failed))
        .filter(refund::Column::Id.eq(refund_id))
        .filter(refund::Column::Status.eq(RefundStatus::Requested))
        .exec(db)
        .await?;
    Ok(())
}
