//! The operators' dispatch monitor: live jobs and riders, manual
//! assignment, locked jobs, dispatch settings and a job's track.

use actix_web::{get, post, put, web};
use chrono::{DateTime, Utc};
use entity::delivery_job::DeliveryJobStatus;
use entity::platform_end::platforms::{self, DispatchSettings};
use entity::rider::RiderStatus;
use entity::to_door_line::city::dispatch::AssignedBy;
use entity::to_door_line::city::{dispatch, handoff, jobs};
use entity::{Role, delivery_job, error, rider};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::auth::Principal;
use crate::error::{ApiResult, ErrorBody};
use crate::extract::ApiJson;
use crate::routes::finish;
use crate::state::AppState;

/// A job on the dispatch monitor.
#[derive(Debug, Serialize, ToSchema)]
pub struct MonitorJob {
    /// Job id.
    pub id: i64,
    /// Order id.
    pub order_id: i64,
    /// Store id.
    pub store_id: i64,
    /// `open`, `offered`, `assigned`, `picked_up` or `locked`.
    pub status: String,
    /// Rider, once assigned.
    pub rider_id: Option<i64>,
    /// Seconds since the job was created.
    pub age_secs: i64,
    /// Nobody took it in the platform's alert time.
    pub alert: bool,
    /// When the food is ready.
    pub ready_by: DateTime<Utc>,
}

/// An on-duty rider on the monitor.
#[derive(Debug, Serialize, ToSchema)]
pub struct MonitorRider {
    /// Rider id.
    pub id: i64,
    /// Name.
    pub real_name: String,
    /// Jobs carried.
    pub active_jobs: i32,
    /// Last position.
    pub lat: Option<f64>,
    /// Last position.
    pub lng: Option<f64>,
    /// When.
    pub located_at: Option<DateTime<Utc>>,
}

/// The dispatch monitor.
#[derive(Debug, Serialize, ToSchema)]
pub struct Monitor {
    /// `grab`, `auto` or `hybrid`.
    pub mode: String,
    /// Jobs not yet delivered, oldest first.
    pub jobs: Vec<MonitorJob>,
    /// Riders on duty.
    pub riders: Vec<MonitorRider>,
}

/// Open and running jobs with their age and alerts, and riders on duty.
#[utoipa::path(tag = "admin", security(("bearer" = ["operator"])), responses(
    (status = 200, body = Monitor),
    (status = 403, description = "FORBIDDEN", body = ErrorBody),
))]
#[get("/admin/dispatch")]
pub async fn monitor(state: web::Data<AppState>, who: Principal) -> ApiResult<web::Json<Monitor>> {
    who.require(Role::Operator)?;
    Ok(web::Json(monitor_of(&state, who.platform_id).await?))
}

/// The platform's monitor (the API's and the console's).
pub(crate) async fn monitor_of(state: &AppState, platform_id: i64) -> ApiResult<Monitor> {
    let now = state.clock.now();
    let p = platforms::platform_of(&state.db, platform_id).await?;
    let jobs = delivery_job::Entity::find()
        .filter(delivery_job::Column::PlatformId.eq(platform_id))
        .filter(delivery_job::Column::Status.is_in([
            DeliveryJobStatus::Open,
            DeliveryJobStatus::Offered,
            DeliveryJobStatus::Assigned,
            DeliveryJobStatus::PickedUp,
            DeliveryJobStatus::Locked,
        ]))
        .order_by_asc(delivery_job::Column::Id)
        .all(&state.db)
        .await?
        .into_iter()
        .map(|j| MonitorJob {
            id: j.id,
            order_id: j.order_id,
            store_id: j.store_id,
            alert: j.alerted_at.is_some()
                && matches!(
                    j.status,
                    DeliveryJobStatus::Open | DeliveryJobStatus::Offered
                )
                || j.status == DeliveryJobStatus::Locked,
            status: j.status.to_string(),
            rider_id: j.rider_id,
            age_secs: (now - j.created_at).num_seconds(),
            ready_by: j.ready_by,
        })
        .collect();
    let riders = rider::Entity::find()
        .filter(rider::Column::PlatformId.eq(platform_id))
        .filter(rider::Column::OnDuty.eq(true))
        .order_by_asc(rider::Column::Id)
        .all(&state.db)
        .await?
        .into_iter()
        .map(|r| MonitorRider {
            id: r.id,
            real_name: r.real_name,
            active_jobs: r.active_jobs,
            lat: r.lat,
            lng: r.lng,
            located_at: r.located_at,
        })
        .collect();
    Ok(Monitor {
        mode: p.dispatch_mode,
        jobs,
        riders,
    })
}

/// Whom to assign.
#[derive(Debug, Deserialize, ToSchema)]
pub struct AssignTo {
    /// A verified rider of the platform.
    pub rider_id: i64,
}

/// Assigns an open or offered job to a rider by hand.
#[utoipa::path(tag = "admin", security(("bearer" = ["operator"])), request_body = AssignTo, responses(
    (status = 200, body = delivery_job::Model, description = "The job"),
    (status = 404, description = "NOT_FOUND", body = ErrorBody),
    (status = 409, description = "JOB_TAKEN, RIDER_AT_CAPACITY, RIDER_NOT_VERIFIED", body = ErrorBody),
))]
#[post("/admin/dispatch/jobs/{id}/assign")]
pub async fn assign(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<i64>,
    body: ApiJson<AssignTo>,
) -> ApiResult<web::Json<delivery_job::Model>> {
    who.require(Role::Operator)?;
    Ok(web::Json(
        assign_job(&state, &who, *id, body.rider_id).await?,
    ))
}

/// Assigns a job to a rider by the operator's hand (API and console).
pub(crate) async fn assign_job(
    state: &AppState,
    who: &Principal,
    job_id: i64,
    rider_id: i64,
) -> ApiResult<delivery_job::Model> {
    who.require(Role::Operator)?;
    let txn = entity::tx::begin_write(&state.writer).await?;
    let res = async {
        let r = rider::Entity::find_by_id(rider_id)
            .one(&txn)
            .await?
            .filter(|r| r.platform_id == who.platform_id)
            .ok_or(entity::error::DomainError::NotFound("rider"))?;
        if r.status != RiderStatus::Verified {
            return Err(error::DeliveryRefusal::RiderNotVerified.into());
        }
        dispatch::assign(
            &txn,
            &r,
            job_id,
            AssignedBy::Operator(who.user_id),
            state.clock.now(),
        )
        .await
    }
    .await;
    finish(txn, res).await
}

/// The operator's finding on a locked job.
#[derive(Debug, Deserialize, ToSchema)]
pub struct Resolve {
    /// `true`: the resident has the order; `false`: let the rider retry.
    pub delivered: bool,
}

/// Resolves a job locked by wrong delivery codes.
#[utoipa::path(tag = "admin", security(("bearer" = ["operator"])), request_body = Resolve, responses(
    (status = 200, body = delivery_job::Model, description = "The job"),
    (status = 409, description = "INVALID_JOB_STATE: not locked", body = ErrorBody),
))]
#[post("/admin/dispatch/jobs/{id}/resolve")]
pub async fn resolve(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<i64>,
    body: ApiJson<Resolve>,
) -> ApiResult<web::Json<delivery_job::Model>> {
    who.require(Role::Operator)?;
    let txn = entity::tx::begin_write(&state.writer).await?;
    let res = handoff::resolve_locked(
        &txn,
        who.platform_id,
        *id,
        who.user_id,
        body.delivered,
        state.clock.now(),
    )
    .await;
    Ok(web::Json(finish(txn, res).await?))
}

/// Changes the dispatch settings (effective from the next round or grab).
#[utoipa::path(tag = "admin", security(("bearer" = ["operator"])), request_body = DispatchSettings, responses(
    (status = 200, body = DispatchSettings),
    (status = 422, description = "VALIDATION_FAILED", body = ErrorBody),
))]
#[put("/admin/dispatch/settings")]
pub async fn settings(
    state: web::Data<AppState>,
    who: Principal,
    body: ApiJson<DispatchSettings>,
) -> ApiResult<web::Json<DispatchSettings>> {
    who.require(Role::Operator)?;
    let b = body.into_inner();
    let txn = entity::tx::begin_write(&state.writer).await?;
    let res = entity::platform_end::settings::change_dispatch(
        &txn,
        who.platform_id,
        who.user_id,
        &b,
        state.clock.now(),
    )
    .await;
    finish(txn, res).await?;
    Ok(web::Json(b))
}

/// The track of a job's rider from assignment to delivery (or now).
#[utoipa::path(tag = "admin", security(("bearer" = ["operator"])), responses(
    (status = 200, body = Vec<entity::rider_position::Model>, description = "Points in time order"),
    (status = 404, description = "NOT_FOUND", body = ErrorBody),
))]
#[get("/admin/dispatch/jobs/{id}/track")]
pub async fn track(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<i64>,
) -> ApiResult<web::Json<Vec<entity::rider_position::Model>>> {
    use entity::rider_position as rp;
    who.require(Role::Operator)?;
    let j = jobs::job(&state.db, who.platform_id, *id).await?;
    let (Some(rider_id), Some(from)) = (j.rider_id, j.assigned_at) else {
        return Ok(web::Json(Vec::new()));
    };
    let to = j.delivered_at.unwrap_or_else(|| state.clock.now());
    Ok(web::Json(
        rp::Entity::find()
            .filter(rp::Column::RiderId.eq(rider_id))
            .filter(rp::Column::At.gte(from))
            .filter(rp::Column::At.lte(to))
            .order_by_asc(rp::Column::At)
            .all(&state.db)
            .await?,
    ))
}
