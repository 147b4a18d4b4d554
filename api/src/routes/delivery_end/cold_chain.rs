//! Cold-chain policies per platform and class.

use actix_web::{HttpResponse, get, post, web};
use chrono::{DateTime, Utc};
use entity::delivery_end::cold_chain::ClassRule;
use entity::to_door_line::village::batch_settlement;
use entity::to_door_line::village::batch_settlement::Policy;
use entity::{Role, cold_chain_policy};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::auth::Principal;
use crate::error::{ApiResult, ErrorBody};
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
    /// Whether a batch with no readings compensates and penalises as a
    /// breach would (default: no; the operator follows the sensor up).
    #[serde(default)]
    pub no_data_compensates: bool,
    /// From when (default: now; never in the past).
    pub effective_from: Option<DateTime<Utc>>,
}

/// The policies in force and every stored version.
#[derive(Debug, Serialize, ToSchema)]
pub struct Policies {
    /// In force now, per class (built-in defaults until one is stored).
    pub current: Vec<Policy>,
    /// Stored versions, newest first.
    pub versions: Vec<cold_chain_policy::Model>,
}

/// Stores a new version of a class's cold-chain policy. Batches already
/// settled keep the version they were judged by.
#[utoipa::path(tag = "admin", security(("bearer" = ["operator"])), request_body = NewPolicy, responses(
    (status = 201, body = entity::cold_chain_policy::Model, description = "The stored version"),
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
        no_data_compensates: body.no_data_compensates,
    };
    let txn = entity::tx::begin_write(&state.writer).await?;
    let res = batch_settlement::add_policy(
        &txn,
        who.platform_id,
        &p,
        body.effective_from.unwrap_or(now),
        who.user_id,
        now,
    )
    .await;
    let m = crate::routes::finish(txn, res).await?;
    Ok(HttpResponse::Created().json(m))
}

/// The cold-chain policies.
#[utoipa::path(tag = "admin", security(("bearer" = ["operator"])), responses((status = 200, body = Policies)))]
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
