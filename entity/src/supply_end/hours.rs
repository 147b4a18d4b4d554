//! Weekly opening hours in the platform's local time, including hours that
//! run past midnight (a night snack stall open 18:00–02:00).

use chrono::{Datelike, Duration, NaiveDateTime, NaiveTime, Timelike};
use serde::{Deserialize, Serialize};

/// One opening interval: on ISO weekday `day` (1 = Monday … 7 = Sunday)
/// from `open` to `close` ("HH:MM"); a `close` at or before `open` means the
/// interval ends the next day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Interval {
    /// ISO weekday the interval starts on, 1 (Monday) to 7 (Sunday).
    pub day: u8,
    /// Opening time, `HH:MM`.
    pub open: String,
    /// Closing time, `HH:MM`; at or before `open` means after midnight.
    pub close: String,
}

/// A week of opening intervals.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default, utoipa::ToSchema)]
#[serde(transparent)]
pub struct WeeklyHours(pub Vec<Interval>);

fn parse_hhmm(s: &str) -> Result<u32, String> {
    let t = NaiveTime::parse_from_str(s, "%H:%M").map_err(|_| format!("{s:?} is not HH:MM"))?;
    Ok(t.hour() * 60 + t.minute())
}

/// Minutes since Monday 00:00 of the week.
const WEEK: i64 = 7 * 24 * 60;

impl WeeklyHours {
    /// Checks every interval; the error names the first bad one.
    pub fn validate(&self) -> Result<(), String> {
        for (i, iv) in self.0.iter().enumerate() {
            if !(1..=7).contains(&iv.day) {
                return Err(format!("interval {i}: day must be 1 (Mon) to 7 (Sun)"));
            }
            let open = parse_hhmm(&iv.open).map_err(|e| format!("interval {i}: {e}"))?;
            let close = parse_hhmm(&iv.close).map_err(|e| format!("interval {i}: {e}"))?;
            if open == close {
                return Err(format!("interval {i}: open and close are equal"));
            }
        }
        Ok(())
    }

    /// Intervals as [start, end) minutes since Monday 00:00 (end may pass a week).
    fn spans(&self) -> impl Iterator<Item = (i64, i64)> + '_ {
        self.0.iter().filter_map(|iv| {
            let open = i64::from(parse_hhmm(&iv.open).ok()?);
            let mut close = i64::from(parse_hhmm(&iv.close).ok()?);
            if close <= open {
                close += 24 * 60;
            }
            let base = (i64::from(iv.day) - 1) * 24 * 60;
            Some((base + open, base + close))
        })
    }

    /// Whether the store is open at local time `at`.
    pub fn is_open(&self, at: NaiveDateTime) -> bool {
        let m = minute_of_week(at);
        // An interval that runs past Sunday midnight wraps to Monday.
        self.spans()
            .any(|(s, e)| (s <= m && m < e) || (s <= m + WEEK && m + WEEK < e))
    }

    /// The next opening at or after `at` (local), within a week; `None` if never open.
    pub fn next_open(&self, at: NaiveDateTime) -> Option<NaiveDateTime> {
        if self.is_open(at) {
            return Some(at);
        }
        let m = minute_of_week(at);
        self.spans()
            .map(|(s, _)| {
                let ahead = (s - m).rem_euclid(WEEK);
                at + Duration::minutes(ahead) - Duration::seconds(i64::from(at.second()))
            })
            .min()
    }
}

fn minute_of_week(at: NaiveDateTime) -> i64 {
    i64::from(at.weekday().num_days_from_monday()) * 24 * 60
        + i64::from(at.hour()) * 60
        + i64::from(at.minute())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn hours(spec: &[(u8, &str, &str)]) -> WeeklyHours {
        WeeklyHours(
            spec.iter()
                .map(|&(day, open, close)| Interval {
                    day,
                    open: open.into(),
                    close: close.into(),
                })
                .collect(),
        )
    }

    /// 2026-11-23 is a Monday.
    fn at(day_offset: i64, hh: u32, mm: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(2026, 11, 23)
            .unwrap()
            .and_hms_opt(hh, mm, 0)
            .unwrap()
            + Duration::days(day_offset)
    }

    #[test]
    fn daytime_hours() {
        let h = hours(&[(1, "07:00", "13:00"), (1, "16:00", "20:30")]);
        assert!(!h.is_open(at(0, 6, 59)));
        assert!(h.is_open(at(0, 7, 0)));
        assert!(h.is_open(at(0, 12, 59)));
        assert!(!h.is_open(at(0, 13, 0)));
        assert!(h.is_open(at(0, 20, 29)));
        assert!(!h.is_open(at(0, 20, 30)));
        assert!(!h.is_open(at(1, 8, 0)), "Tuesday is closed");
    }

    #[test]
    fn hours_past_midnight() {
        let h = hours(&[(5, "18:00", "02:00")]); // Friday night
        assert!(h.is_open(at(4, 23, 30)));
        assert!(
            h.is_open(at(5, 1, 59)),
            "Saturday 01:59 is still Friday's night"
        );
        assert!(!h.is_open(at(5, 2, 0)));
        assert!(!h.is_open(at(3, 1, 0)), "Thursday night is not Friday's");
    }

    #[test]
    fn sunday_night_wraps_to_monday() {
        let h = hours(&[(7, "20:00", "03:00")]);
        assert!(h.is_open(at(6, 21, 0)));
        assert!(
            h.is_open(at(0, 2, 30)),
            "Monday 02:30 belongs to Sunday night"
        );
        assert!(h.is_open(at(7, 2, 30)), "and so does the next Monday");
        assert!(!h.is_open(at(0, 3, 0)));
    }

    #[test]
    fn next_opening() {
        let h = hours(&[(1, "07:00", "13:00"), (3, "07:00", "13:00")]);
        assert_eq!(h.next_open(at(0, 6, 0)), Some(at(0, 7, 0)));
        assert_eq!(h.next_open(at(0, 8, 0)), Some(at(0, 8, 0)));
        assert_eq!(h.next_open(at(0, 14, 0)), Some(at(2, 7, 0)));
        assert_eq!(h.next_open(at(3, 14, 0)), Some(at(7, 7, 0)));
        assert_eq!(WeeklyHours::default().next_open(at(0, 0, 0)), None);
    }

    #[test]
    fn validation_names_the_interval() {
        assert!(hours(&[(1, "07:00", "13:00")]).validate().is_ok());
        assert!(
            hours(&[(0, "07:00", "13:00")])
                .validate()
                .unwrap_err()
                .contains("day")
        );
        assert!(
            hours(&[(1, "7am", "13:00")])
                .validate()
                .unwrap_err()
                .contains("HH:MM")
        );
        assert!(hours(&[(1, "25:00", "13:00")]).validate().is_err());
        assert!(hours(&[(2, "08:00", "08:00")]).validate().is_err());
    }
}
