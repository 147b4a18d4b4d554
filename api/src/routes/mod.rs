//! HTTP routes, grouped as the platform's model: the three ends and the two
//! lines. Each group registers its own routes with `configure`.

pub mod delivery_end;
pub mod listing_line;
pub mod ops;
pub mod platform_end;
pub mod supply_end;
pub mod to_door_line;

use serde::Deserialize;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::error::ApiError;

/// Registers every documented route under `/api/v1`, group by group.
pub fn configure(cfg: &mut ServiceConfig) {
    platform_end::configure(cfg);
    supply_end::configure(cfg);
    delivery_end::configure(cfg);
    listing_line::configure(cfg);
    to_door_line::configure(cfg);
}

/// Trims a required string field and checks its length in characters.
pub fn required_text(
    field: &'static str,
    value: &str,
    max_chars: usize,
) -> Result<String, ApiError> {
    Ok(entity::validate::required(field, value, max_chars)?)
}

/// Commits a write transaction when the domain step succeeded and rolls it
/// back when it refused: a refused step leaves no trace.
pub async fn finish<T>(
    txn: sea_orm::DatabaseTransaction,
    res: entity::error::DomainResult<T>,
) -> Result<T, ApiError> {
    match res {
        Ok(v) => {
            txn.commit().await?;
            Ok(v)
        }
        Err(e) => {
            txn.rollback().await?;
            Err(e.into())
        }
    }
}

/// Today on the platform's local calendar.
pub(crate) async fn local_today(
    state: &crate::state::AppState,
    platform_id: i64,
) -> Result<chrono::NaiveDate, ApiError> {
    let p = entity::platform_end::platforms::platform_of(&state.db, platform_id).await?;
    Ok(today_at(state, p.utc_offset_minutes))
}

/// Today on a calendar `offset_minutes` from UTC (when the platform is
/// already at hand).
pub(crate) fn today_at(state: &crate::state::AppState, offset_minutes: i32) -> chrono::NaiveDate {
    entity::calendar::local_day(state.clock.now(), offset_minutes)
}

/// An empty JSON object body, for commands without input.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct Empty {}
