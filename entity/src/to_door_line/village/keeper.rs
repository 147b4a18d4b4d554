//! The agent point as its keeper sees it during the day: the vans still to
//! drop packages there (the stop to hand over at), the packages waiting
//! for their residents, and those collected today.

use chrono::{DateTime, Duration, Utc};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use serde::Serialize;
use utoipa::ToSchema;

use crate::error::DomainResult;
use crate::to_door_line::city::jobs::MAX_CODE_FAILURES;
use crate::trip_package::PackageStatus;
use crate::trip_stop::StopKind;
use crate::{order, trip_package, trip_stop};

/// A drop stop at the point whose packages are still on the van.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ArrivingStop {
    /// The trip (for the handover).
    pub trip_id: i64,
    /// The stop's `seq` on it (for the handover).
    pub seq: i32,
    /// When the van is expected.
    pub eta: DateTime<Utc>,
    /// When it arrived, if it has.
    pub arrived_at: Option<DateTime<Utc>>,
    /// Packages to take.
    pub packages: i64,
}

/// A package at the point.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PointPackage {
    /// The order (for the collection).
    pub order_id: i64,
    /// Its public number.
    pub order_no: String,
    /// The resident's name, masked after its first character.
    pub resident: String,
    /// `at_agent_point` or `collected`.
    pub status: PackageStatus,
    /// Since when (taken, or collected).
    pub since: DateTime<Utc>,
    /// Three wrong pickup codes: it waits for an operator.
    pub locked: bool,
}

/// The keeper's day at the point.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct KeeperDay {
    /// Vans still to drop packages here.
    pub arriving: Vec<ArrivingStop>,
    /// Packages waiting for their residents, oldest first.
    pub waiting: Vec<PointPackage>,
    /// Packages collected since `day_start`, latest first.
    pub collected: Vec<PointPackage>,
}

/// A name for a list others may see: its first character and stars.
fn masked(name: &str) -> String {
    let mut chars = name.chars();
    match chars.next() {
        Some(first) => std::iter::once(first).chain(chars.map(|_| '*')).collect(),
        None => String::new(),
    }
}

/// The point's day: stops of the last two weeks, packages collected since
/// `day_start` (the local day's start).
pub async fn day(
    db: &impl ConnectionTrait,
    platform_id: i64,
    point_id: i64,
    day_start: DateTime<Utc>,
    now: DateTime<Utc>,
) -> DomainResult<KeeperDay> {
    let stops = trip_stop::Entity::find()
        .filter(trip_stop::Column::PlatformId.eq(platform_id))
        .filter(trip_stop::Column::Kind.eq(StopKind::Drop))
        .filter(trip_stop::Column::PlaceId.eq(point_id))
        .filter(trip_stop::Column::Eta.gte(now - Duration::days(14)))
        .order_by_asc(trip_stop::Column::Eta)
        .all(db)
        .await?;
    let packages = trip_package::Entity::find()
        .filter(trip_package::Column::TripId.is_in(stops.iter().map(|s| s.trip_id)))
        .all(db)
        .await?;
    let of_stop = |s: &trip_stop::Model| -> Vec<&trip_package::Model> {
        packages
            .iter()
            .filter(|p| p.trip_id == s.trip_id && p.drop_seq == s.seq)
            .collect()
    };
    let arriving = stops
        .iter()
        .filter(|s| s.handed_over_at.is_none())
        .filter_map(|s| {
            let n = of_stop(s)
                .into_iter()
                .filter(|p| matches!(p.status, PackageStatus::Planned | PackageStatus::Loaded))
                .count() as i64;
            (n > 0).then_some(ArrivingStop {
                trip_id: s.trip_id,
                seq: s.seq,
                eta: s.eta,
                arrived_at: s.arrived_at,
                packages: n,
            })
        })
        .collect();
    let here: Vec<&trip_package::Model> = stops
        .iter()
        .flat_map(of_stop)
        .filter(|p| {
            p.status == PackageStatus::AtAgentPoint
                || (p.status == PackageStatus::Collected && p.updated_at >= day_start)
        })
        .collect();
    let orders: std::collections::HashMap<i64, order::Model> = order::Entity::find()
        .filter(order::Column::Id.is_in(here.iter().map(|p| p.order_id)))
        .all(db)
        .await?
        .into_iter()
        .map(|o| (o.id, o))
        .collect();
    let view = |p: &trip_package::Model| {
        let o = orders.get(&p.order_id);
        let name = o
            .and_then(|o| serde_json::from_str::<serde_json::Value>(&o.address_snapshot).ok())
            .and_then(|a| a["contact_name"].as_str().map(masked))
            .unwrap_or_default();
        PointPackage {
            order_id: p.order_id,
            order_no: o.map(|o| o.order_no.clone()).unwrap_or_default(),
            resident: name,
            status: p.status,
            since: p.updated_at,
            locked: p.code_failures >= MAX_CODE_FAILURES,
        }
    };
    let mut waiting: Vec<PointPackage> = here
        .iter()
        .filter(|p| p.status == PackageStatus::AtAgentPoint)
        .map(|p| view(p))
        .collect();
    waiting.sort_by_key(|p| p.since);
    let mut collected: Vec<PointPackage> = here
        .iter()
        .filter(|p| p.status == PackageStatus::Collected)
        .map(|p| view(p))
        .collect();
    collected.sort_by_key(|p| std::cmp::Reverse(p.since));
    Ok(KeeperDay {
        arriving,
        waiting,
        collected,
    })
}

#[cfg(test)]
mod tests {
    use super::masked;

    #[test]
    fn names_are_masked_after_the_first_character() {
        assert_eq!(masked("张三丰"), "张**");
        assert_eq!(masked("李"), "李");
        assert_eq!(masked(""), "");
    }
}
