//! Reconciliation of WeChat Pay's daily trade bill (and, in partner mode,
//! its profit-sharing bill) against the ledger.

use actix_web::{get, post, web};
use entity::Role;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use crate::auth::Principal;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::state::AppState;

/// Reconciles a business day against a trade bill uploaded as CSV text
/// (the file WeChat Pay's merchant platform or bill API gives), up to the
/// configured body limit (`http.json_limit_bytes`; larger bills: `/fetch`);
/// the report replaces an earlier one of that day.
#[utoipa::path(tag = "admin", security(("bearer" = ["operator"])),
    request_body(content = String, description = "The trade bill (bill_type=ALL) as CSV", content_type = "text/csv"),
    responses(
        (status = 200, body = entity::platform_end::reconciliation::Report),
        (status = 422, description = "VALIDATION_FAILED: bill", body = ErrorBody),
    ))]
#[post("/admin/reconciliation/{date}")]
pub async fn reconcile_upload(
    state: web::Data<AppState>,
    who: Principal,
    date: web::Path<chrono::NaiveDate>,
    body: web::Bytes,
) -> ApiResult<web::Json<entity::platform_end::reconciliation::Report>> {
    who.require(Role::Operator)?;
    let csv = std::str::from_utf8(&body).map_err(|_| ApiError::field("bill", "not UTF-8 text"))?;
    let txn = entity::tx::begin_write(&state.writer).await?;
    let res = entity::platform_end::reconciliation::reconcile(
        &txn,
        who.platform_id,
        *date,
        csv,
        None,
        state.clock.now(),
    )
    .await;
    Ok(web::Json(crate::routes::finish(txn, res).await?))
}

/// Downloads the day's trade bill from WeChat Pay (and a service
/// provider's profit-sharing bill) and reconciles them.
#[utoipa::path(tag = "admin", security(("bearer" = ["operator"])), responses(
    (status = 200, body = entity::platform_end::reconciliation::Report),
    (status = 404, description = "NOT_FOUND: WeChat Pay is not configured", body = ErrorBody),
    (status = 503, description = "PAYMENT_UNAVAILABLE: the bill could not be fetched", body = ErrorBody),
))]
#[post("/admin/reconciliation/{date}/fetch")]
pub async fn reconcile_fetch(
    state: web::Data<AppState>,
    who: Principal,
    date: web::Path<chrono::NaiveDate>,
) -> ApiResult<web::Json<entity::platform_end::reconciliation::Report>> {
    who.require(Role::Operator)?;
    let Some(pay) =
        crate::routes::to_door_line::payments::merchant_of(&state, who.platform_id).await?
    else {
        return Err(ApiError::not_found("WeChat Pay trade bills"));
    };
    let now = state.clock.now();
    let csv = pay.trade_bill(*date, now.timestamp()).await.map_err(|e| {
        tracing::warn!(error = %e, "trade bill download failed");
        ApiError::new(
            crate::error::ErrorCode::PAYMENT_UNAVAILABLE,
            format!("the trade bill could not be fetched ({e}); retry later"),
        )
        .retry_after(60)
    })?;
    // A service provider's sharing bill too.
    let sharing = if pay.is_partner() {
        Some(
            pay.sharing_bill(*date, now.timestamp())
                .await
                .map_err(|e| {
                    tracing::warn!(error = %e, "sharing bill download failed");
                    ApiError::new(
                        crate::error::ErrorCode::PAYMENT_UNAVAILABLE,
                        format!("the profit-sharing bill could not be fetched ({e}); retry later"),
                    )
                    .retry_after(60)
                })?,
        )
    } else {
        None
    };
    let txn = entity::tx::begin_write(&state.writer).await?;
    let res = entity::platform_end::reconciliation::reconcile(
        &txn,
        who.platform_id,
        *date,
        &csv,
        sharing.as_deref(),
        now,
    )
    .await;
    Ok(web::Json(crate::routes::finish(txn, res).await?))
}

/// The stored reconciliation report of a day.
#[utoipa::path(tag = "admin", security(("bearer" = ["operator"])), responses(
    (status = 200, body = entity::platform_end::reconciliation::Report),
    (status = 404, description = "NOT_FOUND: not reconciled yet", body = ErrorBody),
))]
#[get("/admin/reconciliation/{date}")]
pub async fn reconciliation_report(
    state: web::Data<AppState>,
    who: Principal,
    date: web::Path<chrono::NaiveDate>,
) -> ApiResult<web::Json<entity::platform_end::reconciliation::Report>> {
    use entity::reconciliation_report as rr;
    who.require(Role::Operator)?;
    let row = rr::Entity::find()
        .filter(rr::Column::PlatformId.eq(who.platform_id))
        .filter(rr::Column::BillDate.eq(*date))
        .one(&state.db)
        .await?
        .ok_or_else(|| ApiError::not_found("reconciliation report"))?;
    Ok(web::Json(
        serde_json::from_str(&row.report).map_err(ApiError::internal)?,
    ))
}
