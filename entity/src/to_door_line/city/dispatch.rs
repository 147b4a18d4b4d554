//! Giving city jobs to riders: grabs, automatic offers and their answers,
//! an operator's assignment, and a rider giving a job back.
//!
//! Every assignment is two guarded updates in the caller's transaction: the
//! rider's load (`active_jobs < max`) and the job's status (`open` or
//! `offered`), so of any number of simultaneous grabs exactly one wins.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set};

use crate::delivery_job::DeliveryJobStatus;
use crate::dispatch_offer::OfferStatus;
use crate::error::{DeliveryRefusal, DomainResult};
use crate::order_event::ActorKind;
use crate::platform_end::platforms::platform_of;
use crate::scope;
use crate::to_door_line::city::jobs::{job, rider_job};
use crate::to_door_line::order_states::OrderEvent;
use crate::to_door_line::transitions;
use crate::to_door_line::transitions::OrderActor;
use crate::{delivery_job, dispatch_offer, order, rider};

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
    let from: &[DeliveryJobStatus] = match by {
        AssignedBy::Grab => {
            if p.dispatch_mode == "auto" {
                return Err(DeliveryRefusal::GrabNotAllowed.into());
            }
            &[DeliveryJobStatus::Open]
        }
        AssignedBy::Offer => &[DeliveryJobStatus::Offered],
        AssignedBy::Operator(_) => &[DeliveryJobStatus::Open, DeliveryJobStatus::Offered],
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
        .col_expr(
            delivery_job::Column::Status,
            Expr::value(DeliveryJobStatus::Assigned),
        )
        .col_expr(delivery_job::Column::RiderId, Expr::value(Some(r.id)))
        .col_expr(delivery_job::Column::AssignedAt, Expr::value(Some(now)))
        .col_expr(delivery_job::Column::UpdatedAt, Expr::value(now))
        .filter(delivery_job::Column::Id.eq(j.id))
        .filter(delivery_job::Column::Status.is_in(from.iter().copied()))
        .exec(db)
        .await?;
    if taken.rows_affected != 1 {
        return Err(match j.status {
            DeliveryJobStatus::Open
            | DeliveryJobStatus::Offered
            | DeliveryJobStatus::Assigned
            | DeliveryJobStatus::PickedUp
            | DeliveryJobStatus::Delivered => DeliveryRefusal::JobTaken,
            other => DeliveryRefusal::JobState(other.to_string()),
        }
        .into());
    }
    // Offers of the job still pending for others are void now.
    dispatch_offer::Entity::update_many()
        .col_expr(
            dispatch_offer::Column::Status,
            Expr::value(OfferStatus::Withdrawn),
        )
        .col_expr(dispatch_offer::Column::DecidedAt, Expr::value(Some(now)))
        .filter(dispatch_offer::Column::JobId.eq(j.id))
        .filter(dispatch_offer::Column::Status.eq(OfferStatus::Pending))
        .filter(dispatch_offer::Column::RiderId.ne(r.id))
        .exec(db)
        .await?;
    let o = scope::get::<order::Entity>(db, j.order_id, "order").await?;
    let actor = match by {
        AssignedBy::Operator(id) => OrderActor {
            kind: ActorKind::Operator,
            user_id: Some(id),
        },
        _ => OrderActor {
            kind: ActorKind::Rider,
            user_id: Some(r.user_id),
        },
    };
    transitions::apply(db, o, OrderEvent::AssignRider, actor, None, now).await?;
    job(db, r.platform_id, j.id).await
}

/// The rider answers an automatic offer.
pub async fn answer_offer(
    db: &impl ConnectionTrait,
    r: &rider::Model,
    job_id: i64,
    accept: bool,
    now: DateTime<Utc>,
) -> DomainResult<Option<delivery_job::Model>> {
    let to = if accept {
        OfferStatus::Accepted
    } else {
        OfferStatus::Declined
    };
    let answered = dispatch_offer::Entity::update_many()
        .col_expr(dispatch_offer::Column::Status, Expr::value(to))
        .col_expr(dispatch_offer::Column::DecidedAt, Expr::value(Some(now)))
        .filter(dispatch_offer::Column::JobId.eq(job_id))
        .filter(dispatch_offer::Column::RiderId.eq(r.id))
        .filter(dispatch_offer::Column::Status.eq(OfferStatus::Pending))
        .filter(dispatch_offer::Column::ExpiresAt.gt(now))
        .exec(db)
        .await?;
    if answered.rows_affected != 1 {
        return Err(DeliveryRefusal::NoOffer.into());
    }
    if accept {
        return Ok(Some(assign(db, r, job_id, AssignedBy::Offer, now).await?));
    }
    reopen(db, job_id, &[DeliveryJobStatus::Offered], now).await?;
    Ok(None)
}

async fn reopen(
    db: &impl ConnectionTrait,
    job_id: i64,
    from: &[DeliveryJobStatus],
    now: DateTime<Utc>,
) -> DomainResult<()> {
    delivery_job::Entity::update_many()
        .col_expr(
            delivery_job::Column::Status,
            Expr::value(DeliveryJobStatus::Open),
        )
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
        .filter(dispatch_offer::Column::Status.eq(OfferStatus::Pending))
        .filter(dispatch_offer::Column::ExpiresAt.lte(now))
        .all(db)
        .await?;
    for o in &stale {
        let done = dispatch_offer::Entity::update_many()
            .col_expr(
                dispatch_offer::Column::Status,
                Expr::value(OfferStatus::Expired),
            )
            .col_expr(dispatch_offer::Column::DecidedAt, Expr::value(Some(now)))
            .filter(dispatch_offer::Column::Id.eq(o.id))
            .filter(dispatch_offer::Column::Status.eq(OfferStatus::Pending))
            .exec(db)
            .await?;
        if done.rows_affected == 1 {
            reopen(db, o.job_id, &[DeliveryJobStatus::Offered], now).await?;
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
        .col_expr(
            delivery_job::Column::Status,
            Expr::value(DeliveryJobStatus::Offered),
        )
        .col_expr(delivery_job::Column::UpdatedAt, Expr::value(now))
        .filter(delivery_job::Column::Id.eq(job_id))
        .filter(delivery_job::Column::Status.eq(DeliveryJobStatus::Open))
        .exec(db)
        .await?;
    if moved.rows_affected != 1 {
        return Ok(false);
    }
    let res = dispatch_offer::Entity::insert(dispatch_offer::ActiveModel {
        platform_id: Set(platform_id),
        job_id: Set(job_id),
        rider_id: Set(rider_id),
        status: Set(OfferStatus::Pending),
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
            reopen(db, job_id, &[DeliveryJobStatus::Offered], now).await?;
            Ok(false)
        }
        Err(e) => Err(e.into()),
    }
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
    if j.status != DeliveryJobStatus::Assigned {
        return Err(DeliveryRefusal::JobState(j.status.to_string()).into());
    }
    reopen(db, j.id, &[DeliveryJobStatus::Assigned], now).await?;
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
        status: Set(OfferStatus::GivenUp),
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
    let o = scope::get::<order::Entity>(db, j.order_id, "order").await?;
    let ready = o.ready_at.is_some();
    let actor = OrderActor {
        kind: ActorKind::Rider,
        user_id: Some(r.user_id),
    };
    let o = transitions::apply(
        db,
        o,
        OrderEvent::ReleaseRider,
        actor,
        Some("rider gave up".into()),
        now,
    )
    .await?;
    if ready {
        transitions::apply(
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

/// Pending offers to a rider.
pub async fn offers_to(
    db: &impl ConnectionTrait,
    r: &rider::Model,
    now: DateTime<Utc>,
) -> DomainResult<Vec<dispatch_offer::Model>> {
    Ok(dispatch_offer::Entity::find()
        .filter(dispatch_offer::Column::RiderId.eq(r.id))
        .filter(dispatch_offer::Column::Status.eq(OfferStatus::Pending))
        .filter(dispatch_offer::Column::ExpiresAt.gt(now))
        .order_by_asc(dispatch_offer::Column::Id)
        .all(db)
        .await?)
}
