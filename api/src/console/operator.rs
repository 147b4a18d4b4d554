//! The operator's pages: dashboard, review queues, dispatch, village
//! trips, service area, ledger and exports.

use super::*;

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
    chart: String,
    gmv_chart: String,
    cold_chart: String,
}

/// An application in the review queue.
struct ApplicationRow {
    id: i64,
    store_name: String,
    category: String,
    licence_no: String,
    contact_name: String,
    contact_phone: String,
}

/// A product in the review queue.
struct ProductRow {
    id: i64,
    name: String,
    store: String,
}

#[derive(Template)]
#[template(path = "console/reviews.html")]
struct ReviewsPage {
    layout: Layout,
    csrf: String,
    applications: Vec<ApplicationRow>,
    products: Vec<ProductRow>,
    /// Pending riders: id, name, vehicle and phone.
    riders: Vec<(i64, String, String)>,
}

/// A cold-chain batch of a trip, charted.
struct BatchRow {
    class: String,
    sensor: String,
    verdict: String,
    chart: String,
}

/// A village trip with its manifest, in short.
struct TripRow {
    id: i64,
    title: String,
    status: String,
    stops: String,
    packages: String,
    batches: Vec<BatchRow>,
}

#[derive(Template)]
#[template(path = "console/trips.html")]
struct TripsPage {
    layout: Layout,
    date: String,
    trips: Vec<TripRow>,
}

#[derive(Template)]
#[template(path = "console/ledger.html")]
struct LedgerPage {
    layout: Layout,
    /// Bill date, matched, problems.
    reconciliations: Vec<(String, String, String)>,
    balanced: bool,
    accounts: Vec<(String, String, String, String, String)>,
    total_debits: String,
    total_credits: String,
    runs: Vec<(String, String, String)>,
    from: chrono::NaiveDate,
    to: chrono::NaiveDate,
}

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

#[derive(Template)]
#[template(path = "console/area.html")]
struct AreaPage {
    layout: Layout,
    csrf: String,
    /// Villages for the agent-point form: id, name.
    village_ids: Vec<(i64, String)>,
    communities: Vec<(String, String)>,
    villages: Vec<(String, String)>,
    points: Vec<(String, String, String)>,
    routes: Vec<(String, String, String)>,
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

pub(super) async fn reviews(
    req: HttpRequest,
    state: web::Data<AppState>,
    who: Option<ConsoleUser>,
) -> HttpResponse {
    page(req, who, |req, who| async move {
        who.principal.require(Role::Operator)?;
        let pid = who.principal.platform_id;
        let applications = merchant_application::Entity::find()
            .filter(merchant_application::Column::PlatformId.eq(pid))
            .filter(merchant_application::Column::Status.eq("pending"))
            .order_by_asc(merchant_application::Column::Id)
            .all(&state.db)
            .await?
            .into_iter()
            .map(|a| ApplicationRow {
                id: a.id,
                store_name: a.business_name,
                category: a.category,
                licence_no: a.licence_no,
                contact_name: a.contact_name,
                contact_phone: a.contact_phone,
            })
            .collect();
        let stores: BTreeMap<i64, String> = store::Entity::find()
            .filter(store::Column::PlatformId.eq(pid))
            .all(&state.db)
            .await?
            .into_iter()
            .map(|s| (s.id, s.name))
            .collect();
        let products = product::Entity::find()
            .filter(product::Column::PlatformId.eq(pid))
            .filter(product::Column::Status.eq("pending_review"))
            .order_by_asc(product::Column::UpdatedAt)
            .all(&state.db)
            .await?
            .into_iter()
            .map(|p| ProductRow {
                id: p.id,
                store: stores.get(&p.store_id).cloned().unwrap_or_default(),
                name: p.name,
            })
            .collect();
        let riders = entity::rider::Entity::find()
            .filter(entity::rider::Column::PlatformId.eq(pid))
            .filter(entity::rider::Column::Status.eq("pending"))
            .order_by_asc(entity::rider::Column::Id)
            .all(&state.db)
            .await?
            .into_iter()
            .map(|r| (r.id, r.real_name, format!("{} · {}", r.vehicle, r.phone)))
            .collect();
        let page = ReviewsPage {
            layout: Layout::of(&req, Some(&who), "reviews"),
            csrf: who.csrf.clone(),
            applications,
            products,
            riders,
        };
        Ok(html(StatusCode::OK, page.render()))
    })
    .await
}

pub(super) async fn decide_application(
    req: HttpRequest,
    state: web::Data<AppState>,
    who: Option<ConsoleUser>,
    path: web::Path<(i64, String)>,
    form: web::Form<CsrfForm>,
) -> HttpResponse {
    page(req, who, |_, who| async move {
        who.check_csrf(&form.csrf)?;
        let (id, decision) = path.into_inner();
        let decision = match decision.as_str() {
            "approve" => entity::listing_line::applications::Decision::Approve,
            "reject" => entity::listing_line::applications::Decision::Reject(form.reason.clone()),
            _ => return Err(ApiError::not_found("decision")),
        };
        crate::routes::reviews::decide(&state, &who.principal, id, decision).await?;
        Ok(see_other("/console/reviews"))
    })
    .await
}

pub(super) async fn decide_product(
    req: HttpRequest,
    state: web::Data<AppState>,
    who: Option<ConsoleUser>,
    path: web::Path<(i64, String)>,
    form: web::Form<CsrfForm>,
) -> HttpResponse {
    page(req, who, |_, who| async move {
        who.check_csrf(&form.csrf)?;
        let (id, decision) = path.into_inner();
        let (event, reason) = match decision.as_str() {
            "approve" => (
                entity::listing_line::product_states::ListingEvent::Approve,
                None,
            ),
            "reject" => (
                entity::listing_line::product_states::ListingEvent::Reject,
                Some(form.reason.clone()),
            ),
            _ => return Err(ApiError::not_found("decision")),
        };
        crate::routes::reviews::review(&state, &who.principal, id, event, reason).await?;
        Ok(see_other("/console/reviews"))
    })
    .await
}

/// `?date=` of the trips page.
#[derive(Debug, Deserialize)]
pub struct DateQuery {
    date: Option<chrono::NaiveDate>,
}

pub(super) async fn trips(
    req: HttpRequest,
    state: web::Data<AppState>,
    who: Option<ConsoleUser>,
    q: web::Query<DateQuery>,
) -> HttpResponse {
    page(req, who, |req, who| async move {
        who.principal.require(Role::Operator)?;
        let pid = who.principal.platform_id;
        let platform = entity::platform_end::platforms::platform_of(&state.db, pid).await?;
        let date = q
            .date
            .unwrap_or_else(|| crate::routes::today_at(&state, platform.utc_offset_minutes));
        let layout = Layout::of(&req, Some(&who), "trips");
        let t = layout.t;
        let views = crate::routes::fleet::trips_of_day(&state, pid, None, Some(date)).await?;
        let offset = Duration::minutes(i64::from(platform.utc_offset_minutes));
        let mut rows = Vec::new();
        for v in views {
            let mut batches = Vec::new();
            for b in entity::cold_batch::Entity::find()
                .filter(entity::cold_batch::Column::TripId.eq(v.trip.id))
                .order_by_asc(entity::cold_batch::Column::Id)
                .all(&state.db)
                .await?
            {
                let readings: Vec<(chrono::DateTime<chrono::Utc>, f64)> =
                    entity::temperature_reading::Entity::find()
                        .filter(entity::temperature_reading::Column::BatchId.eq(b.id))
                        .order_by_asc(entity::temperature_reading::Column::At)
                        .all(&state.db)
                        .await?
                        .into_iter()
                        .map(|r| (r.at, r.celsius))
                        .collect();
                let at = v.trip.departed_at.unwrap_or(v.trip.departs_at);
                let policy = entity::to_door_line::village::batch_settlement::policy(
                    &state.db, pid, &b.class, at,
                )
                .await?;
                let settled = entity::cold_settlement::Entity::find()
                    .filter(entity::cold_settlement::Column::BatchId.eq(b.id))
                    .one(&state.db)
                    .await?;
                let (verdict, excursions) = match &settled {
                    Some(s) => {
                        let v: entity::delivery_end::cold_chain::Verdict =
                            serde_json::from_str(&s.verdict).map_err(ApiError::internal)?;
                        let word = if s.compliant { t.compliant } else { t.breached };
                        let max = s.max_c.map(|c| format!(", max {c} °C")).unwrap_or_default();
                        (format!("{word}{max}"), v.excursions)
                    }
                    None => (t.verdict_pending.to_owned(), Vec::new()),
                };
                let title = format!("{} {} {}", t.cold_batch, b.class, b.sensor_id);
                batches.push(BatchRow {
                    chart: chart::temperatures(&title, &readings, &policy.rule, &excursions),
                    class: b.class,
                    sensor: b.sensor_id,
                    verdict,
                });
            }
            let stops = v
                .stops
                .iter()
                .map(|s| {
                    format!(
                        "{}. {} {}{}",
                        s.seq,
                        s.kind,
                        (s.eta + offset).format("%H:%M"),
                        s.arrived_at.map_or("", |_| " ✓")
                    )
                })
                .collect::<Vec<_>>()
                .join(" → ");
            let mut by_status: BTreeMap<&str, usize> = BTreeMap::new();
            for p in &v.packages {
                *by_status.entry(p.status.as_str()).or_default() += 1;
            }
            let packages = by_status
                .iter()
                .map(|(k, n)| format!("{k} {n}"))
                .collect::<Vec<_>>()
                .join(" · ");
            let departs = v.trip.departs_at + offset;
            rows.push(TripRow {
                id: v.trip.id,
                title: format!(
                    "#{} {} · {}",
                    v.trip.id,
                    departs.format("%H:%M"),
                    v.trip.seq
                ),
                status: v.trip.status.clone(),
                stops,
                packages,
                batches,
            });
        }
        let page = TripsPage {
            layout,
            date: date.to_string(),
            trips: rows,
        };
        Ok(html(StatusCode::OK, page.render()))
    })
    .await
}

pub(super) async fn ledger(
    req: HttpRequest,
    state: web::Data<AppState>,
    who: Option<ConsoleUser>,
) -> HttpResponse {
    page(req, who, |req, who| async move {
        who.principal.require(Role::Operator)?;
        let pid = who.principal.platform_id;
        let accounts = entity::platform_end::ledger::balances(&state.db, pid).await?;
        let d: i64 = accounts.iter().map(|a| a.debits_fen).sum();
        let c: i64 = accounts.iter().map(|a| a.credits_fen).sum();
        let rows = accounts
            .iter()
            .map(|a| {
                (
                    a.kind.as_str().to_owned(),
                    if a.owner_id == 0 {
                        String::new()
                    } else {
                        a.owner_id.to_string()
                    },
                    crate::csv::yuan(a.debits_fen),
                    crate::csv::yuan(a.credits_fen),
                    crate::csv::yuan(a.balance_fen),
                )
            })
            .collect();
        let runs = entity::settlement_run::Entity::find()
            .filter(entity::settlement_run::Column::PlatformId.eq(pid))
            .order_by_desc(entity::settlement_run::Column::BusinessDate)
            .limit(14)
            .all(&state.db)
            .await?
            .into_iter()
            .map(|r| {
                (
                    r.business_date.to_string(),
                    r.status,
                    r.statements.to_string(),
                )
            })
            .collect();
        let reconciliations = entity::reconciliation_report::Entity::find()
            .filter(entity::reconciliation_report::Column::PlatformId.eq(pid))
            .order_by_desc(entity::reconciliation_report::Column::BillDate)
            .limit(14)
            .all(&state.db)
            .await?
            .into_iter()
            .map(|r| {
                (
                    r.bill_date.to_string(),
                    r.matched.to_string(),
                    r.problems.to_string(),
                )
            })
            .collect();
        let to = crate::routes::local_today(&state, pid).await?;
        let page = LedgerPage {
            reconciliations,
            layout: Layout::of(&req, Some(&who), "ledger"),
            balanced: d == c,
            accounts: rows,
            total_debits: crate::csv::yuan(d),
            total_credits: crate::csv::yuan(c),
            runs,
            from: to - Duration::days(29),
            to,
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
        Ok(crate::routes::stats::stats_csv(
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
        Ok(crate::routes::linkage::household_csv(&r))
    })
    .await
}

pub(super) async fn decide_rider(
    req: HttpRequest,
    state: web::Data<AppState>,
    who: Option<ConsoleUser>,
    path: web::Path<(i64, String)>,
    form: web::Form<CsrfForm>,
) -> HttpResponse {
    page(req, who, |_, who| async move {
        who.check_csrf(&form.csrf)?;
        who.principal.require(Role::Operator)?;
        let (id, decision) = path.into_inner();
        let approve = match decision.as_str() {
            "approve" => true,
            "reject" => false,
            _ => return Err(ApiError::not_found("decision")),
        };
        let reason = (!approve).then(|| form.reason.clone());
        let txn = entity::tx::begin_write(&state.db).await?;
        let res = entity::delivery_end::riders::review(
            &txn,
            who.principal.platform_id,
            id,
            who.principal.user_id,
            approve,
            reason,
            state.clock.now(),
        )
        .await;
        crate::routes::finish(txn, res).await?;
        Ok(see_other("/console/reviews"))
    })
    .await
}

pub(super) async fn dispatch_html(
    state: &AppState,
    who: &ConsoleUser,
    t: &'static Labels,
) -> Result<String, ApiError> {
    who.principal.require(Role::Operator)?;
    let m = crate::routes::admin_dispatch::monitor_of(state, who.principal.platform_id).await?;
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
        crate::routes::admin_dispatch::assign_job(&state, &who.principal, *id, form.rider_id)
            .await?;
        Ok(see_other("/console/dispatch"))
    })
    .await
}

pub(super) async fn area(
    req: HttpRequest,
    state: web::Data<AppState>,
    who: Option<ConsoleUser>,
) -> HttpResponse {
    page(req, who, |req, who| async move {
        who.principal.require(Role::Operator)?;
        let pid = who.principal.platform_id;
        let at = |lat: f64, lng: f64| format!("{lat:.4}, {lng:.4}");
        let communities = entity::community::Entity::find()
            .filter(entity::community::Column::PlatformId.eq(pid))
            .order_by_asc(entity::community::Column::Id)
            .all(&state.db)
            .await?
            .into_iter()
            .map(|c| {
                (
                    c.name,
                    format!("{} · {} m", at(c.center_lat, c.center_lng), c.radius_m),
                )
            })
            .collect();
        let village_rows = entity::village::Entity::find()
            .filter(entity::village::Column::PlatformId.eq(pid))
            .order_by_asc(entity::village::Column::Id)
            .all(&state.db)
            .await?;
        let village_names: BTreeMap<i64, String> = village_rows
            .iter()
            .map(|v| (v.id, v.name.clone()))
            .collect();
        let villages = village_rows
            .into_iter()
            .map(|v| (format!("{} · {}", v.township, v.name), at(v.lat, v.lng)))
            .collect();
        let point_rows = entity::agent_point::Entity::find()
            .filter(entity::agent_point::Column::PlatformId.eq(pid))
            .order_by_asc(entity::agent_point::Column::Id)
            .all(&state.db)
            .await?;
        let point_names: BTreeMap<i64, String> =
            point_rows.iter().map(|p| (p.id, p.name.clone())).collect();
        let points = point_rows
            .into_iter()
            .map(|p| {
                (
                    p.name,
                    format!(
                        "{} · {} {}",
                        village_names
                            .get(&p.village_id)
                            .cloned()
                            .unwrap_or_default(),
                        p.keeper_name,
                        p.opening_hours
                    ),
                    at(p.lat, p.lng),
                )
            })
            .collect();
        let mut routes = Vec::new();
        for r in entity::route::Entity::find()
            .filter(entity::route::Column::PlatformId.eq(pid))
            .order_by_asc(entity::route::Column::Id)
            .all(&state.db)
            .await?
        {
            let stops = entity::route_stop::Entity::find()
                .filter(entity::route_stop::Column::RouteId.eq(r.id))
                .order_by_asc(entity::route_stop::Column::Seq)
                .all(&state.db)
                .await?
                .into_iter()
                .map(|s| {
                    point_names
                        .get(&s.agent_point_id)
                        .cloned()
                        .unwrap_or_default()
                })
                .collect::<Vec<_>>()
                .join(" → ");
            let deps = entity::departure::Entity::find()
                .filter(entity::departure::Column::RouteId.eq(r.id))
                .all(&state.db)
                .await?
                .into_iter()
                .map(|d| format!("{} (−{} min)", d.depart_at, d.cutoff_minutes))
                .collect::<Vec<_>>()
                .join(", ");
            routes.push((format!("{} · {}", r.name, r.hub_name), stops, deps));
        }
        let page = AreaPage {
            csrf: who.csrf.clone(),
            village_ids: village_names.into_iter().collect(),
            layout: Layout::of(&req, Some(&who), "area"),
            communities,
            villages,
            points,
            routes,
        };
        Ok(html(StatusCode::OK, page.render()))
    })
    .await
}

/// A new community, village or agent point (the fields each needs).
#[derive(Debug, Deserialize)]
pub struct AreaForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    lat: String,
    #[serde(default)]
    lng: String,
    #[serde(default)]
    radius_m: String,
    #[serde(default)]
    township: String,
    #[serde(default)]
    village_id: String,
    #[serde(default)]
    keeper_name: String,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    opening_hours: String,
}

fn number<T: std::str::FromStr>(field: &str, v: &str) -> Result<T, ApiError> {
    v.trim()
        .parse()
        .map_err(|_| ApiError::field(field.to_owned(), "a number"))
}

pub(super) async fn add_area(
    req: HttpRequest,
    state: web::Data<AppState>,
    who: Option<ConsoleUser>,
    what: web::Path<String>,
    form: web::Form<AreaForm>,
) -> HttpResponse {
    use entity::platform_end::service_area as sa;
    page(req, who, |_, who| async move {
        who.check_csrf(&form.csrf)?;
        who.principal.require(Role::Operator)?;
        let pid = who.principal.platform_id;
        let now = state.clock.now();
        let at = entity::geo::Coordinates {
            lat: number("lat", &form.lat)?,
            lng: number("lng", &form.lng)?,
        };
        match what.as_str() {
            "communities" => {
                let input = sa::CommunityInput {
                    name: form.name.clone(),
                    center: at,
                    radius_m: number("radius_m", &form.radius_m)?,
                };
                sa::save_community(&state.db, pid, None, &input, now).await?;
            }
            "villages" => {
                let input = sa::VillageInput {
                    name: form.name.clone(),
                    township: form.township.clone(),
                    location: at,
                };
                sa::save_village(&state.db, pid, None, &input, now).await?;
            }
            "agent-points" => {
                let input = sa::AgentPointInput {
                    village_id: number("village_id", &form.village_id)?,
                    name: form.name.clone(),
                    keeper_name: form.keeper_name.clone(),
                    phone: form.phone.clone(),
                    location: at,
                    opening_hours: form.opening_hours.clone(),
                };
                sa::save_agent_point(&state.db, pid, None, &input, now).await?;
            }
            _ => return Err(ApiError::not_found("page")),
        }
        Ok(see_other("/console/area"))
    })
    .await
}
