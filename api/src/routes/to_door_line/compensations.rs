//! After-sale compensation: an operator gives part of a delivered order's
//! payment back after a complaint. The refund is executed by the worker
//! as any refund is (in partner mode, after returning the platform's
//! share if the order was shared already).

use actix_web::{HttpResponse, post, web};
use entity::Role;
use entity::to_door_line::compensations;
use serde::Deserialize;
use utoipa::ToSchema;

use crate::auth::Principal;
use crate::error::{ApiResult, ErrorBody};
use crate::extract::ApiJson;
use crate::routes::finish;
use crate::state::AppState;

/// A compensation to give.
#[derive(Debug, Deserialize, ToSchema)]
pub struct NewCompensation {
    /// Fen, at most what is left of the order's payment.
    pub amount_fen: i64,
    /// Shown to the resident with the refund (at most 200 characters).
    pub reason: String,
}

/// Compensates a delivered order: a partial refund the platform carries,
/// noted on the order's timeline with the operator's name.
#[utoipa::path(tag = "admin", security(("bearer" = ["operator"])), params(("id" = i64, Path)),
    request_body = NewCompensation, responses(
    (status = 201, body = entity::refund::Model, description = "The refund, requested"),
    (status = 403, description = "FORBIDDEN", body = ErrorBody),
    (status = 404, description = "NOT_FOUND: no such order on this platform", body = ErrorBody),
    (status = 409, description = "INVALID_REFUND_STATE: the order is not delivered", body = ErrorBody),
    (status = 422, description = "VALIDATION_FAILED: amount_fen or reason", body = ErrorBody),
))]
#[post("/admin/orders/{id}/compensations")]
pub async fn compensate(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<i64>,
    body: ApiJson<NewCompensation>,
) -> ApiResult<HttpResponse> {
    who.require(Role::Operator)?;
    let txn = entity::tx::begin_write(&state.writer).await?;
    let res = compensations::compensate(
        &txn,
        who.platform_id,
        *id,
        body.amount_fen,
        &body.reason,
        who.user_id,
        state.clock.now(),
    )
    .await;
    let r = finish(txn, res).await?;
    tracing::info!(
        refund = r.id,
        operator = who.user_id,
        amount_fen = r.amount_fen,
        "order compensated"
    );
    Ok(HttpResponse::Created().json(r))
}
