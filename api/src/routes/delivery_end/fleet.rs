//! The fleet registry: carriers, vehicles with their cold-chain sensors,
//! drivers, and agent-point keepers.

use actix_web::{HttpResponse, get, post, web};
use entity::{Role, carrier, driver, user, vehicle};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

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
    let name = crate::routes::required_text("name", &body.name, 64)?;
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
    let plate = crate::routes::required_text("plate", &body.plate, 16)?;
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
    let name = crate::routes::required_text("name", &body.name, 32)?;
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
