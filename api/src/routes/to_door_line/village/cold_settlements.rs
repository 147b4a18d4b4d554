//! Settled cold-chain batches, and a trip's temperature record.

use actix_web::{get, web};
use chrono::{DateTime, Utc};
use entity::to_door_line::village::batch_settlement;
use entity::to_door_line::village::batch_settlement::Policy;
use entity::{Role, cold_batch, cold_settlement, temperature_reading};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::auth::Principal;
use crate::error::{ApiResult, ErrorBody};
use crate::state::AppState;

/// `?trip_id=` or `?breached=true` of the settlement list.
#[derive(Debug, Deserialize, IntoParams)]
pub struct SettlementFilter {
    /// One trip's batches.
    pub trip_id: Option<i64>,
    /// Only breached batches.
    pub breached: Option<bool>,
}

/// Settlement records of cold-chain batches, newest first (at most 200).
#[utoipa::path(tag = "admin", security(("bearer" = ["operator"])), params(SettlementFilter), responses(
    (status = 200, body = Vec<cold_settlement::Model>, description = "Records with verdict, evidence and money"),
))]
#[get("/admin/cold-settlements")]
pub async fn settlements(
    state: web::Data<AppState>,
    who: Principal,
    q: web::Query<SettlementFilter>,
) -> ApiResult<web::Json<Vec<cold_settlement::Model>>> {
    who.require(Role::Operator)?;
    let mut find = cold_settlement::Entity::find()
        .filter(cold_settlement::Column::PlatformId.eq(who.platform_id));
    if let Some(t) = q.trip_id {
        find = find.filter(cold_settlement::Column::TripId.eq(t));
    }
    if q.breached == Some(true) {
        find = find.filter(cold_settlement::Column::Compliant.eq(false));
    }
    Ok(web::Json(
        find.order_by_desc(cold_settlement::Column::Id)
            .limit(200)
            .all(&state.db)
            .await?,
    ))
}

/// A batch's readings against its band.
#[derive(Debug, Serialize, ToSchema)]
pub struct BatchChart {
    /// The batch.
    pub batch: cold_batch::Model,
    /// The policy it is (or will be) judged by.
    pub policy: Policy,
    /// Readings in time order: `[at, °C]`.
    #[schema(value_type = Vec<Object>)]
    pub readings: Vec<(DateTime<Utc>, f64)>,
    /// Its settlement, once settled.
    pub settlement: Option<cold_settlement::Model>,
}

/// A trip's cold-chain batches with their readings and settlements (the
/// operator's temperature chart).
#[utoipa::path(tag = "admin", security(("bearer" = ["operator"])), responses(
    (status = 200, body = Vec<BatchChart>),
    (status = 404, description = "NOT_FOUND", body = ErrorBody),
))]
#[get("/admin/trips/{id}/cold-chain")]
pub async fn trip_cold_chain(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<i64>,
) -> ApiResult<web::Json<Vec<BatchChart>>> {
    who.require(Role::Operator)?;
    let t = crate::routes::to_door_line::village::trips::platform_trip(&state, &who, *id).await?;
    let at = t.departed_at.unwrap_or(t.departs_at);
    let mut out = Vec::new();
    for b in cold_batch::Entity::find()
        .filter(cold_batch::Column::TripId.eq(t.id))
        .order_by_asc(cold_batch::Column::Id)
        .all(&state.db)
        .await?
    {
        let readings = temperature_reading::Entity::find()
            .filter(temperature_reading::Column::BatchId.eq(b.id))
            .order_by_asc(temperature_reading::Column::At)
            .all(&state.db)
            .await?
            .into_iter()
            .map(|r| (r.at, r.celsius))
            .collect();
        let settlement = cold_settlement::Entity::find()
            .filter(cold_settlement::Column::BatchId.eq(b.id))
            .one(&state.db)
            .await?;
        let policy = batch_settlement::policy(&state.db, t.platform_id, &b.class, at).await?;
        out.push(BatchChart {
            batch: b,
            policy,
            readings,
            settlement,
        });
    }
    Ok(web::Json(out))
}
