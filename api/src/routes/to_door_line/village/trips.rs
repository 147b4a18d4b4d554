//! Village trips: the driver's and the operators' trips of a day, arrival at
//! stops, the kitchen's and the keeper's handovers, labels, departure,
//! temperatures, completion, and the resident's collection.

use actix_web::{get, post, web};
use chrono::{DateTime, NaiveDate, Utc};
use entity::to_door_line::village::trips::Collected;
use entity::trip_stop::StopKind;
use entity::{Role, driver, trip, trip_package, trip_stop};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::auth::Principal;
use crate::error::{ApiError, ApiResult, ErrorBody, ErrorCode};
use crate::extract::ApiJson;
use crate::state::AppState;

/// `?date=` of a trips list.
#[derive(Debug, Deserialize, IntoParams)]
pub struct DayQuery {
    /// Local date (default: today).
    pub date: Option<NaiveDate>,
}

/// A trip with its manifest.
#[derive(Debug, Serialize, ToSchema)]
pub struct TripView {
    /// The trip.
    pub trip: trip::Model,
    /// Stops in visiting order with arrival estimates.
    pub stops: Vec<trip_stop::Model>,
    /// Packages: order, pickup and drop stop, status.
    pub packages: Vec<trip_package::Model>,
}

pub(crate) async fn trips_of_day(
    state: &AppState,
    platform_id: i64,
    carrier_id: Option<i64>,
    date: Option<NaiveDate>,
) -> ApiResult<Vec<TripView>> {
    let p = entity::platform_end::platforms::platform_of(&state.db, platform_id).await?;
    let day = date.unwrap_or_else(|| crate::routes::today_at(state, p.utc_offset_minutes));
    let (start, end): (DateTime<Utc>, DateTime<Utc>) =
        entity::calendar::day_bounds(day, p.utc_offset_minutes);
    let mut q = trip::Entity::find()
        .filter(trip::Column::PlatformId.eq(platform_id))
        .filter(trip::Column::DepartsAt.gte(start))
        .filter(trip::Column::DepartsAt.lt(end));
    if let Some(c) = carrier_id {
        q = q.filter(trip::Column::CarrierId.eq(c));
    }
    let trips = q
        .order_by_asc(trip::Column::DepartsAt)
        .order_by_asc(trip::Column::Seq)
        .all(&state.db)
        .await?;
    let ids: Vec<i64> = trips.iter().map(|t| t.id).collect();
    let mut stops = trip_stop::Entity::find()
        .filter(trip_stop::Column::TripId.is_in(ids.clone()))
        .order_by_asc(trip_stop::Column::Seq)
        .all(&state.db)
        .await?;
    let mut packages = trip_package::Entity::find()
        .filter(trip_package::Column::TripId.is_in(ids))
        .order_by_asc(trip_package::Column::Id)
        .all(&state.db)
        .await?;
    Ok(trips
        .into_iter()
        .map(|t| {
            let (mine, rest): (Vec<_>, Vec<_>) = std::mem::take(&mut stops)
                .into_iter()
                .partition(|s| s.trip_id == t.id);
            stops = rest;
            let (pk, rest): (Vec<_>, Vec<_>) = std::mem::take(&mut packages)
                .into_iter()
                .partition(|p| p.trip_id == t.id);
            packages = rest;
            TripView {
                trip: t,
                stops: mine,
                packages: pk,
            }
        })
        .collect())
}

/// The driver's carrier's trips of a day, with manifests.
#[utoipa::path(tag = "driver", security(("bearer" = ["driver"])), params(DayQuery), responses(
    (status = 200, body = Vec<TripView>),
    (status = 403, description = "FORBIDDEN: not a driver", body = ErrorBody),
))]
#[get("/driver/trips")]
pub async fn driver_trips(
    state: web::Data<AppState>,
    who: Principal,
    q: web::Query<DayQuery>,
) -> ApiResult<web::Json<Vec<TripView>>> {
    who.require(Role::Driver)?;
    let d = driver::Entity::find()
        .filter(driver::Column::PlatformId.eq(who.platform_id))
        .filter(driver::Column::UserId.eq(who.user_id))
        .one(&state.db)
        .await?
        .ok_or_else(|| ApiError::not_found("driver"))?;
    Ok(web::Json(
        trips_of_day(&state, who.platform_id, Some(d.carrier_id), q.date).await?,
    ))
}

/// Every trip of a day (operators).
#[utoipa::path(tag = "admin", security(("bearer" = ["operator"])), params(DayQuery), responses(
    (status = 200, body = Vec<TripView>),
    (status = 403, description = "FORBIDDEN", body = ErrorBody),
))]
#[get("/admin/trips")]
pub async fn admin_trips(
    state: web::Data<AppState>,
    who: Principal,
    q: web::Query<DayQuery>,
) -> ApiResult<web::Json<Vec<TripView>>> {
    who.require(Role::Operator)?;
    Ok(web::Json(
        trips_of_day(&state, who.platform_id, None, q.date).await?,
    ))
}

pub(crate) async fn drivers_trip(
    state: &AppState,
    who: &Principal,
    id: i64,
) -> ApiResult<trip::Model> {
    who.require(Role::Driver)?;
    let d = driver::Entity::find()
        .filter(driver::Column::PlatformId.eq(who.platform_id))
        .filter(driver::Column::UserId.eq(who.user_id))
        .one(&state.db)
        .await?
        .ok_or_else(|| ApiError::not_found("driver"))?;
    trip::Entity::find_by_id(id)
        .one(&state.db)
        .await?
        .filter(|t| t.platform_id == who.platform_id && t.carrier_id == d.carrier_id)
        .ok_or_else(|| ApiError::not_found("trip"))
}

/// Where the van is.
#[derive(Debug, Deserialize, ToSchema)]
pub struct Position {
    /// Latitude.
    pub lat: f64,
    /// Longitude.
    pub lng: f64,
}

/// The driver arrives at a stop (within 300 m of it).
#[utoipa::path(tag = "driver", security(("bearer" = ["driver"])), request_body = Position, responses(
    (status = 200, body = trip_stop::Model, description = "The stop"),
    (status = 404, description = "NOT_FOUND (also another carrier's trip)", body = ErrorBody),
    (status = 422, description = "OUTSIDE_PICKUP_GEOFENCE: too far from the stop", body = ErrorBody),
))]
#[post("/driver/trips/{id}/stops/{seq}/arrive")]
pub async fn arrive(
    state: web::Data<AppState>,
    who: Principal,
    path: web::Path<(i64, i32)>,
    body: ApiJson<Position>,
) -> ApiResult<web::Json<trip_stop::Model>> {
    let (id, seq) = path.into_inner();
    let t = drivers_trip(&state, &who, id).await?;
    let txn = entity::tx::begin_write(&state.writer).await?;
    let res = entity::to_door_line::village::trips::arrive(
        &txn,
        &t,
        seq,
        (body.lat, body.lng),
        state.clock.now(),
    )
    .await;
    Ok(web::Json(crate::routes::finish(txn, res).await?))
}

/// An order the driver leaves in town.
#[derive(Debug, Deserialize, ToSchema)]
pub struct LeftBehind {
    /// The order.
    pub order_id: i64,
    /// Why (e.g. "not ready at 09:25").
    pub reason: String,
}

/// What the driver reports when leaving town.
#[derive(Debug, Deserialize, ToSchema)]
pub struct Depart {
    /// Packages not loaded, each with a reason; they ride the next departure.
    #[serde(default)]
    pub left_behind: Vec<LeftBehind>,
}

/// The driver leaves town: every package loaded, or left behind with a reason.
#[utoipa::path(tag = "driver", security(("bearer" = ["driver"])), request_body = Depart, responses(
    (status = 200, body = trip::Model, description = "The trip, departed"),
    (status = 409, description = "INVALID_TRIP_STATE", body = ErrorBody),
    (status = 422, description = "VALIDATION_FAILED: packages unaccounted for", body = ErrorBody),
))]
#[post("/driver/trips/{id}/depart")]
pub async fn depart(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<i64>,
    body: ApiJson<Depart>,
) -> ApiResult<web::Json<trip::Model>> {
    let t = drivers_trip(&state, &who, *id).await?;
    let left: Vec<(i64, String)> = body
        .left_behind
        .iter()
        .map(|l| (l.order_id, l.reason.clone()))
        .collect();
    let txn = entity::tx::begin_write(&state.writer).await?;
    let res =
        entity::to_door_line::village::trips::depart(&txn, &t, &left, state.clock.now()).await;
    Ok(web::Json(crate::routes::finish(txn, res).await?))
}

/// The driver closes the trip after the last handover.
#[utoipa::path(tag = "driver", security(("bearer" = ["driver"])), responses(
    (status = 200, body = trip::Model, description = "The trip, completed"),
    (status = 409, description = "INVALID_TRIP_STATE: packages on board", body = ErrorBody),
))]
#[post("/driver/trips/{id}/complete")]
pub async fn complete(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<i64>,
) -> ApiResult<web::Json<trip::Model>> {
    let t = drivers_trip(&state, &who, *id).await?;
    let txn = entity::tx::begin_write(&state.writer).await?;
    let res = entity::to_door_line::village::trips::complete(&txn, &t, state.clock.now()).await;
    Ok(web::Json(crate::routes::finish(txn, res).await?))
}

pub(crate) async fn platform_trip(
    state: &AppState,
    who: &Principal,
    id: i64,
) -> ApiResult<trip::Model> {
    Ok(entity::scope::on_platform::<trip::Entity>(&state.db, who.platform_id, id, "trip").await?)
}

/// How many packages a handover moved.
#[derive(Debug, Serialize, ToSchema)]
pub struct Handover {
    /// Packages handed over.
    pub packages: usize,
}

/// The kitchen hands its ready packages to the van at its pickup stop.
#[utoipa::path(tag = "merchant", security(("bearer" = ["merchant_staff"])), responses(
    (status = 200, body = Handover),
    (status = 404, description = "NOT_FOUND: not this store's stop", body = ErrorBody),
    (status = 409, description = "INVALID_TRIP_STATE: the van has not arrived", body = ErrorBody),
))]
#[post("/merchant/trips/{id}/stops/{seq}/handover")]
pub async fn merchant_handover(
    state: web::Data<AppState>,
    who: Principal,
    path: web::Path<(i64, i32)>,
) -> ApiResult<web::Json<Handover>> {
    let (id, seq) = path.into_inner();
    let s = crate::routes::supply_end::store::my_store(&state.db, &who).await?;
    let t = platform_trip(&state, &who, id).await?;
    let txn = entity::tx::begin_write(&state.writer).await?;
    let res = entity::to_door_line::village::trips::pickup_handover(
        &txn,
        &t,
        seq,
        s.id,
        state.clock.now(),
    )
    .await;
    Ok(web::Json(Handover {
        packages: crate::routes::finish(txn, res).await?,
    }))
}

/// A package label for the kitchen to print.
#[derive(Debug, Serialize, ToSchema)]
pub struct Label {
    /// Order id.
    pub order_id: i64,
    /// The agent point it goes to.
    pub agent_point_id: i64,
    /// The code the keeper confirms on arrival.
    pub handover_code: String,
}

/// Labels of the store's packages on a trip.
#[utoipa::path(tag = "merchant", security(("bearer" = ["merchant_staff"])), responses((status = 200, body = Vec<Label>)))]
#[get("/merchant/trips/{id}/labels")]
pub async fn labels(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<i64>,
) -> ApiResult<web::Json<Vec<Label>>> {
    let s = crate::routes::supply_end::store::my_store(&state.db, &who).await?;
    let t = platform_trip(&state, &who, *id).await?;
    let stops = trip_stop::Entity::find()
        .filter(trip_stop::Column::TripId.eq(t.id))
        .all(&state.db)
        .await?;
    let pickup: Vec<i32> = stops
        .iter()
        .filter(|x| x.kind == StopKind::Pickup && x.place_id == s.id)
        .map(|x| x.seq)
        .collect();
    let point_of = |seq: i32| {
        stops
            .iter()
            .find(|x| x.seq == seq)
            .map_or(0, |x| x.place_id)
    };
    Ok(web::Json(
        trip_package::Entity::find()
            .filter(trip_package::Column::TripId.eq(t.id))
            .all(&state.db)
            .await?
            .into_iter()
            .filter(|p| pickup.contains(&p.pickup_seq))
            .map(|p| Label {
                order_id: p.order_id,
                agent_point_id: point_of(p.drop_seq),
                handover_code: p.handover_code,
            })
            .collect(),
    ))
}

/// The codes on the labels of the packages the keeper takes.
#[derive(Debug, Deserialize, ToSchema)]
pub struct Codes {
    /// Handover codes read from the labels.
    pub codes: Vec<String>,
}

/// The agent point keeper takes the packages of a drop stop.
#[utoipa::path(tag = "keeper", security(("bearer" = ["agent_keeper"])), request_body = Codes, responses(
    (status = 200, body = Handover),
    (status = 404, description = "NOT_FOUND: not this keeper's stop", body = ErrorBody),
    (status = 422, description = "VALIDATION_FAILED: no package has these codes", body = ErrorBody),
))]
#[post("/keeper/trips/{id}/stops/{seq}/handover")]
pub async fn keeper_handover(
    state: web::Data<AppState>,
    who: Principal,
    path: web::Path<(i64, i32)>,
    body: ApiJson<Codes>,
) -> ApiResult<web::Json<Handover>> {
    who.require(Role::AgentKeeper)?;
    let (id, seq) = path.into_inner();
    let point =
        entity::to_door_line::village::trips::keeper_point(&state.db, who.platform_id, who.user_id)
            .await?;
    let t = platform_trip(&state, &who, id).await?;
    let txn = entity::tx::begin_write(&state.writer).await?;
    let res = entity::to_door_line::village::trips::drop_handover(
        &txn,
        &t,
        seq,
        point,
        &body.codes,
        state.clock.now(),
    )
    .await;
    Ok(web::Json(Handover {
        packages: crate::routes::finish(txn, res).await?,
    }))
}

/// The resident's pickup code.
#[derive(Debug, Deserialize, ToSchema)]
pub struct PickupCode {
    /// As shown in the resident's order.
    pub code: String,
}

/// The keeper hands an order to its resident, who shows the pickup code.
/// Three wrong codes lock the package until an operator lifts the lock.
/// The keeper's day at the point: vans still to drop packages (the trip
/// and stop to hand over at), packages waiting for their residents, and
/// those collected today.
#[utoipa::path(tag = "keeper", security(("bearer" = ["agent_keeper"])), responses(
    (status = 200, body = entity::to_door_line::village::keeper::KeeperDay),
    (status = 403, description = "FORBIDDEN: not a keeper", body = ErrorBody),
    (status = 404, description = "NOT_FOUND: keeps no agent point", body = ErrorBody),
))]
#[get("/keeper/packages")]
pub async fn keeper_packages(
    state: web::Data<AppState>,
    who: Principal,
) -> ApiResult<web::Json<entity::to_door_line::village::keeper::KeeperDay>> {
    who.require(Role::AgentKeeper)?;
    let point =
        entity::to_door_line::village::trips::keeper_point(&state.db, who.platform_id, who.user_id)
            .await?;
    let p = entity::platform_end::platforms::platform_of(&state.db, who.platform_id).await?;
    let now = state.clock.now();
    let (day_start, _) = entity::calendar::day_bounds(
        crate::routes::today_at(&state, p.utc_offset_minutes),
        p.utc_offset_minutes,
    );
    Ok(web::Json(
        entity::to_door_line::village::keeper::day(
            &state.db,
            who.platform_id,
            point,
            day_start,
            now,
        )
        .await?,
    ))
}

#[utoipa::path(tag = "keeper", security(("bearer" = ["agent_keeper"])), request_body = PickupCode, responses(
    (status = 200, body = entity::order::Model, description = "The order, delivered"),
    (status = 404, description = "NOT_FOUND: not at this agent point", body = ErrorBody),
    (status = 422, description = "DELIVERY_CODE_WRONG: the message says how many tries are left", body = ErrorBody),
    (status = 423, description = "PICKUP_LOCKED", body = ErrorBody),
))]
#[post("/keeper/orders/{id}/collect")]
pub async fn collect(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<i64>,
    body: ApiJson<PickupCode>,
) -> ApiResult<web::Json<entity::order::Model>> {
    who.require(Role::AgentKeeper)?;
    let point =
        entity::to_door_line::village::trips::keeper_point(&state.db, who.platform_id, who.user_id)
            .await?;
    let txn = entity::tx::begin_write(&state.writer).await?;
    let res = entity::to_door_line::village::trips::collect(
        &txn,
        point,
        *id,
        &body.code,
        who.user_id,
        state.clock.now(),
    )
    .await;
    // A wrong code is committed (the count must survive), then refused.
    match crate::routes::finish(txn, res).await? {
        Collected::Done(o) => Ok(web::Json(*o)),
        Collected::WrongCode(left) => Err(ApiError::new(
            ErrorCode::DELIVERY_CODE_WRONG,
            format!("wrong pickup code; {left} tries left"),
        )),
        Collected::Locked => Err(ApiError::new(
            ErrorCode::PICKUP_LOCKED,
            "three wrong pickup codes: the package waits for an operator",
        )),
    }
}

/// An operator lifts the lock of a package after three wrong pickup codes,
/// having checked with the resident; the keeper may try again.
#[utoipa::path(tag = "admin", security(("bearer" = ["operator"])), responses(
    (status = 200, body = entity::trip_package::Model, description = "The package, unlocked"),
    (status = 403, description = "FORBIDDEN", body = ErrorBody),
    (status = 404, description = "NOT_FOUND: no package of this order at an agent point", body = ErrorBody),
    (status = 409, description = "INVALID_JOB_STATE: not locked", body = ErrorBody),
))]
#[post("/admin/village/packages/{order_id}/unlock")]
pub async fn unlock_pickup(
    state: web::Data<AppState>,
    who: Principal,
    order_id: web::Path<i64>,
) -> ApiResult<web::Json<entity::trip_package::Model>> {
    who.require(Role::Operator)?;
    let txn = entity::tx::begin_write(&state.writer).await?;
    let res = entity::to_door_line::village::trips::unlock_pickup(
        &txn,
        who.platform_id,
        *order_id,
        state.clock.now(),
    )
    .await;
    Ok(web::Json(crate::routes::finish(txn, res).await?))
}

/// Readings from the van's gateway.
#[derive(Debug, Deserialize, ToSchema)]
pub struct Temperatures {
    /// 1 to 1,000 readings, in any order; resent ones are ignored.
    pub readings: Vec<entity::to_door_line::village::trips::GatewayReading>,
}

/// Stores the cold compartments' readings; readings outside the class band
/// become alerts for the operator and the driver.
#[utoipa::path(tag = "driver", security(("bearer" = ["driver"])), request_body = Temperatures, responses(
    (status = 200, body = entity::to_door_line::village::trips::TemperatureReport),
    (status = 404, description = "NOT_FOUND (also another carrier's trip)", body = ErrorBody),
    (status = 422, description = "VALIDATION_FAILED: impossible value, future time or unknown sensor", body = ErrorBody),
))]
#[post("/driver/trips/{id}/temperatures")]
pub async fn temperatures(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<i64>,
    body: ApiJson<Temperatures>,
) -> ApiResult<web::Json<entity::to_door_line::village::trips::TemperatureReport>> {
    let t = drivers_trip(&state, &who, *id).await?;
    let txn = entity::tx::begin_write(&state.writer).await?;
    let res = entity::to_door_line::village::trips::record_temperatures(
        &txn,
        &t,
        &body.readings,
        state.clock.now(),
    )
    .await;
    Ok(web::Json(crate::routes::finish(txn, res).await?))
}
