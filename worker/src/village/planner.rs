//! Planning a village departure's accepted orders into vehicle trips.
//!
//! At a departure's cut-off, [`plan`] splits the departure's orders between
//! the available vehicles and orders each vehicle's stops. It is pure and
//! deterministic: the same [`PlanInput`] always gives the same [`Plan`],
//! and with unique ids the order of the input vectors does not matter.
//!
//! **Who rides.** Orders are taken by `(priority, order_id)`, oldest first.
//! An order that no vehicle could carry even alone (or whose store or agent
//! point is unknown, or whose load is negative) rolls over on its own. Of the
//! rest, the plan carries the longest prefix that the packing heuristics can
//! fit into the fleet; everything after it (the newest orders) rolls over,
//! even a small order that would still have fitted behind a larger one.
//!
//! **Packing.** Capacities are four integer dimensions ([`Load`]). Vehicles
//! are tried largest first (sum of their capacity shares of the fleet's
//! largest capacity per dimension, then id) and a vehicle is opened only
//! when an order fits no open one. Five packings of the carried orders are
//! built: first fit in priority order; best fit by decreasing dominant share;
//! two "cluster by geography" sweeps that take the orders point by point (in
//! the order of a tour over the agent points from the hub, or in the route's
//! own order), preferring a vehicle that already stops at the point; and the
//! tour sweep with the chilled and frozen orders taken first, so that they
//! share as few vehicles as possible. In each packing every trip then moves
//! to the smallest unused vehicle that still holds its load. The plan keeps
//! the packing with the fewest vehicles, then the least fleet capacity tied
//! up (sum of the vehicles' capacity shares: larger and refrigerated
//! vehicles stay free for later departures), then the shortest total length.
//!
//! **Stops.** A trip starts at the hub, picks up at each of its stores
//! (nearest neighbour from the hub), then drops at each of its agent points
//! as an open path ending at the last drop. The drop order is exact
//! (Held–Karp) for up to [`EXACT_MAX_DROPS`] drops. Longer lists start
//! with nearest neighbour from the last pickup, improved by 2-opt and Or-opt
//! (segment move) until neither helps, and keep the best of a few such
//! runs, each forced to begin at another drop near the last pickup. The
//! order is never longer than the route's own, which is kept if shorter.
//! Distances are great-circle metres ([`haversine_m`]); times apply the road
//! factor and speed, plus a dwell at every stop.

/// Mean Earth radius in metres (IUGG), as in `entity::geo`.
/// Trips with at most this many drops get an exactly shortest drop order;
/// longer ones use nearest neighbour + 2-opt + Or-opt.
pub const EXACT_MAX_DROPS: usize = 8;

/// Longer drop lists try this many nearest-neighbour starts.
const MAX_STARTS: usize = 12;

/// Parts per million, the unit of capacity shares.
const PPM: i128 = 1_000_000;

/// Improvements shorter than this (metres) are ignored, so local search ends.
const EPS_M: f64 = 1e-6;

/// A load or a capacity: grams and millilitres per compartment.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Load {
    /// Ambient weight, grams.
    pub ambient_g: i64,
    /// Ambient volume, millilitres.
    pub ambient_ml: i64,
    /// Chilled volume, millilitres.
    pub chilled_ml: i64,
    /// Frozen volume, millilitres.
    pub frozen_ml: i64,
}

impl Load {
    /// The empty load.
    pub const ZERO: Load = Load {
        ambient_g: 0,
        ambient_ml: 0,
        chilled_ml: 0,
        frozen_ml: 0,
    };

    /// Whether every dimension of `self` is at most that of `cap`.
    pub fn fits_in(&self, cap: &Load) -> bool {
        self.dims().iter().zip(cap.dims()).all(|(&x, c)| x <= c)
    }

    /// The sum of two loads, dimension by dimension (saturating).
    pub fn add(&self, other: &Load) -> Load {
        let (a, b) = (self.dims(), other.dims());
        Load::from_dims(std::array::from_fn(|i| a[i].saturating_add(b[i])))
    }

    /// `self - other`, or `None` if any dimension would go below zero (or
    /// overflow): the room left in a capacity after a load.
    pub fn sub(&self, other: &Load) -> Option<Load> {
        let (a, b) = (self.dims(), other.dims());
        let mut out = [0; 4];
        for i in 0..4 {
            out[i] = a[i].checked_sub(b[i]).filter(|&x| x >= 0)?;
        }
        Some(Load::from_dims(out))
    }

    /// Whether every dimension is zero.
    pub fn is_zero(&self) -> bool {
        *self == Load::ZERO
    }

    fn dims(&self) -> [i64; 4] {
        [
            self.ambient_g,
            self.ambient_ml,
            self.chilled_ml,
            self.frozen_ml,
        ]
    }

    fn from_dims(d: [i64; 4]) -> Load {
        Load {
            ambient_g: d[0],
            ambient_ml: d[1],
            chilled_ml: d[2],
            frozen_ml: d[3],
        }
    }
}

/// One accepted order of the departure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderLoad {
    /// The order (expected unique within a [`PlanInput`]).
    pub order_id: i64,
    /// The store where it is picked up.
    pub store_id: i64,
    /// The agent point where it is dropped.
    pub agent_point_id: i64,
    /// What it takes up in a vehicle.
    pub load: Load,
    /// Lower is older and is placed first; ties are broken by `order_id`.
    pub priority: i64,
}

/// A vehicle available for the departure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Vehicle {
    /// The vehicle (expected unique within a [`PlanInput`]).
    pub id: i64,
    /// What it can carry; a missing compartment is 0 (negative counts as 0).
    pub capacity: Load,
}

/// A store (pickup) or an agent point (drop).
#[derive(Debug, Clone, PartialEq)]
pub struct Place {
    /// The store's or agent point's id.
    pub id: i64,
    /// `(lat, lng)` in degrees.
    pub at: (f64, f64),
}

/// Everything [`plan`] needs about one departure.
#[derive(Debug, Clone, PartialEq)]
pub struct PlanInput {
    /// The county depot where trips start, `(lat, lng)` in degrees.
    pub hub: (f64, f64),
    /// The route's agent points in the route's own order (the naive drop order).
    pub route_points: Vec<i64>,
    /// The stores of the orders (first entry wins for a repeated id).
    pub stores: Vec<Place>,
    /// The agent points of the orders (first entry wins for a repeated id).
    pub points: Vec<Place>,
    /// The departure's accepted orders.
    pub orders: Vec<OrderLoad>,
    /// The vehicles that may be used.
    pub vehicles: Vec<Vehicle>,
    /// When trips leave the hub, unix seconds.
    pub depart_at_s: i64,
    /// Driving speed, metres per second (travel is untimed unless positive and finite).
    pub speed_mps: f64,
    /// Road metres per great-circle metre (1.0 unless positive and finite).
    pub road_factor: f64,
    /// Dwell at every stop, seconds (negative counts as 0).
    pub stop_s: i64,
}

/// What a vehicle does at a stop.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StopKind {
    /// Collect orders at a store.
    Pickup,
    /// Hand orders over at an agent point.
    Drop,
}

/// One stop of a trip.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stop {
    /// Pickup or drop.
    pub kind: StopKind,
    /// The store's (pickup) or agent point's (drop) id.
    pub place_id: i64,
    /// Estimated arrival, unix seconds.
    pub eta_s: i64,
    /// The orders picked up or dropped here, by `(priority, order_id)`.
    pub orders: Vec<i64>,
}

/// One vehicle's trip: pickups, then drops, as an open path from the hub.
#[derive(Debug, Clone, PartialEq)]
pub struct Trip {
    /// The vehicle.
    pub vehicle_id: i64,
    /// The sum of its orders' loads (fits the vehicle's capacity).
    pub load: Load,
    /// Its orders, by `(priority, order_id)`.
    pub orders: Vec<i64>,
    /// Pickups (each store once), then drops (each agent point once).
    pub stops: Vec<Stop>,
    /// Great-circle metres from the hub through every stop, in this order.
    pub length_m: f64,
    /// The same with the drops in the route's own order (never shorter than `length_m`).
    pub naive_length_m: f64,
}

/// The outcome of planning one departure.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    /// One trip per vehicle used; no empty trips.
    pub trips: Vec<Trip>,
    /// Orders not carried, by `(priority, order_id)`.
    pub rolled_over: Vec<i64>,
    /// Fewest vehicles any plan needs for the carried orders: the largest,
    /// over the dimensions, of ceil(demand / largest vehicle capacity).
    pub lower_bound_vehicles: usize,
}

pub use crate::dispatch::spatial::haversine_m;

/// Plans a departure's orders into vehicle trips (see the module docs).
///
/// Every order of `input` ends up in exactly one trip or in `rolled_over`;
/// every trip's load fits its vehicle in every dimension; the carried orders
/// are a prefix, by `(priority, order_id)`, of the orders that fit some
/// vehicle alone; `trips.len() >= lower_bound_vehicles`.
pub fn plan(input: &PlanInput) -> Plan {
    let ctx = Ctx::new(input);

    let mut by_priority: Vec<usize> = (0..input.orders.len()).collect();
    by_priority.sort_by_key(|&i| (input.orders[i].priority, input.orders[i].order_id, i));
    let mut rolled = Vec::new();
    let mut candidates = Vec::new();
    for i in by_priority {
        match ctx.item(i) {
            Some(item) => candidates.push(item),
            None => rolled.push(i),
        }
    }

    let carried_len = ctx.largest_prefix(&candidates);
    let (carried, rest) = candidates.split_at(carried_len);
    rolled.extend(rest.iter().map(|it| it.input));
    rolled.sort_by_key(|&i| (input.orders[i].priority, input.orders[i].order_id, i));

    // The packing with the fewest vehicles, then the least fleet capacity
    // tied up, then the shortest total length.
    let mut best: Option<((usize, i64, f64), Vec<Trip>)> = None;
    for strategy in Strategy::ALL {
        let Ok(mut bins) = ctx.pack(carried, strategy) else {
            continue;
        };
        ctx.right_size(&mut bins);
        let trips: Vec<Trip> = bins.iter().map(|b| ctx.trip(carried, b)).collect();
        let tied_up = bins
            .iter()
            .map(|b| share_sum_ppm(&ctx.vehicles[b.vehicle].capacity, &ctx.fleet_max))
            .fold(0, i64::saturating_add);
        let length: f64 = trips.iter().map(|t| t.length_m).sum();
        let key = (bins.len(), tied_up, length);
        let better = best.as_ref().is_none_or(|(k, _)| {
            key.0
                .cmp(&k.0)
                .then(key.1.cmp(&k.1))
                .then(key.2.total_cmp(&k.2))
                .is_lt()
        });
        if better {
            best = Some((key, trips));
        }
    }
    let trips = best.map(|(_, t)| t).unwrap_or_default();

    Plan {
        trips,
        rolled_over: rolled.iter().map(|&i| input.orders[i].order_id).collect(),
        lower_bound_vehicles: ctx.lower_bound(carried),
    }
}

/// An order that some vehicle can carry, with its places resolved.
#[derive(Debug, Clone)]
struct Item {
    /// Index in `PlanInput::orders`.
    input: usize,
    order_id: i64,
    load: Load,
    /// Index in `Ctx::stores`.
    store: usize,
    /// Index in `Ctx::points`.
    point: usize,
    /// Largest share of the fleet's largest capacity over the dimensions, ppm.
    dominant_ppm: i64,
}

/// Vehicles being filled: one per vehicle opened.
#[derive(Debug, Clone)]
struct Bin {
    /// Index in `Ctx::vehicles`.
    vehicle: usize,
    load: Load,
    /// Indices in the packed items, in placement order.
    items: Vec<usize>,
    /// Agent points (indices in `Ctx::points`) it already stops at.
    points: Vec<usize>,
}

/// How a packing orders the orders and chooses among open vehicles.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Strategy {
    /// Priority order, first open vehicle that fits (prefix-closed).
    PriorityFirstFit,
    /// Decreasing dominant share, tightest open vehicle that fits.
    DecreasingBestFit,
    /// Point by point along a tour from the hub, grouping each point's orders.
    SweepTour,
    /// Point by point in the route's own order, grouping each point's orders.
    SweepRoute,
    /// Chilled and frozen orders first, then the rest, each along the tour.
    ColdFirst,
}

impl Strategy {
    const ALL: [Strategy; 5] = [
        Strategy::PriorityFirstFit,
        Strategy::DecreasingBestFit,
        Strategy::SweepTour,
        Strategy::SweepRoute,
        Strategy::ColdFirst,
    ];
}

/// Normalised tables of one [`PlanInput`].
struct Ctx<'a> {
    input: &'a PlanInput,
    /// `(id, at)`, sorted by id, unique.
    stores: Vec<(i64, (f64, f64))>,
    /// `(id, at)`, sorted by id, unique.
    points: Vec<(i64, (f64, f64))>,
    /// Position of each point in the naive drop order.
    route_rank: Vec<usize>,
    /// Largest first (capacity shares), then by id; capacities clamped at 0.
    vehicles: Vec<Vehicle>,
    /// Largest capacity per dimension.
    fleet_max: Load,
    /// Seconds of driving per great-circle metre.
    s_per_m: f64,
    stop_s: i64,
}

impl<'a> Ctx<'a> {
    fn new(input: &'a PlanInput) -> Ctx<'a> {
        let places = |list: &[Place]| {
            let mut v: Vec<(i64, (f64, f64))> = list.iter().map(|p| (p.id, p.at)).collect();
            // Stable: the first entry of a repeated id stays first.
            v.sort_by_key(|p| p.0);
            v.dedup_by_key(|p| p.0);
            v
        };
        let stores = places(&input.stores);
        let points = places(&input.points);

        let mut route_rank = vec![usize::MAX; points.len()];
        let mut next = 0;
        for id in &input.route_points {
            if let Ok(p) = points.binary_search_by_key(id, |x| x.0)
                && route_rank[p] == usize::MAX
            {
                route_rank[p] = next;
                next += 1;
            }
        }
        // Points off the route come after it, by id.
        for r in route_rank.iter_mut().filter(|r| **r == usize::MAX) {
            *r = next;
            next += 1;
        }

        let mut vehicles: Vec<Vehicle> = input
            .vehicles
            .iter()
            .map(|v| Vehicle {
                id: v.id,
                capacity: Load::from_dims(v.capacity.dims().map(|x| x.max(0))),
            })
            .collect();
        let fleet_max = vehicles.iter().fold(Load::ZERO, |m, v| {
            let (a, b) = (m.dims(), v.capacity.dims());
            Load::from_dims(std::array::from_fn(|i| a[i].max(b[i])))
        });
        vehicles.sort_by_key(|v| {
            (
                std::cmp::Reverse(share_sum_ppm(&v.capacity, &fleet_max)),
                v.id,
            )
        });

        let road_factor = if input.road_factor.is_finite() && input.road_factor > 0.0 {
            input.road_factor
        } else {
            1.0
        };
        let s_per_m = if input.speed_mps.is_finite() && input.speed_mps > 0.0 {
            road_factor / input.speed_mps
        } else {
            0.0
        };
        Ctx {
            input,
            stores,
            points,
            route_rank,
            vehicles,
            fleet_max,
            s_per_m,
            stop_s: input.stop_s.max(0),
        }
    }

    /// The order at `input` index `i` as an item, or `None` if it must roll over alone.
    fn item(&self, i: usize) -> Option<Item> {
        let o = &self.input.orders[i];
        if o.load.dims().iter().any(|&x| x < 0) {
            return None;
        }
        let store = self
            .stores
            .binary_search_by_key(&o.store_id, |s| s.0)
            .ok()?;
        let point = self
            .points
            .binary_search_by_key(&o.agent_point_id, |p| p.0)
            .ok()?;
        if !self.vehicles.iter().any(|v| o.load.fits_in(&v.capacity)) {
            return None;
        }
        let dominant_ppm = o
            .load
            .dims()
            .iter()
            .zip(self.fleet_max.dims())
            .map(|(&x, m)| share_ppm(x, m))
            .max()
            .unwrap_or(0);
        Some(Item {
            input: i,
            order_id: o.order_id,
            load: o.load,
            store,
            point,
            dominant_ppm,
        })
    }

    /// The length of the longest prefix of `items` that some packing fits.
    fn largest_prefix(&self, items: &[Item]) -> usize {
        let fits = |k: usize| {
            Strategy::ALL
                .iter()
                .any(|&s| self.pack(&items[..k], s).is_ok())
        };
        if fits(items.len()) {
            return items.len();
        }
        // First fit in priority order places the same way whatever follows,
        // so the prefix before its first failure fits.
        let mut lo = match self.pack(items, Strategy::PriorityFirstFit) {
            Ok(_) => return items.len(),
            Err(failed_at) => failed_at,
        };
        let mut hi = items.len();
        // Invariant: `lo` fits, `hi` does not.
        while hi - lo > 1 {
            let mid = lo + (hi - lo) / 2;
            if fits(mid) {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        lo
    }

    /// Packs all of `items` with `strategy`, or gives the position (in the
    /// strategy's own order) of the first item that no vehicle could take.
    fn pack(&self, items: &[Item], strategy: Strategy) -> Result<Vec<Bin>, usize> {
        let mut order: Vec<usize> = (0..items.len()).collect();
        let by_size = |i: usize| std::cmp::Reverse(items[i].dominant_ppm);
        match strategy {
            Strategy::PriorityFirstFit => {}
            Strategy::DecreasingBestFit => order.sort_by_key(|&i| (by_size(i), i)),
            Strategy::SweepTour | Strategy::ColdFirst => {
                let mut pts: Vec<usize> = items.iter().map(|it| it.point).collect();
                pts.sort_unstable();
                pts.dedup();
                let coords: Vec<(f64, f64)> = pts.iter().map(|&p| self.points[p].1).collect();
                let mut pos = vec![usize::MAX; self.points.len()];
                for (k, &j) in best_path(self.input.hub, &coords).iter().enumerate() {
                    pos[pts[j]] = k;
                }
                let cold = |i: usize| {
                    strategy == Strategy::ColdFirst
                        && (items[i].load.chilled_ml > 0 || items[i].load.frozen_ml > 0)
                };
                order.sort_by_key(|&i| (!cold(i), pos[items[i].point], by_size(i), i));
            }
            Strategy::SweepRoute => {
                order.sort_by_key(|&i| (self.route_rank[items[i].point], by_size(i), i));
            }
        }

        let mut bins: Vec<Bin> = Vec::new();
        let mut used = vec![false; self.vehicles.len()];
        for (position, &i) in order.iter().enumerate() {
            let item = &items[i];
            let b = match self.choose(&bins, item, strategy) {
                Some(b) => b,
                None => {
                    let v = (0..self.vehicles.len())
                        .find(|&v| !used[v] && item.load.fits_in(&self.vehicles[v].capacity))
                        .ok_or(position)?;
                    used[v] = true;
                    bins.push(Bin {
                        vehicle: v,
                        load: Load::ZERO,
                        items: Vec::new(),
                        points: Vec::new(),
                    });
                    bins.len() - 1
                }
            };
            let bin = &mut bins[b];
            bin.load = bin.load.add(&item.load);
            bin.items.push(i);
            if !bin.points.contains(&item.point) {
                bin.points.push(item.point);
            }
        }
        Ok(bins)
    }

    /// The open bin that `strategy` puts `item` in, if any fits.
    fn choose(&self, bins: &[Bin], item: &Item, strategy: Strategy) -> Option<usize> {
        let fits = |b: &Bin| {
            b.load
                .add(&item.load)
                .fits_in(&self.vehicles[b.vehicle].capacity)
        };
        match strategy {
            Strategy::PriorityFirstFit => bins.iter().position(fits),
            Strategy::DecreasingBestFit => bins
                .iter()
                .enumerate()
                .filter(|(_, b)| fits(b))
                .min_by_key(|&(i, b)| {
                    let room = self.vehicles[b.vehicle]
                        .capacity
                        .sub(&b.load.add(&item.load))
                        .unwrap_or(Load::ZERO);
                    (
                        share_sum_ppm(&room, &self.fleet_max),
                        !b.points.contains(&item.point),
                        i,
                    )
                })
                .map(|(i, _)| i),
            Strategy::SweepTour | Strategy::SweepRoute | Strategy::ColdFirst => bins
                .iter()
                .position(|b| b.points.contains(&item.point) && fits(b))
                .or_else(|| bins.len().checked_sub(1).filter(|&l| fits(&bins[l])))
                .or_else(|| bins.iter().position(fits)),
        }
    }

    /// Moves each bin, in turn, to the smallest vehicle not used by another
    /// bin that still holds its load.
    fn right_size(&self, bins: &mut [Bin]) {
        let mut used = vec![false; self.vehicles.len()];
        for b in bins.iter() {
            used[b.vehicle] = true;
        }
        for b in bins.iter_mut() {
            // `vehicles` is largest first: the last fitting one is the smallest.
            if let Some(v) = (0..self.vehicles.len()).rev().find(|&v| {
                (!used[v] || v == b.vehicle) && b.load.fits_in(&self.vehicles[v].capacity)
            }) {
                used[b.vehicle] = false;
                used[v] = true;
                b.vehicle = v;
            }
        }
    }

    /// The trip of one bin of `items`.
    fn trip(&self, items: &[Item], bin: &Bin) -> Trip {
        let hub = self.input.hub;
        let mut members = bin.items.clone();
        // Item indices follow priority order.
        members.sort_unstable();

        let mut stores: Vec<usize> = members.iter().map(|&i| items[i].store).collect();
        stores.sort_unstable();
        stores.dedup();
        let store_at: Vec<(f64, f64)> = stores.iter().map(|&s| self.stores[s].1).collect();
        let pickup_order = nearest_neighbour(hub, &store_at);
        let pickup_path: Vec<(f64, f64)> = pickup_order.iter().map(|&k| store_at[k]).collect();
        let pickup_len = path_length(hub, &pickup_path);
        let start = pickup_path.last().copied().unwrap_or(hub);

        let mut points: Vec<usize> = members.iter().map(|&i| items[i].point).collect();
        points.sort_unstable();
        points.dedup();
        let point_at: Vec<(f64, f64)> = points.iter().map(|&p| self.points[p].1).collect();
        let mut naive: Vec<usize> = (0..points.len()).collect();
        naive.sort_by_key(|&k| self.route_rank[points[k]]);
        let naive_len = drop_length(start, &point_at, &naive);
        let mut drop_order = best_path(start, &point_at);
        let mut drop_len = drop_length(start, &point_at, &drop_order);
        if drop_len > naive_len {
            drop_order = naive;
            drop_len = naive_len;
        }

        let mut stops = Vec::with_capacity(stores.len() + points.len());
        let mut travel_s = 0.0;
        let mut at = hub;
        let legs = pickup_order
            .iter()
            .map(|&k| (StopKind::Pickup, k))
            .chain(drop_order.iter().map(|&k| (StopKind::Drop, k)));
        for (n, (kind, k)) in legs.enumerate() {
            let (place_id, next, orders): (i64, (f64, f64), Vec<i64>) = match kind {
                StopKind::Pickup => (
                    self.stores[stores[k]].0,
                    store_at[k],
                    members
                        .iter()
                        .filter(|&&i| items[i].store == stores[k])
                        .map(|&i| items[i].order_id)
                        .collect(),
                ),
                StopKind::Drop => (
                    self.points[points[k]].0,
                    point_at[k],
                    members
                        .iter()
                        .filter(|&&i| items[i].point == points[k])
                        .map(|&i| items[i].order_id)
                        .collect(),
                ),
            };
            travel_s += haversine_m(at, next) * self.s_per_m;
            at = next;
            let dwell = self
                .stop_s
                .saturating_mul(i64::try_from(n).unwrap_or(i64::MAX));
            stops.push(Stop {
                kind,
                place_id,
                // `as` saturates (and maps NaN to 0).
                eta_s: self
                    .input
                    .depart_at_s
                    .saturating_add(travel_s.round() as i64)
                    .saturating_add(dwell),
                orders,
            });
        }

        Trip {
            vehicle_id: self.vehicles[bin.vehicle].id,
            load: bin.load,
            orders: members.iter().map(|&i| items[i].order_id).collect(),
            stops,
            length_m: pickup_len + drop_len,
            naive_length_m: pickup_len + naive_len,
        }
    }

    /// ceil(demand / largest capacity), maximised over the dimensions with demand.
    fn lower_bound(&self, items: &[Item]) -> usize {
        let mut demand = [0i128; 4];
        for it in items {
            for (d, x) in demand.iter_mut().zip(it.load.dims()) {
                *d += i128::from(x);
            }
        }
        demand
            .iter()
            .zip(self.fleet_max.dims())
            .filter(|&(&d, m)| d > 0 && m > 0)
            .map(|(&d, m)| {
                let m = i128::from(m);
                usize::try_from((d + m - 1) / m).unwrap_or(usize::MAX)
            })
            .max()
            .unwrap_or(0)
    }
}

/// `x` as parts per million of `max` (0 if `max` is not positive).
fn share_ppm(x: i64, max: i64) -> i64 {
    if max <= 0 {
        return 0;
    }
    i64::try_from(i128::from(x) * PPM / i128::from(max)).unwrap_or(i64::MAX)
}

/// Sum over the dimensions of `load`'s shares of `max`, ppm.
fn share_sum_ppm(load: &Load, max: &Load) -> i64 {
    load.dims()
        .iter()
        .zip(max.dims())
        .map(|(&x, m)| share_ppm(x, m))
        .fold(0, i64::saturating_add)
}

/// Length of the open path `start`, then `path`.
fn path_length(start: (f64, f64), path: &[(f64, f64)]) -> f64 {
    let mut at = start;
    let mut total = 0.0;
    for &p in path {
        total += haversine_m(at, p);
        at = p;
    }
    total
}

/// Length of the open path `start`, then `nodes` in `order`.
fn drop_length(start: (f64, f64), nodes: &[(f64, f64)], order: &[usize]) -> f64 {
    let path: Vec<(f64, f64)> = order.iter().map(|&k| nodes[k]).collect();
    path_length(start, &path)
}

/// Visiting order of `nodes` from `start`, always the nearest unvisited next
/// (ties to the lower index).
fn nearest_neighbour(start: (f64, f64), nodes: &[(f64, f64)]) -> Vec<usize> {
    let mut left: Vec<usize> = (0..nodes.len()).collect();
    let mut order = Vec::with_capacity(nodes.len());
    let mut at = start;
    while !left.is_empty() {
        let mut best = 0;
        let mut best_d = f64::INFINITY;
        for (k, &j) in left.iter().enumerate() {
            let d = haversine_m(at, nodes[j]);
            if d < best_d {
                best = k;
                best_d = d;
            }
        }
        let j = left.remove(best);
        order.push(j);
        at = nodes[j];
    }
    order
}

/// A short open path from `start` through all `nodes`: exact up to
/// [`EXACT_MAX_DROPS`] nodes, otherwise the best of nearest-neighbour paths
/// from the start (first node: each of the [`MAX_STARTS`] nodes nearest the
/// start in turn, so plain nearest neighbour is one of them), each improved
/// by 2-opt and Or-opt.
fn best_path(start: (f64, f64), nodes: &[(f64, f64)]) -> Vec<usize> {
    let m = nodes.len();
    if m <= 1 {
        return (0..m).collect();
    }
    // Node 0 is the start, node k + 1 is `nodes[k]`.
    let all: Vec<(f64, f64)> = std::iter::once(start)
        .chain(nodes.iter().copied())
        .collect();
    let d: Vec<Vec<f64>> = all
        .iter()
        .map(|&a| all.iter().map(|&b| haversine_m(a, b)).collect())
        .collect();
    if m <= EXACT_MAX_DROPS
        && let Some(order) = held_karp(&d)
    {
        return order;
    }
    let mut firsts: Vec<usize> = (1..=m).collect();
    firsts.sort_by(|&a, &b| d[0][a].total_cmp(&d[0][b]).then(a.cmp(&b)));
    firsts.truncate(MAX_STARTS);
    let mut best: Option<(f64, Vec<usize>)> = None;
    for first in firsts {
        let mut path = nearest_from(&d, first);
        improve(&d, &mut path);
        let len: f64 = path.windows(2).map(|w| d[w[0]][w[1]]).sum();
        if best.as_ref().is_none_or(|(l, _)| len < *l) {
            best = Some((len, path));
        }
    }
    match best {
        Some((_, path)) => path[1..].iter().map(|&k| k - 1).collect(),
        None => (0..m).collect(),
    }
}

/// The path from node 0 of the distance matrix `d` to `first`, then always
/// to the nearest unvisited node (ties to the lower index).
fn nearest_from(d: &[Vec<f64>], first: usize) -> Vec<usize> {
    let n = d.len();
    let mut seen = vec![false; n];
    seen[0] = true;
    seen[first] = true;
    let mut path = Vec::with_capacity(n);
    path.extend([0, first]);
    let mut at = first;
    while path.len() < n {
        let mut next = None;
        let mut next_d = f64::INFINITY;
        for k in (1..n).filter(|&k| !seen[k]) {
            if next.is_none() || d[at][k] < next_d {
                next = Some(k);
                next_d = d[at][k];
            }
        }
        let Some(k) = next else { break };
        seen[k] = true;
        path.push(k);
        at = k;
    }
    path
}

/// Shortest open path from node 0 through every node of the distance
/// matrix `d` (Held–Karp), as node indices minus one; `None` if the
/// distances are not comparable (NaN).
fn held_karp(d: &[Vec<f64>]) -> Option<Vec<usize>> {
    let m = d.len() - 1;
    let full = 1usize << m;
    let mut cost = vec![f64::INFINITY; full * m];
    let mut parent = vec![usize::MAX; full * m];
    for j in 0..m {
        cost[(1 << j) * m + j] = d[0][j + 1];
    }
    for mask in 1..full {
        for j in (0..m).filter(|j| mask & (1 << j) != 0) {
            let c = cost[mask * m + j];
            if !c.is_finite() {
                continue;
            }
            for k in (0..m).filter(|k| mask & (1 << k) == 0) {
                let next = mask | (1 << k);
                let nc = c + d[j + 1][k + 1];
                if nc < cost[next * m + k] {
                    cost[next * m + k] = nc;
                    parent[next * m + k] = j;
                }
            }
        }
    }
    let last = full - 1;
    let mut end = None;
    let mut best = f64::INFINITY;
    for j in 0..m {
        if cost[last * m + j] < best {
            best = cost[last * m + j];
            end = Some(j);
        }
    }
    let mut order = Vec::with_capacity(m);
    let mut mask = last;
    let mut at = end?;
    loop {
        order.push(at);
        let p = parent[mask * m + at];
        mask &= !(1 << at);
        if mask == 0 {
            break;
        }
        if p == usize::MAX {
            return None;
        }
        at = p;
    }
    order.reverse();
    Some(order)
}

/// Local search on an open path whose first node is fixed: 2-opt to a local
/// optimum, then one Or-opt move at a time, until neither improves.
fn improve(d: &[Vec<f64>], path: &mut Vec<usize>) {
    loop {
        two_opt(d, path);
        if !or_opt(d, path) {
            break;
        }
    }
}

/// Reverses segments of `path` (never its first node) while that shortens
/// it; the path is open, so reversing a tail only changes one edge.
fn two_opt(d: &[Vec<f64>], path: &mut [usize]) {
    let n = path.len();
    loop {
        let mut improved = false;
        for i in 1..n.saturating_sub(1) {
            for j in i + 1..n {
                let (a, b, c) = (path[i - 1], path[i], path[j]);
                let mut delta = d[a][c] - d[a][b];
                if let Some(&e) = path.get(j + 1) {
                    delta += d[b][e] - d[c][e];
                }
                if delta < -EPS_M {
                    path[i..=j].reverse();
                    improved = true;
                }
            }
        }
        if !improved {
            break;
        }
    }
}

/// Makes the first improving move of a segment of 1–3 nodes (possibly
/// reversed) to another place in `path`; whether it found one.
fn or_opt(d: &[Vec<f64>], path: &mut Vec<usize>) -> bool {
    let n = path.len();
    let edge = |a: usize, b: Option<usize>| b.map_or(0.0, |b| d[a][b]);
    for len in 1..=3 {
        for i in 1..n {
            if i + len > n {
                break;
            }
            let (prev, s0, s1) = (path[i - 1], path[i], path[i + len - 1]);
            let next = path.get(i + len).copied();
            let gain = d[prev][s0] + edge(s1, next) - next.map_or(0.0, |x| d[prev][x]);
            for k in (0..n).filter(|&k| k + 1 < i || k >= i + len) {
                let a = path[k];
                let b = path.get(k + 1).copied();
                let base = edge(a, b);
                let forward = d[a][s0] + edge(s1, b) - base;
                let reverse = d[a][s1] + edge(s0, b) - base;
                let (cost, rev) = if reverse < forward {
                    (reverse, true)
                } else {
                    (forward, false)
                };
                if cost < gain - EPS_M {
                    let mut seg: Vec<usize> = path.drain(i..i + len).collect();
                    if rev {
                        seg.reverse();
                    }
                    let at = if k < i { k + 1 } else { k + 1 - len };
                    path.splice(at..at, seg);
                    return true;
                }
            }
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    const HUB: (f64, f64) = (33.33, 105.61);

    /// splitmix64, for test instances.
    struct Rng(u64);

    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = self.0;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^ (z >> 31)
        }
        fn unit(&mut self) -> f64 {
            (self.next() >> 11) as f64 / (1u64 << 53) as f64
        }
        fn below(&mut self, n: u64) -> u64 {
            self.next() % n.max(1)
        }
        /// Within about `km` of `c`.
        fn near(&mut self, c: (f64, f64), km: f64) -> (f64, f64) {
            (
                c.0 + (self.unit() - 0.5) * 2.0 * km / 111.0,
                c.1 + (self.unit() - 0.5) * 2.0 * km / 93.0,
            )
        }
    }

    fn amb(g: i64) -> Load {
        Load {
            ambient_g: g,
            ambient_ml: g * 3 / 2,
            ..Load::ZERO
        }
    }

    fn van(id: i64, kg: i64, chilled_l: i64, frozen_l: i64) -> Vehicle {
        Vehicle {
            id,
            capacity: Load {
                ambient_g: kg * 1000,
                ambient_ml: kg * 5000,
                chilled_ml: chilled_l * 1000,
                frozen_ml: frozen_l * 1000,
            },
        }
    }

    fn order(id: i64, priority: i64, point: i64, load: Load) -> OrderLoad {
        OrderLoad {
            order_id: id,
            store_id: 1,
            agent_point_id: point,
            load,
            priority,
        }
    }

    fn input(points: Vec<Place>, orders: Vec<OrderLoad>, vehicles: Vec<Vehicle>) -> PlanInput {
        PlanInput {
            hub: HUB,
            route_points: points.iter().map(|p| p.id).collect(),
            stores: vec![Place {
                id: 1,
                at: (33.335, 105.615),
            }],
            points,
            orders,
            vehicles,
            depart_at_s: 1_790_000_000,
            speed_mps: 40.0 / 3.6,
            road_factor: 1.3,
            stop_s: 300,
        }
    }

    fn points(rng: &mut Rng, n: usize) -> Vec<Place> {
        (0..n)
            .map(|k| Place {
                id: 100 + k as i64,
                at: rng.near(HUB, 40.0),
            })
            .collect()
    }

    /// A random instance: several stores, points, mixed loads and vans.
    fn random_input(seed: u64) -> PlanInput {
        let mut rng = Rng(seed);
        let n_points = 3 + rng.below(15) as usize;
        let pts = points(&mut rng, n_points);
        let stores: Vec<Place> = (0..1 + rng.below(4))
            .map(|k| Place {
                id: 1 + k as i64,
                at: rng.near(HUB, 3.0),
            })
            .collect();
        let n_orders = rng.below(120) as i64;
        let orders = (0..n_orders)
            .map(|k| {
                let g = 500 + rng.below(40_000) as i64;
                let mut load = amb(g);
                match rng.below(6) {
                    0 => load.chilled_ml = 1000 + rng.below(30_000) as i64,
                    1 => load.frozen_ml = 1000 + rng.below(30_000) as i64,
                    _ => {}
                }
                OrderLoad {
                    order_id: 1000 + k,
                    store_id: stores[rng.below(stores.len() as u64) as usize].id,
                    agent_point_id: pts[rng.below(pts.len() as u64) as usize].id,
                    load,
                    priority: rng.below(50) as i64,
                }
            })
            .collect();
        let vehicles = (0..rng.below(6))
            .map(|k| match rng.below(3) {
                0 => van(k as i64, 300, 100, 0),
                1 => van(k as i64, 200, 0, 60),
                _ => van(k as i64, 400, 0, 0),
            })
            .collect();
        let mut inp = input(pts, orders, vehicles);
        inp.stores = stores;
        inp
    }

    /// The invariants every plan keeps.
    fn check(inp: &PlanInput, p: &Plan) {
        let mut seen: Vec<i64> = p.trips.iter().flat_map(|t| t.orders.clone()).collect();
        seen.extend(&p.rolled_over);
        seen.sort_unstable();
        let mut all: Vec<i64> = inp.orders.iter().map(|o| o.order_id).collect();
        all.sort_unstable();
        assert_eq!(seen, all, "every order exactly once");

        let mut vehicles: Vec<i64> = p.trips.iter().map(|t| t.vehicle_id).collect();
        vehicles.sort_unstable();
        vehicles.dedup();
        assert_eq!(vehicles.len(), p.trips.len(), "one trip per vehicle");
        assert!(p.trips.len() >= p.lower_bound_vehicles);

        let by_id = |id: i64| inp.orders.iter().find(|o| o.order_id == id).unwrap();
        for t in &p.trips {
            assert!(!t.orders.is_empty(), "no empty trips");
            let v = inp.vehicles.iter().find(|v| v.id == t.vehicle_id).unwrap();
            let sum = t
                .orders
                .iter()
                .fold(Load::ZERO, |s, &id| s.add(&by_id(id).load));
            assert_eq!(sum, t.load);
            assert!(t.load.fits_in(&v.capacity), "{t:?} over {v:?}");
            assert!(t.length_m <= t.naive_length_m + 1e-6);
            for w in t.stops.windows(2) {
                assert!(w[0].eta_s < w[1].eta_s, "ETAs increase");
                assert!(!(w[0].kind == StopKind::Drop && w[1].kind == StopKind::Pickup));
            }
            let mut dropped: Vec<i64> = t
                .stops
                .iter()
                .filter(|s| s.kind == StopKind::Drop)
                .flat_map(|s| s.orders.clone())
                .collect();
            let mut picked: Vec<i64> = t
                .stops
                .iter()
                .filter(|s| s.kind == StopKind::Pickup)
                .flat_map(|s| s.orders.clone())
                .collect();
            dropped.sort_unstable();
            picked.sort_unstable();
            let mut mine = t.orders.clone();
            mine.sort_unstable();
            assert_eq!(dropped, mine);
            assert_eq!(picked, mine);
            for s in &t.stops {
                for &id in &s.orders {
                    let o = by_id(id);
                    let place = match s.kind {
                        StopKind::Pickup => o.store_id,
                        StopKind::Drop => o.agent_point_id,
                    };
                    assert_eq!(place, s.place_id);
                }
            }
            let mut places: Vec<(bool, i64)> = t
                .stops
                .iter()
                .map(|s| (s.kind == StopKind::Drop, s.place_id))
                .collect();
            places.sort_unstable();
            places.dedup();
            assert_eq!(places.len(), t.stops.len(), "each place once");
        }

        // The carried orders are a prefix of those that fit some vehicle alone.
        let mut ranked: Vec<&OrderLoad> = inp.orders.iter().collect();
        ranked.sort_by_key(|o| (o.priority, o.order_id));
        let carried: Vec<i64> = p.trips.iter().flat_map(|t| t.orders.clone()).collect();
        let mut rolled_servable = false;
        for o in ranked {
            let servable = inp.stores.iter().any(|s| s.id == o.store_id)
                && inp.points.iter().any(|q| q.id == o.agent_point_id)
                && inp.vehicles.iter().any(|v| o.load.fits_in(&v.capacity));
            if !servable {
                continue;
            }
            if carried.contains(&o.order_id) {
                assert!(
                    !rolled_servable,
                    "order {} carried after a roll-over",
                    o.order_id
                );
            } else {
                rolled_servable = true;
            }
        }
    }

    #[test]
    fn load_helpers() {
        let a = Load {
            ambient_g: 5,
            ambient_ml: 6,
            chilled_ml: 7,
            frozen_ml: 8,
        };
        let b = Load {
            ambient_g: 1,
            ambient_ml: 2,
            chilled_ml: 3,
            frozen_ml: 9,
        };
        assert_eq!(
            a.add(&b),
            Load {
                ambient_g: 6,
                ambient_ml: 8,
                chilled_ml: 10,
                frozen_ml: 17
            }
        );
        assert_eq!(a.sub(&b), None);
        assert_eq!(a.add(&b).sub(&b), Some(a));
        assert!(!b.fits_in(&a));
        assert!(a.fits_in(&a));
        assert!(Load::ZERO.is_zero() && Load::default().is_zero() && !a.is_zero());
        let big = Load {
            ambient_g: i64::MAX,
            ..Load::ZERO
        };
        assert_eq!(big.add(&a).ambient_g, i64::MAX);
    }

    #[test]
    fn haversine_matches_known_distances() {
        assert_eq!(haversine_m(HUB, HUB), 0.0);
        let d = haversine_m((33.0, 105.0), (34.0, 105.0));
        assert!((d - 111_195.08).abs() < 1.0, "{d}");
    }

    #[test]
    fn empty_input() {
        let p = plan(&input(Vec::new(), Vec::new(), Vec::new()));
        assert_eq!(
            p,
            Plan {
                trips: Vec::new(),
                rolled_over: Vec::new(),
                lower_bound_vehicles: 0
            }
        );
        let mut rng = Rng(1);
        let pts = points(&mut rng, 2);
        let inp = input(pts, vec![order(1, 0, 100, amb(1000))], Vec::new());
        let p = plan(&inp);
        assert!(p.trips.is_empty());
        assert_eq!(p.rolled_over, vec![1]);
        assert_eq!(p.lower_bound_vehicles, 0);
    }

    #[test]
    fn capacity_respected_in_every_dimension() {
        let mut rng = Rng(2);
        let pts = points(&mut rng, 4);
        let frozen = Load {
            frozen_ml: 50_000,
            ..Load::ZERO
        };
        // A big ambient van and a small one with a freezer.
        let vehicles = vec![van(1, 800, 0, 0), van(2, 100, 0, 100)];
        let orders = vec![
            order(1, 0, 100, amb(300_000)),
            order(2, 1, 101, frozen),
            order(3, 2, 102, amb(300_000)),
            order(4, 3, 103, frozen),
        ];
        let inp = input(pts.clone(), orders.clone(), vehicles);
        let p = plan(&inp);
        check(&inp, &p);
        assert!(p.rolled_over.is_empty());
        for t in &p.trips {
            let frozen_ids: Vec<i64> = t
                .orders
                .iter()
                .copied()
                .filter(|&id| id == 2 || id == 4)
                .collect();
            if !frozen_ids.is_empty() {
                assert_eq!(t.vehicle_id, 2, "frozen goods need the freezer");
            }
        }

        // Without a freezer the frozen orders roll over alone.
        let inp = input(pts, orders, vec![van(1, 800, 0, 0)]);
        let p = plan(&inp);
        check(&inp, &p);
        assert_eq!(p.rolled_over, vec![2, 4]);
        assert_eq!(p.trips.len(), 1);
        assert_eq!(p.trips[0].orders, vec![1, 3]);
        assert_eq!(p.lower_bound_vehicles, 1);
    }

    #[test]
    fn newest_orders_roll_over_when_vehicles_run_out() {
        let mut rng = Rng(3);
        let pts = points(&mut rng, 5);
        // 10 orders of 100 kg, priorities shuffled, ties broken by id.
        let priorities = [5, 3, 9, 1, 3, 7, 0, 8, 2, 6];
        let orders: Vec<OrderLoad> = priorities
            .iter()
            .enumerate()
            .map(|(k, &pr)| order(20 - k as i64, pr, 100 + (k as i64 % 5), amb(100_000)))
            .collect();
        let vehicles = vec![van(1, 250, 0, 0), van(2, 250, 0, 0)];
        let inp = input(pts, orders.clone(), vehicles);
        let p = plan(&inp);
        check(&inp, &p);
        let mut ranked = orders.clone();
        ranked.sort_by_key(|o| (o.priority, o.order_id));
        let expected: Vec<i64> = ranked[4..].iter().map(|o| o.order_id).collect();
        assert_eq!(p.rolled_over, expected);
        assert_eq!(p.trips.len(), 2);
        assert_eq!(p.lower_bound_vehicles, 2);

        // A smaller newer order does not jump the queue.
        let inp = input(
            points(&mut rng, 1),
            vec![
                order(1, 0, 100, amb(300_000)),
                order(2, 1, 100, amb(300_000)),
                order(3, 2, 100, amb(100_000)),
            ],
            vec![van(1, 500, 0, 0)],
        );
        let p = plan(&inp);
        check(&inp, &p);
        assert_eq!(p.rolled_over, vec![2, 3]);
    }

    #[test]
    fn too_big_an_order_rolls_over_alone() {
        let mut rng = Rng(4);
        let inp = input(
            points(&mut rng, 2),
            vec![
                order(1, 0, 100, amb(100_000)),
                order(2, 1, 101, amb(2_000_000)),
                order(3, 2, 101, amb(100_000)),
                // Unknown agent point and negative load: also alone.
                order(4, 3, 999, amb(1_000)),
                order(5, 4, 100, amb(-1)),
            ],
            vec![van(7, 500, 0, 0)],
        );
        let p = plan(&inp);
        check(&inp, &p);
        assert_eq!(p.rolled_over, vec![2, 4, 5]);
        assert_eq!(p.trips.len(), 1);
        assert_eq!(p.trips[0].orders, vec![1, 3]);
        assert_eq!(p.trips[0].vehicle_id, 7);
    }

    #[test]
    fn lower_bound_and_missing_dimensions() {
        let mut rng = Rng(5);
        let chilled = Load {
            chilled_ml: 10_000,
            ..amb(1000)
        };
        let inp = input(
            points(&mut rng, 3),
            vec![
                order(1, 0, 100, amb(300_000)),
                order(2, 1, 101, amb(300_000)),
                order(3, 2, 102, amb(300_000)),
                order(4, 3, 102, chilled),
            ],
            vec![van(1, 400, 0, 0), van(2, 400, 0, 0), van(3, 400, 0, 0)],
        );
        let p = plan(&inp);
        check(&inp, &p);
        // No chilled compartment anywhere: that order is unservable.
        assert_eq!(p.rolled_over, vec![4]);
        // 900 kg over vans of at most 400 kg.
        assert_eq!(p.lower_bound_vehicles, 3);
        assert_eq!(p.trips.len(), 3);
    }

    #[test]
    fn same_input_same_plan_whatever_the_input_order() {
        for seed in 0..20 {
            let inp = random_input(seed);
            let p = plan(&inp);
            check(&inp, &p);
            assert_eq!(p, plan(&inp));
            let mut shuffled = inp.clone();
            shuffled.orders.reverse();
            shuffled.vehicles.reverse();
            shuffled.points.reverse();
            shuffled.stores.reverse();
            assert_eq!(p, plan(&shuffled));
        }
    }

    #[test]
    fn random_instances_keep_the_invariants() {
        for seed in 100..400 {
            let inp = random_input(seed);
            check(&inp, &plan(&inp));
        }
    }

    /// Exhaustive search for the shortest drop path from `start`.
    fn brute_force(start: (f64, f64), nodes: &[(f64, f64)]) -> f64 {
        fn go(at: (f64, f64), left: &mut Vec<(f64, f64)>, so_far: f64, best: &mut f64) {
            if left.is_empty() {
                *best = best.min(so_far);
                return;
            }
            for k in 0..left.len() {
                let p = left.remove(k);
                go(p, left, so_far + haversine_m(at, p), best);
                left.insert(k, p);
            }
        }
        let mut best = f64::INFINITY;
        go(start, &mut nodes.to_vec(), 0.0, &mut best);
        best
    }

    #[test]
    fn drop_order_is_optimal_on_small_trips() {
        let mut rng = Rng(6);
        for m in 1..=7 {
            for _ in 0..30 {
                let pts = points(&mut rng, m);
                let orders = pts
                    .iter()
                    .enumerate()
                    .map(|(k, p)| order(k as i64, 0, p.id, amb(1000)))
                    .collect();
                let inp = input(pts.clone(), orders, vec![van(1, 800, 0, 0)]);
                let p = plan(&inp);
                check(&inp, &p);
                assert_eq!(p.trips.len(), 1);
                let t = &p.trips[0];
                let store = inp.stores[0].at;
                let pickup = haversine_m(HUB, store);
                let nodes: Vec<(f64, f64)> = pts.iter().map(|p| p.at).collect();
                let best = brute_force(store, &nodes);
                assert!(
                    (t.length_m - pickup - best).abs() < 1e-6,
                    "m={m}: {} vs optimum {}",
                    t.length_m - pickup,
                    best
                );
                // The reported length is that of the reported stops.
                let mut path = Vec::new();
                for s in &t.stops {
                    let at = match s.kind {
                        StopKind::Pickup => store,
                        StopKind::Drop => pts.iter().find(|p| p.id == s.place_id).unwrap().at,
                    };
                    path.push(at);
                }
                assert!((path_length(HUB, &path) - t.length_m).abs() < 1e-6);
            }
        }
    }

    #[test]
    fn local_search_never_loses_to_nearest_neighbour_or_naive() {
        let mut rng = Rng(7);
        for m in [9, 12, 20, 40] {
            for _ in 0..20 {
                let start = rng.near(HUB, 3.0);
                let nodes: Vec<(f64, f64)> = (0..m).map(|_| rng.near(HUB, 40.0)).collect();
                let order = best_path(start, &nodes);
                let mut sorted = order.clone();
                sorted.sort_unstable();
                assert_eq!(sorted, (0..m).collect::<Vec<_>>());
                let len = drop_length(start, &nodes, &order);
                let nn = drop_length(start, &nodes, &nearest_neighbour(start, &nodes));
                let naive = drop_length(start, &nodes, &(0..m).collect::<Vec<_>>());
                assert!(len <= nn + 1e-6 && len <= naive + 1e-6);
                // No improving 2-opt move is left.
                let all: Vec<(f64, f64)> = std::iter::once(start).chain(nodes.clone()).collect();
                let d: Vec<Vec<f64>> = all
                    .iter()
                    .map(|&a| all.iter().map(|&b| haversine_m(a, b)).collect())
                    .collect();
                let mut path: Vec<usize> = std::iter::once(0)
                    .chain(order.iter().map(|k| k + 1))
                    .collect();
                let before = path.clone();
                two_opt(&d, &mut path);
                assert_eq!(path, before);
            }
        }
        // Held–Karp agrees with brute force at its limit.
        for _ in 0..5 {
            let start = rng.near(HUB, 3.0);
            let nodes: Vec<(f64, f64)> =
                (0..EXACT_MAX_DROPS).map(|_| rng.near(HUB, 40.0)).collect();
            let len = drop_length(start, &nodes, &best_path(start, &nodes));
            assert!((len - brute_force(start, &nodes)).abs() < 1e-6);
        }
    }

    #[test]
    fn heuristic_path_never_longer_than_route_order() {
        let mut rng = Rng(8);
        for _ in 0..20 {
            let pts = points(&mut rng, 15);
            let orders = pts
                .iter()
                .enumerate()
                .map(|(k, p)| order(k as i64, 0, p.id, amb(1000)))
                .collect();
            let inp = input(pts, orders, vec![van(1, 800, 0, 0)]);
            let p = plan(&inp);
            check(&inp, &p);
            assert_eq!(p.trips[0].stops.len(), 16);
        }
    }

    #[test]
    fn etas_follow_travel_and_dwell() {
        let inp = input(
            vec![
                Place {
                    id: 100,
                    at: (33.40, 105.61),
                },
                Place {
                    id: 101,
                    at: (33.50, 105.61),
                },
            ],
            vec![order(1, 0, 101, amb(1000)), order(2, 0, 100, amb(1000))],
            vec![van(1, 800, 0, 0)],
        );
        let p = plan(&inp);
        check(&inp, &p);
        let t = &p.trips[0];
        let ids: Vec<i64> = t.stops.iter().map(|s| s.place_id).collect();
        assert_eq!(ids, vec![1, 100, 101]);
        let s_per_m = 1.3 / (40.0 / 3.6);
        let store = inp.stores[0].at;
        let legs = [
            haversine_m(HUB, store),
            haversine_m(store, (33.40, 105.61)),
            haversine_m((33.40, 105.61), (33.50, 105.61)),
        ];
        let mut travel = 0.0;
        for (n, (s, leg)) in t.stops.iter().zip(legs).enumerate() {
            travel += leg * s_per_m;
            assert_eq!(
                s.eta_s,
                inp.depart_at_s + travel.round() as i64 + 300 * n as i64
            );
        }
        assert_eq!(t.stops[1].orders, vec![2]);
        assert_eq!(t.stops[0].orders, vec![1, 2]);
    }

    #[test]
    fn orders_for_one_point_ride_together_when_possible() {
        // Two far-apart points, each with exactly a van-load, interleaved by priority.
        let pts = vec![
            Place {
                id: 100,
                at: (33.60, 105.61),
            },
            Place {
                id: 101,
                at: (33.33, 105.95),
            },
        ];
        let orders = (0..8)
            .map(|k| order(k, k, 100 + k % 2, amb(100_000)))
            .collect();
        let inp = input(pts, orders, vec![van(1, 400, 0, 0), van(2, 400, 0, 0)]);
        let p = plan(&inp);
        check(&inp, &p);
        assert_eq!(p.trips.len(), 2);
        for t in &p.trips {
            assert_eq!(t.stops.len(), 2, "one pickup, one drop: {t:?}");
        }
    }

    #[test]
    fn frozen_orders_share_one_freezer_van_when_they_can() {
        // Three far-apart points, each with 400 kg ambient and a small frozen
        // order: two vans are needed, and the shortest trips would put frozen
        // goods in both; one freezer van is enough.
        let pts = vec![
            Place {
                id: 100,
                at: (33.60, 105.61),
            },
            Place {
                id: 101,
                at: (33.52, 105.85),
            },
            Place {
                id: 102,
                at: (33.33, 105.95),
            },
        ];
        let frozen = Load {
            frozen_ml: 5_000,
            ..amb(1_000)
        };
        let mut orders: Vec<OrderLoad> = (0..12)
            .map(|k| order(k, k, 100 + k % 3, amb(100_000)))
            .collect();
        orders.extend((0..3).map(|k| order(20 + k, 20 + k, 100 + k, frozen)));
        let vehicles = vec![van(1, 800, 0, 100), van(2, 800, 0, 100), van(3, 800, 0, 0)];
        let inp = input(pts, orders, vehicles);
        let p = plan(&inp);
        check(&inp, &p);
        assert!(p.rolled_over.is_empty());
        let mut used: Vec<i64> = p.trips.iter().map(|t| t.vehicle_id).collect();
        used.sort_unstable();
        assert_eq!(used.len(), 2);
        assert_eq!(used[1], 3, "one trip needs no freezer: {used:?}");
    }

    #[test]
    fn trips_move_to_the_smallest_vehicle_that_holds_them() {
        let mut rng = Rng(9);
        let inp = input(
            points(&mut rng, 2),
            vec![order(1, 0, 100, amb(50_000))],
            vec![van(1, 800, 300, 200), van(2, 100, 0, 0), van(3, 400, 0, 0)],
        );
        let p = plan(&inp);
        check(&inp, &p);
        assert_eq!(p.trips[0].vehicle_id, 2);
    }
}
