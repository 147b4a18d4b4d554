//! The operators' rider review queue.

use actix_web::{get, post, web};
use entity::delivery_end::riders;
use entity::rider::RiderStatus;
use entity::{Role, rider};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::auth::Principal;
use crate::error::{ApiResult, ErrorBody};
use crate::extract::ApiJson;
use crate::routes::finish;
use crate::state::AppState;

/// Riders waiting for review, oldest first.
#[utoipa::path(tag = "admin", security(("bearer" = ["operator"])), responses(
    (status = 200, body = Vec<rider::Model>, description = "Pending riders"),
    (status = 403, description = "FORBIDDEN", body = ErrorBody),
))]
#[get("/admin/riders")]
pub async fn queue(
    state: web::Data<AppState>,
    who: Principal,
) -> ApiResult<web::Json<Vec<rider::Model>>> {
    who.require(Role::Operator)?;
    Ok(web::Json(
        rider::Entity::find()
            .filter(rider::Column::PlatformId.eq(who.platform_id))
            .filter(rider::Column::Status.eq(RiderStatus::Pending))
            .order_by_asc(rider::Column::Id)
            .all(&state.db)
            .await?,
    ))
}

/// A review decision.
#[derive(Debug, Deserialize, ToSchema)]
pub struct Review {
    /// `true` verifies, `false` rejects.
    pub approve: bool,
    /// Required when rejecting; the rider sees it.
    pub reason: Option<String>,
}

/// Verifies or rejects a pending rider.
#[utoipa::path(tag = "admin", security(("bearer" = ["operator"])), request_body = Review, responses(
    (status = 200, body = rider::Model, description = "The rider"),
    (status = 404, description = "NOT_FOUND", body = ErrorBody),
    (status = 409, description = "APPLICATION_ALREADY_DECIDED", body = ErrorBody),
))]
#[post("/admin/riders/{id}/review")]
pub async fn review(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<i64>,
    body: ApiJson<Review>,
) -> ApiResult<web::Json<rider::Model>> {
    who.require(Role::Operator)?;
    let reason = body
        .reason
        .as_ref()
        .map(|r| r.trim().chars().take(200).collect());
    let txn = entity::tx::begin_write(&state.writer).await?;
    let res = riders::review(
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
