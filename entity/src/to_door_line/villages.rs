//! The village directory residents choose a delivery point from: the
//! platform's villages, each with its agent points (name, position, opening
//! hours) and the next departures that stop there. Keepers' names and phones
//! are not part of it.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Duration, Utc};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use serde::Serialize;
use utoipa::ToSchema;

use crate::error::DomainResult;
use crate::to_door_line::pricing::{Schedule, next_departure};
use crate::{agent_point, departure, route, route_stop, village};

/// How many departures are shown per agent point.
pub const NEXT_DEPARTURES: usize = 3;

/// A departure a resident's order may ride.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct NextDeparture {
    /// The route.
    pub route_id: i64,
    /// The route's name, e.g. 城关—花桥线.
    pub route_name: String,
    /// The departure.
    pub departure_id: i64,
    /// When the van leaves the county depot.
    pub departs_at: DateTime<Utc>,
    /// Orders placed before this ride this departure.
    pub order_before: DateTime<Utc>,
}

/// An agent point as residents see it.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct AgentPointEntry {
    /// The agent point; use it as an address's `agent_point_id`.
    pub id: i64,
    /// Name, e.g. 花桥村便民服务点.
    pub name: String,
    /// Latitude.
    pub lat: f64,
    /// Longitude.
    pub lng: f64,
    /// Opening hours as `HH:MM-HH:MM`, local time.
    pub opening_hours: String,
    /// The next departures stopping here, soonest first (at most three).
    pub next_departures: Vec<NextDeparture>,
}

/// A village with its agent points.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct VillageEntry {
    /// The village.
    pub id: i64,
    /// Name, e.g. 花桥村.
    pub name: String,
    /// Its township, e.g. 大堡镇.
    pub township: String,
    /// Latitude.
    pub lat: f64,
    /// Longitude.
    pub lng: f64,
    /// Its agent points.
    pub agent_points: Vec<AgentPointEntry>,
}

/// The platform's villages with their agent points and next departures.
pub async fn directory(
    db: &impl ConnectionTrait,
    platform_id: i64,
    now: DateTime<Utc>,
) -> DomainResult<Vec<VillageEntry>> {
    let p = crate::platform_end::platforms::platform_of(db, platform_id).await?;
    let offset = Duration::minutes(i64::from(p.utc_offset_minutes));
    let villages = village::Entity::find()
        .filter(village::Column::PlatformId.eq(platform_id))
        .order_by_asc(village::Column::Township)
        .order_by_asc(village::Column::Name)
        .all(db)
        .await?;
    let points = agent_point::Entity::find()
        .filter(agent_point::Column::PlatformId.eq(platform_id))
        .order_by_asc(agent_point::Column::Id)
        .all(db)
        .await?;
    let routes: HashMap<i64, route::Model> = route::Entity::find()
        .filter(route::Column::PlatformId.eq(platform_id))
        .filter(route::Column::Active.eq(true))
        .all(db)
        .await?
        .into_iter()
        .map(|r| (r.id, r))
        .collect();
    let stops = route_stop::Entity::find()
        .filter(route_stop::Column::RouteId.is_in(routes.keys().copied()))
        .all(db)
        .await?;
    let departures = departure::Entity::find()
        .filter(departure::Column::RouteId.is_in(routes.keys().copied()))
        .filter(departure::Column::Active.eq(true))
        .all(db)
        .await?;
    // Each point's schedules, one per departure of a route stopping there.
    let mut schedules: HashMap<i64, Vec<Schedule>> = HashMap::new();
    for s in &stops {
        for d in departures.iter().filter(|d| d.route_id == s.route_id) {
            if let Some(sch) = Schedule::of(d, s.seq) {
                schedules.entry(s.agent_point_id).or_default().push(sch);
            }
        }
    }
    let local_now = (now + offset).naive_utc();
    let mut by_village: BTreeMap<i64, Vec<AgentPointEntry>> = BTreeMap::new();
    for a in points {
        let mut next: Vec<NextDeparture> = schedules
            .get(&a.id)
            .map(|list| {
                list.iter()
                    .filter_map(|s| {
                        let (s, departs, cutoff) =
                            next_departure(local_now, std::slice::from_ref(s))?;
                        Some(NextDeparture {
                            route_id: s.route_id,
                            route_name: routes.get(&s.route_id)?.name.clone(),
                            departure_id: s.departure_id,
                            departs_at: departs.and_utc() - offset,
                            order_before: cutoff.and_utc() - offset,
                        })
                    })
                    .collect()
            })
            .unwrap_or_default();
        next.sort_by_key(|n| (n.departs_at, n.departure_id));
        next.truncate(NEXT_DEPARTURES);
        by_village
            .entry(a.village_id)
            .or_default()
            .push(AgentPointEntry {
                id: a.id,
                name: a.name,
                lat: a.lat,
                lng: a.lng,
                opening_hours: a.opening_hours,
                next_departures: next,
            });
    }
    Ok(villages
        .into_iter()
        .map(|v| VillageEntry {
            agent_points: by_village.remove(&v.id).unwrap_or_default(),
            id: v.id,
            name: v.name,
            township: v.township,
            lat: v.lat,
            lng: v.lng,
        })
        .collect())
}
