//! Closing the started payments of a cancelled order, here and at WeChat
//! Pay, so the resident can no longer pay an order that will not come.

use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, sea_query::Expr};

use crate::error::DomainResult;
use crate::payment::{PayProvider, PaymentStatus};
use crate::to_door_line::order_states::OrderEvent;
use crate::{order, payment};

/// The job kind that closes a started WeChat Pay payment of a cancelled
/// order at once, so the resident can no longer pay it.
pub const CLOSE_JOB: &str = "payment.close";

/// Closes the order's started payments as it is cancelled. A WeChat Pay
/// payment the resident could still pay (it has a prepay id) is also
/// closed at WeChat Pay, by a job stored with the cancellation; the payment
/// timeout closes its own before it cancels. Run in a transaction.
pub async fn close_open(
    db: &impl ConnectionTrait,
    o: &order::Model,
    event: OrderEvent,
    now: DateTime<Utc>,
) -> DomainResult<()> {
    let open = payment::Entity::find()
        .filter(payment::Column::OrderId.eq(o.id))
        .filter(payment::Column::Status.eq(PaymentStatus::Created))
        .all(db)
        .await?;
    for p in &open {
        if p.provider == PayProvider::Wechat
            && p.prepay_id.is_some()
            && event != OrderEvent::PaymentTimeout
        {
            let mut job = crate::outbox::NewJob::new(
                CLOSE_JOB,
                serde_json::json!({ "out_trade_no": p.out_trade_no }),
                now,
            );
            job.platform_id = Some(p.platform_id);
            job.dedupe_key = Some(format!("close:{}", p.out_trade_no));
            job.max_attempts = 10;
            crate::outbox::enqueue(db, job, now).await?;
        }
    }
    if !open.is_empty() {
        payment::Entity::update_many()
            .col_expr(payment::Column::Status, Expr::value(PaymentStatus::Closed))
            .filter(payment::Column::OrderId.eq(o.id))
            .filter(payment::Column::Status.eq(PaymentStatus::Created))
            .exec(db)
            .await?;
    }
    Ok(())
}
