//! A recorded step of a product on the listing line: who, when, what, why.

use sea_orm::entity::prelude::*;
use serde::Serialize;

/// A recorded step of a product on the listing line: who, when, what, why.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "listing_decisions")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub platform_id: i64,
    pub product_id: i64,
    /// `submitted`, `approved`, `rejected` or `delisted`.
    pub decision: ListingDecision,
    pub reason: Option<String>,
    pub actor_user_id: i64,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

stored_enum! {
    /// A recorded step of a product on the listing line.
    pub enum ListingDecision {
        /// The merchant asked for review.
        Submitted = "submitted",
        /// An operator approved.
        Approved = "approved",
        /// An operator refused.
        Rejected = "rejected",
        /// Taken off the menu.
        Delisted = "delisted",
        /// The kitchen edited what residents see.
        Edited = "edited",
    }
}
