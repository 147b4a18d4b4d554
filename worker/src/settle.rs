//! The daily settlement as a periodic job: every platform's finished
//! business days get their statements (catching up at most a month); and
//! the daily statistics rollup.

use std::future::Future;
use std::pin::Pin;

use chrono::Duration;
use entity::platform_end::settlement;
use entity::settlement_run::RunStatus;
use entity::{platform, settlement_run};
use sea_orm::{ColumnTrait, DbErr, EntityTrait, QueryFilter, QueryOrder};

use crate::jobs::{JobContext, PeriodicHandler, PeriodicJob};

/// Days a worker that was down catches up.
pub const CATCH_UP_DAYS: i64 = 31;

/// Settles every finished day not settled yet.
#[derive(Debug, Clone, Copy)]
pub struct DailySettlement;

impl PeriodicHandler for DailySettlement {
    fn run<'a>(
        &'a self,
        ctx: &'a JobContext,
    ) -> Pin<Box<dyn Future<Output = Result<String, DbErr>> + Send + 'a>> {
        Box::pin(async move {
            let now = ctx.clock.now();
            let mut settled = 0;
            for p in platform::Entity::find().all(&ctx.db).await? {
                let last = entity::calendar::last_closed_day(now, p.utc_offset_minutes);
                let done = settlement_run::Entity::find()
                    .filter(settlement_run::Column::PlatformId.eq(p.id))
                    .filter(settlement_run::Column::Status.eq(RunStatus::Done))
                    .order_by_desc(settlement_run::Column::BusinessDate)
                    .one(&ctx.db)
                    .await?
                    .map(|r| r.business_date);
                let mut day = match done {
                    Some(d) => d + Duration::days(1),
                    None => last,
                }
                .max(last - Duration::days(CATCH_UP_DAYS - 1));
                while day <= last {
                    let txn = entity::tx::begin_write(&ctx.db).await?;
                    settlement::run(&txn, p.id, day, now, None)
                        .await
                        .map_err(|e| DbErr::Custom(e.to_string()))?;
                    txn.commit().await?;
                    settled += 1;
                    day += Duration::days(1);
                }
            }
            Ok(format!("settled {settled} platform-days"))
        })
    }
}

/// The settlement job, checked every `interval_secs`.
pub fn periodic(interval_secs: i64) -> PeriodicJob {
    PeriodicJob::new(
        "daily-settlement",
        Duration::seconds(interval_secs.max(60)),
        DailySettlement,
    )
}

/// Rolls up each platform's finished days into the statistics tables.
#[derive(Debug, Clone, Copy)]
pub struct StatsRollup;

impl PeriodicHandler for StatsRollup {
    fn run<'a>(
        &'a self,
        ctx: &'a JobContext,
    ) -> Pin<Box<dyn Future<Output = Result<String, DbErr>> + Send + 'a>> {
        Box::pin(async move {
            let txn = entity::tx::begin_write(&ctx.db).await?;
            let written = entity::platform_end::stats::rollup_due(&txn, ctx.clock.now(), 400)
                .await
                .map_err(|e| DbErr::Custom(e.to_string()))?;
            txn.commit().await?;
            Ok(format!("rolled up {written} platform-days"))
        })
    }
}

/// The statistics rollup, checked with the settlement.
pub fn stats_periodic(interval_secs: i64) -> PeriodicJob {
    PeriodicJob::new(
        "stats-rollup",
        Duration::seconds(interval_secs.max(60)),
        StatsRollup,
    )
}
