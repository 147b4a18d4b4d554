//! The web console under `/console`: server-rendered pages (askama) for
//! county operators (dashboard, review queues) and kitchens (the live order
//! board), with cookie sessions, a CSRF token on every form, and the same
//! authorization rules as the API (the handlers call the same domain
//! functions with the session's [`Principal`](crate::auth::Principal)).

pub mod chart;
pub mod i18n;
pub mod session;

use std::collections::BTreeMap;

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use chrono::Duration;
use entity::order_state::OrderEvent;
use entity::{Role, merchant_application, order, order_item, product, store};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use serde::Deserialize;

use crate::error::{ApiError, ErrorCode};
use crate::state::AppState;
use i18n::Labels;
use session::ConsoleUser;

/// Who is signed in, for the page header.
pub struct NavUser {
    name: String,
    csrf: String,
    operator: bool,
    kitchen: bool,
}

/// What every page's layout needs.
pub struct Layout {
    t: &'static Labels,
    title: String,
    page: &'static str,
    user: Option<NavUser>,
}

impl Layout {
    fn of(req: &HttpRequest, who: Option<&ConsoleUser>, page: &'static str) -> Layout {
        let t = i18n::labels(req);
        let title = match page {
            "dashboard" => t.dashboard,
            "reviews" => t.reviews,
            "kitchen" => t.kitchen,
            "trips" => t.trips_page,
            "ledger" => t.ledger,
            "batches" => t.batches,
            "dispatch" => t.dispatch,
            "menu" => t.menu,
            "area" => t.service_area,
            "account" => t.account,
            "login" => t.login,
            _ => t.error,
        };
        Layout {
            t,
            title: title.to_owned(),
            page,
            user: who.map(|u| NavUser {
                name: u.display_name.clone(),
                csrf: u.csrf.clone(),
                operator: u.has(Role::Operator),
                kitchen: u.has(Role::MerchantStaff),
            }),
        }
    }
}

#[derive(Template)]
#[template(path = "console/login.html")]
struct LoginPage {
    layout: Layout,
    csrf: String,
    failed: bool,
}

#[derive(Template)]
#[template(path = "console/error.html")]
struct ErrorPage {
    layout: Layout,
    code: String,
    message: String,
}

#[derive(Template)]
#[template(path = "console/dashboard.html")]
struct DashboardPage {
    layout: Layout,
    platform: String,
    from: chrono::NaiveDate,
    to: chrono::NaiveDate,
    s: entity::stats::Stats,
    gmv: String,
    compliance: String,
    household: String,
    chart: String,
    gmv_chart: String,
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

#[derive(Template)]
#[template(path = "console/batches.html")]
struct BatchesPage {
    layout: Layout,
    csrf: String,
    today: chrono::NaiveDate,
    /// The store's products: id, name.
    products: Vec<(i64, String)>,
    /// Batches: id, code, product, produced on, left/made.
    batches: Vec<(i64, String, String, String, String)>,
}

#[derive(Template)]
#[template(path = "console/account.html")]
struct AccountPage {
    layout: Layout,
    csrf: String,
    owner: bool,
    balance: String,
    available: String,
    statements: Vec<(String, String, String)>,
    payouts: Vec<(String, String, String)>,
}

/// An order on the kitchen's board.
struct Card {
    id: i64,
    order_no: String,
    status: String,
    time: String,
    items: String,
    amount: String,
    kind: String,
    note: String,
}

#[derive(Template)]
#[template(path = "console/board.html")]
struct Board {
    t: &'static Labels,
    csrf: String,
    total: usize,
    columns: Vec<(&'static str, &'static str, Vec<Card>)>,
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

/// A SKU in the menu editor.
struct SkuRow {
    id: i64,
    name: String,
    price: String,
    stock: String,
}

/// A product in the menu editor.
struct MenuProduct {
    images: Vec<String>,
    id: i64,
    name: String,
    status: String,
    reason: String,
    version: i32,
    skus: Vec<SkuRow>,
}

#[derive(Template)]
#[template(path = "console/menu.html")]
struct MenuPage {
    layout: Layout,
    csrf: String,
    /// The store's categories: id, name.
    categories: Vec<(i64, String)>,
    products: Vec<MenuProduct>,
}

#[derive(Template)]
#[template(path = "console/kitchen.html")]
struct KitchenPage {
    layout: Layout,
    board: String,
}

fn html(status: StatusCode, body: Result<String, askama::Error>) -> HttpResponse {
    match body {
        Ok(b) => HttpResponse::build(status)
            .content_type("text/html; charset=utf-8")
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .insert_header(("x-frame-options", "DENY"))
            .body(b),
        Err(e) => {
            tracing::error!(error = %e, "console template failed");
            HttpResponse::InternalServerError().finish()
        }
    }
}

fn see_other(to: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, to.to_owned()))
        .finish()
}

/// An error as a page, with the API's status and code.
fn error_page(req: &HttpRequest, who: Option<&ConsoleUser>, e: ApiError) -> HttpResponse {
    use actix_web::ResponseError;
    let status = e.status_code();
    let page = ErrorPage {
        layout: Layout::of(req, who, "error"),
        code: e.code().as_str().to_owned(),
        message: e.to_string(),
    };
    html(status, page.render())
}

/// Runs a page handler: no session → the login page; an error → a page.
async fn page<F, Fut>(req: HttpRequest, who: Option<ConsoleUser>, f: F) -> HttpResponse
where
    F: FnOnce(HttpRequest, ConsoleUser) -> Fut,
    Fut: std::future::Future<Output = Result<HttpResponse, ApiError>>,
{
    let Some(who) = who else {
        return see_other("/console/login");
    };
    let keep = who.clone();
    match f(req.clone(), who).await {
        Ok(r) => r,
        Err(e) => error_page(&req, Some(&keep), e),
    }
}

/// A posted form with its CSRF token.
#[derive(Debug, Deserialize)]
pub struct CsrfForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    reason: String,
}

/// Registers the console's pages.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/console")
            .app_data(web::FormConfig::default().limit(16 * 1024))
            .route("", web::get().to(home))
            .route("/", web::get().to(home))
            .route("/login", web::get().to(login_form))
            .route("/login", web::post().to(login))
            .route("/logout", web::post().to(logout))
            .route("/dashboard", web::get().to(dashboard))
            .route("/reviews", web::get().to(reviews))
            .route(
                "/reviews/applications/{id}/{decision}",
                web::post().to(decide_application),
            )
            .route(
                "/reviews/products/{id}/{decision}",
                web::post().to(decide_product),
            )
            .route("/trips", web::get().to(trips))
            .route("/ledger", web::get().to(ledger))
            .route("/exports/stats.csv", web::get().to(export_stats))
            .route("/exports/households.csv", web::get().to(export_households))
            .route(
                "/reviews/riders/{id}/{decision}",
                web::post().to(decide_rider),
            )
            .route("/kitchen/batches", web::get().to(batches))
            .route("/kitchen/batches", web::post().to(create_batch))
            .route(
                "/kitchen/batches/{id}/label.png",
                web::get().to(batch_label),
            )
            .route("/kitchen/account", web::get().to(account))
            .route("/kitchen/payouts", web::post().to(withdraw))
            .route("/dispatch", web::get().to(dispatch))
            .route("/dispatch/board", web::get().to(dispatch_board))
            .route("/dispatch/jobs/{id}/assign", web::post().to(assign))
            .route("/area", web::get().to(area))
            .route("/area/{what}", web::post().to(add_area))
            .route("/kitchen/menu", web::get().to(menu))
            .route("/kitchen/menu/products", web::post().to(create_product))
            .route("/kitchen/menu/categories", web::post().to(create_category))
            .route(
                "/kitchen/menu/products/{id}/image",
                web::post().to(upload_image),
            )
            .route("/kitchen/menu/products/{id}/skus", web::post().to(save_sku))
            .route(
                "/kitchen/menu/products/{id}/skus/{sku}",
                web::post().to(save_sku_by_id),
            )
            .route(
                "/kitchen/menu/products/{id}/submit",
                web::post().to(submit_product),
            )
            .route("/kitchen", web::get().to(kitchen))
            .route("/kitchen/board", web::get().to(board))
            .route("/kitchen/stream", web::get().to(stream))
            .route(
                "/kitchen/orders/{id}/{action}",
                web::post().to(kitchen_action),
            ),
    );
}

async fn home(who: Option<ConsoleUser>) -> HttpResponse {
    match who {
        None => see_other("/console/login"),
        Some(u) if u.has(Role::Operator) => see_other("/console/dashboard"),
        Some(u) if u.has(Role::MerchantStaff) => see_other("/console/kitchen"),
        Some(_) => see_other("/console/login"),
    }
}

async fn login_form(req: HttpRequest) -> HttpResponse {
    let csrf = hex::encode(worker::random_bytes::<24>());
    let page = LoginPage {
        layout: Layout::of(&req, None, "login"),
        csrf: csrf.clone(),
        failed: false,
    };
    let mut res = html(StatusCode::OK, page.render());
    let _ = res.add_cookie(&session::cookie(
        &req,
        session::LOGIN_COOKIE,
        csrf,
        Duration::minutes(30),
    ));
    res
}

/// The login form.
#[derive(Debug, Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
}

async fn login(
    req: HttpRequest,
    state: web::Data<AppState>,
    form: web::Form<LoginForm>,
) -> HttpResponse {
    // The login form is protected by a double-submit token: the cookie
    // set with the form must come back in the form.
    let expected = req
        .cookie(session::LOGIN_COOKIE)
        .map(|c| c.value().to_owned())
        .unwrap_or_default();
    if expected.is_empty() || !session::constant_time_eq(expected.as_bytes(), form.csrf.as_bytes())
    {
        return error_page(
            &req,
            None,
            ApiError::new(ErrorCode::FORBIDDEN, "the login form expired; reload it"),
        );
    }
    let checked = crate::routes::auth::check_password(&state, &form.username, &form.password).await;
    let (account, user, txn) = match checked {
        Ok(v) => v,
        Err(e) if e.code() == ErrorCode::INVALID_CREDENTIALS => {
            let page = LoginPage {
                layout: Layout::of(&req, None, "login"),
                csrf: expected,
                failed: true,
            };
            return html(StatusCode::UNAUTHORIZED, page.render());
        }
        Err(e) => return error_page(&req, None, e),
    };
    let opened = session::open(&txn, &req, user.id, account.platform_id, state.clock.now()).await;
    let cookie = match opened {
        Ok(c) => c,
        Err(e) => return error_page(&req, None, e),
    };
    if let Err(e) = txn.commit().await {
        return error_page(&req, None, e.into());
    }
    tracing::info!(user_id = user.id, "console login");
    let mut res = see_other("/console");
    let _ = res.add_cookie(&cookie);
    let mut gone = session::cookie(&req, session::LOGIN_COOKIE, String::new(), Duration::zero());
    gone.make_removal();
    let _ = res.add_cookie(&gone);
    res
}

async fn logout(
    req: HttpRequest,
    state: web::Data<AppState>,
    who: Option<ConsoleUser>,
    form: web::Form<CsrfForm>,
) -> HttpResponse {
    page(req, who, |req, who| async move {
        who.check_csrf(&form.csrf)?;
        session::close(&state, who.session_id).await?;
        let mut res = see_other("/console/login");
        let mut gone = session::cookie(&req, session::COOKIE, String::new(), Duration::zero());
        gone.make_removal();
        let _ = res.add_cookie(&gone);
        Ok(res)
    })
    .await
}

async fn dashboard(
    req: HttpRequest,
    state: web::Data<AppState>,
    who: Option<ConsoleUser>,
) -> HttpResponse {
    page(req, who, |req, who| async move {
        who.principal.require(Role::Operator)?;
        let p = entity::delivery::platform_of(&state.db, who.principal.platform_id).await?;
        let to = crate::routes::local_today(&state, p.id).await?;
        let from = to - Duration::days(29);
        let s = entity::stats::stats(&state.db, std::slice::from_ref(&p), from, to).await?;
        let layout = Layout::of(&req, Some(&who), "dashboard");
        let chart = chart::orders_per_day(layout.t.orders_per_day, &s.daily);
        let gmv_chart = chart::gmv_per_day(layout.t.gmv_per_day, &s.daily);
        let page = DashboardPage {
            platform: p.name,
            from,
            to,
            gmv: crate::csv::yuan(s.gmv_fen),
            compliance: format!("{}%", crate::csv::yuan(s.cold_compliance_bp)),
            household: crate::csv::yuan(s.household_income_fen),
            chart,
            gmv_chart,
            s,
            layout,
        };
        Ok(html(StatusCode::OK, page.render()))
    })
    .await
}

async fn reviews(
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

async fn decide_application(
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
            "approve" => entity::onboarding::Decision::Approve,
            "reject" => entity::onboarding::Decision::Reject(form.reason.clone()),
            _ => return Err(ApiError::not_found("decision")),
        };
        crate::routes::reviews::decide(&state, &who.principal, id, decision).await?;
        Ok(see_other("/console/reviews"))
    })
    .await
}

async fn decide_product(
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
            "approve" => (entity::listing::ListingEvent::Approve, None),
            "reject" => (
                entity::listing::ListingEvent::Reject,
                Some(form.reason.clone()),
            ),
            _ => return Err(ApiError::not_found("decision")),
        };
        crate::routes::reviews::review(&state, &who.principal, id, event, reason).await?;
        Ok(see_other("/console/reviews"))
    })
    .await
}

/// The kitchen's board: new, cooking and ready orders of its store.
async fn board_html(
    state: &AppState,
    who: &ConsoleUser,
    t: &'static Labels,
) -> Result<String, ApiError> {
    let s = crate::routes::merchant::my_store(&state.db, &who.principal).await?;
    let p = entity::delivery::platform_of(&state.db, s.platform_id).await?;
    let offset = Duration::minutes(i64::from(p.utc_offset_minutes));
    let orders = order::Entity::find()
        .filter(order::Column::StoreId.eq(s.id))
        .filter(order::Column::Status.is_in(["paid", "accepted", "rider_assigned", "ready"]))
        .order_by_asc(order::Column::Id)
        .limit(200)
        .all(&state.db)
        .await?;
    let ids: Vec<i64> = orders.iter().map(|o| o.id).collect();
    let mut lines: BTreeMap<i64, Vec<String>> = BTreeMap::new();
    for it in order_item::Entity::find()
        .filter(order_item::Column::OrderId.is_in(ids))
        .order_by_asc(order_item::Column::Id)
        .all(&state.db)
        .await?
    {
        lines
            .entry(it.order_id)
            .or_default()
            .push(format!("{} × {}", it.product_name, it.qty));
    }
    let mut columns = vec![
        (t.new_orders, "paid", Vec::new()),
        (t.accepted, "accepted", Vec::new()),
        (t.ready, "ready", Vec::new()),
    ];
    let total = orders.len();
    for o in orders {
        let col = match o.status.as_str() {
            "paid" => 0,
            "ready" => 2,
            _ => 1,
        };
        columns[col].2.push(Card {
            id: o.id,
            items: lines.remove(&o.id).unwrap_or_default().join("，"),
            time: (o.created_at + offset).format("%H:%M").to_string(),
            amount: crate::csv::yuan(o.payable_fen),
            kind: if o.delivery_kind == "village" {
                "到村"
            } else {
                "城区"
            }
            .into(),
            note: o.note,
            order_no: o.order_no,
            status: o.status,
        });
    }
    Board {
        t,
        csrf: who.csrf.clone(),
        total,
        columns,
    }
    .render()
    .map_err(|e| ApiError::internal(e.to_string()))
}

async fn kitchen(
    req: HttpRequest,
    state: web::Data<AppState>,
    who: Option<ConsoleUser>,
) -> HttpResponse {
    page(req, who, |req, who| async move {
        let layout = Layout::of(&req, Some(&who), "kitchen");
        let board = board_html(&state, &who, layout.t).await?;
        Ok(html(StatusCode::OK, KitchenPage { layout, board }.render()))
    })
    .await
}

async fn board(
    req: HttpRequest,
    state: web::Data<AppState>,
    who: Option<ConsoleUser>,
) -> HttpResponse {
    let Some(who) = who else {
        return HttpResponse::Unauthorized().finish();
    };
    match board_html(&state, &who, i18n::labels(&req)).await {
        Ok(b) => html(StatusCode::OK, Ok(b)),
        Err(e) => error_page(&req, Some(&who), e),
    }
}

/// The store's new orders and cancellations as they happen (the same
/// events as the API's stream, with the console's session).
async fn stream(
    req: HttpRequest,
    state: web::Data<AppState>,
    who: Option<ConsoleUser>,
    q: web::Query<crate::routes::order_stream::StreamQuery>,
) -> HttpResponse {
    let Some(who) = who else {
        return HttpResponse::Unauthorized().finish();
    };
    match crate::routes::order_stream::store_stream(&state, &who.principal, &req, &q).await {
        Ok(r) => r,
        Err(e) => error_page(&req, Some(&who), e),
    }
}

async fn kitchen_action(
    req: HttpRequest,
    state: web::Data<AppState>,
    who: Option<ConsoleUser>,
    path: web::Path<(i64, String)>,
    form: web::Form<CsrfForm>,
) -> HttpResponse {
    page(req, who, |_, who| async move {
        who.check_csrf(&form.csrf)?;
        let (id, action) = path.into_inner();
        let (event, reason) = match action.as_str() {
            "accept" => (OrderEvent::MerchantAccept, None),
            "ready" => (OrderEvent::MarkReady, None),
            "reject" => (OrderEvent::MerchantReject, Some(form.reason.clone())),
            _ => return Err(ApiError::not_found("action")),
        };
        crate::routes::merchant_orders::step(
            &state,
            &who.principal,
            id,
            event,
            reason,
            BTreeMap::new(),
        )
        .await?;
        Ok(see_other("/console/kitchen"))
    })
    .await
}

/// `?date=` of the trips page.
#[derive(Debug, Deserialize)]
pub struct DateQuery {
    date: Option<chrono::NaiveDate>,
}

async fn trips(
    req: HttpRequest,
    state: web::Data<AppState>,
    who: Option<ConsoleUser>,
    q: web::Query<DateQuery>,
) -> HttpResponse {
    page(req, who, |req, who| async move {
        who.principal.require(Role::Operator)?;
        let pid = who.principal.platform_id;
        let date = match q.date {
            Some(d) => d,
            None => crate::routes::local_today(&state, pid).await?,
        };
        let layout = Layout::of(&req, Some(&who), "trips");
        let t = layout.t;
        let views = crate::routes::fleet::trips_of_day(&state, pid, None, Some(date)).await?;
        let offset = Duration::minutes(i64::from(
            entity::delivery::platform_of(&state.db, pid)
                .await?
                .utc_offset_minutes,
        ));
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
                let policy = entity::cold_settle::policy(&state.db, pid, &b.class, at).await?;
                let settled = entity::cold_settlement::Entity::find()
                    .filter(entity::cold_settlement::Column::BatchId.eq(b.id))
                    .one(&state.db)
                    .await?;
                let (verdict, excursions) = match &settled {
                    Some(s) => {
                        let v: entity::cold_chain::Verdict =
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

async fn ledger(
    req: HttpRequest,
    state: web::Data<AppState>,
    who: Option<ConsoleUser>,
) -> HttpResponse {
    page(req, who, |req, who| async move {
        who.principal.require(Role::Operator)?;
        let pid = who.principal.platform_id;
        let accounts = entity::ledger::balances(&state.db, pid).await?;
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

async fn export_stats(
    req: HttpRequest,
    state: web::Data<AppState>,
    who: Option<ConsoleUser>,
) -> HttpResponse {
    page(req, who, |_, who| async move {
        who.principal.require(Role::Operator)?;
        let p = entity::delivery::platform_of(&state.db, who.principal.platform_id).await?;
        let to = crate::routes::local_today(&state, p.id).await?;
        let from = to - Duration::days(29);
        let s = entity::stats::stats(&state.db, std::slice::from_ref(&p), from, to).await?;
        Ok(crate::routes::stats::stats_csv(
            &[(p.name.as_str(), &s)],
            &format!("stats-{}-{from}-{to}.csv", p.code),
        ))
    })
    .await
}

async fn export_households(
    req: HttpRequest,
    state: web::Data<AppState>,
    who: Option<ConsoleUser>,
) -> HttpResponse {
    page(req, who, |_, who| async move {
        who.principal.require(Role::Operator)?;
        let p = entity::delivery::platform_of(&state.db, who.principal.platform_id).await?;
        let to = crate::routes::local_today(&state, p.id).await?;
        let from = to - Duration::days(29);
        let r =
            entity::linkage::household_report(&state.db, &[p.id], from, to, p.utc_offset_minutes)
                .await?;
        Ok(crate::routes::linkage::household_csv(&r))
    })
    .await
}

async fn decide_rider(
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
        let res = entity::riders::review(
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

async fn batches(
    req: HttpRequest,
    state: web::Data<AppState>,
    who: Option<ConsoleUser>,
) -> HttpResponse {
    page(req, who, |req, who| async move {
        let s = crate::routes::merchant::my_store(&state.db, &who.principal).await?;
        let products: BTreeMap<i64, String> = product::Entity::find()
            .filter(product::Column::StoreId.eq(s.id))
            .order_by_asc(product::Column::Id)
            .all(&state.db)
            .await?
            .into_iter()
            .map(|p| (p.id, p.name))
            .collect();
        let batches = entity::trace::batches_of(&state.db, s.id)
            .await?
            .into_iter()
            .map(|b| {
                (
                    b.id,
                    b.trace_code,
                    products.get(&b.product_id).cloned().unwrap_or_default(),
                    b.produced_on.to_string(),
                    format!("{}/{}", b.remaining, b.quantity),
                )
            })
            .collect();
        let today = crate::routes::local_today(&state, s.platform_id).await?;
        let page = BatchesPage {
            layout: Layout::of(&req, Some(&who), "batches"),
            csrf: who.csrf.clone(),
            today,
            products: products.into_iter().collect(),
            batches,
        };
        Ok(html(StatusCode::OK, page.render()))
    })
    .await
}

/// The new-batch form.
#[derive(Debug, Deserialize)]
pub struct BatchForm {
    #[serde(default)]
    csrf: String,
    product_id: i64,
    produced_on: String,
    quantity: String,
}

async fn create_batch(
    req: HttpRequest,
    state: web::Data<AppState>,
    who: Option<ConsoleUser>,
    form: web::Form<BatchForm>,
) -> HttpResponse {
    page(req, who, |_, who| async move {
        who.check_csrf(&form.csrf)?;
        let s = crate::routes::merchant::my_store(&state.db, &who.principal).await?;
        let produced_on = form
            .produced_on
            .trim()
            .parse()
            .map_err(|_| ApiError::field("produced_on", "a date like 2026-11-23"))?;
        let quantity = form
            .quantity
            .trim()
            .parse()
            .map_err(|_| ApiError::field("quantity", "a whole number"))?;
        let nb = entity::trace::NewBatch {
            product_id: form.product_id,
            produced_on,
            quantity,
            sources: Vec::new(),
        };
        let today = crate::routes::local_today(&state, s.platform_id).await?;
        let code = entity::trace::trace_code(worker::random_bytes::<12>());
        let txn = entity::tx::begin_write(&state.db).await?;
        let res = entity::trace::create_batch(
            &txn,
            &s,
            who.principal.user_id,
            &nb,
            code,
            today,
            state.clock.now(),
        )
        .await;
        crate::routes::finish(txn, res).await?;
        Ok(see_other("/console/kitchen/batches"))
    })
    .await
}

async fn batch_label(
    req: HttpRequest,
    state: web::Data<AppState>,
    who: Option<ConsoleUser>,
    id: web::Path<i64>,
) -> HttpResponse {
    page(req, who, |req, who| async move {
        let s = crate::routes::merchant::my_store(&state.db, &who.principal).await?;
        let b = entity::production_batch::Entity::find_by_id(*id)
            .one(&state.db)
            .await?
            .filter(|b| b.store_id == s.id)
            .ok_or_else(|| ApiError::not_found("batch"))?;
        let info = req.connection_info();
        let url = format!(
            "{}://{}/api/v1/trace/{}",
            info.scheme(),
            info.host(),
            b.trace_code
        );
        let png = crate::routes::trace::qr_png(&url).map_err(ApiError::internal)?;
        Ok(HttpResponse::Ok()
            .insert_header((header::CONTENT_TYPE, "image/png"))
            .body(png))
    })
    .await
}

async fn account(
    req: HttpRequest,
    state: web::Data<AppState>,
    who: Option<ConsoleUser>,
) -> HttpResponse {
    page(req, who, |req, who| async move {
        let s = crate::routes::merchant::my_store(&state.db, &who.principal).await?;
        let pid = who.principal.platform_id;
        let kind = entity::ledger::AccountKind::MerchantPayable;
        let (balance, _) =
            entity::ledger::payee_account(&state.db, pid, kind, s.merchant_id, 0).await?;
        let payee = entity::payouts::Payee {
            kind: "merchant",
            owner_id: s.merchant_id,
        };
        let available = entity::payouts::available(&state.db, pid, payee).await?;
        let statements = entity::settlement::statements_of(&state.db, pid, kind, s.merchant_id, 31)
            .await?
            .into_iter()
            .map(|st| {
                (
                    st.business_date.to_string(),
                    crate::csv::yuan(st.closing_fen),
                    format!("{} entries", st.entries),
                )
            })
            .collect();
        let payouts = entity::payouts::of_payee(&state.db, pid, payee)
            .await?
            .into_iter()
            .map(|p| (p.out_batch_no, crate::csv::yuan(p.amount_fen), p.status))
            .collect();
        let owner = crate::routes::merchant::owned_merchant(&state.db, &who.principal)
            .await
            .is_ok();
        let page = AccountPage {
            layout: Layout::of(&req, Some(&who), "account"),
            csrf: who.csrf.clone(),
            owner,
            balance: crate::csv::yuan(balance),
            available: crate::csv::yuan(available),
            statements,
            payouts,
        };
        Ok(html(StatusCode::OK, page.render()))
    })
    .await
}

/// The withdrawal form: yuan with up to two decimals.
#[derive(Debug, Deserialize)]
pub struct WithdrawForm {
    #[serde(default)]
    csrf: String,
    amount: String,
}

/// Parses `12`, `12.5` or `12.05` yuan into fen.
pub fn parse_yuan(s: &str) -> Option<i64> {
    let s = s.trim();
    let (whole, frac) = s.split_once('.').unwrap_or((s, ""));
    if whole.is_empty() || frac.len() > 2 || !whole.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    if !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let whole: i64 = whole.parse().ok()?;
    let frac: i64 = format!("{frac:0<2}").parse().ok()?;
    whole.checked_mul(100)?.checked_add(frac)
}

async fn withdraw(
    req: HttpRequest,
    state: web::Data<AppState>,
    who: Option<ConsoleUser>,
    form: web::Form<WithdrawForm>,
) -> HttpResponse {
    page(req, who, |_, who| async move {
        who.check_csrf(&form.csrf)?;
        let m = crate::routes::merchant::owned_merchant(&state.db, &who.principal).await?;
        let amount = parse_yuan(&form.amount)
            .ok_or_else(|| ApiError::field("amount", "yuan, e.g. 120.50"))?;
        let provider = if state.wechatpay.is_some() {
            "wechat"
        } else {
            "demo"
        };
        let payee = entity::payouts::Payee {
            kind: "merchant",
            owner_id: m.id,
        };
        let txn = entity::tx::begin_write(&state.db).await?;
        let res = entity::payouts::request(
            &txn,
            m.platform_id,
            payee,
            who.principal.user_id,
            amount,
            provider,
            None,
            &crate::routes::orders::public_no(&state, "PO"),
            state.clock.now(),
        )
        .await;
        crate::routes::finish(txn, res).await?;
        Ok(see_other("/console/kitchen/account"))
    })
    .await
}

async fn dispatch_html(
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

async fn dispatch(
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

async fn dispatch_board(
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

async fn assign(
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

async fn area(
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

async fn menu(
    req: HttpRequest,
    state: web::Data<AppState>,
    who: Option<ConsoleUser>,
) -> HttpResponse {
    page(req, who, |req, who| async move {
        let s = crate::routes::merchant::my_store(&state.db, &who.principal).await?;
        let mut products = Vec::new();
        for p in product::Entity::find()
            .filter(product::Column::StoreId.eq(s.id))
            .order_by_asc(product::Column::Id)
            .all(&state.db)
            .await?
        {
            let skus = entity::menu::skus(&state.db, p.id)
                .await?
                .into_iter()
                .map(|k| SkuRow {
                    id: k.id,
                    name: k.name,
                    price: crate::csv::yuan(k.price_fen),
                    stock: k.stock.map(|n| n.to_string()).unwrap_or_default(),
                })
                .collect();
            products.push(MenuProduct {
                images: serde_json::from_str(&p.images).unwrap_or_default(),
                id: p.id,
                name: p.name,
                status: p.status,
                reason: p.reject_reason.unwrap_or_default(),
                version: p.version,
                skus,
            });
        }
        let categories = entity::menu::categories(&state.db, s.id)
            .await?
            .into_iter()
            .map(|c| (c.id, c.name))
            .collect();
        let page = MenuPage {
            categories,
            layout: Layout::of(&req, Some(&who), "menu"),
            csrf: who.csrf.clone(),
            products,
        };
        Ok(html(StatusCode::OK, page.render()))
    })
    .await
}

/// The new-product form.
#[derive(Debug, Deserialize)]
pub struct ProductForm {
    #[serde(default)]
    csrf: String,
    name: String,
    unit: String,
    cold_chain: String,
    weight_g: String,
    #[serde(default)]
    category_id: String,
}

async fn create_product(
    req: HttpRequest,
    state: web::Data<AppState>,
    who: Option<ConsoleUser>,
    form: web::Form<ProductForm>,
) -> HttpResponse {
    page(req, who, |_, who| async move {
        who.check_csrf(&form.csrf)?;
        let s = crate::routes::merchant::my_store(&state.db, &who.principal).await?;
        let category_id = match form.category_id.trim() {
            "" => None,
            c => Some(
                c.parse()
                    .map_err(|_| ApiError::field("category_id", "a category of the store"))?,
            ),
        };
        let input = entity::menu::ProductInput {
            category_id,
            name: form.name.clone(),
            description: String::new(),
            images: Vec::new(),
            unit: form.unit.clone(),
            cold_chain: form.cold_chain.clone(),
            weight_g: form
                .weight_g
                .trim()
                .parse()
                .map_err(|_| ApiError::field("weight_g", "grams, a whole number"))?,
            origin: String::new(),
        };
        let txn = entity::tx::begin_write(&state.db).await?;
        let res =
            entity::menu::create_product(&txn, s.id, s.platform_id, &input, state.clock.now())
                .await;
        crate::routes::finish(txn, res).await?;
        Ok(see_other("/console/kitchen/menu"))
    })
    .await
}

/// A SKU form: price in yuan, stock empty for unlimited.
#[derive(Debug, Deserialize)]
pub struct SkuForm {
    #[serde(default)]
    csrf: String,
    version: i32,
    name: String,
    price: String,
    #[serde(default)]
    stock: String,
}

async fn sku_step(
    state: &AppState,
    who: &ConsoleUser,
    product_id: i64,
    sku: Option<i64>,
    form: &SkuForm,
) -> Result<(), ApiError> {
    who.check_csrf(&form.csrf)?;
    let price_fen =
        parse_yuan(&form.price).ok_or_else(|| ApiError::field("price", "yuan, e.g. 28.00"))?;
    let stock = match form.stock.trim() {
        "" => None,
        n => Some(
            n.parse()
                .map_err(|_| ApiError::field("stock", "a whole number, or empty for unlimited"))?,
        ),
    };
    let input = entity::menu::SkuInput {
        version: form.version,
        name: form.name.clone(),
        price_fen,
        stock,
        on_shelf: true,
        position: 0,
        weight_g: None,
        volume_ml: None,
    };
    let txn = entity::tx::begin_write(&state.db).await?;
    let s = crate::routes::merchant::my_store(&txn, &who.principal).await?;
    let res = async {
        let p = entity::menu::product_of(&txn, s.id, product_id).await?;
        entity::menu::save_sku(&txn, p, sku, &input, state.clock.now()).await
    }
    .await;
    crate::routes::finish(txn, res).await?;
    Ok(())
}

async fn save_sku(
    req: HttpRequest,
    state: web::Data<AppState>,
    who: Option<ConsoleUser>,
    id: web::Path<i64>,
    form: web::Form<SkuForm>,
) -> HttpResponse {
    page(req, who, |_, who| async move {
        sku_step(&state, &who, *id, None, &form).await?;
        Ok(see_other("/console/kitchen/menu"))
    })
    .await
}

async fn save_sku_by_id(
    req: HttpRequest,
    state: web::Data<AppState>,
    who: Option<ConsoleUser>,
    path: web::Path<(i64, i64)>,
    form: web::Form<SkuForm>,
) -> HttpResponse {
    page(req, who, |_, who| async move {
        let (id, sku) = path.into_inner();
        sku_step(&state, &who, id, Some(sku), &form).await?;
        Ok(see_other("/console/kitchen/menu"))
    })
    .await
}

async fn submit_product(
    req: HttpRequest,
    state: web::Data<AppState>,
    who: Option<ConsoleUser>,
    id: web::Path<i64>,
    form: web::Form<CsrfForm>,
) -> HttpResponse {
    page(req, who, |_, who| async move {
        who.check_csrf(&form.csrf)?;
        crate::routes::merchant::step(
            &state,
            &who.principal,
            *id,
            entity::listing::ListingEvent::Submit,
            None,
        )
        .await?;
        Ok(see_other("/console/kitchen/menu"))
    })
    .await
}

/// The new-category form.
#[derive(Debug, Deserialize)]
pub struct CategoryForm {
    #[serde(default)]
    csrf: String,
    name: String,
}

async fn create_category(
    req: HttpRequest,
    state: web::Data<AppState>,
    who: Option<ConsoleUser>,
    form: web::Form<CategoryForm>,
) -> HttpResponse {
    page(req, who, |_, who| async move {
        who.check_csrf(&form.csrf)?;
        let s = crate::routes::merchant::my_store(&state.db, &who.principal).await?;
        let input = entity::menu::CategoryInput {
            name: form.name.clone(),
            position: 0,
        };
        let txn = entity::tx::begin_write(&state.db).await?;
        let res =
            entity::menu::save_category(&txn, s.id, s.platform_id, None, &input, state.clock.now())
                .await;
        crate::routes::finish(txn, res).await?;
        Ok(see_other("/console/kitchen/menu"))
    })
    .await
}

/// Reads a multipart form's text field or file (at most `max` bytes).
async fn field_bytes(field: &mut actix_multipart::Field, max: usize) -> Result<Vec<u8>, ApiError> {
    use futures_util::StreamExt;
    let mut buf = Vec::new();
    while let Some(chunk) = field.next().await {
        let chunk = chunk.map_err(|e| {
            ApiError::new(ErrorCode::BAD_REQUEST, format!("bad multipart body: {e}"))
        })?;
        if buf.len() + chunk.len() > max {
            return Err(ApiError::new(
                ErrorCode::PAYLOAD_TOO_LARGE,
                format!("at most {max} bytes"),
            ));
        }
        buf.extend_from_slice(&chunk);
    }
    Ok(buf)
}

/// Uploads a product image (CSRF token first in the form, then the file)
/// and adds it to the product.
async fn upload_image(
    req: HttpRequest,
    state: web::Data<AppState>,
    who: Option<ConsoleUser>,
    id: web::Path<i64>,
    mut form: actix_multipart::Multipart,
) -> HttpResponse {
    page(req, who, |_, who| async move {
        use futures_util::StreamExt;
        let max = state.settings.media.max_bytes;
        let (mut csrf, mut version, mut file) = (String::new(), None, None);
        while let Some(field) = form.next().await {
            let mut field = field.map_err(|e| {
                ApiError::new(ErrorCode::BAD_REQUEST, format!("bad multipart body: {e}"))
            })?;
            match field.name() {
                Some("csrf") => {
                    csrf =
                        String::from_utf8_lossy(&field_bytes(&mut field, 256).await?).into_owned()
                }
                Some("version") => {
                    version = String::from_utf8_lossy(&field_bytes(&mut field, 32).await?)
                        .trim()
                        .parse::<i32>()
                        .ok();
                }
                Some("file") => {
                    // Nothing is stored before the form's token is checked.
                    who.check_csrf(&csrf)?;
                    file = Some(field_bytes(&mut field, max).await?);
                }
                _ => {}
            }
        }
        who.check_csrf(&csrf)?;
        let bytes = file.ok_or_else(|| ApiError::field("file", "choose an image"))?;
        let version = version.ok_or_else(|| ApiError::field("version", "reload the page"))?;
        let (name, _, _) = crate::routes::images::save_image(&state, &who.principal, bytes).await?;
        let txn = entity::tx::begin_write(&state.db).await?;
        let s = crate::routes::merchant::my_store(&txn, &who.principal).await?;
        let res = async {
            let p = entity::menu::product_of(&txn, s.id, *id).await?;
            let mut images: Vec<String> = serde_json::from_str(&p.images).unwrap_or_default();
            images.push(format!("/media/{name}"));
            let patch = entity::menu::ProductPatch {
                version,
                images: Some(images),
                ..Default::default()
            };
            entity::menu::update_product(&txn, p, &patch, state.clock.now()).await
        }
        .await;
        crate::routes::finish(txn, res).await?;
        Ok(see_other("/console/kitchen/menu"))
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

async fn add_area(
    req: HttpRequest,
    state: web::Data<AppState>,
    who: Option<ConsoleUser>,
    what: web::Path<String>,
    form: web::Form<AreaForm>,
) -> HttpResponse {
    use entity::service_area as sa;
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

#[cfg(test)]
mod tests {
    use super::parse_yuan;

    #[test]
    fn yuan_amounts_parse_to_fen() {
        assert_eq!(parse_yuan("12"), Some(1_200));
        assert_eq!(parse_yuan("12.5"), Some(1_250));
        assert_eq!(parse_yuan(" 0.05 "), Some(5));
        assert_eq!(parse_yuan("12.345"), None);
        assert_eq!(parse_yuan("-1"), None);
        assert_eq!(parse_yuan("1e3"), None);
        assert_eq!(parse_yuan(""), None);
    }
}
