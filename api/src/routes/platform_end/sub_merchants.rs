//! The operator records each kitchen's WeChat Pay sub-merchant number for
//! partner mode (the number WeChat Pay gave the kitchen when it joined the
//! county's service provider), with the kitchen's own appid if it has one.

use actix_web::{put, web};
use entity::Role;
use entity::platform_end::payment_accounts::{self, SubMerchant};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::auth::Principal;
use crate::error::{ApiResult, ErrorBody};
use crate::extract::ApiJson;
use crate::routes::finish;
use crate::state::AppState;

/// `PUT /admin/merchants/{id}/sub-merchant`
#[derive(Debug, Deserialize, ToSchema)]
pub struct SubMerchantBody {
    /// The sub-merchant number (8 to 12 digits); `null` clears it.
    pub sub_mchid: Option<String>,
    /// The kitchen's own appid bound to it, if any.
    pub sub_appid: Option<String>,
}

/// A merchant's WeChat Pay sub-merchant.
#[derive(Debug, Serialize, ToSchema)]
pub struct SubMerchantView {
    /// The merchant.
    pub merchant_id: i64,
    /// Its name.
    pub name: String,
    /// Its sub-merchant number, if recorded.
    pub sub_mchid: Option<String>,
    /// Its own appid, if recorded.
    pub sub_appid: Option<String>,
}

/// Records (or clears) a merchant's sub-merchant number; the change is
/// kept in the setting changes with who made it.
#[utoipa::path(tag = "admin", security(("bearer" = ["operator"])), request_body = SubMerchantBody, responses(
    (status = 200, body = SubMerchantView),
    (status = 403, description = "FORBIDDEN", body = ErrorBody),
    (status = 404, description = "NOT_FOUND: no such merchant on this platform", body = ErrorBody),
    (status = 409, description = "CONFLICT: the number is another merchant's", body = ErrorBody),
    (status = 422, description = "VALIDATION_FAILED: sub_mchid or sub_appid", body = ErrorBody),
))]
#[put("/admin/merchants/{id}/sub-merchant")]
pub async fn set_sub_merchant(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<i64>,
    body: ApiJson<SubMerchantBody>,
) -> ApiResult<web::Json<SubMerchantView>> {
    who.require(Role::Operator)?;
    let sub = body.sub_mchid.as_ref().map(|no| SubMerchant {
        sub_mchid: no.clone(),
        sub_appid: body.sub_appid.clone(),
    });
    let txn = entity::tx::begin_write(&state.writer).await?;
    let res = payment_accounts::set_sub_merchant(
        &txn,
        who.platform_id,
        *id,
        sub.as_ref(),
        who.user_id,
        state.clock.now(),
    )
    .await;
    let m = finish(txn, res).await?;
    Ok(web::Json(SubMerchantView {
        merchant_id: m.id,
        name: m.name,
        sub_mchid: m.sub_mchid,
        sub_appid: m.sub_appid,
    }))
}
