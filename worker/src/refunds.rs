//! Refunds with the payment provider: executing them, retrying what WeChat
//! Pay asks to be retried under the same refund number, handing lasting
//! refusals to the operator's queue, and following up refunds whose
//! notification never came. No order stays `refunding` unseen.

use std::future::Future;
use std::pin::Pin;

use chrono::{DateTime, Duration, Utc};
use entity::payment::PayProvider;
use entity::refund::RefundStatus;
use entity::to_door_line::{payments, refunds};
use entity::{job, payment, refund};
use sea_orm::{ColumnTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use crate::jobs::{JobContext, JobError, JobFuture, JobHandler, PeriodicHandler, PeriodicJob};
use crate::orders::{merchant_of, retry};
use crate::wechatpay::{PayError, PayMerchants};

/// WeChat Pay's refusals that pass: asked again later under the same
/// refund number, the refund goes through (`FREQUENCY_LIMITED` is answered
/// with 429, `SYSTEM_ERROR` with 500).
pub fn passing_refusal(code: &str) -> bool {
    matches!(code, "FREQUENCY_LIMITED" | "SYSTEM_ERROR")
}

/// The code a failed call leaves on the refund for the operator.
fn failure_code(e: &PayError) -> String {
    match e {
        PayError::Refused { code, .. } => code.clone(),
        PayError::Unavailable(_) => "UNAVAILABLE".into(),
        PayError::Unverified => "UNVERIFIED_ANSWER".into(),
        PayError::Malformed(_) => "MALFORMED_ANSWER".into(),
        PayError::NoSubMerchant => "NO_SUB_MERCHANT".into(),
    }
}

/// Marks the refund failed (it goes to the operator's queue).
async fn fail(ctx: &JobContext, r: &refund::Model, code: &str, message: &str) -> Result<(), DbErr> {
    tracing::error!(out_refund_no = %r.out_refund_no, code, message, "refund needs an operator");
    let txn = entity::tx::begin_write(&ctx.db).await?;
    refunds::mark_failed(&txn, r.id, code, message, ctx.clock.now())
        .await
        .map_err(|e| DbErr::Custom(e.to_string()))?;
    txn.commit().await
}

async fn complete(ctx: &JobContext, refund_id: i64) -> Result<(), JobError> {
    let txn = entity::tx::begin_write(&ctx.db).await?;
    payments::complete_refund(&txn, refund_id, ctx.clock.now())
        .await
        .map_err(retry)?;
    txn.commit().await?;
    Ok(())
}

/// Executes refunds: the demo provider succeeds at once; in partner mode a
/// shared order's platform share is returned to the kitchen first; WeChat Pay answers
/// `SUCCESS` (done) or `PROCESSING` (its notification, or the follow-up,
/// completes it). Passing refusals and outages are retried with backoff
/// under the same refund number; a lasting refusal, or the last attempt
/// failing, leaves the refund failed with WeChat Pay's code, for the
/// operator.
#[derive(Debug, Clone)]
pub struct ExecuteRefund {
    /// The counties' WeChat Pay merchants.
    pub merchants: PayMerchants,
}

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
            if r.status != RefundStatus::Requested {
                return Ok(());
            }
            let pay = payment::Entity::find_by_id(r.payment_id)
                .one(&ctx.db)
                .await?
                .ok_or_else(|| JobError::Permanent("refund without payment".into()))?;
            if pay.provider == PayProvider::Demo {
                return complete(ctx, r.id).await;
            }
            let pay_client = merchant_of(&self.merchants, &ctx.db, pay.platform_id)
                .await?
                .ok_or_else(|| {
                    JobError::Retry("WeChat Pay is not configured for this county".into())
                })?;
            if pay.sub_mchid.is_some() {
                crate::sharing::return_before_refund(&ctx.db, &pay_client, &r, ctx.clock.now())
                    .await?;
            }
            let answer = pay_client
                .refund(
                    pay.sub_mchid.as_deref(),
                    &pay.out_trade_no,
                    &r.out_refund_no,
                    r.amount_fen,
                    pay.amount_fen,
                    &r.reason,
                    ctx.clock.now().timestamp(),
                )
                .await;
            match answer {
                Ok(status) => match status.as_str() {
                    "SUCCESS" => complete(ctx, r.id).await,
                    "PROCESSING" => Ok(()),
                    other => {
                        fail(ctx, &r, other, "WeChat Pay did not carry the refund out").await?;
                        Ok(())
                    }
                },
                Err(PayError::Refused { code, message }) if !passing_refusal(&code) => {
                    fail(ctx, &r, &code, &message).await?;
                    Ok(())
                }
                Err(e) if job.attempts >= job.max_attempts => {
                    let why = format!("gave up after {} attempts: {e}", job.attempts);
                    fail(ctx, &r, &failure_code(&e), &why).await?;
                    Ok(())
                }
                Err(e) => Err(JobError::Retry(e.to_string())),
            }
        })
    }
}

/// Asks WeChat Pay about refunds still `requested` some time after they
/// were asked for: its notification may be lost. `SUCCESS` completes the
/// refund, `CLOSED`/`ABNORMAL` fail it for the operator; a refund WeChat
/// Pay does not know whose execution job has ended goes to the operator
/// too (it was never sent).
#[derive(Debug, Clone)]
pub struct RefundFollowUp {
    /// The counties' WeChat Pay merchants.
    pub merchants: PayMerchants,
    /// How old a requested refund is before it is asked about.
    pub after: Duration,
}

impl RefundFollowUp {
    async fn follow(
        &self,
        ctx: &JobContext,
        r: &refund::Model,
        pay: &payment::Model,
        now: DateTime<Utc>,
    ) -> Result<&'static str, DbErr> {
        let client = match self.merchants.of_platform(&ctx.db, pay.platform_id).await {
            Ok(Some(c)) => c,
            Ok(None) => return Ok("unknown"),
            Err(e) => {
                tracing::warn!(out_refund_no = %r.out_refund_no, error = %e, "no WeChat Pay client; asking again next round");
                return Ok("unknown");
            }
        };
        match client
            .query_refund(pay.sub_mchid.as_deref(), &r.out_refund_no, now.timestamp())
            .await
        {
            Ok(state) => {
                let txn = entity::tx::begin_write(&ctx.db).await?;
                let res = payments::settle_refund_notice(
                    &txn,
                    &r.out_refund_no,
                    state.amount.refund,
                    &state.status,
                    now,
                )
                .await;
                match res {
                    Ok(_) => {
                        txn.commit().await?;
                        Ok(if state.status == "PROCESSING" {
                            "processing"
                        } else {
                            "settled"
                        })
                    }
                    Err(e) => {
                        txn.rollback().await?;
                        tracing::error!(out_refund_no = %r.out_refund_no, error = %e, "refund query answer not applied");
                        Ok("unknown")
                    }
                }
            }
            Err(PayError::Refused { code, .. }) if code == "RESOURCE_NOT_EXISTS" => {
                let pending = job::Entity::find()
                    .filter(job::Column::Kind.eq(refunds::EXECUTE_JOB))
                    .filter(
                        job::Column::DedupeKey.starts_with(format!("refund:{}", r.out_refund_no)),
                    )
                    .filter(
                        job::Column::State.is_in([job::JobState::Queued, job::JobState::Running]),
                    )
                    .one(&ctx.db)
                    .await?;
                if pending.is_none() {
                    fail(
                        ctx,
                        r,
                        "NOT_SENT",
                        "WeChat Pay has no such refund and nothing is sending it",
                    )
                    .await?;
                    return Ok("settled");
                }
                Ok("unknown")
            }
            Err(e) => {
                tracing::warn!(out_refund_no = %r.out_refund_no, error = %e, "refund query failed; asking again next round");
                Ok("unknown")
            }
        }
    }
}

impl PeriodicHandler for RefundFollowUp {
    fn run<'a>(
        &'a self,
        ctx: &'a JobContext,
    ) -> Pin<Box<dyn Future<Output = Result<String, DbErr>> + Send + 'a>> {
        Box::pin(async move {
            let now = ctx.clock.now();
            let open = refund::Entity::find()
                .filter(refund::Column::Status.eq(RefundStatus::Requested))
                .filter(refund::Column::CreatedAt.lt(now - self.after))
                .order_by_asc(refund::Column::Id)
                .limit(200)
                .all(&ctx.db)
                .await?;
            let wechat: std::collections::HashMap<i64, payment::Model> = payment::Entity::find()
                .filter(payment::Column::Id.is_in(open.iter().map(|r| r.payment_id)))
                .filter(payment::Column::Provider.eq(PayProvider::Wechat))
                .all(&ctx.db)
                .await?
                .into_iter()
                .map(|p| (p.id, p))
                .collect();
            let (mut settled, mut waiting) = (0, 0);
            for r in &open {
                let Some(pay) = wechat.get(&r.payment_id) else {
                    continue;
                };
                match self.follow(ctx, r, pay, now).await? {
                    "settled" => settled += 1,
                    _ => waiting += 1,
                }
            }
            Ok(format!(
                "{settled} refunds settled by query, {waiting} still open"
            ))
        })
    }
}

/// The follow-up as a periodic job.
pub fn follow_up_job(interval_secs: i64, follow_up: RefundFollowUp) -> PeriodicJob {
    PeriodicJob::new(
        "refund-follow-up",
        Duration::seconds(interval_secs.max(1)),
        follow_up,
    )
}
