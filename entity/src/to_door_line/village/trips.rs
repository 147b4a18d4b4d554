//! Running a village trip: arrivals inside a geofence, the kitchen's
//! handover at pickup stops, departure with every package loaded or left
//! behind with a reason (left-behind orders ride the next departure), the
//! keeper's handover at the agent point with the packages' codes, the
//! resident's collection with their pickup code, and completion.

use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};

use crate::error::{DeliveryRefusal, DomainError, DomainResult};
use crate::geo::haversine_m;
use crate::order_event::ActorKind;
use crate::scope;
use crate::to_door_line::city::handoff::same_code;
use crate::to_door_line::city::jobs::MAX_CODE_FAILURES;
use crate::to_door_line::order_states::{OrderEvent, OrderStatus};
use crate::to_door_line::pricing::{DeliveryPlan, Schedule, next_departure};
use crate::to_door_line::transitions::OrderActor;
use crate::to_door_line::{notices, transitions};
use crate::trip::TripStatus;
use crate::trip_package::PackageStatus;
use crate::trip_stop::StopKind;
use crate::{
    agent_keeper, cold_batch, departure, order, temperature_reading, trip, trip_package, trip_stop,
};

/// Arrival counts within this many metres of the stop.
pub const ARRIVAL_GEOFENCE_M: f64 = 300.0;

/// The route's next departure after the cut-off of the one leaving at
/// `departs_at`: (departure, departs at, cut-off), UTC.
pub async fn next_instance(
    db: &impl ConnectionTrait,
    departure_id: i64,
    departs_at: DateTime<Utc>,
) -> DomainResult<Option<(i64, DateTime<Utc>, DateTime<Utc>)>> {
    let d = crate::scope::get::<departure::Entity>(db, departure_id, "departure").await?;
    let p = crate::platform_end::platforms::platform_of(db, d.platform_id).await?;
    let schedules: Vec<Schedule> = departure::Entity::find()
        .filter(departure::Column::RouteId.eq(d.route_id))
        .filter(departure::Column::Active.eq(true))
        .all(db)
        .await?
        .iter()
        .filter_map(|x| Schedule::of(x, 0))
        .collect();
    let offset = Duration::minutes(i64::from(p.utc_offset_minutes));
    let cutoff = departs_at - Duration::minutes(i64::from(d.cutoff_minutes));
    Ok(
        next_departure((cutoff + offset).naive_utc(), &schedules).map(|(s, dep, cut)| {
            (
                s.departure_id,
                dep.and_utc() - offset,
                cut.and_utc() - offset,
            )
        }),
    )
}

/// Moves a village order to the route's next departure, with `reason` on
/// its timeline; `false` when the route has no further departure.
pub async fn roll_to_next(
    db: &impl ConnectionTrait,
    o: &order::Model,
    reason: String,
    now: DateTime<Utc>,
) -> DomainResult<bool> {
    let Ok(DeliveryPlan::Village {
        route_id,
        departure_id,
        agent_point_id,
        departs_at,
        eta,
        ..
    }) = serde_json::from_str::<DeliveryPlan>(&o.delivery_plan)
    else {
        return Ok(false);
    };
    let Some((next_id, next_departs, cutoff)) = next_instance(db, departure_id, departs_at).await?
    else {
        return Ok(false);
    };
    let plan = DeliveryPlan::Village {
        route_id,
        departure_id: next_id,
        departs_at: next_departs,
        cutoff_at: cutoff,
        agent_point_id,
        eta: eta + (next_departs - departs_at),
    };
    let json =
        serde_json::to_string(&plan).map_err(|e| DomainError::invalid("plan", e.to_string()))?;
    transitions::roll_over(db, o, &json, OrderActor::SYSTEM, reason, now).await?;
    Ok(true)
}

async fn stop(db: &impl ConnectionTrait, trip_id: i64, seq: i32) -> DomainResult<trip_stop::Model> {
    trip_stop::Entity::find()
        .filter(trip_stop::Column::TripId.eq(trip_id))
        .filter(trip_stop::Column::Seq.eq(seq))
        .one(db)
        .await?
        .ok_or(DomainError::NotFound("stop"))
}

async fn packages(
    db: &impl ConnectionTrait,
    trip_id: i64,
) -> DomainResult<Vec<trip_package::Model>> {
    Ok(trip_package::Entity::find()
        .filter(trip_package::Column::TripId.eq(trip_id))
        .order_by_asc(trip_package::Column::Id)
        .all(db)
        .await?)
}

async fn set_package(
    db: &impl ConnectionTrait,
    id: i64,
    from: PackageStatus,
    to: PackageStatus,
    reason: Option<String>,
    now: DateTime<Utc>,
) -> DomainResult<bool> {
    let res = trip_package::Entity::update_many()
        .col_expr(trip_package::Column::Status, Expr::value(to))
        .col_expr(trip_package::Column::Reason, Expr::value(reason))
        .col_expr(trip_package::Column::UpdatedAt, Expr::value(now))
        .filter(trip_package::Column::Id.eq(id))
        .filter(trip_package::Column::Status.eq(from))
        .exec(db)
        .await?;
    Ok(res.rows_affected == 1)
}

/// The driver reports arriving at a stop (within the geofence).
pub async fn arrive(
    db: &impl ConnectionTrait,
    t: &trip::Model,
    seq: i32,
    at: (f64, f64),
    now: DateTime<Utc>,
) -> DomainResult<trip_stop::Model> {
    let s = stop(db, t.id, seq).await?;
    crate::geo::Coordinates::new(at.0, at.1).map_err(|e| DomainError::invalid("lat", e))?;
    let d = haversine_m(at.0, at.1, s.lat, s.lng).round() as i64;
    if d > ARRIVAL_GEOFENCE_M as i64 {
        return Err(DeliveryRefusal::OutsideGeofence {
            distance_m: d,
            radius_m: ARRIVAL_GEOFENCE_M as i64,
        }
        .into());
    }
    if s.kind == StopKind::Drop && t.status != TripStatus::Departed {
        return Err(DomainError::TripState(t.status.to_string()));
    }
    trip_stop::Entity::update_many()
        .col_expr(trip_stop::Column::ArrivedAt, Expr::value(Some(now)))
        .filter(trip_stop::Column::Id.eq(s.id))
        .filter(trip_stop::Column::ArrivedAt.is_null())
        .exec(db)
        .await?;
    stop(db, t.id, seq).await
}

/// The kitchen hands its packages to the driver at a pickup stop: the
/// ready orders are loaded (on the trip); the others wait for the driver's
/// decision at departure. Returns how many were loaded.
pub async fn pickup_handover(
    db: &impl ConnectionTrait,
    t: &trip::Model,
    seq: i32,
    store_id: i64,
    now: DateTime<Utc>,
) -> DomainResult<usize> {
    let s = stop(db, t.id, seq).await?;
    if s.kind != StopKind::Pickup || s.place_id != store_id {
        return Err(DomainError::NotFound("stop"));
    }
    if s.arrived_at.is_none() {
        return Err(DomainError::TripState("not arrived at this stop".into()));
    }
    let mut loaded = 0;
    for p in packages(db, t.id).await? {
        if p.pickup_seq != seq || p.status != PackageStatus::Planned {
            continue;
        }
        let o = scope::get::<order::Entity>(db, p.order_id, "order").await?;
        if o.status != OrderStatus::Ready {
            continue;
        }
        if set_package(
            db,
            p.id,
            PackageStatus::Planned,
            PackageStatus::Loaded,
            None,
            now,
        )
        .await?
        {
            let actor = OrderActor {
                kind: ActorKind::Merchant,
                user_id: None,
            };
            transitions::apply(db, o, OrderEvent::LoadOnTrip, actor, None, now).await?;
            loaded += 1;
        }
    }
    trip_stop::Entity::update_many()
        .col_expr(trip_stop::Column::HandedOverAt, Expr::value(Some(now)))
        .filter(trip_stop::Column::Id.eq(s.id))
        .exec(db)
        .await?;
    Ok(loaded)
}

/// The driver leaves town: every package is loaded, or left behind with a
/// reason (its order rides the next departure).
pub async fn depart(
    db: &impl ConnectionTrait,
    t: &trip::Model,
    left_behind: &[(i64, String)],
    now: DateTime<Utc>,
) -> DomainResult<trip::Model> {
    if t.status != TripStatus::Planned {
        return Err(DomainError::TripState(t.status.to_string()));
    }
    let all = packages(db, t.id).await?;
    let unaccounted: Vec<i64> = all
        .iter()
        .filter(|p| {
            p.status == PackageStatus::Planned && !left_behind.iter().any(|(o, _)| *o == p.order_id)
        })
        .map(|p| p.order_id)
        .collect();
    if !unaccounted.is_empty() {
        return Err(DomainError::invalid(
            "left_behind",
            format!("orders {unaccounted:?} are neither loaded nor left behind"),
        ));
    }
    for (order_id, reason) in left_behind {
        let reason = crate::validate::text("left_behind.reason", reason, 2, 100)?;
        let p = all
            .iter()
            .find(|p| p.order_id == *order_id && p.status == PackageStatus::Planned)
            .ok_or_else(|| {
                DomainError::invalid(
                    "left_behind",
                    format!("order {order_id} is not waiting on this trip"),
                )
            })?;
        set_package(
            db,
            p.id,
            PackageStatus::Planned,
            PackageStatus::LeftBehind,
            Some(reason.clone()),
            now,
        )
        .await?;
        let o = scope::get::<order::Entity>(db, *order_id, "order").await?;
        roll_to_next(db, &o, format!("left behind: {reason}"), now).await?;
    }
    let moved = trip::Entity::update_many()
        .col_expr(trip::Column::Status, Expr::value(TripStatus::Departed))
        .col_expr(trip::Column::DepartedAt, Expr::value(Some(now)))
        .filter(trip::Column::Id.eq(t.id))
        .filter(trip::Column::Status.eq(TripStatus::Planned))
        .exec(db)
        .await?;
    if moved.rows_affected != 1 {
        return Err(DomainError::TripState("departed already".into()));
    }
    crate::scope::get::<trip::Entity>(db, t.id, "trip").await
}

/// The agent point a keeper keeps.
pub async fn keeper_point(
    db: &impl ConnectionTrait,
    platform_id: i64,
    user_id: i64,
) -> DomainResult<i64> {
    agent_keeper::Entity::find()
        .filter(agent_keeper::Column::PlatformId.eq(platform_id))
        .filter(agent_keeper::Column::UserId.eq(user_id))
        .one(db)
        .await?
        .map(|k| k.agent_point_id)
        .ok_or(DomainError::NotFound("agent point"))
}

/// The keeper takes the packages of a drop stop, confirming each with the
/// code on its label; their orders are at the agent point and the
/// residents are told. Returns how many were taken.
pub async fn drop_handover(
    db: &impl ConnectionTrait,
    t: &trip::Model,
    seq: i32,
    point_id: i64,
    codes: &[String],
    now: DateTime<Utc>,
) -> DomainResult<usize> {
    let s = stop(db, t.id, seq).await?;
    if s.kind != StopKind::Drop || s.place_id != point_id {
        return Err(DomainError::NotFound("stop"));
    }
    if s.arrived_at.is_none() {
        return Err(DomainError::TripState("the van has not arrived".into()));
    }
    let mut taken = 0;
    for p in packages(db, t.id).await? {
        if p.drop_seq != seq || p.status != PackageStatus::Loaded {
            continue;
        }
        if !codes.iter().any(|c| c.trim() == p.handover_code) {
            continue;
        }
        if set_package(
            db,
            p.id,
            PackageStatus::Loaded,
            PackageStatus::AtAgentPoint,
            None,
            now,
        )
        .await?
        {
            let o = scope::get::<order::Entity>(db, p.order_id, "order").await?;
            let actor = OrderActor {
                kind: ActorKind::Keeper,
                user_id: None,
            };
            transitions::apply(db, o, OrderEvent::ArriveAtAgentPoint, actor, None, now).await?;
            taken += 1;
        }
    }
    if taken == 0 {
        return Err(DomainError::invalid(
            "codes",
            "no loaded package of this stop has these codes",
        ));
    }
    let left = packages(db, t.id)
        .await?
        .iter()
        .any(|p| p.drop_seq == seq && p.status == PackageStatus::Loaded);
    if !left {
        trip_stop::Entity::update_many()
            .col_expr(trip_stop::Column::HandedOverAt, Expr::value(Some(now)))
            .filter(trip_stop::Column::Id.eq(s.id))
            .exec(db)
            .await?;
    }
    Ok(taken)
}

/// The resident collects an order at the agent point with their code.
pub async fn collect(
    db: &impl ConnectionTrait,
    point_id: i64,
    order_id: i64,
    code: &str,
    keeper_user: i64,
    now: DateTime<Utc>,
) -> DomainResult<Collected> {
    let p = trip_package::Entity::find()
        .filter(trip_package::Column::OrderId.eq(order_id))
        .filter(trip_package::Column::Status.eq(PackageStatus::AtAgentPoint))
        .one(db)
        .await?
        .ok_or(DomainError::NotFound("package"))?;
    let s = stop(db, p.trip_id, p.drop_seq).await?;
    if s.place_id != point_id {
        return Err(DomainError::NotFound("package"));
    }
    if p.code_failures >= MAX_CODE_FAILURES {
        return Ok(Collected::Locked);
    }
    if !same_code(code.trim(), &p.pickup_code) {
        use sea_orm::sea_query::ExprTrait;
        // Counted by a guarded update, so simultaneous guesses cannot get
        // more tries than the limit.
        let counted = trip_package::Entity::update_many()
            .col_expr(
                trip_package::Column::CodeFailures,
                Expr::col(trip_package::Column::CodeFailures).add(1),
            )
            .col_expr(trip_package::Column::UpdatedAt, Expr::value(now))
            .filter(trip_package::Column::Id.eq(p.id))
            .filter(trip_package::Column::CodeFailures.eq(p.code_failures))
            .exec(db)
            .await?;
        let failures = p.code_failures + 1;
        return Ok(
            if counted.rows_affected != 1 || failures >= MAX_CODE_FAILURES {
                Collected::Locked
            } else {
                Collected::WrongCode(MAX_CODE_FAILURES - failures)
            },
        );
    }
    set_package(
        db,
        p.id,
        PackageStatus::AtAgentPoint,
        PackageStatus::Collected,
        None,
        now,
    )
    .await?;
    let o = scope::get::<order::Entity>(db, order_id, "order").await?;
    let actor = OrderActor {
        kind: ActorKind::Keeper,
        user_id: Some(keeper_user),
    };
    let o = transitions::apply(db, o, OrderEvent::Deliver, actor, None, now).await?;
    Ok(Collected::Done(Box::new(o)))
}

/// What a collection attempt did. A wrong code is not an error for the
/// transaction: the count must be kept.
#[derive(Debug, Clone)]
pub enum Collected {
    /// Handed over: the order, delivered.
    Done(Box<order::Model>),
    /// Wrong code; this many tries are left.
    WrongCode(i32),
    /// Too many wrong codes: the package waits for an operator.
    Locked,
}

/// An operator lifts the lock of a package after checking with the
/// resident: the keeper may try codes again.
pub async fn unlock_pickup(
    db: &impl ConnectionTrait,
    platform_id: i64,
    order_id: i64,
    now: DateTime<Utc>,
) -> DomainResult<trip_package::Model> {
    let p = trip_package::Entity::find()
        .filter(trip_package::Column::PlatformId.eq(platform_id))
        .filter(trip_package::Column::OrderId.eq(order_id))
        .filter(trip_package::Column::Status.eq(PackageStatus::AtAgentPoint))
        .one(db)
        .await?
        .ok_or(DomainError::NotFound("package"))?;
    if p.code_failures < MAX_CODE_FAILURES {
        return Err(DeliveryRefusal::JobState("not locked".into()).into());
    }
    trip_package::Entity::update_many()
        .col_expr(trip_package::Column::CodeFailures, Expr::value(0))
        .col_expr(trip_package::Column::UpdatedAt, Expr::value(now))
        .filter(trip_package::Column::Id.eq(p.id))
        .exec(db)
        .await?;
    scope::get::<trip_package::Entity>(db, p.id, "package").await
}

/// The driver closes the trip once every drop stop is handed over.
pub async fn complete(
    db: &impl ConnectionTrait,
    t: &trip::Model,
    now: DateTime<Utc>,
) -> DomainResult<trip::Model> {
    if t.status != TripStatus::Departed {
        return Err(DomainError::TripState(t.status.to_string()));
    }
    let waiting = packages(db, t.id)
        .await?
        .iter()
        .any(|p| p.status == PackageStatus::Loaded);
    if waiting {
        return Err(DomainError::TripState("packages are still on board".into()));
    }
    trip::Entity::update_many()
        .col_expr(trip::Column::Status, Expr::value(TripStatus::Completed))
        .col_expr(trip::Column::CompletedAt, Expr::value(Some(now)))
        .filter(trip::Column::Id.eq(t.id))
        .filter(trip::Column::Status.eq(TripStatus::Departed))
        .exec(db)
        .await?;
    crate::scope::get::<trip::Entity>(db, t.id, "trip").await
}

/// One reading from the vehicle gateway.
#[derive(Debug, Clone, serde::Deserialize, utoipa::ToSchema)]
pub struct GatewayReading {
    /// The compartment's sensor.
    pub sensor_id: String,
    /// When it measured.
    pub at: DateTime<Utc>,
    /// °C.
    pub celsius: f64,
}

/// What an ingestion kept.
#[derive(Debug, Clone, Default, serde::Serialize, utoipa::ToSchema)]
pub struct TemperatureReport {
    /// New readings stored.
    pub accepted: usize,
    /// Readings stored before (resent by the gateway).
    pub duplicates: usize,
    /// New readings outside their class band (alerts).
    pub alerts: usize,
}

/// Stores a trip's temperature readings: idempotent by sensor and instant,
/// late and out-of-order readings welcome; an impossible value, a reading
/// from the future or a sensor not on the trip refuses the whole batch.
pub async fn record_temperatures(
    db: &impl ConnectionTrait,
    t: &trip::Model,
    readings: &[GatewayReading],
    now: DateTime<Utc>,
) -> DomainResult<TemperatureReport> {
    use sea_orm::Set;
    use sea_orm::sea_query::OnConflict;
    if readings.is_empty() || readings.len() > 1_000 {
        return Err(DomainError::invalid("readings", "send 1 to 1,000 readings"));
    }
    let batches = cold_batch::Entity::find()
        .filter(cold_batch::Column::TripId.eq(t.id))
        .all(db)
        .await?;
    for r in readings {
        if !crate::delivery_end::cold_chain::plausible(r.celsius) {
            return Err(DomainError::invalid(
                "readings",
                format!("{} °C is impossible", r.celsius),
            ));
        }
        if r.at > now + Duration::seconds(30) {
            return Err(DomainError::invalid(
                "readings",
                "a reading is in the future",
            ));
        }
        if !batches.iter().any(|b| b.sensor_id == r.sensor_id) {
            return Err(DomainError::invalid(
                "readings",
                format!(
                    "sensor {} is not in a cold compartment of this trip",
                    r.sensor_id
                ),
            ));
        }
    }
    let mut rules = Vec::with_capacity(batches.len());
    for b in &batches {
        rules.push(
            crate::to_door_line::village::batch_settlement::policy(
                db,
                t.platform_id,
                &b.class,
                now,
            )
            .await?
            .rule,
        );
    }
    let mut report = TemperatureReport::default();
    for r in readings {
        let Some(i) = batches.iter().position(|b| b.sensor_id == r.sensor_id) else {
            continue;
        };
        let b = &batches[i];
        let out = !rules[i].in_band(r.celsius);
        let res = temperature_reading::Entity::insert(temperature_reading::ActiveModel {
            platform_id: Set(t.platform_id),
            trip_id: Set(t.id),
            batch_id: Set(b.id),
            sensor_id: Set(r.sensor_id.clone()),
            at: Set(r.at),
            celsius: Set(r.celsius),
            out_of_band: Set(out),
            created_at: Set(now),
            ..Default::default()
        })
        .on_conflict(
            OnConflict::columns([
                temperature_reading::Column::TripId,
                temperature_reading::Column::SensorId,
                temperature_reading::Column::At,
            ])
            .do_nothing()
            .to_owned(),
        )
        .exec_without_returning(db)
        .await;
        match res {
            Ok(n) if n > 0 => {
                report.accepted += 1;
                report.alerts += usize::from(out);
            }
            Ok(_) | Err(sea_orm::DbErr::RecordNotInserted) => report.duplicates += 1,
            Err(e) => return Err(e.into()),
        }
    }
    Ok(report)
}

/// Orders waiting at an agent point longer than their platform allows go
/// to the exception queue: flagged once, noted on the timeline, and the
/// resident is reminded. Returns how many were flagged.
pub async fn flag_uncollected(
    db: &impl ConnectionTrait,
    now: DateTime<Utc>,
) -> DomainResult<usize> {
    let mut flagged = 0;
    for p in crate::platform::Entity::find().all(db).await? {
        let before = now - Duration::days(i64::from(p.collect_within_days.max(1)));
        let waiting = trip_package::Entity::find()
            .filter(trip_package::Column::PlatformId.eq(p.id))
            .filter(trip_package::Column::Status.eq(PackageStatus::AtAgentPoint))
            .filter(trip_package::Column::OverdueAt.is_null())
            .filter(trip_package::Column::UpdatedAt.lt(before))
            .all(db)
            .await?;
        for pkg in waiting {
            let set = trip_package::Entity::update_many()
                .col_expr(trip_package::Column::OverdueAt, Expr::value(Some(now)))
                .filter(trip_package::Column::Id.eq(pkg.id))
                .filter(trip_package::Column::OverdueAt.is_null())
                .exec(db)
                .await?;
            if set.rows_affected != 1 {
                continue;
            }
            let o = scope::get::<order::Entity>(db, pkg.order_id, "order").await?;
            let days = (now - pkg.updated_at).num_days();
            transitions::note(
                db,
                &o,
                "uncollected",
                OrderActor::SYSTEM,
                Some(format!("waiting at the agent point for {days} days")),
                now,
            )
            .await?;
            let dedupe = format!("notify:{}:collect_reminder", o.id);
            notices::queue_notice(db, &o, "collect_reminder", o.status.as_str(), dedupe, now)
                .await?;
            flagged += 1;
        }
    }
    Ok(flagged)
}

/// An order in the exception queue.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct Uncollected {
    /// The order.
    pub order_id: i64,
    /// Its public number.
    pub order_no: String,
    /// The agent point holding it.
    pub agent_point_id: i64,
    /// Since when it waits there.
    pub waiting_since: DateTime<Utc>,
    /// When it was flagged.
    pub overdue_at: DateTime<Utc>,
    /// What the resident paid, fen.
    pub payable_fen: i64,
}

/// The platform's exception queue: flagged orders still at agent points.
pub async fn uncollected(
    db: &impl ConnectionTrait,
    platform_id: i64,
) -> DomainResult<Vec<Uncollected>> {
    let mut out = Vec::new();
    for p in trip_package::Entity::find()
        .filter(trip_package::Column::PlatformId.eq(platform_id))
        .filter(trip_package::Column::Status.eq(PackageStatus::AtAgentPoint))
        .filter(trip_package::Column::OverdueAt.is_not_null())
        .all(db)
        .await?
    {
        let o = scope::get::<order::Entity>(db, p.order_id, "order").await?;
        let s = stop(db, p.trip_id, p.drop_seq).await?;
        out.push(Uncollected {
            order_id: o.id,
            order_no: o.order_no,
            agent_point_id: s.place_id,
            waiting_since: p.updated_at,
            overdue_at: p.overdue_at.unwrap_or(p.updated_at),
            payable_fen: o.payable_fen,
        });
    }
    Ok(out)
}

/// The operator sends a flagged order back to the kitchen: the package is
/// returned and the resident refunded in full.
pub async fn return_uncollected(
    db: &impl ConnectionTrait,
    platform_id: i64,
    order_id: i64,
    operator: i64,
    reason: String,
    now: DateTime<Utc>,
) -> DomainResult<order::Model> {
    let p = trip_package::Entity::find()
        .filter(trip_package::Column::PlatformId.eq(platform_id))
        .filter(trip_package::Column::OrderId.eq(order_id))
        .filter(trip_package::Column::Status.eq(PackageStatus::AtAgentPoint))
        .filter(trip_package::Column::OverdueAt.is_not_null())
        .one(db)
        .await?
        .ok_or(DomainError::NotFound("uncollected order"))?;
    if !set_package(
        db,
        p.id,
        PackageStatus::AtAgentPoint,
        PackageStatus::Returned,
        Some(reason.clone()),
        now,
    )
    .await?
    {
        return Err(DomainError::NotFound("uncollected order"));
    }
    let o = scope::get::<order::Entity>(db, order_id, "order").await?;
    let actor = OrderActor {
        kind: ActorKind::Operator,
        user_id: Some(operator),
    };
    transitions::apply(
        db,
        o,
        OrderEvent::ReturnUncollected,
        actor,
        Some(reason),
        now,
    )
    .await
}
