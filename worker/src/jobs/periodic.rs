//! Periodic jobs, singleton across worker processes.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use chrono::Duration;
use entity::periodic_run::{self, Entity as PeriodicRuns};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DatabaseBackend, DbErr, EntityTrait, QueryFilter, Set,
    Statement,
    sea_query::{Expr, OnConflict},
};

use super::runner::JobContext;

/// The work of a periodic job; returns a short summary for the log.
pub trait PeriodicHandler: Send + Sync + 'static {
    /// Runs once.
    fn run<'a>(
        &'a self,
        ctx: &'a JobContext,
    ) -> Pin<Box<dyn Future<Output = Result<String, DbErr>> + Send + 'a>>;
}

/// A job that runs at most once per interval across all workers.
#[derive(Clone)]
pub struct PeriodicJob {
    name: String,
    interval: Duration,
    handler: Arc<dyn PeriodicHandler>,
}

impl std::fmt::Debug for PeriodicJob {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}s", self.name, self.interval.num_seconds())
    }
}

/// A stable advisory-lock key for a job name (FNV-1a, 64 bit).
fn lock_key(name: &str) -> i64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in name.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h as i64
}

impl PeriodicJob {
    /// A periodic job named `name` every `interval`.
    pub fn new(name: &str, interval: Duration, handler: impl PeriodicHandler) -> Self {
        Self {
            name: name.to_owned(),
            interval,
            handler: Arc::new(handler),
        }
    }

    /// The job's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Runs the job if its period is due and no other worker claimed it.
    ///
    /// The period is claimed by a conditional update of `periodic_runs`, so
    /// it runs once per interval however many workers there are; on
    /// PostgreSQL the claim is also made under `pg_try_advisory_xact_lock`.
    /// The claim commits before the job runs, so no transaction is held open
    /// for the length of the job.
    pub async fn run_if_due(&self, ctx: &JobContext) -> Result<bool, DbErr> {
        let now = ctx.clock.now();
        // A plain read first: most polls find nothing due and write nothing.
        let last = PeriodicRuns::find_by_id(self.name.clone())
            .one(&ctx.db)
            .await?;
        if let Some(started) = last.and_then(|r| r.last_started_at)
            && started > now - self.interval
        {
            return Ok(false);
        }
        if !self.claim(ctx, now).await? {
            return Ok(false);
        }
        self.finish(&ctx.db, ctx).await?;
        Ok(true)
    }

    async fn claim(
        &self,
        ctx: &JobContext,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<bool, DbErr> {
        let txn = entity::tx::begin_write(&ctx.db).await?;
        if txn.get_database_backend() == DatabaseBackend::Postgres {
            let row = txn
                .query_one_raw(Statement::from_sql_and_values(
                    DatabaseBackend::Postgres,
                    "SELECT pg_try_advisory_xact_lock($1) AS locked",
                    [lock_key(&self.name).into()],
                ))
                .await?;
            let locked = match row {
                Some(r) => r.try_get::<bool>("", "locked")?,
                None => false,
            };
            if !locked {
                txn.rollback().await?;
                return Ok(false);
            }
        }
        PeriodicRuns::insert(periodic_run::ActiveModel {
            name: Set(self.name.clone()),
            last_started_at: Set(None),
            last_finished_at: Set(None),
            last_error: Set(None),
        })
        .on_conflict(
            OnConflict::column(periodic_run::Column::Name)
                .do_nothing()
                .to_owned(),
        )
        .exec_without_returning(&txn)
        .await?;
        let claimed = PeriodicRuns::update_many()
            .col_expr(periodic_run::Column::LastStartedAt, Expr::value(now))
            .filter(periodic_run::Column::Name.eq(self.name.clone()))
            .filter(
                Condition::any()
                    .add(periodic_run::Column::LastStartedAt.is_null())
                    .add(periodic_run::Column::LastStartedAt.lte(now - self.interval)),
            )
            .exec(&txn)
            .await?;
        if claimed.rows_affected != 1 {
            txn.rollback().await?;
            return Ok(false);
        }
        txn.commit().await?;
        Ok(true)
    }

    async fn finish(
        &self,
        bookkeeping: &impl ConnectionTrait,
        ctx: &JobContext,
    ) -> Result<(), DbErr> {
        let outcome = self.handler.run(ctx).await;
        let error = match &outcome {
            Ok(summary) => {
                tracing::info!(job = %self.name, %summary, "periodic job ran");
                None
            }
            Err(e) => {
                tracing::warn!(job = %self.name, error = %e, "periodic job failed");
                Some(e.to_string())
            }
        };
        PeriodicRuns::update_many()
            .col_expr(
                periodic_run::Column::LastFinishedAt,
                Expr::value(ctx.clock.now()),
            )
            .col_expr(periodic_run::Column::LastError, Expr::value(error))
            .filter(periodic_run::Column::Name.eq(self.name.clone()))
            .exec(bookkeeping)
            .await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn lock_keys_are_stable_and_distinct() {
        assert_eq!(super::lock_key("purge"), super::lock_key("purge"));
        assert_ne!(super::lock_key("purge"), super::lock_key("purge2"));
    }
}
