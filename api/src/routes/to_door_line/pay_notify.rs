//! WeChat Pay's payment notifications (`POST /pay/wechat/notify`).
//!
//! The signature (platform key named by `Wechatpay-Serial`, timestamp
//! within five minutes) is checked before anything is read; the resource is
//! decrypted with the APIv3 key; merchant, app, payment number and amount
//! must match. The payment is then marked paid through the same path as
//! every provider, exactly once: a duplicate notification is acknowledged
//! and changes nothing; a forged or tampered one is refused with 4xx and
//! changes nothing. WeChat Pay reads only the status (2xx = received).

use actix_web::{HttpRequest, HttpResponse, post, web};
use entity::error::DomainError;
use entity::to_door_line::payments;
use worker::wechatpay::{NotificationHeaders, PayError};

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
    let Some(pay) = state.wechatpay.clone() else {
        return Err(ApiError::not_found("payment notifications"));
    };
    let now = state.clock.now();
    let headers = signature_headers(&req);
    let t = pay
        .parse_payment_notification(&headers, &body, now.timestamp())
        .map_err(refused)?;
    if t.trade_state != "SUCCESS" {
        return Ok(HttpResponse::NoContent().finish());
    }
    let txn = entity::tx::begin_write(&state.db).await?;
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
    let Some(pay) = state.wechatpay.clone() else {
        return Err(ApiError::not_found("payment notifications"));
    };
    let now = state.clock.now();
    let headers = signature_headers(&req);
    let result = pay
        .parse_refund_notification(&headers, &body, now.timestamp())
        .map_err(refused)?;
    if result.refund_status != "SUCCESS" {
        // CLOSED or ABNORMAL: the money did not go back; the refund waits
        // in the operator's queue.
        tracing::error!(out_refund_no = %result.out_refund_no, status = %result.refund_status, "refund failed at WeChat Pay");
    }
    let txn = entity::tx::begin_write(&state.db).await?;
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
