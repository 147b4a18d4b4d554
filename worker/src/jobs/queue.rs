//! The `jobs` table: enqueue, claim under a lease, complete, fail.

use chrono::{DateTime, Duration, Utc};
use entity::job::JobState;
use entity::job::{self, Entity as Jobs};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, FromQueryResult, QueryFilter, Set,
    sea_query::{Cond, Expr, LockBehavior, LockType, Order, Query},
};

pub use entity::outbox::{NewJob, enqueue};

/// Which claimable jobs a claim looks at. Two statements instead of one
/// `OR`: each walks its own index in order and stops at the first row,
/// where the `OR` made PostgreSQL sort the whole backlog on every claim.
#[derive(Debug, Clone, Copy)]
enum Claimable {
    /// Running, but the worker's lease ran out (it died or hung).
    Expired,
    /// Queued and due.
    Due,
}

fn claimable(which: Claimable, now: DateTime<Utc>) -> Cond {
    use sea_orm::sea_query::ExprTrait;
    match which {
        Claimable::Due => Cond::all()
            .add(Expr::col(job::Column::State).eq(JobState::Queued))
            .add(Expr::col(job::Column::RunAt).lte(now)),
        Claimable::Expired => Cond::all()
            .add(Expr::col(job::Column::State).eq(JobState::Running))
            .add(Expr::col(job::Column::LockedUntil).lt(now))
            .add(Expr::col(job::Column::Attempts).lt(Expr::col(job::Column::MaxAttempts))),
    }
}

/// Fails jobs whose worker died (lease expired) on their last attempt.
///
/// Without this a job that kills its worker would be claimed forever.
pub async fn sweep_expired(db: &impl ConnectionTrait, now: DateTime<Utc>) -> Result<u64, DbErr> {
    use sea_orm::sea_query::ExprTrait;
    let res = Jobs::update_many()
        .col_expr(job::Column::State, Expr::value(JobState::Failed))
        .col_expr(
            job::Column::LastError,
            Expr::value("lease expired on the last attempt (worker died or hung)"),
        )
        .col_expr(
            job::Column::LockedUntil,
            Expr::value(Option::<DateTime<Utc>>::None),
        )
        .col_expr(job::Column::UpdatedAt, Expr::value(now))
        .filter(job::Column::State.eq(JobState::Running))
        .filter(job::Column::LockedUntil.lt(now))
        .filter(Expr::col(job::Column::Attempts).gte(Expr::col(job::Column::MaxAttempts)))
        .exec(db)
        .await?;
    Ok(res.rows_affected)
}

/// Claims the oldest due job of the given kinds for `worker_id` until `now + lease`.
///
/// A job whose lease ran out (its worker died) is due again. Returns `None`
/// when nothing is due.
pub async fn claim(
    db: &impl ConnectionTrait,
    kinds: &[String],
    worker_id: &str,
    now: DateTime<Utc>,
    lease: Duration,
) -> Result<Option<job::Model>, DbErr> {
    if kinds.is_empty() {
        return Ok(None);
    }
    // Abandoned jobs first, so that a steady stream of new jobs cannot
    // starve them.
    for which in [Claimable::Expired, Claimable::Due] {
        let update = claim_statement(which, kinds, worker_id, now, lease);
        if let Some(row) = db.query_one(&update).await? {
            return Ok(Some(job::Model::from_query_result(&row, "")?));
        }
    }
    Ok(None)
}

/// `UPDATE jobs SET state = 'running', ... WHERE id = (SELECT id ... LIMIT 1
/// FOR UPDATE SKIP LOCKED) AND (<claimable>) RETURNING *`.
///
/// A scalar `=`, not `IN`: PostgreSQL may turn `IN (subquery)` into a join
/// that runs the locking subquery again per row and claims every due job.
fn claim_statement(
    which: Claimable,
    kinds: &[String],
    worker_id: &str,
    now: DateTime<Utc>,
    lease: Duration,
) -> sea_orm::sea_query::UpdateStatement {
    use sea_orm::sea_query::ExprTrait;
    // sea-query leaves the lock clause out on SQLite, where the single writer
    // serialises claims anyway; the outer condition is re-checked after the
    // row lock on PostgreSQL.
    let oldest_due = Query::select()
        .column(job::Column::Id)
        .from(Jobs)
        .cond_where(
            Cond::all()
                .add(claimable(which, now))
                .add(Expr::col(job::Column::Kind).is_in(kinds.iter().cloned())),
        )
        .order_by(
            match which {
                Claimable::Due => job::Column::RunAt,
                Claimable::Expired => job::Column::LockedUntil,
            },
            Order::Asc,
        )
        .order_by(job::Column::Id, Order::Asc)
        .limit(1)
        .lock_with_behavior(LockType::Update, LockBehavior::SkipLocked)
        .to_owned();
    Query::update()
        .table(Jobs)
        .value(job::Column::State, JobState::Running)
        .value(
            job::Column::Attempts,
            Expr::col(job::Column::Attempts).add(1),
        )
        .value(job::Column::LockedUntil, now + lease)
        .value(job::Column::LockedBy, worker_id)
        .value(job::Column::UpdatedAt, now)
        .cond_where(
            Cond::all()
                .add(
                    Expr::col(job::Column::Id)
                        .eq(Expr::SubQuery(None, Box::new(oldest_due.into()))),
                )
                .add(claimable(which, now)),
        )
        .returning_all()
        .to_owned()
}

/// Marks a claimed job done; `false` if the lease was lost to another worker.
pub async fn complete(
    db: &impl ConnectionTrait,
    job: &job::Model,
    worker_id: &str,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let res = Jobs::update_many()
        .col_expr(job::Column::State, Expr::value(JobState::Done))
        .col_expr(
            job::Column::LockedUntil,
            Expr::value(Option::<DateTime<Utc>>::None),
        )
        .col_expr(job::Column::LastError, Expr::value(Option::<String>::None))
        .col_expr(job::Column::UpdatedAt, Expr::value(now))
        .filter(job::Column::Id.eq(job.id))
        .filter(job::Column::State.eq(JobState::Running))
        .filter(job::Column::LockedBy.eq(worker_id))
        .exec(db)
        .await?;
    Ok(res.rows_affected == 1)
}

/// Delay before attempt `attempts + 1`: 10 s doubling, capped at one hour.
pub fn backoff(attempts: i32) -> Duration {
    let exp = attempts.clamp(1, 20) - 1;
    let secs = 10i64.saturating_mul(1i64 << exp).min(3_600);
    Duration::seconds(secs)
}

/// Records a failed attempt: back to the queue after a backoff, or failed for
/// good when `permanent` or out of attempts. Returns the new state.
pub async fn fail(
    db: &impl ConnectionTrait,
    job: &job::Model,
    worker_id: &str,
    error: &str,
    permanent: bool,
    now: DateTime<Utc>,
) -> Result<&'static str, DbErr> {
    let state = if permanent || job.attempts >= job.max_attempts {
        JobState::Failed
    } else {
        JobState::Queued
    };
    let mut model: job::ActiveModel = job.clone().into();
    model.state = Set(state);
    model.locked_until = Set(None);
    model.last_error = Set(Some(error.chars().take(2_000).collect()));
    model.updated_at = Set(now);
    if state == JobState::Queued {
        model.run_at = Set(now + backoff(job.attempts));
    }
    // Only the lease holder may record the outcome.
    let res = Jobs::update_many()
        .set(model)
        .filter(job::Column::Id.eq(job.id))
        .filter(job::Column::State.eq(JobState::Running))
        .filter(job::Column::LockedBy.eq(worker_id))
        .exec(db)
        .await?;
    if res.rows_affected == 0 {
        return Ok("lost");
    }
    Ok(state.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_claim_is_one_guarded_statement() {
        let now = chrono::Utc::now();
        for which in [Claimable::Due, Claimable::Expired] {
            let stmt = claim_statement(which, &["a".into()], "w1", now, Duration::seconds(30));
            let pg = sea_orm::DbBackend::Postgres.build(&stmt).to_string();
            assert!(pg.contains("FOR UPDATE SKIP LOCKED"), "{pg}");
            assert!(pg.contains(r#"WHERE "id" = (SELECT"#), "{pg}");
            assert!(pg.contains(") AND "), "{pg}");
            assert!(!pg.contains(" OR "), "one index range per statement: {pg}");
            assert!(pg.ends_with("RETURNING *"), "{pg}");
            let lite = sea_orm::DbBackend::Sqlite.build(&stmt).to_string();
            assert!(!lite.contains("SKIP LOCKED"), "{lite}");
        }
    }

    #[test]
    fn backoff_doubles_and_caps() {
        assert_eq!(backoff(1), Duration::seconds(10));
        assert_eq!(backoff(2), Duration::seconds(20));
        assert_eq!(backoff(3), Duration::seconds(40));
        assert_eq!(backoff(9), Duration::seconds(2_560));
        assert_eq!(backoff(10), Duration::seconds(3_600));
        assert_eq!(backoff(100), Duration::seconds(3_600));
        assert_eq!(backoff(0), Duration::seconds(10));
    }
}
