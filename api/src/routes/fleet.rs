//! The village fleet: operators register carriers, their vans and drivers;
//! drivers see their carrier's trips with manifests; operators see every
//! trip of a day.

use actix_web::{HttpRequest, HttpResponse, get, post, web};
use chrono::{DateTime, NaiveDate, Utc};
use entity::{Role, carrier, driver, trip, trip_package, trip_stop, user, vehicle};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::auth::Principal;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::ApiJson;
use crate::state::AppState;

/// A new carrier.
#[derive(Debug, Deserialize, ToSchema)]
pub struct NewCarrier {
    /// e.g. 康县邮政速递.
    pub name: String,
    /// Dispatcher's phone.
    pub contact_phone: String,
}

/// Registers a carrier.
#[utoipa::path(tag = "admin", security(("bearer" = [])), request_body = NewCarrier, responses(
    (status = 201, description = "The carrier"),
    (status = 409, description = "CONFLICT: the name is taken", body = ErrorBody),
))]
#[post("/admin/carriers")]
pub async fn add_carrier(
    state: web::Data<AppState>,
    who: Principal,
    body: ApiJson<NewCarrier>,
) -> ApiResult<HttpResponse> {
    who.require(Role::Operator)?;
    let name = super::required_text("name", &body.name, 64)?;
    let phone = entity::validate::phone("contact_phone", &body.contact_phone)?;
    let taken = carrier::Entity::find()
        .filter(carrier::Column::PlatformId.eq(who.platform_id))
        .filter(carrier::Column::Name.eq(name.as_str()))
        .one(&state.db)
        .await?;
    if taken.is_some() {
        return Err(ApiError::new(
            crate::error::ErrorCode::CONFLICT,
            "a carrier has this name",
        ));
    }
    let c = carrier::ActiveModel {
        platform_id: Set(who.platform_id),
        name: Set(name),
        contact_phone: Set(phone),
        created_at: Set(state.clock.now()),
        ..Default::default()
    }
    .insert(&state.db)
    .await?;
    Ok(HttpResponse::Created().json(c))
}

/// The platform's carriers.
#[utoipa::path(tag = "admin", security(("bearer" = [])), responses((status = 200, description = "Carriers")))]
#[get("/admin/carriers")]
pub async fn carriers(
    state: web::Data<AppState>,
    who: Principal,
) -> ApiResult<web::Json<Vec<carrier::Model>>> {
    who.require(Role::Operator)?;
    Ok(web::Json(
        carrier::Entity::find()
            .filter(carrier::Column::PlatformId.eq(who.platform_id))
            .order_by_asc(carrier::Column::Id)
            .all(&state.db)
            .await?,
    ))
}

async fn my_carrier(state: &AppState, who: &Principal, id: i64) -> ApiResult<carrier::Model> {
    carrier::Entity::find_by_id(id)
        .one(&state.db)
        .await?
        .filter(|c| c.platform_id == who.platform_id)
        .ok_or_else(|| ApiError::not_found("carrier"))
}

/// A new van.
#[derive(Debug, Deserialize, ToSchema)]
pub struct NewVehicle {
    /// Its carrier.
    pub carrier_id: i64,
    /// Licence plate, e.g. 甘K·A1234.
    pub plate: String,
    /// Ambient load, grams (1 kg to 10 t).
    pub capacity_g: i64,
    /// Ambient volume, millilitres.
    pub capacity_ml: i64,
    /// Chilled compartment, millilitres (0 = none).
    #[serde(default)]
    pub chilled_ml: i64,
    /// Frozen compartment, millilitres (0 = none).
    #[serde(default)]
    pub frozen_ml: i64,
    /// The temperature sensor of each cold compartment.
    #[serde(default)]
    pub sensors: Sensors,
}

/// Sensor ids by compartment.
#[derive(Debug, Default, Serialize, Deserialize, ToSchema)]
pub struct Sensors {
    /// The chilled compartment's sensor.
    pub chilled: Option<String>,
    /// The frozen compartment's sensor.
    pub frozen: Option<String>,
}

/// Registers a van of a carrier.
#[utoipa::path(tag = "admin", security(("bearer" = [])), request_body = NewVehicle, responses(
    (status = 201, description = "The vehicle"),
    (status = 409, description = "CONFLICT: the plate is registered", body = ErrorBody),
    (status = 422, description = "VALIDATION_FAILED", body = ErrorBody),
))]
#[post("/admin/vehicles")]
pub async fn add_vehicle(
    state: web::Data<AppState>,
    who: Principal,
    body: ApiJson<NewVehicle>,
) -> ApiResult<HttpResponse> {
    who.require(Role::Operator)?;
    let c = my_carrier(&state, &who, body.carrier_id).await?;
    let plate = super::required_text("plate", &body.plate, 16)?;
    if !(1_000..=10_000_000).contains(&body.capacity_g) {
        return Err(ApiError::field("capacity_g", "1 kg to 10 t"));
    }
    for (field, v) in [
        ("capacity_ml", body.capacity_ml),
        ("chilled_ml", body.chilled_ml),
        ("frozen_ml", body.frozen_ml),
    ] {
        if !(0..=50_000_000).contains(&v) {
            return Err(ApiError::field(field, "0 to 50,000 litres"));
        }
    }
    for (field, ml, sensor) in [
        ("sensors.chilled", body.chilled_ml, &body.sensors.chilled),
        ("sensors.frozen", body.frozen_ml, &body.sensors.frozen),
    ] {
        if ml > 0
            && sensor
                .as_deref()
                .is_none_or(|s| s.trim().is_empty() || s.len() > 64)
        {
            return Err(ApiError::field(
                field,
                "a cold compartment needs its temperature sensor id",
            ));
        }
    }
    let taken = vehicle::Entity::find()
        .filter(vehicle::Column::PlatformId.eq(who.platform_id))
        .filter(vehicle::Column::Plate.eq(plate.as_str()))
        .one(&state.db)
        .await?;
    if taken.is_some() {
        return Err(ApiError::new(
            crate::error::ErrorCode::CONFLICT,
            "this plate is registered",
        ));
    }
    let v = vehicle::ActiveModel {
        platform_id: Set(who.platform_id),
        carrier_id: Set(c.id),
        plate: Set(plate),
        capacity_g: Set(body.capacity_g),
        capacity_ml: Set(body.capacity_ml),
        chilled_ml: Set(body.chilled_ml),
        frozen_ml: Set(body.frozen_ml),
        sensor_ids: Set(serde_json::to_string(&body.sensors).map_err(ApiError::internal)?),
        active: Set(true),
        created_at: Set(state.clock.now()),
        ..Default::default()
    }
    .insert(&state.db)
    .await?;
    Ok(HttpResponse::Created().json(v))
}

/// The platform's vans.
#[utoipa::path(tag = "admin", security(("bearer" = [])), responses((status = 200, description = "Vehicles")))]
#[get("/admin/vehicles")]
pub async fn vehicles(
    state: web::Data<AppState>,
    who: Principal,
) -> ApiResult<web::Json<Vec<vehicle::Model>>> {
    who.require(Role::Operator)?;
    Ok(web::Json(
        vehicle::Entity::find()
            .filter(vehicle::Column::PlatformId.eq(who.platform_id))
            .order_by_asc(vehicle::Column::Id)
            .all(&state.db)
            .await?,
    ))
}

/// A user who drives for a carrier.
#[derive(Debug, Deserialize, ToSchema)]
pub struct NewDriver {
    /// The carrier.
    pub carrier_id: i64,
    /// A signed-in user of the platform.
    pub user_id: i64,
    /// Name.
    pub name: String,
    /// Phone.
    pub phone: String,
    /// Manages the carrier's account: statements and payouts.
    #[serde(default)]
    pub manager: bool,
}

/// Makes a user a driver of a carrier (grants the `driver` role).
#[utoipa::path(tag = "admin", security(("bearer" = [])), request_body = NewDriver, responses(
    (status = 201, description = "The driver"),
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
    let c = my_carrier(&state, &who, body.carrier_id).await?;
    let u = user::Entity::find_by_id(body.user_id)
        .one(&state.db)
        .await?
        .filter(|u| u.platform_id == who.platform_id)
        .ok_or_else(|| ApiError::not_found("user"))?;
    let name = super::required_text("name", &body.name, 32)?;
    let phone = entity::validate::phone("phone", &body.phone)?;
    let now = state.clock.now();
    let txn = entity::tx::begin_write(&state.db).await?;
    let exists = driver::Entity::find()
        .filter(driver::Column::PlatformId.eq(who.platform_id))
        .filter(driver::Column::UserId.eq(u.id))
        .one(&txn)
        .await?;
    if exists.is_some() {
        txn.rollback().await?;
        return Err(ApiError::new(
            crate::error::ErrorCode::CONFLICT,
            "this user drives already",
        ));
    }
    let d = driver::ActiveModel {
        platform_id: Set(who.platform_id),
        carrier_id: Set(c.id),
        user_id: Set(u.id),
        name: Set(name),
        phone: Set(phone),
        manager: Set(body.manager),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    entity::platform_end::users::grant_role(&txn, who.platform_id, u.id, Role::Driver, now).await?;
    txn.commit().await?;
    Ok(HttpResponse::Created().json(d))
}

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
    #[schema(value_type = Object)]
    pub trip: trip::Model,
    /// Stops in visiting order with arrival estimates.
    #[schema(value_type = Vec<Object>)]
    pub stops: Vec<trip_stop::Model>,
    /// Packages: order, pickup and drop stop, status.
    #[schema(value_type = Vec<Object>)]
    pub packages: Vec<trip_package::Model>,
}

pub(crate) async fn trips_of_day(
    state: &AppState,
    platform_id: i64,
    carrier_id: Option<i64>,
    date: Option<NaiveDate>,
) -> ApiResult<Vec<TripView>> {
    let p = entity::platform_end::platforms::platform_of(&state.db, platform_id).await?;
    let day = date.unwrap_or_else(|| super::today_at(state, p.utc_offset_minutes));
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
#[utoipa::path(tag = "driver", security(("bearer" = [])), params(DayQuery), responses(
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
#[utoipa::path(tag = "admin", security(("bearer" = [])), params(DayQuery), responses(
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
#[utoipa::path(tag = "driver", security(("bearer" = [])), request_body = Position, responses(
    (status = 200, description = "The stop"),
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
    let txn = entity::tx::begin_write(&state.db).await?;
    let res = entity::to_door_line::village::trips::arrive(
        &txn,
        &t,
        seq,
        (body.lat, body.lng),
        state.clock.now(),
    )
    .await;
    Ok(web::Json(super::finish(txn, res).await?))
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
#[utoipa::path(tag = "driver", security(("bearer" = [])), request_body = Depart, responses(
    (status = 200, description = "The trip, departed"),
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
    let txn = entity::tx::begin_write(&state.db).await?;
    let res =
        entity::to_door_line::village::trips::depart(&txn, &t, &left, state.clock.now()).await;
    Ok(web::Json(super::finish(txn, res).await?))
}

/// The driver closes the trip after the last handover.
#[utoipa::path(tag = "driver", security(("bearer" = [])), responses(
    (status = 200, description = "The trip, completed"),
    (status = 409, description = "INVALID_TRIP_STATE: packages on board", body = ErrorBody),
))]
#[post("/driver/trips/{id}/complete")]
pub async fn complete(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<i64>,
) -> ApiResult<web::Json<trip::Model>> {
    let t = drivers_trip(&state, &who, *id).await?;
    let txn = entity::tx::begin_write(&state.db).await?;
    let res = entity::to_door_line::village::trips::complete(&txn, &t, state.clock.now()).await;
    Ok(web::Json(super::finish(txn, res).await?))
}

pub(crate) async fn platform_trip(
    state: &AppState,
    who: &Principal,
    id: i64,
) -> ApiResult<trip::Model> {
    trip::Entity::find_by_id(id)
        .one(&state.db)
        .await?
        .filter(|t| t.platform_id == who.platform_id)
        .ok_or_else(|| ApiError::not_found("trip"))
}

/// How many packages a handover moved.
#[derive(Debug, Serialize, ToSchema)]
pub struct Handover {
    /// Packages handed over.
    pub packages: usize,
}

/// The kitchen hands its ready packages to the van at its pickup stop.
#[utoipa::path(tag = "merchant", security(("bearer" = [])), responses(
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
    let s = super::merchant::my_store(&state.db, &who).await?;
    let t = platform_trip(&state, &who, id).await?;
    let txn = entity::tx::begin_write(&state.db).await?;
    let res = entity::to_door_line::village::trips::pickup_handover(
        &txn,
        &t,
        seq,
        s.id,
        state.clock.now(),
    )
    .await;
    Ok(web::Json(Handover {
        packages: super::finish(txn, res).await?,
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
#[utoipa::path(tag = "merchant", security(("bearer" = [])), responses((status = 200, body = Vec<Label>)))]
#[get("/merchant/trips/{id}/labels")]
pub async fn labels(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<i64>,
) -> ApiResult<web::Json<Vec<Label>>> {
    let s = super::merchant::my_store(&state.db, &who).await?;
    let t = platform_trip(&state, &who, *id).await?;
    let stops = trip_stop::Entity::find()
        .filter(trip_stop::Column::TripId.eq(t.id))
        .all(&state.db)
        .await?;
    let pickup: Vec<i32> = stops
        .iter()
        .filter(|x| x.kind == "pickup" && x.place_id == s.id)
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
#[utoipa::path(tag = "keeper", security(("bearer" = [])), request_body = Codes, responses(
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
    let txn = entity::tx::begin_write(&state.db).await?;
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
        packages: super::finish(txn, res).await?,
    }))
}

/// The resident's pickup code.
#[derive(Debug, Deserialize, ToSchema)]
pub struct PickupCode {
    /// As shown in the resident's order.
    pub code: String,
}

/// The keeper hands an order to its resident, who shows the pickup code.
#[utoipa::path(tag = "keeper", security(("bearer" = [])), request_body = PickupCode, responses(
    (status = 200, description = "The order, delivered"),
    (status = 404, description = "NOT_FOUND: not at this agent point", body = ErrorBody),
    (status = 422, description = "DELIVERY_CODE_WRONG", body = ErrorBody),
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
    let txn = entity::tx::begin_write(&state.db).await?;
    let res = entity::to_door_line::village::trips::collect(
        &txn,
        point,
        *id,
        &body.code,
        who.user_id,
        state.clock.now(),
    )
    .await;
    Ok(web::Json(super::finish(txn, res).await?))
}

/// A user who keeps an agent point.
#[derive(Debug, Deserialize, ToSchema)]
pub struct NewKeeper {
    /// A signed-in user of the platform.
    pub user_id: i64,
}

/// Makes a user the keeper of an agent point (grants `agent_keeper`).
#[utoipa::path(tag = "admin", security(("bearer" = [])), request_body = NewKeeper, responses(
    (status = 201, description = "The keeper"),
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
    use entity::{agent_keeper, agent_point};
    who.require(Role::Operator)?;
    let point = agent_point::Entity::find_by_id(*id)
        .one(&state.db)
        .await?
        .filter(|p| p.platform_id == who.platform_id)
        .ok_or_else(|| ApiError::not_found("agent point"))?;
    let u = user::Entity::find_by_id(body.user_id)
        .one(&state.db)
        .await?
        .filter(|u| u.platform_id == who.platform_id)
        .ok_or_else(|| ApiError::not_found("user"))?;
    let now = state.clock.now();
    let txn = entity::tx::begin_write(&state.db).await?;
    if agent_keeper::Entity::find()
        .filter(agent_keeper::Column::PlatformId.eq(who.platform_id))
        .filter(agent_keeper::Column::UserId.eq(u.id))
        .one(&txn)
        .await?
        .is_some()
    {
        txn.rollback().await?;
        return Err(ApiError::new(
            crate::error::ErrorCode::CONFLICT,
            "this user keeps a point already",
        ));
    }
    let k = agent_keeper::ActiveModel {
        platform_id: Set(who.platform_id),
        agent_point_id: Set(point.id),
        user_id: Set(u.id),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    entity::platform_end::users::grant_role(&txn, who.platform_id, u.id, Role::AgentKeeper, now)
        .await?;
    txn.commit().await?;
    Ok(HttpResponse::Created().json(k))
}

/// Readings from the van's gateway.
#[derive(Debug, Deserialize, ToSchema)]
pub struct Temperatures {
    /// 1 to 1,000 readings, in any order; resent ones are ignored.
    pub readings: Vec<entity::to_door_line::village::trips::GatewayReading>,
}

/// Stores the cold compartments' readings; readings outside the class band
/// become alerts for the operator and the driver.
#[utoipa::path(tag = "driver", security(("bearer" = [])), request_body = Temperatures, responses(
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
    let txn = entity::tx::begin_write(&state.db).await?;
    let res = entity::to_door_line::village::trips::record_temperatures(
        &txn,
        &t,
        &body.readings,
        state.clock.now(),
    )
    .await;
    Ok(web::Json(super::finish(txn, res).await?))
}

async fn alerts_of(
    state: &AppState,
    platform_id: i64,
    trip_id: Option<i64>,
) -> ApiResult<Vec<entity::temperature_reading::Model>> {
    use entity::temperature_reading as tr;
    let mut q = tr::Entity::find()
        .filter(tr::Column::PlatformId.eq(platform_id))
        .filter(tr::Column::OutOfBand.eq(true))
        .filter(tr::Column::At.gt(state.clock.now() - chrono::Duration::hours(24)));
    if let Some(t) = trip_id {
        q = q.filter(tr::Column::TripId.eq(t));
    }
    Ok(q.order_by_desc(tr::Column::At).all(&state.db).await?)
}

/// Cold-chain alerts of the last 24 hours (readings outside their band).
#[utoipa::path(tag = "admin", security(("bearer" = [])), responses((status = 200, description = "Out-of-band readings, newest first")))]
#[get("/admin/cold-alerts")]
pub async fn cold_alerts(
    state: web::Data<AppState>,
    who: Principal,
) -> ApiResult<web::Json<Vec<entity::temperature_reading::Model>>> {
    who.require(Role::Operator)?;
    Ok(web::Json(alerts_of(&state, who.platform_id, None).await?))
}

/// The driver's alerts for a trip.
#[utoipa::path(tag = "driver", security(("bearer" = [])), responses((status = 200, description = "Out-of-band readings, newest first")))]
#[get("/driver/trips/{id}/alerts")]
pub async fn trip_alerts(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<i64>,
) -> ApiResult<web::Json<Vec<entity::temperature_reading::Model>>> {
    let t = drivers_trip(&state, &who, *id).await?;
    Ok(web::Json(
        alerts_of(&state, who.platform_id, Some(t.id)).await?,
    ))
}

/// New out-of-band readings after `after` (of one trip, or the platform's).
async fn alerts_after(
    db: &sea_orm::DatabaseConnection,
    platform_id: i64,
    trip_id: Option<i64>,
    after: i64,
) -> Result<Vec<(i64, String)>, sea_orm::DbErr> {
    use entity::temperature_reading as tr;
    use sea_orm::QuerySelect;
    let mut q = tr::Entity::find()
        .filter(tr::Column::PlatformId.eq(platform_id))
        .filter(tr::Column::OutOfBand.eq(true))
        .filter(tr::Column::Id.gt(after));
    if let Some(t) = trip_id {
        q = q.filter(tr::Column::TripId.eq(t));
    }
    Ok(q.order_by_asc(tr::Column::Id)
        .limit(100)
        .all(db)
        .await?
        .into_iter()
        .map(|r| {
            let data = serde_json::to_string(&r).unwrap_or_else(|_| "{}".into());
            (
                r.id,
                format!("id: {}\nevent: cold.alert\ndata: {data}\n\n", r.id),
            )
        })
        .collect())
}

async fn alert_stream(
    state: &AppState,
    req: &HttpRequest,
    q: &super::order_stream::StreamQuery,
    platform_id: i64,
    trip_id: Option<i64>,
) -> ApiResult<HttpResponse> {
    use entity::temperature_reading as tr;
    let last = match super::order_stream::resume_point(req, q)? {
        Some(id) => id,
        // A fresh subscriber starts from now.
        None => tr::Entity::find()
            .order_by_desc(tr::Column::Id)
            .one(&state.db)
            .await?
            .map_or(0, |r| r.id),
    };
    let db = state.db.clone();
    let body = super::order_stream::polled(state, last, move |after| {
        let db = db.clone();
        async move { alerts_after(&db, platform_id, trip_id, after).await }
    });
    Ok(super::order_stream::sse_response(body))
}

/// Cold-chain alerts as they happen (text/event-stream, resumable with
/// `Last-Event-ID`): each out-of-band reading of the platform's trips.
#[utoipa::path(tag = "admin", security(("bearer" = [])), params(super::order_stream::StreamQuery), responses(
    (status = 200, description = "`event: cold.alert`, `id`, JSON `data` (the reading)", content_type = "text/event-stream"),
    (status = 403, description = "FORBIDDEN", body = ErrorBody),
))]
#[get("/admin/cold-alerts/stream")]
pub async fn cold_alert_stream(
    state: web::Data<AppState>,
    who: Principal,
    req: HttpRequest,
    q: web::Query<super::order_stream::StreamQuery>,
) -> ApiResult<HttpResponse> {
    who.require(Role::Operator)?;
    alert_stream(&state, &req, &q, who.platform_id, None).await
}

/// The driver's alerts of a trip as they happen (text/event-stream).
#[utoipa::path(tag = "driver", security(("bearer" = [])), params(super::order_stream::StreamQuery), responses(
    (status = 200, description = "`event: cold.alert`, `id`, JSON `data` (the reading)", content_type = "text/event-stream"),
    (status = 404, description = "NOT_FOUND (also another carrier's trip)", body = ErrorBody),
))]
#[get("/driver/trips/{id}/alerts/stream")]
pub async fn trip_alert_stream(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<i64>,
    req: HttpRequest,
    q: web::Query<super::order_stream::StreamQuery>,
) -> ApiResult<HttpResponse> {
    let t = drivers_trip(&state, &who, *id).await?;
    alert_stream(&state, &req, &q, who.platform_id, Some(t.id)).await
}
