//! Operators' review queues: merchant applications and products.

use actix_web::{get, post, web};
use entity::listing_line::applications;
use entity::listing_line::applications::Decision;
use entity::listing_line::product_states::ListingEvent;
use entity::{Role, merchant_application, product};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use super::product_view::{ProductView, product_view, step_and_view};
use crate::auth::Principal;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::ApiJson;
use crate::state::AppState;

/// `?status=` of a queue.
#[derive(Debug, Deserialize, IntoParams)]
pub struct QueueQuery {
    /// Applications: `pending` (default), `approved`, `rejected`; products:
    /// `pending_review` (default) or any product status.
    pub status: Option<String>,
}

/// A rejection.
#[derive(Debug, Deserialize, ToSchema)]
pub struct RejectRequest {
    /// Why; the applicant or merchant sees it.
    pub reason: String,
}

/// Merchant applications of the platform, oldest first.
#[utoipa::path(tag = "admin", security(("bearer" = [])), params(QueueQuery), responses(
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
    let status = q.status.clone().unwrap_or_else(|| "pending".into());
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
    let txn = entity::tx::begin_write(&state.db).await?;
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
#[utoipa::path(tag = "admin", security(("bearer" = [])), responses(
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
#[utoipa::path(tag = "admin", security(("bearer" = [])), request_body = RejectRequest, responses(
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

/// Products of the platform by status (the review queue by default).
#[utoipa::path(tag = "admin", security(("bearer" = [])), params(QueueQuery), responses(
    (status = 200, body = Vec<ProductView>),
    (status = 403, description = "FORBIDDEN", body = ErrorBody),
))]
#[get("/admin/products")]
pub async fn list_products(
    state: web::Data<AppState>,
    who: Principal,
    q: web::Query<QueueQuery>,
) -> ApiResult<web::Json<Vec<ProductView>>> {
    who.require(Role::Operator)?;
    let status = q.status.clone().unwrap_or_else(|| "pending_review".into());
    let rows = product::Entity::find()
        .filter(product::Column::PlatformId.eq(who.platform_id))
        .filter(product::Column::Status.eq(status))
        .order_by_asc(product::Column::UpdatedAt)
        .all(&state.db)
        .await?;
    let mut out = Vec::with_capacity(rows.len());
    for p in rows {
        out.push(product_view(&state.db, p).await?);
    }
    Ok(web::Json(out))
}

pub(crate) async fn review(
    state: &AppState,
    who: &Principal,
    id: i64,
    event: ListingEvent,
    reason: Option<String>,
) -> ApiResult<ProductView> {
    who.require(Role::Operator)?;
    let txn = entity::tx::begin_write(&state.db).await?;
    let p = product::Entity::find_by_id(id)
        .filter(product::Column::PlatformId.eq(who.platform_id))
        .one(&txn)
        .await?
        .ok_or_else(|| ApiError::not_found("product"))?;
    step_and_view(txn, p, event, reason, who.user_id, state.clock.now()).await
}

/// Approves a product under review: its current content goes live.
#[utoipa::path(tag = "admin", security(("bearer" = [])), responses(
    (status = 200, body = ProductView),
    (status = 404, description = "NOT_FOUND", body = ErrorBody),
    (status = 409, description = "INVALID_PRODUCT_STATE, STALE_VERSION", body = ErrorBody),
))]
#[post("/admin/products/{id}/approve")]
pub async fn approve_product(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<i64>,
) -> ApiResult<web::Json<ProductView>> {
    Ok(web::Json(
        review(&state, &who, *id, ListingEvent::Approve, None).await?,
    ))
}

/// Rejects a product under review, with a reason.
#[utoipa::path(tag = "admin", security(("bearer" = [])), request_body = RejectRequest, responses(
    (status = 200, body = ProductView),
    (status = 404, description = "NOT_FOUND", body = ErrorBody),
    (status = 409, description = "INVALID_PRODUCT_STATE", body = ErrorBody),
    (status = 422, description = "VALIDATION_FAILED: reason", body = ErrorBody),
))]
#[post("/admin/products/{id}/reject")]
pub async fn reject_product(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<i64>,
    body: ApiJson<RejectRequest>,
) -> ApiResult<web::Json<ProductView>> {
    Ok(web::Json(
        review(
            &state,
            &who,
            *id,
            ListingEvent::Reject,
            Some(body.reason.clone()),
        )
        .await?,
    ))
}

/// Takes a product off the menu (e.g. a food-safety concern).
#[utoipa::path(tag = "admin", security(("bearer" = [])), request_body = RejectRequest, responses(
    (status = 200, body = ProductView),
    (status = 404, description = "NOT_FOUND", body = ErrorBody),
    (status = 409, description = "INVALID_PRODUCT_STATE", body = ErrorBody),
))]
#[post("/admin/products/{id}/delist")]
pub async fn delist_product(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<i64>,
    body: ApiJson<RejectRequest>,
) -> ApiResult<web::Json<ProductView>> {
    Ok(web::Json(
        review(
            &state,
            &who,
            *id,
            ListingEvent::Delist,
            Some(body.reason.clone()),
        )
        .await?,
    ))
}
