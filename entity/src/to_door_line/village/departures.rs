//! Planning a departure, the database side: the departure instance is
//! claimed once (a unique plan row written first, in the planning
//! transaction, so racing workers plan it once), what the planner needs is
//! loaded, and the trips it returns are stored with their stops, packages
//! and cold-chain batches; orders that did not fit roll to the route's next
//! departure, and their residents are told why. The planner itself is pure
//! and runs in the worker's job between [`inputs`] and [`save`].

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, Set,
};

use crate::error::DomainResult;
use crate::order::DeliveryKind;
use crate::to_door_line::order_states::OrderStatus;
use crate::to_door_line::pricing::DeliveryPlan;
use crate::to_door_line::village::trips::roll_to_next;
use crate::trip::TripStatus;
use crate::trip_package::PackageStatus;
pub use crate::trip_stop::StopKind;
use crate::{
    agent_point, cold_batch, departure, departure_plan, order, order_item, platform, route,
    route_stop, sku, store, trip, trip_package, trip_stop, vehicle,
};

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

/// What an order (or a vehicle) takes up, by compartment.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Compartments {
    /// Ambient weight, grams.
    pub ambient_g: i64,
    /// Ambient volume, millilitres.
    pub ambient_ml: i64,
    /// Chilled volume, millilitres.
    pub chilled_ml: i64,
    /// Frozen volume, millilitres.
    pub frozen_ml: i64,
}

/// A departure instance claimed for planning by this transaction.
#[derive(Debug, Clone)]
pub struct Claimed {
    /// The plan row.
    pub plan_id: i64,
    /// The departure.
    pub departure: departure::Model,
    /// Its route.
    pub route: route::Model,
    /// Its platform.
    pub platform: platform::Model,
    /// When this instance leaves.
    pub departs_at: DateTime<Utc>,
}

/// Claims a departure instance: `None` when it was planned before. Run in
/// the transaction that saves the plan.
pub async fn claim(
    db: &impl ConnectionTrait,
    departure_id: i64,
    departs_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> DomainResult<Option<Claimed>> {
    let d = crate::scope::get::<departure::Entity>(db, departure_id, "departure").await?;
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
        Err(DbErr::RecordNotInserted) => return Ok(None),
        Err(e) => return Err(e.into()),
    };
    let route = crate::scope::get::<route::Entity>(db, d.route_id, "route").await?;
    let platform = crate::platform_end::platforms::platform_of(db, d.platform_id).await?;
    Ok(Some(Claimed {
        plan_id,
        departure: d,
        route,
        platform,
        departs_at,
    }))
}

/// Everything the planner needs about a claimed departure.
#[derive(Debug, Clone)]
pub struct Inputs {
    /// The departure's accepted (or ready) village orders.
    pub orders: Vec<order::Model>,
    /// Each order's agent point.
    pub agent_point_of: HashMap<i64, i64>,
    /// Each order's load.
    pub loads: HashMap<i64, Compartments>,
    /// The route's agent points in the route's own order.
    pub route_points: Vec<i64>,
    /// The agent points of the route: id → `(lat, lng)`.
    pub points: Vec<(i64, (f64, f64))>,
    /// The stores of the orders: id → `(lat, lng)`.
    pub stores: Vec<(i64, (f64, f64))>,
    /// Active vehicles not busy with another departure around this one.
    pub fleet: Vec<vehicle::Model>,
}

/// Loads what the planner needs for a claimed departure.
pub async fn inputs(db: &impl ConnectionTrait, c: &Claimed) -> DomainResult<Inputs> {
    let d = &c.departure;
    let orders: Vec<order::Model> = order::Entity::find()
        .filter(order::Column::PlatformId.eq(d.platform_id))
        .filter(order::Column::DeliveryKind.eq(DeliveryKind::Village))
        .filter(order::Column::Status.is_in([OrderStatus::Accepted, OrderStatus::Ready]))
        .all(db)
        .await?
        .into_iter()
        .filter(|o| {
            matches!(
                serde_json::from_str::<DeliveryPlan>(&o.delivery_plan),
                Ok(DeliveryPlan::Village { departure_id, departs_at: at, .. })
                    if departure_id == d.id && at == c.departs_at
            )
        })
        .collect();
    let agent_point_of = orders
        .iter()
        .filter_map(
            |o| match serde_json::from_str::<DeliveryPlan>(&o.delivery_plan) {
                Ok(DeliveryPlan::Village { agent_point_id, .. }) => Some((o.id, agent_point_id)),
                _ => None,
            },
        )
        .collect();
    let mut stops: Vec<(i32, i64)> = route_stop::Entity::find()
        .filter(route_stop::Column::RouteId.eq(c.route.id))
        .all(db)
        .await?
        .iter()
        .map(|s| (s.seq, s.agent_point_id))
        .collect();
    stops.sort();
    let route_points: Vec<i64> = stops.iter().map(|(_, id)| *id).collect();
    let points = agent_point::Entity::find()
        .filter(agent_point::Column::Id.is_in(route_points.iter().copied()))
        .all(db)
        .await?
        .into_iter()
        .map(|a| (a.id, (a.lat, a.lng)))
        .collect();
    let stores = store::Entity::find()
        .filter(store::Column::Id.is_in(orders.iter().map(|o| o.store_id)))
        .all(db)
        .await?
        .into_iter()
        .map(|s| (s.id, (s.lat, s.lng)))
        .collect();
    let loads = order_loads(db, &orders).await?;
    let around = Duration::hours(VEHICLE_BUSY_HOURS);
    let busy: HashSet<i64> = trip::Entity::find()
        .filter(trip::Column::PlatformId.eq(d.platform_id))
        .filter(trip::Column::DepartsAt.gt(c.departs_at - around))
        .filter(trip::Column::DepartsAt.lt(c.departs_at + around))
        .filter(trip::Column::Status.ne(TripStatus::Completed))
        .all(db)
        .await?
        .into_iter()
        .map(|t| t.vehicle_id)
        .collect();
    let fleet = vehicle::Entity::find()
        .filter(vehicle::Column::PlatformId.eq(d.platform_id))
        .filter(vehicle::Column::Active.eq(true))
        .all(db)
        .await?
        .into_iter()
        .filter(|v| !busy.contains(&v.id))
        .collect();
    Ok(Inputs {
        orders,
        agent_point_of,
        loads,
        route_points,
        points,
        stores,
        fleet,
    })
}

/// Each order's load by compartment, from its items and their SKUs.
async fn order_loads(
    db: &impl ConnectionTrait,
    orders: &[order::Model],
) -> DomainResult<HashMap<i64, Compartments>> {
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
    let mut out: HashMap<i64, Compartments> = HashMap::new();
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

/// A planned stop.
#[derive(Debug, Clone, PartialEq)]
pub struct StopPlan {
    /// Pickup or drop.
    pub kind: StopKind,
    /// The store's (pickup) or agent point's (drop) id.
    pub place_id: i64,
    /// Estimated arrival.
    pub eta: DateTime<Utc>,
    /// The orders picked up or dropped here.
    pub orders: Vec<i64>,
}

/// A planned trip of one vehicle.
#[derive(Debug, Clone, PartialEq)]
pub struct TripPlan {
    /// The vehicle.
    pub vehicle_id: i64,
    /// The sum of its orders' loads.
    pub load: Compartments,
    /// Its orders.
    pub orders: Vec<i64>,
    /// Pickups, then drops.
    pub stops: Vec<StopPlan>,
    /// Metres along the planned stops.
    pub length_m: f64,
    /// Metres with the drops in the route's own order.
    pub naive_length_m: f64,
}

/// Stores the planned trips (with stops, packages and one cold-chain batch
/// per cold class carried), rolls the orders that did not fit to the
/// route's next departure, and records the plan's figures. Run in the
/// transaction of [`claim`].
pub async fn save(
    db: &impl ConnectionTrait,
    c: &Claimed,
    inputs: &Inputs,
    trips: &[TripPlan],
    rolled_over: &[i64],
    now: DateTime<Utc>,
) -> DomainResult<Planned> {
    let d = &c.departure;
    for (i, t) in trips.iter().enumerate() {
        let vehicle = inputs.fleet.iter().find(|v| v.id == t.vehicle_id);
        let row = trip::ActiveModel {
            platform_id: Set(d.platform_id),
            plan_id: Set(c.plan_id),
            route_id: Set(c.route.id),
            departure_id: Set(d.id),
            departs_at: Set(c.departs_at),
            seq: Set(i as i32 + 1),
            vehicle_id: Set(t.vehicle_id),
            carrier_id: Set(vehicle.map_or(0, |v| v.carrier_id)),
            status: Set(TripStatus::Planned),
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
        let hub = (c.route.hub_lat, c.route.hub_lng);
        let mut pickup_of: HashMap<i64, i32> = HashMap::new();
        let mut drop_of: HashMap<i64, i32> = HashMap::new();
        let mut rows = Vec::with_capacity(t.stops.len());
        for (k, s) in t.stops.iter().enumerate() {
            let seq = k as i32 + 1;
            let places = match s.kind {
                StopKind::Pickup => &inputs.stores,
                StopKind::Drop => &inputs.points,
            };
            for o in &s.orders {
                match s.kind {
                    StopKind::Pickup => pickup_of.insert(*o, seq),
                    StopKind::Drop => drop_of.insert(*o, seq),
                };
            }
            let (lat, lng) = places
                .iter()
                .find(|(id, _)| *id == s.place_id)
                .map_or(hub, |(_, at)| *at);
            rows.push(trip_stop::ActiveModel {
                platform_id: Set(d.platform_id),
                trip_id: Set(row.id),
                seq: Set(seq),
                kind: Set(s.kind),
                place_id: Set(s.place_id),
                lat: Set(lat),
                lng: Set(lng),
                eta: Set(s.eta),
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
                handover_code: Set(crate::ids::digits(6)),
                pickup_code: Set(crate::ids::digits(6)),
                code_failures: Set(0),
                status: Set(PackageStatus::Planned),
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
        let sensors: serde_json::Value = vehicle
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
                    inputs.loads.get(o).is_some_and(|l| {
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
    let by_id: BTreeMap<i64, &order::Model> = inputs.orders.iter().map(|o| (o.id, o)).collect();
    let offset = Duration::minutes(i64::from(c.platform.utc_offset_minutes));
    let at = (c.departs_at + offset).format("%H:%M");
    for id in rolled_over {
        if let Some(o) = by_id.get(id) {
            let why = format!("the {at} trip was full; it rides the next one");
            roll_to_next(db, o, why, now).await?;
        }
    }
    departure_plan::Entity::update_many()
        .col_expr(
            departure_plan::Column::Trips,
            Expr::value(trips.len() as i32),
        )
        .col_expr(
            departure_plan::Column::RolledOver,
            Expr::value(rolled_over.len() as i32),
        )
        .filter(departure_plan::Column::Id.eq(c.plan_id))
        .exec(db)
        .await?;
    Ok(Planned::Now {
        trips: trips.len(),
        rolled_over: rolled_over.len(),
    })
}
