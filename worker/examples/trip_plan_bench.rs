//! Village trip-planning benchmark: one Longnan-sized cut-off, every route
//! planned in turn by `worker::village::planner::plan`.
//!
//! ```sh
//! cargo run --release -p worker --example trip_plan_bench -- \
//!     --orders 5000 --routes 20 --villages 200 --vehicles 60 --seed 1
//! ```
//!
//! The day is deterministic for a seed. A county hub at (33.33, 105.61);
//! villages (one agent point each) in clusters along 8 mountain valleys
//! radiating up to about 40 km from the hub; each route runs up one valley
//! through about 10 of its villages (neighbouring routes of a valley share
//! one or two), listed in a rough radial order (distance from the hub plus
//! up to ±4 km of noise), which is the naive drop order. 30 town stores
//! within 3 km of the hub, some busier. Orders are spread over the routes
//! with uneven weights (1–3×); each has 1–4 items of 0.5–6 kg ambient at
//! 1.2–1.8 ml per g, and 30 % also carry 1–8 l chilled (60 %) or frozen
//! (40 %) goods. The fleet is shared: a third large vans (1,000 kg /
//! 5,000 l, chilled 300 l, frozen 200 l), a third medium (800 kg / 4,000 l,
//! chilled 300 l), a third small (500 kg / 2,500 l, ambient only). Routes
//! are planned in order, each with the vehicles the earlier routes left, so
//! the last routes roll orders over when the fleet runs out.
//!
//! Reports the whole day's planning time (median of `--runs`, default 5),
//! the slowest route, orders carried and rolled over, vehicles used against
//! the sum of the per-route lower bounds, and the great-circle length of
//! all trips with the planned drop order against the route's own order.
//! Prints Markdown tables and writes the same figures as JSON to
//! `bench/results/trip_plan.json` (or `--out PATH`). Target: the whole day
//! in at most 1 s.

use std::error::Error;
use std::fmt::Write as _;
use std::path::PathBuf;
use std::time::Instant;

use worker::village::planner::{self, Load, OrderLoad, Place, Plan, PlanInput, Vehicle};

/// County hub, degrees.
const HUB: (f64, f64) = (33.33, 105.61);
/// Mountain valleys radiating from the hub.
const VALLEYS: usize = 8;
/// Village clusters per valley.
const CLUSTERS_PER_VALLEY: usize = 4;
/// Radius of a village cluster, metres.
const CLUSTER_RADIUS_M: f64 = 2_500.0;
/// Radius of the town's store area, metres.
const STORE_RADIUS_M: f64 = 3_000.0;
/// Stores in town.
const STORES: usize = 30;
/// Van speed, metres per second (40 km/h).
const SPEED_MPS: f64 = 40.0 / 3.6;
/// Road metres per great-circle metre.
const ROAD_FACTOR: f64 = 1.3;
/// Dwell per stop, seconds.
const STOP_S: i64 = 300;
/// The cut-off's departure, unix seconds (a morning at 08:00 Beijing time).
const DEPART_AT_S: i64 = 1_793_059_200;
/// Metres per degree of latitude on the mean sphere.
const M_PER_DEG: f64 = 6_371_008.8 * std::f64::consts::PI / 180.0;
/// The target for the whole day, ms.
const TARGET_MS: f64 = 1_000.0;

struct Args {
    orders: usize,
    routes: usize,
    villages: usize,
    vehicles: usize,
    seed: u64,
    runs: usize,
    out: PathBuf,
}

fn default_out() -> PathBuf {
    match option_env!("CARGO_MANIFEST_DIR") {
        Some(dir) => PathBuf::from(dir).join("../bench/results/trip_plan.json"),
        None => PathBuf::from("bench/results/trip_plan.json"),
    }
}

fn parse_args() -> Result<Args, Box<dyn Error>> {
    let mut args = Args {
        orders: 5_000,
        routes: 20,
        villages: 200,
        vehicles: 60,
        seed: 1,
        runs: 5,
        out: default_out(),
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        if flag == "--help" || flag == "-h" {
            println!(
                "trip_plan_bench [--orders 5000] [--routes 20] [--villages 200] [--vehicles 60] \
                 [--seed 1] [--runs 5] [--out PATH]"
            );
            std::process::exit(0);
        }
        let value = it.next().ok_or_else(|| format!("{flag} needs a value"))?;
        match flag.as_str() {
            "--orders" => args.orders = value.parse()?,
            "--routes" => args.routes = value.parse::<usize>()?.max(1),
            "--villages" => args.villages = value.parse::<usize>()?.max(1),
            "--vehicles" => args.vehicles = value.parse()?,
            "--seed" => args.seed = value.parse()?,
            "--runs" => args.runs = value.parse::<usize>()?.max(1),
            "--out" => args.out = PathBuf::from(value),
            _ => return Err(format!("unknown flag {flag}").into()),
        }
    }
    Ok(args)
}

/// splitmix64.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `[0, 1)`.
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Uniform in `lo..=hi`.
    fn range(&mut self, lo: i64, hi: i64) -> i64 {
        lo + (self.next() % (hi - lo + 1).max(1) as u64) as i64
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    /// Index drawn with probability proportional to `weights`.
    fn weighted(&mut self, weights: &[f64]) -> usize {
        let total: f64 = weights.iter().sum();
        let mut x = self.unit() * total;
        for (i, w) in weights.iter().enumerate() {
            if x < *w {
                return i;
            }
            x -= w;
        }
        weights.len().saturating_sub(1)
    }

    /// A uniform point of the disc of `radius_m` around `centre`.
    fn in_disc(&mut self, centre: (f64, f64), radius_m: f64) -> (f64, f64) {
        let r = radius_m * self.unit().sqrt();
        offset(centre, r, self.unit() * std::f64::consts::TAU)
    }
}

/// The point `r` metres from `from` at `bearing` (radians, 0 = north).
fn offset(from: (f64, f64), r: f64, bearing: f64) -> (f64, f64) {
    (
        from.0 + r * bearing.cos() / M_PER_DEG,
        from.1 + r * bearing.sin() / (M_PER_DEG * from.0.to_radians().cos()),
    )
}

struct Route {
    points: Vec<i64>,
    orders: Vec<OrderLoad>,
}

struct Day {
    points: Vec<Place>,
    stores: Vec<Place>,
    routes: Vec<Route>,
    fleet: Vec<Vehicle>,
}

fn day(args: &Args) -> Day {
    let mut rng = Rng(args.seed ^ 0x7419_5EED);
    let valleys = VALLEYS.min(args.routes);

    // Cluster centres along each valley, which bends a little as it climbs.
    let mut clusters: Vec<Vec<(f64, f64)>> = Vec::new();
    for v in 0..valleys {
        let bearing =
            (v as f64 + 0.6 * (rng.unit() - 0.5)) * std::f64::consts::TAU / valleys as f64;
        let bend = (rng.unit() - 0.5) * 0.02; // radians per km
        let length_m = 25_000.0 + 13_000.0 * rng.unit();
        clusters.push(
            (0..CLUSTERS_PER_VALLEY)
                .map(|c| {
                    let r =
                        length_m * (c as f64 + 0.3 + 0.5 * rng.unit()) / CLUSTERS_PER_VALLEY as f64;
                    offset(HUB, r, bearing + bend * r / 1_000.0)
                })
                .collect(),
        );
    }
    // Villages: valley by turns, a random cluster, scattered around it.
    let mut by_valley: Vec<Vec<usize>> = vec![Vec::new(); valleys];
    let points: Vec<Place> = (0..args.villages)
        .map(|i| {
            let v = i % valleys;
            let c = rng.below(CLUSTERS_PER_VALLEY);
            by_valley[v].push(i);
            Place {
                id: 10_000 + i as i64,
                at: rng.in_disc(clusters[v][c], CLUSTER_RADIUS_M),
            }
        })
        .collect();

    // Routes: valley by turns; the routes of a valley share out its villages
    // in overlapping runs, each listed in a rough radial order.
    let mut routes_of_valley = vec![0usize; valleys];
    for r in 0..args.routes {
        routes_of_valley[r % valleys] += 1;
    }
    let mut shuffled = by_valley.clone();
    for list in &mut shuffled {
        for i in (1..list.len()).rev() {
            list.swap(i, rng.below(i + 1));
        }
    }
    let mut route_points: Vec<Vec<i64>> = Vec::new();
    for r in 0..args.routes {
        let v = r % valleys;
        let (k, of) = (r / valleys, routes_of_valley[v]);
        let list = &shuffled[v];
        let n = list.len();
        let (lo, hi) = (k * n / of, ((k + 1) * n / of + 1).min(n));
        let mut chosen: Vec<(f64, i64)> = list[lo..hi.max(lo)]
            .iter()
            .map(|&i| {
                let radial = planner::haversine_m(HUB, points[i].at) + 8_000.0 * (rng.unit() - 0.5);
                (radial, points[i].id)
            })
            .collect();
        chosen.sort_by(|a, b| a.0.total_cmp(&b.0));
        route_points.push(chosen.into_iter().map(|c| c.1).collect());
    }

    let stores: Vec<Place> = (0..STORES)
        .map(|i| Place {
            id: 1 + i as i64,
            at: rng.in_disc(HUB, STORE_RADIUS_M),
        })
        .collect();
    let store_weights: Vec<f64> = (0..STORES).map(|i| 1.0 / (1.0 + i as f64 / 5.0)).collect();
    let route_weights: Vec<f64> = (0..args.routes)
        .map(|_| 1.0 + 2.0 * rng.unit().powi(3))
        .collect();

    let mut routes: Vec<Route> = route_points
        .into_iter()
        .map(|points| Route {
            points,
            orders: Vec::new(),
        })
        .collect();
    for i in 0..args.orders {
        let r = rng.weighted(&route_weights);
        let route = &mut routes[r];
        if route.points.is_empty() {
            continue;
        }
        let mut load = Load::default();
        for _ in 0..rng.range(1, 4) {
            let g = rng.range(500, 6_000);
            load.ambient_g += g;
            load.ambient_ml += (g as f64 * (1.2 + 0.6 * rng.unit())).round() as i64;
        }
        if rng.unit() < 0.3 {
            let ml = rng.range(1_000, 8_000);
            if rng.unit() < 0.6 {
                load.chilled_ml = ml;
            } else {
                load.frozen_ml = ml;
            }
        }
        route.orders.push(OrderLoad {
            order_id: 1_000_000 + i as i64,
            store_id: stores[rng.weighted(&store_weights)].id,
            agent_point_id: route.points[rng.below(route.points.len())],
            load,
            // Minute the order was placed, over the day before the cut-off.
            priority: DEPART_AT_S - 86_400 + 60 * rng.range(0, 1_439),
        });
    }

    let fleet = (0..args.vehicles)
        .map(|i| {
            let (kg, chilled_l, frozen_l) = match i % 3 {
                0 => (1_000, 300, 200),
                1 => (800, 300, 0),
                _ => (500, 0, 0),
            };
            Vehicle {
                id: 1 + i as i64,
                capacity: Load {
                    ambient_g: kg * 1_000,
                    ambient_ml: kg * 5_000,
                    chilled_ml: chilled_l * 1_000,
                    frozen_ml: frozen_l * 1_000,
                },
            }
        })
        .collect();

    Day {
        points,
        stores,
        routes,
        fleet,
    }
}

fn ms(since: Instant) -> f64 {
    since.elapsed().as_secs_f64() * 1e3
}

/// Plans every route in turn, each with the vehicles the earlier ones left;
/// the plans and each route's `plan` time (ms).
fn plan_day(day: &Day) -> (Vec<Plan>, Vec<f64>) {
    let mut free = vec![true; day.fleet.len()];
    let mut plans = Vec::with_capacity(day.routes.len());
    let mut times = Vec::with_capacity(day.routes.len());
    for route in &day.routes {
        let input = PlanInput {
            hub: HUB,
            route_points: route.points.clone(),
            stores: day.stores.clone(),
            points: day
                .points
                .iter()
                .filter(|p| route.points.contains(&p.id))
                .cloned()
                .collect(),
            orders: route.orders.clone(),
            vehicles: day
                .fleet
                .iter()
                .zip(&free)
                .filter(|(_, f)| **f)
                .map(|(v, _)| v.clone())
                .collect(),
            depart_at_s: DEPART_AT_S,
            speed_mps: SPEED_MPS,
            road_factor: ROAD_FACTOR,
            stop_s: STOP_S,
        };
        let t = Instant::now();
        let p = planner::plan(&input);
        times.push(ms(t));
        for trip in &p.trips {
            if let Some(i) = day.fleet.iter().position(|v| v.id == trip.vehicle_id) {
                free[i] = false;
            }
        }
        plans.push(p);
    }
    (plans, times)
}

/// Checks a route's plan: each order once, loads within capacity, no
/// vehicle used twice in the day.
fn check(day: &Day, plans: &[Plan]) -> Result<(), Box<dyn Error>> {
    let mut used: Vec<i64> = Vec::new();
    for (route, p) in day.routes.iter().zip(plans) {
        let mut ids: Vec<i64> = p
            .trips
            .iter()
            .flat_map(|t| t.orders.iter().copied())
            .collect();
        ids.extend(&p.rolled_over);
        ids.sort_unstable();
        let mut want: Vec<i64> = route.orders.iter().map(|o| o.order_id).collect();
        want.sort_unstable();
        if ids != want {
            return Err("a route's plan does not hold each order exactly once".into());
        }
        for t in &p.trips {
            let v = day
                .fleet
                .iter()
                .find(|v| v.id == t.vehicle_id)
                .ok_or("trip on an unknown vehicle")?;
            if !t.load.fits_in(&v.capacity) {
                return Err(format!("vehicle {} overloaded", v.id).into());
            }
            if t.length_m > t.naive_length_m + 1e-6 {
                return Err("planned drop order longer than the route's own".into());
            }
            used.push(t.vehicle_id);
        }
        if p.trips.len() < p.lower_bound_vehicles {
            return Err("fewer vehicles than the lower bound".into());
        }
    }
    let n = used.len();
    used.sort_unstable();
    used.dedup();
    if used.len() != n {
        return Err("a vehicle was used twice".into());
    }
    Ok(())
}

fn median(xs: &mut [f64]) -> f64 {
    xs.sort_by(f64::total_cmp);
    xs.get(xs.len() / 2).copied().unwrap_or(0.0)
}

struct RouteRow {
    points: usize,
    orders: usize,
    carried: usize,
    rolled: usize,
    vehicles: usize,
    lower_bound: usize,
    max_drops: usize,
    length_km: f64,
    naive_km: f64,
    ms: f64,
}

fn saved_pct(length: f64, naive: f64) -> f64 {
    if naive > 0.0 {
        (naive - length) / naive * 100.0
    } else {
        0.0
    }
}

fn main() -> Result<(), Box<dyn Error>> {
    let args = parse_args()?;
    let day = day(&args);

    let mut day_ms = Vec::with_capacity(args.runs);
    let mut route_ms: Vec<Vec<f64>> = vec![Vec::with_capacity(args.runs); day.routes.len()];
    let mut first: Option<Vec<Plan>> = None;
    for _ in 0..args.runs {
        let t = Instant::now();
        let (plans, times) = plan_day(&day);
        day_ms.push(ms(t));
        for (r, x) in times.into_iter().enumerate() {
            route_ms[r].push(x);
        }
        match &first {
            None => first = Some(plans),
            Some(f) if *f != plans => return Err("plans differ between runs".into()),
            Some(_) => {}
        }
    }
    let plans = first.ok_or("no run")?;
    check(&day, &plans)?;
    let day_median = median(&mut day_ms);

    let rows: Vec<RouteRow> = day
        .routes
        .iter()
        .zip(&plans)
        .zip(&mut route_ms)
        .map(|((route, p), times)| RouteRow {
            points: route.points.len(),
            orders: route.orders.len(),
            carried: p.trips.iter().map(|t| t.orders.len()).sum(),
            rolled: p.rolled_over.len(),
            vehicles: p.trips.len(),
            lower_bound: p.lower_bound_vehicles,
            max_drops: p
                .trips
                .iter()
                .map(|t| {
                    t.stops
                        .iter()
                        .filter(|s| s.kind == planner::StopKind::Drop)
                        .count()
                })
                .max()
                .unwrap_or(0),
            length_km: p.trips.iter().fold(0.0, |a, t| a + t.length_m) / 1e3,
            naive_km: p.trips.iter().fold(0.0, |a, t| a + t.naive_length_m) / 1e3,
            ms: median(times),
        })
        .collect();

    let orders: usize = rows.iter().map(|r| r.orders).sum();
    let carried: usize = rows.iter().map(|r| r.carried).sum();
    let rolled: usize = rows.iter().map(|r| r.rolled).sum();
    let vehicles: usize = rows.iter().map(|r| r.vehicles).sum();
    let lower_bound: usize = rows.iter().map(|r| r.lower_bound).sum();
    let length_km = rows.iter().fold(0.0, |a, r| a + r.length_km);
    let naive_km = rows.iter().fold(0.0, |a, r| a + r.naive_km);
    let max_route_ms = rows.iter().map(|r| r.ms).fold(0.0, f64::max);
    let trips: Vec<usize> = plans
        .iter()
        .flat_map(|p| {
            p.trips.iter().map(|t| {
                t.stops
                    .iter()
                    .filter(|s| s.kind == planner::StopKind::Drop)
                    .count()
            })
        })
        .collect();
    let heuristic_trips = trips
        .iter()
        .filter(|&&d| d > planner::EXACT_MAX_DROPS)
        .count();

    let mut out = String::new();
    writeln!(
        out,
        "Trip-plan bench, seed {}: {} orders, {} routes, {} villages, {} vehicles.\n",
        args.seed,
        orders,
        day.routes.len(),
        day.points.len(),
        day.fleet.len()
    )?;
    writeln!(
        out,
        "| whole day ms (median of {}) | target ms | slowest route ms | orders carried | rolled over | vehicles used | sum of lower bounds | trips with > {} drops | length km | naive km | saved |",
        args.runs,
        planner::EXACT_MAX_DROPS
    )?;
    writeln!(
        out,
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
    )?;
    writeln!(
        out,
        "| {day_median:.2} | {TARGET_MS:.0} | {max_route_ms:.2} | {carried} | {rolled} | {vehicles} / {} | {lower_bound} | {heuristic_trips} / {} | {length_km:.1} | {naive_km:.1} | {:.1} % |",
        day.fleet.len(),
        trips.len(),
        saved_pct(length_km, naive_km)
    )?;
    writeln!(
        out,
        "\n| route | points | orders | carried | rolled over | vehicles | lower bound | max drops | length km | naive km | saved | ms |"
    )?;
    writeln!(
        out,
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
    )?;
    for (i, r) in rows.iter().enumerate() {
        writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} | {} | {} | {:.1} | {:.1} | {:.1} % | {:.2} |",
            i + 1,
            r.points,
            r.orders,
            r.carried,
            r.rolled,
            r.vehicles,
            r.lower_bound,
            r.max_drops,
            r.length_km,
            r.naive_km,
            saved_pct(r.length_km, r.naive_km),
            r.ms
        )?;
    }
    print!("{out}");
    println!(
        "\nWhole day {} the {TARGET_MS:.0} ms target.",
        if day_median <= TARGET_MS {
            "meets"
        } else {
            "misses"
        }
    );

    let mut json = String::new();
    writeln!(json, "{{")?;
    writeln!(json, "  \"seed\": {},", args.seed)?;
    writeln!(json, "  \"orders\": {orders},")?;
    writeln!(json, "  \"routes\": {},", day.routes.len())?;
    writeln!(json, "  \"villages\": {},", day.points.len())?;
    writeln!(json, "  \"vehicles\": {},", day.fleet.len())?;
    writeln!(json, "  \"runs\": {},", args.runs)?;
    writeln!(json, "  \"whole_day_ms_median\": {day_median:.3},")?;
    writeln!(json, "  \"target_ms\": {TARGET_MS:.0},")?;
    writeln!(json, "  \"meets_target\": {},", day_median <= TARGET_MS)?;
    writeln!(json, "  \"max_route_ms\": {max_route_ms:.3},")?;
    writeln!(json, "  \"orders_carried\": {carried},")?;
    writeln!(json, "  \"orders_rolled_over\": {rolled},")?;
    writeln!(json, "  \"vehicles_used\": {vehicles},")?;
    writeln!(json, "  \"sum_lower_bound_vehicles\": {lower_bound},")?;
    writeln!(json, "  \"trips\": {},", trips.len())?;
    writeln!(json, "  \"trips_over_exact_max_drops\": {heuristic_trips},")?;
    writeln!(json, "  \"exact_max_drops\": {},", planner::EXACT_MAX_DROPS)?;
    writeln!(json, "  \"length_km\": {length_km:.3},")?;
    writeln!(json, "  \"naive_length_km\": {naive_km:.3},")?;
    writeln!(
        json,
        "  \"saved_pct\": {:.3},",
        saved_pct(length_km, naive_km)
    )?;
    writeln!(json, "  \"per_route\": [")?;
    for (i, r) in rows.iter().enumerate() {
        writeln!(
            json,
            "    {{\"route\": {}, \"points\": {}, \"orders\": {}, \"carried\": {}, \"rolled_over\": {}, \
             \"vehicles\": {}, \"lower_bound\": {}, \"max_drops\": {}, \"length_km\": {:.3}, \
             \"naive_length_km\": {:.3}, \"saved_pct\": {:.3}, \"ms_median\": {:.3}}}{}",
            i + 1,
            r.points,
            r.orders,
            r.carried,
            r.rolled,
            r.vehicles,
            r.lower_bound,
            r.max_drops,
            r.length_km,
            r.naive_km,
            saved_pct(r.length_km, r.naive_km),
            r.ms,
            if i + 1 < rows.len() { "," } else { "" }
        )?;
    }
    writeln!(json, "  ]")?;
    writeln!(json, "}}")?;
    if let Some(dir) = args.out.parent() {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::write(&args.out, json)?;
    println!("\nWrote {}", args.out.display());
    Ok(())
}
