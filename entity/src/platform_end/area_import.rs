//! Bulk import of a county's communities, of its villages with their agent
//! points, and of its routes with their stops: every line is checked first,
//! and nothing is written unless all of them are good; the same lines
//! imported again change nothing. (Reading the file is the caller's: the
//! CSV reader is in the API crate.)

use crate::bulk::{ImportError, ImportReport, LineError, each_line, line_error};
use crate::error::{DomainError, DomainResult};
use crate::geo::Coordinates;
use crate::platform_end::service_area::{
    self, AgentPointInput, CommunityInput, RouteInput, VillageInput,
};
use crate::tables::{agent_point, community, route, route_stop, village};
use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};

/// One line of a communities file.
#[derive(Debug, Clone, PartialEq)]
pub struct CommunityLine {
    /// The line's number in the file (for errors).
    pub line: u64,
    /// Name, e.g. 东关社区.
    pub name: String,
    /// Its centre.
    pub at: (f64, f64),
    /// The radius it covers, metres.
    pub radius_m: i32,
}

/// One line of a villages file: a village, and optionally one of its agent
/// points (a village with several points has a line per point).
#[derive(Debug, Clone, PartialEq)]
pub struct VillageLine {
    /// The line's number in the file (for errors).
    pub line: u64,
    /// Township, e.g. 长坝镇.
    pub township: String,
    /// Village, e.g. 花桥村.
    pub village: String,
    /// The village centre.
    pub village_at: (f64, f64),
    /// The agent point, if the line has one.
    pub point: Option<PointLine>,
}

/// An agent point on a line.
#[derive(Debug, Clone, PartialEq)]
pub struct PointLine {
    /// Name, e.g. 花桥村便民服务点.
    pub name: String,
    /// Who keeps it.
    pub keeper_name: String,
    /// The keeper's phone.
    pub phone: String,
    /// Where it is.
    pub at: (f64, f64),
    /// `HH:MM-HH:MM`.
    pub opening_hours: String,
}

/// One line of a routes file: a stop of a route, in visiting order.
#[derive(Debug, Clone, PartialEq)]
pub struct RouteLine {
    /// The line's number in the file (for errors).
    pub line: u64,
    /// The route's name, e.g. 县城—长坝线 (its lines together, in order).
    pub route: String,
    /// The hub it starts from.
    pub hub_name: String,
    /// Where the hub is.
    pub hub_at: (f64, f64),
    /// The stop's township.
    pub township: String,
    /// The stop's village.
    pub village: String,
    /// The stop: an agent point of that village.
    pub agent_point: String,
}

fn coordinates(field: &'static str, at: (f64, f64)) -> DomainResult<Coordinates> {
    Coordinates::new(at.0, at.1).map_err(|m| DomainError::invalid(field, m))
}

/// Imports the lines into the platform; any bad line fails the whole
/// import with every bad line listed. Run it in a transaction (and roll
/// back for a dry run).
pub async fn import_villages(
    db: &impl ConnectionTrait,
    platform_id: i64,
    lines: &[VillageLine],
    now: DateTime<Utc>,
) -> Result<ImportReport, ImportError> {
    each_line(
        lines,
        |l| l.line,
        async |l, report| import_line(db, platform_id, l, now, report).await,
    )
    .await
}

/// Imports communities (matched by name) into the platform; any bad line
/// fails the whole import with every bad line listed.
pub async fn import_communities(
    db: &impl ConnectionTrait,
    platform_id: i64,
    lines: &[CommunityLine],
    now: DateTime<Utc>,
) -> Result<ImportReport, ImportError> {
    each_line(
        lines,
        |l| l.line,
        async |l, report| community_line(db, platform_id, l, now, report).await,
    )
    .await
}

async fn community_line(
    db: &impl ConnectionTrait,
    platform_id: i64,
    l: &CommunityLine,
    now: DateTime<Utc>,
    report: &mut ImportReport,
) -> DomainResult<()> {
    let input = CommunityInput {
        name: l.name.clone(),
        center: coordinates("lat", l.at)?,
        radius_m: l.radius_m,
    };
    let found = community::Entity::find()
        .filter(community::Column::PlatformId.eq(platform_id))
        .filter(community::Column::Name.eq(l.name.trim()))
        .one(db)
        .await?;
    match found {
        Some(c)
            if c.center_lat == input.center.lat
                && c.center_lng == input.center.lng
                && c.radius_m == input.radius_m =>
        {
            report.unchanged += 1;
        }
        Some(c) => {
            service_area::save_community(db, platform_id, Some(c.id), &input, now).await?;
            report.communities_updated += 1;
        }
        None => {
            service_area::save_community(db, platform_id, None, &input, now).await?;
            report.communities_created += 1;
        }
    }
    Ok(())
}

async fn import_line(
    db: &impl ConnectionTrait,
    platform_id: i64,
    l: &VillageLine,
    now: DateTime<Utc>,
    report: &mut ImportReport,
) -> DomainResult<()> {
    let centre = coordinates("village_lat", l.village_at)?;
    let found = village::Entity::find()
        .filter(village::Column::PlatformId.eq(platform_id))
        .filter(village::Column::Township.eq(l.township.trim()))
        .filter(village::Column::Name.eq(l.village.trim()))
        .one(db)
        .await?;
    let input = VillageInput {
        name: l.village.clone(),
        township: l.township.clone(),
        location: centre,
    };
    let mut changed = false;
    let v = match found {
        Some(v) if v.lat == centre.lat && v.lng == centre.lng => v,
        Some(v) => {
            changed = true;
            report.villages_updated += 1;
            service_area::save_village(db, platform_id, Some(v.id), &input, now).await?
        }
        None => {
            changed = true;
            report.villages_created += 1;
            service_area::save_village(db, platform_id, None, &input, now).await?
        }
    };
    if let Some(p) = &l.point {
        let input = AgentPointInput {
            village_id: v.id,
            name: p.name.clone(),
            keeper_name: p.keeper_name.clone(),
            phone: p.phone.clone(),
            location: coordinates("lat", p.at)?,
            opening_hours: p.opening_hours.clone(),
        };
        let found = agent_point::Entity::find()
            .filter(agent_point::Column::PlatformId.eq(platform_id))
            .filter(agent_point::Column::VillageId.eq(v.id))
            .filter(agent_point::Column::Name.eq(p.name.trim()))
            .one(db)
            .await?;
        match found {
            None => {
                service_area::save_agent_point(db, platform_id, None, &input, now).await?;
                report.points_created += 1;
                changed = true;
            }
            Some(existing) => {
                let saved =
                    service_area::save_agent_point(db, platform_id, Some(existing.id), &input, now)
                        .await?;
                if saved != existing {
                    report.points_updated += 1;
                    changed = true;
                }
            }
        }
    }
    if !changed {
        report.unchanged += 1;
    }
    Ok(())
}

/// Imports routes (matched by name) with their stops in the order of their
/// lines; the agent points must exist (import the villages first). A route
/// given again exactly as it is changes nothing.
pub async fn import_routes(
    db: &impl ConnectionTrait,
    platform_id: i64,
    lines: &[RouteLine],
    now: DateTime<Utc>,
) -> Result<ImportReport, ImportError> {
    let mut report = ImportReport {
        lines: lines.len() as u64,
        ..Default::default()
    };
    let mut names: Vec<&str> = Vec::new();
    for l in lines {
        if !names.contains(&l.route.trim()) {
            names.push(l.route.trim());
        }
    }
    let mut errors = Vec::new();
    for name in names {
        let group: Vec<&RouteLine> = lines.iter().filter(|l| l.route.trim() == name).collect();
        if let Err(e) = route_group(db, platform_id, &group, now, &mut report, &mut errors).await {
            // The route as a whole was refused (e.g. too many stops).
            errors.push(line_error(group[0].line, e)?);
        }
    }
    if errors.is_empty() {
        Ok(report)
    } else {
        errors.sort_by_key(|e| e.line);
        Err(ImportError::BadLines(errors))
    }
}

/// One route's lines: their stops resolved, the route saved if it changed.
/// Bad stops are added to `errors`; a refused route (or the database's
/// failure) is the `Err`.
async fn route_group(
    db: &impl ConnectionTrait,
    platform_id: i64,
    group: &[&RouteLine],
    now: DateTime<Utc>,
    report: &mut ImportReport,
    errors: &mut Vec<LineError>,
) -> Result<(), DomainError> {
    let first = group[0];
    let hub = coordinates("hub_lat", first.hub_at)?;
    let mut stops = Vec::new();
    let before = errors.len();
    for l in group {
        if l.hub_name.trim() != first.hub_name.trim() || l.hub_at != first.hub_at {
            errors.push(LineError {
                line: l.line,
                field: "hub_name".into(),
                message: format!(
                    "route {} starts from {} on line {}; give one hub per route",
                    first.route.trim(),
                    first.hub_name.trim(),
                    first.line
                ),
            });
            continue;
        }
        match stop_of(db, platform_id, l).await {
            Ok(id) => stops.push(id),
            Err(DomainError::Db(e)) => return Err(DomainError::Db(e)),
            Err(e) => errors.push(LineError {
                line: l.line,
                field: match &e {
                    DomainError::Invalid { field, .. } => (*field).to_owned(),
                    _ => String::new(),
                },
                message: match e {
                    DomainError::Invalid { message, .. } => message,
                    other => other.to_string(),
                },
            }),
        }
    }
    if errors.len() > before {
        return Ok(());
    }
    let input = RouteInput {
        name: first.route.clone(),
        hub_name: first.hub_name.clone(),
        hub,
        stops,
        active: true,
    };
    let found = route::Entity::find()
        .filter(route::Column::PlatformId.eq(platform_id))
        .filter(route::Column::Name.eq(first.route.trim()))
        .one(db)
        .await?;
    match found {
        Some(r) => {
            let current: Vec<i64> = route_stop::Entity::find()
                .filter(route_stop::Column::RouteId.eq(r.id))
                .order_by_asc(route_stop::Column::Seq)
                .all(db)
                .await?
                .into_iter()
                .map(|s| s.agent_point_id)
                .collect();
            let same = r.hub_name == input.hub_name.trim()
                && r.hub_lat == hub.lat
                && r.hub_lng == hub.lng
                && r.active
                && current == input.stops;
            if same {
                report.unchanged += group.len() as u64;
            } else {
                service_area::save_route(db, platform_id, Some(r.id), &input, now).await?;
                report.routes_updated += 1;
            }
        }
        None => {
            service_area::save_route(db, platform_id, None, &input, now).await?;
            report.routes_created += 1;
        }
    }
    Ok(())
}

/// The agent point a route line names.
async fn stop_of(
    db: &impl ConnectionTrait,
    platform_id: i64,
    l: &RouteLine,
) -> Result<i64, DomainError> {
    let v = village::Entity::find()
        .filter(village::Column::PlatformId.eq(platform_id))
        .filter(village::Column::Township.eq(l.township.trim()))
        .filter(village::Column::Name.eq(l.village.trim()))
        .one(db)
        .await?
        .ok_or_else(|| {
            DomainError::invalid(
                "village",
                format!(
                    "no village {} in {} (import the villages first)",
                    l.village.trim(),
                    l.township.trim()
                ),
            )
        })?;
    agent_point::Entity::find()
        .filter(agent_point::Column::PlatformId.eq(platform_id))
        .filter(agent_point::Column::VillageId.eq(v.id))
        .filter(agent_point::Column::Name.eq(l.agent_point.trim()))
        .one(db)
        .await?
        .map(|p| p.id)
        .ok_or_else(|| {
            DomainError::invalid(
                "agent_point",
                format!("{} has no agent point {}", v.name, l.agent_point.trim()),
            )
        })
}
