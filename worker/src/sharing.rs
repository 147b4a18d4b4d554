//! Runs partner mode's profit sharing once a delivered order's refund
//! window has passed: plans the receivers' parts, adds the receivers WeChat
//! Pay does not know yet, asks for the sharing order (its number makes a
//! repeat safe) and queries it until every receiver has a result; each
//! step is stored before the next, so a crash anywhere resumes where it
//! stopped. The movement notification only makes the query come sooner.

use entity::platform_end::payment_accounts;
use entity::platform_end::profit_sharing::{self, LineSpec, Owed};
use entity::platform_end::sharing_returns::{self, BeforeRefund};
use entity::profit_share::ShareStatus;
use entity::profit_share_line::{LineResult, ShareRole};
use entity::profit_share_return::ReturnStatus;
use entity::{agent_keeper, carrier, payment, profit_share, refund, rider};
use sea_orm::{ConnectionTrait, DatabaseConnection, EntityTrait};

use crate::jobs::{JobContext, JobError, JobFuture, JobHandler};
use crate::orders::{merchant_of, retry};
use crate::refunds::passing_refusal;
use crate::wechatpay::{PayError, PayMerchants, Receiver, SharePart, SharingOrder, WechatPay};

/// The `profit_share.run` job.
#[derive(Debug, Clone)]
pub struct RunSharing {
    /// The counties' WeChat Pay merchants.
    pub merchants: PayMerchants,
}

/// The receiver type of a merchant number and of an openid.
const MERCHANT_ID: &str = "MERCHANT_ID";
const PERSONAL_OPENID: &str = "PERSONAL_OPENID";

fn pay_error(e: PayError) -> JobError {
    JobError::Retry(e.to_string())
}

/// The rider's openid under the merchant's appid, if they signed in there.
async fn openid_of_rider(
    db: &impl ConnectionTrait,
    rider_id: i64,
    appid: &str,
) -> Result<Option<String>, JobError> {
    let Some(r) = rider::Entity::find_by_id(rider_id).one(db).await? else {
        return Ok(None);
    };
    Ok(entity::platform_end::users::openid_of(db, r.user_id, appid).await?)
}

/// The courier as a receiver: a rider by their openid, a carrier by its
/// merchant number.
struct Courier {
    role: ShareRole,
    id: i64,
    kind: &'static str,
    account: String,
}

/// The openid, under the merchant's appid, of an agent point's first
/// keeper, who receives its fees.
async fn openid_of_keeper(
    db: &impl ConnectionTrait,
    agent_point_id: i64,
    appid: &str,
) -> Result<Option<String>, JobError> {
    use sea_orm::{ColumnTrait, QueryFilter, QueryOrder};
    let Some(k) = agent_keeper::Entity::find()
        .filter(agent_keeper::Column::AgentPointId.eq(agent_point_id))
        .order_by_asc(agent_keeper::Column::Id)
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    Ok(entity::platform_end::users::openid_of(db, k.user_id, appid).await?)
}

/// The receivers' parts of a share, by the rules of [`profit_sharing::plan`].
async fn specs(
    db: &impl ConnectionTrait,
    client: &WechatPay,
    share: &profit_share::Model,
    paid_fen: i64,
    max_bp: i32,
) -> Result<Vec<LineSpec>, JobError> {
    let refunds = profit_sharing::refunds_of(db, share.payment_id)
        .await
        .map_err(retry)?;
    if refunds.in_flight {
        return Err(JobError::Retry(
            "a refund of the payment is on its way; sharing waits for it".into(),
        ));
    }
    let courier = match (share.courier_role, share.courier_id) {
        (Some(ShareRole::Rider), id) => {
            openid_of_rider(db, id, client.appid())
                .await?
                .map(|openid| Courier {
                    role: ShareRole::Rider,
                    id,
                    kind: PERSONAL_OPENID,
                    account: openid,
                })
        }
        (Some(ShareRole::Carrier), id) => carrier::Entity::find_by_id(id)
            .one(db)
            .await?
            .and_then(|c| c.receiver_name.and(c.receiver_mchid))
            .map(|mchid| Courier {
                role: ShareRole::Carrier,
                id,
                kind: MERCHANT_ID,
                account: mchid,
            }),
        _ => None,
    };
    let keeper = if share.agent_point_id != 0 && share.agent_fen > 0 {
        openid_of_keeper(db, share.agent_point_id, client.appid()).await?
    } else {
        None
    };
    let plan = profit_sharing::plan(
        paid_fen,
        refunds.done_fen,
        Owed {
            platform_fen: share.platform_fen,
            courier_fen: share.courier_fen,
            courier_receives: courier.is_some(),
            agent_fen: share.agent_fen,
            agent_receives: keeper.is_some(),
        },
        max_bp,
    );
    let mut out = vec![LineSpec {
        role: ShareRole::Platform,
        owner_id: 0,
        receiver_type: MERCHANT_ID.into(),
        account: client.mchid().to_owned(),
        amount_fen: plan.platform_fen,
    }];
    if let Some(c) = courier {
        out.push(LineSpec {
            role: c.role,
            owner_id: c.id,
            receiver_type: c.kind.into(),
            account: c.account,
            amount_fen: plan.courier_fen,
        });
    }
    if let Some(openid) = keeper {
        out.push(LineSpec {
            role: ShareRole::AgentPoint,
            owner_id: share.agent_point_id,
            receiver_type: PERSONAL_OPENID.into(),
            account: openid,
            amount_fen: plan.agent_fen,
        });
    }
    Ok(out)
}

/// Asks WeChat Pay for the share (receivers first); stores what it said.
async fn request(
    db: &DatabaseConnection,
    client: &WechatPay,
    share: &profit_share::Model,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(), JobError> {
    let p = payment::Entity::find_by_id(share.payment_id)
        .one(db)
        .await?
        .ok_or_else(|| JobError::Permanent(format!("payment {} is gone", share.payment_id)))?;
    let transaction_id = p
        .transaction_id
        .clone()
        .filter(|t| !t.is_empty())
        .ok_or_else(|| JobError::Retry("the payment has no WeChat Pay transaction id".into()))?;
    let account = payment_accounts::of_platform(db, share.platform_id).await?;
    let max_bp = account
        .as_ref()
        .map_or(payment_accounts::DEFAULT_SHARING_MAX_BP, |a| {
            a.sharing_max_bp
        });
    let receiver_name = account.map(|a| a.receiver_name).unwrap_or_default();
    let planned = specs(db, client, share, p.amount_fen, max_bp).await?;
    let txn = entity::tx::begin_write(db).await?;
    let lines = profit_sharing::plan_lines(&txn, share, &planned, now)
        .await
        .map_err(retry)?;
    txn.commit().await?;
    let ts = now.timestamp();
    for l in &lines {
        let known = profit_sharing::receiver_known(
            db,
            share.platform_id,
            &share.sub_mchid,
            &l.receiver_type,
            &l.account,
        )
        .await
        .map_err(retry)?;
        if known {
            continue;
        }
        let carrier_name = if l.role == ShareRole::Carrier {
            carrier::Entity::find_by_id(l.owner_id)
                .one(db)
                .await?
                .and_then(|c| c.receiver_name)
                .unwrap_or_default()
        } else {
            String::new()
        };
        let r = match l.role {
            ShareRole::Platform => Receiver {
                kind: MERCHANT_ID,
                account: &l.account,
                name: Some(&receiver_name),
                relation: "SERVICE_PROVIDER",
                custom_relation: None,
            },
            ShareRole::Carrier => Receiver {
                kind: MERCHANT_ID,
                account: &l.account,
                name: Some(&carrier_name),
                relation: "PARTNER",
                custom_relation: None,
            },
            ShareRole::Rider => Receiver {
                kind: PERSONAL_OPENID,
                account: &l.account,
                name: None,
                relation: "CUSTOM",
                custom_relation: Some("配送员"),
            },
            ShareRole::AgentPoint => Receiver {
                kind: PERSONAL_OPENID,
                account: &l.account,
                name: None,
                relation: "CUSTOM",
                custom_relation: Some("代收点"),
            },
        };
        if let Err(e) = client.add_receiver(&share.sub_mchid, &r, ts).await {
            profit_sharing::mark_refused(db, share.id, &e.to_string(), now)
                .await
                .map_err(retry)?;
            return Err(pay_error(e));
        }
        profit_sharing::receiver_added(
            db,
            share.platform_id,
            &share.sub_mchid,
            &l.receiver_type,
            &l.account,
            now,
        )
        .await
        .map_err(retry)?;
    }
    let answer = if lines.is_empty() {
        client
            .unfreeze(&share.sub_mchid, &transaction_id, &share.out_order_no, ts)
            .await
    } else {
        let parts: Vec<SharePart> = lines
            .iter()
            .map(|l| SharePart {
                kind: l.receiver_type.clone(),
                account: l.account.clone(),
                amount: l.amount_fen,
                description: match l.role {
                    ShareRole::Platform => "平台服务费",
                    ShareRole::Rider => "骑手配送费",
                    ShareRole::Carrier => "乡村物流费",
                    ShareRole::AgentPoint => "代收点服务费",
                }
                .into(),
            })
            .collect();
        client
            .share(
                &share.sub_mchid,
                &transaction_id,
                &share.out_order_no,
                &parts,
                ts,
            )
            .await
    };
    let order = match answer {
        Ok(o) => o,
        Err(e) => {
            profit_sharing::mark_refused(db, share.id, &e.to_string(), now)
                .await
                .map_err(retry)?;
            return Err(pay_error(e));
        }
    };
    let txn = entity::tx::begin_write(db).await?;
    profit_sharing::mark_requested(&txn, share.id, &order.order_id, now)
        .await
        .map_err(retry)?;
    txn.commit().await?;
    Ok(())
}

/// Applies a sharing order's answer: final receivers are booked, and a
/// finished order unfreezes the rest. `true` when the share is finished.
pub async fn apply(
    db: &DatabaseConnection,
    share: &profit_share::Model,
    answer: &SharingOrder,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<bool, JobError> {
    if answer.out_order_no != share.out_order_no
        || (!answer.sub_mchid.is_empty() && answer.sub_mchid != share.sub_mchid)
    {
        return Err(JobError::Permanent(
            "the answer is for another sharing order".into(),
        ));
    }
    let txn = entity::tx::begin_write(db).await?;
    let lines = profit_sharing::lines(&txn, share.id).await.map_err(retry)?;
    let mut pending = false;
    for l in &lines {
        let Some(r) = answer
            .receivers
            .iter()
            .find(|r| r.kind == l.receiver_type && r.account == l.account)
        else {
            pending |= l.result == LineResult::Pending;
            continue;
        };
        let result = match r.result.as_str() {
            "SUCCESS" => LineResult::Success,
            "CLOSED" => LineResult::Closed,
            _ => LineResult::Pending,
        };
        pending |= l.result == LineResult::Pending && result == LineResult::Pending;
        profit_sharing::settle_line(
            &txn,
            share,
            l,
            result,
            r.fail_reason.as_deref(),
            r.detail_id.as_deref(),
            now,
        )
        .await
        .map_err(retry)?;
    }
    let finished = answer.state == "FINISHED" && !pending;
    if finished {
        profit_sharing::finish(&txn, share, now)
            .await
            .map_err(retry)?;
    }
    txn.commit().await?;
    Ok(finished)
}

/// Queries a requested share and applies the answer; `true` when finished.
pub async fn query_and_apply(
    db: &DatabaseConnection,
    client: &WechatPay,
    share: &profit_share::Model,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<bool, JobError> {
    let answer = client
        .query_share(
            &share.sub_mchid,
            &share.transaction_id,
            &share.out_order_no,
            now.timestamp(),
        )
        .await
        .map_err(pay_error)?;
    apply(db, share, &answer, now).await
}

impl JobHandler for RunSharing {
    fn run<'a>(&'a self, ctx: &'a JobContext, job: &'a entity::job::Model) -> JobFuture<'a> {
        Box::pin(async move {
            let payload: serde_json::Value = serde_json::from_str(&job.payload)
                .map_err(|e| JobError::Permanent(format!("bad payload: {e}")))?;
            let id = payload["share_id"]
                .as_i64()
                .ok_or_else(|| JobError::Permanent("payload without share_id".into()))?;
            let load = || async {
                profit_share::Entity::find_by_id(id)
                    .one(&ctx.db)
                    .await?
                    .ok_or_else(|| JobError::Permanent(format!("profit share {id} is gone")))
            };
            let share = load().await?;
            if share.status == ShareStatus::Finished {
                return Ok(());
            }
            let client = merchant_of(&self.merchants, &ctx.db, share.platform_id)
                .await?
                .ok_or_else(|| {
                    JobError::Retry("WeChat Pay is not configured for this county".into())
                })?;
            if !client.is_partner() {
                return Err(JobError::Permanent(
                    "the county's WeChat Pay merchant is not in partner mode".into(),
                ));
            }
            let now = ctx.clock.now();
            if share.status == ShareStatus::Scheduled {
                request(&ctx.db, &client, &share, now).await?;
            }
            let share = load().await?;
            if query_and_apply(&ctx.db, &client, &share, now).await? {
                Ok(())
            } else {
                Err(JobError::Retry(
                    "the sharing order is still processing".into(),
                ))
            }
        })
    }
}

/// Before a partner-mode refund: once the order was shared, the
/// platform's share goes back to the kitchen's sub-merchant first (see
/// [`sharing_returns`]). `Ok` when the refund may be sent; a retry while
/// the order's sharing or the return is still processing. A lasting
/// refusal of the return lets the refund go ahead out of the kitchen's
/// money.
pub async fn return_before_refund(
    db: &DatabaseConnection,
    client: &WechatPay,
    r: &refund::Model,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(), JobError> {
    let txn = entity::tx::begin_write(db).await?;
    let before = sharing_returns::before_refund(&txn, r, client.mchid(), now)
        .await
        .map_err(retry)?;
    txn.commit().await?;
    let ret = match before {
        BeforeRefund::Nothing => return Ok(()),
        BeforeRefund::WaitForSharing => {
            return Err(JobError::Retry(
                "the order's sharing is still processing; the refund waits for it".into(),
            ));
        }
        BeforeRefund::Return(ret) if ret.status != ReturnStatus::Requested => return Ok(()),
        BeforeRefund::Return(ret) => ret,
    };
    let share = profit_share::Entity::find_by_id(ret.share_id)
        .one(db)
        .await?
        .ok_or_else(|| JobError::Permanent(format!("profit share {} is gone", ret.share_id)))?;
    let answer = client
        .return_share(
            &share.sub_mchid,
            &share.out_order_no,
            &ret.out_return_no,
            &ret.return_mchid,
            ret.amount_fen,
            "退款前回退平台分账",
            now.timestamp(),
        )
        .await;
    let txn = entity::tx::begin_write(db).await?;
    let outcome = match answer {
        Ok(a) if a.result == "SUCCESS" => {
            sharing_returns::returned(&txn, &ret, &a.return_id, now)
                .await
                .map_err(retry)?;
            Ok(())
        }
        Ok(a) if a.result == "PROCESSING" => Err(JobError::Retry(
            "the return of the platform's share is processing".into(),
        )),
        Ok(a) => {
            let why = a.fail_reason.unwrap_or(a.result);
            tracing::warn!(out_return_no = %ret.out_return_no, why, "return refused; the kitchen's money pays the refund");
            sharing_returns::refused(&txn, &ret, &why, now)
                .await
                .map_err(retry)?;
            Ok(())
        }
        Err(PayError::Refused { code, message }) if !passing_refusal(&code) => {
            tracing::warn!(out_return_no = %ret.out_return_no, code, message, "return refused; the kitchen's money pays the refund");
            sharing_returns::refused(&txn, &ret, &format!("{code}: {message}"), now)
                .await
                .map_err(retry)?;
            Ok(())
        }
        Err(e) => Err(pay_error(e)),
    };
    txn.commit().await?;
    outcome
}
