//! A county platform (e.g. Kang county): the tenant of every business row.

use sea_orm::entity::prelude::*;
use serde::Serialize;

/// One county-level same-city platform.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "platforms")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// Short stable code, e.g. `kang`.
    #[sea_orm(unique)]
    pub code: String,
    pub name: String,
    pub region: String,
    pub center_lat: f64,
    pub center_lng: f64,
    pub created_at: DateTimeUtc,
    /// Local time of the county, minutes east of UTC (China: 480).
    pub utc_offset_minutes: i32,
    /// Delivery fee shown in store lists for city addresses (a hint; the
    /// order quote prices the real fee).
    pub fee_hint_city_fen: i64,
    /// The same hint for village addresses.
    pub fee_hint_village_fen: i64,
    /// Unpaid orders are cancelled after this many seconds.
    pub payment_timeout_secs: i32,
    /// Paid orders not accepted within this many seconds are refunded.
    pub acceptance_timeout_secs: i32,
    /// City dispatch: `grab`, `auto` or `hybrid` (grab pool first).
    pub dispatch_mode: String,
    /// Hybrid: seconds a job stays in the grab pool before automatic dispatch.
    pub hybrid_wait_secs: i32,
    /// Jobs a rider may carry at once.
    pub rider_max_jobs: i32,
    /// Seconds a rider has to accept an automatic offer.
    pub offer_timeout_secs: i32,
    /// A job without a rider this long raises an operator alert.
    pub unassigned_alert_secs: i32,
    /// Pickup is allowed within this many metres of the store.
    pub pickup_geofence_m: i32,
    /// Payouts above this many fen wait for an operator's review.
    pub payout_review_fen: i64,
    /// Days an order may wait at an agent point before it goes to the
    /// exception queue.
    pub collect_within_days: i32,
    /// When residents can reach the platform, e.g. `08:00-21:00`.
    pub service_hours: String,
    /// The platform's contact phone for residents and merchants.
    pub contact_phone: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
