//! The service area of a platform: communities, villages, agent points,
//! village routes and their departures; and the classification of a
//! resident's address as city or village.

use chrono::{DateTime, NaiveTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set,
    TryIntoModel,
};
use serde::{Deserialize, Serialize};

use crate::error::{DomainError, DomainResult};
use crate::geo::Coordinates;
use crate::order::DeliveryKind;
use crate::validate::{phone, text};
use crate::{agent_point, community, departure, route, route_stop, village};

/// A community's fields.
#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
pub struct CommunityInput {
    /// Name, e.g. 东关社区.
    pub name: String,
    /// Centre point.
    pub center: Coordinates,
    /// Radius in metres (50 m to 20 km).
    pub radius_m: i32,
}

impl CommunityInput {
    fn check(&self) -> DomainResult<String> {
        if !(50..=20_000).contains(&self.radius_m) {
            return Err(DomainError::invalid(
                "radius_m",
                "must be 50 to 20000 metres",
            ));
        }
        text("name", &self.name, 1, 32)
    }
}

/// Creates or (with `id`) replaces a community of the platform.
pub async fn save_community(
    db: &impl ConnectionTrait,
    platform_id: i64,
    id: Option<i64>,
    input: &CommunityInput,
    now: DateTime<Utc>,
) -> DomainResult<community::Model> {
    let name = input.check()?;
    let mut model = match id {
        Some(id) => {
            let m: community::ActiveModel = crate::scope::on_platform::<crate::community::Entity>(
                db,
                platform_id,
                id,
                "community",
            )
            .await?
            .into();
            m
        }
        None => community::ActiveModel {
            platform_id: Set(platform_id),
            created_at: Set(now),
            ..Default::default()
        },
    };
    model.name = Set(name);
    model.center_lat = Set(input.center.lat);
    model.center_lng = Set(input.center.lng);
    model.radius_m = Set(input.radius_m);
    Ok(model.save(db).await?.try_into_model()?)
}

/// A village's fields.
#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
pub struct VillageInput {
    /// Village name, e.g. 花桥村.
    pub name: String,
    /// Township, e.g. 长坝镇.
    pub township: String,
    /// Village centre.
    pub location: Coordinates,
}

/// Creates or (with `id`) replaces a village.
pub async fn save_village(
    db: &impl ConnectionTrait,
    platform_id: i64,
    id: Option<i64>,
    input: &VillageInput,
    now: DateTime<Utc>,
) -> DomainResult<village::Model> {
    let name = text("name", &input.name, 1, 32)?;
    let township = text("township", &input.township, 1, 32)?;
    let mut model = match id {
        Some(id) => {
            crate::scope::on_platform::<crate::village::Entity>(db, platform_id, id, "village")
                .await?
                .into()
        }
        None => village::ActiveModel {
            platform_id: Set(platform_id),
            created_at: Set(now),
            ..Default::default()
        },
    };
    model.name = Set(name);
    model.township = Set(township);
    model.lat = Set(input.location.lat);
    model.lng = Set(input.location.lng);
    Ok(model.save(db).await?.try_into_model()?)
}

/// An agent point's fields.
#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
pub struct AgentPointInput {
    /// The village it serves.
    pub village_id: i64,
    /// Name, e.g. 花桥村便民服务点.
    pub name: String,
    /// Who keeps it.
    pub keeper_name: String,
    /// The keeper's phone.
    pub phone: String,
    /// Where it is.
    pub location: Coordinates,
    /// Opening hours, `HH:MM-HH:MM`.
    pub opening_hours: String,
}

fn check_hours_range(s: &str) -> DomainResult<String> {
    let bad = || DomainError::invalid("opening_hours", "must be HH:MM-HH:MM");
    let (a, b) = s.trim().split_once('-').ok_or_else(bad)?;
    NaiveTime::parse_from_str(a, "%H:%M").map_err(|_| bad())?;
    NaiveTime::parse_from_str(b, "%H:%M").map_err(|_| bad())?;
    Ok(s.trim().to_owned())
}

/// Creates or (with `id`) replaces an agent point.
pub async fn save_agent_point(
    db: &impl ConnectionTrait,
    platform_id: i64,
    id: Option<i64>,
    input: &AgentPointInput,
    now: DateTime<Utc>,
) -> DomainResult<agent_point::Model> {
    crate::scope::on_platform::<crate::village::Entity>(
        db,
        platform_id,
        input.village_id,
        "village",
    )
    .await?;
    let name = text("name", &input.name, 1, 32)?;
    let keeper = text("keeper_name", &input.keeper_name, 1, 32)?;
    let phone = phone("phone", &input.phone)?;
    let hours = check_hours_range(&input.opening_hours)?;
    let mut model = match id {
        Some(id) => crate::scope::on_platform::<crate::agent_point::Entity>(
            db,
            platform_id,
            id,
            "agent point",
        )
        .await?
        .into(),
        None => agent_point::ActiveModel {
            platform_id: Set(platform_id),
            created_at: Set(now),
            ..Default::default()
        },
    };
    model.village_id = Set(input.village_id);
    model.name = Set(name);
    model.keeper_name = Set(keeper);
    model.phone = Set(phone);
    model.lat = Set(input.location.lat);
    model.lng = Set(input.location.lng);
    model.opening_hours = Set(hours);
    Ok(model.save(db).await?.try_into_model()?)
}

/// A route's fields: the hub and the agent points in visiting order.
#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
pub struct RouteInput {
    /// Name, e.g. 县城—长坝线.
    pub name: String,
    /// The county hub it starts from.
    pub hub_name: String,
    /// Where the hub is.
    pub hub: Coordinates,
    /// Agent point ids in visiting order.
    pub stops: Vec<i64>,
    /// Whether orders can be planned on it.
    #[serde(default = "yes")]
    pub active: bool,
}

fn yes() -> bool {
    true
}

/// A route with its ordered stops.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RouteView {
    /// The route.
    #[serde(flatten)]
    pub route: route::Model,
    /// Agent point ids in visiting order.
    pub stops: Vec<i64>,
}

/// Creates or (with `id`) replaces a route and its stops. Run in a transaction.
pub async fn save_route(
    db: &impl ConnectionTrait,
    platform_id: i64,
    id: Option<i64>,
    input: &RouteInput,
    now: DateTime<Utc>,
) -> DomainResult<RouteView> {
    let name = text("name", &input.name, 1, 32)?;
    let hub_name = text("hub_name", &input.hub_name, 1, 32)?;
    if input.stops.is_empty() || input.stops.len() > 100 {
        return Err(DomainError::invalid(
            "stops",
            "must list 1 to 100 agent points",
        ));
    }
    let mut seen = std::collections::HashSet::new();
    for stop in &input.stops {
        if !seen.insert(*stop) {
            return Err(DomainError::invalid(
                "stops",
                format!("agent point {stop} is listed twice"),
            ));
        }
        crate::scope::on_platform::<crate::agent_point::Entity>(
            db,
            platform_id,
            *stop,
            "agent point",
        )
        .await?;
    }
    let mut model = match id {
        Some(id) => crate::scope::on_platform::<crate::route::Entity>(db, platform_id, id, "route")
            .await?
            .into(),
        None => route::ActiveModel {
            platform_id: Set(platform_id),
            created_at: Set(now),
            ..Default::default()
        },
    };
    model.name = Set(name);
    model.hub_name = Set(hub_name);
    model.hub_lat = Set(input.hub.lat);
    model.hub_lng = Set(input.hub.lng);
    model.active = Set(input.active);
    let route = model.save(db).await?.try_into_model()?;
    route_stop::Entity::delete_many()
        .filter(route_stop::Column::RouteId.eq(route.id))
        .exec(db)
        .await?;
    for (seq, stop) in input.stops.iter().enumerate() {
        route_stop::ActiveModel {
            platform_id: Set(platform_id),
            route_id: Set(route.id),
            agent_point_id: Set(*stop),
            seq: Set(seq as i32),
            ..Default::default()
        }
        .insert(db)
        .await?;
    }
    Ok(RouteView {
        route,
        stops: input.stops.clone(),
    })
}

/// The routes of a platform with their stops.
pub async fn routes(db: &impl ConnectionTrait, platform_id: i64) -> DomainResult<Vec<RouteView>> {
    let routes = route::Entity::find()
        .filter(route::Column::PlatformId.eq(platform_id))
        .order_by_asc(route::Column::Id)
        .all(db)
        .await?;
    let stops = route_stop::Entity::find()
        .filter(route_stop::Column::PlatformId.eq(platform_id))
        .order_by_asc(route_stop::Column::RouteId)
        .order_by_asc(route_stop::Column::Seq)
        .all(db)
        .await?;
    Ok(routes
        .into_iter()
        .map(|route| RouteView {
            stops: stops
                .iter()
                .filter(|s| s.route_id == route.id)
                .map(|s| s.agent_point_id)
                .collect(),
            route,
        })
        .collect())
}

/// A departure's fields.
#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
pub struct DepartureInput {
    /// ISO weekdays it runs on, 1 (Monday) to 7 (Sunday).
    pub weekdays: Vec<u8>,
    /// Local departure time, `HH:MM`.
    pub depart_at: String,
    /// Orders close this many minutes before departure (0 to 1440).
    pub cutoff_minutes: i32,
    /// Whether it runs.
    #[serde(default = "yes")]
    pub active: bool,
}

/// The weekday bitmask (bit 0 = Monday) of ISO weekdays.
pub fn weekday_mask(days: &[u8]) -> DomainResult<i32> {
    if days.is_empty() {
        return Err(DomainError::invalid("weekdays", "name at least one day"));
    }
    days.iter().try_fold(0i32, |mask, d| {
        if (1..=7).contains(d) {
            Ok(mask | 1 << (d - 1))
        } else {
            Err(DomainError::invalid(
                "weekdays",
                "days are 1 (Mon) to 7 (Sun)",
            ))
        }
    })
}

/// The ISO weekdays of a bitmask.
pub fn weekdays_of(mask: i32) -> Vec<u8> {
    (1..=7u8).filter(|d| mask & (1 << (d - 1)) != 0).collect()
}

/// Creates or (with `id`) replaces a departure of a route.
pub async fn save_departure(
    db: &impl ConnectionTrait,
    platform_id: i64,
    route_id: i64,
    id: Option<i64>,
    input: &DepartureInput,
    now: DateTime<Utc>,
) -> DomainResult<departure::Model> {
    crate::scope::on_platform::<crate::route::Entity>(db, platform_id, route_id, "route").await?;
    let mask = weekday_mask(&input.weekdays)?;
    NaiveTime::parse_from_str(&input.depart_at, "%H:%M")
        .map_err(|_| DomainError::invalid("depart_at", "must be HH:MM"))?;
    if !(0..=1440).contains(&input.cutoff_minutes) {
        return Err(DomainError::invalid("cutoff_minutes", "must be 0 to 1440"));
    }
    let mut model = match id {
        Some(id) => {
            let d = crate::scope::on_platform::<crate::departure::Entity>(
                db,
                platform_id,
                id,
                "departure",
            )
            .await?;
            if d.route_id != route_id {
                return Err(DomainError::NotFound("departure"));
            }
            d.into()
        }
        None => departure::ActiveModel {
            platform_id: Set(platform_id),
            route_id: Set(route_id),
            created_at: Set(now),
            ..Default::default()
        },
    };
    model.weekdays = Set(mask);
    model.depart_at = Set(input.depart_at.clone());
    model.cutoff_minutes = Set(input.cutoff_minutes);
    model.active = Set(input.active);
    Ok(model.save(db).await?.try_into_model()?)
}

/// What an operator can delete from the service area.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AreaObject {
    /// A community.
    Community,
    /// A village.
    Village,
    /// An agent point.
    AgentPoint,
    /// A route, with its stops, departures and store links.
    Route,
    /// A departure.
    Departure,
}

fn in_use(what: &'static str) -> impl Fn(sea_orm::DbErr) -> DomainError {
    move |e| {
        // SQLite reports an `ON DELETE RESTRICT` refusal as 1811
        // (SQLITE_CONSTRAINT_TRIGGER), which sea-orm does not classify.
        let fk = matches!(
            e.sql_err(),
            Some(sea_orm::SqlErr::ForeignKeyConstraintViolation(_))
        ) || e.to_string().contains("FOREIGN KEY constraint failed");
        if fk {
            DomainError::InUse(what)
        } else {
            DomainError::Db(e)
        }
    }
}

/// Deletes a service-area object of the platform. Run in a transaction.
///
/// The database refuses to delete what is still referred to (an address in
/// a community, a route stopping at an agent point): that is `InUse`.
pub async fn delete(
    db: &impl ConnectionTrait,
    platform_id: i64,
    what: AreaObject,
    id: i64,
) -> DomainResult<()> {
    match what {
        AreaObject::Community => {
            crate::scope::on_platform::<crate::community::Entity>(db, platform_id, id, "community")
                .await?;
            community::Entity::delete_by_id(id)
                .exec(db)
                .await
                .map_err(in_use("community"))?;
        }
        AreaObject::Village => {
            crate::scope::on_platform::<crate::village::Entity>(db, platform_id, id, "village")
                .await?;
            village::Entity::delete_by_id(id)
                .exec(db)
                .await
                .map_err(in_use("village"))?;
        }
        AreaObject::AgentPoint => {
            crate::scope::on_platform::<crate::agent_point::Entity>(
                db,
                platform_id,
                id,
                "agent point",
            )
            .await?;
            agent_point::Entity::delete_by_id(id)
                .exec(db)
                .await
                .map_err(in_use("agent point"))?;
        }
        AreaObject::Route => {
            crate::scope::on_platform::<crate::route::Entity>(db, platform_id, id, "route").await?;
            route_stop::Entity::delete_many()
                .filter(route_stop::Column::RouteId.eq(id))
                .exec(db)
                .await?;
            crate::store_route::Entity::delete_many()
                .filter(crate::store_route::Column::RouteId.eq(id))
                .exec(db)
                .await?;
            departure::Entity::delete_many()
                .filter(departure::Column::RouteId.eq(id))
                .exec(db)
                .await
                .map_err(in_use("route"))?;
            route::Entity::delete_by_id(id)
                .exec(db)
                .await
                .map_err(in_use("route"))?;
        }
        AreaObject::Departure => {
            crate::scope::on_platform::<crate::departure::Entity>(db, platform_id, id, "departure")
                .await?;
            departure::Entity::delete_by_id(id)
                .exec(db)
                .await
                .map_err(in_use("departure"))?;
        }
    }
    Ok(())
}

/// Where an address is: a point in town or a village agent point.
#[derive(Debug, Clone)]
pub enum Place {
    /// A city address at these coordinates.
    City(Coordinates),
    /// A village address collected at this agent point.
    Village(i64),
}

/// An address's place as the platform serves it.
#[derive(Debug, Clone, PartialEq)]
pub struct Classified {
    /// City or village.
    pub kind: DeliveryKind,
    /// The community containing a city address (the nearest if several do).
    pub community_id: Option<i64>,
    /// The agent point of a village address.
    pub agent_point_id: Option<i64>,
    /// The coordinates (the agent point's for a village address).
    pub location: Coordinates,
}

/// Decides whether the platform serves a place, and how.
pub async fn classify(
    db: &impl ConnectionTrait,
    platform_id: i64,
    place: &Place,
) -> DomainResult<Classified> {
    match place {
        Place::City(point) => {
            let communities = community::Entity::find()
                .filter(community::Column::PlatformId.eq(platform_id))
                .all(db)
                .await?;
            communities
                .iter()
                .filter_map(|c| {
                    let centre = Coordinates::new(c.center_lat, c.center_lng).ok()?;
                    let d = centre.distance_m(*point);
                    (d <= f64::from(c.radius_m)).then_some((d, c.id))
                })
                .min_by(|a, b| a.0.total_cmp(&b.0))
                .map(|(_, id)| Classified {
                    kind: DeliveryKind::City,
                    community_id: Some(id),
                    agent_point_id: None,
                    location: *point,
                })
                .ok_or_else(|| {
                    DomainError::OutsideServiceArea(
                        "no community of this platform covers that location".into(),
                    )
                })
        }
        Place::Village(agent_point_id) => {
            let point = agent_point::Entity::find_by_id(*agent_point_id)
                .filter(agent_point::Column::PlatformId.eq(platform_id))
                .one(db)
                .await?
                .ok_or_else(|| {
                    DomainError::OutsideServiceArea(
                        "that agent point is not on this platform".into(),
                    )
                })?;
            Ok(Classified {
                kind: DeliveryKind::Village,
                community_id: None,
                agent_point_id: Some(point.id),
                location: Coordinates::new(point.lat, point.lng)
                    .map_err(|e| DomainError::invalid("agent_point_id", e))?,
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weekday_masks_round_trip() {
        assert_eq!(weekday_mask(&[1, 3, 5]).unwrap(), 0b10101);
        assert_eq!(weekdays_of(0b10101), vec![1, 3, 5]);
        assert_eq!(weekdays_of(weekday_mask(&[7]).unwrap()), vec![7]);
        assert!(weekday_mask(&[]).is_err());
        assert!(weekday_mask(&[8]).is_err());
    }
}
