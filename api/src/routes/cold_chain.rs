//! The cold chain after the trip: the platform's class policies (rule and
//! money, versioned by effective date), the settlement records of batches,
//! a trip's readings against its band, and the exception queue of orders
//! left at agent points too long.

use actix_web::{HttpResponse, get, post, put, web};
use chrono::{DateTime, Utc};
use entity::delivery_end::cold_chain::ClassRule;
use entity::to_door_line::village::batch_settlement;
use entity::to_door_line::village::batch_settlement::Policy;
use entity::{Role, cold_batch, cold_chain_policy, cold_settlement, platform, temperature_reading};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::auth::Principal;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::ApiJson;
use crate::state::AppState;

/// A new policy version for a class.
#[derive(Debug, Deserialize, ToSchema)]
pub struct NewPolicy {
    /// `chilled` or `frozen`.
    pub class: String,
    /// Band, tolerance and limits.
    pub rule: ClassRule,
    /// Earned by the carrier per order of a compliant batch, fen.
    pub carrier_fee_fen: i64,
    /// Charged to the carrier per affected order of a breached batch, fen.
    pub penalty_fen: i64,
    /// Share of an affected order's cold goods refunded, basis points.
    pub compensation_bp: i32,
    /// From when (default: now; never in the past).
    pub effective_from: Option<DateTime<Utc>>,
}

/// The policies in force and every stored version.
#[derive(Debug, Serialize, ToSchema)]
pub struct Policies {
    /// In force now, per class (built-in defaults until one is stored).
    pub current: Vec<Policy>,
    /// Stored versions, newest first.
    #[schema(value_type = Vec<Object>)]
    pub versions: Vec<cold_chain_policy::Model>,
}

/// Stores a new version of a class's cold-chain policy. Batches already
/// settled keep the version they were judged by.
#[utoipa::path(tag = "admin", security(("bearer" = [])), request_body = NewPolicy, responses(
    (status = 201, description = "The stored version"),
    (status = 422, description = "VALIDATION_FAILED: class, rule order, amounts, past date", body = ErrorBody),
))]
#[post("/admin/cold-chain/policies")]
pub async fn add_policy(
    state: web::Data<AppState>,
    who: Principal,
    body: ApiJson<NewPolicy>,
) -> ApiResult<HttpResponse> {
    who.require(Role::Operator)?;
    let now = state.clock.now();
    let p = Policy {
        id: None,
        class: body.class.clone(),
        rule: body.rule,
        carrier_fee_fen: body.carrier_fee_fen,
        penalty_fen: body.penalty_fen,
        compensation_bp: body.compensation_bp,
    };
    let txn = entity::tx::begin_write(&state.db).await?;
    let res = batch_settlement::add_policy(
        &txn,
        who.platform_id,
        &p,
        body.effective_from.unwrap_or(now),
        who.user_id,
        now,
    )
    .await;
    let m = super::finish(txn, res).await?;
    Ok(HttpResponse::Created().json(m))
}

/// The cold-chain policies.
#[utoipa::path(tag = "admin", security(("bearer" = [])), responses((status = 200, body = Policies)))]
#[get("/admin/cold-chain/policies")]
pub async fn policies(
    state: web::Data<AppState>,
    who: Principal,
) -> ApiResult<web::Json<Policies>> {
    who.require(Role::Operator)?;
    let now = state.clock.now();
    let mut current = Vec::new();
    for class in ["chilled", "frozen"] {
        current.push(batch_settlement::policy(&state.db, who.platform_id, class, now).await?);
    }
    let versions = cold_chain_policy::Entity::find()
        .filter(cold_chain_policy::Column::PlatformId.eq(who.platform_id))
        .order_by_desc(cold_chain_policy::Column::EffectiveFrom)
        .order_by_desc(cold_chain_policy::Column::Id)
        .all(&state.db)
        .await?;
    Ok(web::Json(Policies { current, versions }))
}

/// `?trip_id=` or `?breached=true` of the settlement list.
#[derive(Debug, Deserialize, IntoParams)]
pub struct SettlementFilter {
    /// One trip's batches.
    pub trip_id: Option<i64>,
    /// Only breached batches.
    pub breached: Option<bool>,
}

/// Settlement records of cold-chain batches, newest first (at most 200).
#[utoipa::path(tag = "admin", security(("bearer" = [])), params(SettlementFilter), responses(
    (status = 200, description = "Records with verdict, evidence and money"),
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
    #[schema(value_type = Object)]
    pub batch: cold_batch::Model,
    /// The policy it is (or will be) judged by.
    pub policy: Policy,
    /// Readings in time order: `[at, °C]`.
    #[schema(value_type = Vec<Object>)]
    pub readings: Vec<(DateTime<Utc>, f64)>,
    /// Its settlement, once settled.
    #[schema(value_type = Option<Object>)]
    pub settlement: Option<cold_settlement::Model>,
}

/// A trip's cold-chain batches with their readings and settlements (the
/// operator's temperature chart).
#[utoipa::path(tag = "admin", security(("bearer" = [])), responses(
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
    let t = super::fleet::platform_trip(&state, &who, *id).await?;
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

/// The exception queue: orders waiting at agent points longer than the
/// platform allows.
#[utoipa::path(tag = "admin", security(("bearer" = [])), responses(
    (status = 200, body = Vec<entity::to_door_line::village::trips::Uncollected>),
))]
#[get("/admin/village/uncollected")]
pub async fn uncollected(
    state: web::Data<AppState>,
    who: Principal,
) -> ApiResult<web::Json<Vec<entity::to_door_line::village::trips::Uncollected>>> {
    who.require(Role::Operator)?;
    Ok(web::Json(
        entity::to_door_line::village::trips::uncollected(&state.db, who.platform_id).await?,
    ))
}

/// Why an order is sent back.
#[derive(Debug, Deserialize, ToSchema)]
pub struct ReturnReason {
    /// Shown on the order's timeline.
    pub reason: String,
}

/// Sends a flagged order back to the kitchen and refunds the resident.
#[utoipa::path(tag = "admin", security(("bearer" = [])), request_body = ReturnReason, responses(
    (status = 200, description = "The order, refunding"),
    (status = 404, description = "NOT_FOUND: not in the exception queue", body = ErrorBody),
))]
#[post("/admin/village/uncollected/{order_id}/return")]
pub async fn return_order(
    state: web::Data<AppState>,
    who: Principal,
    order_id: web::Path<i64>,
    body: ApiJson<ReturnReason>,
) -> ApiResult<web::Json<entity::order::Model>> {
    who.require(Role::Operator)?;
    let reason = super::required_text("reason", &body.reason, 200)?;
    let now = state.clock.now();
    let txn = entity::tx::begin_write(&state.db).await?;
    let res = entity::to_door_line::village::trips::return_uncollected(
        &txn,
        who.platform_id,
        *order_id,
        who.user_id,
        reason,
        now,
    )
    .await;
    let (o, due) = match res {
        Ok(v) => v,
        Err(e) => {
            txn.rollback().await?;
            return Err(e.into());
        }
    };
    if let Some(due) = due {
        worker::orders::enqueue_refund(&txn, &due.refund, now).await?;
    }
    txn.commit().await?;
    Ok(web::Json(o))
}

/// Village settings of the platform.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct VillageSettings {
    /// Days an order may wait at an agent point before it goes to the
    /// exception queue (1 to 30).
    pub collect_within_days: i32,
}

/// Sets how long orders may wait at agent points.
#[utoipa::path(tag = "admin", security(("bearer" = [])), request_body = VillageSettings, responses(
    (status = 200, body = VillageSettings),
    (status = 422, description = "VALIDATION_FAILED", body = ErrorBody),
))]
#[put("/admin/village/settings")]
pub async fn village_settings(
    state: web::Data<AppState>,
    who: Principal,
    body: ApiJson<VillageSettings>,
) -> ApiResult<web::Json<VillageSettings>> {
    who.require(Role::Operator)?;
    if !(1..=30).contains(&body.collect_within_days) {
        return Err(ApiError::field("collect_within_days", "1 to 30 days"));
    }
    platform::Entity::update_many()
        .col_expr(
            platform::Column::CollectWithinDays,
            Expr::value(body.collect_within_days),
        )
        .filter(platform::Column::Id.eq(who.platform_id))
        .exec(&state.db)
        .await?;
    Ok(web::Json(VillageSettings {
        collect_within_days: body.collect_within_days,
    }))
}
