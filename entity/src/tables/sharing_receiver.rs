//! A profit-sharing receiver added for a sub-merchant.

use sea_orm::entity::prelude::*;

/// A receiver WeChat Pay knows for a sub-merchant (added before its first
/// sharing order, once).
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "sharing_receivers")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub platform_id: i64,
    pub sub_mchid: String,
    pub receiver_type: String,
    pub account: String,
    pub created_at: chrono::DateTime<chrono::Utc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
