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

/// A paid order's payment and what is left of it to give back.
pub(crate) async fn refundable(
    db: &impl ConnectionTrait,
    order_id: i64,
) -> DomainResult<Option<(payment::Model, i64)>> {
    let Some(pay) = payment::Entity::find()
        .filter(payment::Column::OrderId.eq(order_id))
        .filter(payment::Column::Status.eq(PaymentStatus::Paid))
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    let used = refunded_so_far(db, pay.id).await?;
    Ok(Some((pay.clone(), pay.amount_fen - used)))
}

/// The provider did not carry the refund out (a lasting refusal such as
/// `NOT_ENOUGH`, retries given up, or `CLOSED`/`ABNORMAL` in its
/// notification): the refund is failed, once, with why, and waits in the
/// operator's queue ([`needing_attention`]). Returns whether it moved.
pub async fn mark_failed(
    db: &impl ConnectionTrait,
    refund_id: i64,
    code: &str,
    message: &str,
    now: DateTime<Utc>,
) -> DomainResult<bool> {
    let moved = refund::Entity::update_many()
        .col_expr(refund::Column::Status, Expr::value(RefundStatus::Failed))
        .col_expr(
            refund::Column::FailureCode,
            Expr::value(Some(code.chars().take(64).collect::<String>())),
        )
        .col_expr(
            refund::Column::FailureMessage,
            Expr::value(Some(message.chars().take(256).collect::<String>())),
        )
        .col_expr(refund::Column::FailedAt, Expr::value(Some(now)))
        .filter(refund::Column::Id.eq(refund_id))
        .filter(refund::Column::Status.eq(RefundStatus::Requested))
        .exec(db)
        .await?;
    Ok(moved.rows_affected == 1)
}

/// The operator sends a failed refund again under the same refund number
/// (WeChat Pay asks for the original number when a failed refund is
/// resubmitted, so it can never be paid twice). Refused unless the refund
/// is failed and still fits in what is left of its payment. Run in a
/// transaction.
pub async fn retry(
    db: &impl ConnectionTrait,
    platform_id: i64,
    refund_id: i64,
    now: DateTime<Utc>,
) -> DomainResult<refund::Model> {
    let r =
        crate::scope::on_platform::<refund::Entity>(db, platform_id, refund_id, "refund").await?;
    if r.status != RefundStatus::Failed {
        return Err(DomainError::RefundState(r.status.to_string()));
    }
    let paid = crate::scope::get::<payment::Entity>(db, r.payment_id, "payment").await?;
    // A failed refund is not counted in what was given back.
    if refunded_so_far(db, paid.id).await? + r.amount_fen > paid.amount_fen {
        return Err(DomainError::RefundState(
            "larger than what is left of its payment".into(),
        ));
    }
    let moved = refund::Entity::update_many()
        .col_expr(refund::Column::Status, Expr::value(RefundStatus::Requested))
        .col_expr(refund::Column::FailureCode, Expr::value(None::<String>))
        .col_expr(refund::Column::FailureMessage, Expr::value(None::<String>))
        .col_expr(refund::Column::FailedAt, Expr::value(None::<DateTime<Utc>>))
        .col_expr(refund::Column::Retries, Expr::value(r.retries + 1))
        .filter(refund::Column::Id.eq(r.id))
        .filter(refund::Column::Status.eq(RefundStatus::Failed))
        .exec(db)
        .await?;
    if moved.rows_affected != 1 {
        return Err(DomainError::RefundState("being sent again already".into()));
    }
    let mut job = NewJob::new(EXECUTE_JOB, serde_json::json!({ "refund_id": r.id }), now);
    job.platform_id = Some(r.platform_id);
    job.dedupe_key = Some(format!("refund:{}:retry{}", r.out_refund_no, r.retries + 1));
    job.max_attempts = 10;
    outbox::enqueue(db, job, now).await?;
    crate::scope::get::<refund::Entity>(db, r.id, "refund").await
}

/// A refund waiting for the operator, with its order.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct StuckRefund {
    /// The refund.
    pub refund: refund::Model,
    /// Its order's public number.
    pub order_no: String,
    /// Its order's status (`refunding` until the money is back, for a full
    /// refund).
    pub order_status: String,
}

/// The platform's failed refunds, oldest failure first: the operator's
/// queue. An order stays `refunding` while its refund is here.
pub async fn needing_attention(
    db: &impl ConnectionTrait,
    platform_id: i64,
) -> DomainResult<Vec<StuckRefund>> {
    use sea_orm::QueryOrder;
    let failed = refund::Entity::find()
        .filter(refund::Column::PlatformId.eq(platform_id))
        .filter(refund::Column::Status.eq(RefundStatus::Failed))
        .order_by_asc(refund::Column::FailedAt)
        .order_by_asc(refund::Column::Id)
        .all(db)
        .await?;
    let orders: std::collections::HashMap<i64, order::Model> = order::Entity::find()
        .filter(order::Column::Id.is_in(failed.iter().map(|r| r.order_id)))
        .all(db)
        .await?
        .into_iter()
        .map(|o| (o.id, o))
        .collect();
    Ok(failed
        .into_iter()
        .map(|r| {
            let o = orders.get(&r.order_id);
            StuckRefund {
                order_no: o.map(|o| o.order_no.clone()).unwrap_or_default(),
                order_status: o.map(|o| o.status.to_string()).unwrap_or_default(),
                refund: r,
            }
        })
        .collect())
}
