//! Withdrawals: merchants' owners, riders, carriers' managers and agent
//! points' keepers ask for their settled money;
//! operators review large ones; WeChat Pay's transfer notifications land
//! here.

use actix_web::{HttpRequest, HttpResponse, get, post, web};
use entity::payment::PayProvider;
use entity::payout::PayeeKind;
use entity::platform_end::payouts;
use entity::platform_end::payouts::Payee;
use entity::{Role, payout};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::auth::Principal;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::ApiJson;
use crate::routes::finish;
use crate::routes::to_door_line::orders::idempotency_key;
use crate::routes::to_door_line::pay_notify::{Receiver, receiver, refused, signature_headers};
use crate::state::AppState;

/// How much to withdraw.
#[derive(Debug, Deserialize, ToSchema)]
pub struct PayoutRequest {
    /// Fen, 100 to 200,000, at most the available balance.
    pub amount_fen: i64,
}

/// A payee's payouts and what is available.
#[derive(Debug, Serialize, ToSchema)]
pub struct Payouts {
    /// What may be withdrawn now (settled, not yet paid out).
    pub available_fen: i64,
    /// Payouts, newest first.
    pub payouts: Vec<payout::Model>,
}

async fn merchant_payee(state: &AppState, who: &Principal) -> ApiResult<Payee> {
    let m = crate::routes::supply_end::store::owned_merchant(&state.db, who).await?;
    Ok(Payee {
        kind: PayeeKind::Merchant,
        owner_id: m.id,
    })
}

async fn rider_payee(state: &AppState, who: &Principal) -> ApiResult<Payee> {
    let r = entity::delivery_end::riders::of_user(&state.db, who.platform_id, who.user_id).await?;
    Ok(Payee {
        kind: PayeeKind::Rider,
        owner_id: r.id,
    })
}

async fn ask(
    state: &AppState,
    who: &Principal,
    payee: Payee,
    req: &HttpRequest,
    amount_fen: i64,
) -> ApiResult<HttpResponse> {
    let key = idempotency_key(req)?;
    let provider = if crate::routes::to_door_line::payments::merchant_of(state, who.platform_id)
        .await?
        .is_some()
    {
        PayProvider::Wechat
    } else {
        PayProvider::Demo
    };
    let txn = entity::tx::begin_write(&state.writer).await?;
    let res = payouts::request(
        &txn,
        who.platform_id,
        payee,
        who.user_id,
        amount_fen,
        provider,
        key.as_deref(),
        &crate::routes::to_door_line::orders::public_no(state, "PO"),
        state.clock.now(),
    )
    .await;
    let (p, created) = finish(txn, res).await?;
    Ok(if created {
        HttpResponse::Created().json(p)
    } else {
        HttpResponse::Ok().json(p)
    })
}

async fn list(state: &AppState, who: &Principal, payee: Payee) -> ApiResult<Payouts> {
    Ok(Payouts {
        available_fen: payouts::available(&state.db, who.platform_id, payee).await?,
        payouts: payouts::of_payee(&state.db, who.platform_id, payee).await?,
    })
}

/// The merchant's owner withdraws settled money (with `Idempotency-Key`,
/// a retry returns the same payout). Above the platform's threshold an
/// operator reviews it first.
#[utoipa::path(tag = "merchant", security(("bearer" = ["merchant_staff"])), request_body = PayoutRequest, responses(
    (status = 201, body = entity::payout::Model),
    (status = 403, description = "NOT_MERCHANT_OWNER, NOT_STORE_STAFF", body = ErrorBody),
    (status = 409, description = "INSUFFICIENT_BALANCE", body = ErrorBody),
    (status = 422, description = "VALIDATION_FAILED, IDEMPOTENCY_KEY_REUSED", body = ErrorBody),
))]
#[post("/merchant/payouts")]
pub async fn merchant_request(
    state: web::Data<AppState>,
    who: Principal,
    req: HttpRequest,
    body: ApiJson<PayoutRequest>,
) -> ApiResult<HttpResponse> {
    let payee = merchant_payee(&state, &who).await?;
    ask(&state, &who, payee, &req, body.amount_fen).await
}

/// The merchant's payouts and available balance.
#[utoipa::path(tag = "merchant", security(("bearer" = ["merchant_staff"])), responses(
    (status = 200, body = Payouts),
    (status = 403, description = "NOT_MERCHANT_OWNER", body = ErrorBody),
))]
#[get("/merchant/payouts")]
pub async fn merchant_list(
    state: web::Data<AppState>,
    who: Principal,
) -> ApiResult<web::Json<Payouts>> {
    let payee = merchant_payee(&state, &who).await?;
    Ok(web::Json(list(&state, &who, payee).await?))
}

/// A rider withdraws settled earnings.
#[utoipa::path(tag = "rider", security(("bearer" = [])), request_body = PayoutRequest, responses(
    (status = 201, body = entity::payout::Model),
    (status = 409, description = "INSUFFICIENT_BALANCE", body = ErrorBody),
    (status = 404, description = "NOT_FOUND: the caller has not registered as a rider", body = ErrorBody),
))]
#[post("/rider/payouts")]
pub async fn rider_request(
    state: web::Data<AppState>,
    who: Principal,
    req: HttpRequest,
    body: ApiJson<PayoutRequest>,
) -> ApiResult<HttpResponse> {
    let payee = rider_payee(&state, &who).await?;
    ask(&state, &who, payee, &req, body.amount_fen).await
}

/// The rider's payouts and available balance.
#[utoipa::path(tag = "rider", security(("bearer" = [])), responses((status = 200, body = Payouts),
    (status = 404, description = "NOT_FOUND: the caller has not registered as a rider", body = ErrorBody),
))]
#[get("/rider/payouts")]
pub async fn rider_list(
    state: web::Data<AppState>,
    who: Principal,
) -> ApiResult<web::Json<Payouts>> {
    let payee = rider_payee(&state, &who).await?;
    Ok(web::Json(list(&state, &who, payee).await?))
}

async fn carrier_payee(state: &AppState, who: &Principal) -> ApiResult<Payee> {
    Ok(Payee {
        kind: PayeeKind::Carrier,
        owner_id: crate::routes::platform_end::accounts::managed_carrier(state, who).await?,
    })
}

/// A carrier's manager withdraws its settled earnings.
#[utoipa::path(tag = "carrier", security(("bearer" = ["driver"])), request_body = PayoutRequest, responses(
    (status = 201, body = entity::payout::Model),
    (status = 403, description = "FORBIDDEN: not a manager of a carrier", body = ErrorBody),
    (status = 409, description = "INSUFFICIENT_BALANCE", body = ErrorBody),
))]
#[post("/carrier/payouts")]
pub async fn carrier_request(
    state: web::Data<AppState>,
    who: Principal,
    req: HttpRequest,
    body: ApiJson<PayoutRequest>,
) -> ApiResult<HttpResponse> {
    let payee = carrier_payee(&state, &who).await?;
    ask(&state, &who, payee, &req, body.amount_fen).await
}

/// The carrier's payouts and available balance.
#[utoipa::path(tag = "carrier", security(("bearer" = ["driver"])), responses((status = 200, body = Payouts)))]
#[get("/carrier/payouts")]
pub async fn carrier_list(
    state: web::Data<AppState>,
    who: Principal,
) -> ApiResult<web::Json<Payouts>> {
    let payee = carrier_payee(&state, &who).await?;
    Ok(web::Json(list(&state, &who, payee).await?))
}

async fn keeper_payee(state: &AppState, who: &Principal) -> ApiResult<Payee> {
    Ok(Payee {
        kind: PayeeKind::AgentPoint,
        owner_id: crate::routes::platform_end::accounts::kept_point(state, who).await?,
    })
}

/// An agent point's keeper withdraws its settled fees (to the keeper's
/// own WeChat change).
#[utoipa::path(tag = "keeper", security(("bearer" = ["agent_keeper"])), request_body = PayoutRequest, responses(
    (status = 201, body = entity::payout::Model),
    (status = 403, description = "FORBIDDEN: not a keeper", body = ErrorBody),
    (status = 409, description = "INSUFFICIENT_BALANCE", body = ErrorBody),
))]
#[post("/keeper/payouts")]
pub async fn keeper_request(
    state: web::Data<AppState>,
    who: Principal,
    req: HttpRequest,
    body: ApiJson<PayoutRequest>,
) -> ApiResult<HttpResponse> {
    let payee = keeper_payee(&state, &who).await?;
    ask(&state, &who, payee, &req, body.amount_fen).await
}

/// The agent point's payouts and available balance.
#[utoipa::path(tag = "keeper", security(("bearer" = ["agent_keeper"])), responses((status = 200, body = Payouts)))]
#[get("/keeper/payouts")]
pub async fn keeper_list(
    state: web::Data<AppState>,
    who: Principal,
) -> ApiResult<web::Json<Payouts>> {
    let payee = keeper_payee(&state, &who).await?;
    Ok(web::Json(list(&state, &who, payee).await?))
}

/// `GET /admin/payouts` filter.
#[derive(Debug, Deserialize, IntoParams)]
pub struct PayoutFilter {
    /// e.g. `review` for the review queue (an unknown one is refused with 400).
    pub status: Option<entity::payout::PayoutStatus>,
}

/// The platform's payouts, newest first (`?status=review`: the queue).
#[utoipa::path(tag = "admin", security(("bearer" = ["operator"])), params(PayoutFilter), responses(
    (status = 200, body = Vec<payout::Model>, description = "Payouts"),
    (status = 403, description = "FORBIDDEN", body = ErrorBody),
))]
#[get("/admin/payouts")]
pub async fn admin_list(
    state: web::Data<AppState>,
    who: Principal,
    q: web::Query<PayoutFilter>,
) -> ApiResult<web::Json<Vec<payout::Model>>> {
    who.require(Role::Operator)?;
    let mut find = payout::Entity::find().filter(payout::Column::PlatformId.eq(who.platform_id));
    if let Some(s) = q.status {
        find = find.filter(payout::Column::Status.eq(s));
    }
    Ok(web::Json(
        find.order_by_desc(payout::Column::Id)
            .all(&state.db)
            .await?,
    ))
}

/// A review decision on a payout.
#[derive(Debug, Deserialize, ToSchema)]
pub struct PayoutReview {
    /// `true` sends it; `false` returns the money to the payee.
    pub approve: bool,
    /// Why (required to reject).
    pub reason: Option<String>,
}

/// Approves or rejects a payout waiting for review.
#[utoipa::path(tag = "admin", security(("bearer" = ["operator"])), request_body = PayoutReview, responses(
    (status = 200, body = entity::payout::Model),
    (status = 409, description = "INVALID_PAYOUT_STATE", body = ErrorBody),
    (status = 422, description = "VALIDATION_FAILED: reason", body = ErrorBody),
))]
#[post("/admin/payouts/{id}/review")]
pub async fn review(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<i64>,
    body: ApiJson<PayoutReview>,
) -> ApiResult<web::Json<payout::Model>> {
    who.require(Role::Operator)?;
    let reason = match (&body.reason, body.approve) {
        (Some(r), _) => Some(crate::routes::required_text("reason", r, 200)?),
        (None, false) => return Err(ApiError::field("reason", "say why it is rejected")),
        (None, true) => None,
    };
    let txn = entity::tx::begin_write(&state.writer).await?;
    let res = payouts::review(
        &txn,
        who.platform_id,
        *id,
        who.user_id,
        body.approve,
        reason,
        state.clock.now(),
    )
    .await;
    Ok(web::Json(finish(txn, res).await?))
}

/// Receives a merchant-transfer batch notification: the payout's job asks
/// WeChat Pay for the transfer's final state.
#[utoipa::path(tag = "payments", request_body(content = String, description = "WeChat Pay's signed, encrypted notification", content_type = "application/json"),
    responses(
        (status = 204, description = "Received"),
        (status = 401, description = "WECHATPAY_SIGNATURE_INVALID", body = ErrorBody),
        (status = 404, description = "NOT_FOUND", body = ErrorBody),
    ))]
#[post("/pay/wechat/transfer-notify")]
pub async fn transfer_notify(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Bytes,
) -> ApiResult<HttpResponse> {
    transfer_notice(&state, None, &req, &body).await
}

/// Receives a merchant-transfer batch notification for a county's own
/// WeChat Pay merchant.
#[utoipa::path(tag = "payments", request_body(content = String, description = "WeChat Pay's signed, encrypted notification", content_type = "application/json"),
    params(("platform" = String, Path, description = "The county's code")),
    responses(
        (status = 204, description = "Received"),
        (status = 400, description = "BAD_REQUEST: for another county's payout", body = ErrorBody),
        (status = 401, description = "WECHATPAY_SIGNATURE_INVALID", body = ErrorBody),
        (status = 404, description = "NOT_FOUND", body = ErrorBody),
    ))]
#[post("/pay/wechat/transfer-notify/{platform}")]
pub async fn transfer_notify_county(
    state: web::Data<AppState>,
    code: web::Path<String>,
    req: HttpRequest,
    body: web::Bytes,
) -> ApiResult<HttpResponse> {
    transfer_notice(&state, Some(&code), &req, &body).await
}

async fn transfer_notice(
    state: &AppState,
    code: Option<&str>,
    req: &HttpRequest,
    body: &[u8],
) -> ApiResult<HttpResponse> {
    let (pay, to) = receiver(state, code).await?;
    let now = state.clock.now();
    let r = pay
        .parse_transfer_notification(&signature_headers(req), body, now.timestamp())
        .map_err(refused)?;
    let p = payout::Entity::find()
        .filter(payout::Column::OutBatchNo.eq(r.out_batch_no.as_str()))
        .one(&state.db)
        .await?
        .ok_or_else(|| ApiError::not_found("payout"))?;
    let county = match to {
        Receiver::Platform(pid) => p.platform_id == pid,
        Receiver::Instance => {
            entity::platform_end::payment_accounts::of_platform(&state.db, p.platform_id)
                .await?
                .is_none()
        }
    };
    if !county {
        tracing::error!(out_batch_no = %r.out_batch_no, "transfer notification for another county's payout");
        return Err(ApiError::new(
            crate::error::ErrorCode::BAD_REQUEST,
            "transfer notification for another merchant",
        ));
    }
    let mut job = worker::jobs::NewJob::new(
        payouts::SEND_JOB,
        serde_json::json!({ "payout_id": p.id }),
        now,
    );
    job.platform_id = Some(p.platform_id);
    job.dedupe_key = Some(format!("payout:{}:{}", p.id, r.batch_status));
    worker::jobs::enqueue(&state.db, job, now).await?;
    Ok(HttpResponse::NoContent().finish())
}
