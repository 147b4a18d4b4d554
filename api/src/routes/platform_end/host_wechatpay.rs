//! A county's own WeChat Pay merchant, set by a host administrator
//! (audited, keys left out of the audit and never returned).

use actix_web::{get, put, web};
use entity::platform_end::mini_programs::Change;
use entity::platform_end::payment_accounts::{self, Account, DEFAULT_SHARING_MAX_BP};
use entity::platform_end::provisioning;
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

use super::host::{audit, audited};
use crate::auth::host::HostAdmin;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::ApiJson;
use crate::provision;
use crate::state::AppState;

/// `PUT /host/platforms/{code}/wechatpay`
#[derive(Debug, Deserialize, ToSchema)]
pub struct PaymentAccountBody {
    /// `direct` (the county sells) or `partner` (a service provider whose
    /// kitchens are sub-merchants).
    pub mode: String,
    /// The merchant number, or the service provider's in partner mode.
    pub mchid: String,
    /// The mini-program appid payments are made for.
    pub appid: String,
    /// The merchant API certificate's serial number.
    pub merchant_serial: String,
    /// The merchant API private key, PKCS#8 PEM; stored sealed.
    pub merchant_key_pem: String,
    /// The WeChat Pay public key's id (`PUB_KEY_ID_…`).
    pub platform_key_id: String,
    /// The WeChat Pay public key, PEM.
    pub platform_public_key_pem: String,
    /// The APIv3 key (32 characters); stored sealed.
    pub apiv3_key: String,
    /// Where WeChat Pay sends this county's notifications (https).
    pub notify_base_url: String,
    /// What profit sharing may split off a payment, in basis points
    /// (default 3,000: WeChat Pay's 30 %).
    pub sharing_max_bp: Option<i32>,
    /// Partner mode: the service provider's registered name, its name as a
    /// profit-sharing receiver (required).
    pub receiver_name: Option<String>,
    /// Minutes after delivery before an order is shared: the window in
    /// which a refund comes out of the money still held (default 1,440).
    pub refund_window_minutes: Option<i32>,
}

/// A county's own WeChat Pay merchant, without its keys.
#[derive(Debug, Serialize, ToSchema)]
pub struct PaymentAccountView {
    /// The platform's code.
    pub platform: String,
    /// `direct` or `partner`.
    pub mode: String,
    /// The merchant number (the service provider's in partner mode).
    pub mchid: String,
    /// The mini-program appid.
    pub appid: String,
    /// The merchant API certificate's serial number.
    pub merchant_serial: String,
    /// The WeChat Pay public key's id.
    pub platform_key_id: String,
    /// Where notifications are sent.
    pub notify_base_url: String,
    /// The sharing limit, in basis points.
    pub sharing_max_bp: i32,
    /// The service provider's receiver name (partner mode).
    pub receiver_name: String,
    /// Minutes after delivery before an order is shared.
    pub refund_window_minutes: i32,
    /// `open` when the stored keys open with this instance's secrets key,
    /// `WONT-OPEN` or `NO-KEY` otherwise.
    pub keys: String,
    /// `created`, `updated` or `unchanged` (answers to a change only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub outcome: Option<String>,
}

/// Gives a county its own WeChat Pay merchant, or changes it (audited, the
/// keys left out). The same account again changes nothing.
#[utoipa::path(tag = "host", security(("bearer" = ["host_admin"])), request_body = PaymentAccountBody, params(("code" = String, Path, description = "The platform's code")), responses(
    (status = 200, body = PaymentAccountView),
    (status = 404, description = "NOT_FOUND: no such platform", body = ErrorBody),
    (status = 422, description = "VALIDATION_FAILED: the field named", body = ErrorBody),
    (status = 503, description = "MINI_PROGRAM_UNAVAILABLE: no secrets key is set", body = ErrorBody),
))]
#[put("/host/platforms/{code}/wechatpay")]
pub async fn set_payment_account(
    state: web::Data<AppState>,
    who: HostAdmin,
    code: web::Path<String>,
    body: ApiJson<PaymentAccountBody>,
) -> ApiResult<web::Json<PaymentAccountView>> {
    let account = Account {
        mode: body.mode.clone(),
        mchid: body.mchid.clone(),
        appid: body.appid.clone(),
        merchant_serial: body.merchant_serial.clone(),
        merchant_key_pem: body.merchant_key_pem.clone(),
        platform_key_id: body.platform_key_id.clone(),
        platform_public_key_pem: body.platform_public_key_pem.clone(),
        apiv3_key: body.apiv3_key.clone(),
        notify_base_url: body.notify_base_url.clone(),
        sharing_max_bp: body.sharing_max_bp.unwrap_or(DEFAULT_SHARING_MAX_BP),
        receiver_name: body.receiver_name.clone().unwrap_or_default(),
        refund_window_minutes: body
            .refund_window_minutes
            .unwrap_or(payment_accounts::DEFAULT_REFUND_WINDOW_MINUTES),
    };
    let detail = json!({"mode": body.mode, "mchid": body.mchid, "appid": body.appid,
        "notify_base_url": body.notify_base_url, "sharing_max_bp": account.sharing_max_bp,
        "receiver_name": account.receiver_name, "refund_window_minutes": account.refund_window_minutes});
    let key = state.mini_programs.key();
    let now = state.clock.now();
    let (p, change) = audited(&state, &who, "set_wechatpay", &code, detail, async |txn| {
        let done = provision::set_payment_account(txn, key, &code, &account, now).await?;
        Ok((done, "ok"))
    })
    .await?;
    let outcome = match change {
        Change::Created => "created",
        Change::Updated => "updated",
        Change::Unchanged => "unchanged",
    };
    Ok(web::Json(view(&state, p, Some(outcome)).await?))
}

/// A county's own WeChat Pay merchant (404 when it uses the instance's).
#[utoipa::path(tag = "host", security(("bearer" = ["host_admin"])), params(("code" = String, Path, description = "The platform's code")), responses(
    (status = 200, body = PaymentAccountView),
    (status = 404, description = "NOT_FOUND: no such platform, or no merchant of its own", body = ErrorBody),
))]
#[get("/host/platforms/{code}/wechatpay")]
pub async fn payment_account(
    state: web::Data<AppState>,
    who: HostAdmin,
    code: web::Path<String>,
) -> ApiResult<web::Json<PaymentAccountView>> {
    audit(&state, None, &who, "read_wechatpay", &code, json!({}), "ok").await?;
    let p = provisioning::platform_by_code(&state.db, &code).await?;
    Ok(web::Json(view(&state, p, None).await?))
}

async fn view(
    state: &AppState,
    p: entity::platform::Model,
    outcome: Option<&str>,
) -> ApiResult<PaymentAccountView> {
    let a = payment_accounts::of_platform(&state.db, p.id)
        .await?
        .ok_or(ApiError::not_found("WeChat Pay merchant"))?;
    let keys = match state
        .mini_programs
        .key()
        .map(|k| payment_accounts::open(k, &a))
    {
        Some(Ok(_)) => "open",
        Some(Err(_)) => "WONT-OPEN",
        None => "NO-KEY",
    };
    Ok(PaymentAccountView {
        platform: p.code,
        mode: a.mode,
        mchid: a.mchid,
        appid: a.appid,
        merchant_serial: a.merchant_serial,
        platform_key_id: a.platform_key_id,
        notify_base_url: a.notify_base_url,
        sharing_max_bp: a.sharing_max_bp,
        receiver_name: a.receiver_name,
        refund_window_minutes: a.refund_window_minutes,
        keys: keys.to_owned(),
        outcome: outcome.map(str::to_owned),
    })
}
