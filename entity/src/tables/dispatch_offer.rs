//! An automatic dispatch offer of a job to a rider.

use sea_orm::entity::prelude::*;
use serde::Serialize;

/// An offer of a job to a rider, to accept or decline before it expires.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Serialize, utoipa::ToSchema)]
#[schema(as = DispatchOffer)]
#[sea_orm(table_name = "dispatch_offers")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub platform_id: i64,
    pub job_id: i64,
    pub rider_id: i64,
    /// `pending`, `accepted`, `declined` or `expired`.
    pub status: OfferStatus,
    /// The matching cost the round gave this pair, in seconds.
    pub cost_secs: i64,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub expires_at: chrono::DateTime<chrono::Utc>,
    pub decided_at: Option<chrono::DateTime<chrono::Utc>>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

stored_enum! {
    /// An automatic offer's answer.
    pub enum OfferStatus {
        /// Waiting for the rider.
        Pending = "pending",
        /// Taken.
        Accepted = "accepted",
        /// Refused by the rider.
        Declined = "declined",
        /// Not answered in time.
        Expired = "expired",
        /// Accepted, then given back by the rider before pickup.
        GivenUp = "given_up",
        /// Withdrawn: the job went to someone else first.
        Withdrawn = "withdrawn",
    }
}
