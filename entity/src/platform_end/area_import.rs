//! Bulk import of a county's communities, and of its villages with their
//! agent points: every line is
//! checked first, and nothing is written unless all of them are good; the
//! same lines imported again change nothing. (Reading the file is the
//! caller's: the CSV reader is in the API crate.)

use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use serde::Serialize;

use crate::error::{DomainError, DomainResult};
use crate::geo::Coordinates;
use crate::platform_end::service_area::{self, AgentPointInput, CommunityInput, VillageInput};
use crate::tables::{agent_point, community, village};

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

/// A bad line: its number and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct LineError {
    /// The line in the file (the header is line 1).
    pub line: u64,
    /// The column, when one is to blame.
    pub field: String,
    /// What is wrong.
    pub message: String,
}

/// What an import did (or, in a dry run, would do).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ImportReport {
    /// Lines read.
    pub lines: u64,
    /// Communities created.
    pub communities_created: u64,
    /// Communities whose centre or radius changed.
    pub communities_updated: u64,
    /// Villages created.
    pub villages_created: u64,
    /// Villages whose centre changed.
    pub villages_updated: u64,
    /// Agent points created.
    pub points_created: u64,
    /// Agent points whose keeper, phone, place or hours changed.
    pub points_updated: u64,
    /// Lines that changed nothing.
    pub unchanged: u64,
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

/// Runs `import` on every line, collecting every bad line; the report when
/// all were good.
async fn each_line<L>(
    lines: &[L],
    line_of: impl Fn(&L) -> u64,
    mut import: impl AsyncFnMut(&L, &mut ImportReport) -> DomainResult<()>,
) -> Result<ImportReport, ImportError> {
    let mut report = ImportReport {
        lines: lines.len() as u64,
        ..Default::default()
    };
    let mut errors = Vec::new();
    for l in lines {
        if let Err(e) = import(l, &mut report).await {
            errors.push(line_error(line_of(l), e)?);
        }
    }
    if errors.is_empty() {
        Ok(report)
    } else {
        Err(ImportError::BadLines(errors))
    }
}

/// A line's error, or the database's failure (which ends the import).
fn line_error(line: u64, e: DomainError) -> Result<LineError, ImportError> {
    match e {
        DomainError::Invalid { field, message } => Ok(LineError {
            line,
            field: field.to_owned(),
            message,
        }),
        DomainError::Db(db) => Err(ImportError::Database(db)),
        other => Ok(LineError {
            line,
            field: String::new(),
            message: other.to_string(),
        }),
    }
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

/// Why an import wrote nothing.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// These lines are bad.
    #[error("{} bad lines", .0.len())]
    BadLines(Vec<LineError>),
    /// The database failed.
    #[error("database: {0}")]
    Database(#[from] sea_orm::DbErr),
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
