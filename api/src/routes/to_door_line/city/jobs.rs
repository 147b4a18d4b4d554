//! A rider's city jobs: the grab pool, grabs, offers, pickup, delivery and
//! giving a job back.

use actix_web::{HttpResponse, get, post, web};
use entity::delivery_end::riders;
use entity::to_door_line::city::dispatch::AssignedBy;
use entity::to_door_line::city::handoff::Delivered;
use entity::to_door_line::city::jobs::PoolJob;
use entity::to_door_line::city::{dispatch, handoff, jobs, tracking};
use entity::{delivery_job, dispatch_offer, rider};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::auth::Principal;
use crate::error::{ApiError, ApiResult, ErrorBody, ErrorCode};
use crate::extract::ApiJson;
use crate::rate_limit::Rule;
use crate::routes::finish;
use crate::state::AppState;

/// Open jobs near the rider, nearest first (empty when the platform
/// dispatches automatically only).
#[utoipa::path(tag = "rider", security(("bearer" = ["rider"])), responses(
    (status = 200, body = Vec<PoolJob>),
    (status = 409, description = "NOT_ON_DUTY", body = ErrorBody),
    (status = 404, description = "NOT_FOUND: the caller has not registered as a rider", body = ErrorBody),
))]
#[get("/rider/jobs/available")]
pub async fn available(
    state: web::Data<AppState>,
    who: Principal,
) -> ApiResult<web::Json<Vec<PoolJob>>> {
    let r = riders::verified(&state.db, who.platform_id, who.user_id).await?;
    Ok(web::Json(jobs::pool(&state.db, &r).await?))
}

/// Opens a write transaction with the caller's verified rider record.
pub(crate) async fn begin_rider(
    state: &AppState,
    who: &Principal,
) -> ApiResult<(sea_orm::DatabaseTransaction, rider::Model)> {
    let txn = entity::tx::begin_write(&state.writer).await?;
    match riders::verified(&txn, who.platform_id, who.user_id).await {
        Ok(r) => Ok((txn, r)),
        Err(e) => {
            txn.rollback().await?;
            Err(e.into())
        }
    }
}

/// Grabs an open job. Of simultaneous grabs exactly one wins.
#[utoipa::path(tag = "rider", security(("bearer" = ["rider"])), responses(
    (status = 200, body = delivery_job::Model, description = "The job, now the rider's"),
    (status = 404, description = "NOT_FOUND", body = ErrorBody),
    (status = 409, description = "JOB_TAKEN, RIDER_AT_CAPACITY, NOT_ON_DUTY, GRAB_NOT_ALLOWED", body = ErrorBody),
    (status = 429, description = "RATE_LIMITED: see Retry-After", body = ErrorBody),
))]
#[post("/rider/jobs/{id}/grab")]
pub async fn grab(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<i64>,
) -> ApiResult<web::Json<delivery_job::Model>> {
    state
        .rate_limits
        .check_on_platform(
            &state.db,
            Rule::Grab,
            who.platform_id,
            &who.user_id.to_string(),
        )
        .await?;
    let (txn, r) = begin_rider(&state, &who).await?;
    let res = dispatch::assign(&txn, &r, *id, AssignedBy::Grab, state.clock.now()).await;
    Ok(web::Json(finish(txn, res).await?))
}

/// The rider's offers and jobs in hand.
#[derive(Debug, Serialize, ToSchema)]
pub struct MyJobs {
    /// Automatic offers waiting for an answer.
    pub offers: Vec<dispatch_offer::Model>,
    /// Jobs assigned, picked up or locked.
    pub jobs: Vec<delivery_job::Model>,
}

/// Offers to answer and jobs in hand.
#[utoipa::path(tag = "rider", security(("bearer" = ["rider"])), responses((status = 200, body = MyJobs),
    (status = 404, description = "NOT_FOUND: the caller has not registered as a rider", body = ErrorBody),
))]
#[get("/rider/jobs")]
pub async fn mine(state: web::Data<AppState>, who: Principal) -> ApiResult<web::Json<MyJobs>> {
    let r = riders::verified(&state.db, who.platform_id, who.user_id).await?;
    Ok(web::Json(MyJobs {
        offers: dispatch::offers_to(&state.db, &r, state.clock.now()).await?,
        jobs: tracking::active_jobs(&state.db, &r).await?,
    }))
}

/// Accepts an automatic offer.
#[utoipa::path(tag = "rider", security(("bearer" = ["rider"])), responses(
    (status = 200, body = delivery_job::Model, description = "The job, now the rider's"),
    (status = 409, description = "NO_OFFER, RIDER_AT_CAPACITY", body = ErrorBody),
))]
#[post("/rider/jobs/{id}/accept")]
pub async fn accept(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<i64>,
) -> ApiResult<web::Json<delivery_job::Model>> {
    let (txn, r) = begin_rider(&state, &who).await?;
    let res = dispatch::answer_offer(&txn, &r, *id, true, state.clock.now())
        .await
        .and_then(|j| j.ok_or(entity::error::DomainError::NotFound("job")));
    Ok(web::Json(finish(txn, res).await?))
}

/// Declines an automatic offer; the job goes to the next round without
/// this rider.
#[utoipa::path(tag = "rider", security(("bearer" = ["rider"])), responses(
    (status = 204, description = "Declined"),
    (status = 409, description = "NO_OFFER", body = ErrorBody),
))]
#[post("/rider/jobs/{id}/decline")]
pub async fn decline(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    let (txn, r) = begin_rider(&state, &who).await?;
    let res = dispatch::answer_offer(&txn, &r, *id, false, state.clock.now()).await;
    finish(txn, res).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Where the rider stands when picking up.
#[derive(Debug, Deserialize, ToSchema)]
pub struct Here {
    /// Latitude of the phone now.
    pub lat: f64,
    /// Longitude of the phone now.
    pub lng: f64,
}

/// Picks the order up: only at the store and only once it is ready.
#[utoipa::path(tag = "rider", security(("bearer" = ["rider"])), request_body = Here, responses(
    (status = 200, body = delivery_job::Model, description = "The job, picked up"),
    (status = 404, description = "NOT_FOUND (also another rider's job)", body = ErrorBody),
    (status = 409, description = "ORDER_NOT_READY, INVALID_JOB_STATE", body = ErrorBody),
    (status = 422, description = "OUTSIDE_PICKUP_GEOFENCE", body = ErrorBody),
))]
#[post("/rider/jobs/{id}/pickup")]
pub async fn pickup(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<i64>,
    body: ApiJson<Here>,
) -> ApiResult<web::Json<delivery_job::Model>> {
    let (txn, r) = begin_rider(&state, &who).await?;
    let res = handoff::pickup(&txn, &r, *id, (body.lat, body.lng), state.clock.now()).await;
    Ok(web::Json(finish(txn, res).await?))
}

/// The code the resident shows.
#[derive(Debug, Deserialize, ToSchema)]
pub struct Code {
    /// 4 digits.
    pub code: String,
}

/// Hands the order over with the resident's code; three wrong codes lock
/// the job for an operator.
#[utoipa::path(tag = "rider", security(("bearer" = ["rider"])), request_body = Code, responses(
    (status = 200, body = delivery_job::Model, description = "Delivered"),
    (status = 404, description = "NOT_FOUND (also another rider's job)", body = ErrorBody),
    (status = 422, description = "DELIVERY_CODE_WRONG", body = ErrorBody),
    (status = 423, description = "JOB_LOCKED", body = ErrorBody),
))]
#[post("/rider/jobs/{id}/deliver")]
pub async fn deliver(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<i64>,
    body: ApiJson<Code>,
) -> ApiResult<web::Json<delivery_job::Model>> {
    let (txn, r) = begin_rider(&state, &who).await?;
    let res = handoff::deliver(&txn, &r, *id, &body.code, state.clock.now()).await;
    // A wrong code is committed (the count must survive), then refused.
    match finish(txn, res).await? {
        Delivered::Done(j) => Ok(web::Json(*j)),
        Delivered::WrongCode(left) => Err(ApiError::new(
            ErrorCode::DELIVERY_CODE_WRONG,
            format!("wrong delivery code; {left} attempts left"),
        )),
        Delivered::Locked => Err(ApiError::new(
            ErrorCode::JOB_LOCKED,
            "three wrong codes: the job waits for an operator",
        )),
    }
}

/// Gives an accepted job back before pickup (counts against the rider).
#[utoipa::path(tag = "rider", security(("bearer" = ["rider"])), responses(
    (status = 200, body = delivery_job::Model, description = "The job, open again"),
    (status = 409, description = "INVALID_JOB_STATE: picked up already", body = ErrorBody),
))]
#[post("/rider/jobs/{id}/give-up")]
pub async fn give_up(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<i64>,
) -> ApiResult<web::Json<delivery_job::Model>> {
    let (txn, r) = begin_rider(&state, &who).await?;
    let res = dispatch::give_up(&txn, &r, *id, state.clock.now()).await;
    Ok(web::Json(finish(txn, res).await?))
}
