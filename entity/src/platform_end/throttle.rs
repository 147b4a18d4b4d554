//! Password-login throttling: every attempt is counted, and the lock it
//! would earn is applied, *before* the password is checked.
//!
//! Counting first means a burst of parallel guesses cannot slip past the
//! limit while the slow hash runs: the attempt that reaches the limit locks
//! the username at once, and a correct password then lifts the lock.

use chrono::{DateTime, Duration, Utc};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, Set, sea_query::Expr,
    sea_query::OnConflict,
};

use crate::login_throttle::{self, Entity as Throttles};

/// How long a username stays locked after `attempts` consecutive failures:
/// nothing below `max`, then `base` doubling per further failure, at most an hour.
pub fn lockout(attempts: i32, max: i32, base_secs: i64) -> Option<Duration> {
    if attempts < max {
        return None;
    }
    let doublings = (attempts - max).clamp(0, 10) as u32;
    Some(Duration::seconds(
        base_secs.saturating_mul(1 << doublings).min(3_600),
    ))
}

/// The outcome of asking to try a password.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reservation {
    /// Go ahead and check the password.
    Granted,
    /// Locked; try again after this many seconds.
    Locked(i64),
}

/// Counts an attempt for `username` unless it is locked.
pub async fn reserve(
    db: &impl ConnectionTrait,
    username: &str,
    now: DateTime<Utc>,
    max: i32,
    base_secs: i64,
) -> Result<Reservation, DbErr> {
    let _ = Throttles::insert(login_throttle::ActiveModel {
        username: Set(username.to_owned()),
        failed_attempts: Set(0),
        locked_until: Set(None),
        updated_at: Set(now),
    })
    .on_conflict(
        OnConflict::column(login_throttle::Column::Username)
            .do_nothing()
            .to_owned(),
    )
    .exec_without_returning(db)
    .await;
    // Compare-and-swap on the count; a concurrent attempt makes us re-read.
    for _ in 0..8 {
        let Some(row) = Throttles::find_by_id(username.to_owned()).one(db).await? else {
            continue;
        };
        if let Some(until) = row.locked_until
            && until > now
        {
            return Ok(Reservation::Locked((until - now).num_seconds().max(1)));
        }
        let next = row.failed_attempts.saturating_add(1);
        let lock = lockout(next, max, base_secs).map(|d| now + d);
        let swapped = Throttles::update_many()
            .col_expr(login_throttle::Column::FailedAttempts, Expr::value(next))
            .col_expr(login_throttle::Column::LockedUntil, Expr::value(lock))
            .col_expr(login_throttle::Column::UpdatedAt, Expr::value(now))
            .filter(login_throttle::Column::Username.eq(username))
            .filter(login_throttle::Column::FailedAttempts.eq(row.failed_attempts))
            .exec(db)
            .await?;
        if swapped.rows_affected == 1 {
            return Ok(Reservation::Granted);
        }
    }
    Ok(Reservation::Locked(1))
}

/// A correct password: the count and any lock are cleared.
pub async fn succeeded(
    db: &impl ConnectionTrait,
    username: &str,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    Throttles::update_many()
        .col_expr(login_throttle::Column::FailedAttempts, Expr::value(0))
        .col_expr(
            login_throttle::Column::LockedUntil,
            Expr::value(Option::<DateTime<Utc>>::None),
        )
        .col_expr(login_throttle::Column::UpdatedAt, Expr::value(now))
        .filter(login_throttle::Column::Username.eq(username))
        .exec(db)
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lockout_starts_at_the_limit_and_doubles() {
        assert_eq!(lockout(4, 5, 60), None);
        assert_eq!(lockout(5, 5, 60), Some(Duration::seconds(60)));
        assert_eq!(lockout(6, 5, 60), Some(Duration::seconds(120)));
        assert_eq!(lockout(11, 5, 60), Some(Duration::seconds(3_600)));
        assert_eq!(lockout(1_000, 5, 60), Some(Duration::seconds(3_600)));
    }
}
