//! Orders left at agent points: the exception queue, sending one back, and
//! the village settings that decide when.

use actix_web::{get, post, put, web};
use entity::Role;
use entity::platform_end::platforms::VillageSettings;
use serde::Deserialize;
use utoipa::ToSchema;

use crate::auth::Principal;
use crate::error::{ApiResult, ErrorBody};
use crate::extract::ApiJson;
use crate::state::AppState;

/// The exception queue: orders waiting at agent points longer than the
/// platform allows.
#[utoipa::path(tag = "admin", security(("bearer" = ["operator"])), responses(
    (status = 200, body = Vec<entity::to_door_line::village::trips::Uncollected>),
))]
#[get("/admin/village/uncollected")]
pub async fn uncollected(
    state: web::Data<AppState>,
    who: Principal,
) -> ApiResult<web::Json<Vec<entity::to_door_line::village::trips::Uncollected>>> {
    who.require(Role::Operator)?;
    Ok(web::Json(
        entity::to_door_line::village::trips::uncollected(&state.db, who.platform_id).await?,
    ))
}

/// Why an order is sent back.
#[derive(Debug, Deserialize, ToSchema)]
pub struct ReturnReason {
    /// Shown on the order's timeline.
    pub reason: String,
}

/// Sends a flagged order back to the kitchen and refunds the resident.
#[utoipa::path(tag = "admin", security(("bearer" = ["operator"])), request_body = ReturnReason, responses(
    (status = 200, body = entity::order::Model, description = "The order, refunding"),
    (status = 404, description = "NOT_FOUND: not in the exception queue", body = ErrorBody),
))]
#[post("/admin/village/uncollected/{order_id}/return")]
pub async fn return_order(
    state: web::Data<AppState>,
    who: Principal,
    order_id: web::Path<i64>,
    body: ApiJson<ReturnReason>,
) -> ApiResult<web::Json<entity::order::Model>> {
    who.require(Role::Operator)?;
    let reason = crate::routes::required_text("reason", &body.reason, 200)?;
    let now = state.clock.now();
    let txn = entity::tx::begin_write(&state.writer).await?;
    let res = entity::to_door_line::village::trips::return_uncollected(
        &txn,
        who.platform_id,
        *order_id,
        who.user_id,
        reason,
        now,
    )
    .await;
    Ok(web::Json(crate::routes::finish(txn, res).await?))
}

/// Sets how long orders may wait at agent points.
#[utoipa::path(tag = "admin", security(("bearer" = ["operator"])), request_body = VillageSettings, responses(
    (status = 200, body = VillageSettings),
    (status = 422, description = "VALIDATION_FAILED", body = ErrorBody),
))]
#[put("/admin/village/settings")]
pub async fn village_settings(
    state: web::Data<AppState>,
    who: Principal,
    body: ApiJson<VillageSettings>,
) -> ApiResult<web::Json<VillageSettings>> {
    who.require(Role::Operator)?;
    let txn = entity::tx::begin_write(&state.writer).await?;
    let res = entity::platform_end::settings::change_village(
        &txn,
        who.platform_id,
        who.user_id,
        &body,
        state.clock.now(),
    )
    .await;
    crate::routes::finish(txn, res).await?;
    Ok(web::Json(VillageSettings {
        collect_within_days: body.collect_within_days,
    }))
}
