//! Merchant staff: applying to join, store settings, the menu, and the
//! listing line from the kitchen's side.

use actix_web::{HttpResponse, delete, get, patch, post, put, web};
use entity::error::DomainError;
use entity::listing_line::applications;
use entity::listing_line::applications::ApplicationInput;
use entity::listing_line::product_states::ListingEvent;
use entity::supply_end::menu::{CategoryInput, ProductInput, ProductPatch, SkuInput};
use entity::supply_end::stores::{StorePatch, StoreView};
use entity::supply_end::{menu, stores};
use entity::{Role, category, merchant_application, product, sku, store};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use serde::Deserialize;
use utoipa::ToSchema;

use super::product_view::{ProductView, product_view, step_and_view};
use crate::auth::Principal;
use crate::error::{ApiError, ApiResult, ErrorBody, ErrorCode};
use crate::extract::ApiJson;
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

/// The caller's merchant, if the caller owns it (payouts, staff, wages).
pub(crate) async fn owned_merchant(
    db: &impl ConnectionTrait,
    who: &Principal,
) -> ApiResult<entity::merchant::Model> {
    let s = my_store(db, who).await?;
    let m = entity::merchant::Entity::find_by_id(s.merchant_id)
        .one(db)
        .await?
        .ok_or_else(|| ApiError::not_found("merchant"))?;
    if m.owner_user_id != who.user_id {
        return Err(ApiError::new(
            ErrorCode::NOT_MERCHANT_OWNER,
            "only the merchant's owner does this",
        ));
    }
    Ok(m)
}

/// The store the caller works at: merchant staff on this platform only.
pub async fn my_store(db: &impl ConnectionTrait, who: &Principal) -> ApiResult<store::Model> {
    if !who.has(Role::MerchantStaff) {
        return Err(ApiError::new(
            ErrorCode::NOT_STORE_STAFF,
            "this needs the merchant_staff role",
        ));
    }
    applications::store_of_staff(db, who.platform_id, who.user_id)
        .await
        .map_err(|e| match e {
            DomainError::NotFound(_) => ApiError::new(
                ErrorCode::NOT_STORE_STAFF,
                "you do not work at a store on this platform",
            ),
            other => other.into(),
        })
}

/// The caller's store and its settings.
#[utoipa::path(tag = "merchant", security(("bearer" = [])), responses(
    (status = 200, body = StoreView),
    (status = 403, description = "NOT_STORE_STAFF", body = ErrorBody),
))]
#[get("/merchant/store")]
pub async fn get_store(
    state: web::Data<AppState>,
    who: Principal,
) -> ApiResult<web::Json<StoreView>> {
    let s = my_store(&state.db, &who).await?;
    Ok(web::Json(stores::view(&state.db, s).await?))
}

/// Changes store settings; send the `version` you read.
#[utoipa::path(tag = "merchant", security(("bearer" = [])), request_body = StorePatch, responses(
    (status = 200, body = StoreView),
    (status = 403, description = "NOT_STORE_STAFF", body = ErrorBody),
    (status = 404, description = "NOT_FOUND: a village route", body = ErrorBody),
    (status = 409, description = "STALE_VERSION", body = ErrorBody),
    (status = 422, description = "VALIDATION_FAILED", body = ErrorBody),
))]
#[patch("/merchant/store")]
pub async fn patch_store(
    state: web::Data<AppState>,
    who: Principal,
    body: ApiJson<StorePatch>,
) -> ApiResult<web::Json<StoreView>> {
    let txn = entity::tx::begin_write(&state.db).await?;
    let s = my_store(&txn, &who).await?;
    let view = stores::update(&txn, s, body.into_inner(), state.clock.now()).await?;
    txn.commit().await?;
    Ok(web::Json(view))
}

/// Menu categories in order.
#[utoipa::path(tag = "merchant", security(("bearer" = [])), responses(
    (status = 200, body = Vec<category::Model>),
    (status = 403, description = "NOT_STORE_STAFF", body = ErrorBody),
))]
#[get("/merchant/categories")]
pub async fn list_categories(
    state: web::Data<AppState>,
    who: Principal,
) -> ApiResult<web::Json<Vec<category::Model>>> {
    let s = my_store(&state.db, &who).await?;
    Ok(web::Json(menu::categories(&state.db, s.id).await?))
}

/// Adds a category.
#[utoipa::path(tag = "merchant", security(("bearer" = [])), request_body = CategoryInput, responses(
    (status = 201, body = category::Model),
    (status = 403, description = "NOT_STORE_STAFF", body = ErrorBody),
    (status = 422, description = "VALIDATION_FAILED", body = ErrorBody),
))]
#[post("/merchant/categories")]
pub async fn create_category(
    state: web::Data<AppState>,
    who: Principal,
    body: ApiJson<CategoryInput>,
) -> ApiResult<HttpResponse> {
    let s = my_store(&state.db, &who).await?;
    let c = menu::save_category(
        &state.db,
        s.id,
        s.platform_id,
        None,
        &body,
        state.clock.now(),
    )
    .await?;
    Ok(HttpResponse::Created().json(c))
}

/// Renames or reorders a category.
#[utoipa::path(tag = "merchant", security(("bearer" = [])), request_body = CategoryInput, responses(
    (status = 200, body = category::Model),
    (status = 404, description = "NOT_FOUND (also another store's)", body = ErrorBody),
))]
#[put("/merchant/categories/{id}")]
pub async fn update_category(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<i64>,
    body: ApiJson<CategoryInput>,
) -> ApiResult<web::Json<category::Model>> {
    let s = my_store(&state.db, &who).await?;
    Ok(web::Json(
        menu::save_category(
            &state.db,
            s.id,
            s.platform_id,
            Some(*id),
            &body,
            state.clock.now(),
        )
        .await?,
    ))
}

/// Deletes an empty category.
#[utoipa::path(tag = "merchant", security(("bearer" = [])), responses(
    (status = 204, description = "Deleted"),
    (status = 404, description = "NOT_FOUND", body = ErrorBody),
    (status = 422, description = "VALIDATION_FAILED: not empty", body = ErrorBody),
))]
#[delete("/merchant/categories/{id}")]
pub async fn delete_category(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    let s = my_store(&state.db, &who).await?;
    menu::delete_category(&state.db, s.id, *id).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// All products of the store, whatever their status.
#[utoipa::path(tag = "merchant", security(("bearer" = [])), responses(
    (status = 200, body = Vec<ProductView>),
    (status = 403, description = "NOT_STORE_STAFF", body = ErrorBody),
))]
#[get("/merchant/products")]
pub async fn list_products(
    state: web::Data<AppState>,
    who: Principal,
) -> ApiResult<web::Json<Vec<ProductView>>> {
    let s = my_store(&state.db, &who).await?;
    let rows = product::Entity::find()
        .filter(product::Column::StoreId.eq(s.id))
        .order_by_asc(product::Column::Id)
        .all(&state.db)
        .await?;
    let mut out = Vec::with_capacity(rows.len());
    for p in rows {
        out.push(product_view(&state.db, p).await?);
    }
    Ok(web::Json(out))
}

/// Creates a draft product.
#[utoipa::path(tag = "merchant", security(("bearer" = [])), request_body = ProductInput, responses(
    (status = 201, body = ProductView),
    (status = 403, description = "NOT_STORE_STAFF", body = ErrorBody),
    (status = 422, description = "VALIDATION_FAILED", body = ErrorBody),
))]
#[post("/merchant/products")]
pub async fn create_product(
    state: web::Data<AppState>,
    who: Principal,
    body: ApiJson<ProductInput>,
) -> ApiResult<HttpResponse> {
    let s = my_store(&state.db, &who).await?;
    let p = menu::create_product(&state.db, s.id, s.platform_id, &body, state.clock.now()).await?;
    Ok(HttpResponse::Created().json(product_view(&state.db, p).await?))
}

/// One product of the store.
#[utoipa::path(tag = "merchant", security(("bearer" = [])), responses(
    (status = 200, body = ProductView),
    (status = 404, description = "NOT_FOUND (also another store's)", body = ErrorBody),
))]
#[get("/merchant/products/{id}")]
pub async fn get_product(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<i64>,
) -> ApiResult<web::Json<ProductView>> {
    let s = my_store(&state.db, &who).await?;
    let p = menu::product_of(&state.db, s.id, *id).await?;
    Ok(web::Json(product_view(&state.db, p).await?))
}

/// Edits a product; send the `version` you read. Changing the name,
/// images, description or cold-chain class of a listed product sends it
/// back to review while the approved version stays on the menu.
#[utoipa::path(tag = "merchant", security(("bearer" = [])), request_body = ProductPatch, responses(
    (status = 200, body = ProductView),
    (status = 404, description = "NOT_FOUND", body = ErrorBody),
    (status = 409, description = "STALE_VERSION", body = ErrorBody),
    (status = 422, description = "VALIDATION_FAILED", body = ErrorBody),
))]
#[patch("/merchant/products/{id}")]
pub async fn patch_product(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<i64>,
    body: ApiJson<ProductPatch>,
) -> ApiResult<web::Json<ProductView>> {
    let txn = entity::tx::begin_write(&state.db).await?;
    let s = my_store(&txn, &who).await?;
    let p = menu::product_of(&txn, s.id, *id).await?;
    let p = menu::update_product(&txn, p, &body, state.clock.now()).await?;
    let view = product_view(&txn, p).await?;
    txn.commit().await?;
    Ok(web::Json(view))
}

/// Adds a SKU (price, stock, on-shelf); no review needed.
#[utoipa::path(tag = "merchant", security(("bearer" = [])), request_body = SkuInput, responses(
    (status = 201, body = sku::Model),
    (status = 404, description = "NOT_FOUND", body = ErrorBody),
    (status = 409, description = "STALE_VERSION", body = ErrorBody),
    (status = 422, description = "VALIDATION_FAILED", body = ErrorBody),
))]
#[post("/merchant/products/{id}/skus")]
pub async fn create_sku(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<i64>,
    body: ApiJson<SkuInput>,
) -> ApiResult<HttpResponse> {
    let txn = entity::tx::begin_write(&state.db).await?;
    let s = my_store(&txn, &who).await?;
    let p = menu::product_of(&txn, s.id, *id).await?;
    let k = menu::save_sku(&txn, p, None, &body, state.clock.now()).await?;
    txn.commit().await?;
    Ok(HttpResponse::Created().json(k))
}

/// Replaces a SKU (e.g. a new price or stock); no review needed.
#[utoipa::path(tag = "merchant", security(("bearer" = [])), request_body = SkuInput, responses(
    (status = 200, body = sku::Model),
    (status = 404, description = "NOT_FOUND", body = ErrorBody),
    (status = 409, description = "STALE_VERSION", body = ErrorBody),
    (status = 422, description = "VALIDATION_FAILED", body = ErrorBody),
))]
#[put("/merchant/products/{id}/skus/{sku_id}")]
pub async fn update_sku(
    state: web::Data<AppState>,
    who: Principal,
    path: web::Path<(i64, i64)>,
    body: ApiJson<SkuInput>,
) -> ApiResult<web::Json<sku::Model>> {
    let (product_id, sku_id) = *path;
    let txn = entity::tx::begin_write(&state.db).await?;
    let s = my_store(&txn, &who).await?;
    let p = menu::product_of(&txn, s.id, product_id).await?;
    let k = menu::save_sku(&txn, p, Some(sku_id), &body, state.clock.now()).await?;
    txn.commit().await?;
    Ok(web::Json(k))
}

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
    let txn = entity::tx::begin_write(&state.db).await?;
    let s = my_store(&txn, who).await?;
    let p = menu::product_of(&txn, s.id, id).await?;
    step_and_view(txn, p, event, reason, who.user_id, state.clock.now()).await
}

/// Sends a product to the operators' review queue.
#[utoipa::path(tag = "merchant", security(("bearer" = [])), responses(
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
#[utoipa::path(tag = "merchant", security(("bearer" = [])), request_body = StepRequest, responses(
    (status = 200, body = ProductView),
    (status = 404, description = "NOT_FOUND", body = ErrorBody),
    (status = 409, description = "INVALID_PRODUCT_STATE", body = ErrorBody),
))]
#[post("/merchant/products/{id}/delist")]
pub async fn delist_product(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<i64>,
    body: Option<ApiJson<StepRequest>>,
) -> ApiResult<web::Json<ProductView>> {
    let reason = body.and_then(|b| b.into_inner().reason);
    Ok(web::Json(
        step(&state, &who, *id, ListingEvent::Delist, reason).await?,
    ))
}
