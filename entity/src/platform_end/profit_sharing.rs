//! Profit sharing (分账) in partner mode. A resident's payment is held at
//! the kitchen's sub-merchant; once the order is delivered and the
//! county's refund window has passed, a sharing order splits off the
//! courier's fee and the platform's share, and WeChat Pay unfreezes the
//! rest to the kitchen.
//!
//! The ledger books what moved, per receiver, when WeChat Pay says so:
//! a part that arrived leaves "partner funds" (the money held at the
//! sub-merchants) for the platform's clearing or the courier's payable; a
//! part WeChat Pay closed and the rest it unfroze go to the kitchen. What
//! sharing could not carry (a courier who is no receiver, a limit) stays
//! owed in the payables and is paid by transfer.

use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    Set,
};

use crate::error::{DomainError, DomainResult};
use crate::ledger_account::AccountKind;
use crate::payment::PaymentStatus;
use crate::platform_end::ledger::{self, Leg, Source};
use crate::platform_end::payment_accounts;
use crate::profit_share::ShareStatus;
use crate::profit_share_line::{LineResult, ShareRole};
use crate::refund::RefundStatus;
use crate::{order, payment, profit_share, profit_share_line, refund, sharing_receiver};

/// The job kind that shares a delivered order.
pub const RUN_JOB: &str = "profit_share.run";

/// What the receivers get from one payment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Plan {
    /// The platform's part (the service provider).
    pub platform_fen: i64,
    /// The courier's part (0 when the courier is no receiver).
    pub courier_fen: i64,
    /// The agent point's part (0 when it is no receiver).
    pub agent_fen: i64,
}

/// What a delivered order owes besides the kitchen, and who can receive
/// it through sharing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Owed {
    /// The platform's share.
    pub platform_fen: i64,
    /// The courier's fee.
    pub courier_fen: i64,
    /// Whether the courier is a receiver.
    pub courier_receives: bool,
    /// The agent point's fee.
    pub agent_fen: i64,
    /// Whether the agent point is a receiver.
    pub agent_receives: bool,
}

/// Splits a payment. The platform's share is reduced by what was refunded
/// (the platform carries refunds after delivery, so the kitchen still gets
/// its due); a courier or agent point who cannot receive has its fee
/// shared to the platform, which pays it by transfer. Together the parts
/// never pass the sharing limit (`max_bp` of the payment) or what is
/// still held; the platform's part gives way first, then the agent
/// point's. Pure.
pub fn plan(paid_fen: i64, refunded_fen: i64, owed: Owed, max_bp: i32) -> Plan {
    let held = (paid_fen - refunded_fen).max(0);
    let limit = paid_fen.max(0) * i64::from(max_bp.clamp(0, 10_000)) / 10_000;
    let mut cap = limit.min(held);
    let mut platform = owed.platform_fen - refunded_fen;
    let mut take = |fen: i64, receives: bool, platform: &mut i64| {
        if !receives {
            *platform += fen.max(0);
            return 0;
        }
        let part = fen.max(0).min(cap);
        cap -= part;
        part
    };
    let courier = take(owed.courier_fen, owed.courier_receives, &mut platform);
    let agent = take(owed.agent_fen, owed.agent_receives, &mut platform);
    Plan {
        courier_fen: courier,
        agent_fen: agent,
        platform_fen: platform.max(0).min(cap),
    }
}

/// After a partner-mode order is delivered: its sharing order, due when
/// the county's refund window has passed. Nothing for a payment made to
/// the county itself. Idempotent.
pub async fn schedule(
    db: &impl ConnectionTrait,
    o: &order::Model,
    now: DateTime<Utc>,
) -> DomainResult<Option<profit_share::Model>> {
    let Some(p) = payment::Entity::find()
        .filter(payment::Column::OrderId.eq(o.id))
        .filter(payment::Column::Status.eq(PaymentStatus::Paid))
        .filter(payment::Column::SubMchid.is_not_null())
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    let window = payment_accounts::of_platform(db, o.platform_id)
        .await?
        .map(|a| a.refund_window_minutes)
        .unwrap_or(payment_accounts::DEFAULT_REFUND_WINDOW_MINUTES);
    let d = ledger::delivery_split(db, o).await?;
    let (courier_role, courier_id) = match d.courier {
        Some((AccountKind::RiderPayable, id)) => (Some(ShareRole::Rider), id),
        Some((AccountKind::CarrierPayable, id)) => (Some(ShareRole::Carrier), id),
        _ => (None, 0),
    };
    let due_at = now + Duration::minutes(i64::from(window));
    let res = profit_share::Entity::insert(profit_share::ActiveModel {
        platform_id: Set(o.platform_id),
        order_id: Set(o.id),
        payment_id: Set(p.id),
        merchant_id: Set(d.merchant_id),
        sub_mchid: Set(p.sub_mchid.clone().unwrap_or_default()),
        transaction_id: Set(p.transaction_id.clone().unwrap_or_default()),
        out_order_no: Set(format!("PS{}", o.order_no)),
        status: Set(ShareStatus::Scheduled),
        kitchen_fen: Set(d.split.merchant_fen),
        platform_fen: Set(d.split.platform_fen),
        courier_role: Set(courier_role),
        courier_id: Set(courier_id),
        courier_fen: Set(if courier_role.is_some() {
            d.split.rider_fen
        } else {
            0
        }),
        agent_point_id: Set(d.agent_point.unwrap_or(0)),
        agent_fen: Set(if d.agent_point.is_some() {
            d.split.agent_fen
        } else {
            0
        }),
        due_at: Set(due_at),
        wx_order_id: Set(None),
        fail_reason: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    })
    .on_conflict(
        OnConflict::column(profit_share::Column::OrderId)
            .do_nothing()
            .to_owned(),
    )
    .exec_without_returning(db)
    .await;
    match res {
        Ok(_) | Err(DbErr::RecordNotInserted) => {}
        Err(e) => return Err(e.into()),
    }
    let share = of_order(db, o.id)
        .await?
        .ok_or(DomainError::NotFound("profit share"))?;
    let mut job = crate::outbox::NewJob::new(
        RUN_JOB,
        serde_json::json!({ "share_id": share.id }),
        share.due_at,
    );
    job.platform_id = Some(o.platform_id);
    job.dedupe_key = Some(format!("profit_share:{}", share.id));
    job.max_attempts = 30;
    crate::outbox::enqueue(db, job, now).await?;
    Ok(Some(share))
}

/// An order's sharing order.
pub async fn of_order(
    db: &impl ConnectionTrait,
    order_id: i64,
) -> DomainResult<Option<profit_share::Model>> {
    Ok(profit_share::Entity::find()
        .filter(profit_share::Column::OrderId.eq(order_id))
        .one(db)
        .await?)
}

/// A sharing order by our number, on a platform.
pub async fn by_out_order_no(
    db: &impl ConnectionTrait,
    platform_id: i64,
    out_order_no: &str,
) -> DomainResult<Option<profit_share::Model>> {
    Ok(profit_share::Entity::find()
        .filter(profit_share::Column::PlatformId.eq(platform_id))
        .filter(profit_share::Column::OutOrderNo.eq(out_order_no))
        .one(db)
        .await?)
}

/// A sharing order's lines, in the order they were planned.
pub async fn lines(
    db: &impl ConnectionTrait,
    share_id: i64,
) -> DomainResult<Vec<profit_share_line::Model>> {
    Ok(profit_share_line::Entity::find()
        .filter(profit_share_line::Column::ShareId.eq(share_id))
        .order_by_asc(profit_share_line::Column::Id)
        .all(db)
        .await?)
}

/// A payment's refunds as sharing sees them: what was given back, and
/// whether one is still on its way (sharing waits for it, so that what it
/// plans and what WeChat Pay still holds agree).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Refunds {
    /// Fen refunded.
    pub done_fen: i64,
    /// A refund is requested and not final.
    pub in_flight: bool,
}

/// A payment's [`Refunds`].
pub async fn refunds_of(db: &impl ConnectionTrait, payment_id: i64) -> DomainResult<Refunds> {
    let rs = refund::Entity::find()
        .filter(refund::Column::PaymentId.eq(payment_id))
        .filter(refund::Column::Status.ne(RefundStatus::Failed))
        .all(db)
        .await?;
    Ok(Refunds {
        done_fen: rs
            .iter()
            .filter(|r| r.status == RefundStatus::Succeeded)
            .map(|r| r.amount_fen)
            .sum(),
        in_flight: rs.iter().any(|r| r.status == RefundStatus::Requested),
    })
}

/// One receiver's part to store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineSpec {
    /// Whose part.
    pub role: ShareRole,
    /// The rider's or carrier's id; 0 for the platform.
    pub owner_id: i64,
    /// `MERCHANT_ID` or `PERSONAL_OPENID`.
    pub receiver_type: String,
    /// The receiver's account.
    pub account: String,
    /// Fen, more than 0.
    pub amount_fen: i64,
}

/// Stores a sharing order's lines, once: when some exist (an earlier
/// attempt planned them), those are kept and returned.
pub async fn plan_lines(
    db: &impl ConnectionTrait,
    share: &profit_share::Model,
    specs: &[LineSpec],
    now: DateTime<Utc>,
) -> DomainResult<Vec<profit_share_line::Model>> {
    let existing = lines(db, share.id).await?;
    if !existing.is_empty() {
        return Ok(existing);
    }
    for s in specs.iter().filter(|s| s.amount_fen > 0) {
        profit_share_line::ActiveModel {
            share_id: Set(share.id),
            platform_id: Set(share.platform_id),
            role: Set(s.role),
            owner_id: Set(s.owner_id),
            receiver_type: Set(s.receiver_type.clone()),
            account: Set(s.account.clone()),
            amount_fen: Set(s.amount_fen),
            result: Set(LineResult::Pending),
            fail_reason: Set(None),
            detail_id: Set(None),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(db)
        .await?;
    }
    lines(db, share.id).await
}

/// Whether a receiver was added for a sub-merchant before.
pub async fn receiver_known(
    db: &impl ConnectionTrait,
    platform_id: i64,
    sub_mchid: &str,
    receiver_type: &str,
    account: &str,
) -> DomainResult<bool> {
    Ok(sharing_receiver::Entity::find()
        .filter(sharing_receiver::Column::PlatformId.eq(platform_id))
        .filter(sharing_receiver::Column::SubMchid.eq(sub_mchid))
        .filter(sharing_receiver::Column::ReceiverType.eq(receiver_type))
        .filter(sharing_receiver::Column::Account.eq(account))
        .one(db)
        .await?
        .is_some())
}

/// Remembers that WeChat Pay added a receiver for a sub-merchant.
pub async fn receiver_added(
    db: &impl ConnectionTrait,
    platform_id: i64,
    sub_mchid: &str,
    receiver_type: &str,
    account: &str,
    now: DateTime<Utc>,
) -> DomainResult<()> {
    let res = sharing_receiver::Entity::insert(sharing_receiver::ActiveModel {
        platform_id: Set(platform_id),
        sub_mchid: Set(sub_mchid.to_owned()),
        receiver_type: Set(receiver_type.to_owned()),
        account: Set(account.to_owned()),
        created_at: Set(now),
        ..Default::default()
    })
    .on_conflict(
        OnConflict::columns([
            sharing_receiver::Column::PlatformId,
            sharing_receiver::Column::SubMchid,
            sharing_receiver::Column::ReceiverType,
            sharing_receiver::Column::Account,
        ])
        .do_nothing()
        .to_owned(),
    )
    .exec_without_returning(db)
    .await;
    match res {
        Ok(_) | Err(DbErr::RecordNotInserted) => Ok(()),
        Err(e) => Err(e.into()),
    }
}

/// WeChat Pay accepted the sharing order (or its unfreeze).
pub async fn mark_requested(
    db: &impl ConnectionTrait,
    share_id: i64,
    wx_order_id: &str,
    now: DateTime<Utc>,
) -> DomainResult<()> {
    profit_share::Entity::update_many()
        .col_expr(
            profit_share::Column::Status,
            Expr::value(ShareStatus::Requested),
        )
        .col_expr(
            profit_share::Column::WxOrderId,
            Expr::value(Some(wx_order_id.to_owned())),
        )
        .col_expr(
            profit_share::Column::FailReason,
            Expr::value(None::<String>),
        )
        .col_expr(profit_share::Column::UpdatedAt, Expr::value(now))
        .filter(profit_share::Column::Id.eq(share_id))
        .filter(profit_share::Column::Status.eq(ShareStatus::Scheduled))
        .exec(db)
        .await?;
    Ok(())
}

/// WeChat Pay refused the sharing order for now: why, for the operator.
pub async fn mark_refused(
    db: &impl ConnectionTrait,
    share_id: i64,
    reason: &str,
    now: DateTime<Utc>,
) -> DomainResult<()> {
    profit_share::Entity::update_many()
        .col_expr(
            profit_share::Column::FailReason,
            Expr::value(Some(reason.chars().take(200).collect::<String>())),
        )
        .col_expr(profit_share::Column::UpdatedAt, Expr::value(now))
        .filter(profit_share::Column::Id.eq(share_id))
        .exec(db)
        .await?;
    Ok(())
}

/// A receiver's final result: the line moves from pending once, and the
/// money is booked where it went. `false` when it was final already.
pub async fn settle_line(
    db: &impl ConnectionTrait,
    share: &profit_share::Model,
    line: &profit_share_line::Model,
    result: LineResult,
    fail_reason: Option<&str>,
    detail_id: Option<&str>,
    now: DateTime<Utc>,
) -> DomainResult<bool> {
    if result == LineResult::Pending {
        return Ok(false);
    }
    let moved = profit_share_line::Entity::update_many()
        .col_expr(profit_share_line::Column::Result, Expr::value(result))
        .col_expr(
            profit_share_line::Column::FailReason,
            Expr::value(fail_reason.map(str::to_owned)),
        )
        .col_expr(
            profit_share_line::Column::DetailId,
            Expr::value(detail_id.map(str::to_owned)),
        )
        .col_expr(profit_share_line::Column::UpdatedAt, Expr::value(now))
        .filter(profit_share_line::Column::Id.eq(line.id))
        .filter(profit_share_line::Column::Result.eq(LineResult::Pending))
        .exec(db)
        .await?;
    if moved.rows_affected != 1 {
        return Ok(false);
    }
    let to = match (result, line.role) {
        (LineResult::Success, ShareRole::Platform) => {
            Leg::debit(AccountKind::Clearing, line.amount_fen)
        }
        (LineResult::Success, ShareRole::Rider) => {
            Leg::debit(AccountKind::RiderPayable, line.amount_fen).of(line.owner_id)
        }
        (LineResult::Success, ShareRole::Carrier) => {
            Leg::debit(AccountKind::CarrierPayable, line.amount_fen).of(line.owner_id)
        }
        (LineResult::Success, ShareRole::AgentPoint) => {
            Leg::debit(AccountKind::AgentPointPayable, line.amount_fen).of(line.owner_id)
        }
        // Closed: WeChat Pay unfroze the part to the kitchen instead.
        _ => Leg::debit(AccountKind::MerchantPayable, line.amount_fen).of(share.merchant_id),
    };
    ledger::post(
        db,
        share.platform_id,
        Source {
            kind_of_source: "profit_share_line",
            id: line.id,
            event: result.as_str(),
        },
        &[to, Leg::credit(AccountKind::PartnerFunds, line.amount_fen)],
        None,
        &format!(
            "sharing {} to {} {}: {}",
            share.out_order_no,
            line.role,
            line.account,
            result.as_str()
        ),
        now,
    )
    .await?;
    Ok(true)
}

/// Every receiver is final and WeChat Pay unfroze the rest to the
/// kitchen: the share is finished and the rest booked to the kitchen.
/// `false` when it was finished already.
pub async fn finish(
    db: &impl ConnectionTrait,
    share: &profit_share::Model,
    now: DateTime<Utc>,
) -> DomainResult<bool> {
    let ls = lines(db, share.id).await?;
    if ls.iter().any(|l| l.result == LineResult::Pending) {
        return Err(DomainError::invalid(
            "profit_share",
            "a receiver's result is still pending",
        ));
    }
    let moved = profit_share::Entity::update_many()
        .col_expr(
            profit_share::Column::Status,
            Expr::value(ShareStatus::Finished),
        )
        .col_expr(profit_share::Column::UpdatedAt, Expr::value(now))
        .filter(profit_share::Column::Id.eq(share.id))
        .filter(profit_share::Column::Status.ne(ShareStatus::Finished))
        .exec(db)
        .await?;
    if moved.rows_affected != 1 {
        return Ok(false);
    }
    let p = crate::scope::get::<payment::Entity>(db, share.payment_id, "payment").await?;
    let refunded = refunds_of(db, p.id).await?.done_fen;
    let rest = p.amount_fen - refunded - ls.iter().map(|l| l.amount_fen).sum::<i64>();
    ledger::post(
        db,
        share.platform_id,
        Source {
            kind_of_source: "profit_share",
            id: share.id,
            event: "unfrozen",
        },
        &[
            Leg::debit(AccountKind::MerchantPayable, rest).of(share.merchant_id),
            Leg::credit(AccountKind::PartnerFunds, rest),
        ],
        None,
        &format!(
            "sharing {}: {rest} fen unfrozen to the kitchen",
            share.out_order_no
        ),
        now,
    )
    .await?;
    Ok(true)
}

/// What a payee is owed from orders not shared yet: in partner mode it
/// reaches them through sharing, not through a payout.
pub async fn pending_for(
    db: &impl ConnectionTrait,
    platform_id: i64,
    account: AccountKind,
    owner_id: i64,
) -> DomainResult<i64> {
    let open = profit_share::Entity::find()
        .filter(profit_share::Column::PlatformId.eq(platform_id))
        .filter(profit_share::Column::Status.ne(ShareStatus::Finished));
    let rows = match account {
        AccountKind::MerchantPayable => {
            open.filter(profit_share::Column::MerchantId.eq(owner_id))
                .all(db)
                .await?
        }
        AccountKind::RiderPayable | AccountKind::CarrierPayable => {
            let role = if account == AccountKind::RiderPayable {
                ShareRole::Rider
            } else {
                ShareRole::Carrier
            };
            open.filter(profit_share::Column::CourierRole.eq(role))
                .filter(profit_share::Column::CourierId.eq(owner_id))
                .all(db)
                .await?
        }
        AccountKind::AgentPointPayable => {
            open.filter(profit_share::Column::AgentPointId.eq(owner_id))
                .all(db)
                .await?
        }
        _ => return Ok(0),
    };
    Ok(rows
        .iter()
        .map(|s| match account {
            AccountKind::MerchantPayable => s.kitchen_fen,
            AccountKind::AgentPointPayable => s.agent_fen,
            _ => s.courier_fen,
        })
        .sum())
}

/// A sharing order as the operator sees it: its receivers' lines with
/// their results, and the returns made before refunds.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct ShareView {
    /// The sharing order (`fail_reason` says why WeChat Pay refused it
    /// last, while it is retried).
    pub share: profit_share::Model,
    /// The receivers' parts and results (`fail_reason` when one was closed).
    pub lines: Vec<profit_share_line::Model>,
    /// The platform's share returned before refunds.
    pub returns: Vec<crate::profit_share_return::Model>,
}

/// The platform's sharing orders, newest first: all, or those in one
/// status, or (`refused`) those WeChat Pay refused last time they were sent.
pub async fn list(
    db: &impl ConnectionTrait,
    platform_id: i64,
    status: Option<ShareStatus>,
    refused_only: bool,
    limit: u64,
) -> DomainResult<Vec<ShareView>> {
    use sea_orm::QuerySelect;
    let mut q =
        profit_share::Entity::find().filter(profit_share::Column::PlatformId.eq(platform_id));
    if let Some(st) = status {
        q = q.filter(profit_share::Column::Status.eq(st));
    }
    if refused_only {
        q = q
            .filter(profit_share::Column::FailReason.is_not_null())
            .filter(profit_share::Column::Status.ne(ShareStatus::Finished));
    }
    let shares = q
        .order_by_desc(profit_share::Column::Id)
        .limit(limit.clamp(1, 200))
        .all(db)
        .await?;
    let ids: Vec<i64> = shares.iter().map(|s| s.id).collect();
    let mut lines: std::collections::HashMap<i64, Vec<profit_share_line::Model>> =
        std::collections::HashMap::new();
    for l in profit_share_line::Entity::find()
        .filter(profit_share_line::Column::ShareId.is_in(ids.clone()))
        .order_by_asc(profit_share_line::Column::Id)
        .all(db)
        .await?
    {
        lines.entry(l.share_id).or_default().push(l);
    }
    let mut returns: std::collections::HashMap<i64, Vec<crate::profit_share_return::Model>> =
        std::collections::HashMap::new();
    for r in crate::profit_share_return::Entity::find()
        .filter(crate::profit_share_return::Column::ShareId.is_in(ids))
        .order_by_asc(crate::profit_share_return::Column::Id)
        .all(db)
        .await?
    {
        returns.entry(r.share_id).or_default().push(r);
    }
    Ok(shares
        .into_iter()
        .map(|s| ShareView {
            lines: lines.remove(&s.id).unwrap_or_default(),
            returns: returns.remove(&s.id).unwrap_or_default(),
            share: s,
        })
        .collect())
}

/// The operator sends a sharing order that is not finished again now (its
/// job gave up, or the cause of a refusal was fixed — a receiver's name,
/// the sub-merchant's authorisation). Under the same `out_order_no`, so
/// nothing is ever shared twice. Run it in a transaction.
pub async fn retry(
    db: &impl ConnectionTrait,
    platform_id: i64,
    share_id: i64,
    now: DateTime<Utc>,
) -> DomainResult<profit_share::Model> {
    let share = crate::scope::on_platform::<profit_share::Entity>(
        db,
        platform_id,
        share_id,
        "profit share",
    )
    .await?;
    if share.status == ShareStatus::Finished {
        return Err(DomainError::invalid(
            "id",
            "the sharing order is finished; nothing is left to send",
        ));
    }
    let mut job =
        crate::outbox::NewJob::new(RUN_JOB, serde_json::json!({ "share_id": share.id }), now);
    job.platform_id = Some(platform_id);
    job.dedupe_key = Some(format!(
        "profit_share:{}:retry{}",
        share.id,
        now.timestamp()
    ));
    job.max_attempts = 30;
    crate::outbox::enqueue(db, job, now).await?;
    Ok(share)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn owed(platform_fen: i64, courier_fen: i64, courier_receives: bool) -> Owed {
        Owed {
            platform_fen,
            courier_fen,
            courier_receives,
            agent_fen: 0,
            agent_receives: false,
        }
    }

    #[test]
    fn the_courier_and_the_platform_share_and_the_kitchen_keeps_the_rest() {
        // 30 yuan paid: rider 5, platform 3.
        assert_eq!(
            plan(3_000, 0, owed(300, 500, true), 3_000),
            Plan {
                platform_fen: 300,
                courier_fen: 500,
                agent_fen: 0
            }
        );
    }

    #[test]
    fn a_courier_who_cannot_receive_is_shared_to_the_platform() {
        assert_eq!(
            plan(3_000, 0, owed(300, 500, false), 3_000),
            Plan {
                platform_fen: 800,
                courier_fen: 0,
                agent_fen: 0
            }
        );
    }

    #[test]
    fn refunds_come_out_of_the_platforms_part_first() {
        assert_eq!(
            plan(3_000, 200, owed(300, 500, true), 3_000),
            Plan {
                platform_fen: 100,
                courier_fen: 500,
                agent_fen: 0
            }
        );
        assert_eq!(
            plan(3_000, 1_000, owed(300, 500, true), 3_000),
            Plan {
                platform_fen: 0,
                courier_fen: 500,
                agent_fen: 0
            }
        );
    }

    #[test]
    fn the_limit_and_what_is_held_cap_the_parts_platform_first() {
        // 10 yuan at 30 %: 3 yuan may be shared.
        assert_eq!(
            plan(1_000, 0, owed(200, 250, true), 3_000),
            Plan {
                platform_fen: 50,
                courier_fen: 250,
                agent_fen: 0
            }
        );
        assert_eq!(
            plan(1_000, 0, owed(200, 400, true), 3_000),
            Plan {
                platform_fen: 0,
                courier_fen: 300,
                agent_fen: 0
            }
        );
        // Almost all refunded: only what is held can be shared.
        assert_eq!(
            plan(1_000, 900, owed(200, 400, true), 3_000),
            Plan {
                platform_fen: 0,
                courier_fen: 100,
                agent_fen: 0
            }
        );
        // A discount left the platform below zero: it gets nothing.
        assert_eq!(
            plan(1_000, 0, owed(-50, 200, true), 3_000),
            Plan {
                platform_fen: 0,
                courier_fen: 200,
                agent_fen: 0
            }
        );
    }

    #[test]
    fn the_agent_point_gets_its_fee_after_the_courier_and_before_the_platform() {
        let village = Owed {
            platform_fen: 300,
            courier_fen: 400,
            courier_receives: true,
            agent_fen: 50,
            agent_receives: true,
        };
        assert_eq!(
            plan(3_000, 0, village, 3_000),
            Plan {
                platform_fen: 300,
                courier_fen: 400,
                agent_fen: 50
            }
        );
        // 10 yuan at 30 %: the courier's 2.5 yuan, then 0.5 of the agent's.
        let small = Owed {
            courier_fen: 250,
            agent_fen: 100,
            ..village
        };
        assert_eq!(
            plan(1_000, 0, small, 3_000),
            Plan {
                platform_fen: 0,
                courier_fen: 250,
                agent_fen: 50
            }
        );
        // A point without a keeper who can receive: the platform takes it.
        let keeperless = Owed {
            agent_receives: false,
            ..village
        };
        assert_eq!(
            plan(3_000, 0, keeperless, 3_000),
            Plan {
                platform_fen: 350,
                courier_fen: 400,
                agent_fen: 0
            }
        );
    }
}
