//! Delivery fees and delivery plans: pure rules, stored per platform as
//! [`FeeRules`] so that an operator changes them without a release, and so
//! that each order records the rules that priced it.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, NaiveDateTime, Utc};
use serde::{Deserialize, Serialize};

/// A city fee band: orders up to `up_to_m` metres away pay `fee_fen`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Band {
    /// Upper distance bound in metres (inclusive).
    pub up_to_m: i64,
    /// Fee in fen.
    pub fee_fen: i64,
}

/// A platform's delivery fee rules.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct FeeRules {
    /// City fee by great-circle distance, ascending; beyond the last band
    /// the platform does not deliver.
    pub city_bands: Vec<Band>,
    /// Village fee per order, unless the route has its own.
    pub village_default_fen: i64,
    /// Village fee per order by route id.
    #[serde(default)]
    pub village_route_fen: BTreeMap<i64, i64>,
    /// Village cold-chain surcharge per order carrying chilled items.
    pub chilled_surcharge_fen: i64,
    /// Village cold-chain surcharge per order carrying frozen items.
    pub frozen_surcharge_fen: i64,
    /// What a city rider earns per job.
    #[serde(default)]
    pub rider: RiderFee,
    /// The village carrier's share of the village delivery fee, basis
    /// points (the rest is the platform's margin).
    #[serde(default = "default_carrier_share_bp")]
    pub carrier_share_bp: i32,
    /// What the village agent point earns per package a resident collects
    /// there, out of the village delivery fee (rules stored before it
    /// existed paid nothing).
    #[serde(default)]
    pub agent_point_fee_fen: i64,
}

fn default_carrier_share_bp() -> i32 {
    8_000
}

/// A city rider's fee per job: base + distance + surcharges.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct RiderFee {
    /// Paid for every job.
    pub base_fen: i64,
    /// Per started kilometre beyond `included_m`.
    pub per_km_fen: i64,
    /// Distance the base covers, metres.
    pub included_m: i64,
    /// Extra for chilled or frozen goods (cooler box).
    pub cold_chain_fen: i64,
    /// Extra for jobs picked up between 22:00 and 06:00 local time.
    pub night_fen: i64,
}

impl Default for RiderFee {
    fn default() -> Self {
        Self {
            base_fen: 400,
            per_km_fen: 100,
            included_m: 2_000,
            cold_chain_fen: 100,
            night_fen: 200,
        }
    }
}

impl RiderFee {
    /// The fee of a job of `distance_m`, with the coldest class carried and
    /// whether it falls at night.
    pub fn fee(&self, distance_m: i64, cold_chain: &str, night: bool) -> i64 {
        let beyond = (distance_m - self.included_m).max(0);
        let km = (beyond + 999) / 1_000;
        let cold = if cold_chain == "ambient" {
            0
        } else {
            self.cold_chain_fen
        };
        self.base_fen
            .saturating_add(km.saturating_mul(self.per_km_fen))
            .saturating_add(cold)
            .saturating_add(if night { self.night_fen } else { 0 })
    }
}

impl Default for FeeRules {
    /// The rules the demo county starts with.
    fn default() -> Self {
        Self {
            city_bands: vec![
                Band {
                    up_to_m: 1_000,
                    fee_fen: 300,
                },
                Band {
                    up_to_m: 3_000,
                    fee_fen: 500,
                },
                Band {
                    up_to_m: 5_000,
                    fee_fen: 700,
                },
                Band {
                    up_to_m: 8_000,
                    fee_fen: 1_000,
                },
            ],
            village_default_fen: 500,
            village_route_fen: BTreeMap::new(),
            chilled_surcharge_fen: 200,
            frozen_surcharge_fen: 300,
            rider: RiderFee::default(),
            carrier_share_bp: default_carrier_share_bp(),
            agent_point_fee_fen: 50,
        }
    }
}

impl FeeRules {
    /// Checks that bands ascend and every amount is sane.
    pub fn validate(&self) -> Result<(), String> {
        if self.city_bands.is_empty() {
            return Err("city_bands: at least one band".into());
        }
        let mut last = 0;
        for b in &self.city_bands {
            if b.up_to_m <= last {
                return Err("city_bands: distances must ascend".into());
            }
            if !(0..=100_000).contains(&b.fee_fen) {
                return Err("city_bands: fees are 0 to 100,000 fen".into());
            }
            last = b.up_to_m;
        }
        let amounts = [
            self.village_default_fen,
            self.chilled_surcharge_fen,
            self.frozen_surcharge_fen,
            self.rider.base_fen,
            self.rider.per_km_fen,
            self.rider.cold_chain_fen,
            self.rider.night_fen,
        ];
        if !(0..=10_000).contains(&self.carrier_share_bp) {
            return Err("carrier_share_bp: 0 to 10,000".into());
        }
        if !(0..=100_000).contains(&self.rider.included_m) {
            return Err("rider.included_m: 0 to 100,000 m".into());
        }
        if amounts
            .iter()
            .chain(self.village_route_fen.values())
            .chain([&self.agent_point_fee_fen])
            .any(|f| !(0..=100_000).contains(f))
        {
            return Err("fees are 0 to 100,000 fen".into());
        }
        // The carrier's share and the agent point's fee come out of every
        // village fee; the platform keeps what is left, never less than 0.
        if let Some(f) = std::iter::once(&self.village_default_fen)
            .chain(self.village_route_fen.values())
            .find(|f| {
                **f * i64::from(self.carrier_share_bp) / 10_000 + self.agent_point_fee_fen > **f
            })
        {
            return Err(format!(
                "agent_point_fee_fen: with the carrier's share it must fit in every village \
                 fee, and a fee of {f} fen leaves less than {} fen",
                self.agent_point_fee_fen
            ));
        }
        Ok(())
    }

    /// The city fee for a distance, or `None` beyond the last band.
    pub fn city_fee(&self, distance_m: i64) -> Option<i64> {
        self.city_bands
            .iter()
            .find(|b| distance_m <= b.up_to_m)
            .map(|b| b.fee_fen)
    }

    /// The village fee of a route.
    pub fn village_fee(&self, route_id: i64) -> i64 {
        self.village_route_fen
            .get(&route_id)
            .copied()
            .unwrap_or(self.village_default_fen)
    }

    /// The cold-chain surcharge of a village order carrying these classes.
    pub fn surcharge<'a>(&self, classes: impl IntoIterator<Item = &'a str>) -> i64 {
        let mut chilled = false;
        let mut frozen = false;
        for c in classes {
            chilled |= c == "chilled";
            frozen |= c == "frozen";
        }
        (if chilled {
            self.chilled_surcharge_fen
        } else {
            0
        }) + (if frozen { self.frozen_surcharge_fen } else { 0 })
    }
}

/// How an order will reach the resident.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum DeliveryPlan {
    /// A rider from the store to the door.
    City {
        /// Great-circle distance, metres.
        distance_m: i64,
        /// Estimated delivery time.
        eta: DateTime<Utc>,
    },
    /// The next scheduled trip of a village route to the agent point.
    Village {
        /// The route.
        route_id: i64,
        /// The departure schedule.
        departure_id: i64,
        /// When the trip leaves the county hub.
        departs_at: DateTime<Utc>,
        /// Orders close at this time.
        cutoff_at: DateTime<Utc>,
        /// The agent point the order is collected from.
        agent_point_id: i64,
        /// Estimated arrival at the agent point.
        eta: DateTime<Utc>,
    },
}

/// E-bike speed in town, metres per minute (about 15 km/h).
pub const RIDER_M_PER_MIN: i64 = 250;
/// Minutes for a rider to reach the store and pick up.
pub const PICKUP_MINUTES: i64 = 10;
/// Minutes between consecutive stops of a village trip (hub first).
pub const MINUTES_PER_STOP: i64 = 25;

/// City ETA: preparation, pickup, then the ride.
pub fn city_eta(now: DateTime<Utc>, prep_minutes: i32, distance_m: i64) -> DateTime<Utc> {
    let ride = (distance_m + RIDER_M_PER_MIN - 1) / RIDER_M_PER_MIN;
    now + Duration::minutes(i64::from(prep_minutes).max(PICKUP_MINUTES) + ride)
}

/// A departure schedule as the planner sees it.
#[derive(Debug, Clone)]
pub struct Schedule {
    /// Departure id.
    pub departure_id: i64,
    /// Route id.
    pub route_id: i64,
    /// Weekday bitmask, bit 0 = Monday.
    pub weekdays: i32,
    /// Local departure time.
    pub depart_at: chrono::NaiveTime,
    /// Cut-off minutes before departure.
    pub cutoff_minutes: i32,
    /// Position of the agent point on the route (0 = first stop).
    pub stop_seq: i32,
}

impl Schedule {
    /// The schedule of a stored departure, for an agent point at
    /// `stop_seq` on its route; `None` if its time is unreadable.
    pub fn of(d: &crate::departure::Model, stop_seq: i32) -> Option<Schedule> {
        Some(Schedule {
            departure_id: d.id,
            route_id: d.route_id,
            weekdays: d.weekdays,
            depart_at: chrono::NaiveTime::parse_from_str(&d.depart_at, "%H:%M").ok()?,
            cutoff_minutes: d.cutoff_minutes,
            stop_seq,
        })
    }
}

/// The earliest departure, within a week of `local_now`, whose cut-off has
/// not passed; times in local time of the platform.
pub fn next_departure(
    local_now: NaiveDateTime,
    schedules: &[Schedule],
) -> Option<(&Schedule, NaiveDateTime, NaiveDateTime)> {
    use chrono::Datelike;
    let mut best: Option<(&Schedule, NaiveDateTime, NaiveDateTime)> = None;
    for s in schedules {
        for day in 0..=7 {
            let date = local_now.date() + Duration::days(day);
            let bit = 1 << date.weekday().num_days_from_monday();
            if s.weekdays & bit == 0 {
                continue;
            }
            let departs = date.and_time(s.depart_at);
            let cutoff = departs - Duration::minutes(i64::from(s.cutoff_minutes));
            if cutoff <= local_now {
                continue;
            }
            if best.as_ref().is_none_or(|(_, d, _)| departs < *d) {
                best = Some((s, departs, cutoff));
            }
            break;
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{NaiveDate, NaiveTime};

    #[test]
    fn city_bands_are_inclusive_and_end() {
        let r = FeeRules::default();
        assert_eq!(r.city_fee(0), Some(300));
        assert_eq!(r.city_fee(1_000), Some(300));
        assert_eq!(r.city_fee(1_001), Some(500));
        assert_eq!(r.city_fee(8_000), Some(1_000));
        assert_eq!(r.city_fee(8_001), None);
        assert!(r.validate().is_ok());
    }

    #[test]
    fn village_fees_and_surcharges() {
        let mut r = FeeRules::default();
        r.village_route_fen.insert(7, 800);
        assert_eq!(r.village_fee(7), 800);
        assert_eq!(r.village_fee(8), 500);
        assert_eq!(r.surcharge(["ambient"]), 0);
        assert_eq!(r.surcharge(["ambient", "frozen", "frozen"]), 300);
        assert_eq!(r.surcharge(["chilled", "frozen"]), 500);
    }

    #[test]
    fn rider_fee_is_base_distance_and_surcharges() {
        let f = RiderFee::default();
        assert_eq!(f.fee(0, "ambient", false), 400);
        assert_eq!(f.fee(2_000, "ambient", false), 400);
        assert_eq!(f.fee(2_001, "ambient", false), 500, "a started km counts");
        assert_eq!(f.fee(4_500, "ambient", false), 700);
        assert_eq!(f.fee(4_500, "frozen", false), 800);
        assert_eq!(f.fee(4_500, "chilled", true), 1_000);
        // Rules stored before riders existed still load, with the default.
        let old = r#"{"city_bands":[{"up_to_m":1000,"fee_fen":300}],"village_default_fen":500,
            "chilled_surcharge_fen":200,"frozen_surcharge_fen":300}"#;
        let r: FeeRules = serde_json::from_str(old).unwrap();
        assert_eq!(r.rider, RiderFee::default());
    }

    #[test]
    fn invalid_rules_are_refused() {
        let mut r = FeeRules::default();
        r.city_bands.swap(0, 1);
        assert!(r.validate().is_err());
        let r = FeeRules {
            frozen_surcharge_fen: -1,
            ..Default::default()
        };
        assert!(r.validate().is_err());
        let r: FeeRules =
            serde_json::from_str(&serde_json::to_string(&FeeRules::default()).unwrap()).unwrap();
        assert_eq!(r, FeeRules::default());
    }

    fn sched(id: i64, weekdays: i32, at: &str, cutoff: i32) -> Schedule {
        Schedule {
            departure_id: id,
            route_id: 1,
            weekdays,
            depart_at: NaiveTime::parse_from_str(at, "%H:%M").unwrap(),
            cutoff_minutes: cutoff,
            stop_seq: 0,
        }
    }

    /// 2026-11-23 is a Monday.
    fn monday(h: u32, m: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(2026, 11, 23)
            .unwrap()
            .and_hms_opt(h, m, 0)
            .unwrap()
    }

    #[test]
    fn next_departure_respects_cutoffs_and_weekdays() {
        let daily = [
            sched(1, 0b111_1111, "09:30", 60),
            sched(2, 0b111_1111, "15:00", 60),
        ];
        let (s, d, c) = next_departure(monday(8, 0), &daily).unwrap();
        assert_eq!((s.departure_id, d, c), (1, monday(9, 30), monday(8, 30)));
        // 08:30 is the cut-off itself: too late for the morning trip.
        let (s, _, _) = next_departure(monday(8, 30), &daily).unwrap();
        assert_eq!(s.departure_id, 2);
        let (s, d, _) = next_departure(monday(14, 30), &daily).unwrap();
        assert_eq!((s.departure_id, d), (1, monday(9, 30) + Duration::days(1)));
        // Wednesdays only (bit 2).
        let wed = [sched(3, 0b100, "10:00", 120)];
        let (_, d, _) = next_departure(monday(12, 0), &wed).unwrap();
        assert_eq!(d, monday(10, 0) + Duration::days(2));
        let (_, d, _) = next_departure(monday(12, 0) + Duration::days(2), &wed).unwrap();
        assert_eq!(d, monday(10, 0) + Duration::days(9));
        assert!(next_departure(monday(12, 0), &[]).is_none());
    }

    #[test]
    fn city_eta_adds_prep_and_ride() {
        let now = Utc::now();
        assert_eq!(city_eta(now, 25, 1_000), now + Duration::minutes(29));
        assert_eq!(city_eta(now, 5, 1), now + Duration::minutes(11));
    }
}
