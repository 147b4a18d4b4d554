//! A uniform-grid spatial index for "the k nearest riders to a pickup".
//!
//! Points are WGS-84 `(lat, lng)` in degrees. They are projected
//! equirectangularly around the middle of their bounding box to metres and
//! bucketed into square cells; a query scans rings of cells outward from its
//! own cell. The projection only chooses cells: distances are great-circle
//! (haversine) metres, computed exactly as `entity::geo::Coordinates` does,
//! and the search stops only when a conservative lower bound on the
//! great-circle distance of every unscanned cell exceeds the current k-th
//! distance, so [`GridIndex::nearest`] returns the exact k nearest.
//! [`GridIndex::cheapest`] runs the same search for the k lowest of any cost
//! that grows with distance (e.g. seconds to a pickup given a rider's speed
//! and load).
//!
//! Meant for county-scale data (tens of km); it stays exact at any scale but
//! degrades towards a full scan near the poles and does not handle data
//! spanning the antimeridian.

use std::collections::BinaryHeap;

use entity::geo::EARTH_RADIUS_M;

/// Great-circle distance in metres between two `(lat, lng)` points in
/// degrees: `entity::geo::haversine_m` on pairs.
pub fn haversine_m(a: (f64, f64), b: (f64, f64)) -> f64 {
    entity::geo::haversine_m(a.0, a.1, b.0, b.1)
}

/// Maps a non-NaN `f64` to a `u64` with the same order.
fn to_key(x: f64) -> u64 {
    // Normalise -0.0 so that it ties with 0.0.
    let bits = (x + 0.0).to_bits();
    if bits >> 63 == 1 {
        !bits
    } else {
        bits | 1 << 63
    }
}

/// Inverse of [`to_key`].
fn from_key(key: u64) -> f64 {
    f64::from_bits(if key >> 63 == 1 {
        key & !(1 << 63)
    } else {
        !key
    })
}

/// Points bucketed in a uniform grid of square cells, for exact k-nearest queries.
#[derive(Debug, Clone)]
pub struct GridIndex {
    /// Reference latitude and longitude of the projection, radians.
    lat0: f64,
    lng0: f64,
    /// `cos(lat0)`.
    cos0: f64,
    /// Largest absolute latitude of the points, radians.
    max_abs_lat: f64,
    /// Projected coordinates of the grid's lower-left corner, metres.
    min_x: f64,
    min_y: f64,
    /// Side of a cell, metres.
    cell: f64,
    nx: i64,
    ny: i64,
    /// Cell `c` holds `entries[start[c]..start[c + 1]]`, row-major by y.
    start: Vec<usize>,
    /// `(lat, lng, original index)`, grouped by cell.
    entries: Vec<(f64, f64, usize)>,
}

impl GridIndex {
    /// Indexes `points` (`(lat, lng)` in degrees) in cells of about `cell_m`
    /// metres.
    ///
    /// Points with a non-finite coordinate are left out (never returned). A
    /// `cell_m` that is not positive and finite, or so small that the grid
    /// would have far more cells than points, is enlarged.
    pub fn new(points: &[(f64, f64)], cell_m: f64) -> GridIndex {
        let valid = |p: &&(f64, f64)| p.0.is_finite() && p.1.is_finite();
        let (mut lat_lo, mut lat_hi) = (f64::INFINITY, f64::NEG_INFINITY);
        let (mut lng_lo, mut lng_hi) = (f64::INFINITY, f64::NEG_INFINITY);
        let mut count = 0usize;
        for p in points.iter().filter(valid) {
            lat_lo = lat_lo.min(p.0);
            lat_hi = lat_hi.max(p.0);
            lng_lo = lng_lo.min(p.1);
            lng_hi = lng_hi.max(p.1);
            count += 1;
        }
        if count == 0 {
            return GridIndex {
                lat0: 0.0,
                lng0: 0.0,
                cos0: 1.0,
                max_abs_lat: 0.0,
                min_x: 0.0,
                min_y: 0.0,
                cell: 1.0,
                nx: 1,
                ny: 1,
                start: vec![0, 0],
                entries: Vec::new(),
            };
        }
        let lat0 = f64::midpoint(lat_lo, lat_hi).to_radians();
        let lng0 = f64::midpoint(lng_lo, lng_hi).to_radians();
        let max_abs_lat = lat_lo.abs().max(lat_hi.abs()).to_radians();
        let mut grid = GridIndex {
            lat0,
            lng0,
            cos0: lat0.cos(),
            max_abs_lat,
            min_x: 0.0,
            min_y: 0.0,
            cell: 1.0,
            nx: 1,
            ny: 1,
            start: Vec::new(),
            entries: Vec::with_capacity(count),
        };
        let (mut min_x, mut max_x) = (f64::INFINITY, f64::NEG_INFINITY);
        let (mut min_y, mut max_y) = (f64::INFINITY, f64::NEG_INFINITY);
        for p in points.iter().filter(valid) {
            let (x, y) = grid.project(*p);
            min_x = min_x.min(x);
            max_x = max_x.max(x);
            min_y = min_y.min(y);
            max_y = max_y.max(y);
        }
        let (w, h) = (max_x - min_x, max_y - min_y);
        // Keep the cell count within a few times the point count.
        let cap = (4 * count + 16) as f64;
        let mut cell = if cell_m.is_finite() && cell_m > 0.0 {
            cell_m
        } else {
            500.0
        };
        cell = cell
            .max((w * h / cap).sqrt())
            .max(w / cap)
            .max(h / cap)
            .max(1e-3);
        grid.min_x = min_x;
        grid.min_y = min_y;
        grid.cell = cell;
        grid.nx = (w / cell).floor() as i64 + 1;
        grid.ny = (h / cell).floor() as i64 + 1;

        let cells = (grid.nx * grid.ny) as usize;
        let mut keyed: Vec<(usize, (f64, f64, usize))> = Vec::with_capacity(count);
        let mut start = vec![0usize; cells + 1];
        for (i, p) in points.iter().enumerate() {
            if !valid(&p) {
                continue;
            }
            let (x, y) = grid.project(*p);
            let cx = grid.cell_of(x - min_x, grid.nx);
            let cy = grid.cell_of(y - min_y, grid.ny);
            let c = (cy * grid.nx + cx) as usize;
            start[c + 1] += 1;
            keyed.push((c, (p.0, p.1, i)));
        }
        for c in 0..cells {
            start[c + 1] += start[c];
        }
        let mut fill = start.clone();
        grid.entries = vec![(0.0, 0.0, 0); count];
        for (c, entry) in keyed {
            grid.entries[fill[c]] = entry;
            fill[c] += 1;
        }
        grid.start = start;
        grid
    }

    /// Number of indexed points.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether no point is indexed.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The up to `k` points nearest to `at` within `max_m` metres
    /// (great-circle), as `(index into the points given to new, metres)`,
    /// sorted by distance then index.
    pub fn nearest(&self, at: (f64, f64), k: usize, max_m: f64) -> Vec<(usize, f64)> {
        self.search(at, k, max_m, |d| d, |_, d| d)
    }

    /// The up to `k` points within `max_m` metres of `at` with the lowest
    /// `cost(index, metres)`, as `(index, cost)` sorted by cost then index.
    ///
    /// For a cost that is not just the distance, e.g. a rider's seconds to a
    /// pickup given their speed and load. `min_cost(d)` must be
    /// non-decreasing and at most the cost of any point at `d` metres or
    /// more; the search stops once it exceeds the k-th best cost. Points
    /// whose cost is NaN are skipped.
    pub fn cheapest(
        &self,
        at: (f64, f64),
        k: usize,
        max_m: f64,
        min_cost: impl Fn(f64) -> f64,
        cost: impl FnMut(usize, f64) -> f64,
    ) -> Vec<(usize, f64)> {
        self.search(at, k, max_m, min_cost, cost)
    }

    /// Ring search shared by [`GridIndex::nearest`] and [`GridIndex::cheapest`].
    fn search(
        &self,
        at: (f64, f64),
        k: usize,
        max_m: f64,
        min_cost: impl Fn(f64) -> f64,
        mut cost: impl FnMut(usize, f64) -> f64,
    ) -> Vec<(usize, f64)> {
        if k == 0
            || self.is_empty()
            || !at.0.is_finite()
            || !at.1.is_finite()
            || max_m.is_nan()
            || max_m < 0.0
        {
            return Vec::new();
        }
        let (x, y) = self.project(at);
        let (qx, qy) = (x - self.min_x, y - self.min_y);
        // Query cell, unclamped: the query may lie outside the grid.
        let cx = self.cell_raw(qx);
        let cy = self.cell_raw(qy);
        let (last_x, last_y) = (self.nx - 1, self.ny - 1);
        // Rings closer than the grid are empty: start at the first that meets it.
        let gap_x = (-cx).max(cx - last_x).max(0);
        let gap_y = (-cy).max(cy - last_y).max(0);
        let mut r = gap_x.max(gap_y);

        // Max-heap of the best k so far, keyed by (ordered cost bits, index).
        let mut best: BinaryHeap<(u64, usize)> = BinaryHeap::with_capacity(k.min(self.len()) + 1);
        let q_lat = at.0.to_radians().abs();
        loop {
            // Nothing in ring r or beyond is closer than `reach` metres.
            if r > 0 {
                let Some(gap) = self.outside_gap(qx, qy, cx, cy, r - 1) else {
                    break;
                };
                let reach = gap * self.scale_lower_bound(q_lat, gap) - 1e-6;
                if reach > max_m {
                    break;
                }
                if best.len() == k
                    && let Some(&(key, _)) = best.peek()
                    && min_cost(reach) > from_key(key)
                {
                    break;
                }
            }
            self.scan_ring(cx, cy, r, |lat, lng, idx| {
                let d = haversine_m(at, (lat, lng));
                if d > max_m {
                    return;
                }
                let c = cost(idx, d);
                if c.is_nan() {
                    return;
                }
                let entry = (to_key(c), idx);
                if best.len() < k {
                    best.push(entry);
                } else if best.peek().is_some_and(|top| entry < *top) {
                    best.pop();
                    best.push(entry);
                }
            });
            r += 1;
        }
        let mut out: Vec<(usize, u64)> = best.into_iter().map(|(key, i)| (i, key)).collect();
        out.sort_unstable_by_key(|&(i, key)| (key, i));
        out.into_iter().map(|(i, key)| (i, from_key(key))).collect()
    }

    /// Equirectangular projection to metres around the reference point.
    fn project(&self, p: (f64, f64)) -> (f64, f64) {
        let x = EARTH_RADIUS_M * self.cos0 * (p.1.to_radians() - self.lng0);
        let y = EARTH_RADIUS_M * (p.0.to_radians() - self.lat0);
        (x, y)
    }

    /// Cell coordinate of an offset from the grid's corner, unclamped.
    fn cell_raw(&self, offset: f64) -> i64 {
        // `as` saturates; keep far-away queries well inside i64.
        (offset / self.cell).floor().clamp(-1e15, 1e15) as i64
    }

    /// Cell coordinate of an indexed point, clamped into `0..n`.
    fn cell_of(&self, offset: f64, n: i64) -> i64 {
        self.cell_raw(offset).clamp(0, n - 1)
    }

    /// Projected distance from the query to the nearest grid cell outside
    /// the square of cells within Chebyshev distance `r` of its cell, or
    /// `None` when that square covers the whole grid.
    fn outside_gap(&self, qx: f64, qy: f64, cx: i64, cy: i64, r: i64) -> Option<f64> {
        let mut gap = f64::INFINITY;
        if cx - r > 0 {
            gap = gap.min(qx - (cx - r) as f64 * self.cell);
        }
        if cx + r < self.nx - 1 {
            gap = gap.min((cx + r + 1) as f64 * self.cell - qx);
        }
        if cy - r > 0 {
            gap = gap.min(qy - (cy - r) as f64 * self.cell);
        }
        if cy + r < self.ny - 1 {
            gap = gap.min((cy + r + 1) as f64 * self.cell - qy);
        }
        if gap.is_finite() {
            Some(gap.max(0.0))
        } else {
            None
        }
    }

    /// A factor `s` with `great-circle ≥ s × projected` distance for any
    /// point within `limit` metres of the query; then any point whose
    /// projected distance is at least `gap` is at least `gap × s(gap)` away
    /// (if it were nearer than `gap`, `s(gap)` would hold for it).
    ///
    /// The projection stretches east–west distances by `cos(lat0)/cos(lat)`
    /// where `|lat| > |lat0|`; a geodesic shorter than `limit` between the
    /// query and a point stays within `limit / 2` of one of its ends, so
    /// within this latitude band.
    fn scale_lower_bound(&self, q_abs_lat: f64, limit: f64) -> f64 {
        let margin = if limit.is_finite() {
            limit / (2.0 * EARTH_RADIUS_M)
        } else {
            f64::INFINITY
        };
        let worst = (self.max_abs_lat.max(q_abs_lat) + margin).min(std::f64::consts::FRAC_PI_2);
        let s = if self.cos0 > 0.0 {
            (worst.cos() / self.cos0).min(1.0)
        } else {
            0.0
        };
        // Leave room for rounding in the haversine and the projection.
        (s * (1.0 - 1e-9) - 1e-12).max(0.0)
    }

    /// Calls `f(lat, lng, index)` for every point in the cells at Chebyshev
    /// distance exactly `r` from `(cx, cy)` that lie inside the grid.
    fn scan_ring(&self, cx: i64, cy: i64, r: i64, mut f: impl FnMut(f64, f64, usize)) {
        let mut cell = |x: i64, y: i64| {
            let c = (y * self.nx + x) as usize;
            for &(lat, lng, idx) in &self.entries[self.start[c]..self.start[c + 1]] {
                f(lat, lng, idx);
            }
        };
        let (x_lo, x_hi) = ((cx - r).max(0), (cx + r).min(self.nx - 1));
        if r == 0 {
            if (0..self.nx).contains(&cx) && (0..self.ny).contains(&cy) {
                cell(cx, cy);
            }
            return;
        }
        // Bottom and top rows, full width.
        for y in [cy - r, cy + r] {
            if (0..self.ny).contains(&y) {
                for x in x_lo..=x_hi {
                    cell(x, y);
                }
            }
        }
        // Left and right columns, without the corners.
        let (y_lo, y_hi) = ((cy - r + 1).max(0), (cy + r - 1).min(self.ny - 1));
        for x in [cx - r, cx + r] {
            if (0..self.nx).contains(&x) {
                for y in y_lo..=y_hi {
                    cell(x, y);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
        /// Uniform in `[lo, hi)`.
        fn f(&mut self, lo: f64, hi: f64) -> f64 {
            lo + (hi - lo) * ((self.next() >> 11) as f64 / (1u64 << 53) as f64)
        }
    }

    fn brute(points: &[(f64, f64)], at: (f64, f64), k: usize, max_m: f64) -> Vec<(usize, f64)> {
        let mut all: Vec<(usize, f64)> = points
            .iter()
            .enumerate()
            .map(|(i, &p)| (i, haversine_m(at, p)))
            .filter(|&(_, d)| d <= max_m)
            .collect();
        all.sort_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(&b.0)));
        all.truncate(k);
        all
    }

    fn around(rng: &mut Rng, n: usize, lat: f64, lng: f64, span_deg: f64) -> Vec<(f64, f64)> {
        (0..n)
            .map(|_| {
                (
                    lat + rng.f(-span_deg, span_deg),
                    lng + rng.f(-span_deg, span_deg),
                )
            })
            .collect()
    }

    #[test]
    fn haversine_matches_known_distances() {
        assert_eq!(haversine_m((33.329, 105.609), (33.329, 105.609)), 0.0);
        let d = haversine_m((33.0, 105.0), (34.0, 105.0));
        assert!((d - 111_195.0).abs() < 10.0, "{d}");
        let d = haversine_m((33.3297, 105.6079), (33.2853, 105.7312));
        assert!((12_000.0..13_500.0).contains(&d), "{d}");
    }

    #[test]
    fn random_points_match_brute_force() {
        let mut rng = Rng(1);
        for case in 0..200 {
            let n = [0, 1, 2, 10, 100, 1000][case % 6];
            let span = [0.01, 0.05, 0.1, 0.5][case % 4];
            let points = around(&mut rng, n, 33.33, 105.61, span);
            let cell = [50.0, 300.0, 1000.0, 5000.0, 0.0, f64::NAN][case % 6];
            let grid = GridIndex::new(&points, cell);
            assert_eq!(grid.len(), n);
            for q in 0..20 {
                // Queries inside, around and far outside the points.
                let spread = [span, 3.0 * span, 20.0 * span][q % 3];
                let at = (
                    33.33 + rng.f(-spread, spread),
                    105.61 + rng.f(-spread, spread),
                );
                let k = [1, 3, 10, n, n + 5][q % 5];
                let max_m = [f64::INFINITY, 1000.0, 6000.0, 0.0][q % 4];
                assert_eq!(
                    grid.nearest(at, k, max_m),
                    brute(&points, at, k, max_m),
                    "case {case} n {n} at {at:?} k {k} max {max_m}"
                );
            }
        }
    }

    #[test]
    fn high_latitude_and_wide_areas() {
        let mut rng = Rng(2);
        for &(lat, span) in &[(69.0, 1.0), (-55.0, 2.0), (0.0, 3.0), (80.0, 0.5)] {
            let points = around(&mut rng, 500, lat, 20.0, span);
            let grid = GridIndex::new(&points, 2000.0);
            for q in 0..50 {
                let at = (lat + rng.f(-span, span), 20.0 + rng.f(-span, span));
                let k = [1, 5, 20][q % 3];
                assert_eq!(
                    grid.nearest(at, k, f64::INFINITY),
                    brute(&points, at, k, f64::INFINITY)
                );
                assert_eq!(
                    grid.nearest(at, k, 30_000.0),
                    brute(&points, at, k, 30_000.0)
                );
            }
        }
    }

    #[test]
    fn identical_points_and_ties() {
        let mut points = vec![(33.33, 105.61); 7];
        points.push((33.34, 105.61));
        points.extend(vec![(33.33, 105.62); 3]);
        let grid = GridIndex::new(&points, 200.0);
        let got = grid.nearest((33.33, 105.61), 5, f64::INFINITY);
        assert_eq!(got, vec![(0, 0.0), (1, 0.0), (2, 0.0), (3, 0.0), (4, 0.0)]);
        for k in 0..=12 {
            for at in [(33.33, 105.61), (33.335, 105.615), (33.30, 105.70)] {
                assert_eq!(
                    grid.nearest(at, k, f64::INFINITY),
                    brute(&points, at, k, f64::INFINITY)
                );
            }
        }
        // All points identical: a one-cell grid.
        let same = vec![(33.0, 105.0); 4];
        let grid = GridIndex::new(&same, 100.0);
        assert_eq!(grid.nearest((33.0, 105.0), 10, 1.0).len(), 4);
    }

    #[test]
    fn empty_index_and_degenerate_queries() {
        let grid = GridIndex::new(&[], 500.0);
        assert!(grid.is_empty());
        assert!(grid.nearest((33.33, 105.61), 5, f64::INFINITY).is_empty());
        let grid = GridIndex::new(
            &[(33.33, 105.61), (f64::NAN, 1.0), (33.34, f64::INFINITY)],
            500.0,
        );
        assert_eq!(grid.len(), 1);
        assert_eq!(grid.nearest((33.33, 105.61), 0, 1e9), vec![]);
        assert_eq!(grid.nearest((f64::NAN, 105.61), 3, 1e9), vec![]);
        assert_eq!(grid.nearest((33.33, 105.61), 3, f64::NAN), vec![]);
        assert_eq!(grid.nearest((33.33, 105.61), 3, -1.0), vec![]);
        assert_eq!(grid.nearest((33.33, 105.61), 3, 0.0), vec![(0, 0.0)]);
    }

    #[test]
    fn max_distance_cuts_results() {
        let mut rng = Rng(3);
        let points = around(&mut rng, 300, 33.33, 105.61, 0.05);
        let grid = GridIndex::new(&points, 500.0);
        let at = (33.33, 105.61);
        let all = grid.nearest(at, 300, f64::INFINITY);
        assert_eq!(all.len(), 300);
        let near = grid.nearest(at, 300, 2000.0);
        assert!(!near.is_empty() && near.len() < 300);
        assert!(near.iter().all(|&(_, d)| d <= 2000.0));
        assert_eq!(near[..], all[..near.len()]);
    }

    #[test]
    fn cheapest_matches_brute_force() {
        let mut rng = Rng(4);
        for case in 0..60 {
            let n = [1, 50, 400][case % 3];
            let points = around(&mut rng, n, 33.33, 105.61, 0.07);
            // A rider's seconds to a pickup: speed 4–7 m/s, 300 s per carried job.
            let speed: Vec<f64> = (0..n).map(|_| rng.f(4.0, 7.0)).collect();
            let load: Vec<f64> = (0..n).map(|i| (i % 3) as f64).collect();
            let cost = |i: usize, d: f64| d * 1.3 / speed[i] + 300.0 * load[i];
            let grid = GridIndex::new(&points, [100.0, 400.0, 2000.0][case % 3]);
            for q in 0..10 {
                let at = (33.33 + rng.f(-0.1, 0.1), 105.61 + rng.f(-0.1, 0.1));
                let k = [1, 5, 10, n + 1][q % 4];
                let max_m = [f64::INFINITY, 6000.0][q % 2];
                let got = grid.cheapest(at, k, max_m, |d| d * 1.3 / 7.0, cost);
                let mut want: Vec<(usize, f64)> = points
                    .iter()
                    .enumerate()
                    .map(|(i, &p)| (i, haversine_m(at, p)))
                    .filter(|&(_, d)| d <= max_m)
                    .map(|(i, d)| (i, cost(i, d)))
                    .collect();
                want.sort_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(&b.0)));
                want.truncate(k);
                assert_eq!(got, want, "case {case} q {q}");
            }
        }
    }

    #[test]
    fn cheapest_orders_negative_costs_and_skips_nan() {
        let points = [
            (33.33, 105.61),
            (33.331, 105.61),
            (33.332, 105.61),
            (33.333, 105.61),
        ];
        let grid = GridIndex::new(&points, 50.0);
        let costs = [5.0, -2.0, f64::NAN, -0.0];
        let got = grid.cheapest(
            points[0],
            10,
            f64::INFINITY,
            |_| f64::NEG_INFINITY,
            |i, _| costs[i],
        );
        assert_eq!(got, vec![(1, -2.0), (3, 0.0), (0, 5.0)]);
        for x in [-1e300, -2.5, -0.0, 0.0, 1e-300, 3.0, f64::INFINITY] {
            assert_eq!(from_key(to_key(x)), x + 0.0);
        }
        assert!(
            to_key(-2.5) < to_key(-1.0) && to_key(-1.0) < to_key(0.0) && to_key(0.0) < to_key(1.0)
        );
    }
}
