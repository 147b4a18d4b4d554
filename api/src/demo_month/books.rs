//! The month's back office: the kitchen's purchases from its supplier
//! households and its production batches, the worker's queue (refunds,
//! payouts, notices) as a demo county's worker runs it, the nightly
//! settlement, and the weekly withdrawals.

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc, Weekday};
use entity::error::DomainResult;
use entity::job::Model as Job;
use entity::payment::PayProvider;
use entity::payout::{PayeeKind, PayoutStatus};
use entity::platform_end::payouts::{self, Payee};
use entity::platform_end::settlement;
use entity::refund::{self, RefundStatus};
use entity::supply_end::households::{self, NewPurchase};
use entity::supply_end::trace::{self, NewBatch};
use entity::to_door_line::payments;
use entity::{product, supplier};
use sea_orm::{ColumnTrait, DatabaseTransaction, EntityTrait, QueryFilter, QueryOrder};

use super::cast::{Cast, Kitchen};
use super::rng::Rng;

/// The worker id the month's jobs are claimed under.
const WORKER: &str = "demo-month";

/// What the queue did.
#[derive(Debug, Default, Clone, Copy)]
pub struct Drained {
    /// Refunds paid back.
    pub refunds: usize,
    /// Payouts transferred.
    pub payouts: usize,
    /// Notices (skipped: a demo county has no mini-program to send them).
    pub notices: usize,
}

/// Runs the queued refunds, payouts and notices due by `now`, as the
/// worker of a county on the demo payment provider does.
pub async fn drain_queue(db: &DatabaseTransaction, now: DateTime<Utc>) -> DomainResult<Drained> {
    let kinds = [
        entity::to_door_line::refunds::EXECUTE_JOB.to_owned(),
        payouts::SEND_JOB.to_owned(),
        entity::to_door_line::notices::NOTIFY_JOB.to_owned(),
    ];
    let mut done = Drained::default();
    while let Some(job) = worker::jobs::claim(db, &kinds, WORKER, now, Duration::minutes(5)).await?
    {
        run_job(db, &job, now, &mut done).await?;
        worker::jobs::complete(db, &job, WORKER, now).await?;
    }
    Ok(done)
}

async fn run_job(
    db: &DatabaseTransaction,
    job: &Job,
    now: DateTime<Utc>,
    done: &mut Drained,
) -> DomainResult<()> {
    let payload: serde_json::Value = serde_json::from_str(&job.payload).unwrap_or_default();
    if job.kind == entity::to_door_line::refunds::EXECUTE_JOB {
        let Some(id) = payload["refund_id"].as_i64() else {
            return Ok(());
        };
        let requested = refund::Entity::find_by_id(id)
            .one(db)
            .await?
            .is_some_and(|r| r.status == RefundStatus::Requested);
        if requested {
            payments::complete_refund(db, id, now).await?;
            done.refunds += 1;
        }
    } else if job.kind == payouts::SEND_JOB {
        if let Some(id) = payload["payout_id"].as_i64()
            && payouts::mark_paid(db, id, now).await?
        {
            done.payouts += 1;
        }
    } else {
        done.notices += 1;
    }
    Ok(())
}

/// The kitchen's morning: every third day it buys pork, eggs and flour
/// from its supplier households; every day it steams its fresh buns, and
/// on Mondays and Thursdays it freezes a batch of each frozen kind, as
/// production batches with trace codes.
pub async fn kitchen_morning(
    db: &DatabaseTransaction,
    k: &Kitchen,
    day: NaiveDate,
    at: DateTime<Utc>,
    rng: &mut Rng,
) -> DomainResult<(usize, usize)> {
    let suppliers = supplier::Entity::find()
        .filter(supplier::Column::PlatformId.eq(k.store.platform_id))
        .order_by_asc(supplier::Column::Id)
        .all(db)
        .await?;
    let mut purchases = 0;
    if day.to_epoch_days() % 3 == 0 {
        for (i, s) in suppliers.iter().enumerate().take(5) {
            let (item, unit, qty, price) = match i {
                2 => ("土鸡蛋", "piece", rng.between(40, 80) as f64, 120),
                4 => ("面粉", "jin", rng.between(30, 60) as f64, 260),
                _ => ("黑猪肉", "jin", rng.between(15, 35) as f64, 1_700),
            };
            let p = NewPurchase {
                supplier_id: s.id,
                item: item.into(),
                quantity: qty,
                unit: unit.into(),
                unit_price_fen: price,
                amount_fen: qty as i64 * price,
                purchased_on: day,
            };
            households::record_purchase(
                db,
                k.store.platform_id,
                k.store.merchant_id,
                k.owner_user_id,
                &p,
                day,
                at,
            )
            .await?;
            purchases += 1;
        }
    }
    let buns = product::Entity::find()
        .filter(product::Column::StoreId.eq(k.store.id))
        .filter(product::Column::Name.contains("包"))
        .order_by_asc(product::Column::Id)
        .all(db)
        .await?;
    let freezing = matches!(day.weekday(), Weekday::Mon | Weekday::Thu);
    let made: Vec<&product::Model> = buns
        .iter()
        .filter(|p| freezing || p.cold_chain != "frozen")
        .collect();
    for p in &made {
        let b = NewBatch {
            product_id: p.id,
            produced_on: day,
            quantity: rng.between(150, 300) as i32,
            sources: Vec::new(),
        };
        let code = trace::trace_code(rng.bytes::<12>());
        trace::create_batch(db, &k.store, k.owner_user_id, &b, code, day, at).await?;
    }
    Ok((purchases, made.len()))
}

/// The nightly settlement of a finished business day.
pub async fn settle_day(
    db: &DatabaseTransaction,
    pid: i64,
    day: NaiveDate,
    at: DateTime<Utc>,
) -> DomainResult<usize> {
    Ok(settlement::run(db, pid, day, at, None).await?.written)
}

/// Monday's withdrawals: each kitchen, rider and the carrier takes out
/// what is settled (large ones wait for the operator, who approves them).
pub async fn withdraw_all(
    db: &DatabaseTransaction,
    cast: &Cast,
    operator_user: i64,
    at: DateTime<Utc>,
    rng: &mut Rng,
) -> DomainResult<usize> {
    let pid = cast.platform_id;
    let mut payees: Vec<(Payee, i64)> = Vec::new();
    for k in &cast.kitchens {
        payees.push((
            Payee {
                kind: PayeeKind::Merchant,
                owner_id: k.store.merchant_id,
            },
            k.owner_user_id,
        ));
    }
    for r in &cast.riders {
        payees.push((
            Payee {
                kind: PayeeKind::Rider,
                owner_id: r.id,
            },
            r.user_id,
        ));
    }
    payees.push((
        Payee {
            kind: PayeeKind::Carrier,
            owner_id: cast.carrier_id,
        },
        cast.carrier_manager,
    ));
    let mut asked = 0;
    for (payee, user) in payees {
        let can = payouts::available(db, pid, payee).await?;
        let amount = can.min(payouts::MAX_FEN);
        if amount < payouts::MIN_FEN {
            continue;
        }
        let no = format!(
            "PO{}{}",
            at.format("%Y%m%d"),
            hex::encode_upper(rng.bytes::<6>())
        );
        let (p, _) = payouts::request(
            db,
            pid,
            payee,
            user,
            amount,
            PayProvider::Demo,
            None,
            &no,
            at,
        )
        .await?;
        if p.status == PayoutStatus::Review {
            let later = at + Duration::minutes(rng.between(20, 120));
            payouts::review(db, pid, p.id, operator_user, true, None, later).await?;
        }
        asked += 1;
    }
    Ok(asked)
}
