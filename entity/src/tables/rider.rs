//! A rider of the platform: identity (hashed), vehicle, health certificate,
//! review status, duty and latest position.

use sea_orm::entity::prelude::*;
use serde::Serialize;

/// A rider of the platform.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Serialize, utoipa::ToSchema)]
#[schema(as = Rider)]
#[sea_orm(table_name = "riders")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub platform_id: i64,
    pub user_id: i64,
    pub real_name: String,
    pub phone: String,
    /// Keyed hash of the ID number (uniqueness without keeping the number).
    #[serde(skip)]
    pub id_number_hash: String,
    /// Last 4 characters of the ID number, for display.
    pub id_number_last4: String,
    /// `e_bike`, `motorbike` or `car_cooler`.
    pub vehicle: String,
    pub health_cert_no: String,
    pub health_cert_expires: chrono::NaiveDate,
    /// From a registered poor household (employment statistics).
    pub poor_household: bool,
    /// The registered household the rider comes from.
    pub household_id: Option<i64>,
    /// `pending`, `verified` or `rejected`.
    pub status: RiderStatus,
    pub review_reason: Option<String>,
    pub reviewed_by: Option<i64>,
    pub reviewed_at: Option<chrono::DateTime<chrono::Utc>>,
    pub on_duty: bool,
    /// Latest reported position (one row per rider, updated in place).
    pub lat: Option<f64>,
    pub lng: Option<f64>,
    pub located_at: Option<chrono::DateTime<chrono::Utc>>,
    /// Jobs assigned and not yet delivered (the capacity counter).
    pub active_jobs: i32,
    /// Jobs given back after accepting them.
    pub give_ups: i32,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

stored_enum! {
    /// Where a rider's registration stands.
    pub enum RiderStatus {
        /// Waiting for review.
        Pending = "pending",
        /// May deliver.
        Verified = "verified",
        /// Refused, with a reason.
        Rejected = "rejected",
    }
}
