//! The kitchen's moves of an order on the to-door line: accept, reject with
//! a reason (the resident is refunded), and mark ready, which ties each item
//! to the production batch it came from.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

use crate::calendar::local_day;
use crate::error::{DomainError, DomainResult};
use crate::order;
use crate::order_event::ActorKind;
use crate::platform_end::platforms::platform_of;
use crate::supply_end::trace::assign_batches;
use crate::to_door_line::order_states::OrderEvent;
use crate::to_door_line::transitions::{self, OrderActor};

/// What the kitchen does to an order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KitchenStep {
    /// Takes a paid order.
    Accept,
    /// Refuses a paid order; the resident sees the reason and is refunded.
    Reject {
        /// Why.
        reason: String,
    },
    /// The order is ready: item id → the batch it came from; items left
    /// out take the oldest batch of their product with enough left.
    Ready {
        /// The kitchen's picks.
        batches: BTreeMap<i64, i64>,
    },
}

/// Moves an order of `store_id` by the kitchen's step, as staff member
/// `staff_user_id`. Another store's order is not found. Run in a transaction.
pub async fn step(
    db: &impl ConnectionTrait,
    store_id: i64,
    staff_user_id: i64,
    order_id: i64,
    step: KitchenStep,
    now: DateTime<Utc>,
) -> DomainResult<order::Model> {
    let o = order::Entity::find_by_id(order_id)
        .filter(order::Column::StoreId.eq(store_id))
        .one(db)
        .await?
        .ok_or(DomainError::NotFound("order"))?;
    let actor = OrderActor {
        kind: ActorKind::Merchant,
        user_id: Some(staff_user_id),
    };
    match step {
        KitchenStep::Accept => {
            transitions::apply(db, o, OrderEvent::MerchantAccept, actor, None, now).await
        }
        KitchenStep::Reject { reason } => {
            let event = OrderEvent::MerchantReject;
            transitions::apply(db, o, event, actor, Some(reason), now).await
        }
        KitchenStep::Ready { batches } => {
            let o = transitions::apply(db, o, OrderEvent::MarkReady, actor, None, now).await?;
            let p = platform_of(db, o.platform_id).await?;
            assign_batches(db, &o, &batches, local_day(now, p.utc_offset_minutes)).await?;
            Ok(o)
        }
    }
}
