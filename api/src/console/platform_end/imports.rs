//! Bulk import in the console: upload a CSV file, see what it would change
//! (or every bad line), then commit. Operators import the county's
//! communities, villages, routes and any store's menu; a kitchen imports its
//! own menu. The preview is a dry run of the same import that the commit
//! runs, so what was shown is what is written, or nothing is.

use crate::console::*;
use crate::import::{self, ImportFailed, Kind};

/// The largest file the console takes.
const MAX_FILE_BYTES: usize = 2 * 1024 * 1024;

/// One bad line, as shown.
struct BadLine {
    line: u64,
    field: String,
    message: String,
}

/// What the last step did.
struct Outcome {
    /// `preview`, `refused` or `imported` (the section's `data-outcome`).
    state: &'static str,
    summary: String,
    bad: Vec<BadLine>,
    /// The file again, for the commit form (after a good preview).
    csv: Option<String>,
    kind: String,
    store_id: String,
}

#[derive(Template)]
#[template(path = "console/imports.html")]
struct ImportsPage {
    layout: Layout,
    csrf: String,
    operator: bool,
    /// The county's stores (operators' menu imports): id, name.
    stores: Vec<(i64, String)>,
    outcome: Option<Outcome>,
}

async fn render(
    req: &HttpRequest,
    state: &AppState,
    who: &ConsoleUser,
    outcome: Option<Outcome>,
) -> Result<HttpResponse, ApiError> {
    let operator = who.has(Role::Operator);
    if !operator {
        crate::routes::supply_end::store::my_store(&state.db, &who.principal).await?;
    }
    let stores = if operator {
        store::Entity::find()
            .filter(store::Column::PlatformId.eq(who.principal.platform_id))
            .order_by_asc(store::Column::Id)
            .all(&state.db)
            .await?
            .into_iter()
            .map(|s| (s.id, s.name))
            .collect()
    } else {
        Vec::new()
    };
    let page = ImportsPage {
        layout: Layout::of(req, Some(who), "imports"),
        csrf: who.csrf.clone(),
        operator,
        stores,
        outcome,
    };
    Ok(html(StatusCode::OK, page.render()))
}

pub(super) async fn imports(
    req: HttpRequest,
    state: web::Data<AppState>,
    who: Option<ConsoleUser>,
) -> HttpResponse {
    page(req, who, |req, who| async move {
        render(&req, &state, &who, None).await
    })
    .await
}

/// The platform and what to import: an operator's choice, or a kitchen's
/// own menu.
async fn target(
    state: &AppState,
    who: &ConsoleUser,
    kind: &str,
    store_id: &str,
) -> Result<(i64, Kind), ApiError> {
    if who.has(Role::Operator) {
        let store_id = store_id.trim().parse::<i64>().ok();
        let kind = Kind::parse(kind.trim(), store_id).ok_or_else(|| {
            ApiError::field(
                "kind",
                "choose what the file holds (a menu needs its store)",
            )
        })?;
        return Ok((who.principal.platform_id, kind));
    }
    let store = crate::routes::supply_end::store::my_store(&state.db, &who.principal).await?;
    Ok((store.platform_id, Kind::Menu { store_id: store.id }))
}

/// Runs the import (dry or not) and describes what happened.
async fn run(
    state: &AppState,
    who: &ConsoleUser,
    kind: String,
    store_id: String,
    csv: Vec<u8>,
    dry_run: bool,
) -> Result<Outcome, ApiError> {
    let (platform_id, what) = target(state, who, &kind, &store_id).await?;
    let result = import::run(
        &state.db,
        platform_id,
        what,
        &csv,
        dry_run,
        state.clock.now(),
    )
    .await;
    let mut outcome = Outcome {
        state: if dry_run { "preview" } else { "imported" },
        summary: String::new(),
        bad: Vec::new(),
        csv: None,
        kind,
        store_id,
    };
    match result {
        Ok(report) => {
            outcome.summary = import::summary(&report);
            if dry_run {
                outcome.csv = Some(String::from_utf8_lossy(&csv).into_owned());
            }
        }
        Err(ImportFailed::BadLines(lines)) => {
            outcome.state = "refused";
            outcome.summary = format!("{} bad lines; nothing was written", lines.len());
            outcome.bad = lines
                .into_iter()
                .map(|l| BadLine {
                    line: l.line,
                    field: l.field,
                    message: l.message,
                })
                .collect();
        }
        Err(ImportFailed::Refused(e)) => return Err(e.into()),
        Err(ImportFailed::Database(e)) => return Err(e.into()),
    }
    Ok(outcome)
}

/// A multipart text field.
async fn text_field(field: &mut actix_multipart::Field, max: usize) -> Result<String, ApiError> {
    Ok(
        String::from_utf8_lossy(&crate::routes::supply_end::images::field_bytes(field, max).await?)
            .into_owned(),
    )
}

/// The uploaded file, checked line by line and counted; nothing written.
pub(super) async fn preview(
    req: HttpRequest,
    state: web::Data<AppState>,
    who: Option<ConsoleUser>,
    mut form: actix_multipart::Multipart,
) -> HttpResponse {
    page(req, who, |req, who| async move {
        use futures_util::StreamExt;
        let (mut csrf, mut kind, mut store_id, mut file) =
            (String::new(), String::new(), String::new(), None);
        while let Some(field) = form.next().await {
            let mut field = field.map_err(|e| {
                ApiError::new(ErrorCode::BAD_REQUEST, format!("bad multipart body: {e}"))
            })?;
            match field.name() {
                Some("csrf") => csrf = text_field(&mut field, 256).await?,
                Some("kind") => kind = text_field(&mut field, 32).await?,
                Some("store_id") => store_id = text_field(&mut field, 32).await?,
                Some("file") => {
                    // Nothing is read before the form's token is checked.
                    who.check_csrf(&csrf)?;
                    file = Some(
                        crate::routes::supply_end::images::field_bytes(&mut field, MAX_FILE_BYTES)
                            .await?,
                    );
                }
                _ => {}
            }
        }
        who.check_csrf(&csrf)?;
        let csv = file
            .filter(|f| !f.is_empty())
            .ok_or_else(|| ApiError::field("file", "choose a CSV file"))?;
        let outcome = run(&state, &who, kind, store_id, csv, true).await?;
        render(&req, &state, &who, Some(outcome)).await
    })
    .await
}

/// The commit form: the previewed file again.
#[derive(Debug, Deserialize)]
pub struct CommitForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    store_id: String,
    #[serde(default)]
    csv: String,
}

/// Imports the previewed file for real (all or nothing, as previewed).
pub(super) async fn commit(
    req: HttpRequest,
    state: web::Data<AppState>,
    who: Option<ConsoleUser>,
    form: web::Form<CommitForm>,
) -> HttpResponse {
    page(req, who, |req, who| async move {
        who.check_csrf(&form.csrf)?;
        let form = form.into_inner();
        let outcome = run(
            &state,
            &who,
            form.kind,
            form.store_id,
            form.csv.into_bytes(),
            false,
        )
        .await?;
        render(&req, &state, &who, Some(outcome)).await
    })
    .await
}

/// The commit form carries the whole file.
pub(super) fn commit_limit() -> web::FormConfig {
    web::FormConfig::default().limit(2 * MAX_FILE_BYTES)
}
