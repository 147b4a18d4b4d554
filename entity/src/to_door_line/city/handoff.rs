//! The hand-offs of a city job: pickup inside the store's geofence, and
//! delivery at the door with the resident's code (locked after too many
//! wrong codes until an operator resolves it).

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

use crate::delivery_job::DeliveryJobStatus;
use crate::error::{DeliveryRefusal, DomainError, DomainResult};
use crate::geo::haversine_m;
use crate::order_event::ActorKind;
use crate::platform_end::platforms::platform_of;
use crate::scope;
use crate::to_door_line::city::jobs::{MAX_CODE_FAILURES, job, rider_job};
use crate::to_door_line::order_states::OrderEvent;
use crate::to_door_line::transitions;
use crate::to_door_line::transitions::OrderActor;
use crate::{delivery_job, order, rider};

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
    if j.status != DeliveryJobStatus::Assigned {
        return Err(DeliveryRefusal::JobState(j.status.to_string()).into());
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
    let o = scope::get::<order::Entity>(db, j.order_id, "order").await?;
    if o.ready_at.is_none() {
        return Err(DeliveryRefusal::OrderNotReady.into());
    }
    let moved = delivery_job::Entity::update_many()
        .col_expr(
            delivery_job::Column::Status,
            Expr::value(DeliveryJobStatus::PickedUp),
        )
        .col_expr(delivery_job::Column::PickedUpAt, Expr::value(Some(now)))
        .col_expr(delivery_job::Column::UpdatedAt, Expr::value(now))
        .filter(delivery_job::Column::Id.eq(j.id))
        .filter(delivery_job::Column::Status.eq(DeliveryJobStatus::Assigned))
        .exec(db)
        .await?;
    if moved.rows_affected != 1 {
        return Err(DeliveryRefusal::JobState("no longer assigned".into()).into());
    }
    let actor = OrderActor {
        kind: ActorKind::Rider,
        user_id: Some(r.user_id),
    };
    transitions::apply(db, o, OrderEvent::PickUp, actor, None, now).await?;
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
    if j.status == DeliveryJobStatus::Locked {
        return Err(DeliveryRefusal::JobLocked.into());
    }
    if j.status != DeliveryJobStatus::PickedUp {
        return Err(DeliveryRefusal::JobState(j.status.to_string()).into());
    }
    if !same_code(code.trim(), &j.code) {
        let failures = j.code_failures + 1;
        let locked = failures >= MAX_CODE_FAILURES;
        delivery_job::Entity::update_many()
            .col_expr(delivery_job::Column::CodeFailures, Expr::value(failures))
            .col_expr(
                delivery_job::Column::Status,
                Expr::value(if locked {
                    DeliveryJobStatus::Locked
                } else {
                    DeliveryJobStatus::PickedUp
                }),
            )
            .col_expr(delivery_job::Column::UpdatedAt, Expr::value(now))
            .filter(delivery_job::Column::Id.eq(j.id))
            .filter(delivery_job::Column::Status.eq(DeliveryJobStatus::PickedUp))
            .exec(db)
            .await?;
        return Ok(if locked {
            Delivered::Locked
        } else {
            Delivered::WrongCode(MAX_CODE_FAILURES - failures)
        });
    }
    finish(db, &j, r.id, now).await?;
    let o = scope::get::<order::Entity>(db, j.order_id, "order").await?;
    let actor = OrderActor {
        kind: ActorKind::Rider,
        user_id: Some(r.user_id),
    };
    transitions::apply(db, o, OrderEvent::Deliver, actor, None, now).await?;
    Ok(Delivered::Done(Box::new(rider_job(db, r, j.id).await?)))
}

async fn finish(
    db: &impl ConnectionTrait,
    j: &delivery_job::Model,
    rider_id: i64,
    now: DateTime<Utc>,
) -> DomainResult<()> {
    let moved = delivery_job::Entity::update_many()
        .col_expr(
            delivery_job::Column::Status,
            Expr::value(DeliveryJobStatus::Delivered),
        )
        .col_expr(delivery_job::Column::DeliveredAt, Expr::value(Some(now)))
        .col_expr(delivery_job::Column::UpdatedAt, Expr::value(now))
        .filter(delivery_job::Column::Id.eq(j.id))
        .filter(
            delivery_job::Column::Status
                .is_in([DeliveryJobStatus::PickedUp, DeliveryJobStatus::Locked]),
        )
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
pub(crate) fn same_code(a: &str, b: &str) -> bool {
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
    if j.status != DeliveryJobStatus::Locked {
        return Err(DeliveryRefusal::JobState(j.status.to_string()).into());
    }
    let rider_id = j.rider_id.ok_or(DomainError::NotFound("rider"))?;
    if delivered {
        finish(db, &j, rider_id, now).await?;
        let o = scope::get::<order::Entity>(db, j.order_id, "order").await?;
        let actor = OrderActor {
            kind: ActorKind::Operator,
            user_id: Some(operator_id),
        };
        transitions::apply(
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
            .col_expr(
                delivery_job::Column::Status,
                Expr::value(DeliveryJobStatus::PickedUp),
            )
            .col_expr(delivery_job::Column::CodeFailures, Expr::value(0))
            .col_expr(delivery_job::Column::UpdatedAt, Expr::value(now))
            .filter(delivery_job::Column::Id.eq(j.id))
            .filter(delivery_job::Column::Status.eq(DeliveryJobStatus::Locked))
            .exec(db)
            .await?;
    }
    job(db, platform_id, j.id).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_compare_whole() {
        assert!(same_code("0427", "0427"));
        assert!(!same_code("0428", "0427"));
        assert!(!same_code("042", "0427"));
    }
}
