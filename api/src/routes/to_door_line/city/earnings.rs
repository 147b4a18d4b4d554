//! A rider's earnings by day and by job.

use actix_web::{get, web};
use chrono::NaiveDate;
use entity::delivery_end::riders;
use entity::platform_end::platforms;
use entity::to_door_line::city::earnings::{EarningsDay, EarningsJob};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::auth::Principal;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::state::AppState;

/// `GET /rider/earnings` range.
#[derive(Debug, Deserialize, IntoParams)]
pub struct EarningsQuery {
    /// First local date (default: 30 days ago).
    pub from: Option<NaiveDate>,
    /// Last local date (default: today).
    pub to: Option<NaiveDate>,
}

/// Earnings by day and by job.
#[derive(Debug, Serialize, ToSchema)]
pub struct Earnings {
    /// Sum over the range.
    pub total_fen: i64,
    /// Per local day.
    pub days: Vec<EarningsDay>,
    /// Per delivered job.
    pub jobs: Vec<EarningsJob>,
}

/// The rider's earnings (at most a year per request).
#[utoipa::path(tag = "rider", security(("bearer" = ["rider"])), params(EarningsQuery), responses(
    (status = 200, body = Earnings),
    (status = 422, description = "VALIDATION_FAILED: range", body = ErrorBody),
    (status = 404, description = "NOT_FOUND: the caller has not registered as a rider", body = ErrorBody),
))]
#[get("/rider/earnings")]
pub async fn earnings(
    state: web::Data<AppState>,
    who: Principal,
    q: web::Query<EarningsQuery>,
) -> ApiResult<web::Json<Earnings>> {
    let r = riders::of_user(&state.db, who.platform_id, who.user_id).await?;
    let offset = platforms::platform_of(&state.db, who.platform_id)
        .await?
        .utc_offset_minutes;
    let to = match q.to {
        Some(to) => to,
        None => crate::routes::today_at(&state, offset),
    };
    let from = q.from.unwrap_or(to - chrono::Duration::days(30));
    if from > to || (to - from).num_days() > 366 {
        return Err(ApiError::field("from", "from ≤ to, at most a year apart"));
    }
    let (days, jobs) =
        entity::to_door_line::city::earnings::earnings(&state.db, &r, offset, from, to).await?;
    Ok(web::Json(Earnings {
        total_fen: days.iter().map(|d| d.fee_fen).sum(),
        days,
        jobs,
    }))
}
