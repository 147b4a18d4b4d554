//! The operators' product review queue: approve, reject or delist.

use actix_web::{get, post, web};
use entity::listing_line::product_states::ListingEvent;
use entity::product::ProductStatus;
use entity::{Role, product};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};

use crate::auth::Principal;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::ApiJson;
use crate::routes::listing_line::product_view::{ProductView, product_view, step_and_view};
use crate::routes::listing_line::queues::{QueueQuery, RejectRequest};
use crate::state::AppState;

/// Products of the platform by status (the review queue by default).
#[utoipa::path(tag = "admin", security(("bearer" = ["operator"])), params(QueueQuery), responses(
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
    let status = match q.status.as_deref() {
        None => ProductStatus::PendingReview,
        Some(s) => ProductStatus::parse(s).ok_or_else(|| {
            let names: Vec<&str> = ProductStatus::ALL.iter().map(|v| v.as_str()).collect();
            ApiError::field("status", format!("one of {}", names.join(", ")))
        })?,
    };
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
    let txn = entity::tx::begin_write(&state.writer).await?;
    let p =
        entity::scope::on_platform::<product::Entity>(&txn, who.platform_id, id, "product").await?;
    step_and_view(txn, p, event, reason, who.user_id, state.clock.now()).await
}

/// Approves a product under review: its current content goes live.
#[utoipa::path(tag = "admin", security(("bearer" = ["operator"])), responses(
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
#[utoipa::path(tag = "admin", security(("bearer" = ["operator"])), request_body = RejectRequest, responses(
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
#[utoipa::path(tag = "admin", security(("bearer" = ["operator"])), request_body = RejectRequest, responses(
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
