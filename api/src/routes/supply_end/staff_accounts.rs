//! Console accounts for kitchen staff: the merchant's owner (signed in
//! with WeChat) creates a username and password for a member of staff, who
//! then works the order board at `/console` from a desk.

use actix_web::{HttpResponse, post, web};
use entity::{Role, operator_account, store_staff, user};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::auth::Principal;
use crate::error::{ApiError, ApiResult, ErrorBody, ErrorCode};
use crate::extract::ApiJson;
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

/// Checks a username: 3–32 of `a-z0-9-_`.
pub fn valid_username(u: &str) -> bool {
    (3..=32).contains(&u.len())
        && u.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
}

/// The owner creates a console account for a member of the store's staff.
#[utoipa::path(tag = "merchant", security(("bearer" = [])), request_body = NewConsoleAccount, responses(
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
    if !valid_username(&body.username) {
        return Err(ApiError::field("username", "3 to 32 of a-z, 0-9, - and _"));
    }
    if body.password.chars().count() < 10 || body.password.len() > 256 {
        return Err(ApiError::field("password", "10 to 256 characters"));
    }
    let name = crate::routes::required_text("display_name", &body.display_name, 32)?;
    // argon2 is slow by design: hash before the transaction.
    let given = body.password.clone();
    let phc = web::block(move || crate::auth::password::hash(&given))
        .await
        .map_err(ApiError::internal)?
        .map_err(ApiError::internal)?;
    let now = state.clock.now();
    let txn = entity::tx::begin_write(&state.db).await?;
    let taken = operator_account::Entity::find()
        .filter(operator_account::Column::Username.eq(&body.username))
        .one(&txn)
        .await?;
    if taken.is_some() {
        txn.rollback().await?;
        return Err(ApiError::new(ErrorCode::CONFLICT, "this username is taken"));
    }
    let u = user::ActiveModel {
        platform_id: Set(m.platform_id),
        display_name: Set(name),
        disabled: Set(false),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    entity::platform_end::users::grant_role(&txn, m.platform_id, u.id, Role::MerchantStaff, now)
        .await?;
    let staff = store_staff::ActiveModel {
        platform_id: Set(m.platform_id),
        store_id: Set(s.id),
        user_id: Set(u.id),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    operator_account::ActiveModel {
        platform_id: Set(m.platform_id),
        user_id: Set(u.id),
        username: Set(body.username.clone()),
        password_hash: Set(phc),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    txn.commit().await?;
    Ok(HttpResponse::Created().json(ConsoleAccount {
        user_id: u.id,
        staff_id: staff.id,
        username: body.username.clone(),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames_are_plain() {
        assert!(valid_username("huaqiao-kitchen"));
        assert!(!valid_username("Hua"));
        assert!(!valid_username("ab"));
        assert!(!valid_username("花桥"));
    }
}
