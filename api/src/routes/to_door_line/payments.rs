//! Paying an order: WeChat Pay's prepay (or the demo provider) and the demo
//! confirmation.

use std::sync::Arc;

use actix_web::{post, web};
use entity::payment;
use entity::payment::PayProvider;
use entity::to_door_line::payments;
use entity::to_door_line::payments::PaymentOutcome;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde::Serialize;
use utoipa::ToSchema;
use worker::wechatpay::{MerchantError, WechatPay};

use crate::auth::Principal;
use crate::error::{ApiError, ApiResult, ErrorBody, ErrorCode};
use crate::routes::to_door_line::order_view::{OrderView, order_view};
use crate::routes::to_door_line::orders::my_order;
use crate::state::AppState;

/// What the client needs to pay.
#[derive(Debug, Serialize, ToSchema)]
pub struct PayResponse {
    /// `wechat` when a WeChat Pay merchant is configured, else `demo`.
    pub provider: &'static str,
    /// The payment's number.
    pub out_trade_no: String,
    /// Amount in fen.
    pub amount_fen: i64,
    /// WeChat only: pass to `wx.requestPayment`.
    pub request_payment: Option<worker::wechatpay::RequestPayment>,
    /// Demo only: POST here to confirm the payment.
    pub confirm_path: Option<String>,
}

/// The WeChat Pay merchant a platform's residents pay; `None`: the demo
/// provider.
pub(crate) async fn merchant_of(
    state: &AppState,
    platform_id: i64,
) -> ApiResult<Option<Arc<WechatPay>>> {
    state
        .pay_merchants
        .of_platform(&state.db, platform_id)
        .await
        .map_err(|e| match e {
            MerchantError::Db(db) => ApiError::from(db),
            other => {
                tracing::error!(platform = platform_id, error = %other, "WeChat Pay merchant unusable");
                ApiError::new(
                    ErrorCode::PAYMENT_MERCHANT_UNAVAILABLE,
                    "the county's WeChat Pay merchant cannot be used now",
                )
            }
        })
}

/// The kitchen's sub-merchant number an order is paid to in partner mode.
async fn sub_merchant_of(state: &AppState, store_id: i64) -> ApiResult<String> {
    let merchant = match entity::store::Entity::find_by_id(store_id)
        .one(&state.db)
        .await?
    {
        Some(store) => {
            entity::merchant::Entity::find_by_id(store.merchant_id)
                .one(&state.db)
                .await?
        }
        None => None,
    };
    merchant.and_then(|m| m.sub_mchid).ok_or_else(|| {
        ApiError::new(
            ErrorCode::SUB_MERCHANT_MISSING,
            "this kitchen cannot take WeChat Pay yet: the operator has not recorded its sub-merchant number",
        )
    })
}

async fn pay_with_wechat(
    state: &AppState,
    who: &Principal,
    merchant: &WechatPay,
    id: i64,
) -> ApiResult<PayResponse> {
    use worker::wechatpay::PayError;
    let now = state.clock.now();
    let appid = merchant.appid().to_owned();
    let openid = entity::platform_end::users::openid_of(&state.db, who.user_id, &appid)
        .await?
        .ok_or_else(|| {
            ApiError::new(
                ErrorCode::WECHAT_IDENTITY_REQUIRED,
                "sign in with WeChat to pay",
            )
        })?;
    let o = my_order(&state.db, who, id).await?;
    // Refused before any money moves: a partner-mode kitchen without its
    // sub-merchant number cannot be paid.
    let sub_mchid = if merchant.is_partner() {
        Some(sub_merchant_of(state, o.store_id).await?)
    } else {
        None
    };
    let txn = entity::tx::begin_write(&state.writer).await?;
    let o = my_order(&txn, who, id).await?;
    let p = payments::start_payment(&txn, &o, PayProvider::Wechat, now).await?;
    txn.commit().await?;
    let prepay_id = match &p.prepay_id {
        Some(id) => id.clone(),
        None => {
            let timeout = entity::platform::Entity::find_by_id(o.platform_id)
                .one(&state.db)
                .await?
                .map_or(900, |pl| i64::from(pl.payment_timeout_secs));
            let expire = o.created_at + chrono::Duration::seconds(timeout);
            let description = format!("同城订单 {}", o.order_no);
            let prepay = merchant
                .jsapi_prepay(
                    sub_mchid.as_deref(),
                    &description,
                    &p.out_trade_no,
                    p.amount_fen,
                    &openid,
                    expire,
                    now.timestamp(),
                )
                .await
                .map_err(|e| match e {
                    PayError::Refused { code, message } => {
                        ApiError::new(ErrorCode::PAYMENT_REFUSED, format!("{code}: {message}"))
                    }
                    other => {
                        tracing::warn!(error = %other, "prepay failed");
                        ApiError::new(
                            ErrorCode::PAYMENT_UNAVAILABLE,
                            "WeChat Pay did not answer properly; retry",
                        )
                        .retry_after(5)
                    }
                })?;
            payments::record_prepay(&state.db, p.id, &prepay, sub_mchid.as_deref()).await?;
            prepay
        }
    };
    let params = merchant
        .request_payment(&prepay_id, now.timestamp())
        .map_err(ApiError::internal)?;
    Ok(PayResponse {
        provider: PayProvider::Wechat.as_str(),
        out_trade_no: p.out_trade_no,
        amount_fen: p.amount_fen,
        request_payment: Some(params),
        confirm_path: None,
    })
}

/// Starts paying an order: with a WeChat Pay merchant configured, creates
/// the JSAPI prepay order and returns the `wx.requestPayment` parameters;
/// otherwise the demo provider (confirm at `confirm_path`).
#[utoipa::path(tag = "orders", security(("bearer" = [])), responses(
    (status = 200, body = PayResponse),
    (status = 404, description = "NOT_FOUND", body = ErrorBody),
    (status = 403, description = "WECHAT_IDENTITY_REQUIRED", body = ErrorBody),
    (status = 409, description = "INVALID_ORDER_STATE: not pending payment; SUB_MERCHANT_MISSING: partner mode and the kitchen has no sub-merchant number", body = ErrorBody),
    (status = 502, description = "PAYMENT_REFUSED", body = ErrorBody),
    (status = 503, description = "PAYMENT_UNAVAILABLE, PAYMENT_MERCHANT_UNAVAILABLE", body = ErrorBody),
))]
#[post("/orders/{id}/pay")]
pub async fn pay(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<i64>,
) -> ApiResult<web::Json<PayResponse>> {
    if let Some(wechatpay) = merchant_of(&state, who.platform_id).await? {
        return Ok(web::Json(
            pay_with_wechat(&state, &who, &wechatpay, *id).await?,
        ));
    }
    let txn = entity::tx::begin_write(&state.writer).await?;
    let o = my_order(&txn, &who, *id).await?;
    let p = payments::start_payment(&txn, &o, PayProvider::Demo, state.clock.now()).await?;
    txn.commit().await?;
    Ok(web::Json(PayResponse {
        provider: PayProvider::Demo.as_str(),
        confirm_path: Some(format!("/api/v1/pay/demo/{}/confirm", p.out_trade_no)),
        request_payment: None,
        out_trade_no: p.out_trade_no,
        amount_fen: p.amount_fen,
    }))
}

/// The demo provider's "payment succeeded": goes through the same
/// mark-paid path as a WeChat Pay notification. Only the payer can confirm,
/// and only when WeChat Pay is not configured.
#[utoipa::path(tag = "orders", security(("bearer" = [])), responses(
    (status = 200, body = OrderView),
    (status = 404, description = "NOT_FOUND (or WeChat Pay is configured)", body = ErrorBody),
))]
#[post("/pay/demo/{out_trade_no}/confirm")]
pub async fn demo_confirm(
    state: web::Data<AppState>,
    who: Principal,
    no: web::Path<String>,
) -> ApiResult<web::Json<OrderView>> {
    if merchant_of(&state, who.platform_id).await?.is_some() {
        return Err(ApiError::not_found("payment"));
    }
    let txn = entity::tx::begin_write(&state.writer).await?;
    let p = payment::Entity::find()
        .filter(payment::Column::OutTradeNo.eq(no.as_str()))
        .filter(payment::Column::Provider.eq(PayProvider::Demo))
        .one(&txn)
        .await?
        .ok_or_else(|| ApiError::not_found("payment"))?;
    let o = my_order(&txn, &who, p.order_id).await?;
    let now = state.clock.now();
    let transaction_id = format!(
        "DEMO{}",
        hex::encode_upper(entity::ids::random_bytes::<8>())
    );
    let o =
        match payments::confirm_payment(&txn, &p.out_trade_no, p.amount_fen, &transaction_id, now)
            .await?
        {
            PaymentOutcome::Paid(paid) => *paid,
            // Paid too late: the refund is queued with the payment.
            PaymentOutcome::RefundInstead(_) | PaymentOutcome::AlreadyPaid => {
                my_order(&txn, &who, o.id).await?
            }
        };
    let view = order_view(&txn, o).await?;
    txn.commit().await?;
    Ok(web::Json(view))
}
