//! After-sale compensation: an operator gives part of a delivered
//! order's payment back after a complaint (a missing item, a spilt soup).
//! The platform carries it, as it carries a cold-chain compensation; the
//! refund is executed like any other.

use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};

use crate::error::{DomainError, DomainResult};
use crate::order::OrderStatus;
use crate::order_event::ActorKind;
use crate::refund::{RefundKind, RefundStatus};
use crate::to_door_line::refunds;
use crate::to_door_line::transitions::{self, OrderActor};
use crate::{order, refund};

/// An operator's compensation of a delivered order after a complaint (a
/// missing item, a spilt soup): part of its payment given back, carried
/// by the platform like a cold-chain compensation, noted on the order's
/// timeline. At most what is left of the payment; run in a transaction.
pub async fn compensate(
    db: &impl ConnectionTrait,
    platform_id: i64,
    order_id: i64,
    amount_fen: i64,
    reason: &str,
    operator_id: i64,
    now: DateTime<Utc>,
) -> DomainResult<refund::Model> {
    let o = crate::scope::on_platform::<order::Entity>(db, platform_id, order_id, "order").await?;
    if !matches!(o.status, OrderStatus::Delivered | OrderStatus::Completed) {
        return Err(DomainError::RefundState(format!(
            "not possible: the order is {}, and only a delivered order is compensated",
            o.status
        )));
    }
    let reason = crate::validate::required("reason", reason, 200)?;
    let (pay, left) = refunds::refundable(db, o.id)
        .await?
        .ok_or(DomainError::NotFound("payment"))?;
    if amount_fen <= 0 || amount_fen > left {
        return Err(DomainError::invalid(
            "amount_fen",
            format!("1 to {left} fen: what is left of the payment"),
        ));
    }
    let n = refund::Entity::find()
        .filter(refund::Column::PaymentId.eq(pay.id))
        .all(db)
        .await?
        .len();
    let row = refund::ActiveModel {
        platform_id: Set(platform_id),
        order_id: Set(o.id),
        payment_id: Set(pay.id),
        out_refund_no: Set(format!("{}C{}", pay.out_trade_no, n + 1)),
        amount_fen: Set(amount_fen),
        reason: Set(reason.clone()),
        status: Set(RefundStatus::Requested),
        kind: Set(RefundKind::Compensation),
        created_at: Set(now),
        completed_at: Set(None),
        ..Default::default()
    };
    let r = refunds::request(db, row, now).await?;
    transitions::note(
        db,
        &o,
        "compensation",
        OrderActor {
            kind: ActorKind::Operator,
            user_id: Some(operator_id),
        },
        Some(format!("{amount_fen} fen compensated: {reason}")),
        now,
    )
    .await?;
    Ok(r)
}
