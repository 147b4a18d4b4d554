//! A carrier: the county delivery company or a logistics firm running village trips.

use sea_orm::entity::prelude::*;
use serde::Serialize;

/// A carrier: the county delivery company or a logistics firm running village trips.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Serialize, utoipa::ToSchema)]
#[schema(as = Carrier)]
#[sea_orm(table_name = "carriers")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub platform_id: i64,
    pub name: String,
    pub contact_phone: String,
    /// The WeChat Pay merchant number the carrier receives its share of
    /// partner-mode payments under; without one the platform receives it
    /// and pays the carrier by transfer.
    pub receiver_mchid: Option<String>,
    /// The registered name of that merchant (checked by WeChat Pay).
    pub receiver_name: Option<String>,
    pub created_at: chrono::DateTime<chrono::Utc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
