//! The kitchen's menu: categories, products and SKUs.

use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, put, web};
use entity::supply_end::menu;
use entity::supply_end::menu::{CategoryInput, ProductInput, ProductPatch, SkuInput};
use entity::{category, product, sku};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};

use crate::auth::Principal;
use crate::error::{ApiResult, ErrorBody};
use crate::extract::ApiJson;
use crate::routes::listing_line::product_view::{ProductView, product_view};
use crate::routes::platform_end::imports::{self, ImportDone};
use crate::routes::supply_end::store::my_store;
use crate::state::AppState;

/// Menu categories in order.
#[utoipa::path(tag = "merchant", security(("bearer" = ["merchant_staff"])), responses(
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
#[utoipa::path(tag = "merchant", security(("bearer" = ["merchant_staff"])), request_body = CategoryInput, responses(
    (status = 201, body = category::Model),
    (status = 403, description = "NOT_STORE_STAFF", body = ErrorBody),
    (status = 422, description = "VALIDATION_FAILED", body = ErrorBody),
    (status = 409, description = "CONFLICT: the store has a category of that name", body = ErrorBody),
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
#[utoipa::path(tag = "merchant", security(("bearer" = ["merchant_staff"])), request_body = CategoryInput, responses(
    (status = 200, body = category::Model),
    (status = 404, description = "NOT_FOUND (also another store's)", body = ErrorBody),
    (status = 409, description = "CONFLICT: the store has a category of that name", body = ErrorBody),
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
#[utoipa::path(tag = "merchant", security(("bearer" = ["merchant_staff"])), responses(
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
#[utoipa::path(tag = "merchant", security(("bearer" = ["merchant_staff"])), responses(
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
#[utoipa::path(tag = "merchant", security(("bearer" = ["merchant_staff"])), request_body = ProductInput, responses(
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
#[utoipa::path(tag = "merchant", security(("bearer" = ["merchant_staff"])), responses(
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
#[utoipa::path(tag = "merchant", security(("bearer" = ["merchant_staff"])), request_body = ProductPatch, responses(
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
    let txn = entity::tx::begin_write(&state.writer).await?;
    let s = my_store(&txn, &who).await?;
    let p = menu::product_of(&txn, s.id, *id).await?;
    let p = menu::update_product(&txn, p, &body, state.clock.now()).await?;
    let view = product_view(&txn, p).await?;
    txn.commit().await?;
    Ok(web::Json(view))
}

/// Adds a SKU (price, stock, on-shelf); no review needed.
#[utoipa::path(tag = "merchant", security(("bearer" = ["merchant_staff"])), request_body = SkuInput, responses(
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
    let txn = entity::tx::begin_write(&state.writer).await?;
    let s = my_store(&txn, &who).await?;
    let p = menu::product_of(&txn, s.id, *id).await?;
    let k = menu::save_sku(&txn, p, None, &body, state.clock.now()).await?;
    txn.commit().await?;
    Ok(HttpResponse::Created().json(k))
}

/// Replaces a SKU (e.g. a new price or stock); no review needed.
#[utoipa::path(tag = "merchant", security(("bearer" = ["merchant_staff"])), request_body = SkuInput, responses(
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
    let txn = entity::tx::begin_write(&state.writer).await?;
    let s = my_store(&txn, &who).await?;
    let p = menu::product_of(&txn, s.id, product_id).await?;
    let k = menu::save_sku(&txn, p, Some(sku_id), &body, state.clock.now()).await?;
    txn.commit().await?;
    Ok(web::Json(k))
}

/// `?dry_run=`
#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
pub struct DryRunQuery {
    /// Check and count, write nothing.
    #[serde(default)]
    pub dry_run: bool,
}

/// Imports the kitchen's own menu from a CSV file, all or nothing.
#[utoipa::path(tag = "merchant", security(("bearer" = ["merchant_staff"])),
    params(DryRunQuery),
    request_body(content = String, description = "The menu as CSV: category, product, unit, cold_chain, weight_g, sku, price, stock (and description, origin)", content_type = "text/csv"),
    responses(
        (status = 200, body = ImportDone),
        (status = 403, description = "NOT_STORE_STAFF", body = ErrorBody),
        (status = 422, description = "VALIDATION_FAILED: every bad line, as `line.<n>.<column>`", body = ErrorBody),
    ))]
#[post("/merchant/menu/import")]
pub async fn import_menu(
    state: web::Data<AppState>,
    who: Principal,
    req: HttpRequest,
    q: web::Query<DryRunQuery>,
    body: web::Bytes,
) -> ApiResult<web::Json<ImportDone>> {
    let store = my_store(&state.db, &who).await?;
    imports::csv_body(&req)?;
    imports::answer(
        &state,
        store.platform_id,
        crate::import::Kind::Menu { store_id: store.id },
        &body,
        q.dry_run,
    )
    .await
}
