//! The county platforms: loading one, and the settings operators change
//! without a release (dispatch, village collection).

use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::error::{DomainError, DomainResult};
use crate::platform;

/// The platform `id` (the one loader of a platform by id).
pub async fn platform_of(db: &impl ConnectionTrait, id: i64) -> DomainResult<platform::Model> {
    crate::scope::get::<platform::Entity>(db, id, "platform").await
}

/// The platform's dispatch settings.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct DispatchSettings {
    /// `grab`, `auto` or `hybrid`.
    pub mode: String,
    /// Hybrid: seconds in the grab pool before automatic dispatch (0–3600).
    pub hybrid_wait_secs: i32,
    /// Jobs a rider may carry at once (1–10).
    pub rider_max_jobs: i32,
    /// Seconds to answer an offer (10–600).
    pub offer_timeout_secs: i32,
    /// Alert after this many seconds without a rider (60–7200).
    pub unassigned_alert_secs: i32,
    /// Pickup radius around the store, metres (20–2000).
    pub pickup_geofence_m: i32,
}

/// Checks and stores the dispatch settings (effective from the next round
/// or grab).
pub async fn set_dispatch(
    db: &impl ConnectionTrait,
    platform_id: i64,
    s: &DispatchSettings,
) -> DomainResult<()> {
    if !["grab", "auto", "hybrid"].contains(&s.mode.as_str()) {
        return Err(DomainError::invalid("mode", "one of grab, auto, hybrid"));
    }
    for (field, v, lo, hi) in [
        ("hybrid_wait_secs", s.hybrid_wait_secs, 0, 3_600),
        ("rider_max_jobs", s.rider_max_jobs, 1, 10),
        ("offer_timeout_secs", s.offer_timeout_secs, 10, 600),
        ("unassigned_alert_secs", s.unassigned_alert_secs, 60, 7_200),
        ("pickup_geofence_m", s.pickup_geofence_m, 20, 2_000),
    ] {
        if !(lo..=hi).contains(&v) {
            return Err(DomainError::invalid(field, format!("{lo} to {hi}")));
        }
    }
    platform::Entity::update_many()
        .col_expr(platform::Column::DispatchMode, Expr::value(s.mode.clone()))
        .col_expr(
            platform::Column::HybridWaitSecs,
            Expr::value(s.hybrid_wait_secs),
        )
        .col_expr(
            platform::Column::RiderMaxJobs,
            Expr::value(s.rider_max_jobs),
        )
        .col_expr(
            platform::Column::OfferTimeoutSecs,
            Expr::value(s.offer_timeout_secs),
        )
        .col_expr(
            platform::Column::UnassignedAlertSecs,
            Expr::value(s.unassigned_alert_secs),
        )
        .col_expr(
            platform::Column::PickupGeofenceM,
            Expr::value(s.pickup_geofence_m),
        )
        .filter(platform::Column::Id.eq(platform_id))
        .exec(db)
        .await?;
    Ok(())
}

/// Village settings of the platform.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct VillageSettings {
    /// Days an order may wait at an agent point before it goes to the
    /// exception queue (1 to 30).
    pub collect_within_days: i32,
}

/// Checks and stores how long orders may wait at agent points.
pub async fn set_village(
    db: &impl ConnectionTrait,
    platform_id: i64,
    s: &VillageSettings,
) -> DomainResult<()> {
    if !(1..=30).contains(&s.collect_within_days) {
        return Err(DomainError::invalid("collect_within_days", "1 to 30 days"));
    }
    platform::Entity::update_many()
        .col_expr(
            platform::Column::CollectWithinDays,
            Expr::value(s.collect_within_days),
        )
        .filter(platform::Column::Id.eq(platform_id))
        .exec(db)
        .await?;
    Ok(())
}
