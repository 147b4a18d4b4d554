//! Riders: registration, their own record, duty and location reports.

use actix_web::{HttpResponse, get, post, web};
use entity::delivery_end::riders;
use entity::delivery_end::riders::{LocationReport, Point, Registration};
use entity::rider;
use serde::Deserialize;
use utoipa::ToSchema;

use crate::auth::Principal;
use crate::error::{ApiResult, ErrorBody};
use crate::extract::ApiJson;
use crate::routes::finish;
use crate::routes::to_door_line::city::jobs::begin_rider;
use crate::state::AppState;

/// Registers the caller as a rider (pending operator review). After a
/// rejection the same call submits again.
#[utoipa::path(tag = "rider", security(("bearer" = [])), request_body = Registration, responses(
    (status = 201, body = entity::rider::Model, description = "Pending review"),
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
    let today = crate::routes::local_today(&state, who.platform_id).await?;
    let txn = entity::tx::begin_write(&state.writer).await?;
    let now = state.clock.now();
    let res = riders::register(&txn, who.platform_id, who.user_id, &body, &hash, now, today).await;
    Ok(HttpResponse::Created().json(finish(txn, res).await?))
}

/// The caller's rider record (status, duty, load, position).
#[utoipa::path(tag = "rider", security(("bearer" = [])), responses(
    (status = 200, body = rider::Model, description = "The rider record"),
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
#[utoipa::path(tag = "rider", security(("bearer" = ["rider"])), request_body = Duty, responses(
    (status = 200, body = rider::Model, description = "The rider record"),
    (status = 403, description = "RIDER_NOT_VERIFIED", body = ErrorBody),
    (status = 409, description = "HEALTH_CERT_EXPIRED", body = ErrorBody),
    (status = 404, description = "NOT_FOUND: the caller has not registered as a rider", body = ErrorBody),
))]
#[post("/rider/duty")]
pub async fn duty(
    state: web::Data<AppState>,
    who: Principal,
    body: ApiJson<Duty>,
) -> ApiResult<web::Json<rider::Model>> {
    let r = riders::verified(&state.db, who.platform_id, who.user_id).await?;
    let today = crate::routes::local_today(&state, who.platform_id).await?;
    let txn = entity::tx::begin_write(&state.writer).await?;
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
#[utoipa::path(tag = "rider", security(("bearer" = ["rider"])), request_body = Locations, responses(
    (status = 200, body = LocationReport),
    (status = 422, description = "VALIDATION_FAILED: a coordinate or time is impossible", body = ErrorBody),
    (status = 404, description = "NOT_FOUND: the caller has not registered as a rider", body = ErrorBody),
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
