//! Daily reconciliation against WeChat Pay's trade bill and, for a service
//! provider, its profit-sharing bill (published the next morning): each
//! platform's finished day, once, after 10:00 local.

use std::future::Future;
use std::pin::Pin;

use chrono::{Duration, Timelike};
use entity::platform_end::reconciliation;
use entity::{platform, reconciliation_report};
use sea_orm::{ColumnTrait, DbErr, EntityTrait, QueryFilter};

use crate::jobs::{JobContext, PeriodicHandler, PeriodicJob};
use crate::wechatpay::PayMerchants;

/// Local hour after which the previous day's bill is fetched.
pub const BILL_READY_HOUR: u32 = 10;

/// Fetches and reconciles yesterday's bill of every platform.
#[derive(Debug, Clone)]
pub struct DailyReconciliation {
    /// The counties' WeChat Pay merchants (a county without one has no
    /// bill to reconcile).
    pub merchants: PayMerchants,
}

impl PeriodicHandler for DailyReconciliation {
    fn run<'a>(
        &'a self,
        ctx: &'a JobContext,
    ) -> Pin<Box<dyn Future<Output = Result<String, DbErr>> + Send + 'a>> {
        Box::pin(async move {
            let now = ctx.clock.now();
            let mut done = 0;
            for p in platform::Entity::find().all(&ctx.db).await? {
                let local = now + Duration::minutes(i64::from(p.utc_offset_minutes));
                if local.hour() < BILL_READY_HOUR {
                    continue;
                }
                let day = entity::calendar::last_closed_day(now, p.utc_offset_minutes);
                let have = reconciliation_report::Entity::find()
                    .filter(reconciliation_report::Column::PlatformId.eq(p.id))
                    .filter(reconciliation_report::Column::BillDate.eq(day))
                    .one(&ctx.db)
                    .await?
                    .is_some();
                if have {
                    continue;
                }
                let client = match self.merchants.of_platform(&ctx.db, p.id).await {
                    Ok(Some(c)) => c,
                    Ok(None) => continue,
                    Err(e) => {
                        tracing::warn!(platform = p.id, error = %e, "no WeChat Pay client; retrying next round");
                        continue;
                    }
                };
                let csv = match client.trade_bill(day, now.timestamp()).await {
                    Ok(csv) => csv,
                    Err(e) => {
                        tracing::warn!(platform = p.id, %day, error = %e, "trade bill not fetched; retrying next round");
                        continue;
                    }
                };
                let sharing = if client.is_partner() {
                    match client.sharing_bill(day, now.timestamp()).await {
                        Ok(csv) => Some(csv),
                        Err(e) => {
                            tracing::warn!(platform = p.id, %day, error = %e, "sharing bill not fetched; retrying next round");
                            continue;
                        }
                    }
                } else {
                    None
                };
                let txn = entity::tx::begin_write(&ctx.db).await?;
                let report =
                    reconciliation::reconcile(&txn, p.id, day, &csv, sharing.as_deref(), now)
                        .await
                        .map_err(|e| DbErr::Custom(e.to_string()))?;
                txn.commit().await?;
                if report.problems() > 0 {
                    tracing::warn!(platform = p.id, %day, problems = report.problems(), "reconciliation found differences");
                }
                done += 1;
            }
            Ok(format!("reconciled {done} platform-days"))
        })
    }
}

/// The reconciliation job, checked every `interval_secs`.
pub fn periodic(interval_secs: i64, merchants: PayMerchants) -> PeriodicJob {
    PeriodicJob::new(
        "daily-reconciliation",
        Duration::seconds(interval_secs.max(60)),
        DailyReconciliation { merchants },
    )
}
