//! A village departure: at its cut-off the worker plans the trips; the
//! kitchens get the packages ready and hand them over at the pickup stops;
//! the van leaves, its gateway uploads the compartments' temperatures, the
//! keepers take the packages at the agent points, residents collect them
//! with their codes, and the cold-chain batches are settled after the
//! grace for late readings.

use chrono::{DateTime, Duration, Utc};
use entity::cold_batch;
use entity::error::{DomainError, DomainResult};
use entity::order::{self, OrderStatus};
use entity::to_door_line::kitchen::{self, KitchenStep};
use entity::to_door_line::village::batch_settlement;
use entity::to_door_line::village::trips::{self, Collected, GatewayReading};
use entity::trip::{self, TripStatus};
use entity::trip_package;
use entity::trip_stop::{self, StopKind};
use sea_orm::{ColumnTrait, DatabaseTransaction, EntityTrait, QueryFilter, QueryOrder};

use super::cast::Cast;
use super::rng::Rng;

/// What a departure carried.
#[derive(Debug, Default, Clone, Copy)]
pub struct Carried {
    /// Trips run.
    pub trips: usize,
    /// Orders collected by their residents.
    pub collected: usize,
    /// Cold-chain batches settled.
    pub batches: usize,
    /// Batches judged out of range (compensated).
    pub breaches: usize,
    /// A frozen compartment ran warm.
    pub warmed: bool,
}

/// Minutes between two gateway readings.
const READING_EVERY_MINS: i64 = 2;

/// Plans the departure leaving at `departs_at` at its cut-off and runs
/// every trip to its end. `warm` puts the first trip's frozen compartment
/// (if it carries one) above its tolerance for 20 minutes (a door left
/// open at the first stop).
pub async fn run(
    db: &DatabaseTransaction,
    cast: &Cast,
    departure_id: i64,
    departs_at: DateTime<Utc>,
    cutoff_minutes: i64,
    warm: bool,
    rng: &mut Rng,
) -> DomainResult<Carried> {
    let cutoff = departs_at - Duration::minutes(cutoff_minutes);
    worker::village::departures::plan_departure(db, departure_id, departs_at, cutoff).await?;
    let planned = trip::Entity::find()
        .filter(trip::Column::DepartureId.eq(departure_id))
        .filter(trip::Column::DepartsAt.eq(departs_at))
        .order_by_asc(trip::Column::Seq)
        .all(db)
        .await?;
    let mut carried = Carried::default();
    for (i, t) in planned.into_iter().enumerate() {
        if t.status != TripStatus::Planned {
            continue;
        }
        let one = run_trip(db, cast, t, warm && i == 0, rng).await?;
        carried.trips += 1;
        carried.collected += one.collected;
        carried.batches += one.batches;
        carried.breaches += one.breaches;
        carried.warmed |= one.warmed;
    }
    Ok(carried)
}

async fn run_trip(
    db: &DatabaseTransaction,
    cast: &Cast,
    t: trip::Model,
    warm: bool,
    rng: &mut Rng,
) -> DomainResult<Carried> {
    let stops = trip_stop::Entity::find()
        .filter(trip_stop::Column::TripId.eq(t.id))
        .order_by_asc(trip_stop::Column::Seq)
        .all(db)
        .await?;
    let packages = trip_package::Entity::find()
        .filter(trip_package::Column::TripId.eq(t.id))
        .order_by_asc(trip_package::Column::Id)
        .all(db)
        .await?;
    // The kitchens pack the orders in the hour before departure.
    for p in &packages {
        let Some(o) = order::Entity::find_by_id(p.order_id).one(db).await? else {
            continue;
        };
        let Some(k) = cast.kitchens.iter().find(|k| k.store.id == o.store_id) else {
            continue;
        };
        if o.status == OrderStatus::Accepted {
            let at = t.departs_at - Duration::minutes(rng.between(25, 55));
            let step = KitchenStep::Ready {
                batches: Default::default(),
            };
            kitchen::step(db, k.store.id, k.owner_user_id, o.id, step, at).await?;
        }
    }
    for s in stops.iter().filter(|s| s.kind == StopKind::Pickup) {
        let at = t.departs_at - Duration::minutes(rng.between(8, 20));
        trips::arrive(db, &t, s.seq, (s.lat, s.lng), at).await?;
        trips::pickup_handover(db, &t, s.seq, s.place_id, at + Duration::minutes(3)).await?;
    }
    let left = t.departs_at + Duration::minutes(rng.between(0, 6));
    let t = trips::depart(db, &t, &[], left).await?;
    let mut carried = Carried::default();
    let mut last = left;
    for s in stops.iter().filter(|s| s.kind == StopKind::Drop) {
        let at = s.eta.max(last) + Duration::minutes(rng.between(0, 12));
        last = at + Duration::minutes(5);
        trips::arrive(db, &t, s.seq, (s.lat, s.lng), at).await?;
        let codes: Vec<String> = packages
            .iter()
            .filter(|p| p.drop_seq == s.seq)
            .map(|p| p.handover_code.clone())
            .collect();
        trips::drop_handover(db, &t, s.seq, s.place_id, &codes, at + Duration::minutes(2)).await?;
        let keeper = cast
            .keepers
            .iter()
            .find(|(point, _)| *point == s.place_id)
            .map(|(_, user)| *user)
            .ok_or(DomainError::NotFound("keeper"))?;
        for p in packages.iter().filter(|p| p.drop_seq == s.seq) {
            // Residents come by the same day, before the point closes at 20:00.
            let when = collected_by(at, cast.utc_offset_minutes, rng);
            match trips::collect(db, s.place_id, p.order_id, &p.pickup_code, keeper, when).await? {
                Collected::Done(_) => carried.collected += 1,
                Collected::WrongCode(_) | Collected::Locked => {
                    return Err(DomainError::invalid(
                        "code",
                        "the package's own code was refused",
                    ));
                }
            }
        }
    }
    let back = last + Duration::minutes(rng.between(30, 50));
    carried.warmed = upload_readings(db, &t, left, last, warm, rng).await?;
    let t = trips::complete(db, &t, back).await?;
    // The after-trips job settles once late uploads have had their grace.
    let settled_at = back + Duration::minutes(worker::village::cold::LATE_READINGS_GRACE_MINS + 1);
    let settled = batch_settlement::settle_trip(db, &t, settled_at).await?;
    carried.batches = settled.records.len();
    carried.breaches = settled.records.iter().filter(|r| !r.compliant).count();
    Ok(carried)
}

/// When a resident collects a package dropped at `at`: within four hours,
/// and before 19:50 local time that day.
fn collected_by(at: DateTime<Utc>, utc_offset_minutes: i32, rng: &mut Rng) -> DateTime<Utc> {
    let offset = Duration::minutes(i64::from(utc_offset_minutes));
    let local = at + offset;
    let closing = local
        .date_naive()
        .and_hms_opt(19, 50, 0)
        .map(|t| t.and_utc() - offset)
        .unwrap_or(at);
    let latest = (at + Duration::hours(4))
        .min(closing)
        .max(at + Duration::minutes(10));
    let spread = (latest - at).num_minutes().max(10);
    at + Duration::minutes(rng.between(10, spread))
}

/// The gateway's upload: every cold compartment's sensor every two minutes
/// from departure to the last stop, with one excursion of the frozen
/// compartment when `warm`; whether there was one.
async fn upload_readings(
    db: &DatabaseTransaction,
    t: &trip::Model,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    warm: bool,
    rng: &mut Rng,
) -> DomainResult<bool> {
    let batches = cold_batch::Entity::find()
        .filter(cold_batch::Column::TripId.eq(t.id))
        .order_by_asc(cold_batch::Column::Id)
        .all(db)
        .await?;
    if batches.is_empty() {
        return Ok(false);
    }
    let mut warmed = false;
    let minutes = (to - from).num_minutes().max(READING_EVERY_MINS);
    let mut readings = Vec::new();
    for b in &batches {
        let (base, spread) = match b.class.as_str() {
            "frozen" => (-20.5, 8),
            _ => (2.5, 8),
        };
        let mut m = 0;
        while m <= minutes {
            // Above −15 °C is past the frozen class's tolerance at once.
            let excursion = warm && b.class == "frozen" && (4..24).contains(&m);
            warmed |= excursion;
            let celsius = if excursion {
                -12.0 + rng.jitter(5)
            } else {
                base + rng.jitter(spread)
            };
            readings.push(GatewayReading {
                sensor_id: b.sensor_id.clone(),
                at: from + Duration::minutes(m),
                celsius,
            });
            m += READING_EVERY_MINS;
        }
    }
    trips::record_temperatures(db, t, &readings, to).await?;
    Ok(warmed)
}
