//! The outbox: jobs written in the same transaction as the business change
//! that needs them (a notification, a refund), so neither is lost without
//! the other. The worker's job runner claims and runs them.

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DbErr, EntityTrait, Set, sea_query::OnConflict};

use crate::job::JobState;
use crate::job::{self, Entity as Jobs};

/// A job to put on the queue.
#[derive(Debug, Clone)]
pub struct NewJob {
    /// Which handler runs it.
    pub kind: String,
    /// Handed to the handler as JSON.
    pub payload: serde_json::Value,
    /// The platform it concerns, if any.
    pub platform_id: Option<i64>,
    /// A second enqueue with the same key is a no-op.
    pub dedupe_key: Option<String>,
    /// Not before this time.
    pub run_at: DateTime<Utc>,
    /// Attempts before the job fails for good.
    pub max_attempts: i32,
}

impl NewJob {
    /// A job of `kind` due now, with five attempts.
    pub fn new(kind: &str, payload: serde_json::Value, now: DateTime<Utc>) -> Self {
        Self {
            kind: kind.to_owned(),
            payload,
            platform_id: None,
            dedupe_key: None,
            run_at: now,
            max_attempts: 5,
        }
    }
}

/// Queues a job; returns its id, or `None` if its dedupe key was queued before.
pub async fn enqueue(
    db: &impl ConnectionTrait,
    new: NewJob,
    now: DateTime<Utc>,
) -> Result<Option<i64>, DbErr> {
    let model = job::ActiveModel {
        platform_id: Set(new.platform_id),
        kind: Set(new.kind),
        payload: Set(new.payload.to_string()),
        dedupe_key: Set(new.dedupe_key),
        state: Set(JobState::Queued),
        attempts: Set(0),
        max_attempts: Set(new.max_attempts.max(1)),
        run_at: Set(new.run_at),
        locked_until: Set(None),
        locked_by: Set(None),
        last_error: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    };
    let res = Jobs::insert(model)
        .on_conflict(
            OnConflict::column(job::Column::DedupeKey)
                .do_nothing()
                .to_owned(),
        )
        .exec(db)
        .await;
    match res {
        Ok(r) => Ok(Some(r.last_insert_id)),
        Err(DbErr::RecordNotInserted) => Ok(None),
        Err(e) => Err(e),
    }
}
