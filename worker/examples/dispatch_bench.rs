//! Dispatch-round benchmark: optimal assignment on a sparse candidate graph
//! against greedy "nearest rider first" and the exact dense optimum.
//!
//! ```sh
//! cargo run --release -p worker --example dispatch_bench -- \
//!     --sizes 100x300,1000x3000,5000x15000 --k 10,20 --candidates nearest,mutual --seed 1
//! ```
//!
//! Instances are county-sized and deterministic for a seed: pickups at
//! stores within about 5 km of a town centre (lat 33.33, lng 105.61), about
//! two open jobs per store, each job ready 0–20 min from now; riders
//! uniformly within about 8 km, carrying 0–2 jobs, riding at 15–25 km/h.
//! Stores are uniform over their disc, or with `--dense-centre` thicker
//! towards the centre (density ∝ 1/r, so the centre has more jobs than
//! riders nearby). A pairing costs, in seconds, the ride to the pickup
//! (great-circle distance × 1.3 road factor at the rider's speed) + 300 s per
//! job already carried + twice any lateness past the ready time; a job left
//! open costs 3,600 s.
//!
//! The candidate graph offers each job k riders within 6 km: the k nearest
//! (`--candidates nearest`), or the k cheapest by that cost
//! (`--candidates cheapest`, same grid search bounded by the fastest speed),
//! or either plus each rider's k nearest (cheapest) jobs (`mutual`,
//! `mutual-cheapest`). By default `nearest` and `mutual` with k = 10 and 20;
//! the worker's round (`worker::dispatch::round`) uses `mutual`, k = 20,
//! with this cost model. Greedy runs on the same graph; the dense optimum uses
//! every rider and is skipped above `--dense-max-cells` jobs × riders.
//!
//! Prints a Markdown table and writes the same figures as JSON to
//! `bench/results/dispatch.json` (or `--out PATH`).

use std::error::Error;
use std::fmt::Write as _;
use std::path::PathBuf;
use std::time::Instant;

use worker::dispatch::matching::{self, Assignment, Candidate};
use worker::dispatch::spatial::{self, GridIndex};

/// Town centre, degrees.
const CENTRE: (f64, f64) = (33.33, 105.61);
/// Radius of the store cluster, metres.
const STORE_RADIUS_M: f64 = 5_000.0;
/// Radius of the riders' area, metres.
const RIDER_RADIUS_M: f64 = 8_000.0;
/// Candidate riders farther than this are not offered.
const MAX_PICKUP_M: f64 = 6_000.0;
/// Cost of leaving a job open this round, seconds.
const UNASSIGNED_S: i64 = 3_600;
/// Road distance per great-circle metre.
const ROAD_FACTOR: f64 = 1.3;
/// Penalty per job a rider already carries, seconds.
const LOAD_PENALTY_S: f64 = 300.0;
/// Riders' speeds, km/h.
const MIN_SPEED_KMH: f64 = 15.0;
const MAX_SPEED_KMH: f64 = 25.0;
/// Metres per degree of latitude on the mean sphere.
const M_PER_DEG: f64 = 6_371_008.8 * std::f64::consts::PI / 180.0;

struct Args {
    sizes: Vec<(usize, usize)>,
    ks: Vec<usize>,
    strategies: Vec<Strategy>,
    seed: u64,
    runs: usize,
    dense_max_cells: usize,
    cell_m: f64,
    out: PathBuf,
    dense_centre: bool,
}

fn default_out() -> PathBuf {
    match option_env!("CARGO_MANIFEST_DIR") {
        Some(dir) => PathBuf::from(dir).join("../bench/results/dispatch.json"),
        None => PathBuf::from("bench/results/dispatch.json"),
    }
}

fn parse_args() -> Result<Args, Box<dyn Error>> {
    let mut args = Args {
        sizes: vec![(100, 300), (1_000, 3_000), (5_000, 15_000)],
        ks: vec![10, 20],
        // `mutual` is what the worker's dispatch round uses (k = 20).
        strategies: vec![Strategy::Nearest, Strategy::Mutual],
        seed: 1,
        runs: 5,
        dense_max_cells: 4_000_000,
        cell_m: 400.0,
        out: default_out(),
        dense_centre: false,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        if flag == "--dense-centre" {
            args.dense_centre = true;
            continue;
        }
        if flag == "--help" || flag == "-h" {
            println!(
                "dispatch_bench [--sizes 100x300,1000x3000,5000x15000] [--k 10[,5,...]] [--seed N] \
                 [--candidates nearest,cheapest] [--dense-centre] [--runs 5] \
                 [--dense-max-cells 4000000] [--cell-m 400] [--out PATH]"
            );
            std::process::exit(0);
        }
        let value = it.next().ok_or_else(|| format!("{flag} needs a value"))?;
        match flag.as_str() {
            "--sizes" => {
                args.sizes = value
                    .split(',')
                    .map(|s| -> Result<(usize, usize), Box<dyn Error>> {
                        let (j, r) = s
                            .split_once('x')
                            .ok_or_else(|| format!("size {s:?} is not JOBSxRIDERS"))?;
                        Ok((j.trim().parse()?, r.trim().parse()?))
                    })
                    .collect::<Result<_, _>>()?;
            }
            "--k" => {
                args.ks = value
                    .split(',')
                    .map(|s| s.trim().parse())
                    .collect::<Result<_, _>>()?;
            }
            "--candidates" => {
                args.strategies = value
                    .split(',')
                    .map(|s| Strategy::parse(s.trim()))
                    .collect::<Result<_, _>>()?;
            }
            "--seed" => args.seed = value.parse()?,
            "--runs" => args.runs = value.parse::<usize>()?.max(1),
            "--dense-max-cells" => args.dense_max_cells = value.parse()?,
            "--cell-m" => args.cell_m = value.parse()?,
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

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    /// A point `radius_m × radial` metres from `centre` in a random direction.
    fn around(&mut self, centre: (f64, f64), radius_m: f64, radial: f64) -> (f64, f64) {
        let angle = self.unit() * std::f64::consts::TAU;
        let r = radius_m * radial;
        let (dx, dy) = (r * angle.cos(), r * angle.sin());
        (
            centre.0 + dy / M_PER_DEG,
            centre.1 + dx / (M_PER_DEG * centre.0.to_radians().cos()),
        )
    }
}

struct Job {
    at: (f64, f64),
    ready_s: f64,
}

struct Rider {
    at: (f64, f64),
    load: u32,
    speed_mps: f64,
}

fn instance(jobs: usize, riders: usize, seed: u64, dense_centre: bool) -> (Vec<Job>, Vec<Rider>) {
    let mut rng = Rng(seed ^ ((jobs as u64) << 32) ^ riders as u64);
    // About two open jobs per store.
    let stores: Vec<(f64, f64)> = (0..jobs.div_ceil(2).max(1))
        .map(|_| {
            let radial = if dense_centre {
                rng.unit()
            } else {
                rng.unit().sqrt()
            };
            rng.around(CENTRE, STORE_RADIUS_M, radial)
        })
        .collect();
    let jobs = (0..jobs)
        .map(|_| Job {
            at: stores[rng.below(stores.len())],
            ready_s: rng.unit() * 1_200.0,
        })
        .collect();
    let riders = (0..riders)
        .map(|_| {
            // Uniform over the disc.
            let radial = rng.unit().sqrt();
            Rider {
                at: rng.around(CENTRE, RIDER_RADIUS_M, radial),
                load: rng.below(3) as u32,
                speed_mps: (MIN_SPEED_KMH + (MAX_SPEED_KMH - MIN_SPEED_KMH) * rng.unit()) / 3.6,
            }
        })
        .collect();
    (jobs, riders)
}

/// Seconds for `rider` to take `job`, `distance_m` apart as the crow flies.
fn cost_s(job: &Job, rider: &Rider, distance_m: f64) -> i64 {
    let travel = distance_m * ROAD_FACTOR / rider.speed_mps;
    let late = (travel - job.ready_s).max(0.0);
    (travel + LOAD_PENALTY_S * f64::from(rider.load) + 2.0 * late).round() as i64
}

/// How the candidate pairs are chosen.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Strategy {
    /// Each job's k nearest riders (great-circle).
    Nearest,
    /// Each job's k riders with the lowest cost (speed, load, lateness).
    Cheapest,
    /// `Nearest`, plus each rider's k nearest jobs.
    Mutual,
    /// `Cheapest`, plus each rider's k cheapest jobs.
    MutualCheapest,
}

impl Strategy {
    fn name(self) -> &'static str {
        match self {
            Strategy::Nearest => "nearest",
            Strategy::Cheapest => "cheapest",
            Strategy::Mutual => "mutual",
            Strategy::MutualCheapest => "mutual-cheapest",
        }
    }

    fn parse(s: &str) -> Result<Strategy, String> {
        [
            Strategy::Nearest,
            Strategy::Cheapest,
            Strategy::Mutual,
            Strategy::MutualCheapest,
        ]
        .into_iter()
        .find(|x| x.name() == s)
        .ok_or_else(|| format!("unknown candidate strategy {s:?}"))
    }
}

fn candidate_graph(
    jobs: &[Job],
    riders: &[Rider],
    k: usize,
    cell_m: f64,
    strategy: Strategy,
) -> Vec<Candidate> {
    let by_cost = matches!(strategy, Strategy::Cheapest | Strategy::MutualCheapest);
    let mutual = matches!(strategy, Strategy::Mutual | Strategy::MutualCheapest);
    let mut edges = Vec::with_capacity(jobs.len() * k * if mutual { 4 } else { 1 });

    let points: Vec<(f64, f64)> = riders.iter().map(|r| r.at).collect();
    let grid = GridIndex::new(&points, cell_m);
    // No rider is faster than the fastest nor carries less than nothing.
    let fastest = MAX_SPEED_KMH / 3.6;
    for (j, job) in jobs.iter().enumerate() {
        let found = if by_cost {
            let min_cost = |d: f64| d * ROAD_FACTOR / fastest - 0.5;
            let cost = |r: usize, d: f64| cost_s(job, &riders[r], d) as f64;
            grid.cheapest(job.at, k, MAX_PICKUP_M, min_cost, cost)
        } else {
            grid.nearest(job.at, k, MAX_PICKUP_M)
        };
        for (r, x) in found {
            let cost = if by_cost {
                x as i64
            } else {
                cost_s(job, &riders[r], x)
            };
            edges.push(Candidate {
                job: j,
                rider: r,
                cost,
            });
        }
    }

    if mutual {
        let pickups: Vec<(f64, f64)> = jobs.iter().map(|j| j.at).collect();
        let grid = GridIndex::new(&pickups, cell_m);
        for (r, rider) in riders.iter().enumerate() {
            let found = if by_cost {
                let floor = LOAD_PENALTY_S * f64::from(rider.load) - 0.5;
                let min_cost = |d: f64| d * ROAD_FACTOR / rider.speed_mps + floor;
                let cost = |j: usize, d: f64| cost_s(&jobs[j], rider, d) as f64;
                grid.cheapest(rider.at, k, MAX_PICKUP_M, min_cost, cost)
            } else {
                grid.nearest(rider.at, k, MAX_PICKUP_M)
            };
            for (j, x) in found {
                let cost = if by_cost {
                    x as i64
                } else {
                    cost_s(&jobs[j], rider, x)
                };
                // Duplicates of job-side pairs are fine: the solvers keep one.
                edges.push(Candidate {
                    job: j,
                    rider: r,
                    cost,
                });
            }
        }
    }
    edges
}

fn dense_matrix(jobs: &[Job], riders: &[Rider]) -> Vec<Vec<i64>> {
    jobs.iter()
        .map(|job| {
            riders
                .iter()
                .map(|r| cost_s(job, r, spatial::haversine_m(job.at, r.at)))
                .collect()
        })
        .collect()
}

fn ms(since: Instant) -> f64 {
    since.elapsed().as_secs_f64() * 1e3
}

/// Median of `runs` timings of `f` (ms) and its last result.
fn timed<T>(runs: usize, mut f: impl FnMut() -> T) -> (f64, T) {
    let t = Instant::now();
    let mut last = f();
    let mut times = vec![ms(t)];
    for _ in 1..runs {
        let t = Instant::now();
        last = f();
        times.push(ms(t));
    }
    times.sort_by(f64::total_cmp);
    (times[times.len() / 2], last)
}

fn gap_pct(cost: i64, reference: i64) -> f64 {
    if reference == 0 {
        0.0
    } else {
        (cost - reference) as f64 / reference as f64 * 100.0
    }
}

struct Dense {
    ms: f64,
    result: Assignment,
}

struct Row {
    jobs: usize,
    riders: usize,
    strategy: Strategy,
    k: usize,
    edges: usize,
    build_ms: f64,
    solve_ms: f64,
    solve: Assignment,
    greedy_ms: f64,
    greedy: Assignment,
    dense: Option<(f64, i64, usize)>,
}

fn main() -> Result<(), Box<dyn Error>> {
    let args = parse_args()?;
    let mut rows = Vec::new();
    let mut notes = Vec::new();
    let mut checks = Vec::new();
    for &(n_jobs, n_riders) in &args.sizes {
        let (jobs, riders) = instance(n_jobs, n_riders, args.seed, args.dense_centre);
        let dense = if n_jobs.saturating_mul(n_riders) <= args.dense_max_cells {
            let matrix = dense_matrix(&jobs, &riders);
            let t = Instant::now();
            let result = matching::hungarian_dense(&matrix, UNASSIGNED_S);
            let dense_ms = ms(t);
            // Exactness check: the sparse solver on every pair cheaper than
            // leaving the job open must find the same optimum.
            let all: Vec<Candidate> = matrix
                .iter()
                .enumerate()
                .flat_map(|(j, row)| {
                    row.iter()
                        .enumerate()
                        .filter(|&(_, &c)| c < UNASSIGNED_S)
                        .map(move |(r, &c)| Candidate {
                            job: j,
                            rider: r,
                            cost: c,
                        })
                })
                .collect();
            let t = Instant::now();
            let full = matching::solve(n_jobs, n_riders, &all, UNASSIGNED_S);
            let full_ms = ms(t);
            if full.total_cost != result.total_cost {
                return Err(format!(
                    "{n_jobs}×{n_riders}: solve on the full graph found {}, the dense Hungarian {}",
                    full.total_cost, result.total_cost
                )
                .into());
            }
            notes.push(format!(
                "{n_jobs}×{n_riders}: exactness check passed: solve on all {} pairs under {UNASSIGNED_S} s \
                 gives {} in {full_ms:.1} ms, the dense Hungarian {} in {dense_ms:.0} ms.",
                all.len(),
                full.total_cost,
                result.total_cost
            ));
            checks.push(format!(
                "{{\"jobs\": {n_jobs}, \"riders\": {n_riders}, \"dense_total_cost\": {}, \"dense_ms\": {dense_ms:.3}, \
                 \"full_graph_edges\": {}, \"full_graph_solve_total_cost\": {}, \"full_graph_solve_ms\": {full_ms:.3}}}",
                result.total_cost,
                all.len(),
                full.total_cost
            ));
            Some(Dense {
                ms: dense_ms,
                result,
            })
        } else {
            notes.push(format!(
                "{n_jobs}×{n_riders}: dense optimum skipped ({} cells > --dense-max-cells {}).",
                n_jobs.saturating_mul(n_riders),
                args.dense_max_cells
            ));
            None
        };
        let runs = args
            .strategies
            .iter()
            .flat_map(|&s| args.ks.iter().map(move |&k| (s, k)));
        for (strategy, k) in runs {
            let (build_ms, edges) = timed(args.runs, || {
                candidate_graph(&jobs, &riders, k, args.cell_m, strategy)
            });
            let (solve_ms, solve) = timed(args.runs, || {
                matching::solve(n_jobs, n_riders, &edges, UNASSIGNED_S)
            });
            let (greedy_ms, greedy) = timed(args.runs, || {
                matching::greedy(n_jobs, n_riders, &edges, UNASSIGNED_S)
            });
            if solve.total_cost > greedy.total_cost {
                return Err(format!(
                    "{n_jobs}×{n_riders} {} k={k}: solve worse than greedy",
                    strategy.name()
                )
                .into());
            }
            if let Some(d) = &dense
                && solve.total_cost < d.result.total_cost
            {
                return Err(
                    format!("{n_jobs}×{n_riders} k={k}: sparse below the dense optimum").into(),
                );
            }
            rows.push(Row {
                jobs: n_jobs,
                riders: n_riders,
                strategy,
                k,
                edges: edges.len(),
                build_ms,
                solve_ms,
                solve,
                greedy_ms,
                greedy,
                dense: dense
                    .as_ref()
                    .map(|d| (d.ms, d.result.total_cost, d.result.assigned())),
            });
        }
    }

    let mut table = String::new();
    writeln!(
        table,
        "| jobs × riders | candidates | k | edges | graph build ms | solve ms (median of {}) | solve cost | assigned | greedy cost | assigned | greedy gap | greedy ms | dense optimum | assigned | sparse gap to optimum | dense ms |",
        args.runs
    )?;
    writeln!(
        table,
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
    )?;
    for r in &rows {
        let (dense_cost, dense_assigned, dense_gap, dense_ms) = match r.dense {
            Some((t, c, a)) => (
                c.to_string(),
                a.to_string(),
                format!("{:.3} %", gap_pct(r.solve.total_cost, c)),
                format!("{t:.0}"),
            ),
            None => ("skipped".into(), "–".into(), "–".into(), "–".into()),
        };
        writeln!(
            table,
            "| {}×{} | {} | {} | {} | {:.2} | {:.2} | {} | {} | {} | {} | {:.2} % | {:.2} | {} | {} | {} | {} |",
            r.jobs,
            r.riders,
            r.strategy.name(),
            r.k,
            r.edges,
            r.build_ms,
            r.solve_ms,
            r.solve.total_cost,
            r.solve.assigned(),
            r.greedy.total_cost,
            r.greedy.assigned(),
            gap_pct(r.greedy.total_cost, r.solve.total_cost),
            r.greedy_ms,
            dense_cost,
            dense_assigned,
            dense_gap,
            dense_ms,
        )?;
    }
    println!(
        "Dispatch bench, seed {}, stores {}, unassigned cost {UNASSIGNED_S} s, candidates within {MAX_PICKUP_M} m, grid cell {} m.\n",
        args.seed,
        if args.dense_centre {
            "dense at the centre"
        } else {
            "uniform over 5 km"
        },
        args.cell_m
    );
    print!("{table}");
    for note in &notes {
        println!("\n{note}");
    }

    let mut json = String::new();
    writeln!(json, "{{")?;
    writeln!(json, "  \"seed\": {},", args.seed)?;
    writeln!(json, "  \"unassigned_cost_s\": {UNASSIGNED_S},")?;
    writeln!(json, "  \"max_pickup_m\": {MAX_PICKUP_M},")?;
    writeln!(json, "  \"cell_m\": {},", args.cell_m)?;
    writeln!(json, "  \"runs\": {},", args.runs)?;
    writeln!(json, "  \"dense_centre\": {},", args.dense_centre)?;
    writeln!(json, "  \"rows\": [")?;
    for (i, r) in rows.iter().enumerate() {
        let dense = match r.dense {
            Some((t, c, a)) => format!(
                "{{\"total_cost\": {c}, \"assigned\": {a}, \"ms\": {t:.3}, \"sparse_gap_pct\": {:.4}}}",
                gap_pct(r.solve.total_cost, c)
            ),
            None => "null".into(),
        };
        writeln!(
            json,
            "    {{\"jobs\": {}, \"riders\": {}, \"candidates\": \"{}\", \"k\": {}, \"edges\": {}, \"graph_build_ms\": {:.3}, \
             \"solve_ms_median\": {:.3}, \"solve_total_cost\": {}, \"solve_assigned\": {}, \
             \"greedy_ms_median\": {:.3}, \"greedy_total_cost\": {}, \"greedy_assigned\": {}, \
             \"greedy_gap_pct\": {:.4}, \"dense\": {dense}}}{}",
            r.jobs,
            r.riders,
            r.strategy.name(),
            r.k,
            r.edges,
            r.build_ms,
            r.solve_ms,
            r.solve.total_cost,
            r.solve.assigned(),
            r.greedy_ms,
            r.greedy.total_cost,
            r.greedy.assigned(),
            gap_pct(r.greedy.total_cost, r.solve.total_cost),
            if i + 1 < rows.len() { "," } else { "" },
        )?;
    }
    writeln!(json, "  ],")?;
    writeln!(json, "  \"exactness_checks\": [")?;
    for (i, c) in checks.iter().enumerate() {
        writeln!(
            json,
            "    {c}{}",
            if i + 1 < checks.len() { "," } else { "" }
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
