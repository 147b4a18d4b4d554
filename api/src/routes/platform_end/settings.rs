//! Settings an operator changes without a release: the fee rules (versioned,
//! with a preview), the order timeouts and the platform's profile; and the
//! record of every change. The rules are in
//! [`entity::platform_end::settings`] and [`entity::to_door_line::fee_rules`].

use actix_web::{HttpResponse, get, post, put, web};
use chrono::{DateTime, Utc};
use entity::Role;
use entity::platform_end::service_area::Place;
use entity::platform_end::settings::{self, Profile, Timeouts};
use entity::to_door_line::fee_rules::{self, Preview};
use entity::to_door_line::pricing::FeeRules;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::auth::Principal;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::ApiJson;
use crate::state::AppState;

/// A version of the fee rules.
#[derive(Debug, Serialize, ToSchema)]
pub struct FeeRuleVersion {
    /// Id (orders name the version that priced them).
    pub id: i64,
    /// In force from.
    pub effective_from: DateTime<Utc>,
    /// Stored at.
    pub created_at: DateTime<Utc>,
    /// Whether these are the rules in force now.
    pub in_force: bool,
    /// The rules.
    pub rules: FeeRules,
}

/// `POST /admin/fee-rules`
#[derive(Debug, Deserialize, ToSchema)]
pub struct NewFeeRules {
    /// The rules (checked as a whole: ascending bands, fees 0-100,000 fen,
    /// carrier share 0-10,000 basis points).
    pub rules: FeeRules,
    /// In force from (not in the past); orders already priced keep theirs.
    pub effective_from: DateTime<Utc>,
}

/// A position.
#[derive(Debug, Deserialize, ToSchema)]
pub struct Point {
    /// Latitude, degrees.
    pub lat: f64,
    /// Longitude, degrees.
    pub lng: f64,
}

/// `POST /admin/fee-rules/preview`
#[derive(Debug, Deserialize, ToSchema)]
pub struct PreviewRequest {
    /// The proposed rules.
    pub rules: FeeRules,
    /// The store the order would come from.
    pub store_id: i64,
    /// A city address: where it is.
    pub location: Option<Point>,
    /// Or a village address: its agent point.
    pub agent_point_id: Option<i64>,
    /// `ambient` (default), `chilled` or `frozen`.
    pub cold_chain: Option<String>,
}

/// `?limit=`
#[derive(Debug, Deserialize, IntoParams)]
pub struct Limit {
    /// 1-100 (default 20).
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<u64>,
}

impl Limit {
    fn get(&self) -> ApiResult<u64> {
        let l = self.limit.unwrap_or(20);
        if (1..=100).contains(&l) {
            Ok(l)
        } else {
            Err(ApiError::field("limit", "must be 1 to 100"))
        }
    }
}

/// The fee-rule versions, newest effective time first; the one in force is
/// marked.
#[utoipa::path(tag = "admin", security(("bearer" = ["operator"])), params(Limit), responses(
    (status = 200, body = Vec<FeeRuleVersion>),
))]
#[get("/admin/fee-rules")]
pub async fn fee_rule_versions(
    state: web::Data<AppState>,
    who: Principal,
    q: web::Query<Limit>,
) -> ApiResult<web::Json<Vec<FeeRuleVersion>>> {
    who.require(Role::Operator)?;
    let now = state.clock.now();
    // The rules in force exist (stored on first use) before they are listed.
    let (in_force, _) = fee_rules::fee_rules(&state.db, who.platform_id, now).await?;
    let versions = fee_rules::versions(&state.db, who.platform_id, q.get()?).await?;
    Ok(web::Json(
        versions
            .into_iter()
            .map(|(row, rules)| FeeRuleVersion {
                in_force: row.id == in_force,
                id: row.id,
                effective_from: row.effective_from,
                created_at: row.created_at,
                rules,
            })
            .collect(),
    ))
}

/// Stores new fee rules from a time on; the change is recorded.
#[utoipa::path(tag = "admin", security(("bearer" = ["operator"])), request_body = NewFeeRules, responses(
    (status = 201, body = FeeRuleVersion),
))]
#[post("/admin/fee-rules")]
pub async fn add_fee_rules(
    state: web::Data<AppState>,
    who: Principal,
    body: ApiJson<NewFeeRules>,
) -> ApiResult<HttpResponse> {
    who.require(Role::Operator)?;
    let now = state.clock.now();
    let txn = entity::tx::begin_write(&state.writer).await?;
    let res = fee_rules::add_version(
        &txn,
        who.platform_id,
        who.user_id,
        &body.rules,
        body.effective_from,
        now,
    )
    .await;
    let row = crate::routes::finish(txn, res).await?;
    Ok(HttpResponse::Created().json(FeeRuleVersion {
        in_force: row.effective_from <= now,
        id: row.id,
        effective_from: row.effective_from,
        created_at: row.created_at,
        rules: body.into_inner().rules,
    }))
}

/// Prices a sample delivery under the rules in force and under proposed
/// ones, before they take effect (nothing is stored).
#[utoipa::path(tag = "admin", security(("bearer" = ["operator"])), request_body = PreviewRequest, responses(
    (status = 200, body = Preview),
    (status = 422, description = "VALIDATION_FAILED (the rules, or neither or both of location and agent_point_id), ADDRESS_OUTSIDE_SERVICE_AREA", body = ErrorBody),
))]
#[post("/admin/fee-rules/preview")]
pub async fn preview_fee_rules(
    state: web::Data<AppState>,
    who: Principal,
    body: ApiJson<PreviewRequest>,
) -> ApiResult<web::Json<Preview>> {
    who.require(Role::Operator)?;
    let place = match (&body.location, body.agent_point_id) {
        (Some(p), None) => Place::City(
            entity::geo::Coordinates::new(p.lat, p.lng)
                .map_err(|m| ApiError::field("location", m))?,
        ),
        (None, Some(id)) => Place::Village(id),
        _ => {
            return Err(ApiError::field(
                "location",
                "give a location (city) or an agent_point_id (village)",
            ));
        }
    };
    Ok(web::Json(
        fee_rules::preview(
            &state.db,
            who.platform_id,
            body.store_id,
            &place,
            body.cold_chain.as_deref().unwrap_or("ambient"),
            &body.rules,
            state.clock.now(),
        )
        .await?,
    ))
}

/// The order timeouts.
#[utoipa::path(tag = "admin", security(("bearer" = ["operator"])), responses(
    (status = 200, body = Timeouts),
))]
#[get("/admin/timeouts")]
pub async fn timeouts(
    state: web::Data<AppState>,
    who: Principal,
) -> ApiResult<web::Json<Timeouts>> {
    who.require(Role::Operator)?;
    let p = entity::platform_end::platforms::platform_of(&state.db, who.platform_id).await?;
    Ok(web::Json(Timeouts::of(&p)))
}

/// Sets the order timeouts; the change is recorded.
#[utoipa::path(tag = "admin", security(("bearer" = ["operator"])), request_body = Timeouts, responses(
    (status = 200, body = Timeouts),
))]
#[put("/admin/timeouts")]
pub async fn set_timeouts(
    state: web::Data<AppState>,
    who: Principal,
    body: ApiJson<Timeouts>,
) -> ApiResult<web::Json<Timeouts>> {
    who.require(Role::Operator)?;
    let txn = entity::tx::begin_write(&state.writer).await?;
    let res =
        settings::set_timeouts(&txn, who.platform_id, who.user_id, &body, state.clock.now()).await;
    Ok(web::Json(crate::routes::finish(txn, res).await?))
}

/// The platform's name, service hours and contact.
#[utoipa::path(tag = "admin", security(("bearer" = ["operator"])), responses(
    (status = 200, body = Profile),
))]
#[get("/admin/profile")]
pub async fn profile(state: web::Data<AppState>, who: Principal) -> ApiResult<web::Json<Profile>> {
    who.require(Role::Operator)?;
    let p = entity::platform_end::platforms::platform_of(&state.db, who.platform_id).await?;
    Ok(web::Json(Profile::of(&p)))
}

/// Sets the platform's name, service hours and contact; the change is
/// recorded.
#[utoipa::path(tag = "admin", security(("bearer" = ["operator"])), request_body = Profile, responses(
    (status = 200, body = Profile),
))]
#[put("/admin/profile")]
pub async fn set_profile(
    state: web::Data<AppState>,
    who: Principal,
    body: ApiJson<Profile>,
) -> ApiResult<web::Json<Profile>> {
    who.require(Role::Operator)?;
    let txn = entity::tx::begin_write(&state.writer).await?;
    let res =
        settings::set_profile(&txn, who.platform_id, who.user_id, &body, state.clock.now()).await;
    Ok(web::Json(crate::routes::finish(txn, res).await?))
}

/// Who changed which setting when, from what to what; newest first.
#[utoipa::path(tag = "admin", security(("bearer" = ["operator"])), params(Limit), responses(
    (status = 200, body = Vec<entity::setting_change::Model>),
))]
#[get("/admin/setting-changes")]
pub async fn setting_changes(
    state: web::Data<AppState>,
    who: Principal,
    q: web::Query<Limit>,
) -> ApiResult<web::Json<Vec<entity::setting_change::Model>>> {
    who.require(Role::Operator)?;
    Ok(web::Json(
        settings::changes(&state.db, who.platform_id, q.get()?).await?,
    ))
}
