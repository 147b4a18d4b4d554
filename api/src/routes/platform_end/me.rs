//! `GET /me`: who the caller is.

use actix_web::{get, web};
use entity::platform_end::users;
use entity::{Role, user};
use serde::Serialize;
use utoipa::ToSchema;

use crate::auth::Principal;
use crate::error::{ApiResult, ErrorBody};
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
    let user = entity::scope::get::<user::Entity>(&state.db, who.user_id, "user").await?;
    let platform = entity::platform_end::platforms::platform_of(&state.db, who.platform_id).await?;
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
