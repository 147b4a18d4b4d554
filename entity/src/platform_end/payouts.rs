//! Payouts: a payee withdraws settled money. The request books the money
//! out of the payee's account into "payouts in transit" at once (so it
//! cannot be withdrawn twice); the transfer's success moves it out of
//! clearing, its failure (or an operator's rejection) gives it back.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};

use crate::error::{DomainError, DomainResult};
use crate::payment::PayProvider;
use crate::payout::{PayeeKind, PayoutStatus};
use crate::platform_end::ledger::{AccountKind, Leg, Source};
use crate::platform_end::{ledger, settlement};
use crate::{ledger_account, payout};

/// The job kind that sends an approved payout.
pub const SEND_JOB: &str = "payout.send";
/// Smallest payout, fen.
pub const MIN_FEN: i64 = 100;
/// Largest payout per transfer, fen (WeChat Pay asks for the payee's real
/// name above 2,000 yuan).
pub const MAX_FEN: i64 = 200_000;

/// A payee: the account kind and its owner.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Payee {
    /// Merchant, rider, carrier or agent point.
    pub kind: PayeeKind,
    /// Its id.
    pub owner_id: i64,
}

impl Payee {
    fn account(self) -> AccountKind {
        match self.kind {
            PayeeKind::Rider => AccountKind::RiderPayable,
            PayeeKind::Carrier => AccountKind::CarrierPayable,
            PayeeKind::Merchant => AccountKind::MerchantPayable,
            PayeeKind::AgentPoint => AccountKind::AgentPointPayable,
        }
    }
}

/// What the payee may withdraw now: the settled balance (latest statement)
/// less payouts asked since, and never more than the current balance.
pub async fn available(
    db: &impl ConnectionTrait,
    platform_id: i64,
    payee: Payee,
) -> DomainResult<i64> {
    let (balance, _) =
        ledger::payee_account(db, platform_id, payee.account(), payee.owner_id, 0).await?;
    let Some(last) = settlement::statements_of(db, platform_id, payee.account(), payee.owner_id, 1)
        .await?
        .into_iter()
        .next()
    else {
        return Ok(0);
    };
    // Payouts booked after the settled day are not in its closing balance.
    let offset = crate::platform_end::platforms::platform_of(db, platform_id)
        .await?
        .utc_offset_minutes;
    let (_, day_end) = crate::calendar::day_bounds(last.business_date, offset);
    let since: i64 = payout::Entity::find()
        .filter(payout::Column::PlatformId.eq(platform_id))
        .filter(payout::Column::PayeeKind.eq(payee.kind))
        .filter(payout::Column::OwnerId.eq(payee.owner_id))
        .filter(payout::Column::CreatedAt.gte(day_end))
        .filter(payout::Column::Status.is_not_in([PayoutStatus::Failed, PayoutStatus::Rejected]))
        .all(db)
        .await?
        .iter()
        .map(|p| p.amount_fen)
        .sum();
    // Partner mode: what orders not yet shared owe the payee reaches them
    // through profit sharing, not a payout.
    let sharing = crate::platform_end::profit_sharing::pending_for(
        db,
        platform_id,
        payee.account(),
        payee.owner_id,
    )
    .await?;
    Ok((last.payable_fen - since - sharing)
        .min(balance - sharing)
        .max(0))
}

fn source(p: &payout::Model, event: &'static str) -> Source<'static> {
    Source {
        kind_of_source: "payout",
        id: p.id,
        event,
    }
}

/// Asks for a payout. `false` with an existing payout when the
/// idempotency key was used before.
#[allow(clippy::too_many_arguments)]
pub async fn request(
    db: &impl ConnectionTrait,
    platform_id: i64,
    payee: Payee,
    user_id: i64,
    amount_fen: i64,
    provider: PayProvider,
    idempotency_key: Option<&str>,
    out_batch_no: &str,
    now: DateTime<Utc>,
) -> DomainResult<(payout::Model, bool)> {
    if let Some(key) = idempotency_key
        && let Some(p) = payout::Entity::find()
            .filter(payout::Column::UserId.eq(user_id))
            .filter(payout::Column::IdempotencyKey.eq(key))
            .one(db)
            .await?
    {
        if p.amount_fen != amount_fen {
            return Err(DomainError::IdempotencyKeyReused);
        }
        return Ok((p, false));
    }
    if !(MIN_FEN..=MAX_FEN).contains(&amount_fen) {
        return Err(DomainError::invalid(
            "amount_fen",
            format!("{MIN_FEN} to {MAX_FEN} fen per payout"),
        ));
    }
    // Serialise the payee's withdrawals: the row lock (PostgreSQL) or the
    // write transaction (SQLite) makes "check, then book" atomic.
    let account = ledger::account(db, platform_id, payee.account(), payee.owner_id, now).await?;
    ledger_account::Entity::find_by_id(account.id)
        .lock_exclusive()
        .one(db)
        .await?;
    let can = available(db, platform_id, payee).await?;
    if amount_fen > can {
        return Err(DomainError::InsufficientBalance {
            available_fen: can,
            asked_fen: amount_fen,
        });
    }
    let p = crate::platform_end::platforms::platform_of(db, platform_id).await?;
    let status = if amount_fen > p.payout_review_fen {
        PayoutStatus::Review
    } else {
        PayoutStatus::Approved
    };
    let row = payout::ActiveModel {
        platform_id: Set(platform_id),
        payee_kind: Set(payee.kind),
        owner_id: Set(payee.owner_id),
        user_id: Set(user_id),
        amount_fen: Set(amount_fen),
        status: Set(status),
        provider: Set(provider),
        out_batch_no: Set(out_batch_no.into()),
        batch_id: Set(None),
        fail_reason: Set(None),
        reviewed_by: Set(None),
        idempotency_key: Set(idempotency_key.map(str::to_owned)),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?;
    ledger::post(
        db,
        platform_id,
        source(&row, "requested"),
        &[
            Leg::debit(payee.account(), amount_fen).of(payee.owner_id),
            Leg::credit(AccountKind::PayoutsInTransit, amount_fen),
        ],
        None,
        &format!("payout {} requested", row.out_batch_no),
        now,
    )
    .await?;
    if status == PayoutStatus::Approved {
        enqueue_send(db, &row, now).await?;
    }
    Ok((row, true))
}

async fn enqueue_send(
    db: &impl ConnectionTrait,
    p: &payout::Model,
    now: DateTime<Utc>,
) -> DomainResult<()> {
    let mut job =
        crate::outbox::NewJob::new(SEND_JOB, serde_json::json!({ "payout_id": p.id }), now);
    job.platform_id = Some(p.platform_id);
    job.dedupe_key = Some(format!("payout:{}", p.id));
    job.max_attempts = 20;
    crate::outbox::enqueue(db, job, now).await?;
    Ok(())
}

/// Moves a payout from one of `from` to `to`; `false` if it was elsewhere.
async fn move_status(
    db: &impl ConnectionTrait,
    id: i64,
    from: &[PayoutStatus],
    to: PayoutStatus,
    now: DateTime<Utc>,
) -> DomainResult<bool> {
    let res = payout::Entity::update_many()
        .col_expr(payout::Column::Status, Expr::value(to))
        .col_expr(payout::Column::UpdatedAt, Expr::value(now))
        .filter(payout::Column::Id.eq(id))
        .filter(payout::Column::Status.is_in(from.iter().copied()))
        .exec(db)
        .await?;
    Ok(res.rows_affected == 1)
}

/// A payout of the platform, or 404.
pub async fn get(
    db: &impl ConnectionTrait,
    platform_id: i64,
    id: i64,
) -> DomainResult<payout::Model> {
    crate::scope::on_platform::<payout::Entity>(db, platform_id, id, "payout").await
}

/// An operator approves (it is sent) or rejects (the money returns) a
/// payout waiting for review.
pub async fn review(
    db: &impl ConnectionTrait,
    platform_id: i64,
    id: i64,
    operator_id: i64,
    approve: bool,
    reason: Option<String>,
    now: DateTime<Utc>,
) -> DomainResult<payout::Model> {
    let p = get(db, platform_id, id).await?;
    let to = if approve {
        PayoutStatus::Approved
    } else {
        PayoutStatus::Rejected
    };
    if !move_status(db, p.id, &[PayoutStatus::Review], to, now).await? {
        return Err(DomainError::PayoutState(p.status.to_string()));
    }
    payout::Entity::update_many()
        .col_expr(payout::Column::ReviewedBy, Expr::value(Some(operator_id)))
        .col_expr(payout::Column::FailReason, Expr::value(reason.clone()))
        .filter(payout::Column::Id.eq(p.id))
        .exec(db)
        .await?;
    if approve {
        enqueue_send(db, &p, now).await?;
    } else {
        give_back(db, &p, "rejected", now).await?;
    }
    get(db, platform_id, p.id).await
}

async fn give_back(
    db: &impl ConnectionTrait,
    p: &payout::Model,
    event: &'static str,
    now: DateTime<Utc>,
) -> DomainResult<()> {
    let payee = Payee {
        kind: p.payee_kind,
        owner_id: p.owner_id,
    };
    ledger::post(
        db,
        p.platform_id,
        source(p, event),
        &[
            Leg::debit(AccountKind::PayoutsInTransit, p.amount_fen),
            Leg::credit(payee.account(), p.amount_fen).of(p.owner_id),
        ],
        None,
        &format!("payout {} {event}: money returned", p.out_batch_no),
        now,
    )
    .await?;
    Ok(())
}

/// The transfer was accepted by the provider.
pub async fn mark_sent(
    db: &impl ConnectionTrait,
    id: i64,
    batch_id: &str,
    now: DateTime<Utc>,
) -> DomainResult<()> {
    if move_status(db, id, &[PayoutStatus::Approved], PayoutStatus::Sent, now).await? {
        payout::Entity::update_many()
            .col_expr(
                payout::Column::BatchId,
                Expr::value(Some(batch_id.to_owned())),
            )
            .filter(payout::Column::Id.eq(id))
            .exec(db)
            .await?;
    }
    Ok(())
}

/// The money arrived: it leaves the platform's clearing account. Idempotent.
pub async fn mark_paid(
    db: &impl ConnectionTrait,
    id: i64,
    now: DateTime<Utc>,
) -> DomainResult<bool> {
    let p = crate::scope::get::<payout::Entity>(db, id, "payout").await?;
    if !move_status(
        db,
        id,
        &[PayoutStatus::Approved, PayoutStatus::Sent],
        PayoutStatus::Paid,
        now,
    )
    .await?
    {
        return Ok(false);
    }
    ledger::post(
        db,
        p.platform_id,
        source(&p, "paid"),
        &[
            Leg::debit(AccountKind::PayoutsInTransit, p.amount_fen),
            Leg::credit(AccountKind::Clearing, p.amount_fen),
        ],
        None,
        &format!("payout {} paid", p.out_batch_no),
        now,
    )
    .await?;
    Ok(true)
}

/// The transfer failed: the money returns to the payee. Idempotent.
pub async fn mark_failed(
    db: &impl ConnectionTrait,
    id: i64,
    reason: &str,
    now: DateTime<Utc>,
) -> DomainResult<bool> {
    let p = crate::scope::get::<payout::Entity>(db, id, "payout").await?;
    if !move_status(
        db,
        id,
        &[PayoutStatus::Approved, PayoutStatus::Sent],
        PayoutStatus::Failed,
        now,
    )
    .await?
    {
        return Ok(false);
    }
    payout::Entity::update_many()
        .col_expr(
            payout::Column::FailReason,
            Expr::value(Some(reason.chars().take(200).collect::<String>())),
        )
        .filter(payout::Column::Id.eq(id))
        .exec(db)
        .await?;
    give_back(db, &p, "failed", now).await?;
    Ok(true)
}

/// A payee's payouts, newest first.
pub async fn of_payee(
    db: &impl ConnectionTrait,
    platform_id: i64,
    payee: Payee,
) -> DomainResult<Vec<payout::Model>> {
    Ok(payout::Entity::find()
        .filter(payout::Column::PlatformId.eq(platform_id))
        .filter(payout::Column::PayeeKind.eq(payee.kind))
        .filter(payout::Column::OwnerId.eq(payee.owner_id))
        .order_by_desc(payout::Column::Id)
        .limit(50)
        .all(db)
        .await?)
}
