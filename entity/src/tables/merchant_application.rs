//! A merchant's application to join a platform, and the operator's decision.

use sea_orm::entity::prelude::*;
use serde::Serialize;

/// A merchant's application to join a platform, and the operator's decision.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Serialize, utoipa::ToSchema)]
#[schema(as = MerchantApplication)]
#[sea_orm(table_name = "merchant_applications")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub platform_id: i64,
    pub user_id: i64,
    pub business_name: String,
    pub category: String,
    pub licence_no: String,
    pub food_permit_no: String,
    pub contact_name: String,
    pub contact_phone: String,
    pub address: String,
    pub lat: f64,
    pub lng: f64,
    /// `city`, `village` or `both`.
    pub delivery_modes: String,
    /// `pending`, `approved` or `rejected`.
    pub status: ApplicationStatus,
    pub reason: Option<String>,
    pub decided_by: Option<i64>,
    pub decided_at: Option<chrono::DateTime<chrono::Utc>>,
    pub merchant_id: Option<i64>,
    pub created_at: chrono::DateTime<chrono::Utc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

stored_enum! {
    /// Where a merchant application stands.
    pub enum ApplicationStatus {
        /// Waiting for an operator.
        Pending = "pending",
        /// Approved: the merchant and store exist.
        Approved = "approved",
        /// Refused, with a reason.
        Rejected = "rejected",
    }
}
