//! Order background work: payment and acceptance timeouts, and refunds.

use std::future::Future;
use std::pin::Pin;

use chrono::Duration;
use entity::error::DomainError;
use entity::payment::PayProvider;
use entity::payment::PaymentStatus;
use entity::refund::RefundStatus;
use entity::to_door_line::transitions::OrderActor;
use entity::to_door_line::{payments, timeouts, transitions};
use entity::{job, order, payment, refund};
use sea_orm::{DbErr, EntityTrait};

use crate::jobs::{JobContext, JobError, JobFuture, JobHandler, PeriodicHandler, PeriodicJob};

/// A domain failure in a job: the database may recover (retry); a refused
/// step will not (permanent).
pub(crate) fn retry(e: DomainError) -> JobError {
    match e {
        DomainError::Db(db) => JobError::Retry(db.to_string()),
        other => JobError::Permanent(other.to_string()),
    }
}

/// Executes refunds: the demo provider succeeds at once; WeChat Pay answers
/// `SUCCESS` (done) or `PROCESSING` (its refund notification completes it).
#[derive(Debug, Clone, Default)]
pub struct ExecuteRefund {
    /// The WeChat Pay merchant, when configured.
    pub wechatpay: Option<std::sync::Arc<crate::wechatpay::WechatPay>>,
}

fn pay_error(e: crate::wechatpay::PayError) -> JobError {
    use crate::wechatpay::PayError;
    match e {
        PayError::Refused { code, message } => JobError::Permanent(format!("{code}: {message}")),
        other => JobError::Retry(other.to_string()),
    }
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
            match pay.provider {
                PayProvider::Demo => {
                    let txn = entity::tx::begin_write(&ctx.db).await?;
                    payments::complete_refund(&txn, r.id, ctx.clock.now())
                        .await
                        .map_err(retry)?;
                    txn.commit().await?;
                    Ok(())
                }
                PayProvider::Wechat => {
                    let pay_client = self.wechatpay.as_ref().ok_or_else(|| {
                        JobError::Retry("WeChat Pay is not configured on this worker".into())
                    })?;
                    let status = pay_client
                        .refund(
                            &pay.out_trade_no,
                            &r.out_refund_no,
                            r.amount_fen,
                            pay.amount_fen,
                            &r.reason,
                            ctx.clock.now().timestamp(),
                        )
                        .await
                        .map_err(pay_error)?;
                    match status.as_str() {
                        "SUCCESS" => {
                            let txn = entity::tx::begin_write(&ctx.db).await?;
                            payments::complete_refund(&txn, r.id, ctx.clock.now())
                                .await
                                .map_err(retry)?;
                            txn.commit().await?;
                            Ok(())
                        }
                        "PROCESSING" => Ok(()),
                        other => Err(JobError::Permanent(format!("refund status {other}"))),
                    }
                }
            }
        })
    }
}

/// Ends orders past their payment or acceptance timeout. An unpaid order
/// with a WeChat payment is first queried (the notification may be late:
/// then it is paid, not cancelled) and otherwise closed at WeChat Pay
/// before it is cancelled.
#[derive(Debug, Clone, Default)]
pub struct OrderTimeouts {
    /// The WeChat Pay merchant, when configured.
    pub wechatpay: Option<std::sync::Arc<crate::wechatpay::WechatPay>>,
}

/// What WeChat Pay says about an expiring unpaid order.
enum Expiry {
    /// Paid after all: confirmed instead of cancelled.
    Paid,
    /// Closed (or never started): cancel it.
    Closed,
    /// Could not tell now: try again next round.
    Unknown,
}

impl OrderTimeouts {
    async fn settle_wechat(&self, ctx: &JobContext, o: &order::Model) -> Result<Expiry, DbErr> {
        use sea_orm::{ColumnTrait, QueryFilter};
        let Some(pay_client) = &self.wechatpay else {
            return Ok(Expiry::Closed);
        };
        let Some(p) = payment::Entity::find()
            .filter(payment::Column::OrderId.eq(o.id))
            .filter(payment::Column::Provider.eq(PayProvider::Wechat))
            .filter(payment::Column::Status.eq(PaymentStatus::Created))
            .one(&ctx.db)
            .await?
        else {
            return Ok(Expiry::Closed);
        };
        let now = ctx.clock.now();
        match pay_client.query(&p.out_trade_no, now.timestamp()).await {
            Ok(t) if t.trade_state == "SUCCESS" => {
                let txn = entity::tx::begin_write(&ctx.db).await?;
                match payments::confirm_payment(
                    &txn,
                    &p.out_trade_no,
                    t.amount.total,
                    &t.transaction_id,
                    now,
                )
                .await
                {
                    // A late payment's refund is queued with it.
                    Ok(_) => {}
                    Err(e) => {
                        tracing::error!(order = o.id, error = %e, "queried payment could not be confirmed");
                        txn.rollback().await?;
                        return Ok(Expiry::Unknown);
                    }
                }
                txn.commit().await?;
                return Ok(Expiry::Paid);
            }
            Ok(_) => {}
            Err(e) => {
                tracing::warn!(order = o.id, error = %e, "payment query failed; retrying next round");
                return Ok(Expiry::Unknown);
            }
        }
        match pay_client.close(&p.out_trade_no, now.timestamp()).await {
            Ok(()) => Ok(Expiry::Closed),
            Err(e) => {
                tracing::warn!(order = o.id, error = %e, "closing the payment failed; retrying next round");
                Ok(Expiry::Unknown)
            }
        }
    }
}

impl PeriodicHandler for OrderTimeouts {
    fn run<'a>(
        &'a self,
        ctx: &'a JobContext,
    ) -> Pin<Box<dyn Future<Output = Result<String, DbErr>> + Send + 'a>> {
        Box::pin(async move {
            let now = ctx.clock.now();
            let due = timeouts::timed_out(&ctx.db, now, 500)
                .await
                .map_err(|e| DbErr::Custom(e.to_string()))?;
            let mut ended = 0;
            for (o, event) in due {
                if event == entity::to_door_line::order_states::OrderEvent::PaymentTimeout {
                    match self.settle_wechat(ctx, &o).await? {
                        Expiry::Closed => {}
                        Expiry::Paid | Expiry::Unknown => continue,
                    }
                }
                let txn = entity::tx::begin_write(&ctx.db).await?;
                // Re-read inside the transaction: a payment may have landed.
                let Some(fresh) = order::Entity::find_by_id(o.id).one(&txn).await? else {
                    continue;
                };
                match transitions::apply(&txn, fresh, event, OrderActor::SYSTEM, None, now).await {
                    Ok(_) => {
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
pub fn timeouts_job(interval_secs: i64, timeouts: OrderTimeouts) -> PeriodicJob {
    PeriodicJob::new(
        "order-timeouts",
        Duration::seconds(interval_secs.max(1)),
        timeouts,
    )
}
