//! Merchants of the supply end, such as the Huaqiao bun kitchen.

use sea_orm::entity::prelude::*;
use serde::Serialize;

/// A merchant approved (or under review) on a platform.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "merchants")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub platform_id: i64,
    pub owner_user_id: i64,
    pub name: String,
    /// e.g. `snacks`, `produce`, `meat`, `groceries`.
    pub category: String,
    /// `approved` or `suspended`.
    pub status: MerchantStatus,
    pub licence_no: String,
    pub contact_phone: String,
    pub created_at: DateTimeUtc,
    pub food_permit_no: String,
    /// `city`, `village` or `both`.
    pub delivery_modes: String,
    /// Its WeChat Pay sub-merchant number (partner mode), as the operator
    /// recorded it; unique.
    pub sub_mchid: Option<String>,
    /// Its own appid bound to the sub-merchant, when it has one.
    pub sub_appid: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

stored_enum! {
    /// Whether a merchant may sell.
    pub enum MerchantStatus {
        /// Selling.
        Approved = "approved",
        /// Stopped by the platform.
        Suspended = "suspended",
    }
}
