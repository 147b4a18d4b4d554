//! The kitchen's side of the listing line: submitting a product for review
//! and delisting it.

use actix_web::{post, web};
use entity::listing_line::product_states::ListingEvent;
use entity::supply_end::menu;
use serde::Deserialize;
use utoipa::ToSchema;

use crate::auth::Principal;
use crate::error::{ApiResult, ErrorBody};
use crate::extract::OptionalJson;
use crate::routes::listing_line::product_view::{ProductView, step_and_view};
use crate::routes::supply_end::store::my_store;
use crate::state::AppState;

/// An optional note with a listing-line step.
#[derive(Debug, Deserialize, ToSchema, Default)]
pub struct StepRequest {
    /// Why (optional).
    pub reason: Option<String>,
}

pub(crate) async fn step(
    state: &AppState,
    who: &Principal,
    id: i64,
    event: ListingEvent,
    reason: Option<String>,
) -> ApiResult<ProductView> {
    let txn = entity::tx::begin_write(&state.writer).await?;
    let s = my_store(&txn, who).await?;
    let p = menu::product_of(&txn, s.id, id).await?;
    step_and_view(txn, p, event, reason, who.user_id, state.clock.now()).await
}

/// Sends a product to the operators' review queue.
#[utoipa::path(tag = "merchant", security(("bearer" = ["merchant_staff"])), responses(
    (status = 200, body = ProductView),
    (status = 404, description = "NOT_FOUND", body = ErrorBody),
    (status = 409, description = "INVALID_PRODUCT_STATE", body = ErrorBody),
    (status = 422, description = "PRODUCT_NOT_READY: no SKU yet", body = ErrorBody),
))]
#[post("/merchant/products/{id}/submit")]
pub async fn submit_product(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<i64>,
) -> ApiResult<web::Json<ProductView>> {
    Ok(web::Json(
        step(&state, &who, *id, ListingEvent::Submit, None).await?,
    ))
}

/// Takes a product off the menu.
#[utoipa::path(tag = "merchant", security(("bearer" = ["merchant_staff"])), request_body = StepRequest, responses(
    (status = 200, body = ProductView),
    (status = 404, description = "NOT_FOUND", body = ErrorBody),
    (status = 409, description = "INVALID_PRODUCT_STATE", body = ErrorBody),
))]
#[post("/merchant/products/{id}/delist")]
pub async fn delist_product(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<i64>,
    body: OptionalJson<StepRequest>,
) -> ApiResult<web::Json<ProductView>> {
    let reason = body.into_inner().and_then(|b| b.reason);
    Ok(web::Json(
        step(&state, &who, *id, ListingEvent::Delist, reason).await?,
    ))
}
