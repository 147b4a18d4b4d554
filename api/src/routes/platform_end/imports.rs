//! Bulk imports over HTTP: an operator's communities, villages with agent
//! points, routes with stops and a store's menu (the kitchen's own menu is
//! `supply_end::menu::import_menu`, through the same [`answer`]).
//! The body is the CSV file as a spreadsheet saves it (`text/csv`);
//! `?dry_run=true` checks every line and says what would change. Nothing
//! is written unless every line is good: a bad file is 422 with every bad
//! line in `errors`, each `field` being `line.<n>.<column>`.

use actix_web::{HttpRequest, post, web};
use entity::Role;
use entity::bulk::ImportReport;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::auth::Principal;
use crate::error::{ApiError, ApiResult, ErrorBody, ErrorCode, FieldError};
use crate::import::{self, ImportFailed, Kind};
use crate::state::AppState;

/// What a file holds.
#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ImportKind {
    /// `name, lat, lng, radius_m`.
    Communities,
    /// `township, village, village_lat, village_lng, agent_point,
    /// keeper_name, phone, lat, lng, opening_hours`.
    Villages,
    /// `route, hub_name, hub_lat, hub_lng, township, village, agent_point`.
    Routes,
    /// `category, product, unit, cold_chain, weight_g, sku, price, stock`
    /// (and `description`, `origin`); needs `store_id`.
    Menu,
}

/// `?dry_run=&store_id=`
#[derive(Debug, Deserialize, IntoParams)]
pub struct ImportQuery {
    /// Check and count, write nothing.
    #[serde(default)]
    pub dry_run: bool,
    /// The store whose menu it is (menus only).
    pub store_id: Option<i64>,
}

/// What an import did, or in a dry run would do.
#[derive(Debug, Serialize, ToSchema)]
pub struct ImportDone {
    /// Whether nothing was written.
    pub dry_run: bool,
    /// The counts.
    pub report: ImportReport,
    /// The counts in words.
    pub summary: String,
}

/// The body must be CSV text (a spreadsheet's export).
pub(crate) fn csv_body(req: &HttpRequest) -> ApiResult<()> {
    let ok = req
        .headers()
        .get(actix_web::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| {
            v.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
        })
        .is_some_and(|v| v == "text/csv" || v == "text/plain");
    if ok {
        Ok(())
    } else {
        Err(ApiError::new(
            ErrorCode::UNSUPPORTED_MEDIA_TYPE,
            "send the file as text/csv",
        ))
    }
}

/// Runs an import and answers as the routes do.
pub(crate) async fn answer(
    state: &AppState,
    platform_id: i64,
    kind: Kind,
    body: &[u8],
    dry_run: bool,
) -> ApiResult<web::Json<ImportDone>> {
    match import::run(
        &state.db,
        platform_id,
        kind,
        body,
        dry_run,
        state.clock.now(),
    )
    .await
    {
        Ok(report) => Ok(web::Json(ImportDone {
            dry_run,
            summary: import::summary(&report),
            report,
        })),
        Err(ImportFailed::BadLines(lines)) => Err(ApiError::fields(
            lines
                .into_iter()
                .map(|l| FieldError {
                    field: if l.field.is_empty() {
                        format!("line.{}", l.line)
                    } else {
                        format!("line.{}.{}", l.line, l.field)
                    },
                    message: l.message,
                })
                .collect(),
        )),
        Err(ImportFailed::Refused(e)) => Err(e.into()),
        Err(ImportFailed::Database(e)) => Err(e.into()),
    }
}

/// Imports a CSV file into the operator's county, all or nothing.
#[utoipa::path(tag = "admin", security(("bearer" = ["operator"])),
    params(("kind" = ImportKind, Path, description = "What the file holds"), ImportQuery),
    request_body(content = String, description = "The CSV file (UTF-8, with or without BOM)", content_type = "text/csv"),
    responses(
        (status = 200, body = ImportDone),
        (status = 404, description = "NOT_FOUND: the store (menus)", body = ErrorBody),
        (status = 422, description = "VALIDATION_FAILED: every bad line, as `line.<n>.<column>`", body = ErrorBody),
    ))]
#[post("/admin/imports/{kind}")]
pub async fn import_file(
    state: web::Data<AppState>,
    who: Principal,
    req: HttpRequest,
    kind: web::Path<ImportKind>,
    q: web::Query<ImportQuery>,
    body: web::Bytes,
) -> ApiResult<web::Json<ImportDone>> {
    who.require(Role::Operator)?;
    csv_body(&req)?;
    let kind = match *kind {
        ImportKind::Communities => Kind::Communities,
        ImportKind::Villages => Kind::Villages,
        ImportKind::Routes => Kind::Routes,
        ImportKind::Menu => Kind::Menu {
            store_id: q
                .store_id
                .ok_or_else(|| ApiError::field("store_id", "name the store whose menu it is"))?,
        },
    };
    answer(&state, who.platform_id, kind, &body, q.dry_run).await
}
