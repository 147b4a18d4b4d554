//! Residents' notices about their orders (WeChat subscription messages),
//! queued in the outbox in the caller's transaction.

use chrono::{DateTime, Utc};
use sea_orm::ConnectionTrait;

use crate::error::DomainResult;
use crate::order;
use crate::to_door_line::order_states::OrderStatus;

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
pub(crate) async fn notify_resident(
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
