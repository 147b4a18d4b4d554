//! WeChat Pay's profit-sharing movement notifications
//! (`PROFITSHARING.SUCCESS`) for a county in partner mode, at
//! `/pay/wechat/sharing-notify/{platform}` (the URL the service provider
//! gives WeChat Pay for them).
//!
//! The signature and the provider are checked as for payments; the sharing
//! order must be the county's, of the sub-merchant and payment named. The
//! notification reports one receiver's movement, so it only makes the
//! sharing order be queried now: the query's answer is what is booked,
//! once, however often the notification comes.

use actix_web::{HttpRequest, HttpResponse, post, web};
use entity::platform_end::profit_sharing;
use entity::profit_share::ShareStatus;

use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::routes::to_door_line::pay_notify::{
    Receiver, not_ours, receiver, refused, signature_headers,
};
use crate::state::AppState;

/// Receives a profit-sharing notification for a county's service provider.
#[utoipa::path(tag = "payments", request_body(content = String, description = "WeChat Pay's signed, encrypted profit-sharing notification", content_type = "application/json"),
    params(("platform" = String, Path, description = "The county's code")),
    responses(
        (status = 204, description = "Received (also for a duplicate)"),
        (status = 400, description = "BAD_REQUEST: malformed, or for another merchant or sharing order", body = ErrorBody),
        (status = 401, description = "WECHATPAY_SIGNATURE_INVALID", body = ErrorBody),
        (status = 404, description = "NOT_FOUND: no such county, merchant or sharing order", body = ErrorBody),
    ))]
#[post("/pay/wechat/sharing-notify/{platform}")]
pub async fn sharing_notify(
    state: web::Data<AppState>,
    code: web::Path<String>,
    req: HttpRequest,
    body: web::Bytes,
) -> ApiResult<HttpResponse> {
    let (pay, to) = receiver(&state, Some(&code)).await?;
    let Receiver::Platform(pid) = to else {
        return Err(ApiError::not_found("profit-sharing notifications"));
    };
    let now = state.clock.now();
    let n = pay
        .parse_sharing_notification(&signature_headers(&req), &body, now.timestamp())
        .map_err(refused)?;
    let share = profit_sharing::by_out_order_no(&state.db, pid, &n.out_order_no)
        .await?
        .ok_or_else(|| ApiError::not_found("profit share"))?;
    if share.sub_mchid != n.sub_mchid || share.transaction_id != n.transaction_id {
        return Err(not_ours("profit-sharing", &n.out_order_no));
    }
    if share.status == ShareStatus::Requested
        && let Err(e) = worker::sharing::query_and_apply(&state.db, &pay, &share, now).await
    {
        // The sharing job keeps querying; the notification was received.
        tracing::warn!(out_order_no = %share.out_order_no, error = %e, "sharing query after a notification failed");
    }
    Ok(HttpResponse::NoContent().finish())
}
