//! A supplier of a platform: a household (registered poor or not), a
//! cooperative or another source. Personal data is minimal: the ID number
//! only as a keyed hash and its last four characters.

use sea_orm::entity::prelude::*;
use serde::Serialize;

/// A supplier.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "suppliers")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub platform_id: i64,
    /// `household`, `cooperative` or `other`.
    pub kind: SupplierKind,
    /// A registered poor household (建档立卡贫困户).
    pub registered_poor: bool,
    /// The household head's or the cooperative's name (operators only).
    pub name: String,
    pub village_id: Option<i64>,
    /// People in the household, or member households of a cooperative.
    pub member_count: i32,
    /// Contact phone (masked except to operators).
    pub phone: String,
    pub id_number_hash: Option<String>,
    pub id_number_last4: Option<String>,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

stored_enum! {
    /// Who supplies a kitchen.
    pub enum SupplierKind {
        /// A household (registered poor or not).
        Household = "household",
        /// A cooperative.
        Cooperative = "cooperative",
        /// Anyone else (a mill, a farm).
        Other = "other",
    }
}
