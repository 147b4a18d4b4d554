//! The rider's side of city delivery: registration, duty, location, the
//! grab pool, automatic offers, pickup, delivery and earnings.

use actix_web::{HttpResponse, get, post, web};
use chrono::NaiveDate;
use entity::delivery_end::riders;
use entity::delivery_end::riders::{LocationReport, Point, Registration};
use entity::platform_end::platforms;
use entity::to_door_line::city::dispatch::AssignedBy;
use entity::to_door_line::city::earnings::{EarningsDay, EarningsJob};
use entity::to_door_line::city::handoff::Delivered;
use entity::to_door_line::city::jobs::PoolJob;
use entity::to_door_line::city::{dispatch, handoff, jobs, tracking};
use entity::{delivery_job, dispatch_offer, rider};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::finish;
use crate::auth::Principal;
use crate::error::{ApiError, ApiResult, ErrorBody, ErrorCode};
use crate::extract::ApiJson;
use crate::state::AppState;

/// Registers the caller as a rider (pending operator review). After a
/// rejection the same call submits again.
#[utoipa::path(tag = "rider", security(("bearer" = [])), request_body = Registration, responses(
    (status = 201, description = "Pending review"),
    (status = 409, description = "RIDER_ALREADY_REGISTERED, ID_NUMBER_TAKEN", body = ErrorBody),
    (status = 422, description = "VALIDATION_FAILED", body = ErrorBody),
))]
#[post("/rider/registration")]
pub async fn register(
    state: web::Data<AppState>,
    who: Principal,
    body: ApiJson<Registration>,
) -> ApiResult<HttpResponse> {
    let id_number = riders::check_id_number(&body.id_number)?;
    let hash = state.identity_hash(&id_number);
    let today = super::local_today(&state, who.platform_id).await?;
    let txn = entity::tx::begin_write(&state.db).await?;
    let r = match riders::register(
        &txn,
        who.platform_id,
        who.user_id,
        &body,
        &hash,
        state.clock.now(),
        today,
    )
    .await
    {
        Ok(r) => r,
        Err(e) => {
            txn.rollback().await?;
            return Err(e.into());
        }
    };
    txn.commit().await?;
    Ok(HttpResponse::Created().json(r))
}

/// The caller's rider record (status, duty, load, position).
#[utoipa::path(tag = "rider", security(("bearer" = [])), responses(
    (status = 200, description = "The rider record"),
    (status = 404, description = "NOT_FOUND: not registered", body = ErrorBody),
))]
#[get("/rider/me")]
pub async fn me(state: web::Data<AppState>, who: Principal) -> ApiResult<web::Json<rider::Model>> {
    Ok(web::Json(
        riders::of_user(&state.db, who.platform_id, who.user_id).await?,
    ))
}

/// On or off duty.
#[derive(Debug, Deserialize, ToSchema)]
pub struct Duty {
    /// `true` to take jobs.
    pub on: bool,
}

/// Goes on or off duty (on duty needs a valid health certificate).
#[utoipa::path(tag = "rider", security(("bearer" = [])), request_body = Duty, responses(
    (status = 200, description = "The rider record"),
    (status = 403, description = "RIDER_NOT_VERIFIED", body = ErrorBody),
    (status = 409, description = "HEALTH_CERT_EXPIRED", body = ErrorBody),
))]
#[post("/rider/duty")]
pub async fn duty(
    state: web::Data<AppState>,
    who: Principal,
    body: ApiJson<Duty>,
) -> ApiResult<web::Json<rider::Model>> {
    let r = riders::verified(&state.db, who.platform_id, who.user_id).await?;
    let today = super::local_today(&state, who.platform_id).await?;
    let txn = entity::tx::begin_write(&state.db).await?;
    let res = riders::set_duty(&txn, &r, body.on, state.clock.now(), today).await;
    Ok(web::Json(finish(txn, res).await?))
}

/// A batch of positions from the rider's phone.
#[derive(Debug, Deserialize, ToSchema)]
pub struct Locations {
    /// 1 to 100 timestamped points.
    pub points: Vec<Point>,
}

/// Reports positions: the newest plausible one becomes the rider's
/// position; while carrying jobs they form the track.
#[utoipa::path(tag = "rider", security(("bearer" = [])), request_body = Locations, responses(
    (status = 200, body = LocationReport),
    (status = 422, description = "VALIDATION_FAILED: a coordinate or time is impossible", body = ErrorBody),
))]
#[post("/rider/location")]
pub async fn location(
    state: web::Data<AppState>,
    who: Principal,
    body: ApiJson<Locations>,
) -> ApiResult<web::Json<LocationReport>> {
    let (txn, r) = begin_rider(&state, &who).await?;
    let res = riders::report_location(&txn, &r, &body.points, state.clock.now()).await;
    Ok(web::Json(finish(txn, res).await?))
}

/// Open jobs near the rider, nearest first (empty when the platform
/// dispatches automatically only).
#[utoipa::path(tag = "rider", security(("bearer" = [])), responses(
    (status = 200, body = Vec<PoolJob>),
    (status = 409, description = "NOT_ON_DUTY", body = ErrorBody),
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
async fn begin_rider(
    state: &AppState,
    who: &Principal,
) -> ApiResult<(sea_orm::DatabaseTransaction, rider::Model)> {
    let txn = entity::tx::begin_write(&state.db).await?;
    match riders::verified(&txn, who.platform_id, who.user_id).await {
        Ok(r) => Ok((txn, r)),
        Err(e) => {
            txn.rollback().await?;
            Err(e.into())
        }
    }
}

/// Grabs an open job. Of simultaneous grabs exactly one wins.
#[utoipa::path(tag = "rider", security(("bearer" = [])), responses(
    (status = 200, description = "The job, now the rider's"),
    (status = 404, description = "NOT_FOUND", body = ErrorBody),
    (status = 409, description = "JOB_TAKEN, RIDER_AT_CAPACITY, NOT_ON_DUTY, GRAB_NOT_ALLOWED", body = ErrorBody),
))]
#[post("/rider/jobs/{id}/grab")]
pub async fn grab(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<i64>,
) -> ApiResult<web::Json<delivery_job::Model>> {
    let (txn, r) = begin_rider(&state, &who).await?;
    let res = dispatch::assign(&txn, &r, *id, AssignedBy::Grab, state.clock.now()).await;
    Ok(web::Json(finish(txn, res).await?))
}

/// The rider's offers and jobs in hand.
#[derive(Debug, Serialize, ToSchema)]
pub struct MyJobs {
    /// Automatic offers waiting for an answer.
    #[schema(value_type = Vec<Object>)]
    pub offers: Vec<dispatch_offer::Model>,
    /// Jobs assigned, picked up or locked.
    #[schema(value_type = Vec<Object>)]
    pub jobs: Vec<delivery_job::Model>,
}

/// Offers to answer and jobs in hand.
#[utoipa::path(tag = "rider", security(("bearer" = [])), responses((status = 200, body = MyJobs)))]
#[get("/rider/jobs")]
pub async fn mine(state: web::Data<AppState>, who: Principal) -> ApiResult<web::Json<MyJobs>> {
    let r = riders::verified(&state.db, who.platform_id, who.user_id).await?;
    Ok(web::Json(MyJobs {
        offers: dispatch::offers_to(&state.db, &r, state.clock.now()).await?,
        jobs: tracking::active_jobs(&state.db, &r).await?,
    }))
}

/// Accepts an automatic offer.
#[utoipa::path(tag = "rider", security(("bearer" = [])), responses(
    (status = 200, description = "The job, now the rider's"),
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
#[utoipa::path(tag = "rider", security(("bearer" = [])), responses(
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
#[utoipa::path(tag = "rider", security(("bearer" = [])), request_body = Here, responses(
    (status = 200, description = "The job, picked up"),
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
#[utoipa::path(tag = "rider", security(("bearer" = [])), request_body = Code, responses(
    (status = 200, description = "Delivered"),
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
#[utoipa::path(tag = "rider", security(("bearer" = [])), responses(
    (status = 200, description = "The job, open again"),
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

/// `GET /rider/earnings` range.
#[derive(Debug, Deserialize, IntoParams)]
pub struct EarningsQuery {
    /// First local date (default: 30 days ago).
    pub from: Option<NaiveDate>,
    /// Last local date (default: today).
    pub to: Option<NaiveDate>,
}

/// Earnings by day and by job.
#[derive(Debug, Serialize, ToSchema)]
pub struct Earnings {
    /// Sum over the range.
    pub total_fen: i64,
    /// Per local day.
    pub days: Vec<EarningsDay>,
    /// Per delivered job.
    pub jobs: Vec<EarningsJob>,
}

/// The rider's earnings (at most a year per request).
#[utoipa::path(tag = "rider", security(("bearer" = [])), params(EarningsQuery), responses(
    (status = 200, body = Earnings),
    (status = 422, description = "VALIDATION_FAILED: range", body = ErrorBody),
))]
#[get("/rider/earnings")]
pub async fn earnings(
    state: web::Data<AppState>,
    who: Principal,
    q: web::Query<EarningsQuery>,
) -> ApiResult<web::Json<Earnings>> {
    let r = riders::of_user(&state.db, who.platform_id, who.user_id).await?;
    let offset = platforms::platform_of(&state.db, who.platform_id)
        .await?
        .utc_offset_minutes;
    let to = match q.to {
        Some(to) => to,
        None => super::today_at(&state, offset),
    };
    let from = q.from.unwrap_or(to - chrono::Duration::days(30));
    if from > to || (to - from).num_days() > 366 {
        return Err(ApiError::field("from", "from ≤ to, at most a year apart"));
    }
    let (days, jobs) =
        entity::to_door_line::city::earnings::earnings(&state.db, &r, offset, from, to).await?;
    Ok(web::Json(Earnings {
        total_fen: days.iter().map(|d| d.fee_fen).sum(),
        days,
        jobs,
    }))
}
