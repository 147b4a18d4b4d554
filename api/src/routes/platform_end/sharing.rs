//! The operator's view of profit sharing in partner mode: every sharing
//! order with its receivers' results and the returns made before refunds,
//! those WeChat Pay refused (with why), and the action that sends one
//! again under its own number.

use actix_web::{get, post, web};
use entity::Role;
use entity::platform_end::profit_sharing::{self, ShareView};
use entity::profit_share::ShareStatus;
use serde::Deserialize;
use utoipa::IntoParams;

use crate::auth::Principal;
use crate::error::{ApiResult, ErrorBody};
use crate::routes::finish;
use crate::state::AppState;

/// `GET /admin/profit-shares` filters.
#[derive(Debug, Deserialize, IntoParams)]
pub struct SharesQuery {
    /// `scheduled`, `requested` or `finished`.
    pub status: Option<String>,
    /// Only those WeChat Pay refused last time they were sent.
    #[serde(default)]
    pub refused: bool,
    /// At most this many (1 to 200, default 50).
    pub limit: Option<u64>,
}

/// The sharing orders, newest first, with their lines and returns.
#[utoipa::path(tag = "admin", security(("bearer" = ["operator"])), params(SharesQuery), responses(
    (status = 200, body = Vec<ShareView>, description = "Sharing orders"),
    (status = 403, description = "FORBIDDEN", body = ErrorBody),
    (status = 422, description = "VALIDATION_FAILED: status", body = ErrorBody),
))]
#[get("/admin/profit-shares")]
pub async fn shares(
    state: web::Data<AppState>,
    who: Principal,
    q: web::Query<SharesQuery>,
) -> ApiResult<web::Json<Vec<ShareView>>> {
    who.require(Role::Operator)?;
    let status = match q.status.as_deref() {
        None | Some("") => None,
        Some(s) => Some(ShareStatus::parse(s).ok_or_else(|| {
            entity::error::DomainError::invalid("status", "scheduled, requested or finished")
        })?),
    };
    Ok(web::Json(
        profit_sharing::list(
            &state.db,
            who.platform_id,
            status,
            q.refused,
            q.limit.unwrap_or(50),
        )
        .await?,
    ))
}

/// Sends a sharing order that is not finished again now, under the same
/// number (after its cause was fixed, or when its retries ran out).
#[utoipa::path(tag = "admin", security(("bearer" = ["operator"])), params(("id" = i64, Path)), responses(
    (status = 200, body = entity::profit_share::Model, description = "Queued to be sent again"),
    (status = 403, description = "FORBIDDEN", body = ErrorBody),
    (status = 404, description = "NOT_FOUND", body = ErrorBody),
    (status = 422, description = "VALIDATION_FAILED: it is finished", body = ErrorBody),
))]
#[post("/admin/profit-shares/{id}/retry")]
pub async fn retry(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<i64>,
) -> ApiResult<web::Json<entity::profit_share::Model>> {
    who.require(Role::Operator)?;
    let txn = entity::tx::begin_write(&state.writer).await?;
    let res = profit_sharing::retry(&txn, who.platform_id, *id, state.clock.now()).await;
    let s = finish(txn, res).await?;
    tracing::info!(
        share = s.id,
        operator = who.user_id,
        "sharing order sent again"
    );
    Ok(web::Json(s))
}
