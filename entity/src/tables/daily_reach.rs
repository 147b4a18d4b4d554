//! Who and where a platform served on a day (residents, communities,
//! villages, riders), for distinct counts over any period.

use sea_orm::entity::prelude::*;
use serde::Serialize;

/// One reached resident, community, village or rider on a day.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "daily_reach")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub platform_id: i64,
    pub day: chrono::NaiveDate,
    /// `resident`, `community`, `village` or `rider`.
    pub kind: ReachKind,
    pub ref_id: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

stored_enum! {
    /// What a day's deliveries reached.
    pub enum ReachKind {
        /// A resident.
        Resident = "resident",
        /// A city community.
        Community = "community",
        /// A village.
        Village = "village",
        /// A rider.
        Rider = "rider",
    }
}
