//! The live dispatch monitor, with manual assignment.

use crate::console::*;

/// A job on the dispatch monitor.
struct JobRow {
    id: i64,
    order_id: i64,
    status: String,
    age: String,
    alert: bool,
    rider_id: Option<i64>,
}

#[derive(Template)]
#[template(path = "console/dispatch_board.html")]
struct DispatchBoard {
    t: &'static Labels,
    csrf: String,
    mode: String,
    jobs: Vec<JobRow>,
    /// On duty: id, name, jobs carried, last seen.
    riders: Vec<(i64, String, i32, String)>,
}

#[derive(Template)]
#[template(path = "console/dispatch.html")]
struct DispatchPage {
    layout: Layout,
    board: String,
}

pub(super) async fn dispatch_html(
    state: &AppState,
    who: &ConsoleUser,
    t: &'static Labels,
) -> Result<String, ApiError> {
    who.principal.require(Role::Operator)?;
    let m =
        crate::routes::to_door_line::city::dispatch::monitor_of(state, who.principal.platform_id)
            .await?;
    let age = |secs: i64| format!("{}:{:02}", secs / 60, secs % 60);
    DispatchBoard {
        t,
        csrf: who.csrf.clone(),
        mode: m.mode,
        jobs: m
            .jobs
            .into_iter()
            .map(|j| JobRow {
                id: j.id,
                order_id: j.order_id,
                status: j.status,
                age: age(j.age_secs),
                alert: j.alert,
                rider_id: j.rider_id,
            })
            .collect(),
        riders: m
            .riders
            .into_iter()
            .map(|r| {
                let seen = r
                    .located_at
                    .map(|at| at.format("%H:%M:%S").to_string())
                    .unwrap_or_default();
                (r.id, r.real_name, r.active_jobs, seen)
            })
            .collect(),
    }
    .render()
    .map_err(|e| ApiError::internal(e.to_string()))
}

pub(super) async fn dispatch(
    req: HttpRequest,
    state: web::Data<AppState>,
    who: Option<ConsoleUser>,
) -> HttpResponse {
    page(req, who, |req, who| async move {
        let layout = Layout::of(&req, Some(&who), "dispatch");
        let board = dispatch_html(&state, &who, layout.t).await?;
        Ok(html(
            StatusCode::OK,
            DispatchPage { layout, board }.render(),
        ))
    })
    .await
}

pub(super) async fn dispatch_board(
    req: HttpRequest,
    state: web::Data<AppState>,
    who: Option<ConsoleUser>,
) -> HttpResponse {
    let Some(who) = who else {
        return HttpResponse::Unauthorized().finish();
    };
    match dispatch_html(&state, &who, i18n::labels(&req)).await {
        Ok(b) => html(StatusCode::OK, Ok(b)),
        Err(e) => error_page(&req, Some(&who), e),
    }
}

/// The manual-assignment form.
#[derive(Debug, Deserialize)]
pub struct AssignForm {
    #[serde(default)]
    csrf: String,
    rider_id: i64,
}

pub(super) async fn assign(
    req: HttpRequest,
    state: web::Data<AppState>,
    who: Option<ConsoleUser>,
    id: web::Path<i64>,
    form: web::Form<AssignForm>,
) -> HttpResponse {
    page(req, who, |_, who| async move {
        who.check_csrf(&form.csrf)?;
        crate::routes::to_door_line::city::dispatch::assign_job(
            &state,
            &who.principal,
            *id,
            form.rider_id,
        )
        .await?;
        Ok(see_other("/console/dispatch"))
    })
    .await
}
