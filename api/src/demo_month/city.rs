//! A city order after payment: the kitchen takes it (or refuses it), a
//! rider gets the job by an automatic offer or by grabbing it, picks it up
//! at the store and hands it over at the door with the resident's code.

use chrono::{DateTime, Duration, Utc};
use entity::delivery_job;
use entity::error::{DomainError, DomainResult};
use entity::order::{self, OrderStatus};
use entity::rider;
use entity::to_door_line::city::dispatch::{self, AssignedBy};
use entity::to_door_line::city::handoff::{self, Delivered};
use entity::to_door_line::kitchen::{self, KitchenStep};
use sea_orm::{ColumnTrait, DatabaseTransaction, EntityTrait, QueryFilter};

use super::cast::Kitchen;
use super::rng::Rng;

/// How a paid city order ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ending {
    /// Delivered at the door.
    Delivered,
    /// The kitchen refused it (sold out): refunded.
    Refused,
}

/// Runs a paid city order to its end; returns its rider when delivered.
pub async fn deliver(
    db: &DatabaseTransaction,
    o: order::Model,
    kitchen: &Kitchen,
    rider: &rider::Model,
    ending: Ending,
    rng: &mut Rng,
) -> DomainResult<Option<i64>> {
    if o.status != OrderStatus::Paid {
        return Ok(None);
    }
    let seen = o.paid_at.unwrap_or(o.created_at) + Duration::seconds(rng.between(40, 240));
    let staff = kitchen.owner_user_id;
    if ending == Ending::Refused {
        let step = KitchenStep::Reject {
            reason: "今日已售罄，抱歉".into(),
        };
        kitchen::step(db, kitchen.store.id, staff, o.id, step, seen).await?;
        return Ok(None);
    }
    let o = kitchen::step(db, kitchen.store.id, staff, o.id, KitchenStep::Accept, seen).await?;
    let job = delivery_job::Entity::find()
        .filter(delivery_job::Column::OrderId.eq(o.id))
        .one(db)
        .await?
        .ok_or(DomainError::NotFound("delivery job"))?;
    let offered = seen + Duration::seconds(rng.between(20, 90));
    if rng.chance(650) {
        // The worker's dispatch round offers it; the rider accepts.
        let expires = offered + Duration::seconds(60);
        dispatch::make_offer(db, o.platform_id, job.id, rider.id, 300, expires, offered).await?;
        let answered = offered + Duration::seconds(rng.between(5, 40));
        dispatch::answer_offer(db, rider, job.id, true, answered).await?;
    } else {
        dispatch::assign(db, rider, job.id, AssignedBy::Grab, offered).await?;
    }
    let prep = i64::from(kitchen.store.prep_minutes) * 60;
    let ready_at = seen + Duration::seconds(prep + rng.between(-300, 300));
    let step = KitchenStep::Ready {
        batches: Default::default(),
    };
    kitchen::step(db, kitchen.store.id, staff, o.id, step, ready_at).await?;
    let picked = ready_at + Duration::seconds(rng.between(60, 420));
    let at_store = (kitchen.store.lat, kitchen.store.lng);
    handoff::pickup(db, rider, job.id, at_store, picked).await?;
    // About 4 minutes a kilometre through town, plus the stairs.
    let ride = job.distance_m * 60 / 250 + rng.between(120, 480);
    let door = picked + Duration::seconds(ride);
    match handoff::deliver(db, rider, job.id, &job.code, door).await? {
        Delivered::Done(_) => Ok(Some(rider.id)),
        Delivered::WrongCode(_) | Delivered::Locked => Err(DomainError::invalid(
            "code",
            "the job's own code was refused",
        )),
    }
}

/// The start of a rider's shift: on duty, with the day's date.
pub async fn on_duty(
    db: &DatabaseTransaction,
    r: &rider::Model,
    at: DateTime<Utc>,
    utc_offset_minutes: i32,
) -> DomainResult<rider::Model> {
    let today = (at + Duration::minutes(i64::from(utc_offset_minutes))).date_naive();
    entity::delivery_end::riders::set_duty(db, r, true, at, today).await
}
