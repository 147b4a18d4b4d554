//! The fleet registry: carriers, vehicles with their cold-chain sensors,
//! drivers, and agent-point keepers. The rules are in
//! [`entity::delivery_end::fleet`]; these handlers authorize and answer.

use actix_web::{HttpResponse, get, post, put, web};
use entity::Role;
use entity::delivery_end::fleet::{
    self, CarrierReceiver, NewCarrier, NewDriver, NewKeeper, NewVehicle,
};
use entity::{carrier, vehicle};

use crate::auth::Principal;
use crate::error::{ApiResult, ErrorBody};
use crate::extract::ApiJson;
use crate::routes::finish;
use crate::state::AppState;

/// Registers a carrier.
#[utoipa::path(tag = "admin", security(("bearer" = ["operator"])), request_body = NewCarrier, responses(
    (status = 201, body = entity::carrier::Model, description = "The carrier"),
    (status = 409, description = "CONFLICT: the name is taken", body = ErrorBody),
))]
#[post("/admin/carriers")]
pub async fn add_carrier(
    state: web::Data<AppState>,
    who: Principal,
    body: ApiJson<NewCarrier>,
) -> ApiResult<HttpResponse> {
    who.require(Role::Operator)?;
    let c = fleet::add_carrier(&state.db, who.platform_id, &body, state.clock.now()).await?;
    Ok(HttpResponse::Created().json(c))
}

/// The platform's carriers.
#[utoipa::path(tag = "admin", security(("bearer" = ["operator"])), responses((status = 200, body = Vec<carrier::Model>, description = "Carriers")))]
#[get("/admin/carriers")]
pub async fn carriers(
    state: web::Data<AppState>,
    who: Principal,
) -> ApiResult<web::Json<Vec<carrier::Model>>> {
    who.require(Role::Operator)?;
    Ok(web::Json(
        fleet::carriers(&state.db, who.platform_id).await?,
    ))
}

/// A carrier's receiving merchant; both `null` clears it.
#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
pub struct CarrierReceiverBody {
    /// Its WeChat Pay merchant number.
    pub mchid: Option<String>,
    /// Its registered name, as WeChat Pay knows it.
    pub name: Option<String>,
}

/// Sets (or clears) the WeChat Pay merchant a carrier receives its share
/// of partner-mode payments under; without one the platform receives it
/// and pays the carrier by transfer. Recorded with who changed it.
#[utoipa::path(tag = "admin", security(("bearer" = ["operator"])), params(("id" = i64, Path)),
    request_body = CarrierReceiverBody, responses(
    (status = 200, body = entity::carrier::Model, description = "The carrier"),
    (status = 404, description = "NOT_FOUND: no such carrier on this platform", body = ErrorBody),
    (status = 422, description = "VALIDATION_FAILED: mchid or name", body = ErrorBody),
))]
#[put("/admin/carriers/{id}/receiver")]
pub async fn set_carrier_receiver(
    state: web::Data<AppState>,
    who: Principal,
    path: web::Path<i64>,
    body: ApiJson<CarrierReceiverBody>,
) -> ApiResult<web::Json<carrier::Model>> {
    who.require(Role::Operator)?;
    let receiver = match (&body.mchid, &body.name) {
        (None, None) => None,
        (mchid, name) => Some(CarrierReceiver {
            mchid: mchid.clone().unwrap_or_default(),
            name: name.clone().unwrap_or_default(),
        }),
    };
    let txn = entity::tx::begin_write(&state.writer).await?;
    let res = fleet::set_carrier_receiver(
        &txn,
        who.platform_id,
        *path,
        receiver.as_ref(),
        who.user_id,
        state.clock.now(),
    )
    .await;
    Ok(web::Json(finish(txn, res).await?))
}

/// Registers a van of a carrier.
#[utoipa::path(tag = "admin", security(("bearer" = ["operator"])), request_body = NewVehicle, responses(
    (status = 201, body = entity::vehicle::Model, description = "The vehicle"),
    (status = 409, description = "CONFLICT: the plate is registered", body = ErrorBody),
    (status = 422, description = "VALIDATION_FAILED", body = ErrorBody),
    (status = 404, description = "NOT_FOUND: no such carrier on this platform", body = ErrorBody),
))]
#[post("/admin/vehicles")]
pub async fn add_vehicle(
    state: web::Data<AppState>,
    who: Principal,
    body: ApiJson<NewVehicle>,
) -> ApiResult<HttpResponse> {
    who.require(Role::Operator)?;
    let v = fleet::add_vehicle(&state.db, who.platform_id, &body, state.clock.now()).await?;
    Ok(HttpResponse::Created().json(v))
}

/// The platform's vans.
#[utoipa::path(tag = "admin", security(("bearer" = ["operator"])), responses((status = 200, body = Vec<vehicle::Model>, description = "Vehicles")))]
#[get("/admin/vehicles")]
pub async fn vehicles(
    state: web::Data<AppState>,
    who: Principal,
) -> ApiResult<web::Json<Vec<vehicle::Model>>> {
    who.require(Role::Operator)?;
    Ok(web::Json(
        fleet::vehicles(&state.db, who.platform_id).await?,
    ))
}

/// Makes a user a driver of a carrier (grants the `driver` role).
#[utoipa::path(tag = "admin", security(("bearer" = ["operator"])), request_body = NewDriver, responses(
    (status = 201, body = entity::driver::Model, description = "The driver"),
    (status = 404, description = "NOT_FOUND: carrier or user", body = ErrorBody),
    (status = 409, description = "CONFLICT: already a driver", body = ErrorBody),
))]
#[post("/admin/drivers")]
pub async fn add_driver(
    state: web::Data<AppState>,
    who: Principal,
    body: ApiJson<NewDriver>,
) -> ApiResult<HttpResponse> {
    who.require(Role::Operator)?;
    let txn = entity::tx::begin_write(&state.writer).await?;
    let res = fleet::add_driver(&txn, who.platform_id, &body, state.clock.now()).await;
    Ok(HttpResponse::Created().json(finish(txn, res).await?))
}

/// Makes a user the keeper of an agent point (grants `agent_keeper`).
#[utoipa::path(tag = "admin", security(("bearer" = ["operator"])), request_body = NewKeeper, responses(
    (status = 201, body = entity::agent_keeper::Model, description = "The keeper"),
    (status = 404, description = "NOT_FOUND", body = ErrorBody),
    (status = 409, description = "CONFLICT: keeps a point already", body = ErrorBody),
))]
#[post("/admin/agent-points/{id}/keepers")]
pub async fn add_keeper(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<i64>,
    body: ApiJson<NewKeeper>,
) -> ApiResult<HttpResponse> {
    who.require(Role::Operator)?;
    let txn = entity::tx::begin_write(&state.writer).await?;
    let res = fleet::add_keeper(&txn, who.platform_id, *id, &body, state.clock.now()).await;
    Ok(HttpResponse::Created().json(finish(txn, res).await?))
}
