//! City delivery jobs: created when the kitchen accepts a city order, with
//! the rider's fee and the resident's code; the grab pool riders see.

use chrono::{DateTime, Duration, Timelike, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};
use serde::Serialize;

use crate::delivery_job::DeliveryJobStatus;
use crate::error::{DeliveryRefusal, DomainError, DomainResult};
use crate::geo::haversine_m;
use crate::platform_end::platforms::platform_of;
use crate::to_door_line::fee_rules;
use crate::{delivery_job, order, order_item, rider, store};

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
    let s = crate::scope::get::<store::Entity>(db, o.store_id, "store").await?;
    let p = crate::platform_end::platforms::platform_of(db, o.platform_id).await?;
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
    let (fee_rule_id, rules) = fee_rules::fee_rules(db, o.platform_id, now).await?;
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
        status: Set(DeliveryJobStatus::Open),
        rider_id: Set(None),
        code: Set(crate::ids::digits(4)),
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
    crate::scope::on_platform::<delivery_job::Entity>(db, platform_id, job_id, "job").await
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
        .filter(delivery_job::Column::Status.eq(DeliveryJobStatus::Open))
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
}
