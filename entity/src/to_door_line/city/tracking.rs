//! Where a city order is: the rider's position and ETA for the resident,
//! and a rider's jobs not yet delivered.

use chrono::{DateTime, Duration, Utc};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use serde::Serialize;

use crate::delivery_job::DeliveryJobStatus;
use crate::error::{DeliveryRefusal, DomainResult};
use crate::geo::haversine_m;
use crate::to_door_line::city::jobs::{ROAD_FACTOR, speed_mps};
use crate::to_door_line::order_states::OrderStatus;
use crate::{delivery_job, order, rider};

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
    if o.status != OrderStatus::PickedUp {
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
        status: o.status.to_string(),
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
        .filter(delivery_job::Column::Status.is_in([
            DeliveryJobStatus::Assigned,
            DeliveryJobStatus::PickedUp,
            DeliveryJobStatus::Locked,
        ]))
        .order_by_asc(delivery_job::Column::Id)
        .all(db)
        .await?)
}
