//! HTTP routes, grouped by who uses them.

pub mod admin;
pub mod admin_dispatch;
pub mod auth;
pub mod cold_chain;
pub mod fleet;
pub mod images;
pub mod ledger_views;
pub mod linkage;
pub mod me;
pub mod merchant;
pub mod merchant_orders;
pub mod ops;
pub mod order_stream;
pub mod order_view;
pub mod orders;
pub mod pay_notify;
pub mod payouts;
pub mod product_view;
pub mod resident;
pub mod resident_stream;
pub mod reviews;
pub mod rider;
pub mod service_area;
pub mod staff_accounts;
pub mod stats;
pub mod trace;

use serde::Deserialize;

use crate::error::ApiError;

/// Trims a required string field and checks its length in characters.
pub fn required_text(field: &str, value: &str, max_chars: usize) -> Result<String, ApiError> {
    let v = value.trim();
    if v.is_empty() {
        return Err(ApiError::field(field, "must not be empty"));
    }
    if v.chars().count() > max_chars {
        return Err(ApiError::field(
            field,
            format!("must be at most {max_chars} characters"),
        ));
    }
    Ok(v.to_owned())
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
    (state.clock.now() + chrono::Duration::minutes(i64::from(offset_minutes))).date_naive()
}

/// An empty JSON object body, for commands without input.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct Empty {}
