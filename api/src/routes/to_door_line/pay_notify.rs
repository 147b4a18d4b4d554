//! WeChat Pay's payment and refund notifications: at
//! `/pay/wechat/notify` for the instance's `[wechatpay]` merchant, at
//! `/pay/wechat/notify/{platform}` for a county's own.
//!
//! The signature (platform key named by `Wechatpay-Serial`, timestamp
//! within five minutes) is checked before anything is read; the resource is
//! decrypted with the APIv3 key; merchant, app, payment number and amount
//! must match. The payment is then marked paid through the same path as
//! every provider, exactly once: a duplicate notification is acknowledged
//! and changes nothing; a forged or tampered one is refused with 4xx and
//! changes nothing. The payment must be one of the merchant's counties
//! and, in partner mode, of the sub-merchant the notification names.
//! WeChat Pay reads only the status (2xx = received).

use std::sync::Arc;

use actix_web::{HttpRequest, HttpResponse, post, web};
use entity::error::DomainError;
use entity::platform_end::payment_accounts;
use entity::to_door_line::payments;
use entity::{payment, platform, refund};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use worker::wechatpay::{NotificationHeaders, PayError, WechatPay};

use crate::error::{ApiError, ApiResult, ErrorBody, ErrorCode};
use crate::state::AppState;

/// The signature headers of a WeChat Pay notification.
pub(crate) fn signature_headers(req: &HttpRequest) -> NotificationHeaders {
    let header = |name: &str| {
        req.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned()
    };
    NotificationHeaders {
        timestamp: header("wechatpay-timestamp"),
        nonce: header("wechatpay-nonce"),
        signature: header("wechatpay-signature"),
        serial: header("wechatpay-serial"),
    }
}

/// A notification that failed verification is 401; a malformed one 400.
pub(crate) fn refused(e: PayError) -> ApiError {
    match e {
        PayError::Unverified => {
            tracing::warn!("refused a WeChat Pay notification that failed verification");
            ApiError::new(
                ErrorCode::WECHATPAY_SIGNATURE_INVALID,
                "notification failed verification",
            )
        }
        other => ApiError::new(ErrorCode::BAD_REQUEST, other.to_string()),
    }
}

/// Whose notifications a URL receives.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Receiver {
    /// The instance's `[wechatpay]`: counties without their own merchant.
    Instance,
    /// One county's own merchant.
    Platform(i64),
}

/// The merchant that signed notifications at this URL, and whose they are.
pub(crate) async fn receiver(
    state: &AppState,
    platform_code: Option<&str>,
) -> ApiResult<(Arc<WechatPay>, Receiver)> {
    let Some(code) = platform_code else {
        return state
            .pay_merchants
            .configured()
            .cloned()
            .map(|c| (c, Receiver::Instance))
            .ok_or_else(|| ApiError::not_found("payment notifications"));
    };
    let p = platform::Entity::find()
        .filter(platform::Column::Code.eq(code))
        .one(&state.db)
        .await?
        .ok_or_else(|| ApiError::not_found("platform"))?;
    if payment_accounts::of_platform(&state.db, p.id)
        .await?
        .is_none()
    {
        return Err(ApiError::not_found("payment notifications"));
    }
    let client = state
        .pay_merchants
        .of_platform(&state.db, p.id)
        .await
        .map_err(ApiError::internal)?
        .ok_or_else(|| ApiError::not_found("payment notifications"))?;
    Ok((client, Receiver::Platform(p.id)))
}

/// Whether a payment belongs to the merchant that notified about it: its
/// county is the receiver's, and in partner mode the sub-merchant is the
/// one the payment was made to.
async fn belongs(
    state: &AppState,
    pay: &WechatPay,
    to: Receiver,
    p: &payment::Model,
    sub_mchid: Option<&str>,
) -> ApiResult<bool> {
    let county = match to {
        Receiver::Platform(pid) => p.platform_id == pid,
        Receiver::Instance => payment_accounts::of_platform(&state.db, p.platform_id)
            .await?
            .is_none(),
    };
    let sub = !pay.is_partner() || (p.sub_mchid.is_some() && p.sub_mchid.as_deref() == sub_mchid);
    Ok(county && sub)
}

pub(crate) fn not_ours(what: &str, no: &str) -> ApiError {
    tracing::error!(
        no,
        "WeChat Pay {what} notification for a payment of another merchant"
    );
    ApiError::new(
        ErrorCode::BAD_REQUEST,
        format!("{what} notification for another merchant"),
    )
}

/// Receives a payment notification from WeChat Pay.
#[utoipa::path(tag = "payments", request_body(content = String, description = "WeChat Pay's signed, encrypted notification", content_type = "application/json"),
    responses(
        (status = 204, description = "Received (also for a duplicate)"),
        (status = 400, description = "BAD_REQUEST, PAYMENT_AMOUNT_MISMATCH", body = ErrorBody),
        (status = 401, description = "WECHATPAY_SIGNATURE_INVALID", body = ErrorBody),
        (status = 404, description = "NOT_FOUND: WeChat Pay is not configured, or no such payment", body = ErrorBody),
    ))]
#[post("/pay/wechat/notify")]
pub async fn notify(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Bytes,
) -> ApiResult<HttpResponse> {
    payment_notice(&state, None, &req, &body).await
}

/// Receives a payment notification for a county's own WeChat Pay merchant.
#[utoipa::path(tag = "payments", request_body(content = String, description = "WeChat Pay's signed, encrypted notification", content_type = "application/json"),
    params(("platform" = String, Path, description = "The county's code")),
    responses(
        (status = 204, description = "Received (also for a duplicate)"),
        (status = 400, description = "BAD_REQUEST (also: for another merchant), PAYMENT_AMOUNT_MISMATCH", body = ErrorBody),
        (status = 401, description = "WECHATPAY_SIGNATURE_INVALID", body = ErrorBody),
        (status = 404, description = "NOT_FOUND: the county has no merchant of its own, or no such payment", body = ErrorBody),
    ))]
#[post("/pay/wechat/notify/{platform}")]
pub async fn notify_county(
    state: web::Data<AppState>,
    code: web::Path<String>,
    req: HttpRequest,
    body: web::Bytes,
) -> ApiResult<HttpResponse> {
    payment_notice(&state, Some(&code), &req, &body).await
}

async fn payment_notice(
    state: &AppState,
    code: Option<&str>,
    req: &HttpRequest,
    body: &[u8],
) -> ApiResult<HttpResponse> {
    let (pay, to) = receiver(state, code).await?;
    let now = state.clock.now();
    let headers = signature_headers(req);
    let t = pay
        .parse_payment_notification(&headers, body, now.timestamp())
        .map_err(refused)?;
    if t.trade_state != "SUCCESS" {
        return Ok(HttpResponse::NoContent().finish());
    }
    let p = payment::Entity::find()
        .filter(payment::Column::OutTradeNo.eq(t.out_trade_no.as_str()))
        .one(&state.db)
        .await?
        .ok_or_else(|| ApiError::not_found("payment"))?;
    if !belongs(state, &pay, to, &p, t.sub_mchid.as_deref()).await? {
        return Err(not_ours("payment", &t.out_trade_no));
    }
    let txn = entity::tx::begin_write(&state.writer).await?;
    let outcome = payments::confirm_payment(
        &txn,
        &t.out_trade_no,
        t.amount.total,
        &t.transaction_id,
        now,
    )
    .await;
    match outcome {
        // A late payment's refund is queued with it.
        Ok(_) => {}
        Err(e @ DomainError::AmountMismatch { .. }) => {
            txn.rollback().await?;
            tracing::error!(out_trade_no = %t.out_trade_no, "WeChat Pay notification with a wrong amount");
            return Err(e.into());
        }
        Err(e) => {
            txn.rollback().await?;
            return Err(e.into());
        }
    }
    txn.commit().await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Receives a refund notification from WeChat Pay.
#[utoipa::path(tag = "payments", request_body(content = String, description = "WeChat Pay's signed, encrypted refund notification", content_type = "application/json"),
    responses(
        (status = 204, description = "Received (also for a duplicate)"),
        (status = 400, description = "BAD_REQUEST, PAYMENT_AMOUNT_MISMATCH", body = ErrorBody),
        (status = 401, description = "WECHATPAY_SIGNATURE_INVALID", body = ErrorBody),
        (status = 404, description = "NOT_FOUND", body = ErrorBody),
    ))]
#[post("/pay/wechat/refund-notify")]
pub async fn refund_notify(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Bytes,
) -> ApiResult<HttpResponse> {
    refund_notice(&state, None, &req, &body).await
}

/// Receives a refund notification for a county's own WeChat Pay merchant.
#[utoipa::path(tag = "payments", request_body(content = String, description = "WeChat Pay's signed, encrypted refund notification", content_type = "application/json"),
    params(("platform" = String, Path, description = "The county's code")),
    responses(
        (status = 204, description = "Received (also for a duplicate)"),
        (status = 400, description = "BAD_REQUEST (also: for another merchant), PAYMENT_AMOUNT_MISMATCH", body = ErrorBody),
        (status = 401, description = "WECHATPAY_SIGNATURE_INVALID", body = ErrorBody),
        (status = 404, description = "NOT_FOUND", body = ErrorBody),
    ))]
#[post("/pay/wechat/refund-notify/{platform}")]
pub async fn refund_notify_county(
    state: web::Data<AppState>,
    code: web::Path<String>,
    req: HttpRequest,
    body: web::Bytes,
) -> ApiResult<HttpResponse> {
    refund_notice(&state, Some(&code), &req, &body).await
}

async fn refund_notice(
    state: &AppState,
    code: Option<&str>,
    req: &HttpRequest,
    body: &[u8],
) -> ApiResult<HttpResponse> {
    let (pay, to) = receiver(state, code).await?;
    let now = state.clock.now();
    let headers = signature_headers(req);
    let result = pay
        .parse_refund_notification(&headers, body, now.timestamp())
        .map_err(refused)?;
    let r = refund::Entity::find()
        .filter(refund::Column::OutRefundNo.eq(result.out_refund_no.as_str()))
        .one(&state.db)
        .await?
        .ok_or_else(|| ApiError::not_found("refund"))?;
    let p = payment::Entity::find_by_id(r.payment_id)
        .one(&state.db)
        .await?
        .ok_or_else(|| ApiError::not_found("payment"))?;
    if !belongs(state, &pay, to, &p, result.sub_mchid.as_deref()).await? {
        return Err(not_ours("refund", &result.out_refund_no));
    }
    if result.refund_status != "SUCCESS" {
        // CLOSED or ABNORMAL: the money did not go back; the refund waits
        // in the operator's queue.
        tracing::error!(out_refund_no = %result.out_refund_no, status = %result.refund_status, "refund failed at WeChat Pay");
    }
    let txn = entity::tx::begin_write(&state.writer).await?;
    let res = payments::settle_refund_notice(
        &txn,
        &result.out_refund_no,
        result.amount.refund,
        &result.refund_status,
        now,
    )
    .await;
    crate::routes::finish(txn, res).await?;
    Ok(HttpResponse::NoContent().finish())
}
