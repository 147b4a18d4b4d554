//! Merchant applications: a user applies, operators review the queue and
//! approve or reject.

use actix_web::{HttpResponse, get, post, web};
use entity::listing_line::applications;
use entity::listing_line::applications::{ApplicationInput, Decision};
use entity::merchant_application::ApplicationStatus;
use entity::{Role, merchant_application};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};

use crate::auth::Principal;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::ApiJson;
use crate::routes::listing_line::queues::{QueueQuery, RejectRequest};
use crate::state::AppState;

/// Applies to sell on the caller's platform. One pending application per
/// user and platform.
#[utoipa::path(tag = "merchant", security(("bearer" = [])), request_body = ApplicationInput, responses(
    (status = 201, body = merchant_application::Model),
    (status = 409, description = "APPLICATION_PENDING", body = ErrorBody),
    (status = 422, description = "VALIDATION_FAILED (field named)", body = ErrorBody),
))]
#[post("/merchant/applications")]
pub async fn apply(
    state: web::Data<AppState>,
    who: Principal,
    body: ApiJson<ApplicationInput>,
) -> ApiResult<HttpResponse> {
    let app = applications::apply(
        &state.db,
        who.platform_id,
        who.user_id,
        &body,
        state.clock.now(),
    )
    .await?;
    Ok(HttpResponse::Created().json(app))
}

/// The caller's applications on this platform, with decisions and reasons.
#[utoipa::path(tag = "merchant", security(("bearer" = [])), responses(
    (status = 200, body = Vec<merchant_application::Model>),
))]
#[get("/merchant/applications")]
pub async fn my_applications(
    state: web::Data<AppState>,
    who: Principal,
) -> ApiResult<web::Json<Vec<merchant_application::Model>>> {
    Ok(web::Json(
        merchant_application::Entity::find()
            .filter(merchant_application::Column::PlatformId.eq(who.platform_id))
            .filter(merchant_application::Column::UserId.eq(who.user_id))
            .order_by_desc(merchant_application::Column::Id)
            .all(&state.db)
            .await?,
    ))
}

/// Merchant applications of the platform, oldest first.
#[utoipa::path(tag = "admin", security(("bearer" = ["operator"])), params(QueueQuery), responses(
    (status = 200, body = Vec<merchant_application::Model>),
    (status = 403, description = "FORBIDDEN", body = ErrorBody),
))]
#[get("/admin/merchant-applications")]
pub async fn list_applications(
    state: web::Data<AppState>,
    who: Principal,
    q: web::Query<QueueQuery>,
) -> ApiResult<web::Json<Vec<merchant_application::Model>>> {
    who.require(Role::Operator)?;
    let status = match q.status.as_deref() {
        None => ApplicationStatus::Pending,
        Some(s) => ApplicationStatus::parse(s).ok_or_else(|| {
            let names: Vec<&str> = ApplicationStatus::ALL.iter().map(|v| v.as_str()).collect();
            ApiError::field("status", format!("one of {}", names.join(", ")))
        })?,
    };
    Ok(web::Json(
        merchant_application::Entity::find()
            .filter(merchant_application::Column::PlatformId.eq(who.platform_id))
            .filter(merchant_application::Column::Status.eq(status))
            .order_by_asc(merchant_application::Column::Id)
            .all(&state.db)
            .await?,
    ))
}

pub(crate) async fn decide(
    state: &AppState,
    who: &Principal,
    id: i64,
    decision: Decision,
) -> ApiResult<merchant_application::Model> {
    who.require(Role::Operator)?;
    let txn = entity::tx::begin_write(&state.writer).await?;
    let app = applications::decide(
        &txn,
        who.platform_id,
        id,
        who.user_id,
        decision,
        state.clock.now(),
    )
    .await?;
    txn.commit().await?;
    Ok(app)
}

/// Approves an application: creates the merchant and its store, and makes
/// the applicant staff of it.
#[utoipa::path(tag = "admin", security(("bearer" = ["operator"])), responses(
    (status = 200, body = merchant_application::Model),
    (status = 404, description = "NOT_FOUND (also another platform's)", body = ErrorBody),
    (status = 409, description = "APPLICATION_ALREADY_DECIDED", body = ErrorBody),
))]
#[post("/admin/merchant-applications/{id}/approve")]
pub async fn approve_application(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<i64>,
) -> ApiResult<web::Json<merchant_application::Model>> {
    Ok(web::Json(
        decide(&state, &who, *id, Decision::Approve).await?,
    ))
}

/// Rejects an application with a reason the applicant sees.
#[utoipa::path(tag = "admin", security(("bearer" = ["operator"])), request_body = RejectRequest, responses(
    (status = 200, body = merchant_application::Model),
    (status = 404, description = "NOT_FOUND", body = ErrorBody),
    (status = 409, description = "APPLICATION_ALREADY_DECIDED", body = ErrorBody),
    (status = 422, description = "VALIDATION_FAILED: reason", body = ErrorBody),
))]
#[post("/admin/merchant-applications/{id}/reject")]
pub async fn reject_application(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<i64>,
    body: ApiJson<RejectRequest>,
) -> ApiResult<web::Json<merchant_application::Model>> {
    Ok(web::Json(
        decide(&state, &who, *id, Decision::Reject(body.reason.clone())).await?,
    ))
}
