//! City delivery jobs: created when the kitchen accepts a city order, then
//! grabbed, offered by automatic dispatch or assigned by an operator,
//! picked up inside the store's geofence, and delivered with the
//! resident's code.
//!
//! Every assignment is two guarded updates in the caller's transaction: the
//! rider's load (`active_jobs < max`) and the job's status (`open` or
//! `offered`), so of any number of simultaneous grabs exactly one wins.

use chrono::{DateTime, Duration, NaiveDate, Timelike, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set,
};
use serde::Serialize;

use crate::error::{DomainError, DomainResult};
use crate::geo::haversine_m;
use crate::order_state::{OrderEvent, OrderStatus};
use crate::ordering::{self, OrderActor};
use crate::{delivery_job, dispatch_offer, order, order_item, platform, rider, store};

/// Why a delivery step is refused; each has its own error code.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum DeliveryRefusal {
    /// The caller has a rider record already.
    #[error("you are registered already (status {0})")]
    AlreadyRegistered(String),
    /// Another rider registered with this ID number.
    #[error("this ID number is registered to another rider")]
    IdNumberTaken,
    /// The rider is not verified (yet).
    #[error("the rider is not verified")]
    RiderNotVerified,
    /// The health certificate has expired.
    #[error("the health certificate expired on {0}")]
    HealthCertExpired(NaiveDate),
    /// The rider is off duty.
    #[error("go on duty first")]
    NotOnDuty,
    /// Somebody else took the job first.
    #[error("another rider took this job")]
    JobTaken,
    /// The rider carries as many jobs as the platform allows.
    #[error("you carry {0} jobs already, the most allowed")]
    RiderAtCapacity(i32),
    /// The job is not in a state for this step.
    #[error("the job is {0}")]
    JobState(String),
    /// The platform dispatches automatically only.
    #[error("jobs are dispatched automatically on this platform")]
    GrabNotAllowed,
    /// Pickup away from the store.
    #[error("you are {distance_m} m from the store; pickup needs you within {radius_m} m")]
    OutsideGeofence {
        /// How far.
        distance_m: i64,
        /// The platform's radius.
        radius_m: i64,
    },
    /// The kitchen has not marked the order ready.
    #[error("the kitchen has not marked the order ready yet")]
    OrderNotReady,
    /// A wrong delivery code.
    #[error("wrong delivery code; {0} attempts left")]
    CodeWrong(i32),
    /// Too many wrong codes: an operator must look.
    #[error("the job is locked for operator review after 3 wrong codes")]
    JobLocked,
    /// The offer expired, was answered, or was never made.
    #[error("no open offer of this job to you")]
    NoOffer,
    /// Tracking exists only while the order is on its way.
    #[error("the order is not out for delivery")]
    NotTrackable,
}

impl From<DeliveryRefusal> for DomainError {
    fn from(r: DeliveryRefusal) -> Self {
        DomainError::Delivery(r)
    }
}

/// Wrong codes before a job locks.
pub const MAX_CODE_FAILURES: i32 = 3;
/// How far the grab pool reaches around a rider, metres.
pub const POOL_RADIUS_M: f64 = 6_000.0;
/// Road distance over great-circle distance in town.
pub const ROAD_FACTOR: f64 = 1.3;

/// Riding speed of a vehicle, metres per second.
pub fn speed_mps(vehicle: &str) -> f64 {
    match vehicle {
        "motorbike" => 8.0,
        "car_cooler" => 7.0,
        _ => 5.0,
    }
}

fn random_code() -> DomainResult<String> {
    let mut b = [0u8; 4];
    getrandom::fill(&mut b).map_err(|e| DomainError::invalid("code", e.to_string()))?;
    Ok(format!("{:04}", u32::from_le_bytes(b) % 10_000))
}

/// The coldest class among the order's items.
fn coldest<'a>(classes: impl IntoIterator<Item = &'a str>) -> &'static str {
    let mut out = "ambient";
    for c in classes {
        match c {
            "frozen" => return "frozen",
            "chilled" => out = "chilled",
            _ => {}
        }
    }
    out
}

/// Creates the delivery job of a city order the kitchen just accepted.
pub async fn create_job(
    db: &impl ConnectionTrait,
    o: &order::Model,
    now: DateTime<Utc>,
) -> DomainResult<delivery_job::Model> {
    let s = store::Entity::find_by_id(o.store_id)
        .one(db)
        .await?
        .ok_or(DomainError::NotFound("store"))?;
    let p = platform::Entity::find_by_id(o.platform_id)
        .one(db)
        .await?
        .ok_or(DomainError::NotFound("platform"))?;
    let addr: serde_json::Value = serde_json::from_str(&o.address_snapshot)
        .map_err(|e| DomainError::invalid("address", e.to_string()))?;
    let (Some(lat), Some(lng)) = (addr["lat"].as_f64(), addr["lng"].as_f64()) else {
        return Err(DomainError::invalid("address", "no location"));
    };
    let items = order_item::Entity::find()
        .filter(order_item::Column::OrderId.eq(o.id))
        .all(db)
        .await?;
    let cold = coldest(items.iter().map(|i| i.cold_chain.as_str()));
    let distance = haversine_m(s.lat, s.lng, lat, lng).round() as i64;
    let ready_by = now + Duration::minutes(i64::from(std::cmp::max(s.prep_minutes, 1)));
    let local_hour = (ready_by + Duration::minutes(i64::from(p.utc_offset_minutes))).hour();
    let night = !(6..22).contains(&local_hour);
    let (fee_rule_id, rules) = ordering::fee_rules(db, o.platform_id, now).await?;
    Ok(delivery_job::ActiveModel {
        platform_id: Set(o.platform_id),
        order_id: Set(o.id),
        store_id: Set(s.id),
        pickup_lat: Set(s.lat),
        pickup_lng: Set(s.lng),
        drop_lat: Set(lat),
        drop_lng: Set(lng),
        distance_m: Set(distance),
        ready_by: Set(ready_by),
        cold_chain: Set(cold.into()),
        rider_fee_fen: Set(rules.rider.fee(distance, cold, night)),
        fee_rule_id: Set(fee_rule_id),
        status: Set("open".into()),
        rider_id: Set(None),
        code: Set(random_code()?),
        code_failures: Set(0),
        assigned_at: Set(None),
        picked_up_at: Set(None),
        delivered_at: Set(None),
        alerted_at: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?)
}

/// The kitchen finished early: dispatch counts lateness from now, not from
/// the estimate.
pub async fn ready_now(
    db: &impl ConnectionTrait,
    order_id: i64,
    now: DateTime<Utc>,
) -> DomainResult<()> {
    delivery_job::Entity::update_many()
        .col_expr(delivery_job::Column::ReadyBy, Expr::value(now))
        .col_expr(delivery_job::Column::UpdatedAt, Expr::value(now))
        .filter(delivery_job::Column::OrderId.eq(order_id))
        .filter(delivery_job::Column::ReadyBy.gt(now))
        .exec(db)
        .await?;
    Ok(())
}

/// A job on the platform, or 404.
pub async fn job(
    db: &impl ConnectionTrait,
    platform_id: i64,
    job_id: i64,
) -> DomainResult<delivery_job::Model> {
    delivery_job::Entity::find_by_id(job_id)
        .one(db)
        .await?
        .filter(|j| j.platform_id == platform_id)
        .ok_or(DomainError::NotFound("job"))
}

/// A job of this rider, or 404 (another rider's job is not even shown).
pub async fn rider_job(
    db: &impl ConnectionTrait,
    r: &rider::Model,
    job_id: i64,
) -> DomainResult<delivery_job::Model> {
    delivery_job::Entity::find_by_id(job_id)
        .one(db)
        .await?
        .filter(|j| j.platform_id == r.platform_id && j.rider_id == Some(r.id))
        .ok_or(DomainError::NotFound("job"))
}

/// The platform of a rider.
pub async fn platform_of(db: &impl ConnectionTrait, id: i64) -> DomainResult<platform::Model> {
    platform::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(DomainError::NotFound("platform"))
}

/// A job in the grab pool, as a rider sees it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PoolJob {
    /// Job id.
    pub id: i64,
    /// Store id.
    pub store_id: i64,
    /// From the rider to the store, metres.
    pub to_pickup_m: i64,
    /// Store to door, metres.
    pub distance_m: i64,
    /// When the food should be ready.
    pub ready_by: DateTime<Utc>,
    /// Coldest class carried.
    pub cold_chain: String,
    /// What the rider earns.
    pub rider_fee_fen: i64,
    /// Pickup point.
    pub pickup_lat: f64,
    /// Pickup point.
    pub pickup_lng: f64,
}

/// Open jobs near an on-duty rider, nearest first.
pub async fn pool(db: &impl ConnectionTrait, r: &rider::Model) -> DomainResult<Vec<PoolJob>> {
    if !r.on_duty {
        return Err(DeliveryRefusal::NotOnDuty.into());
    }
    let p = platform_of(db, r.platform_id).await?;
    if p.dispatch_mode == "auto" {
        return Ok(Vec::new());
    }
    let (Some(lat), Some(lng)) = (r.lat, r.lng) else {
        return Ok(Vec::new());
    };
    let mut out: Vec<PoolJob> = delivery_job::Entity::find()
        .filter(delivery_job::Column::PlatformId.eq(r.platform_id))
        .filter(delivery_job::Column::Status.eq("open"))
        .all(db)
        .await?
        .into_iter()
        .filter_map(|j| {
            let d = haversine_m(lat, lng, j.pickup_lat, j.pickup_lng);
            (d <= POOL_RADIUS_M).then(|| PoolJob {
                id: j.id,
                store_id: j.store_id,
                to_pickup_m: d.round() as i64,
                distance_m: j.distance_m,
                ready_by: j.ready_by,
                cold_chain: j.cold_chain,
                rider_fee_fen: j.rider_fee_fen,
                pickup_lat: j.pickup_lat,
                pickup_lng: j.pickup_lng,
            })
        })
        .collect();
    out.sort_by_key(|j| (j.to_pickup_m, j.id));
    Ok(out)
}

/// Who assigns a job.
#[derive(Debug, Clone, Copy)]
pub enum AssignedBy {
    /// The rider grabbed it from the pool.
    Grab,
    /// The rider accepted an automatic offer.
    Offer,
    /// An operator assigned it.
    Operator(i64),
}

/// Gives `job_id` to the rider: the capacity and the job are taken by
/// guarded updates, then the order moves to `rider_assigned`.
pub async fn assign(
    db: &impl ConnectionTrait,
    r: &rider::Model,
    job_id: i64,
    by: AssignedBy,
    now: DateTime<Utc>,
) -> DomainResult<delivery_job::Model> {
    let p = platform_of(db, r.platform_id).await?;
    let j = job(db, r.platform_id, job_id).await?;
    if !matches!(by, AssignedBy::Operator(_)) && !r.on_duty {
        return Err(DeliveryRefusal::NotOnDuty.into());
    }
    let from: &[&str] = match by {
        AssignedBy::Grab => {
            if p.dispatch_mode == "auto" {
                return Err(DeliveryRefusal::GrabNotAllowed.into());
            }
            &["open"]
        }
        AssignedBy::Offer => &["offered"],
        AssignedBy::Operator(_) => &["open", "offered"],
    };
    let room = rider::Entity::update_many()
        .col_expr(
            rider::Column::ActiveJobs,
            Expr::col(rider::Column::ActiveJobs).add(1),
        )
        .filter(rider::Column::Id.eq(r.id))
        .filter(rider::Column::ActiveJobs.lt(p.rider_max_jobs))
        .exec(db)
        .await?;
    if room.rows_affected != 1 {
        return Err(DeliveryRefusal::RiderAtCapacity(p.rider_max_jobs).into());
    }
    let taken = delivery_job::Entity::update_many()
        .col_expr(delivery_job::Column::Status, Expr::value("assigned"))
        .col_expr(delivery_job::Column::RiderId, Expr::value(Some(r.id)))
        .col_expr(delivery_job::Column::AssignedAt, Expr::value(Some(now)))
        .col_expr(delivery_job::Column::UpdatedAt, Expr::value(now))
        .filter(delivery_job::Column::Id.eq(j.id))
        .filter(delivery_job::Column::Status.is_in(from.iter().copied()))
        .exec(db)
        .await?;
    if taken.rows_affected != 1 {
        return Err(match j.status.as_str() {
            "open" | "offered" | "assigned" | "picked_up" | "delivered" => {
                DeliveryRefusal::JobTaken
            }
            other => DeliveryRefusal::JobState(other.into()),
        }
        .into());
    }
    // Offers of the job still pending for others are void now.
    dispatch_offer::Entity::update_many()
        .col_expr(dispatch_offer::Column::Status, Expr::value("withdrawn"))
        .col_expr(dispatch_offer::Column::DecidedAt, Expr::value(Some(now)))
        .filter(dispatch_offer::Column::JobId.eq(j.id))
        .filter(dispatch_offer::Column::Status.eq("pending"))
        .filter(dispatch_offer::Column::RiderId.ne(r.id))
        .exec(db)
        .await?;
    let o = order_of(db, &j).await?;
    let actor = match by {
        AssignedBy::Operator(id) => OrderActor {
            kind: "operator",
            user_id: Some(id),
        },
        _ => OrderActor {
            kind: "rider",
            user_id: Some(r.user_id),
        },
    };
    ordering::apply(db, o, OrderEvent::AssignRider, actor, None, now).await?;
    job(db, r.platform_id, j.id).await
}

async fn order_of(
    db: &impl ConnectionTrait,
    j: &delivery_job::Model,
) -> DomainResult<order::Model> {
    order::Entity::find_by_id(j.order_id)
        .one(db)
        .await?
        .ok_or(DomainError::NotFound("order"))
}

/// The rider answers an automatic offer.
pub async fn answer_offer(
    db: &impl ConnectionTrait,
    r: &rider::Model,
    job_id: i64,
    accept: bool,
    now: DateTime<Utc>,
) -> DomainResult<Option<delivery_job::Model>> {
    let to = if accept { "accepted" } else { "declined" };
    let answered = dispatch_offer::Entity::update_many()
        .col_expr(dispatch_offer::Column::Status, Expr::value(to))
        .col_expr(dispatch_offer::Column::DecidedAt, Expr::value(Some(now)))
        .filter(dispatch_offer::Column::JobId.eq(job_id))
        .filter(dispatch_offer::Column::RiderId.eq(r.id))
        .filter(dispatch_offer::Column::Status.eq("pending"))
        .filter(dispatch_offer::Column::ExpiresAt.gt(now))
        .exec(db)
        .await?;
    if answered.rows_affected != 1 {
        return Err(DeliveryRefusal::NoOffer.into());
    }
    if accept {
        return Ok(Some(assign(db, r, job_id, AssignedBy::Offer, now).await?));
    }
    reopen(db, job_id, &["offered"], now).await?;
    Ok(None)
}

async fn reopen(
    db: &impl ConnectionTrait,
    job_id: i64,
    from: &[&str],
    now: DateTime<Utc>,
) -> DomainResult<()> {
    delivery_job::Entity::update_many()
        .col_expr(delivery_job::Column::Status, Expr::value("open"))
        .col_expr(
            delivery_job::Column::RiderId,
            Expr::value(Option::<i64>::None),
        )
        .col_expr(
            delivery_job::Column::AssignedAt,
            Expr::value(Option::<DateTime<Utc>>::None),
        )
        .col_expr(delivery_job::Column::UpdatedAt, Expr::value(now))
        .filter(delivery_job::Column::Id.eq(job_id))
        .filter(delivery_job::Column::Status.is_in(from.iter().copied()))
        .exec(db)
        .await?;
    Ok(())
}

/// Expires pending offers past their deadline; their jobs go back to the
/// next round (without those riders). Returns how many.
pub async fn expire_offers(db: &impl ConnectionTrait, now: DateTime<Utc>) -> DomainResult<usize> {
    let stale = dispatch_offer::Entity::find()
        .filter(dispatch_offer::Column::Status.eq("pending"))
        .filter(dispatch_offer::Column::ExpiresAt.lte(now))
        .all(db)
        .await?;
    for o in &stale {
        let done = dispatch_offer::Entity::update_many()
            .col_expr(dispatch_offer::Column::Status, Expr::value("expired"))
            .col_expr(dispatch_offer::Column::DecidedAt, Expr::value(Some(now)))
            .filter(dispatch_offer::Column::Id.eq(o.id))
            .filter(dispatch_offer::Column::Status.eq("pending"))
            .exec(db)
            .await?;
        if done.rows_affected == 1 {
            reopen(db, o.job_id, &["offered"], now).await?;
        }
    }
    Ok(stale.len())
}

/// Makes an automatic offer (the job must be open and never offered to
/// that rider). `false` if the job or rider was taken meanwhile.
pub async fn make_offer(
    db: &impl ConnectionTrait,
    platform_id: i64,
    job_id: i64,
    rider_id: i64,
    cost_secs: i64,
    expires_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> DomainResult<bool> {
    let moved = delivery_job::Entity::update_many()
        .col_expr(delivery_job::Column::Status, Expr::value("offered"))
        .col_expr(delivery_job::Column::UpdatedAt, Expr::value(now))
        .filter(delivery_job::Column::Id.eq(job_id))
        .filter(delivery_job::Column::Status.eq("open"))
        .exec(db)
        .await?;
    if moved.rows_affected != 1 {
        return Ok(false);
    }
    let res = dispatch_offer::Entity::insert(dispatch_offer::ActiveModel {
        platform_id: Set(platform_id),
        job_id: Set(job_id),
        rider_id: Set(rider_id),
        status: Set("pending".into()),
        cost_secs: Set(cost_secs),
        created_at: Set(now),
        expires_at: Set(expires_at),
        decided_at: Set(None),
        ..Default::default()
    })
    .on_conflict(
        OnConflict::columns([
            dispatch_offer::Column::JobId,
            dispatch_offer::Column::RiderId,
        ])
        .do_nothing()
        .to_owned(),
    )
    .exec_without_returning(db)
    .await;
    match res {
        Ok(n) if n > 0 => Ok(true),
        Ok(_) | Err(sea_orm::DbErr::RecordNotInserted) => {
            reopen(db, job_id, &["offered"], now).await?;
            Ok(false)
        }
        Err(e) => Err(e.into()),
    }
}

/// Picks the order up at the store: the job must be this rider's, the
/// rider within the platform's geofence, and the order ready.
pub async fn pickup(
    db: &impl ConnectionTrait,
    r: &rider::Model,
    job_id: i64,
    at: (f64, f64),
    now: DateTime<Utc>,
) -> DomainResult<delivery_job::Model> {
    let j = rider_job(db, r, job_id).await?;
    if j.status != "assigned" {
        return Err(DeliveryRefusal::JobState(j.status).into());
    }
    let p = platform_of(db, r.platform_id).await?;
    crate::geo::Coordinates::new(at.0, at.1).map_err(|e| DomainError::invalid("lat", e))?;
    let distance = haversine_m(at.0, at.1, j.pickup_lat, j.pickup_lng).round() as i64;
    if distance > i64::from(p.pickup_geofence_m) {
        return Err(DeliveryRefusal::OutsideGeofence {
            distance_m: distance,
            radius_m: i64::from(p.pickup_geofence_m),
        }
        .into());
    }
    let o = order_of(db, &j).await?;
    if o.ready_at.is_none() {
        return Err(DeliveryRefusal::OrderNotReady.into());
    }
    let moved = delivery_job::Entity::update_many()
        .col_expr(delivery_job::Column::Status, Expr::value("picked_up"))
        .col_expr(delivery_job::Column::PickedUpAt, Expr::value(Some(now)))
        .col_expr(delivery_job::Column::UpdatedAt, Expr::value(now))
        .filter(delivery_job::Column::Id.eq(j.id))
        .filter(delivery_job::Column::Status.eq("assigned"))
        .exec(db)
        .await?;
    if moved.rows_affected != 1 {
        return Err(DeliveryRefusal::JobState("no longer assigned".into()).into());
    }
    let actor = OrderActor {
        kind: "rider",
        user_id: Some(r.user_id),
    };
    ordering::apply(db, o, OrderEvent::PickUp, actor, None, now).await?;
    rider_job(db, r, j.id).await
}

/// What a delivery attempt did. A wrong code is not an error for the
/// transaction: the failure count must be kept.
#[derive(Debug, Clone)]
pub enum Delivered {
    /// Handed over.
    Done(Box<delivery_job::Model>),
    /// Wrong code; attempts left.
    WrongCode(i32),
    /// Wrong code the third time: locked for review.
    Locked,
}

/// Hands the order over at the door with the resident's code.
pub async fn deliver(
    db: &impl ConnectionTrait,
    r: &rider::Model,
    job_id: i64,
    code: &str,
    now: DateTime<Utc>,
) -> DomainResult<Delivered> {
    let j = rider_job(db, r, job_id).await?;
    if j.status == "locked" {
        return Err(DeliveryRefusal::JobLocked.into());
    }
    if j.status != "picked_up" {
        return Err(DeliveryRefusal::JobState(j.status).into());
    }
    if !same_code(code.trim(), &j.code) {
        let failures = j.code_failures + 1;
        let locked = failures >= MAX_CODE_FAILURES;
        delivery_job::Entity::update_many()
            .col_expr(delivery_job::Column::CodeFailures, Expr::value(failures))
            .col_expr(
                delivery_job::Column::Status,
                Expr::value(if locked { "locked" } else { "picked_up" }),
            )
            .col_expr(delivery_job::Column::UpdatedAt, Expr::value(now))
            .filter(delivery_job::Column::Id.eq(j.id))
            .filter(delivery_job::Column::Status.eq("picked_up"))
            .exec(db)
            .await?;
        return Ok(if locked {
            Delivered::Locked
        } else {
            Delivered::WrongCode(MAX_CODE_FAILURES - failures)
        });
    }
    finish(db, &j, r.id, now).await?;
    let o = order_of(db, &j).await?;
    let actor = OrderActor {
        kind: "rider",
        user_id: Some(r.user_id),
    };
    ordering::apply(db, o, OrderEvent::Deliver, actor, None, now).await?;
    Ok(Delivered::Done(Box::new(rider_job(db, r, j.id).await?)))
}

async fn finish(
    db: &impl ConnectionTrait,
    j: &delivery_job::Model,
    rider_id: i64,
    now: DateTime<Utc>,
) -> DomainResult<()> {
    let moved = delivery_job::Entity::update_many()
        .col_expr(delivery_job::Column::Status, Expr::value("delivered"))
        .col_expr(delivery_job::Column::DeliveredAt, Expr::value(Some(now)))
        .col_expr(delivery_job::Column::UpdatedAt, Expr::value(now))
        .filter(delivery_job::Column::Id.eq(j.id))
        .filter(delivery_job::Column::Status.is_in(["picked_up", "locked"]))
        .exec(db)
        .await?;
    if moved.rows_affected != 1 {
        return Err(DeliveryRefusal::JobState("no longer picked up".into()).into());
    }
    rider::Entity::update_many()
        .col_expr(
            rider::Column::ActiveJobs,
            Expr::col(rider::Column::ActiveJobs).sub(1),
        )
        .filter(rider::Column::Id.eq(rider_id))
        .filter(rider::Column::ActiveJobs.gt(0))
        .exec(db)
        .await?;
    Ok(())
}

/// Compares codes without stopping at the first difference.
fn same_code(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// An operator closes a locked job after checking with the resident:
/// `delivered` hands it over, otherwise the rider may try codes again.
pub async fn resolve_locked(
    db: &impl ConnectionTrait,
    platform_id: i64,
    job_id: i64,
    operator_id: i64,
    delivered: bool,
    now: DateTime<Utc>,
) -> DomainResult<delivery_job::Model> {
    let j = job(db, platform_id, job_id).await?;
    if j.status != "locked" {
        return Err(DeliveryRefusal::JobState(j.status).into());
    }
    let rider_id = j.rider_id.ok_or(DomainError::NotFound("rider"))?;
    if delivered {
        finish(db, &j, rider_id, now).await?;
        let o = order_of(db, &j).await?;
        let actor = OrderActor {
            kind: "operator",
            user_id: Some(operator_id),
        };
        ordering::apply(
            db,
            o,
            OrderEvent::Deliver,
            actor,
            Some("confirmed by operator".into()),
            now,
        )
        .await?;
    } else {
        delivery_job::Entity::update_many()
            .col_expr(delivery_job::Column::Status, Expr::value("picked_up"))
            .col_expr(delivery_job::Column::CodeFailures, Expr::value(0))
            .col_expr(delivery_job::Column::UpdatedAt, Expr::value(now))
            .filter(delivery_job::Column::Id.eq(j.id))
            .filter(delivery_job::Column::Status.eq("locked"))
            .exec(db)
            .await?;
    }
    job(db, platform_id, j.id).await
}

/// The rider gives an accepted job back before pickup: it returns to
/// dispatch (never offered to this rider again) and counts against them.
pub async fn give_up(
    db: &impl ConnectionTrait,
    r: &rider::Model,
    job_id: i64,
    now: DateTime<Utc>,
) -> DomainResult<delivery_job::Model> {
    let j = rider_job(db, r, job_id).await?;
    if j.status != "assigned" {
        return Err(DeliveryRefusal::JobState(j.status).into());
    }
    reopen(db, j.id, &["assigned"], now).await?;
    rider::Entity::update_many()
        .col_expr(
            rider::Column::ActiveJobs,
            Expr::col(rider::Column::ActiveJobs).sub(1),
        )
        .col_expr(
            rider::Column::GiveUps,
            Expr::col(rider::Column::GiveUps).add(1),
        )
        .filter(rider::Column::Id.eq(r.id))
        .filter(rider::Column::ActiveJobs.gt(0))
        .exec(db)
        .await?;
    // Remember the rider so automatic dispatch does not offer it back.
    dispatch_offer::Entity::insert(dispatch_offer::ActiveModel {
        platform_id: Set(r.platform_id),
        job_id: Set(j.id),
        rider_id: Set(r.id),
        status: Set("given_up".into()),
        cost_secs: Set(0),
        created_at: Set(now),
        expires_at: Set(now),
        decided_at: Set(Some(now)),
        ..Default::default()
    })
    .on_conflict(
        OnConflict::columns([
            dispatch_offer::Column::JobId,
            dispatch_offer::Column::RiderId,
        ])
        .update_columns([
            dispatch_offer::Column::Status,
            dispatch_offer::Column::DecidedAt,
        ])
        .to_owned(),
    )
    .exec_without_returning(db)
    .await?;
    let o = order_of(db, &j).await?;
    let ready = o.ready_at.is_some();
    let actor = OrderActor {
        kind: "rider",
        user_id: Some(r.user_id),
    };
    let (o, _) = ordering::apply(
        db,
        o,
        OrderEvent::ReleaseRider,
        actor,
        Some("rider gave up".into()),
        now,
    )
    .await?;
    if ready {
        ordering::apply(
            db,
            o,
            OrderEvent::MarkReady,
            OrderActor::SYSTEM,
            Some("still ready for the next rider".into()),
            now,
        )
        .await?;
    }
    job(db, r.platform_id, j.id).await
}

/// Where the rider is, for the resident.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Tracking {
    /// The order's status.
    pub status: String,
    /// The rider's last position.
    pub lat: f64,
    /// The rider's last position.
    pub lng: f64,
    /// When the phone reported it.
    pub located_at: DateTime<Utc>,
    /// Rider to door, metres (great circle).
    pub remaining_m: i64,
    /// Estimated arrival.
    pub eta: DateTime<Utc>,
}

/// The tracking of an order out for delivery (the caller checked it is
/// the resident's).
pub async fn tracking(
    db: &impl ConnectionTrait,
    o: &order::Model,
    now: DateTime<Utc>,
) -> DomainResult<Tracking> {
    if o.status != OrderStatus::PickedUp.as_str() {
        return Err(DeliveryRefusal::NotTrackable.into());
    }
    let j = delivery_job::Entity::find()
        .filter(delivery_job::Column::OrderId.eq(o.id))
        .one(db)
        .await?
        .ok_or(DeliveryRefusal::NotTrackable)?;
    let r = rider::Entity::find_by_id(j.rider_id.ok_or(DeliveryRefusal::NotTrackable)?)
        .one(db)
        .await?
        .ok_or(DeliveryRefusal::NotTrackable)?;
    let (lat, lng, at) = match (r.lat, r.lng, r.located_at) {
        (Some(lat), Some(lng), Some(at)) => (lat, lng, at),
        _ => (j.pickup_lat, j.pickup_lng, j.picked_up_at.unwrap_or(now)),
    };
    let remaining = haversine_m(lat, lng, j.drop_lat, j.drop_lng);
    let secs = remaining * ROAD_FACTOR / speed_mps(&r.vehicle);
    Ok(Tracking {
        status: o.status.clone(),
        lat,
        lng,
        located_at: at,
        remaining_m: remaining.round() as i64,
        eta: now + Duration::seconds(secs.round() as i64),
    })
}

/// A rider's jobs not yet delivered, oldest first.
pub async fn active_jobs(
    db: &impl ConnectionTrait,
    r: &rider::Model,
) -> DomainResult<Vec<delivery_job::Model>> {
    Ok(delivery_job::Entity::find()
        .filter(delivery_job::Column::RiderId.eq(r.id))
        .filter(delivery_job::Column::Status.is_in(["assigned", "picked_up", "locked"]))
        .order_by_asc(delivery_job::Column::Id)
        .all(db)
        .await?)
}

/// Pending offers to a rider.
pub async fn offers_to(
    db: &impl ConnectionTrait,
    r: &rider::Model,
    now: DateTime<Utc>,
) -> DomainResult<Vec<dispatch_offer::Model>> {
    Ok(dispatch_offer::Entity::find()
        .filter(dispatch_offer::Column::RiderId.eq(r.id))
        .filter(dispatch_offer::Column::Status.eq("pending"))
        .filter(dispatch_offer::Column::ExpiresAt.gt(now))
        .order_by_asc(dispatch_offer::Column::Id)
        .all(db)
        .await?)
}

/// Earnings of one day.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct EarningsDay {
    /// Local date.
    pub date: NaiveDate,
    /// Jobs delivered.
    pub jobs: i64,
    /// Sum of rider fees.
    pub fee_fen: i64,
}

/// One delivered job's earning.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct EarningsJob {
    /// Job id.
    pub job_id: i64,
    /// Order id.
    pub order_id: i64,
    /// When delivered.
    pub delivered_at: DateTime<Utc>,
    /// Distance, metres.
    pub distance_m: i64,
    /// Fee earned.
    pub fee_fen: i64,
}

/// A rider's earnings between two local dates (inclusive), by day and by job.
pub async fn earnings(
    db: &impl ConnectionTrait,
    r: &rider::Model,
    utc_offset_minutes: i32,
    from: NaiveDate,
    to: NaiveDate,
) -> DomainResult<(Vec<EarningsDay>, Vec<EarningsJob>)> {
    let offset = Duration::minutes(i64::from(utc_offset_minutes));
    let (start, _) = crate::settlement::day_bounds(from, utc_offset_minutes);
    let (_, end) = crate::settlement::day_bounds(to, utc_offset_minutes);
    let jobs = delivery_job::Entity::find()
        .filter(delivery_job::Column::RiderId.eq(r.id))
        .filter(delivery_job::Column::Status.eq("delivered"))
        .filter(delivery_job::Column::DeliveredAt.gte(start))
        .filter(delivery_job::Column::DeliveredAt.lt(end))
        .order_by_asc(delivery_job::Column::DeliveredAt)
        .all(db)
        .await?;
    let mut days: Vec<EarningsDay> = Vec::new();
    let mut list = Vec::with_capacity(jobs.len());
    for j in jobs {
        let Some(at) = j.delivered_at else { continue };
        let date = (at + offset).date_naive();
        match days.last_mut() {
            Some(d) if d.date == date => {
                d.jobs += 1;
                d.fee_fen += j.rider_fee_fen;
            }
            _ => days.push(EarningsDay {
                date,
                jobs: 1,
                fee_fen: j.rider_fee_fen,
            }),
        }
        list.push(EarningsJob {
            job_id: j.id,
            order_id: j.order_id,
            delivered_at: at,
            distance_m: j.distance_m,
            fee_fen: j.rider_fee_fen,
        });
    }
    Ok((days, list))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn coldest_class_wins() {
        assert_eq!(coldest(["ambient", "ambient"]), "ambient");
        assert_eq!(coldest(["ambient", "chilled"]), "chilled");
        assert_eq!(coldest(["chilled", "frozen", "ambient"]), "frozen");
        assert_eq!(coldest([]), "ambient");
    }

    #[test]
    fn codes_compare_whole() {
        assert!(same_code("0427", "0427"));
        assert!(!same_code("0428", "0427"));
        assert!(!same_code("042", "0427"));
        let c = random_code().unwrap();
        assert_eq!(c.len(), 4);
        assert!(c.bytes().all(|b| b.is_ascii_digit()));
    }
}
