//! The kitchen's store: its settings, and finding the caller's store.

use actix_web::{get, patch, web};
use entity::error::DomainError;
use entity::listing_line::applications;
use entity::supply_end::stores;
use entity::supply_end::stores::{StorePatch, StoreView};
use entity::{Role, store};
use sea_orm::ConnectionTrait;

use crate::auth::Principal;
use crate::error::{ApiError, ApiResult, ErrorBody, ErrorCode};
use crate::extract::ApiJson;
use crate::state::AppState;

/// The caller's merchant, if the caller owns it (payouts, staff, wages).
pub(crate) async fn owned_merchant(
    db: &impl ConnectionTrait,
    who: &Principal,
) -> ApiResult<entity::merchant::Model> {
    let s = my_store(db, who).await?;
    let m = entity::scope::get::<entity::merchant::Entity>(db, s.merchant_id, "merchant").await?;
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
#[utoipa::path(tag = "merchant", security(("bearer" = ["merchant_staff"])), responses(
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
#[utoipa::path(tag = "merchant", security(("bearer" = ["merchant_staff"])), request_body = StorePatch, responses(
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
    let txn = entity::tx::begin_write(&state.writer).await?;
    let s = my_store(&txn, &who).await?;
    let view = stores::update(&txn, s, body.into_inner(), state.clock.now()).await?;
    txn.commit().await?;
    Ok(web::Json(view))
}
