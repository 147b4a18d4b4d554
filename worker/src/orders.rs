//! Order background work: payment and acceptance timeouts, and refunds.

use std::future::Future;
use std::pin::Pin;

use chrono::Duration;
use entity::error::DomainError;
use entity::ordering::{self, OrderActor};
use entity::{job, order, payment, refund};
use sea_orm::{ConnectionTrait, DbErr, EntityTrait};
use serde_json::json;

use crate::jobs::{
    self, JobContext, JobError, JobFuture, JobHandler, NewJob, PeriodicHandler, PeriodicJob,
};

/// The job kind that executes a refund with its payment provider.
pub const REFUND_JOB: &str = "refund.execute";

/// Queues the execution of a refund (once per refund).
pub async fn enqueue_refund(
    db: &impl ConnectionTrait,
    r: &refund::Model,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(), DbErr> {
    let mut job = NewJob::new(REFUND_JOB, json!({ "refund_id": r.id }), now);
    job.platform_id = Some(r.platform_id);
    job.dedupe_key = Some(format!("refund:{}", r.out_refund_no));
    job.max_attempts = 10;
    jobs::enqueue(db, job, now).await?;
    Ok(())
}

fn retry(e: DomainError) -> JobError {
    match e {
        DomainError::Db(db) => JobError::Retry(db.to_string()),
        other => JobError::Permanent(other.to_string()),
    }
}

/// Executes refunds. The demo provider succeeds at once; WeChat Pay refunds
/// come with its client.
#[derive(Debug, Clone, Copy)]
pub struct ExecuteRefund;

impl JobHandler for ExecuteRefund {
    fn run<'a>(&'a self, ctx: &'a JobContext, job: &'a job::Model) -> JobFuture<'a> {
        Box::pin(async move {
            let payload: serde_json::Value = serde_json::from_str(&job.payload)
                .map_err(|e| JobError::Permanent(format!("bad payload: {e}")))?;
            let refund_id = payload["refund_id"]
                .as_i64()
                .ok_or_else(|| JobError::Permanent("payload without refund_id".into()))?;
            let r = refund::Entity::find_by_id(refund_id)
                .one(&ctx.db)
                .await?
                .ok_or_else(|| JobError::Permanent(format!("refund {refund_id} is gone")))?;
            if r.status != "requested" {
                return Ok(());
            }
            let pay = payment::Entity::find_by_id(r.payment_id)
                .one(&ctx.db)
                .await?
                .ok_or_else(|| JobError::Permanent("refund without payment".into()))?;
            match pay.provider.as_str() {
                "demo" => {
                    let txn = entity::tx::begin_write(&ctx.db).await?;
                    ordering::complete_refund(&txn, r.id, ctx.clock.now())
                        .await
                        .map_err(retry)?;
                    txn.commit().await?;
                    Ok(())
                }
                other => Err(JobError::Permanent(format!(
                    "refunds through {other} are not supported by this build"
                ))),
            }
        })
    }
}

/// Ends orders past their payment or acceptance timeout.
#[derive(Debug, Clone, Copy)]
pub struct OrderTimeouts;

impl PeriodicHandler for OrderTimeouts {
    fn run<'a>(
        &'a self,
        ctx: &'a JobContext,
    ) -> Pin<Box<dyn Future<Output = Result<String, DbErr>> + Send + 'a>> {
        Box::pin(async move {
            let now = ctx.clock.now();
            let due = ordering::timed_out(&ctx.db, now, 500)
                .await
                .map_err(|e| DbErr::Custom(e.to_string()))?;
            let mut ended = 0;
            for (o, event) in due {
                let txn = entity::tx::begin_write(&ctx.db).await?;
                // Re-read inside the transaction: a payment may have landed.
                let Some(fresh) = order::Entity::find_by_id(o.id).one(&txn).await? else {
                    continue;
                };
                match ordering::apply(&txn, fresh, event, OrderActor::SYSTEM, None, now).await {
                    Ok((_, refund)) => {
                        if let Some(due) = refund {
                            enqueue_refund(&txn, &due.refund, now).await?;
                        }
                        txn.commit().await?;
                        ended += 1;
                    }
                    Err(DomainError::OrderState(_)) => txn.rollback().await?,
                    Err(e) => {
                        txn.rollback().await?;
                        tracing::warn!(order = o.id, error = %e, "timeout not applied");
                    }
                }
            }
            Ok(format!("ended {ended} timed-out orders"))
        })
    }
}

/// The timeouts as a periodic job.
pub fn timeouts_job(interval_secs: i64) -> PeriodicJob {
    PeriodicJob::new(
        "order-timeouts",
        Duration::seconds(interval_secs.max(1)),
        OrderTimeouts,
    )
}
