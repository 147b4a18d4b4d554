//! Planning departures: at each departure's cut-off the worker loads the
//! departure's accepted village orders, packs them into the free vehicles
//! with [`super::planner`], and stores the trips with their stops and
//! packages. A departure is planned once (a unique plan row written first,
//! in the same transaction), whatever workers race for it; orders that do
//! not fit roll to the route's next departure, and their residents are
//! told why.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::future::Future;
use std::pin::Pin;

use chrono::{DateTime, Duration, Utc};
use entity::error::{DomainError, DomainResult};
use entity::to_door_line::order_states::OrderStatus;
use entity::to_door_line::pricing::{DeliveryPlan, Schedule};
use entity::{
    agent_point, cold_batch, departure, departure_plan, order, order_item, platform, route,
    route_stop, sku, store, trip, trip_package, trip_stop, vehicle,
};
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, Set,
};

use super::planner::{self, Load, OrderLoad, Place, PlanInput, StopKind, Vehicle};
use crate::jobs::{JobContext, PeriodicHandler, PeriodicJob};

/// Van speed on county roads, metres per second (40 km/h).
pub const VAN_MPS: f64 = 40_000.0 / 3_600.0;
/// Road distance over great-circle distance in the mountains.
pub const ROAD_FACTOR: f64 = 1.4;
/// Dwell per stop, seconds.
pub const STOP_SECS: i64 = 300;
/// A vehicle is busy for this long around a departure it serves.
pub const VEHICLE_BUSY_HOURS: i64 = 5;

/// What planning a departure did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Planned {
    /// Planned now: trips and roll-overs.
    Now {
        /// Trips created.
        trips: usize,
        /// Orders moved to the next departure.
        rolled_over: usize,
    },
    /// It was planned before; nothing changed.
    Before,
}

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

/// Plans one departure instance. Run in a transaction.
pub async fn plan_departure(
    db: &impl ConnectionTrait,
    departure_id: i64,
    departs_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> DomainResult<Planned> {
    let d = departure::Entity::find_by_id(departure_id)
        .one(db)
        .await?
        .ok_or(DomainError::NotFound("departure"))?;
    let claimed = departure_plan::Entity::insert(departure_plan::ActiveModel {
        platform_id: Set(d.platform_id),
        departure_id: Set(d.id),
        departs_at: Set(departs_at),
        trips: Set(0),
        rolled_over: Set(0),
        created_at: Set(now),
        ..Default::default()
    })
    .on_conflict(
        OnConflict::columns([
            departure_plan::Column::DepartureId,
            departure_plan::Column::DepartsAt,
        ])
        .do_nothing()
        .to_owned(),
    )
    .exec(db)
    .await;
    let plan_id = match claimed {
        Ok(r) => r.last_insert_id,
        Err(DbErr::RecordNotInserted) => return Ok(Planned::Before),
        Err(e) => return Err(e.into()),
    };
    let r = route::Entity::find_by_id(d.route_id)
        .one(db)
        .await?
        .ok_or(DomainError::NotFound("route"))?;
    let p = platform::Entity::find_by_id(d.platform_id)
        .one(db)
        .await?
        .ok_or(DomainError::NotFound("platform"))?;

    // The departure's orders: accepted (or ready) village orders planned
    // onto this instance.
    let orders: Vec<order::Model> = order::Entity::find()
        .filter(order::Column::PlatformId.eq(d.platform_id))
        .filter(order::Column::DeliveryKind.eq("village"))
        .filter(
            order::Column::Status
                .is_in([OrderStatus::Accepted.as_str(), OrderStatus::Ready.as_str()]),
        )
        .all(db)
        .await?
        .into_iter()
        .filter(|o| {
            matches!(
                serde_json::from_str::<DeliveryPlan>(&o.delivery_plan),
                Ok(DeliveryPlan::Village { departure_id, departs_at: at, .. })
                    if departure_id == d.id && at == departs_at
            )
        })
        .collect();

    let stops = route_stop::Entity::find()
        .filter(route_stop::Column::RouteId.eq(r.id))
        .all(db)
        .await?;
    let mut route_points: Vec<(i32, i64)> =
        stops.iter().map(|s| (s.seq, s.agent_point_id)).collect();
    route_points.sort();
    let points: Vec<Place> = agent_point::Entity::find()
        .filter(agent_point::Column::Id.is_in(route_points.iter().map(|(_, id)| *id)))
        .all(db)
        .await?
        .into_iter()
        .map(|a| Place {
            id: a.id,
            at: (a.lat, a.lng),
        })
        .collect();
    let stores: Vec<Place> = store::Entity::find()
        .filter(store::Column::Id.is_in(orders.iter().map(|o| o.store_id)))
        .all(db)
        .await?
        .into_iter()
        .map(|s| Place {
            id: s.id,
            at: (s.lat, s.lng),
        })
        .collect();
    let loads = order_loads(db, &orders).await?;

    // Vehicles not busy with another departure around this one.
    let busy: HashSet<i64> = trip::Entity::find()
        .filter(trip::Column::PlatformId.eq(d.platform_id))
        .filter(trip::Column::DepartsAt.gt(departs_at - Duration::hours(VEHICLE_BUSY_HOURS)))
        .filter(trip::Column::DepartsAt.lt(departs_at + Duration::hours(VEHICLE_BUSY_HOURS)))
        .filter(trip::Column::Status.ne("completed"))
        .all(db)
        .await?
        .into_iter()
        .map(|t| t.vehicle_id)
        .collect();
    let fleet: Vec<vehicle::Model> = vehicle::Entity::find()
        .filter(vehicle::Column::PlatformId.eq(d.platform_id))
        .filter(vehicle::Column::Active.eq(true))
        .all(db)
        .await?
        .into_iter()
        .filter(|v| !busy.contains(&v.id))
        .collect();
    let carriers: HashMap<i64, i64> = fleet.iter().map(|v| (v.id, v.carrier_id)).collect();

    let input = PlanInput {
        hub: (r.hub_lat, r.hub_lng),
        route_points: route_points.iter().map(|(_, id)| *id).collect(),
        stores,
        points,
        orders: orders
            .iter()
            .map(|o| OrderLoad {
                order_id: o.id,
                store_id: o.store_id,
                agent_point_id: agent_point_of(o).unwrap_or(0),
                load: loads.get(&o.id).copied().unwrap_or_default(),
                priority: o.paid_at.unwrap_or(o.created_at).timestamp_millis(),
            })
            .collect(),
        vehicles: fleet
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
        depart_at_s: departs_at.timestamp(),
        speed_mps: VAN_MPS,
        road_factor: ROAD_FACTOR,
        stop_s: STOP_SECS,
    };
    let plan = planner::plan(&input);

    for (i, t) in plan.trips.iter().enumerate() {
        let row = trip::ActiveModel {
            platform_id: Set(d.platform_id),
            plan_id: Set(plan_id),
            route_id: Set(r.id),
            departure_id: Set(d.id),
            departs_at: Set(departs_at),
            seq: Set(i as i32 + 1),
            vehicle_id: Set(t.vehicle_id),
            carrier_id: Set(carriers.get(&t.vehicle_id).copied().unwrap_or(0)),
            status: Set("planned".into()),
            load_g: Set(t.load.ambient_g),
            load_ml: Set(t.load.ambient_ml),
            chilled_ml: Set(t.load.chilled_ml),
            frozen_ml: Set(t.load.frozen_ml),
            length_m: Set(t.length_m),
            naive_length_m: Set(t.naive_length_m),
            created_at: Set(now),
            departed_at: Set(None),
            completed_at: Set(None),
            ..Default::default()
        }
        .insert(db)
        .await?;
        let mut pickup_of: HashMap<i64, i32> = HashMap::new();
        let mut drop_of: HashMap<i64, i32> = HashMap::new();
        let mut rows = Vec::with_capacity(t.stops.len());
        for (k, s) in t.stops.iter().enumerate() {
            let seq = k as i32 + 1;
            let (kind, at) = match s.kind {
                StopKind::Pickup => ("pickup", input.stores.iter().find(|p| p.id == s.place_id)),
                StopKind::Drop => ("drop", input.points.iter().find(|p| p.id == s.place_id)),
            };
            for o in &s.orders {
                match s.kind {
                    StopKind::Pickup => pickup_of.insert(*o, seq),
                    StopKind::Drop => drop_of.insert(*o, seq),
                };
            }
            let (lat, lng) = at.map(|p| p.at).unwrap_or(input.hub);
            rows.push(trip_stop::ActiveModel {
                platform_id: Set(d.platform_id),
                trip_id: Set(row.id),
                seq: Set(seq),
                kind: Set(kind.into()),
                place_id: Set(s.place_id),
                lat: Set(lat),
                lng: Set(lng),
                eta: Set(DateTime::from_timestamp(s.eta_s, 0).unwrap_or(departs_at)),
                arrived_at: Set(None),
                handed_over_at: Set(None),
                ..Default::default()
            });
        }
        if !rows.is_empty() {
            trip_stop::Entity::insert_many(rows)
                .exec_without_returning(db)
                .await?;
        }
        let mut packages = Vec::with_capacity(t.orders.len());
        for o in &t.orders {
            packages.push(trip_package::ActiveModel {
                platform_id: Set(d.platform_id),
                trip_id: Set(row.id),
                order_id: Set(*o),
                pickup_seq: Set(pickup_of.get(o).copied().unwrap_or(0)),
                drop_seq: Set(drop_of.get(o).copied().unwrap_or(0)),
                handover_code: Set(handover_code()),
                pickup_code: Set(handover_code()),
                status: Set("planned".into()),
                reason: Set(None),
                created_at: Set(now),
                updated_at: Set(now),
                ..Default::default()
            });
        }
        if !packages.is_empty() {
            trip_package::Entity::insert_many(packages)
                .exec_without_returning(db)
                .await?;
        }
        // One cold-chain batch per cold class the trip carries.
        let sensors: serde_json::Value = fleet
            .iter()
            .find(|v| v.id == t.vehicle_id)
            .and_then(|v| serde_json::from_str(&v.sensor_ids).ok())
            .unwrap_or_default();
        for (class, carries) in [
            ("chilled", t.load.chilled_ml > 0),
            ("frozen", t.load.frozen_ml > 0),
        ] {
            if !carries {
                continue;
            }
            let ids: Vec<i64> = t
                .orders
                .iter()
                .copied()
                .filter(|o| {
                    loads.get(o).is_some_and(|l| {
                        if class == "frozen" {
                            l.frozen_ml > 0
                        } else {
                            l.chilled_ml > 0
                        }
                    })
                })
                .collect();
            cold_batch::ActiveModel {
                platform_id: Set(d.platform_id),
                trip_id: Set(row.id),
                class: Set(class.into()),
                sensor_id: Set(sensors[class].as_str().unwrap_or("").to_owned()),
                order_ids: Set(serde_json::to_string(&ids).unwrap_or_else(|_| "[]".into())),
                created_at: Set(now),
                ..Default::default()
            }
            .insert(db)
            .await?;
        }
    }

    // Orders that did not fit ride the route's next departure.
    let by_id: BTreeMap<i64, &order::Model> = orders.iter().map(|o| (o.id, o)).collect();
    let at = (departs_at + Duration::minutes(i64::from(p.utc_offset_minutes))).format("%H:%M");
    for id in &plan.rolled_over {
        if let Some(o) = by_id.get(id) {
            entity::to_door_line::village::trips::roll_to_next(
                db,
                o,
                format!("the {at} trip was full; it rides the next one"),
                now,
            )
            .await?;
        }
    }
    departure_plan::Entity::update_many()
        .col_expr(
            departure_plan::Column::Trips,
            sea_orm::sea_query::Expr::value(plan.trips.len() as i32),
        )
        .col_expr(
            departure_plan::Column::RolledOver,
            sea_orm::sea_query::Expr::value(plan.rolled_over.len() as i32),
        )
        .filter(departure_plan::Column::Id.eq(plan_id))
        .exec(db)
        .await?;
    Ok(Planned::Now {
        trips: plan.trips.len(),
        rolled_over: plan.rolled_over.len(),
    })
}

fn agent_point_of(o: &order::Model) -> Option<i64> {
    match serde_json::from_str::<DeliveryPlan>(&o.delivery_plan).ok()? {
        DeliveryPlan::Village { agent_point_id, .. } => Some(agent_point_id),
        DeliveryPlan::City { .. } => None,
    }
}

fn handover_code() -> String {
    let b = crate::random_bytes::<4>();
    format!("{:06}", u32::from_le_bytes(b) % 1_000_000)
}

/// Each order's load by compartment, from its items and their SKUs.
async fn order_loads(
    db: &impl ConnectionTrait,
    orders: &[order::Model],
) -> DomainResult<HashMap<i64, Load>> {
    let items = order_item::Entity::find()
        .filter(order_item::Column::OrderId.is_in(orders.iter().map(|o| o.id)))
        .all(db)
        .await?;
    let skus: HashMap<i64, sku::Model> = sku::Entity::find()
        .filter(sku::Column::Id.is_in(items.iter().map(|i| i.sku_id)))
        .all(db)
        .await?
        .into_iter()
        .map(|s| (s.id, s))
        .collect();
    let mut out: HashMap<i64, Load> = HashMap::new();
    for i in items {
        let Some(s) = skus.get(&i.sku_id) else {
            continue;
        };
        let qty = i64::from(i.qty);
        let (g, ml) = (qty * i64::from(s.weight_g), qty * i64::from(s.volume_ml));
        let l = out.entry(i.order_id).or_default();
        match i.cold_chain.as_str() {
            "frozen" => l.frozen_ml += ml,
            "chilled" => l.chilled_ml += ml,
            _ => {
                l.ambient_g += g;
                l.ambient_ml += ml;
            }
        }
    }
    Ok(out)
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
