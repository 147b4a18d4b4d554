//! `GET /me`: who the caller is.

use actix_web::{get, web};
use entity::platform_end::users;
use entity::{Role, platform, user};
use sea_orm::EntityTrait;
use serde::Serialize;
use utoipa::ToSchema;

use crate::auth::Principal;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::state::AppState;

/// The caller's platform.
#[derive(Debug, Serialize, ToSchema)]
pub struct PlatformView {
    /// Platform id.
    pub id: i64,
    /// Short code, e.g. `kang`.
    pub code: String,
    /// Name, e.g. 康县同城.
    pub name: String,
}

/// The caller, their roles and platform.
#[derive(Debug, Serialize, ToSchema)]
pub struct MeResponse {
    /// User id.
    pub id: i64,
    /// Display name.
    pub display_name: String,
    /// Current roles on the session's platform (read now, not from the token).
    #[schema(value_type = Vec<String>, example = json!(["resident", "rider"]))]
    pub roles: Vec<Role>,
    /// The session's platform.
    pub platform: PlatformView,
}

/// The signed-in user.
#[utoipa::path(
    tag = "auth",
    security(("bearer" = [])),
    responses(
        (status = 200, body = MeResponse),
        (status = 401, description = "UNAUTHENTICATED, TOKEN_INVALID, TOKEN_EXPIRED", body = ErrorBody),
    )
)]
#[get("/me")]
pub async fn me(state: web::Data<AppState>, who: Principal) -> ApiResult<web::Json<MeResponse>> {
    let user = user::Entity::find_by_id(who.user_id)
        .one(&state.db)
        .await?
        .ok_or_else(|| ApiError::not_found("user"))?;
    let platform = platform::Entity::find_by_id(who.platform_id)
        .one(&state.db)
        .await?
        .ok_or_else(|| ApiError::not_found("platform"))?;
    let roles = users::roles_of(&state.db, user.id, platform.id).await?;
    Ok(web::Json(MeResponse {
        id: user.id,
        display_name: user.display_name,
        roles,
        platform: PlatformView {
            id: platform.id,
            code: platform.code,
            name: platform.name,
        },
    }))
}
