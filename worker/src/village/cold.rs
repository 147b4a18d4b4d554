//! After the trips: settling the cold-chain batches of completed trips
//! (once late gateway uploads have had time to arrive) and flagging orders
//! left at agent points too long.

use std::future::Future;
use std::pin::Pin;

use chrono::Duration;
use entity::to_door_line::village::{batch_settlement, trips};
use sea_orm::DbErr;

use crate::jobs::{JobContext, PeriodicHandler, PeriodicJob};

/// How long after a trip completes its readings may still arrive (the
/// gateway buffers while the van is out of coverage).
pub const LATE_READINGS_GRACE_MINS: i64 = 15;

/// Trips settled per run; the rest wait for the next run.
const TRIPS_PER_RUN: u64 = 200;

/// Settles batches and flags uncollected orders.
#[derive(Debug, Clone, Copy)]
pub struct AfterTrips;

impl AfterTrips {
    async fn settle(ctx: &JobContext) -> Result<(usize, usize), DbErr> {
        let now = ctx.clock.now();
        let before = now - Duration::minutes(LATE_READINGS_GRACE_MINS);
        let due = batch_settlement::due_trips(&ctx.db, before, TRIPS_PER_RUN)
            .await
            .map_err(|e| DbErr::Custom(e.to_string()))?;
        let (mut batches, mut refunds) = (0, 0);
        for t in due {
            let txn = entity::tx::begin_write(&ctx.db).await?;
            match batch_settlement::settle_trip(&txn, &t, now).await {
                Ok(s) => {
                    txn.commit().await?;
                    batches += s.records.len();
                    refunds += s.refunds.len();
                }
                Err(e) => {
                    txn.rollback().await?;
                    tracing::error!(trip = t.id, error = %e, "cold-chain batches not settled");
                }
            }
        }
        Ok((batches, refunds))
    }
}

impl PeriodicHandler for AfterTrips {
    fn run<'a>(
        &'a self,
        ctx: &'a JobContext,
    ) -> Pin<Box<dyn Future<Output = Result<String, DbErr>> + Send + 'a>> {
        Box::pin(async move {
            let (batches, refunds) = Self::settle(ctx).await?;
            let txn = entity::tx::begin_write(&ctx.db).await?;
            let flagged = trips::flag_uncollected(&txn, ctx.clock.now())
                .await
                .map_err(|e| DbErr::Custom(e.to_string()))?;
            txn.commit().await?;
            Ok(format!(
                "settled {batches} cold-chain batches ({refunds} compensations), flagged {flagged} uncollected orders"
            ))
        })
    }
}

/// The after-trips job, every `interval_secs`.
pub fn periodic(interval_secs: i64) -> PeriodicJob {
    PeriodicJob::new(
        "after-trips",
        Duration::seconds(interval_secs.max(10)),
        AfterTrips,
    )
}
