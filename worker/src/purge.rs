//! The housekeeping job: expired refresh tokens and old finished jobs.

use std::future::Future;
use std::pin::Pin;

use chrono::Duration;
use entity::job::JobState;
use entity::job::{self, Entity as Jobs};
use entity::runtime::settings::WorkerSettings;
use sea_orm::{ColumnTrait, DbErr, EntityTrait, QueryFilter};

use crate::jobs::{JobContext, PeriodicHandler, PeriodicJob};

/// Finished jobs are kept this long for inspection and de-duplication.
pub const DONE_JOB_RETENTION_DAYS: i64 = 7;

/// Deletes expired refresh tokens and done jobs past their retention.
#[derive(Debug, Clone, Copy)]
pub struct Purge;

impl PeriodicHandler for Purge {
    fn run<'a>(
        &'a self,
        ctx: &'a JobContext,
    ) -> Pin<Box<dyn Future<Output = Result<String, DbErr>> + Send + 'a>> {
        Box::pin(async move {
            let now = ctx.clock.now();
            let tokens = entity::platform_end::sessions::purge_expired(&ctx.db, now).await?;
            let jobs = Jobs::delete_many()
                .filter(job::Column::State.eq(JobState::Done))
                .filter(job::Column::UpdatedAt.lt(now - Duration::days(DONE_JOB_RETENTION_DAYS)))
                .exec(&ctx.db)
                .await?
                .rows_affected;
            Ok(format!("purged {tokens} refresh tokens, {jobs} done jobs"))
        })
    }
}

/// The purge as a periodic job, at the configured interval.
pub fn periodic(settings: &WorkerSettings) -> PeriodicJob {
    PeriodicJob::new(
        "purge",
        Duration::seconds(settings.purge_interval_secs.max(1)),
        Purge,
    )
}
