//! Order background work: payment and acceptance timeouts, and closing
//! the payment of an order cancelled before it was paid.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use chrono::Duration;
use entity::error::DomainError;
use entity::payment::PayProvider;
use entity::payment::PaymentStatus;
use entity::to_door_line::transitions::OrderActor;
use entity::to_door_line::{payments, timeouts, transitions};
use entity::{job, order, payment};
use sea_orm::{DbErr, EntityTrait};

use crate::jobs::{JobContext, JobError, JobFuture, JobHandler, PeriodicHandler, PeriodicJob};
use crate::wechatpay::{PayMerchants, WechatPay};

/// The WeChat Pay merchant of a platform for a job; `None` when it has
/// none. A database failure or keys that do not open are worth a retry.
pub(crate) async fn merchant_of(
    merchants: &PayMerchants,
    db: &impl sea_orm::ConnectionTrait,
    platform_id: i64,
) -> Result<Option<Arc<WechatPay>>, JobError> {
    merchants
        .of_platform(db, platform_id)
        .await
        .map_err(|e| JobError::Retry(e.to_string()))
}

/// A domain failure in a job: the database may recover (retry); a refused
/// step will not (permanent).
pub(crate) fn retry(e: DomainError) -> JobError {
    match e {
        DomainError::Db(db) => JobError::Retry(db.to_string()),
        other => JobError::Permanent(other.to_string()),
    }
}

/// Closes at WeChat Pay the payment of an order cancelled before it was
/// paid, at once, so the resident cannot pay it any more. If WeChat Pay
/// refuses because the resident paid in the meantime, the payment is
/// confirmed and its refund queued, as for any payment that comes late.
#[derive(Debug, Clone)]
pub struct ClosePayment {
    /// The counties' WeChat Pay merchants.
    pub merchants: PayMerchants,
}

impl JobHandler for ClosePayment {
    fn run<'a>(&'a self, ctx: &'a JobContext, job: &'a job::Model) -> JobFuture<'a> {
        use crate::wechatpay::PayError;
        use sea_orm::{ColumnTrait, QueryFilter};
        Box::pin(async move {
            let payload: serde_json::Value = serde_json::from_str(&job.payload)
                .map_err(|e| JobError::Permanent(format!("bad payload: {e}")))?;
            let no = payload["out_trade_no"]
                .as_str()
                .ok_or_else(|| JobError::Permanent("payload without out_trade_no".into()))?;
            let Some(p) = payment::Entity::find()
                .filter(payment::Column::OutTradeNo.eq(no))
                .one(&ctx.db)
                .await?
            else {
                return Err(JobError::Permanent(format!("payment {no} is gone")));
            };
            if p.status == PaymentStatus::Paid {
                return Ok(());
            }
            let pay_client = merchant_of(&self.merchants, &ctx.db, p.platform_id)
                .await?
                .ok_or_else(|| {
                    JobError::Retry("WeChat Pay is not configured for this county".into())
                })?;
            let sub = p.sub_mchid.as_deref();
            let now = ctx.clock.now();
            match pay_client.close(sub, no, now.timestamp()).await {
                Ok(()) => return Ok(()),
                Err(PayError::Refused { code, .. }) => {
                    tracing::info!(
                        out_trade_no = no,
                        code,
                        "close refused; asking whether it was paid"
                    );
                }
                Err(e) => return Err(JobError::Retry(e.to_string())),
            }
            let t = pay_client
                .query(sub, no, now.timestamp())
                .await
                .map_err(|e| JobError::Retry(e.to_string()))?;
            if t.trade_state != "SUCCESS" {
                return Ok(());
            }
            let txn = entity::tx::begin_write(&ctx.db).await?;
            payments::confirm_payment(&txn, no, t.amount.total, &t.transaction_id, now)
                .await
                .map_err(retry)?;
            txn.commit().await?;
            Ok(())
        })
    }
}

/// Ends orders past their payment or acceptance timeout. An unpaid order
/// with a WeChat payment is first queried (the notification may be late:
/// then it is paid, not cancelled) and otherwise closed at WeChat Pay
/// before it is cancelled.
#[derive(Debug, Clone)]
pub struct OrderTimeouts {
    /// The counties' WeChat Pay merchants.
    pub merchants: PayMerchants,
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
        let Some(p) = payment::Entity::find()
            .filter(payment::Column::OrderId.eq(o.id))
            .filter(payment::Column::Provider.eq(PayProvider::Wechat))
            .filter(payment::Column::Status.eq(PaymentStatus::Created))
            .one(&ctx.db)
            .await?
        else {
            return Ok(Expiry::Closed);
        };
        let pay_client = match self.merchants.of_platform(&ctx.db, o.platform_id).await {
            Ok(Some(c)) => c,
            // A WeChat payment whose merchant is gone: it cannot be paid.
            Ok(None) => return Ok(Expiry::Closed),
            Err(e) => {
                tracing::warn!(order = o.id, error = %e, "no WeChat Pay client; retrying next round");
                return Ok(Expiry::Unknown);
            }
        };
        let sub = p.sub_mchid.as_deref();
        let now = ctx.clock.now();
        match pay_client
            .query(sub, &p.out_trade_no, now.timestamp())
            .await
        {
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
        match pay_client
            .close(sub, &p.out_trade_no, now.timestamp())
            .await
        {
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
