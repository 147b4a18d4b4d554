//! Delivers the outbox's subscription messages to residents' WeChat.
//!
//! Template data keys are fixed: `character_string1` (order number),
//! `phrase2` (status), `amount3` (amount paid), `time4` (when); pick
//! templates with these keywords in the mini-program admin and configure
//! their ids under `[wechat.templates]`, or with the county's own
//! mini-program (`tongcheng mini-program set`). A message goes through the
//! order's county's mini-program, to the resident's openid there.

use entity::order::OrderStatus;
use entity::{job, order};
use sea_orm::EntityTrait;
use serde::Deserialize;
use serde_json::json;

use crate::jobs::{JobContext, JobError, JobFuture, JobHandler};
use crate::mini_programs::MiniPrograms;
use crate::wechat::SendError;

#[derive(Debug, Deserialize)]
struct Payload {
    user_id: i64,
    order_id: i64,
    order_no: String,
    template: String,
    status: String,
    payable_fen: i64,
}

/// What a status is called in a message (WeChat `phrase` values are short).
fn phrase(status: &str) -> &'static str {
    match OrderStatus::parse(status) {
        Some(OrderStatus::Paid) => "已支付",
        Some(OrderStatus::Accepted) => "商家已接单",
        Some(OrderStatus::PickedUp | OrderStatus::OnTrip) => "配送中",
        Some(OrderStatus::Delivered) => "已送达",
        Some(OrderStatus::Refunded) => "已退款",
        _ => "状态更新",
    }
}

/// `¥28.00` from 2800 fen.
pub fn yuan(fen: i64) -> String {
    format!("¥{}.{:02}", fen / 100, (fen % 100).abs())
}

/// Sends `notify.subscribe` jobs; a county without a mini-program (its own
/// or the instance's) sends nothing.
#[derive(Debug, Clone)]
pub struct SubscribeSender {
    programs: MiniPrograms,
}

impl SubscribeSender {
    /// A sender through the instance's mini-programs.
    pub fn new(programs: MiniPrograms) -> Self {
        Self { programs }
    }
}

impl JobHandler for SubscribeSender {
    fn run<'a>(&'a self, ctx: &'a JobContext, job: &'a job::Model) -> JobFuture<'a> {
        Box::pin(async move {
            let p: Payload = serde_json::from_str(&job.payload)
                .map_err(|e| JobError::Permanent(format!("bad payload: {e}")))?;
            let platform_id = order::Entity::find_by_id(p.order_id)
                .one(&ctx.db)
                .await?
                .ok_or_else(|| JobError::Permanent(format!("order {} is gone", p.order_id)))?
                .platform_id;
            let program = self
                .programs
                .of_platform(&ctx.db, platform_id)
                .await
                .map_err(|e| JobError::Retry(e.to_string()))?;
            let Some(program) = program else {
                tracing::debug!(
                    order = p.order_id,
                    "WeChat not configured: notification skipped"
                );
                return Ok(());
            };
            let client = &program.client;
            let Some(template_id) = program.templates.get(&p.template) else {
                tracing::debug!(template = %p.template, "no template configured: notification skipped");
                return Ok(());
            };
            let openid = entity::platform_end::users::openid_of(&ctx.db, p.user_id, client.appid())
                .await?
                .ok_or_else(|| {
                    JobError::Permanent(
                        "the user has no WeChat identity for this mini-program".into(),
                    )
                })?;
            let body = json!({
                "touser": openid,
                "template_id": template_id,
                "page": format!("pages/order/detail?id={}", p.order_id),
                "miniprogram_state": "formal",
                "lang": "zh_CN",
                "data": {
                    "character_string1": {"value": p.order_no},
                    "phrase2": {"value": phrase(&p.status)},
                    "amount3": {"value": yuan(p.payable_fen)},
                    "time4": {"value": (ctx.clock.now() + chrono::Duration::hours(8)).format("%Y-%m-%d %H:%M").to_string()},
                },
            });
            client.send_subscribe(&body).await.map_err(|e| match e {
                SendError::Retry(m) => JobError::Retry(m),
                SendError::Permanent(m) => JobError::Permanent(m),
            })
        })
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn yuan_formats_fen() {
        assert_eq!(super::yuan(2_800), "¥28.00");
        assert_eq!(super::yuan(5), "¥0.05");
        assert_eq!(super::yuan(123_456), "¥1234.56");
    }
}
