//! Cold-chain rules: judging a batch's temperature readings against its
//! class rule — in band, tolerated excursions up to a cumulative limit,
//! gaps without readings counted as excursions — into a verdict with its
//! evidence. Pure; the trip's batches and their settlement build on it.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

/// The rule of a cold-chain class (stored per platform).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ClassRule {
    /// The band's lower bound, °C.
    pub low_c: f64,
    /// The band's upper bound, °C.
    pub high_c: f64,
    /// Below this is a breach at once, °C.
    pub tolerated_low_c: f64,
    /// Above this is a breach at once, °C.
    pub tolerated_high_c: f64,
    /// Cumulative time outside the band (or without readings) allowed, seconds.
    pub max_excursion_secs: i64,
    /// A gap between readings longer than this counts as an excursion, seconds.
    pub max_gap_secs: i64,
}

impl ClassRule {
    /// Frozen: ≤ −18 °C, excursions up to −15 °C for 15 minutes in all.
    pub const FROZEN: ClassRule = ClassRule {
        low_c: -60.0,
        high_c: -18.0,
        tolerated_low_c: -60.0,
        tolerated_high_c: -15.0,
        max_excursion_secs: 900,
        max_gap_secs: 600,
    };
    /// Chilled: 0–4 °C, excursions up to 8 °C (and down to −1 °C) for 15
    /// minutes in all.
    pub const CHILLED: ClassRule = ClassRule {
        low_c: 0.0,
        high_c: 4.0,
        tolerated_low_c: -1.0,
        tolerated_high_c: 8.0,
        max_excursion_secs: 900,
        max_gap_secs: 600,
    };

    /// The platform default of a class (`chilled` or `frozen`).
    pub fn default_for(class: &str) -> Option<ClassRule> {
        match class {
            "frozen" => Some(Self::FROZEN),
            "chilled" => Some(Self::CHILLED),
            _ => None,
        }
    }

    /// Inside the band.
    pub fn in_band(&self, c: f64) -> bool {
        (self.low_c..=self.high_c).contains(&c)
    }

    fn tolerated(&self, c: f64) -> bool {
        (self.tolerated_low_c..=self.tolerated_high_c).contains(&c)
    }
}

/// One reading.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Reading {
    /// When the sensor measured.
    pub at: DateTime<Utc>,
    /// °C.
    pub celsius: f64,
}

/// Readings no sensor can produce are refused at ingestion.
pub fn plausible(celsius: f64) -> bool {
    celsius.is_finite() && (-60.0..=60.0).contains(&celsius)
}

/// Why a stretch of time counts against the batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ExcursionKind {
    /// Outside the band, within the tolerated range.
    Warm,
    /// Beyond the tolerated range: a breach at once.
    Breach,
    /// No readings for longer than the rule allows.
    Gap,
}

/// A stretch of time outside the rule.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Excursion {
    /// What kind.
    pub kind: ExcursionKind,
    /// From.
    pub from: DateTime<Utc>,
    /// To.
    pub to: DateTime<Utc>,
    /// The warmest reading in it (none for gaps), °C.
    pub max_c: Option<f64>,
}

/// The verdict of a batch and its evidence.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Verdict {
    /// `true`: the goods kept their class.
    pub compliant: bool,
    /// Stretches outside the rule, in time order.
    pub excursions: Vec<Excursion>,
    /// Seconds counted against the limit (warm stretches and gaps).
    pub excursion_secs: i64,
    /// The warmest reading, °C (none without readings).
    pub max_c: Option<f64>,
    /// Share of the window covered by readings (not in gaps), 0–1; 0
    /// without any reading.
    pub coverage: f64,
    /// No reading at all in the window: nothing proves the class.
    #[serde(default)]
    pub no_data: bool,
    /// The sensor that sent nothing (named when the batch is settled).
    #[serde(default)]
    pub missing_sensor: Option<String>,
}

/// Judges readings over the batch's window (`from` = departure, `to` =
/// last handover). A reading holds until the next one; readings outside
/// the window are ignored; duplicates at one instant keep the warmest.
pub fn judge(
    rule: &ClassRule,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    readings: &[Reading],
) -> Verdict {
    let window = (to - from).num_seconds().max(0);
    let mut rs: Vec<Reading> = readings
        .iter()
        .copied()
        .filter(|r| r.at >= from && r.at <= to && plausible(r.celsius))
        .collect();
    rs.sort_by(|a, b| a.at.cmp(&b.at).then(b.celsius.total_cmp(&a.celsius)));
    rs.dedup_by_key(|r| r.at);
    let max_c = rs
        .iter()
        .map(|r| r.celsius)
        .fold(None, |m: Option<f64>, c| Some(m.map_or(c, |m| m.max(c))));
    let mut excursions: Vec<Excursion> = Vec::new();
    let mut counted = 0i64;
    let mut gaps = 0i64;
    let push = |e: Excursion, excursions: &mut Vec<Excursion>| {
        if let Some(last) = excursions.last_mut()
            && last.kind == e.kind
            && last.to == e.from
        {
            last.to = e.to;
            last.max_c = match (last.max_c, e.max_c) {
                (Some(a), Some(b)) => Some(a.max(b)),
                (a, b) => a.or(b),
            };
            return;
        }
        excursions.push(e);
    };
    // The stretches between consecutive instants: window start, readings, end.
    let mut points: Vec<(DateTime<Utc>, Option<f64>)> = vec![(from, None)];
    points.extend(rs.iter().map(|r| (r.at, Some(r.celsius))));
    points.push((to, None));
    let mut current: Option<f64> = None;
    for w in points.windows(2) {
        let ((a, ca), (b, _)) = (w[0], w[1]);
        if ca.is_some() {
            current = ca;
        }
        let secs = (b - a).num_seconds();
        if secs <= 0 {
            continue;
        }
        // A reading-free stretch longer than allowed is a gap, whatever
        // the last value was.
        if secs > rule.max_gap_secs {
            counted += secs;
            gaps += secs;
            push(
                Excursion {
                    kind: ExcursionKind::Gap,
                    from: a,
                    to: b,
                    max_c: None,
                },
                &mut excursions,
            );
            continue;
        }
        let Some(c) = current.or_else(|| rs.first().map(|r| r.celsius)) else {
            continue;
        };
        if rule.in_band(c) {
            continue;
        }
        let kind = if rule.tolerated(c) {
            counted += secs;
            ExcursionKind::Warm
        } else {
            ExcursionKind::Breach
        };
        push(
            Excursion {
                kind,
                from: a,
                to: b,
                max_c: Some(c),
            },
            &mut excursions,
        );
    }
    if rs.is_empty() && window > 0 && excursions.is_empty() {
        // No reading at all in a short window: nothing proves the class.
        excursions.push(Excursion {
            kind: ExcursionKind::Gap,
            from,
            to,
            max_c: None,
        });
        counted += window;
        gaps += window;
    }
    let breach = excursions.iter().any(|e| e.kind == ExcursionKind::Breach);
    Verdict {
        compliant: !breach && counted <= rule.max_excursion_secs && !rs.is_empty(),
        excursions,
        excursion_secs: counted,
        max_c,
        coverage: if rs.is_empty() {
            0.0
        } else if window == 0 {
            1.0
        } else {
            (window - gaps) as f64 / window as f64
        },
        no_data: rs.is_empty(),
        missing_sensor: None,
    }
}

/// A reading every `step` from `from` with the given temperatures (tests
/// and benchmarks).
pub fn series(from: DateTime<Utc>, step: Duration, celsius: &[f64]) -> Vec<Reading> {
    celsius
        .iter()
        .enumerate()
        .map(|(i, c)| Reading {
            at: from + step * i as i32,
            celsius: *c,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t0() -> DateTime<Utc> {
        DateTime::<Utc>::UNIX_EPOCH + Duration::days(20_000)
    }

    #[test]
    fn no_reading_is_no_data_with_no_coverage() {
        let rule = ClassRule::FROZEN;
        let v = judge(&rule, t0(), t0() + Duration::hours(1), &[]);
        assert!(v.no_data && !v.compliant);
        assert_eq!(v.coverage, 0.0);
        // An empty window (departure and last drop at one instant) is no
        // evidence either, not full coverage.
        let v = judge(&rule, t0(), t0(), &[]);
        assert!(v.no_data && !v.compliant);
        assert_eq!(v.coverage, 0.0);
        assert_eq!(v.excursion_secs, 0);
        let some = judge(
            &rule,
            t0(),
            t0() + Duration::minutes(2),
            &series(t0(), Duration::minutes(1), &[-20.0, -20.0, -20.0]),
        );
        assert!(!some.no_data && some.compliant, "{some:?}");
    }

    /// Frozen readings every minute for an hour, with `warm` minutes at
    /// `c` starting at minute 10.
    fn frozen_hour(warm: i64, c: f64) -> Vec<Reading> {
        let temps: Vec<f64> = (0..=60)
            .map(|m| {
                if (10..10 + warm).contains(&m) {
                    c
                } else {
                    -20.0
                }
            })
            .collect();
        series(t0(), Duration::minutes(1), &temps)
    }

    #[test]
    fn in_band_is_compliant() {
        let v = judge(
            &ClassRule::FROZEN,
            t0(),
            t0() + Duration::hours(1),
            &frozen_hour(0, -20.0),
        );
        assert!(v.compliant, "{v:?}");
        assert_eq!(v.excursion_secs, 0);
        assert!(v.excursions.is_empty());
        assert_eq!(v.max_c, Some(-20.0));
        assert!((v.coverage - 1.0).abs() < 1e-9);
    }

    #[test]
    fn fifteen_warm_minutes_pass_and_sixteen_do_not() {
        let end = t0() + Duration::hours(1);
        let ok = judge(&ClassRule::FROZEN, t0(), end, &frozen_hour(15, -16.0));
        assert!(ok.compliant, "{ok:?}");
        assert_eq!(ok.excursion_secs, 900);
        assert_eq!(ok.excursions.len(), 1);
        assert_eq!(ok.excursions[0].kind, ExcursionKind::Warm);
        assert_eq!(
            ok.excursions[0].to - ok.excursions[0].from,
            Duration::minutes(15)
        );
        let bad = judge(&ClassRule::FROZEN, t0(), end, &frozen_hour(16, -16.0));
        assert!(!bad.compliant);
        assert_eq!(bad.excursion_secs, 960);
    }

    #[test]
    fn the_tolerated_edge_is_inclusive_and_beyond_it_breaches_at_once() {
        let end = t0() + Duration::hours(1);
        let edge = judge(&ClassRule::FROZEN, t0(), end, &frozen_hour(1, -15.0));
        assert!(edge.compliant, "{edge:?}");
        let over = judge(&ClassRule::FROZEN, t0(), end, &frozen_hour(1, -14.9));
        assert!(!over.compliant);
        assert_eq!(over.excursions[0].kind, ExcursionKind::Breach);
        assert_eq!(over.max_c, Some(-14.9));
        // -18.0 itself is in band.
        let band = judge(&ClassRule::FROZEN, t0(), end, &frozen_hour(30, -18.0));
        assert!(band.compliant);
        assert_eq!(band.excursion_secs, 0);
    }

    #[test]
    fn gaps_longer_than_ten_minutes_count() {
        let end = t0() + Duration::minutes(30);
        // Readings at 0, 10, 20, 30: gaps of exactly 10 minutes are fine.
        let ten = series(t0(), Duration::minutes(10), &[-20.0, -20.0, -20.0, -20.0]);
        let v = judge(&ClassRule::FROZEN, t0(), end, &ten);
        assert!(v.compliant, "{v:?}");
        assert!((v.coverage - 1.0).abs() < 1e-9);
        // Readings at 0 and 30 only: one 30-minute gap, over the limit.
        let sparse = series(t0(), Duration::minutes(30), &[-20.0, -20.0]);
        let v = judge(&ClassRule::FROZEN, t0(), end, &sparse);
        assert!(!v.compliant);
        assert_eq!(v.excursions[0].kind, ExcursionKind::Gap);
        assert_eq!(v.excursion_secs, 1_800);
        assert!(v.coverage.abs() < 1e-9);
        // A gap of 10 min 1 s plus 5 warm minutes: 15 min 1 s in all.
        let mut r = series(
            t0(),
            Duration::minutes(1),
            &[-20.0, -16.0, -16.0, -16.0, -16.0, -16.0, -20.0],
        );
        r.push(Reading {
            at: t0() + Duration::minutes(16) + Duration::seconds(1),
            celsius: -20.0,
        });
        let v = judge(
            &ClassRule::FROZEN,
            t0(),
            t0() + Duration::minutes(16) + Duration::seconds(1),
            &r,
        );
        assert_eq!(v.excursion_secs, 5 * 60 + 601);
        assert!(!v.compliant);
    }

    #[test]
    fn chilled_has_a_band_on_both_sides() {
        let end = t0() + Duration::minutes(20);
        let cold = series(t0(), Duration::minutes(5), &[2.0, -0.5, 2.0, 2.0, 2.0]);
        let v = judge(&ClassRule::CHILLED, t0(), end, &cold);
        assert!(v.compliant);
        assert_eq!(v.excursion_secs, 300);
        let frozen_solid = series(t0(), Duration::minutes(5), &[2.0, -3.0, 2.0, 2.0, 2.0]);
        assert!(!judge(&ClassRule::CHILLED, t0(), end, &frozen_solid).compliant);
        // 8 °C is tolerated, but 20 minutes of it is too long.
        let warm = series(t0(), Duration::minutes(5), &[2.0, 8.0, 8.0, 8.0, 8.0, 8.0]);
        let v = judge(&ClassRule::CHILLED, t0(), end + Duration::minutes(5), &warm);
        assert!(!v.compliant, "{v:?}");
        assert_eq!(v.max_c, Some(8.0));
    }

    #[test]
    fn order_duplicates_and_outsiders_do_not_matter() {
        let end = t0() + Duration::hours(1);
        let mut r = frozen_hour(15, -16.0);
        let v1 = judge(&ClassRule::FROZEN, t0(), end, &r);
        r.reverse();
        r.extend(frozen_hour(15, -16.0));
        r.push(Reading {
            at: t0() - Duration::hours(1),
            celsius: 30.0,
        });
        r.push(Reading {
            at: t0() + Duration::minutes(3),
            celsius: f64::NAN,
        });
        let v2 = judge(&ClassRule::FROZEN, t0(), end, &r);
        assert_eq!(v1, v2);
        assert!(!plausible(61.0) && !plausible(f64::NAN) && plausible(-18.0));
        let none = judge(&ClassRule::FROZEN, t0(), t0() + Duration::minutes(5), &[]);
        assert!(!none.compliant, "no readings prove nothing");
    }
}
