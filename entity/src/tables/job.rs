//! Queued background jobs, claimed by workers under a lease.

use sea_orm::entity::prelude::*;

/// One job; `state` is `queued`, `running`, `done` or `failed`.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "jobs")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub platform_id: Option<i64>,
    pub kind: String,
    /// JSON text handed to the job's handler.
    pub payload: String,
    /// Enqueueing the same key twice yields one job.
    #[sea_orm(unique)]
    pub dedupe_key: Option<String>,
    pub state: JobState,
    pub attempts: i32,
    pub max_attempts: i32,
    pub run_at: DateTimeUtc,
    /// While running: the lease; past it, another worker may take the job.
    pub locked_until: Option<DateTimeUtc>,
    pub locked_by: Option<String>,
    pub last_error: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

stored_enum! {
    /// Where a background job stands.
    pub enum JobState {
        /// Waiting for its time or a worker.
        Queued = "queued",
        /// Claimed by a worker under a lease.
        Running = "running",
        /// Finished.
        Done = "done",
        /// Failed for good.
        Failed = "failed",
    }
}
