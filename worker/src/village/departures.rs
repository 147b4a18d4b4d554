//! Planning departures: at each departure's cut-off the worker claims the
//! departure instance, loads its accepted village orders and the free
//! vehicles, packs them with the pure [`super::planner`], and has the trips
//! stored ([`entity::to_door_line::village::departures`] is the database
//! side: claiming once, loading, saving, rolling over).

use std::future::Future;
use std::pin::Pin;

use chrono::{DateTime, Duration, Utc};
use entity::error::DomainResult;
use entity::to_door_line::pricing::Schedule;
use entity::to_door_line::village::departures::{
    self, Compartments, StopKind as SavedStopKind, StopPlan, TripPlan,
};
use entity::{departure, platform};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter};

use super::planner::{self, Load, OrderLoad, Place, PlanInput, StopKind, Vehicle};
use crate::jobs::{JobContext, PeriodicHandler, PeriodicJob};

pub use entity::to_door_line::village::departures::Planned;

/// Van speed on county roads, metres per second (40 km/h).
pub const VAN_MPS: f64 = 40_000.0 / 3_600.0;
/// Road distance over great-circle distance in the mountains.
pub const ROAD_FACTOR: f64 = 1.4;
/// Dwell per stop, seconds.
pub const STOP_SECS: i64 = 300;

/// Departure instances whose cut-off has passed at `now` and that leave
/// within the last hours or later today: (departure, departs at UTC).
pub fn due_instances(
    departures: &[departure::Model],
    utc_offset_minutes: i32,
    now: DateTime<Utc>,
) -> Vec<(i64, DateTime<Utc>)> {
    use chrono::Datelike;
    let offset = Duration::minutes(i64::from(utc_offset_minutes));
    let local = (now + offset).naive_utc();
    let mut out = Vec::new();
    for d in departures.iter().filter(|d| d.active) {
        let Some(s) = Schedule::of(d, 0) else {
            continue;
        };
        for back in [1, 0] {
            let date = local.date() - Duration::days(back);
            if s.weekdays & (1 << date.weekday().num_days_from_monday()) == 0 {
                continue;
            }
            let departs = date.and_time(s.depart_at);
            let cutoff = departs - Duration::minutes(i64::from(s.cutoff_minutes));
            if cutoff <= local && departs + Duration::hours(2) >= local {
                out.push((d.id, departs.and_utc() - offset));
            }
        }
    }
    out
}

/// Plans one departure instance: claim, load, plan, save. Run in a
/// transaction; a departure planned before is left as it is.
pub async fn plan_departure(
    db: &impl ConnectionTrait,
    departure_id: i64,
    departs_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> DomainResult<Planned> {
    let Some(claimed) = departures::claim(db, departure_id, departs_at, now).await? else {
        return Ok(Planned::Before);
    };
    let inputs = departures::inputs(db, &claimed).await?;
    let input = plan_input(&claimed, &inputs);
    let plan = planner::plan(&input);
    let trips: Vec<TripPlan> = plan
        .trips
        .iter()
        .map(|t| TripPlan {
            vehicle_id: t.vehicle_id,
            load: compartments(t.load),
            orders: t.orders.clone(),
            stops: t
                .stops
                .iter()
                .map(|s| StopPlan {
                    kind: match s.kind {
                        StopKind::Pickup => SavedStopKind::Pickup,
                        StopKind::Drop => SavedStopKind::Drop,
                    },
                    place_id: s.place_id,
                    eta: DateTime::from_timestamp(s.eta_s, 0).unwrap_or(departs_at),
                    orders: s.orders.clone(),
                })
                .collect(),
            length_m: t.length_m,
            naive_length_m: t.naive_length_m,
        })
        .collect();
    departures::save(db, &claimed, &inputs, &trips, &plan.rolled_over, now).await
}

/// The planner's view of a claimed departure.
fn plan_input(c: &departures::Claimed, inputs: &departures::Inputs) -> PlanInput {
    let place = |(id, at): &(i64, (f64, f64))| Place { id: *id, at: *at };
    PlanInput {
        hub: (c.route.hub_lat, c.route.hub_lng),
        route_points: inputs.route_points.clone(),
        stores: inputs.stores.iter().map(place).collect(),
        points: inputs.points.iter().map(place).collect(),
        orders: inputs
            .orders
            .iter()
            .map(|o| OrderLoad {
                order_id: o.id,
                store_id: o.store_id,
                agent_point_id: inputs.agent_point_of.get(&o.id).copied().unwrap_or(0),
                load: load(inputs.loads.get(&o.id).copied().unwrap_or_default()),
                priority: o.paid_at.unwrap_or(o.created_at).timestamp_millis(),
            })
            .collect(),
        vehicles: inputs
            .fleet
            .iter()
            .map(|v| Vehicle {
                id: v.id,
                capacity: Load {
                    ambient_g: v.capacity_g,
                    ambient_ml: v.capacity_ml,
                    chilled_ml: v.chilled_ml,
                    frozen_ml: v.frozen_ml,
                },
            })
            .collect(),
        depart_at_s: c.departs_at.timestamp(),
        speed_mps: VAN_MPS,
        road_factor: ROAD_FACTOR,
        stop_s: STOP_SECS,
    }
}

fn load(c: Compartments) -> Load {
    Load {
        ambient_g: c.ambient_g,
        ambient_ml: c.ambient_ml,
        chilled_ml: c.chilled_ml,
        frozen_ml: c.frozen_ml,
    }
}

fn compartments(l: Load) -> Compartments {
    Compartments {
        ambient_g: l.ambient_g,
        ambient_ml: l.ambient_ml,
        chilled_ml: l.chilled_ml,
        frozen_ml: l.frozen_ml,
    }
}

/// Plans every due departure of every platform.
#[derive(Debug, Clone, Copy)]
pub struct PlanDepartures;

impl PeriodicHandler for PlanDepartures {
    fn run<'a>(
        &'a self,
        ctx: &'a JobContext,
    ) -> Pin<Box<dyn Future<Output = Result<String, DbErr>> + Send + 'a>> {
        Box::pin(async move {
            let now = ctx.clock.now();
            let mut planned = 0;
            for p in platform::Entity::find().all(&ctx.db).await? {
                let deps = departure::Entity::find()
                    .filter(departure::Column::PlatformId.eq(p.id))
                    .all(&ctx.db)
                    .await?;
                for (id, at) in due_instances(&deps, p.utc_offset_minutes, now) {
                    let txn = entity::tx::begin_write(&ctx.db).await?;
                    match plan_departure(&txn, id, at, now).await {
                        Ok(Planned::Now { .. }) => {
                            txn.commit().await?;
                            planned += 1;
                        }
                        Ok(Planned::Before) => txn.rollback().await?,
                        Err(e) => {
                            txn.rollback().await?;
                            tracing::error!(departure = id, error = %e, "departure not planned");
                        }
                    }
                }
            }
            Ok(format!("planned {planned} departures"))
        })
    }
}

/// The planning job, every `interval_secs`.
pub fn periodic(interval_secs: i64) -> PeriodicJob {
    PeriodicJob::new(
        "plan-departures",
        Duration::seconds(interval_secs.max(10)),
        PlanDepartures,
    )
}
