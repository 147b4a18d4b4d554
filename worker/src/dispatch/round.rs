//! The dispatch round: every few seconds, per platform in `auto` or
//! `hybrid` mode, expire unanswered offers, take riders with an expired
//! health certificate off duty, raise alerts for jobs nobody took, and
//! offer the open jobs to riders by an exact minimum-cost matching over a
//! sparse candidate graph (each job's k nearest riders and each rider's k
//! nearest jobs).

use std::collections::{HashMap, HashSet};
use std::future::Future;
use std::pin::Pin;

use chrono::{DateTime, Duration, Utc};
use entity::delivery_end::riders;
use entity::delivery_job::DeliveryJobStatus;
use entity::dispatch_offer::OfferStatus;
use entity::rider::RiderStatus;
use entity::to_door_line::city::dispatch;
use entity::to_door_line::city::jobs::{ROAD_FACTOR, speed_mps};
use entity::{delivery_job, dispatch_offer, platform, rider};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, DbErr, EntityTrait, QueryFilter};

use super::matching::{self, Candidate};
use super::spatial::{GridIndex, haversine_m};
use crate::jobs::{JobContext, PeriodicHandler, PeriodicJob};

/// Candidates per job and per rider.
pub const K: usize = 20;
/// Riders farther than this from a pickup are not considered, metres.
pub const MAX_PICKUP_M: f64 = 6_000.0;
/// Cost of leaving a job for the next round, seconds.
pub const UNASSIGNED_COST: i64 = 3_600;
/// Load penalty per job a rider already carries, seconds.
pub const LOAD_PENALTY_SECS: f64 = 300.0;
/// Load penalty when the carried job is from the same store and goes the
/// same way (stacking), seconds.
pub const STACK_PENALTY_SECS: f64 = 60.0;
/// Two drops "go the same way" within this bearing difference, degrees.
pub const STACK_BEARING_DEG: f64 = 45.0;
/// Positions older than this do not count, minutes.
pub const POSITION_MAX_AGE_MIN: i64 = 15;

/// A job as the round sees it.
#[derive(Debug, Clone)]
pub struct OpenJob {
    /// Job id.
    pub id: i64,
    /// Store.
    pub store_id: i64,
    /// Pickup point.
    pub pickup: (f64, f64),
    /// Drop point.
    pub drop: (f64, f64),
    /// When the food is ready.
    pub ready_by: DateTime<Utc>,
}

/// A job a rider carries and has not picked up: its store and drop point.
pub type Carried = (i64, (f64, f64));

/// A rider as the round sees it.
#[derive(Debug, Clone)]
pub struct FreeRider {
    /// Rider id.
    pub id: i64,
    /// Position.
    pub at: (f64, f64),
    /// Metres per second.
    pub speed: f64,
    /// Jobs carried.
    pub load: i32,
    /// Jobs assigned and not yet picked up: (store, drop point).
    pub carrying: Vec<Carried>,
}

/// Initial bearing from `a` to `b`, degrees.
fn bearing(a: (f64, f64), b: (f64, f64)) -> f64 {
    let (p1, p2) = (a.0.to_radians(), b.0.to_radians());
    let dl = (b.1 - a.1).to_radians();
    let y = dl.sin() * p2.cos();
    let x = p1.cos() * p2.sin() - p1.sin() * p2.cos() * dl.cos();
    y.atan2(x).to_degrees()
}

fn bearing_gap(a: f64, b: f64) -> f64 {
    let d = (a - b).abs() % 360.0;
    d.min(360.0 - d)
}

/// The cost of giving `job` to `rider`, in seconds: travel to the pickup,
/// a penalty per job already carried (smaller when stacking a job from the
/// same store going the same way), and lateness against the ready time
/// counted double.
pub fn cost(job: &OpenJob, r: &FreeRider, now: DateTime<Utc>) -> i64 {
    let travel = haversine_m(r.at, job.pickup) * ROAD_FACTOR / r.speed.max(0.5);
    let way = bearing(job.pickup, job.drop);
    let mut load = 0.0;
    for (store, drop) in &r.carrying {
        let stacks = *store == job.store_id
            && bearing_gap(bearing(job.pickup, *drop), way) <= STACK_BEARING_DEG;
        load += if stacks {
            STACK_PENALTY_SECS
        } else {
            LOAD_PENALTY_SECS
        };
    }
    // Jobs carried but already picked up weigh the full penalty.
    let picked = (r.load as usize).saturating_sub(r.carrying.len());
    load += LOAD_PENALTY_SECS * picked as f64;
    let arrival = now + Duration::seconds(travel.round() as i64);
    let late = (arrival - job.ready_by).num_seconds().max(0) as f64;
    (travel + load + 2.0 * late).round() as i64
}

/// The candidate graph: each job's `k` nearest riders and each rider's `k`
/// nearest jobs within [`MAX_PICKUP_M`], minus the excluded pairs.
pub fn candidates(
    jobs: &[OpenJob],
    riders: &[FreeRider],
    excluded: &HashSet<(i64, i64)>,
    k: usize,
    now: DateTime<Utc>,
) -> Vec<Candidate> {
    let rider_index = GridIndex::new(&riders.iter().map(|r| r.at).collect::<Vec<_>>(), 400.0);
    let job_index = GridIndex::new(&jobs.iter().map(|j| j.pickup).collect::<Vec<_>>(), 400.0);
    let mut pairs = HashSet::new();
    for (j, job) in jobs.iter().enumerate() {
        for (r, _) in rider_index.nearest(job.pickup, k, MAX_PICKUP_M) {
            pairs.insert((j, r));
        }
    }
    for (r, rider) in riders.iter().enumerate() {
        for (j, _) in job_index.nearest(rider.at, k, MAX_PICKUP_M) {
            pairs.insert((j, r));
        }
    }
    let mut out: Vec<Candidate> = pairs
        .into_iter()
        .filter(|&(j, r)| !excluded.contains(&(jobs[j].id, riders[r].id)))
        .map(|(j, r)| Candidate {
            job: j,
            rider: r,
            cost: cost(&jobs[j], &riders[r], now),
        })
        .collect();
    out.sort_by_key(|c| (c.job, c.rider));
    out
}

/// What one round did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RoundReport {
    /// Offers that expired unanswered.
    pub expired: usize,
    /// Riders taken off duty for an expired health certificate.
    pub off_duty: u64,
    /// Jobs newly flagged for the operator.
    pub alerts: u64,
    /// Offers made.
    pub offered: usize,
}

/// Runs one round on every platform at `now`.
pub async fn run_round(ctx: &JobContext, now: DateTime<Utc>) -> Result<RoundReport, DbErr> {
    let db = &ctx.db;
    let mut report = RoundReport::default();
    let err = |e: entity::error::DomainError| DbErr::Custom(e.to_string());
    let txn = entity::tx::begin_write(db).await?;
    report.expired = dispatch::expire_offers(&txn, now).await.map_err(err)?;
    txn.commit().await?;
    for p in platform::Entity::find().all(db).await? {
        let today = (now + Duration::minutes(i64::from(p.utc_offset_minutes))).date_naive();
        let txn = entity::tx::begin_write(db).await?;
        report.off_duty += riders::expire_certificates(&txn, today, now)
            .await
            .map_err(err)?;
        let alert_before = now - Duration::seconds(i64::from(p.unassigned_alert_secs));
        let alerted = delivery_job::Entity::update_many()
            .col_expr(delivery_job::Column::AlertedAt, Expr::value(Some(now)))
            .filter(delivery_job::Column::PlatformId.eq(p.id))
            .filter(
                delivery_job::Column::Status
                    .is_in([DeliveryJobStatus::Open, DeliveryJobStatus::Offered]),
            )
            .filter(delivery_job::Column::CreatedAt.lte(alert_before))
            .filter(delivery_job::Column::AlertedAt.is_null())
            .exec(&txn)
            .await?;
        if alerted.rows_affected > 0 {
            tracing::warn!(
                platform = p.id,
                jobs = alerted.rows_affected,
                "jobs without a rider: operator alerted"
            );
        }
        report.alerts += alerted.rows_affected;
        txn.commit().await?;
        if p.dispatch_mode != "grab" {
            report.offered += offer_round(ctx, &p, now).await?;
        }
    }
    Ok(report)
}

async fn offer_round(
    ctx: &JobContext,
    p: &platform::Model,
    now: DateTime<Utc>,
) -> Result<usize, DbErr> {
    let db = &ctx.db;
    let mut jobs_q = delivery_job::Entity::find()
        .filter(delivery_job::Column::PlatformId.eq(p.id))
        .filter(delivery_job::Column::Status.eq(DeliveryJobStatus::Open));
    if p.dispatch_mode == "hybrid" {
        let pooled_until = now - Duration::seconds(i64::from(p.hybrid_wait_secs));
        jobs_q = jobs_q.filter(delivery_job::Column::CreatedAt.lte(pooled_until));
    }
    let open = jobs_q.all(db).await?;
    if open.is_empty() {
        return Ok(0);
    }
    let fresh_after = now - Duration::minutes(POSITION_MAX_AGE_MIN);
    let busy: HashSet<i64> = dispatch_offer::Entity::find()
        .filter(dispatch_offer::Column::PlatformId.eq(p.id))
        .filter(dispatch_offer::Column::Status.eq(OfferStatus::Pending))
        .all(db)
        .await?
        .into_iter()
        .map(|o| o.rider_id)
        .collect();
    let free: Vec<rider::Model> = rider::Entity::find()
        .filter(rider::Column::PlatformId.eq(p.id))
        .filter(rider::Column::Status.eq(RiderStatus::Verified))
        .filter(rider::Column::OnDuty.eq(true))
        .filter(rider::Column::ActiveJobs.lt(p.rider_max_jobs))
        .filter(rider::Column::LocatedAt.gte(fresh_after))
        .all(db)
        .await?
        .into_iter()
        .filter(|r| !busy.contains(&r.id))
        .collect();
    if free.is_empty() {
        return Ok(0);
    }
    let mut carrying: HashMap<i64, Vec<Carried>> = HashMap::new();
    for j in delivery_job::Entity::find()
        .filter(delivery_job::Column::RiderId.is_in(free.iter().map(|r| r.id)))
        .filter(delivery_job::Column::Status.eq(DeliveryJobStatus::Assigned))
        .all(db)
        .await?
    {
        if let Some(r) = j.rider_id {
            carrying
                .entry(r)
                .or_default()
                .push((j.store_id, (j.drop_lat, j.drop_lng)));
        }
    }
    let excluded: HashSet<(i64, i64)> = dispatch_offer::Entity::find()
        .filter(dispatch_offer::Column::JobId.is_in(open.iter().map(|j| j.id)))
        .all(db)
        .await?
        .into_iter()
        .map(|o| (o.job_id, o.rider_id))
        .collect();
    let jobs: Vec<OpenJob> = open
        .iter()
        .map(|j| OpenJob {
            id: j.id,
            store_id: j.store_id,
            pickup: (j.pickup_lat, j.pickup_lng),
            drop: (j.drop_lat, j.drop_lng),
            ready_by: j.ready_by,
        })
        .collect();
    let riders: Vec<FreeRider> = free
        .iter()
        .filter_map(|r| {
            Some(FreeRider {
                id: r.id,
                at: (r.lat?, r.lng?),
                speed: speed_mps(&r.vehicle),
                load: r.active_jobs,
                carrying: carrying.remove(&r.id).unwrap_or_default(),
            })
        })
        .collect();
    let edges = candidates(&jobs, &riders, &excluded, K, now);
    let plan = matching::solve(jobs.len(), riders.len(), &edges, UNASSIGNED_COST);
    let cost_of: HashMap<(usize, usize), i64> =
        edges.iter().map(|c| ((c.job, c.rider), c.cost)).collect();
    let expires = now + Duration::seconds(i64::from(p.offer_timeout_secs.max(5)));
    let txn = entity::tx::begin_write(db).await?;
    let mut offered = 0;
    for (j, r) in plan.pairs {
        let made = dispatch::make_offer(
            &txn,
            p.id,
            jobs[j].id,
            riders[r].id,
            cost_of.get(&(j, r)).copied().unwrap_or(0),
            expires,
            now,
        )
        .await
        .map_err(|e| DbErr::Custom(e.to_string()))?;
        offered += usize::from(made);
    }
    txn.commit().await?;
    Ok(offered)
}

/// The dispatch round as a periodic job.
#[derive(Debug, Clone, Copy)]
pub struct DispatchRound;

impl PeriodicHandler for DispatchRound {
    fn run<'a>(
        &'a self,
        ctx: &'a JobContext,
    ) -> Pin<Box<dyn Future<Output = Result<String, DbErr>> + Send + 'a>> {
        Box::pin(async move {
            let r = run_round(ctx, ctx.clock.now()).await?;
            Ok(format!(
                "dispatch: {} offers made, {} expired, {} alerts, {} off duty",
                r.offered, r.expired, r.alerts, r.off_duty
            ))
        })
    }
}

/// The dispatch round every `interval_secs`.
pub fn dispatch_job(interval_secs: i64) -> PeriodicJob {
    PeriodicJob::new(
        "dispatch-round",
        Duration::seconds(interval_secs.max(1)),
        DispatchRound,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn job(id: i64, store: i64, pickup: (f64, f64), drop: (f64, f64)) -> OpenJob {
        OpenJob {
            id,
            store_id: store,
            pickup,
            drop,
            ready_by: DateTime::<Utc>::UNIX_EPOCH,
        }
    }

    fn rider(id: i64, at: (f64, f64)) -> FreeRider {
        FreeRider {
            id,
            at,
            speed: 5.0,
            load: 0,
            carrying: Vec::new(),
        }
    }

    #[test]
    fn stacking_is_cheaper_than_another_load() {
        let now = DateTime::<Utc>::UNIX_EPOCH;
        let j = job(1, 7, (33.33, 105.61), (33.34, 105.61));
        let mut r = rider(1, (33.33, 105.61));
        assert_eq!(cost(&j, &r, now), 0);
        r.load = 1;
        r.carrying = vec![(7, (33.345, 105.612))];
        assert_eq!(cost(&j, &r, now), 60, "same store, same way");
        r.carrying = vec![(7, (33.32, 105.61))];
        assert_eq!(cost(&j, &r, now), 300, "same store, other way");
        r.carrying = vec![(8, (33.345, 105.612))];
        assert_eq!(cost(&j, &r, now), 300, "other store");
    }

    #[test]
    fn lateness_counts_double() {
        let now = DateTime::<Utc>::UNIX_EPOCH;
        // ~1,112 m away: 1,445 s at 5 m/s with the road factor; ready at once.
        let j = job(1, 7, (33.34, 105.61), (33.35, 105.61));
        let r = rider(1, (33.33, 105.61));
        let c = cost(&j, &r, now);
        let travel = haversine_m(r.at, j.pickup) * ROAD_FACTOR / 5.0;
        assert_eq!(c, (travel + 2.0 * travel.round()).round() as i64);
    }

    #[test]
    fn excluded_pairs_are_left_out() {
        let now = DateTime::<Utc>::UNIX_EPOCH;
        let jobs = [job(10, 1, (33.33, 105.61), (33.34, 105.61))];
        let riders = [rider(20, (33.331, 105.61)), rider(21, (33.332, 105.61))];
        let all = candidates(&jobs, &riders, &HashSet::new(), 5, now);
        assert_eq!(all.len(), 2);
        let some = candidates(&jobs, &riders, &HashSet::from([(10, 20)]), 5, now);
        assert_eq!(some.len(), 1);
        assert_eq!(some[0].rider, 1);
    }

    /// On small hand-made county cases the round's choice is the
    /// brute-force optimum of the same costs.
    #[test]
    fn round_choice_is_the_brute_force_optimum() {
        let now = DateTime::<Utc>::UNIX_EPOCH + Duration::minutes(5);
        let jobs = vec![
            job(1, 1, (33.330, 105.610), (33.34, 105.62)),
            job(2, 2, (33.335, 105.615), (33.32, 105.60)),
            job(3, 1, (33.330, 105.610), (33.34, 105.625)),
        ];
        let riders = vec![
            rider(1, (33.331, 105.611)),
            rider(2, (33.336, 105.616)),
            FreeRider {
                load: 1,
                carrying: vec![(1, (33.341, 105.621))],
                ..rider(3, (33.3305, 105.6105))
            },
            rider(4, (33.36, 105.64)),
        ];
        let edges = candidates(&jobs, &riders, &HashSet::new(), K, now);
        let got = matching::solve(jobs.len(), riders.len(), &edges, UNASSIGNED_COST);
        // Brute force over every injective assignment (or none) of 3 jobs.
        let mut best = i64::MAX;
        let c = |j: usize, r: usize| cost(&jobs[j], &riders[r], now);
        let options: Vec<Option<usize>> = std::iter::once(None).chain((0..4).map(Some)).collect();
        for a in &options {
            for b in &options {
                for d in &options {
                    let pick = [*a, *b, *d];
                    let used: Vec<usize> = pick.iter().flatten().copied().collect();
                    let mut dedup = used.clone();
                    dedup.sort();
                    dedup.dedup();
                    if dedup.len() != used.len() {
                        continue;
                    }
                    let total: i64 = pick
                        .iter()
                        .enumerate()
                        .map(|(j, r)| r.map_or(UNASSIGNED_COST, |r| c(j, r).min(UNASSIGNED_COST)))
                        .sum();
                    best = best.min(total);
                }
            }
        }
        assert_eq!(got.total_cost, best);
        assert_eq!(got.pairs.len(), 3);
    }
}
