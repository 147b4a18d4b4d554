//! The operator's refund queue: refunds WeChat Pay did not carry out
//! (`NOT_ENOUGH`, retries given up, `CLOSED`/`ABNORMAL`), each with its
//! code, and the action that sends one again under its refund number.

use actix_web::{get, post, web};
use entity::Role;
use entity::to_door_line::refunds::{self, StuckRefund};

use crate::auth::Principal;
use crate::error::{ApiResult, ErrorBody};
use crate::routes::finish;
use crate::state::AppState;

/// The failed refunds, oldest failure first. Their orders stay
/// `refunding` until the money is back.
#[utoipa::path(tag = "admin", security(("bearer" = ["operator"])), responses(
    (status = 200, body = Vec<StuckRefund>, description = "Refunds waiting for the operator"),
    (status = 403, description = "FORBIDDEN", body = ErrorBody),
))]
#[get("/admin/refunds/failed")]
pub async fn failed(
    state: web::Data<AppState>,
    who: Principal,
) -> ApiResult<web::Json<Vec<StuckRefund>>> {
    who.require(Role::Operator)?;
    Ok(web::Json(
        refunds::needing_attention(&state.db, who.platform_id).await?,
    ))
}

/// Sends a failed refund again, under the same refund number (after the
/// merchant account was topped up, for `NOT_ENOUGH`). The worker executes
/// it as it executes any refund.
#[utoipa::path(tag = "admin", security(("bearer" = ["operator"])), responses(
    (status = 200, body = entity::refund::Model, description = "Requested again"),
    (status = 403, description = "FORBIDDEN", body = ErrorBody),
    (status = 404, description = "NOT_FOUND", body = ErrorBody),
    (status = 409, description = "INVALID_REFUND_STATE", body = ErrorBody),
))]
#[post("/admin/refunds/{id}/retry")]
pub async fn retry(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<i64>,
) -> ApiResult<web::Json<entity::refund::Model>> {
    who.require(Role::Operator)?;
    let txn = entity::tx::begin_write(&state.writer).await?;
    let res = refunds::retry(&txn, who.platform_id, *id, state.clock.now()).await;
    let r = finish(txn, res).await?;
    tracing::info!(
        refund = r.id,
        operator = who.user_id,
        retries = r.retries,
        "refund sent again"
    );
    Ok(web::Json(r))
}
