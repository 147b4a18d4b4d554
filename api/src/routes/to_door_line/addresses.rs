//! A resident's delivery addresses.

use actix_web::{HttpResponse, delete, get, post, web};
use entity::to_door_line::addresses;
use entity::to_door_line::addresses::{AddressInput, AddressView};

use crate::auth::Principal;
use crate::error::{ApiResult, ErrorBody};
use crate::extract::ApiJson;
use crate::state::AppState;

/// The caller's addresses, newest first, each with the community or the
/// village and agent point that serves it.
#[utoipa::path(tag = "resident", security(("bearer" = [])), responses(
    (status = 200, body = Vec<AddressView>),
    (status = 401, description = "UNAUTHENTICATED", body = ErrorBody),
))]
#[get("/addresses")]
pub async fn list_addresses(
    state: web::Data<AppState>,
    who: Principal,
) -> ApiResult<web::Json<Vec<AddressView>>> {
    let list = addresses::list(&state.db, who.platform_id, who.user_id).await?;
    Ok(web::Json(
        addresses::with_areas(&state.db, who.platform_id, list).await?,
    ))
}

/// Adds an address: `location` for a city address (must fall inside a
/// community), or `agent_point_id` for a village address. The server
/// decides `kind` and names the `area`.
#[utoipa::path(tag = "resident", security(("bearer" = [])), request_body = AddressInput, responses(
    (status = 201, body = AddressView),
    (status = 422, description = "ADDRESS_OUTSIDE_SERVICE_AREA, VALIDATION_FAILED", body = ErrorBody),
))]
#[post("/addresses")]
pub async fn create_address(
    state: web::Data<AppState>,
    who: Principal,
    body: ApiJson<AddressInput>,
) -> ApiResult<HttpResponse> {
    let a = addresses::create(
        &state.db,
        who.platform_id,
        who.user_id,
        &body,
        state.clock.now(),
    )
    .await?;
    let mut view = addresses::with_areas(&state.db, who.platform_id, vec![a]).await?;
    Ok(HttpResponse::Created().json(view.pop()))
}

/// Removes an address from the caller's list.
#[utoipa::path(tag = "resident", security(("bearer" = [])), responses(
    (status = 204, description = "Removed"),
    (status = 404, description = "NOT_FOUND (also someone else's)", body = ErrorBody),
))]
#[delete("/addresses/{id}")]
pub async fn delete_address(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    addresses::delete(
        &state.db,
        who.platform_id,
        who.user_id,
        *id,
        state.clock.now(),
    )
    .await?;
    Ok(HttpResponse::NoContent().finish())
}
