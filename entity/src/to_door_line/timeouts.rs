//! Orders past a timeout: unpaid past the payment timeout, or paid and not
//! accepted past the acceptance timeout.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, Utc};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

use crate::error::DomainResult;
use crate::to_door_line::order_states::{OrderEvent, OrderStatus};
use crate::{order, platform};

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
            .filter(order::Column::Status.eq(OrderStatus::PendingPayment))
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
            .filter(order::Column::Status.eq(OrderStatus::Paid))
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
