//! The operator's dashboard: the statistics' headline figures and charts,
//! and the CSV exports.

use crate::console::*;

#[derive(Template)]
#[template(path = "console/dashboard.html")]
struct DashboardPage {
    layout: Layout,
    platform: String,
    from: chrono::NaiveDate,
    to: chrono::NaiveDate,
    s: entity::platform_end::stats::Stats,
    gmv: String,
    compliance: String,
    household: String,
    agent_points: String,
    chart: String,
    gmv_chart: String,
    cold_chart: String,
}

pub(super) async fn dashboard(
    req: HttpRequest,
    state: web::Data<AppState>,
    who: Option<ConsoleUser>,
) -> HttpResponse {
    page(req, who, |req, who| async move {
        who.principal.require(Role::Operator)?;
        let p = entity::platform_end::platforms::platform_of(&state.db, who.principal.platform_id)
            .await?;
        let to = crate::routes::today_at(&state, p.utc_offset_minutes);
        let from = to - Duration::days(29);
        let s = entity::platform_end::stats::stats(&state.db, std::slice::from_ref(&p), from, to)
            .await?;
        let layout = Layout::of(&req, Some(&who), "dashboard");
        let chart = chart::orders_per_day(layout.t.orders_per_day, &s.daily);
        let gmv_chart = chart::gmv_per_day(layout.t.gmv_per_day, &s.daily);
        let cold_chart = chart::cold_chain_per_day(layout.t.cold_per_day, &s.daily);
        let page = DashboardPage {
            platform: p.name,
            from,
            to,
            gmv: crate::csv::yuan(s.gmv_fen),
            compliance: format!("{}%", crate::csv::yuan(s.cold_compliance_bp)),
            household: crate::csv::yuan(s.household_income_fen),
            agent_points: crate::csv::yuan(s.agent_point_fen),
            chart,
            gmv_chart,
            cold_chart,
            s,
            layout,
        };
        Ok(html(StatusCode::OK, page.render()))
    })
    .await
}

pub(super) async fn export_stats(
    req: HttpRequest,
    state: web::Data<AppState>,
    who: Option<ConsoleUser>,
) -> HttpResponse {
    page(req, who, |_, who| async move {
        who.principal.require(Role::Operator)?;
        let p = entity::platform_end::platforms::platform_of(&state.db, who.principal.platform_id)
            .await?;
        let to = crate::routes::today_at(&state, p.utc_offset_minutes);
        let from = to - Duration::days(29);
        let s = entity::platform_end::stats::stats(&state.db, std::slice::from_ref(&p), from, to)
            .await?;
        Ok(crate::routes::platform_end::stats::stats_csv(
            &[(p.name.as_str(), &s)],
            &format!("stats-{}-{from}-{to}.csv", p.code),
        ))
    })
    .await
}

pub(super) async fn export_households(
    req: HttpRequest,
    state: web::Data<AppState>,
    who: Option<ConsoleUser>,
) -> HttpResponse {
    page(req, who, |_, who| async move {
        who.principal.require(Role::Operator)?;
        let p = entity::platform_end::platforms::platform_of(&state.db, who.principal.platform_id)
            .await?;
        let to = crate::routes::today_at(&state, p.utc_offset_minutes);
        let from = to - Duration::days(29);
        let r = entity::supply_end::households::household_report(
            &state.db,
            &[p.id],
            from,
            to,
            p.utc_offset_minutes,
        )
        .await?;
        Ok(crate::routes::supply_end::households::household_csv(&r))
    })
    .await
}
