//! The platform's calendar: local business days in UTC, and report periods.
//!
//! A platform keeps its local time as a fixed UTC offset (`utc_offset_minutes`);
//! every "day" in settlement, statistics, earnings and reports is a local day.

use chrono::{DateTime, Duration, NaiveDate, NaiveTime, Utc};

use crate::error::{DomainError, DomainResult};

/// The UTC bounds of a local business day.
pub fn day_bounds(date: NaiveDate, utc_offset_minutes: i32) -> (DateTime<Utc>, DateTime<Utc>) {
    let offset = Duration::minutes(i64::from(utc_offset_minutes));
    let start = date.and_time(NaiveTime::MIN).and_utc() - offset;
    (start, start + Duration::days(1))
}

/// The local date at `now` on a calendar `utc_offset_minutes` from UTC.
pub fn local_day(now: DateTime<Utc>, utc_offset_minutes: i32) -> NaiveDate {
    (now + Duration::minutes(i64::from(utc_offset_minutes))).date_naive()
}

/// The latest business day that is over at `now` (yesterday, locally).
pub fn last_closed_day(now: DateTime<Utc>, utc_offset_minutes: i32) -> NaiveDate {
    local_day(now, utc_offset_minutes) - Duration::days(1)
}

/// The UTC instants bounding local days `from..=to`.
pub fn utc_bounds(
    from: NaiveDate,
    to: NaiveDate,
    offset_minutes: i32,
) -> (DateTime<Utc>, DateTime<Utc>) {
    let (start, _) = day_bounds(from, offset_minutes);
    let (_, end) = day_bounds(to, offset_minutes);
    (start, end)
}

/// Checks a report period: `from ≤ to`, at most about 3 years.
pub fn check_period(from: NaiveDate, to: NaiveDate) -> DomainResult<()> {
    if from > to {
        return Err(DomainError::invalid("from", "must not be after to"));
    }
    if (to - from).num_days() > 1_100 {
        return Err(DomainError::invalid("to", "a period is at most 3 years"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn business_days_are_local() {
        let d = NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
        let (start, end) = day_bounds(d, 480);
        assert_eq!(start.to_rfc3339(), "2026-11-22T16:00:00+00:00");
        assert_eq!(end - start, Duration::days(1));
        // 01:00 local on the 24th is 17:00 UTC on the 23rd: the 23rd is over.
        let now = DateTime::parse_from_rfc3339("2026-11-23T17:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(last_closed_day(now, 480), d);
    }
}
