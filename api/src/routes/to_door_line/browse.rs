//! What residents browse: the stores that deliver to an address, a menu,
//! product search.

use actix_web::{get, web};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use entity::to_door_line::browse::{Menu, SearchHit, StoreCard};
use entity::to_door_line::villages::VillageEntry;
use entity::to_door_line::{addresses, browse};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::auth::Principal;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::state::AppState;

/// `GET /stores` parameters.
#[derive(Debug, Deserialize, IntoParams)]
pub struct StoresQuery {
    /// One of the caller's addresses.
    pub address_id: i64,
    /// From a previous page's `next_cursor`.
    pub cursor: Option<String>,
    /// Page size, 1 to 50 (default 20).
    pub limit: Option<usize>,
}

/// A page of stores.
#[derive(Debug, Serialize, ToSchema)]
pub struct StorePage {
    /// Stores, nearest first.
    pub items: Vec<StoreCard>,
    /// Pass as `cursor` for the next page; absent on the last.
    pub next_cursor: Option<String>,
}

fn encode_cursor(c: &StoreCard) -> String {
    URL_SAFE_NO_PAD.encode(format!("{}:{}", c.distance_m, c.id))
}

fn decode_cursor(s: &str) -> Result<(i64, i64), ApiError> {
    let bad = || ApiError::field("cursor", "not a cursor from this API");
    let raw = URL_SAFE_NO_PAD.decode(s).map_err(|_| bad())?;
    let text = String::from_utf8(raw).map_err(|_| bad())?;
    let (d, id) = text.split_once(':').ok_or_else(bad)?;
    Ok((
        d.parse().map_err(|_| bad())?,
        id.parse().map_err(|_| bad())?,
    ))
}

/// Stores that deliver to an address, nearest first, with open status,
/// minimum order and a fee hint. Cursor-paginated.
#[utoipa::path(tag = "resident", security(("bearer" = [])), params(StoresQuery), responses(
    (status = 200, body = StorePage),
    (status = 404, description = "NOT_FOUND: not the caller's address", body = ErrorBody),
    (status = 422, description = "VALIDATION_FAILED: cursor or limit", body = ErrorBody),
))]
#[get("/stores")]
pub async fn list_stores(
    state: web::Data<AppState>,
    who: Principal,
    q: web::Query<StoresQuery>,
) -> ApiResult<web::Json<StorePage>> {
    let limit = q.limit.unwrap_or(20);
    if !(1..=50).contains(&limit) {
        return Err(ApiError::field("limit", "must be 1 to 50"));
    }
    let after = q.cursor.as_deref().map(decode_cursor).transpose()?;
    let addr = addresses::get(&state.db, who.platform_id, who.user_id, q.address_id).await?;
    let all = browse::stores_for_address(&state.db, &addr, state.clock.now()).await?;
    let mut rest: Vec<StoreCard> = all
        .into_iter()
        .filter(|c| after.is_none_or(|a| (c.distance_m, c.id) > a))
        .take(limit + 1)
        .collect();
    let next_cursor = if rest.len() > limit {
        rest.truncate(limit);
        rest.last().map(encode_cursor)
    } else {
        None
    };
    Ok(web::Json(StorePage {
        items: rest,
        next_cursor,
    }))
}

/// A store's menu: listed products (as last approved) with on-shelf SKUs;
/// sold-out SKUs are marked.
#[utoipa::path(tag = "resident", security(("bearer" = [])), responses(
    (status = 200, body = Menu),
    (status = 404, description = "NOT_FOUND (also another platform's store)", body = ErrorBody),
))]
#[get("/stores/{id}/menu")]
pub async fn store_menu(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<i64>,
) -> ApiResult<web::Json<Menu>> {
    Ok(web::Json(
        browse::menu(&state.db, who.platform_id, *id).await?,
    ))
}

/// `GET /products/search` parameters.
#[derive(Debug, Deserialize, IntoParams)]
pub struct SearchQuery {
    /// Part of a product name, e.g. 包子.
    pub q: String,
    /// At most this many hits (1 to 100, default 20).
    pub limit: Option<u64>,
}

/// Listed products of the platform whose name contains `q`.
#[utoipa::path(tag = "resident", security(("bearer" = [])), params(SearchQuery), responses(
    (status = 200, body = Vec<SearchHit>),
    (status = 422, description = "VALIDATION_FAILED: q", body = ErrorBody),
))]
#[get("/products/search")]
pub async fn search_products(
    state: web::Data<AppState>,
    who: Principal,
    q: web::Query<SearchQuery>,
) -> ApiResult<web::Json<Vec<SearchHit>>> {
    Ok(web::Json(
        browse::search(&state.db, who.platform_id, &q.q, q.limit.unwrap_or(20)).await?,
    ))
}

/// The platform's villages with their agent points (name, position, opening
/// hours) and the next departures stopping at each: what a resident picks a
/// village address's `agent_point_id` from.
#[utoipa::path(tag = "resident", security(("bearer" = [])), responses(
    (status = 200, body = Vec<VillageEntry>),
    (status = 401, description = "UNAUTHENTICATED", body = ErrorBody),
))]
#[get("/villages")]
pub async fn village_directory(
    state: web::Data<AppState>,
    who: Principal,
) -> ApiResult<web::Json<Vec<VillageEntry>>> {
    let now = state.clock.now();
    Ok(web::Json(
        entity::to_door_line::villages::directory(&state.db, who.platform_id, now).await?,
    ))
}
