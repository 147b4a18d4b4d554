//! Operators' service area: communities, villages, agent points, village
//! routes and their departures, always within the operator's platform.

use actix_web::{HttpResponse, delete, get, post, put, web};
use entity::platform_end::service_area;
use entity::platform_end::service_area::{
    AgentPointInput, AreaObject, CommunityInput, DepartureInput, RouteInput, RouteView,
    VillageInput,
};
use entity::{Role, agent_point, community, departure, village};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde::Serialize;
use utoipa::ToSchema;

use crate::auth::Principal;
use crate::error::{ApiResult, ErrorBody};
use crate::extract::ApiJson;
use crate::state::AppState;

/// A departure as shown to operators, with weekdays spelled out.
#[derive(Debug, Serialize, ToSchema)]
pub struct DepartureView {
    /// The departure.
    #[serde(flatten)]
    pub departure: departure::Model,
    /// ISO weekdays, 1 (Monday) to 7 (Sunday).
    pub days: Vec<u8>,
}

impl From<departure::Model> for DepartureView {
    fn from(d: departure::Model) -> Self {
        Self {
            days: service_area::weekdays_of(d.weekdays),
            departure: d,
        }
    }
}

macro_rules! list_of {
    ($entity:ident, $state:expr, $pid:expr) => {
        $entity::Entity::find()
            .filter($entity::Column::PlatformId.eq($pid))
            .order_by_asc($entity::Column::Id)
            .all(&$state.db)
            .await?
    };
}

/// Communities of the platform.
#[utoipa::path(tag = "admin", security(("bearer" = ["operator"])), responses(
    (status = 200, body = Vec<community::Model>),
    (status = 403, description = "FORBIDDEN", body = ErrorBody),
))]
#[get("/admin/communities")]
pub async fn list_communities(
    state: web::Data<AppState>,
    who: Principal,
) -> ApiResult<web::Json<Vec<community::Model>>> {
    who.require(Role::Operator)?;
    Ok(web::Json(list_of!(community, state, who.platform_id)))
}

/// Adds a community (centre and radius).
#[utoipa::path(tag = "admin", security(("bearer" = ["operator"])), request_body = CommunityInput, responses(
    (status = 201, body = community::Model),
    (status = 403, description = "FORBIDDEN", body = ErrorBody),
    (status = 409, description = "CONFLICT: the name exists", body = ErrorBody),
    (status = 422, description = "VALIDATION_FAILED", body = ErrorBody),
))]
#[post("/admin/communities")]
pub async fn create_community(
    state: web::Data<AppState>,
    who: Principal,
    body: ApiJson<CommunityInput>,
) -> ApiResult<HttpResponse> {
    who.require(Role::Operator)?;
    let c =
        service_area::save_community(&state.db, who.platform_id, None, &body, state.clock.now())
            .await?;
    Ok(HttpResponse::Created().json(c))
}

/// Replaces a community.
#[utoipa::path(tag = "admin", security(("bearer" = ["operator"])), request_body = CommunityInput, responses(
    (status = 200, body = community::Model),
    (status = 404, description = "NOT_FOUND (also another platform's)", body = ErrorBody),
    (status = 422, description = "VALIDATION_FAILED", body = ErrorBody),
    (status = 409, description = "CONFLICT: another community has the name", body = ErrorBody),
))]
#[put("/admin/communities/{id}")]
pub async fn update_community(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<i64>,
    body: ApiJson<CommunityInput>,
) -> ApiResult<web::Json<community::Model>> {
    who.require(Role::Operator)?;
    Ok(web::Json(
        service_area::save_community(
            &state.db,
            who.platform_id,
            Some(*id),
            &body,
            state.clock.now(),
        )
        .await?,
    ))
}

/// Villages of the platform.
#[utoipa::path(tag = "admin", security(("bearer" = ["operator"])), responses(
    (status = 200, body = Vec<village::Model>),
    (status = 403, description = "FORBIDDEN", body = ErrorBody),
))]
#[get("/admin/villages")]
pub async fn list_villages(
    state: web::Data<AppState>,
    who: Principal,
) -> ApiResult<web::Json<Vec<village::Model>>> {
    who.require(Role::Operator)?;
    Ok(web::Json(list_of!(village, state, who.platform_id)))
}

/// Adds a village.
#[utoipa::path(tag = "admin", security(("bearer" = ["operator"])), request_body = VillageInput, responses(
    (status = 201, body = village::Model),
    (status = 403, description = "FORBIDDEN", body = ErrorBody),
    (status = 409, description = "CONFLICT: the village exists in that township", body = ErrorBody),
    (status = 422, description = "VALIDATION_FAILED", body = ErrorBody),
))]
#[post("/admin/villages")]
pub async fn create_village(
    state: web::Data<AppState>,
    who: Principal,
    body: ApiJson<VillageInput>,
) -> ApiResult<HttpResponse> {
    who.require(Role::Operator)?;
    let v = service_area::save_village(&state.db, who.platform_id, None, &body, state.clock.now())
        .await?;
    Ok(HttpResponse::Created().json(v))
}

/// Replaces a village.
#[utoipa::path(tag = "admin", security(("bearer" = ["operator"])), request_body = VillageInput, responses(
    (status = 200, body = village::Model),
    (status = 404, description = "NOT_FOUND", body = ErrorBody),
    (status = 422, description = "VALIDATION_FAILED", body = ErrorBody),
    (status = 409, description = "CONFLICT: another village has the name", body = ErrorBody),
))]
#[put("/admin/villages/{id}")]
pub async fn update_village(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<i64>,
    body: ApiJson<VillageInput>,
) -> ApiResult<web::Json<village::Model>> {
    who.require(Role::Operator)?;
    Ok(web::Json(
        service_area::save_village(
            &state.db,
            who.platform_id,
            Some(*id),
            &body,
            state.clock.now(),
        )
        .await?,
    ))
}

/// Agent points (代办点) of the platform.
#[utoipa::path(tag = "admin", security(("bearer" = ["operator"])), responses(
    (status = 200, body = Vec<agent_point::Model>),
    (status = 403, description = "FORBIDDEN", body = ErrorBody),
))]
#[get("/admin/agent-points")]
pub async fn list_agent_points(
    state: web::Data<AppState>,
    who: Principal,
) -> ApiResult<web::Json<Vec<agent_point::Model>>> {
    who.require(Role::Operator)?;
    Ok(web::Json(list_of!(agent_point, state, who.platform_id)))
}

/// Adds an agent point to a village.
#[utoipa::path(tag = "admin", security(("bearer" = ["operator"])), request_body = AgentPointInput, responses(
    (status = 201, body = agent_point::Model),
    (status = 404, description = "NOT_FOUND: no such village", body = ErrorBody),
    (status = 422, description = "VALIDATION_FAILED", body = ErrorBody),
    (status = 409, description = "CONFLICT: the village has an agent point of that name", body = ErrorBody),
))]
#[post("/admin/agent-points")]
pub async fn create_agent_point(
    state: web::Data<AppState>,
    who: Principal,
    body: ApiJson<AgentPointInput>,
) -> ApiResult<HttpResponse> {
    who.require(Role::Operator)?;
    let p =
        service_area::save_agent_point(&state.db, who.platform_id, None, &body, state.clock.now())
            .await?;
    Ok(HttpResponse::Created().json(p))
}

/// Replaces an agent point.
#[utoipa::path(tag = "admin", security(("bearer" = ["operator"])), request_body = AgentPointInput, responses(
    (status = 200, body = agent_point::Model),
    (status = 404, description = "NOT_FOUND", body = ErrorBody),
    (status = 422, description = "VALIDATION_FAILED", body = ErrorBody),
    (status = 409, description = "CONFLICT: another agent point has the name", body = ErrorBody),
))]
#[put("/admin/agent-points/{id}")]
pub async fn update_agent_point(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<i64>,
    body: ApiJson<AgentPointInput>,
) -> ApiResult<web::Json<agent_point::Model>> {
    who.require(Role::Operator)?;
    Ok(web::Json(
        service_area::save_agent_point(
            &state.db,
            who.platform_id,
            Some(*id),
            &body,
            state.clock.now(),
        )
        .await?,
    ))
}

/// Village routes with their stops in order.
#[utoipa::path(tag = "admin", security(("bearer" = ["operator"])), responses(
    (status = 200, body = Vec<RouteView>),
    (status = 403, description = "FORBIDDEN", body = ErrorBody),
))]
#[get("/admin/routes")]
pub async fn list_routes(
    state: web::Data<AppState>,
    who: Principal,
) -> ApiResult<web::Json<Vec<RouteView>>> {
    who.require(Role::Operator)?;
    Ok(web::Json(
        service_area::routes(&state.db, who.platform_id).await?,
    ))
}

/// Adds a village route: the hub, then agent points in visiting order.
#[utoipa::path(tag = "admin", security(("bearer" = ["operator"])), request_body = RouteInput, responses(
    (status = 201, body = RouteView),
    (status = 404, description = "NOT_FOUND: an agent point is not on this platform", body = ErrorBody),
    (status = 422, description = "VALIDATION_FAILED", body = ErrorBody),
    (status = 409, description = "CONFLICT: a route has that name, or a stop is listed twice", body = ErrorBody),
))]
#[post("/admin/routes")]
pub async fn create_route(
    state: web::Data<AppState>,
    who: Principal,
    body: ApiJson<RouteInput>,
) -> ApiResult<HttpResponse> {
    who.require(Role::Operator)?;
    let txn = entity::tx::begin_write(&state.writer).await?;
    let r = service_area::save_route(&txn, who.platform_id, None, &body, state.clock.now()).await?;
    txn.commit().await?;
    Ok(HttpResponse::Created().json(r))
}

/// Replaces a route and its stops.
#[utoipa::path(tag = "admin", security(("bearer" = ["operator"])), request_body = RouteInput, responses(
    (status = 200, body = RouteView),
    (status = 404, description = "NOT_FOUND", body = ErrorBody),
    (status = 422, description = "VALIDATION_FAILED", body = ErrorBody),
    (status = 409, description = "CONFLICT: a route has that name, or a stop is listed twice", body = ErrorBody),
))]
#[put("/admin/routes/{id}")]
pub async fn update_route(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<i64>,
    body: ApiJson<RouteInput>,
) -> ApiResult<web::Json<RouteView>> {
    who.require(Role::Operator)?;
    let txn = entity::tx::begin_write(&state.writer).await?;
    let r = service_area::save_route(&txn, who.platform_id, Some(*id), &body, state.clock.now())
        .await?;
    txn.commit().await?;
    Ok(web::Json(r))
}

/// Departures of a route.
#[utoipa::path(tag = "admin", security(("bearer" = ["operator"])), responses(
    (status = 200, body = Vec<DepartureView>),
    (status = 404, description = "NOT_FOUND", body = ErrorBody),
))]
#[get("/admin/routes/{id}/departures")]
pub async fn list_departures(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<i64>,
) -> ApiResult<web::Json<Vec<DepartureView>>> {
    who.require(Role::Operator)?;
    let route_id = *id;
    entity::scope::on_platform::<entity::route::Entity>(
        &state.db,
        who.platform_id,
        route_id,
        "route",
    )
    .await?;
    let rows = departure::Entity::find()
        .filter(departure::Column::RouteId.eq(route_id))
        .order_by_asc(departure::Column::DepartAt)
        .all(&state.db)
        .await?;
    Ok(web::Json(rows.into_iter().map(Into::into).collect()))
}

/// Adds a departure schedule to a route.
#[utoipa::path(tag = "admin", security(("bearer" = ["operator"])), request_body = DepartureInput, responses(
    (status = 201, body = DepartureView),
    (status = 404, description = "NOT_FOUND", body = ErrorBody),
    (status = 422, description = "VALIDATION_FAILED", body = ErrorBody),
))]
#[post("/admin/routes/{id}/departures")]
pub async fn create_departure(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<i64>,
    body: ApiJson<DepartureInput>,
) -> ApiResult<HttpResponse> {
    who.require(Role::Operator)?;
    let d = service_area::save_departure(
        &state.db,
        who.platform_id,
        *id,
        None,
        &body,
        state.clock.now(),
    )
    .await?;
    Ok(HttpResponse::Created().json(DepartureView::from(d)))
}

/// Replaces a departure.
#[utoipa::path(tag = "admin", security(("bearer" = ["operator"])), request_body = DepartureInput, responses(
    (status = 200, body = DepartureView),
    (status = 404, description = "NOT_FOUND", body = ErrorBody),
    (status = 422, description = "VALIDATION_FAILED", body = ErrorBody),
))]
#[put("/admin/routes/{id}/departures/{departure_id}")]
pub async fn update_departure(
    state: web::Data<AppState>,
    who: Principal,
    path: web::Path<(i64, i64)>,
    body: ApiJson<DepartureInput>,
) -> ApiResult<web::Json<DepartureView>> {
    who.require(Role::Operator)?;
    let (route_id, departure_id) = *path;
    let d = service_area::save_departure(
        &state.db,
        who.platform_id,
        route_id,
        Some(departure_id),
        &body,
        state.clock.now(),
    )
    .await?;
    Ok(web::Json(d.into()))
}

async fn remove(
    state: &AppState,
    who: &Principal,
    what: AreaObject,
    id: i64,
) -> ApiResult<HttpResponse> {
    who.require(Role::Operator)?;
    let txn = entity::tx::begin_write(&state.writer).await?;
    service_area::delete(&txn, who.platform_id, what, id).await?;
    txn.commit().await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Deletes a community no address refers to.
#[utoipa::path(tag = "admin", security(("bearer" = ["operator"])), responses(
    (status = 204, description = "Deleted"),
    (status = 404, description = "NOT_FOUND", body = ErrorBody),
    (status = 409, description = "CONFLICT: still in use", body = ErrorBody),
))]
#[delete("/admin/communities/{id}")]
pub async fn delete_community(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    remove(&state, &who, AreaObject::Community, *id).await
}

/// Deletes a village without agent points.
#[utoipa::path(tag = "admin", security(("bearer" = ["operator"])), responses(
    (status = 204, description = "Deleted"),
    (status = 404, description = "NOT_FOUND", body = ErrorBody),
    (status = 409, description = "CONFLICT: still in use", body = ErrorBody),
))]
#[delete("/admin/villages/{id}")]
pub async fn delete_village(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    remove(&state, &who, AreaObject::Village, *id).await
}

/// Deletes an agent point that no route or address uses.
#[utoipa::path(tag = "admin", security(("bearer" = ["operator"])), responses(
    (status = 204, description = "Deleted"),
    (status = 404, description = "NOT_FOUND", body = ErrorBody),
    (status = 409, description = "CONFLICT: still in use", body = ErrorBody),
))]
#[delete("/admin/agent-points/{id}")]
pub async fn delete_agent_point(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    remove(&state, &who, AreaObject::AgentPoint, *id).await
}

/// Deletes a route with its stops, departures and store links.
#[utoipa::path(tag = "admin", security(("bearer" = ["operator"])), responses(
    (status = 204, description = "Deleted"),
    (status = 404, description = "NOT_FOUND", body = ErrorBody),
    (status = 409, description = "CONFLICT: still in use", body = ErrorBody),
))]
#[delete("/admin/routes/{id}")]
pub async fn delete_route(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    remove(&state, &who, AreaObject::Route, *id).await
}

/// Deletes a departure.
#[utoipa::path(tag = "admin", security(("bearer" = ["operator"])), responses(
    (status = 204, description = "Deleted"),
    (status = 404, description = "NOT_FOUND", body = ErrorBody),
    (status = 409, description = "CONFLICT: still in use", body = ErrorBody),
))]
#[delete("/admin/routes/{route_id}/departures/{id}")]
pub async fn delete_departure(
    state: web::Data<AppState>,
    who: Principal,
    path: web::Path<(i64, i64)>,
) -> ApiResult<HttpResponse> {
    let (route_id, id) = *path;
    let d = departure::Entity::find_by_id(id)
        .filter(departure::Column::RouteId.eq(route_id))
        .one(&state.db)
        .await?;
    if d.is_none() {
        return Err(crate::error::ApiError::not_found("departure"));
    }
    remove(&state, &who, AreaObject::Departure, id).await
}
