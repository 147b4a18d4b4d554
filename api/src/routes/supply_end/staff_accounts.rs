//! Console accounts for kitchen staff: the merchant's owner (signed in
//! with WeChat) creates a username and password for a member of staff, who
//! then works the order board at `/console` from a desk.

use actix_web::{HttpResponse, post, web};
use entity::supply_end::staff;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::auth::Principal;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::ApiJson;
use crate::routes::finish;
use crate::state::AppState;

/// A new console account.
#[derive(Debug, Deserialize, ToSchema)]
pub struct NewConsoleAccount {
    /// 3–32 of a–z, 0–9, `-`, `_`; unique on the server.
    pub username: String,
    /// At least 10 characters.
    pub password: String,
    /// The staff member's name as shown in the console.
    pub display_name: String,
}

/// The account made.
#[derive(Debug, Serialize, ToSchema)]
pub struct ConsoleAccount {
    /// The staff member's user.
    pub user_id: i64,
    /// Their staff id at the store.
    pub staff_id: i64,
    /// The username to sign in with.
    pub username: String,
}

/// The owner creates a console account for a member of the store's staff.
#[utoipa::path(tag = "merchant", security(("bearer" = ["merchant_staff"])), request_body = NewConsoleAccount, responses(
    (status = 201, body = ConsoleAccount),
    (status = 403, description = "NOT_MERCHANT_OWNER, NOT_STORE_STAFF", body = ErrorBody),
    (status = 409, description = "CONFLICT: the username is taken", body = ErrorBody),
    (status = 422, description = "VALIDATION_FAILED", body = ErrorBody),
))]
#[post("/merchant/console-accounts")]
pub async fn create(
    state: web::Data<AppState>,
    who: Principal,
    body: ApiJson<NewConsoleAccount>,
) -> ApiResult<HttpResponse> {
    let m = crate::routes::supply_end::store::owned_merchant(&state.db, &who).await?;
    let s = crate::routes::supply_end::store::my_store(&state.db, &who).await?;
    let name = staff::check_account(&body.username, &body.password, &body.display_name)?;
    // argon2 is slow by design: hash before the transaction.
    let given = body.password.clone();
    let phc = web::block(move || crate::auth::password::hash(&given))
        .await
        .map_err(ApiError::internal)?
        .map_err(ApiError::internal)?;
    let now = state.clock.now();
    let txn = entity::tx::begin_write(&state.writer).await?;
    let res =
        staff::add_console_staff(&txn, m.platform_id, s.id, &body.username, phc, name, now).await;
    let made = finish(txn, res).await?;
    Ok(HttpResponse::Created().json(ConsoleAccount {
        user_id: made.user.id,
        staff_id: made.staff.id,
        username: body.username.clone(),
    }))
}
