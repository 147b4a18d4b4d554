//! Minimum-cost assignment of delivery jobs to riders.
//!
//! A dispatch round offers each open job a few candidate riders (usually the
//! k nearest) with an integer cost, e.g. seconds until pickup. Every job gets
//! at most one rider and every rider at most one job; a job may also stay
//! open for this round at a fixed `unassigned_cost`. [`solve`] finds an
//! exactly optimal assignment on that sparse candidate graph, [`greedy`] is
//! the "nearest rider first" baseline it replaces, and [`hungarian_dense`]
//! is a classic dense Hungarian method used as the exact reference.
//!
//! [`solve`] runs successive shortest augmenting paths (Jonker–Volgenant
//! style): each job in turn searches, with Dijkstra on reduced costs (rider
//! potentials), for the cheapest way to enter the assignment, ending at a
//! free rider or at the "stay open" sink of some job on the path. The search
//! is pruned by the best sink found so far, so a job whose cheapest rider is
//! free costs one pass over its candidates, and conflicts are resolved
//! locally. State is reset with epoch stamps, never by clearing whole arrays.
//!
//! Arithmetic is exact in `i64`. An `unassigned_cost` so large that it only
//! means "assign as many jobs as possible" is capped internally at a value
//! with the same optimal assignments (above the dearest edge by `jobs` times
//! the edges' spread); costs and that capped value must lie within ±2^60,
//! which any cost measured in seconds or cents does by far.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

/// One allowed pairing of a job with a rider, at an integer cost.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Candidate {
    /// Index of the job, `0..jobs`.
    pub job: usize,
    /// Index of the rider, `0..riders`.
    pub rider: usize,
    /// Cost of giving this job to this rider (e.g. seconds).
    pub cost: i64,
}

/// The outcome of an assignment.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Assignment {
    /// `(job, rider)` pairs, sorted by job; each job and rider appears at most once.
    pub pairs: Vec<(usize, usize)>,
    /// Sum of the pairs' costs plus `unassigned_cost` for every job left open
    /// (saturating at the `i64` bounds).
    pub total_cost: i64,
}

impl Assignment {
    /// Number of jobs that got a rider.
    pub fn assigned(&self) -> usize {
        self.pairs.len()
    }
}

/// Marks "no rider" / "no job" in the matching arrays.
const NONE: usize = usize::MAX;
/// Marks a job matched to its own "stay open" sink.
const OPEN: usize = usize::MAX - 1;

/// Exactly optimal assignment on the sparse candidate graph `edges`.
///
/// Minimises the sum of the chosen edges' costs plus `unassigned_cost` per
/// job left open. Edges with an index out of range, or with
/// `cost >= unassigned_cost` (never better than leaving the job open), are
/// ignored; of duplicate `(job, rider)` edges the cheapest counts.
pub fn solve(jobs: usize, riders: usize, edges: &[Candidate], unassigned_cost: i64) -> Assignment {
    let graph = Graph::build(jobs, riders, edges, unassigned_cost);
    let open = capped_open_cost(jobs, graph.min_cost, graph.max_cost, unassigned_cost);
    let m = riders;

    // Rider potentials; the open sinks keep potential 0 throughout, as do
    // free riders (only riders scanned by a search, all matched, move).
    let mut v = vec![0i64; m];
    let mut rider_job = vec![NONE; m];
    let mut job_rider = vec![NONE; jobs];
    let mut job_cost = vec![0i64; jobs];

    // Search state, valid where the stamp equals the current epoch.
    let mut dist = vec![0i64; m];
    let mut pred = vec![0usize; m];
    let mut pred_cost = vec![0i64; m];
    let mut seen = vec![0u32; m];
    let mut done = vec![0u32; m];
    let mut epoch = 0u32;
    let mut heap: BinaryHeap<Reverse<(i64, usize)>> = BinaryHeap::new();
    let mut ready: Vec<usize> = Vec::new();

    for start in 0..jobs {
        if epoch == u32::MAX {
            seen.fill(0);
            done.fill(0);
            epoch = 0;
        }
        epoch += 1;
        heap.clear();
        ready.clear();

        // Best sink so far: (distance, rider or OPEN, job owning the sink
        // when it is an open sink).
        let mut best_d = open;
        let mut best_col = OPEN;
        let mut best_open_job = start;

        // Scan the start job (row potential 0).
        for &(k, c) in graph.row(start) {
            let nd = c - v[k];
            if nd >= best_d {
                continue;
            }
            if rider_job[k] == NONE {
                best_d = nd;
                best_col = k;
                pred[k] = start;
                pred_cost[k] = c;
            } else if seen[k] != epoch || nd < dist[k] {
                seen[k] = epoch;
                dist[k] = nd;
                pred[k] = start;
                pred_cost[k] = c;
                heap.push(Reverse((nd, k)));
            }
        }

        while let Some(&Reverse((d, k))) = heap.peek() {
            if d >= best_d {
                break;
            }
            heap.pop();
            if done[k] == epoch || d != dist[k] {
                continue;
            }
            done[k] = epoch;
            ready.push(k);
            let i = rider_job[k];
            // Offset of job i on the tree: the matched edge has reduced cost 0.
            let h = d - job_cost[i] + v[k];
            let to_open = h + open;
            if to_open < best_d {
                best_d = to_open;
                best_col = OPEN;
                best_open_job = i;
            }
            for &(k2, c) in graph.row(i) {
                if done[k2] == epoch {
                    continue;
                }
                let nd = h + c - v[k2];
                if nd >= best_d {
                    continue;
                }
                if rider_job[k2] == NONE {
                    best_d = nd;
                    best_col = k2;
                    pred[k2] = i;
                    pred_cost[k2] = c;
                } else if seen[k2] != epoch || nd < dist[k2] {
                    seen[k2] = epoch;
                    dist[k2] = nd;
                    pred[k2] = i;
                    pred_cost[k2] = c;
                    heap.push(Reverse((nd, k2)));
                }
            }
        }

        // Keep reduced costs non-negative and matched edges tight.
        for &k in &ready {
            v[k] += dist[k] - best_d;
        }

        // Augment back from the sink to the start job.
        let (mut i, mut col, mut cost) = if best_col == OPEN {
            (best_open_job, OPEN, open)
        } else {
            (pred[best_col], best_col, pred_cost[best_col])
        };
        loop {
            let prev = job_rider[i];
            job_rider[i] = col;
            job_cost[i] = cost;
            if col != OPEN {
                rider_job[col] = i;
            }
            if i == start || prev >= m {
                break;
            }
            col = prev;
            cost = pred_cost[prev];
            i = pred[prev];
        }
    }

    finish(&job_rider, &job_cost, m, unassigned_cost)
}

/// Exactly optimal assignment on a dense cost matrix, by the classic
/// `O(n² m)` Hungarian method (shortest augmenting paths with potentials).
///
/// Rows are jobs and columns riders; `cost[job][rider]`. Rows may differ in
/// length (missing entries are not allowed pairings). A job may stay open at
/// `unassigned_cost`, and entries `>= unassigned_cost` are never used, as in
/// [`solve`]. Meant as a reference for tests and benchmarks.
pub fn hungarian_dense(cost: &[Vec<i64>], unassigned_cost: i64) -> Assignment {
    let n = cost.len();
    let m = cost.iter().map(Vec::len).max().unwrap_or(0);
    let mut min_cost = i64::MAX;
    let mut max_cost = i64::MIN;
    for &c in cost.iter().flatten() {
        if c < unassigned_cost {
            min_cost = min_cost.min(c);
            max_cost = max_cost.max(c);
        }
    }
    let open = capped_open_cost(n, min_cost, max_cost, unassigned_cost);
    // Columns 1..=m are riders, m+1..=m+n are "stay open" slots (any job may
    // take any of them at `open`); column 0 is the search root. Rows are
    // 1-based likewise, row 0 meaning "none".
    let cols = m + n;
    let entry = |i: usize, j: usize| -> i64 {
        if j <= m {
            match cost[i - 1].get(j - 1) {
                Some(&c) if c < open => c,
                _ => open,
            }
        } else {
            open
        }
    };
    const INF: i64 = i64::MAX / 4;
    let mut u = vec![0i64; n + 1];
    let mut v = vec![0i64; cols + 1];
    let mut p = vec![0usize; cols + 1];
    let mut way = vec![0usize; cols + 1];
    let mut minv = vec![INF; cols + 1];
    let mut used = vec![false; cols + 1];
    for i in 1..=n {
        p[0] = i;
        let mut j0 = 0usize;
        minv.fill(INF);
        used.fill(false);
        loop {
            used[j0] = true;
            let i0 = p[j0];
            let mut delta = INF;
            let mut j1 = 0usize;
            for j in 1..=cols {
                if used[j] {
                    continue;
                }
                let cur = entry(i0, j) - u[i0] - v[j];
                if cur < minv[j] {
                    minv[j] = cur;
                    way[j] = j0;
                }
                if minv[j] < delta {
                    delta = minv[j];
                    j1 = j;
                }
            }
            for j in 0..=cols {
                if used[j] {
                    u[p[j]] += delta;
                    v[j] -= delta;
                } else {
                    minv[j] -= delta;
                }
            }
            j0 = j1;
            if p[j0] == 0 {
                break;
            }
        }
        loop {
            let j1 = way[j0];
            p[j0] = p[j1];
            j0 = j1;
            if j0 == 0 {
                break;
            }
        }
    }

    let mut job_rider = vec![NONE; n];
    let mut job_cost = vec![open; n];
    for (j, &i) in p.iter().enumerate().take(m + 1).skip(1) {
        if i != 0 {
            let c = entry(i, j);
            // A rider at exactly the open cost is the same as staying open.
            if c < open {
                job_rider[i - 1] = j - 1;
                job_cost[i - 1] = c;
            }
        }
    }
    finish(&job_rider, &job_cost, m, unassigned_cost)
}

/// The "nearest rider first" baseline: repeatedly takes the globally
/// cheapest remaining edge whose job and rider are both free.
///
/// Filters edges like [`solve`]; ties go to the lower job, then rider index.
pub fn greedy(jobs: usize, riders: usize, edges: &[Candidate], unassigned_cost: i64) -> Assignment {
    let mut sorted: Vec<(i64, usize, usize)> = edges
        .iter()
        .filter(|e| e.job < jobs && e.rider < riders && e.cost < unassigned_cost)
        .map(|e| (e.cost, e.job, e.rider))
        .collect();
    sorted.sort_unstable();
    let mut job_rider = vec![NONE; jobs];
    let mut job_cost = vec![0i64; jobs];
    let mut rider_taken = vec![false; riders];
    for (c, j, r) in sorted {
        if job_rider[j] == NONE && !rider_taken[r] {
            job_rider[j] = r;
            job_cost[j] = c;
            rider_taken[r] = true;
        }
    }
    finish(&job_rider, &job_cost, riders, unassigned_cost)
}

/// The candidate graph in compressed rows: for each job its distinct riders
/// with their cheapest cost, all below the unassigned cost.
struct Graph {
    start: Vec<usize>,
    adj: Vec<(usize, i64)>,
    min_cost: i64,
    max_cost: i64,
}

impl Graph {
    fn build(jobs: usize, riders: usize, edges: &[Candidate], unassigned_cost: i64) -> Graph {
        let keep = |e: &&Candidate| e.job < jobs && e.rider < riders && e.cost < unassigned_cost;
        let mut start = vec![0usize; jobs + 1];
        for e in edges.iter().filter(keep) {
            start[e.job + 1] += 1;
        }
        for j in 0..jobs {
            start[j + 1] += start[j];
        }
        let mut fill = start.clone();
        let mut adj = vec![(0usize, 0i64); start[jobs]];
        for e in edges.iter().filter(keep) {
            adj[fill[e.job]] = (e.rider, e.cost);
            fill[e.job] += 1;
        }
        // Sort each row by (rider, cost) and keep the first of each rider,
        // compacting in place.
        let mut min_cost = i64::MAX;
        let mut max_cost = i64::MIN;
        let mut write = 0usize;
        for j in 0..jobs {
            let (lo, hi) = (start[j], start[j + 1]);
            adj[lo..hi].sort_unstable();
            start[j] = write;
            let mut last = NONE;
            for idx in lo..hi {
                let (r, c) = adj[idx];
                if r != last {
                    adj[write] = (r, c);
                    write += 1;
                    last = r;
                    min_cost = min_cost.min(c);
                    max_cost = max_cost.max(c);
                }
            }
        }
        start[jobs] = write;
        adj.truncate(write);
        Graph {
            start,
            adj,
            min_cost,
            max_cost,
        }
    }

    fn row(&self, job: usize) -> &[(usize, i64)] {
        &self.adj[self.start[job]..self.start[job + 1]]
    }
}

/// The open cost used internally: `unassigned_cost`, or a smaller value with
/// the same optimal assignments when it is so large that it only means
/// "assign as many jobs as possible" (keeps the arithmetic within `i64`).
fn capped_open_cost(jobs: usize, min_cost: i64, max_cost: i64, unassigned_cost: i64) -> i64 {
    if min_cost > max_cost {
        // No usable edge.
        return unassigned_cost;
    }
    let spread = i128::from(max_cost) - i128::from(min_cost);
    // Above max + jobs × spread, one more assigned job always outweighs any
    // difference in the edges' costs.
    let cap = i128::from(max_cost) + (jobs as i128) * spread + 1;
    let capped = i128::from(unassigned_cost).min(cap);
    i64::try_from(capped).unwrap_or(unassigned_cost)
}

/// Builds the [`Assignment`] from per-job matches (riders `< riders`, anything
/// else meaning open), costing open jobs at the caller's `unassigned_cost`.
fn finish(
    job_rider: &[usize],
    job_cost: &[i64],
    riders: usize,
    unassigned_cost: i64,
) -> Assignment {
    let mut pairs = Vec::new();
    let mut total: i128 = 0;
    for (j, (&r, &c)) in job_rider.iter().zip(job_cost).enumerate() {
        if r < riders {
            pairs.push((j, r));
            total += i128::from(c);
        } else {
            total += i128::from(unassigned_cost);
        }
    }
    let total_cost = i64::try_from(total).unwrap_or(if total < 0 { i64::MIN } else { i64::MAX });
    Assignment { pairs, total_cost }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    /// splitmix64: a tiny deterministic PRNG.
    struct Rng(u64);

    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = self.0;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^ (z >> 31)
        }
        fn below(&mut self, n: u64) -> u64 {
            self.next() % n
        }
        fn range(&mut self, lo: i64, hi: i64) -> i64 {
            lo + self.below((hi - lo + 1) as u64) as i64
        }
    }

    fn e(job: usize, rider: usize, cost: i64) -> Candidate {
        Candidate { job, rider, cost }
    }

    /// Checks the assignment is a matching on the (deduplicated, filtered)
    /// edges and that `total_cost` adds up; returns the total.
    fn check(a: &Assignment, jobs: usize, riders: usize, edges: &[Candidate], open: i64) -> i64 {
        let mut best: HashMap<(usize, usize), i64> = HashMap::new();
        for x in edges {
            if x.job < jobs && x.rider < riders && x.cost < open {
                let c = best.entry((x.job, x.rider)).or_insert(x.cost);
                *c = (*c).min(x.cost);
            }
        }
        let mut rider_used = vec![false; riders];
        let mut last_job = None;
        let mut total = 0i64;
        for &(j, r) in &a.pairs {
            assert!(
                last_job.is_none_or(|l| l < j),
                "pairs not sorted by job: {:?}",
                a.pairs
            );
            last_job = Some(j);
            assert!(!rider_used[r], "rider {r} used twice");
            rider_used[r] = true;
            total += best[&(j, r)];
        }
        total += open * (jobs - a.pairs.len()) as i64;
        assert_eq!(total, a.total_cost, "total_cost does not add up");
        total
    }

    /// Brute force over all partial injective maps jobs -> riders.
    fn brute(jobs: usize, riders: usize, edges: &[Candidate], open: i64) -> i64 {
        let mut c = vec![vec![None::<i64>; riders]; jobs];
        for x in edges {
            if x.job < jobs && x.rider < riders && x.cost < open {
                let slot = &mut c[x.job][x.rider];
                *slot = Some(slot.map_or(x.cost, |s: i64| s.min(x.cost)));
            }
        }
        fn rec(j: usize, c: &[Vec<Option<i64>>], used: &mut [bool], open: i64) -> i64 {
            if j == c.len() {
                return 0;
            }
            let mut best = open + rec(j + 1, c, used, open);
            for r in 0..used.len() {
                if let (false, Some(x)) = (used[r], c[j][r]) {
                    used[r] = true;
                    best = best.min(x + rec(j + 1, c, used, open));
                    used[r] = false;
                }
            }
            best
        }
        rec(0, &c, &mut vec![false; riders], open)
    }

    fn dense_of(jobs: usize, riders: usize, edges: &[Candidate]) -> Vec<Vec<i64>> {
        let mut m = vec![vec![i64::MAX; riders]; jobs];
        for x in edges {
            if x.job < jobs && x.rider < riders {
                m[x.job][x.rider] = m[x.job][x.rider].min(x.cost);
            }
        }
        m
    }

    fn complete(rng: &mut Rng, jobs: usize, riders: usize, lo: i64, hi: i64) -> Vec<Candidate> {
        let mut edges = Vec::new();
        for j in 0..jobs {
            for r in 0..riders {
                edges.push(e(j, r, rng.range(lo, hi)));
            }
        }
        edges
    }

    fn sparse(
        rng: &mut Rng,
        jobs: usize,
        riders: usize,
        per_job: usize,
        lo: i64,
        hi: i64,
    ) -> Vec<Candidate> {
        let mut edges = Vec::new();
        if riders == 0 {
            return edges;
        }
        for j in 0..jobs {
            for _ in 0..per_job {
                let r = rng.below(riders as u64) as usize;
                edges.push(e(j, r, rng.range(lo, hi)));
            }
        }
        edges
    }

    #[test]
    fn greedy_trap_two_by_two() {
        // Greedy takes A-r0 (1) and is left with B-r1 (100).
        let edges = [e(0, 0, 1), e(0, 1, 2), e(1, 0, 2), e(1, 1, 100)];
        let g = greedy(2, 2, &edges, 1000);
        assert_eq!(g.pairs, vec![(0, 0), (1, 1)]);
        assert_eq!(g.total_cost, 101);
        let s = solve(2, 2, &edges, 1000);
        assert_eq!(s.pairs, vec![(0, 1), (1, 0)]);
        assert_eq!(s.total_cost, 4);
        assert_eq!(hungarian_dense(&dense_of(2, 2, &edges), 1000), s);
    }

    #[test]
    fn greedy_leaves_a_job_open_needlessly() {
        // Job 1 can only use rider 0; greedy gives rider 0 to job 0.
        let edges = [e(0, 0, 1), e(0, 1, 3), e(1, 0, 2)];
        let g = greedy(2, 2, &edges, 50);
        assert_eq!(g.pairs, vec![(0, 0)]);
        assert_eq!(g.total_cost, 51);
        let s = solve(2, 2, &edges, 50);
        assert_eq!(s.pairs, vec![(0, 1), (1, 0)]);
        assert_eq!(s.total_cost, 5);
    }

    #[test]
    fn long_augmenting_chain() {
        // Jobs 0..n each take rider j (cost 1; rider j+1 would cost 3). The
        // last job only fits rider 0: the whole chain must shift by one.
        let n = 50;
        let mut edges = Vec::new();
        for j in 0..n {
            edges.push(e(j, j, 1));
            edges.push(e(j, j + 1, 3));
        }
        edges.push(e(n, 0, 1));
        let s = solve(n + 1, n + 1, &edges, 1000);
        assert_eq!(s.pairs.len(), n + 1);
        assert_eq!(s.total_cost, 1 + 3 * n as i64);
        check(&s, n + 1, n + 1, &edges, 1000);
        // When shifting costs more than leaving the last job open, it stays open.
        let s = solve(n + 1, n + 1, &edges, 50);
        assert_eq!(s.total_cost, n as i64 + 50);
        assert_eq!(
            greedy(n + 1, n + 1, &edges, 1000).total_cost,
            n as i64 + 1000
        );
    }

    #[test]
    fn job_freed_to_open_when_cheaper_overall() {
        // Job 0 takes rider 0 first; job 1 values it far more, job 0 goes open.
        let edges = [e(0, 0, 90), e(1, 0, 10)];
        let s = solve(2, 1, &edges, 100);
        assert_eq!(s.pairs, vec![(1, 0)]);
        assert_eq!(s.total_cost, 110);
    }

    #[test]
    fn edges_at_or_above_open_cost_are_ignored() {
        let edges = [e(0, 0, 10), e(1, 1, 11), e(2, 2, 9)];
        let s = solve(3, 3, &edges, 10);
        assert_eq!(s.pairs, vec![(2, 2)]);
        assert_eq!(s.total_cost, 29);
        assert_eq!(greedy(3, 3, &edges, 10), s);
        assert_eq!(hungarian_dense(&dense_of(3, 3, &edges), 10), s);
    }

    #[test]
    fn out_of_range_and_duplicates() {
        let edges = [
            e(0, 5, 1),
            e(7, 0, 1),
            e(0, 0, 8),
            e(0, 0, 3),
            e(0, 0, 6),
            e(1, 0, 4),
            e(1, 1, 9),
        ];
        let s = solve(2, 2, &edges, 100);
        assert_eq!(s.pairs, vec![(0, 0), (1, 1)]);
        assert_eq!(s.total_cost, 12);
        check(&s, 2, 2, &edges, 100);
        let g = greedy(2, 2, &edges, 100);
        assert_eq!(g.total_cost, 12);
    }

    #[test]
    fn empty_sides() {
        assert_eq!(solve(0, 0, &[], 5), Assignment::default());
        assert_eq!(solve(0, 3, &[e(0, 0, 1)], 5), Assignment::default());
        let a = solve(3, 0, &[e(0, 0, 1)], 5);
        assert!(a.pairs.is_empty());
        assert_eq!(a.total_cost, 15);
        assert_eq!(hungarian_dense(&[], 5), Assignment::default());
        assert_eq!(hungarian_dense(&[vec![], vec![]], 5).total_cost, 10);
        assert_eq!(greedy(3, 0, &[], 5).total_cost, 15);
    }

    #[test]
    fn negative_costs_and_huge_open_cost() {
        let edges = [e(0, 0, -5), e(0, 1, -7), e(1, 1, -6), e(2, 0, 3)];
        let s = solve(3, 2, &edges, 0);
        assert_eq!(s.total_cost, brute(3, 2, &edges, 0));
        check(&s, 3, 2, &edges, 0);
        // A huge open cost means "assign as many as possible", and must not
        // overflow inside the search.
        let open = i64::MAX / 2;
        let s = solve(3, 2, &edges, open);
        assert_eq!(s.pairs.len(), 2);
        assert_eq!(s.total_cost, -5 - 6 + open);
        let h = hungarian_dense(&dense_of(3, 2, &edges), open);
        assert_eq!(h.total_cost, s.total_cost);
        // Saturating total.
        assert_eq!(solve(3, 0, &[], i64::MAX).total_cost, i64::MAX);
    }

    #[test]
    fn random_small_against_brute_force() {
        let mut rng = Rng(0x5EED);
        for case in 0..3000 {
            let jobs = rng.below(7) as usize;
            let riders = rng.below(8) as usize;
            // Narrow cost ranges make many ties.
            let hi = [3, 10, 100][case % 3];
            let open = rng.range(1, hi + 2);
            let edges = if case % 2 == 0 {
                complete(&mut rng, jobs, riders, 0, hi)
            } else {
                let per = rng.below(5) as usize;
                let mut ed = sparse(&mut rng, jobs, riders, per, -2, hi);
                // Out-of-range noise.
                ed.push(e(jobs, 0, 0));
                ed.push(e(0, riders, 0));
                ed
            };
            let want = brute(jobs, riders, &edges, open);
            let s = solve(jobs, riders, &edges, open);
            assert_eq!(
                check(&s, jobs, riders, &edges, open),
                want,
                "case {case}: solve {edges:?} open {open}"
            );
            let h = hungarian_dense(&dense_of(jobs, riders, &edges), open);
            assert_eq!(
                check(&h, jobs, riders, &edges, open),
                want,
                "case {case}: dense"
            );
            let g = greedy(jobs, riders, &edges, open);
            assert!(check(&g, jobs, riders, &edges, open) >= want);
        }
    }

    #[test]
    fn random_larger_against_dense_hungarian() {
        let mut rng = Rng(42);
        let shapes = [(40, 60), (60, 40), (40, 40), (1, 50), (50, 1), (80, 120)];
        for case in 0..60 {
            let (jobs, riders) = shapes[case % shapes.len()];
            let hi = [5, 50, 1000][case % 3];
            // From "everyone may be assigned" to "many jobs stay open".
            let open = [hi + 1, hi / 2 + 1, hi / 5 + 1, 3 * hi][(case / 3) % 4];
            let mut edges = if case % 2 == 0 {
                complete(&mut rng, jobs, riders, 0, hi)
            } else {
                sparse(&mut rng, jobs, riders, 8, 0, hi)
            };
            // Duplicates, some cheaper than the original.
            let dups: Vec<Candidate> = edges
                .iter()
                .step_by(7)
                .map(|x| e(x.job, x.rider, x.cost + rng.range(-3, 3)))
                .collect();
            edges.extend(dups);
            let h = hungarian_dense(&dense_of(jobs, riders, &edges), open);
            let want = check(&h, jobs, riders, &edges, open);
            let s = solve(jobs, riders, &edges, open);
            assert_eq!(
                check(&s, jobs, riders, &edges, open),
                want,
                "case {case} {jobs}x{riders} open {open}"
            );
            let g = greedy(jobs, riders, &edges, open);
            assert!(check(&g, jobs, riders, &edges, open) >= want);
        }
    }

    #[test]
    fn order_of_edges_does_not_matter() {
        let mut rng = Rng(7);
        let mut edges = sparse(&mut rng, 30, 30, 5, 0, 20);
        let a = solve(30, 30, &edges, 15).total_cost;
        edges.reverse();
        assert_eq!(solve(30, 30, &edges, 15).total_cost, a);
    }

    #[test]
    fn geometric_instances_against_dense_hungarian() {
        // Riders and jobs on a plane, k nearest riders per job, costs of
        // distance plus a load penalty: the structure of a dispatch round.
        let mut rng = Rng(99);
        for case in 0..6 {
            let (jobs, riders, k) = [(150, 450, 10), (200, 200, 5), (300, 150, 8)][case % 3];
            let pos = |rng: &mut Rng| (rng.range(0, 10_000), rng.range(0, 10_000));
            let job_at: Vec<(i64, i64)> = (0..jobs).map(|_| pos(&mut rng)).collect();
            let rider_at: Vec<(i64, i64)> = (0..riders).map(|_| pos(&mut rng)).collect();
            let load: Vec<i64> = (0..riders).map(|_| rng.range(0, 2)).collect();
            let mut edges = Vec::new();
            for (j, a) in job_at.iter().enumerate() {
                let mut near: Vec<(i64, usize)> = rider_at
                    .iter()
                    .enumerate()
                    .map(|(r, b)| ((a.0 - b.0).abs() + (a.1 - b.1).abs(), r))
                    .collect();
                near.sort_unstable();
                for &(d, r) in near.iter().take(k) {
                    edges.push(e(j, r, d / 5 + 300 * load[r]));
                }
            }
            let open = [3600, 900][case / 3];
            let h = hungarian_dense(&dense_of(jobs, riders, &edges), open);
            let want = check(&h, jobs, riders, &edges, open);
            let s = solve(jobs, riders, &edges, open);
            assert_eq!(check(&s, jobs, riders, &edges, open), want, "case {case}");
            let g = greedy(jobs, riders, &edges, open);
            assert!(check(&g, jobs, riders, &edges, open) >= want);
        }
    }
}
