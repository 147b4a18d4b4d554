//! Sends approved payouts: the demo provider pays at once; WeChat Pay's
//! merchant transfer is asked once (its `out_batch_no` makes a retry safe)
//! and then its detail is queried until it succeeds or fails — the batch
//! notification only speeds that up.

use entity::payment::PayProvider;
use entity::payout;
use entity::payout::PayoutStatus;
use entity::platform_end::payouts;
use sea_orm::EntityTrait;

use crate::jobs::{JobContext, JobError, JobFuture, JobHandler};
use crate::orders::{merchant_of, retry};
use crate::wechatpay::{PayError, PayMerchants};

/// The `payout.send` job.
#[derive(Debug, Clone)]
pub struct SendPayout {
    /// The counties' WeChat Pay merchants.
    pub merchants: PayMerchants,
}

/// Applies a transfer detail's state; `Retry` while WeChat Pay is still at it.
pub async fn settle_detail(
    ctx: &JobContext,
    p: &payout::Model,
    status: &str,
    fail_reason: Option<&str>,
) -> Result<(), JobError> {
    let now = ctx.clock.now();
    let txn = entity::tx::begin_write(&ctx.db).await?;
    match status {
        "SUCCESS" => {
            payouts::mark_paid(&txn, p.id, now).await.map_err(retry)?;
        }
        "FAIL" => {
            payouts::mark_failed(&txn, p.id, fail_reason.unwrap_or("FAIL"), now)
                .await
                .map_err(retry)?;
        }
        other => {
            txn.rollback().await?;
            return Err(JobError::Retry(format!("transfer is {other}")));
        }
    }
    txn.commit().await?;
    Ok(())
}

impl JobHandler for SendPayout {
    fn run<'a>(&'a self, ctx: &'a JobContext, job: &'a entity::job::Model) -> JobFuture<'a> {
        Box::pin(async move {
            let payload: serde_json::Value = serde_json::from_str(&job.payload)
                .map_err(|e| JobError::Permanent(format!("bad payload: {e}")))?;
            let id = payload["payout_id"]
                .as_i64()
                .ok_or_else(|| JobError::Permanent("payload without payout_id".into()))?;
            let p = payout::Entity::find_by_id(id)
                .one(&ctx.db)
                .await?
                .ok_or_else(|| JobError::Permanent(format!("payout {id} is gone")))?;
            let now = ctx.clock.now();
            match (p.provider, p.status) {
                (
                    _,
                    PayoutStatus::Paid
                    | PayoutStatus::Failed
                    | PayoutStatus::Rejected
                    | PayoutStatus::Review,
                ) => Ok(()),
                (PayProvider::Demo, _) => {
                    let txn = entity::tx::begin_write(&ctx.db).await?;
                    payouts::mark_paid(&txn, p.id, now).await.map_err(retry)?;
                    txn.commit().await?;
                    Ok(())
                }
                (PayProvider::Wechat, status) => {
                    let client = merchant_of(&self.merchants, &ctx.db, p.platform_id)
                        .await?
                        .ok_or_else(|| {
                            JobError::Retry("WeChat Pay is not configured for this county".into())
                        })?;
                    if status == PayoutStatus::Approved {
                        let appid = client.appid().to_owned();
                        let openid =
                            entity::platform_end::users::openid_of(&ctx.db, p.user_id, &appid)
                                .await?;
                        let Some(openid) = openid else {
                            return settle_detail(
                                ctx,
                                &p,
                                "FAIL",
                                Some("payee has no WeChat sign-in"),
                            )
                            .await;
                        };
                        match client
                            .transfer(
                                &p.out_batch_no,
                                p.amount_fen,
                                &openid,
                                "同城平台结算",
                                now.timestamp(),
                            )
                            .await
                        {
                            Ok(batch_id) => {
                                let txn = entity::tx::begin_write(&ctx.db).await?;
                                payouts::mark_sent(&txn, p.id, &batch_id, now)
                                    .await
                                    .map_err(retry)?;
                                txn.commit().await?;
                            }
                            Err(PayError::Refused { code, message }) => {
                                return settle_detail(
                                    ctx,
                                    &p,
                                    "FAIL",
                                    Some(&format!("{code}: {message}")),
                                )
                                .await;
                            }
                            Err(other) => return Err(JobError::Retry(other.to_string())),
                        }
                    }
                    let d = client
                        .transfer_detail(&p.out_batch_no, now.timestamp())
                        .await
                        .map_err(|e| JobError::Retry(e.to_string()))?;
                    settle_detail(ctx, &p, &d.detail_status, d.fail_reason.as_deref()).await
                }
            }
        })
    }
}
