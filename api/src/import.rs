//! Reading import files (CSV, as spreadsheets save it: a byte-order mark,
//! quoted cells, CRLF or LF) and running an import all or nothing. The
//! rules are in [`entity::platform_end::area_import`] and
//! [`entity::supply_end::menu_import`].

use chrono::{DateTime, Utc};
use entity::bulk::{ImportError, ImportReport, LineError};
use entity::error::DomainError;
use entity::platform_end::area_import::{self, CommunityLine, PointLine, RouteLine, VillageLine};
use entity::supply_end::menu_import::{self, MenuLine};
use sea_orm::DatabaseConnection;

/// The columns of a villages file, in the order of the sample.
pub const VILLAGE_COLUMNS: [&str; 10] = [
    "township",
    "village",
    "village_lat",
    "village_lng",
    "agent_point",
    "keeper_name",
    "phone",
    "lat",
    "lng",
    "opening_hours",
];

fn bad(line: u64, field: &str, message: impl Into<String>) -> LineError {
    LineError {
        line,
        field: field.to_owned(),
        message: message.into(),
    }
}

/// The line (from 1) where a record starts, counted from its byte offset.
/// After a CRLF line end the reader places a record at the `\n` it has not
/// consumed yet (and counts its lines one short), so line ends at the
/// offset are skipped first.
fn line_at(bytes: &[u8], at: Option<&csv::Position>) -> u64 {
    let mut start = at.map_or(0, |p| p.byte() as usize).min(bytes.len());
    while start < bytes.len() && matches!(bytes[start], b'\r' | b'\n') {
        start += 1;
    }
    1 + bytes[..start].iter().filter(|&&b| b == b'\n').count() as u64
}

/// One record of a CSV file, with its line number and the header's columns.
struct Row<'a> {
    line: u64,
    record: &'a csv::StringRecord,
    headers: &'a csv::StringRecord,
}

impl Row<'_> {
    /// The cell under `name` (empty when the line is short).
    fn cell(&self, name: &str) -> &str {
        self.headers
            .iter()
            .position(|h| h == name)
            .and_then(|i| self.record.get(i))
            .unwrap_or("")
    }

    /// The number under `name`; a bad one is noted in `errors` (and 0).
    fn number(&self, name: &str, errors: &mut Vec<LineError>) -> f64 {
        self.cell(name).parse().unwrap_or_else(|_| {
            errors.push(bad(
                self.line,
                name,
                format!("`{}` is not a number", self.cell(name)),
            ));
            0.0
        })
    }
}

/// Reads a CSV file that has (at least) `columns` in its header, handing
/// each record to `parse`, which notes what is wrong with it in `errors`.
/// Every bad line is reported, not just the first.
fn read_rows<T>(
    bytes: &[u8],
    columns: &[&str],
    mut parse: impl FnMut(&Row<'_>, &mut Vec<LineError>) -> T,
) -> Result<Vec<T>, Vec<LineError>> {
    let bytes = bytes.strip_prefix("\u{feff}".as_bytes()).unwrap_or(bytes);
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .flexible(true)
        .from_reader(bytes);
    let headers = reader
        .headers()
        .map_err(|e| vec![bad(1, "", e.to_string())])?
        .clone();
    let missing: Vec<&str> = columns
        .iter()
        .copied()
        .filter(|c| !headers.iter().any(|h| h == *c))
        .collect();
    if !missing.is_empty() {
        return Err(vec![bad(
            1,
            "",
            format!("the header lacks the columns {}", missing.join(", ")),
        )]);
    }
    let mut rows = Vec::new();
    let mut errors = Vec::new();
    for record in reader.records() {
        match record {
            Ok(record) => {
                let row = Row {
                    line: line_at(bytes, record.position()),
                    record: &record,
                    headers: &headers,
                };
                let before = errors.len();
                let parsed = parse(&row, &mut errors);
                if errors.len() == before {
                    rows.push(parsed);
                }
            }
            Err(e) => errors.push(bad(line_at(bytes, e.position()), "", e.to_string())),
        }
    }
    if errors.is_empty() {
        Ok(rows)
    } else {
        Err(errors)
    }
}

/// Reads a villages file: one line per agent point (or per village without
/// one).
pub fn read_villages(bytes: &[u8]) -> Result<Vec<VillageLine>, Vec<LineError>> {
    read_rows(bytes, &VILLAGE_COLUMNS, |row, errors| {
        let village_at = (
            row.number("village_lat", errors),
            row.number("village_lng", errors),
        );
        let point = (!row.cell("agent_point").is_empty()).then(|| PointLine {
            name: row.cell("agent_point").to_owned(),
            keeper_name: row.cell("keeper_name").to_owned(),
            phone: row.cell("phone").to_owned(),
            at: (row.number("lat", errors), row.number("lng", errors)),
            opening_hours: row.cell("opening_hours").to_owned(),
        });
        VillageLine {
            line: row.line,
            township: row.cell("township").to_owned(),
            village: row.cell("village").to_owned(),
            village_at,
            point,
        }
    })
}

/// The columns of a communities file.
pub const COMMUNITY_COLUMNS: [&str; 4] = ["name", "lat", "lng", "radius_m"];

/// Reads a communities file, one community a line.
pub fn read_communities(bytes: &[u8]) -> Result<Vec<CommunityLine>, Vec<LineError>> {
    read_rows(bytes, &COMMUNITY_COLUMNS, |row, errors| {
        let at = (row.number("lat", errors), row.number("lng", errors));
        let radius_m = row.number("radius_m", errors);
        if radius_m.fract() != 0.0 || !(0.0..=f64::from(i32::MAX)).contains(&radius_m) {
            errors.push(bad(row.line, "radius_m", "whole metres"));
        }
        CommunityLine {
            line: row.line,
            name: row.cell("name").to_owned(),
            at,
            radius_m: radius_m as i32,
        }
    })
}

/// Commits a good import (rolls a dry run or a bad one back).
async fn settle(
    txn: sea_orm::DatabaseTransaction,
    result: Result<ImportReport, ImportError>,
    dry_run: bool,
) -> Result<ImportReport, ImportFailed> {
    match result {
        Ok(report) => {
            if dry_run {
                txn.rollback().await?;
            } else {
                txn.commit().await?;
            }
            Ok(report)
        }
        Err(ImportError::BadLines(errors)) => {
            txn.rollback().await?;
            Err(ImportFailed::BadLines(errors))
        }
        Err(ImportError::Database(e)) => Err(ImportFailed::Database(e)),
    }
}

/// Why an import wrote nothing.
#[derive(Debug, thiserror::Error)]
pub enum ImportFailed {
    /// Bad lines, each with its number and reason.
    #[error("{} bad lines; nothing was written", .0.len())]
    BadLines(Vec<LineError>),
    /// The import itself was refused (an unknown store).
    #[error("{0}")]
    Refused(DomainError),
    /// The database failed.
    #[error("database: {0}")]
    Database(#[from] sea_orm::DbErr),
}

/// What a file holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// City communities ([`COMMUNITY_COLUMNS`]).
    Communities,
    /// Villages and agent points ([`VILLAGE_COLUMNS`]).
    Villages,
    /// Routes and their stops ([`ROUTE_COLUMNS`]).
    Routes,
    /// One store's menu ([`MENU_COLUMNS`]).
    Menu {
        /// The store (of the platform).
        store_id: i64,
    },
}

impl Kind {
    /// The kind by its name in URLs and on the command line.
    pub fn parse(name: &str, store_id: Option<i64>) -> Option<Kind> {
        match (name, store_id) {
            ("communities", _) => Some(Kind::Communities),
            ("villages", _) => Some(Kind::Villages),
            ("routes", _) => Some(Kind::Routes),
            ("menu", Some(store_id)) => Some(Kind::Menu { store_id }),
            _ => None,
        }
    }

    /// The header a file of this kind must have.
    pub fn columns(self) -> &'static [&'static str] {
        match self {
            Kind::Communities => &COMMUNITY_COLUMNS,
            Kind::Villages => &VILLAGE_COLUMNS,
            Kind::Routes => &ROUTE_COLUMNS,
            Kind::Menu { .. } => &MENU_COLUMNS,
        }
    }
}

/// Imports a file into a platform in one transaction, all or nothing; a dry
/// run checks every line and counts what would change, then rolls back.
pub async fn run(
    db: &DatabaseConnection,
    platform_id: i64,
    kind: Kind,
    bytes: &[u8],
    dry_run: bool,
    now: DateTime<Utc>,
) -> Result<ImportReport, ImportFailed> {
    let bad = ImportFailed::BadLines;
    match kind {
        Kind::Communities => {
            let lines = read_communities(bytes).map_err(bad)?;
            let txn = entity::tx::begin_write(db).await?;
            let result = area_import::import_communities(&txn, platform_id, &lines, now).await;
            settle(txn, result, dry_run).await
        }
        Kind::Villages => {
            let lines = read_villages(bytes).map_err(bad)?;
            let txn = entity::tx::begin_write(db).await?;
            let result = area_import::import_villages(&txn, platform_id, &lines, now).await;
            settle(txn, result, dry_run).await
        }
        Kind::Routes => {
            let lines = read_routes(bytes).map_err(bad)?;
            let txn = entity::tx::begin_write(db).await?;
            let result = area_import::import_routes(&txn, platform_id, &lines, now).await;
            settle(txn, result, dry_run).await
        }
        Kind::Menu { store_id } => {
            let store = entity::scope::on_platform::<entity::store::Entity>(
                db,
                platform_id,
                store_id,
                "store",
            )
            .await
            .map_err(ImportFailed::Refused)?;
            let lines = read_menu(bytes).map_err(bad)?;
            let txn = entity::tx::begin_write(db).await?;
            let result = menu_import::import_menu(&txn, &store, &lines, now).await;
            settle(txn, result, dry_run).await
        }
    }
}

/// What a report counts, in words: `communities 3 new, 1 changed; 2 unchanged`.
pub fn summary(r: &ImportReport) -> String {
    let mut parts = Vec::new();
    for (what, created, updated) in [
        ("communities", r.communities_created, r.communities_updated),
        ("villages", r.villages_created, r.villages_updated),
        ("agent points", r.points_created, r.points_updated),
        ("routes", r.routes_created, r.routes_updated),
        ("categories", r.categories_created, 0),
        ("products", r.products_created, r.products_updated),
        ("SKUs", r.skus_created, r.skus_updated),
    ] {
        if created + updated > 0 {
            parts.push(format!("{what} {created} new, {updated} changed"));
        }
    }
    parts.push(format!("{} unchanged", r.unchanged));
    format!("{} lines: {}", r.lines, parts.join("; "))
}

/// The columns of a routes file: a line per stop, in visiting order.
pub const ROUTE_COLUMNS: [&str; 7] = [
    "route",
    "hub_name",
    "hub_lat",
    "hub_lng",
    "township",
    "village",
    "agent_point",
];

/// Reads a routes file.
pub fn read_routes(bytes: &[u8]) -> Result<Vec<RouteLine>, Vec<LineError>> {
    read_rows(bytes, &ROUTE_COLUMNS, |row, errors| RouteLine {
        line: row.line,
        route: row.cell("route").to_owned(),
        hub_name: row.cell("hub_name").to_owned(),
        hub_at: (row.number("hub_lat", errors), row.number("hub_lng", errors)),
        township: row.cell("township").to_owned(),
        village: row.cell("village").to_owned(),
        agent_point: row.cell("agent_point").to_owned(),
    })
}

/// The columns a menu file must have (`description` and `origin` may be
/// added): a line per SKU; `price` in yuan, `stock` empty for unlimited.
pub const MENU_COLUMNS: [&str; 8] = [
    "category",
    "product",
    "unit",
    "cold_chain",
    "weight_g",
    "sku",
    "price",
    "stock",
];

/// Reads a menu file.
pub fn read_menu(bytes: &[u8]) -> Result<Vec<MenuLine>, Vec<LineError>> {
    read_rows(bytes, &MENU_COLUMNS, |row, errors| {
        let weight = row.number("weight_g", errors);
        if weight.fract() != 0.0 || !(1.0..=50_000.0).contains(&weight) {
            errors.push(bad(row.line, "weight_g", "whole grams, 1 to 50000"));
        }
        let price_fen = entity::bulk::fen_of_yuan(row.cell("price")).unwrap_or_else(|m| {
            errors.push(bad(row.line, "price", m));
            0
        });
        let stock = match row.cell("stock") {
            "" => None,
            s => Some(s.parse::<i64>().unwrap_or_else(|_| {
                errors.push(bad(
                    row.line,
                    "stock",
                    format!("`{s}` is not a whole number (leave it empty for unlimited)"),
                ));
                0
            })),
        };
        MenuLine {
            line: row.line,
            category: row.cell("category").to_owned(),
            product: row.cell("product").to_owned(),
            unit: row.cell("unit").to_owned(),
            cold_chain: row.cell("cold_chain").to_owned(),
            weight_g: weight as i32,
            description: row.cell("description").to_owned(),
            origin: row.cell("origin").to_owned(),
            sku: row.cell("sku").to_owned(),
            price_fen,
            stock,
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spreadsheet_csv_reads_with_a_bom_quotes_and_crlf() {
        let text = "\u{feff}township,village,village_lat,village_lng,agent_point,keeper_name,phone,lat,lng,opening_hours\r\n\
                    长坝镇,花桥村,33.41,105.72,\"花桥村便民服务点, 村委会旁\",杨秀英,13909391001,33.411,105.721,08:00-20:00\r\n\
                    长坝镇,石门村,33.42,105.73,,,,,,\r\n";
        let lines = read_villages(text.as_bytes()).unwrap();
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[0].line, 2);
        assert_eq!(
            lines[0].point.as_ref().map(|p| p.name.as_str()),
            Some("花桥村便民服务点, 村委会旁")
        );
        assert_eq!(lines[1].point, None);
    }

    #[test]
    fn every_bad_line_is_named() {
        let text = "township,village,village_lat,village_lng,agent_point,keeper_name,phone,lat,lng,opening_hours\n\
                    长坝镇,花桥村,north,105.72,,,,,,\n\
                    长坝镇,石门村,33.42,105.73,点,人,139,33.4,east,08:00-20:00\n";
        let errors = read_villages(text.as_bytes()).unwrap_err();
        assert_eq!(
            errors
                .iter()
                .map(|e| (e.line, e.field.as_str()))
                .collect::<Vec<_>>(),
            [(2, "village_lat"), (3, "lng")]
        );
        let missing = read_villages(b"township,village\n").unwrap_err();
        assert!(missing[0].message.contains("village_lat"), "{missing:?}");
    }
}
