//! Process crashes: the real `tongcheng serve --demo` (with its embedded
//! worker) takes orders, payments, deliveries and settlements from several
//! clients at once and is killed with SIGKILL at a random moment, several
//! times. After each restart:
//! - every order that was answered 201 exists;
//! - every payment is applied once (one succeeded payment per order, one
//!   ledger posting per payment), also when a confirmation whose answer was
//!   lost is sent again;
//! - the trial balance is zero;
//! - no job stays claimed past its lease, and the worker resumes: queued
//!   jobs that are due get done.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use sea_orm::{ConnectionTrait, Database, DatabaseConnection, Statement};
use serde_json::{Value, json};
use tests::{Backend, both};

const ROUNDS: usize = 4;
const RESIDENTS: usize = 4;
const JWT_SECRET: &str = "crash-test-secret-of-at-least-32-bytes";
/// The worker's job lease in this test, seconds.
const LEASE_SECS: u64 = 3;

pub(crate) use tests::process::DemoServer as Server;

/// A small random number from the clock (no seed to keep: the point is to
/// land the kill somewhere new each time).
fn jitter(below: u64) -> u64 {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    u64::from(nanos) % below.max(1)
}

/// What the clients were told.
#[derive(Default)]
struct Told {
    /// Orders answered 201, with their resident's token.
    placed: BTreeMap<i64, String>,
    /// Orders whose payment confirmation was answered 200.
    confirmed: BTreeSet<i64>,
    /// Orders whose confirmation was sent but not answered: (token, path).
    unanswered: BTreeMap<i64, (String, String)>,
}

pub(crate) struct Client {
    pub(crate) http: reqwest::Client,
    pub(crate) base: String,
}

impl Client {
    pub(crate) async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        token: &str,
        body: Option<Value>,
    ) -> Option<(u16, Value)> {
        let mut req = self
            .http
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(token);
        if let Some(body) = body {
            req = req.json(&body);
        }
        let res = req.send().await.ok()?;
        let status = res.status().as_u16();
        let body = res.json().await.unwrap_or(Value::Null);
        Some((status, body))
    }

    pub(crate) async fn post(&self, path: &str, token: &str, body: Value) -> Option<(u16, Value)> {
        self.call(reqwest::Method::POST, path, token, Some(body))
            .await
    }

    pub(crate) async fn get(&self, path: &str, token: &str) -> Option<(u16, Value)> {
        self.call(reqwest::Method::GET, path, token, None).await
    }
}

/// Tokens and ids that live across restarts (sessions are in the database
/// and the JWT secret is fixed).
pub(crate) struct County {
    pub(crate) operator: String,
    pub(crate) kitchen: String,
    pub(crate) rider: String,
    pub(crate) residents: Vec<(String, i64)>,
    pub(crate) store: i64,
    pub(crate) sku: i64,
}

pub(crate) async fn login(c: &Client, body: Value) -> String {
    let res = c
        .http
        .post(format!(
            "{}/api/v1/auth/{}",
            c.base,
            body["path"].as_str().unwrap_or("wechat-login")
        ))
        .json(&body["body"])
        .send()
        .await
        .expect("login");
    let v: Value = res.json().await.expect("login body");
    v["access_token"].as_str().expect("access token").to_owned()
}

pub(crate) async fn prepare(c: &Client, password: &str) -> County {
    let operator = login(
        c,
        json!({"path": "password-login", "body": {"username": "kang-admin", "password": password}}),
    )
    .await;
    let kitchen = login(c, json!({"body": {"code": "demo:huaqiao"}})).await;
    let rider = login(c, json!({"body": {"code": "demo:rider-wang"}})).await;
    // Riders grab, and carry up to ten jobs; the kitchen is open around the clock.
    let (s, b) = c
        .call(
            reqwest::Method::PUT,
            "/api/v1/admin/dispatch/settings",
            &operator,
            Some(json!({"mode": "grab", "hybrid_wait_secs": 0, "rider_max_jobs": 10, "offer_timeout_secs": 60, "unassigned_alert_secs": 600, "pickup_geofence_m": 2000})),
        )
        .await
        .expect("dispatch settings");
    assert_eq!(s, 200, "{b}");
    let (_, store) = c
        .get("/api/v1/merchant/store", &kitchen)
        .await
        .expect("store");
    let hours: Vec<Value> = (1..=7)
        .map(|d| json!({"day": d, "open": "00:00", "close": "23:59"}))
        .collect();
    let (s, b) = c
        .call(
            reqwest::Method::PATCH,
            "/api/v1/merchant/store",
            &kitchen,
            Some(json!({"version": store["version"], "hours": hours})),
        )
        .await
        .expect("hours");
    assert_eq!(s, 200, "{b}");
    let (_, products) = c
        .get("/api/v1/merchant/products", &kitchen)
        .await
        .expect("menu");
    let sku = products
        .as_array()
        .and_then(|ps| ps.iter().find(|p| p["name"] == "黑猪肉包子"))
        .and_then(|p| p["skus"][0]["id"].as_i64())
        .expect("pork bun sku");
    let (s, b) = c
        .post("/api/v1/rider/duty", &rider, json!({"on": true}))
        .await
        .expect("duty");
    assert_eq!(s, 200, "{b}");
    let at = chrono::Utc::now();
    let (s, b) = c
        .post(
            "/api/v1/rider/location",
            &rider,
            json!({"points": [{"lat": 33.3297, "lng": 105.6079, "at": at}]}),
        )
        .await
        .expect("location");
    assert_eq!(s, 200, "{b}");
    let mut residents = Vec::new();
    for i in 0..RESIDENTS {
        let token = login(c, json!({"body": {"code": format!("demo:crash-{i}")}})).await;
        let (s, a) = c
            .post("/api/v1/addresses", &token, json!({"contact_name": "测", "contact_phone": "13800000000", "detail": "东关社区 1 号", "location": {"lat": 33.3320, "lng": 105.6140}}))
            .await
            .expect("address");
        assert_eq!(s, 201, "{a}");
        residents.push((token, a["id"].as_i64().expect("address id")));
    }
    County {
        operator,
        kitchen,
        rider,
        residents,
        store: store["id"].as_i64().expect("store id"),
        sku,
    }
}

/// A resident orders and pays until the server goes away.
async fn resident(
    c: Arc<Client>,
    county: Arc<County>,
    who: usize,
    round: usize,
    told: Arc<Mutex<Told>>,
    stop: Arc<AtomicBool>,
) {
    let (token, address) = county.residents[who].clone();
    let order = json!({"store_id": county.store, "address_id": address, "items": [{"sku_id": county.sku, "qty": 2}]});
    let mut n = 0;
    while !stop.load(Ordering::Relaxed) {
        n += 1;
        let key = format!("crash-{round}-{who}-{n}");
        let placed = c
            .http
            .post(format!("{}/api/v1/orders", c.base))
            .bearer_auth(&token)
            .header("idempotency-key", &key)
            .json(&order)
            .send()
            .await;
        let Ok(placed) = placed else { break };
        if placed.status().as_u16() != 201 {
            tokio::time::sleep(Duration::from_millis(20)).await;
            continue;
        }
        let Ok(body) = placed.json::<Value>().await else {
            break;
        };
        let Some(id) = body["id"].as_i64() else { break };
        told.lock().expect("told").placed.insert(id, token.clone());
        let Some((200, pay)) = c
            .post(&format!("/api/v1/orders/{id}/pay"), &token, json!({}))
            .await
        else {
            break;
        };
        let Some(path) = pay["confirm_path"].as_str().map(str::to_owned) else {
            break;
        };
        told.lock()
            .expect("told")
            .unanswered
            .insert(id, (token.clone(), path.clone()));
        match c.post(&path, &token, json!({})).await {
            Some((200, _)) => {
                {
                    let mut t = told.lock().expect("told");
                    t.unanswered.remove(&id);
                    t.confirmed.insert(id);
                }
                // Every fourth paid order is called off: a refund job for
                // the worker.
                if n % 4 == 0
                    && c.post(&format!("/api/v1/orders/{id}/cancel"), &token, json!({}))
                        .await
                        .is_none()
                {
                    break;
                }
            }
            Some(_) => {}
            None => break,
        }
    }
}

/// The kitchen accepts and readies, the rider grabs, picks up and delivers,
/// and the operator settles yesterday, until the server goes away.
async fn staff(c: Arc<Client>, county: Arc<County>, told: Arc<Mutex<Told>>, stop: Arc<AtomicBool>) {
    let store_at = json!({"lat": 33.3297, "lng": 105.6079});
    let yesterday =
        (chrono::Utc::now() + chrono::Duration::hours(8) - chrono::Duration::days(1)).date_naive();
    while !stop.load(Ordering::Relaxed) {
        let Some((_, paid)) = c
            .get("/api/v1/merchant/orders?status=paid", &county.kitchen)
            .await
        else {
            break;
        };
        for o in paid["items"].as_array().into_iter().flatten().take(3) {
            let id = o["id"].as_i64().unwrap_or_default();
            if c.post(
                &format!("/api/v1/merchant/orders/{id}/accept"),
                &county.kitchen,
                json!({}),
            )
            .await
            .is_none()
            {
                return;
            }
            if c.post(
                &format!("/api/v1/merchant/orders/{id}/ready"),
                &county.kitchen,
                json!({}),
            )
            .await
            .is_none()
            {
                return;
            }
        }
        let Some((_, pool)) = c.get("/api/v1/rider/jobs/available", &county.rider).await else {
            break;
        };
        for job in pool.as_array().into_iter().flatten().take(2) {
            let id = job["id"].as_i64().unwrap_or_default();
            let Some((200, grabbed)) = c
                .post(
                    &format!("/api/v1/rider/jobs/{id}/grab"),
                    &county.rider,
                    json!({}),
                )
                .await
            else {
                continue;
            };
            let order = grabbed["order_id"].as_i64().unwrap_or_default();
            let Some((200, _)) = c
                .post(
                    &format!("/api/v1/rider/jobs/{id}/pickup"),
                    &county.rider,
                    store_at.clone(),
                )
                .await
            else {
                continue;
            };
            let token = told.lock().expect("told").placed.get(&order).cloned();
            let Some(token) = token else { continue };
            let Some((200, o)) = c.get(&format!("/api/v1/orders/{order}"), &token).await else {
                continue;
            };
            if c.post(
                &format!("/api/v1/rider/jobs/{id}/deliver"),
                &county.rider,
                json!({"code": o["delivery_code"]}),
            )
            .await
            .is_none()
            {
                return;
            }
        }
        if c.post(
            "/api/v1/admin/settlements",
            &county.operator,
            json!({"date": yesterday}),
        )
        .await
        .is_none()
        {
            break;
        }
    }
}

pub(crate) async fn count(db: &DatabaseConnection, sql: &str) -> i64 {
    let row = db
        .query_one_raw(Statement::from_string(
            db.get_database_backend(),
            sql.to_owned(),
        ))
        .await
        .expect("query")
        .expect("a row");
    row.try_get_by_index::<i64>(0).expect("a count")
}

/// The promises that must hold after every restart.
async fn check(
    db: &DatabaseConnection,
    c: &Client,
    county: &County,
    told: &Mutex<Told>,
    round: usize,
) {
    let (placed, unanswered) = {
        let t = told.lock().expect("told");
        (
            t.placed.keys().copied().collect::<Vec<_>>(),
            t.unanswered.clone(),
        )
    };
    // Every order answered 201 exists.
    for id in &placed {
        assert_eq!(
            count(db, &format!("SELECT COUNT(*) FROM orders WHERE id = {id}")).await,
            1,
            "round {round}: order {id} was answered 201 but is gone"
        );
    }
    // A confirmation whose answer was lost is sent again: it must succeed
    // (or say it is paid already) without paying twice.
    for (id, (token, path)) in unanswered {
        let (s, b) = c.post(&path, &token, json!({})).await.expect("server up");
        assert_eq!(s, 200, "round {round}: confirming order {id} again: {b}");
        let mut t = told.lock().expect("told");
        t.unanswered.remove(&id);
        t.confirmed.insert(id);
    }
    // Every payment applied once.
    let confirmed: Vec<i64> = told
        .lock()
        .expect("told")
        .confirmed
        .iter()
        .copied()
        .collect();
    for id in &confirmed {
        assert_eq!(
            count(
                db,
                &format!("SELECT COUNT(*) FROM payments WHERE order_id = {id} AND status = 'paid'")
            )
            .await,
            1,
            "round {round}: order {id} was paid, but not exactly once"
        );
    }
    assert_eq!(
        count(db, "SELECT COUNT(*) FROM (SELECT order_id FROM payments WHERE status = 'paid' GROUP BY order_id HAVING COUNT(*) > 1) twice").await,
        0,
        "round {round}: an order has two succeeded payments"
    );
    assert_eq!(
        count(db, "SELECT COUNT(*) FROM payments p WHERE p.status = 'paid' AND (SELECT COUNT(*) FROM ledger_postings l WHERE l.source_type = 'payment' AND l.source_id = p.id) <> 1").await,
        0,
        "round {round}: a succeeded payment is not posted exactly once"
    );
    // The books balance.
    let (s, tb) = c
        .get("/api/v1/admin/ledger/trial-balance", &county.operator)
        .await
        .expect("trial balance");
    assert_eq!(s, 200, "{tb}");
    assert_eq!(tb["balanced"], true, "round {round}: {tb}");
    assert_eq!(tb["total_debits_fen"], tb["total_credits_fen"]);
    // No job is held past its lease, and the worker works off what is due.
    let deadline = Instant::now() + Duration::from_secs(LEASE_SECS * 5 + 20);
    loop {
        let stuck = count(
            db,
            &format!(
                "SELECT COUNT(*) FROM jobs WHERE state = 'running' AND locked_until < {}",
                now_sql(db)
            ),
        )
        .await;
        let due = count(
            db,
            &format!(
                "SELECT COUNT(*) FROM jobs WHERE state = 'queued' AND run_at < {}",
                due_sql(db)
            ),
        )
        .await;
        let refunding = count(
            db,
            &format!(
                "SELECT COUNT(*) FROM orders WHERE status = 'refunding' AND updated_at < {}",
                due_sql(db)
            ),
        )
        .await;
        if stuck == 0 && due == 0 && refunding == 0 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "round {round}: {stuck} jobs held past their lease, {due} due jobs not run, \
             {refunding} refunds not carried out"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

/// "Now", as the database spells it (timestamps are stored in UTC).
fn now_sql(db: &DatabaseConnection) -> &'static str {
    match db.get_database_backend() {
        sea_orm::DatabaseBackend::Postgres => "NOW()",
        _ => "strftime('%Y-%m-%dT%H:%M:%f', 'now')",
    }
}

/// Five seconds ago: a queued job due before then should have been taken.
fn due_sql(db: &DatabaseConnection) -> &'static str {
    match db.get_database_backend() {
        sea_orm::DatabaseBackend::Postgres => "NOW() - INTERVAL '5 seconds'",
        _ => "strftime('%Y-%m-%dT%H:%M:%f', 'now', '-5 seconds')",
    }
}

async fn kill_9_at_random_moments_loses_nothing_answered(backend: Backend) {
    let cwd = tempfile::tempdir().expect("cwd");
    let (url, _pg) = match backend {
        Backend::Sqlite => (
            format!(
                "sqlite://{}?mode=rwc",
                cwd.path().join("crash.db").display()
            ),
            None,
        ),
        Backend::Postgres => tests::app::fresh_database(backend).await,
    };
    let env = [
        ("TONGCHENG__DATABASE__URL", url.clone()),
        ("TONGCHENG__AUTH__JWT_SECRET", JWT_SECRET.to_owned()),
        ("TONGCHENG__WORKER__POLL_INTERVAL_MS", "100".to_owned()),
        ("TONGCHENG__WORKER__LEASE_SECS", LEASE_SECS.to_string()),
        ("TONGCHENG__RATE_LIMITS__LOGIN_PER_MINUTE", "0".to_owned()),
        ("TONGCHENG__RATE_LIMITS__ORDER_PER_MINUTE", "0".to_owned()),
        ("TONGCHENG__RATE_LIMITS__GRAB_PER_MINUTE", "0".to_owned()),
    ];
    let (mut server, seen) = Server::start(cwd.path(), &env);
    let password = seen
        .iter()
        .find_map(|l| l.split("kang-admin  password ").nth(1))
        .and_then(|r| r.split_whitespace().next())
        .expect("the operator's password at the first start")
        .to_owned();
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(20))
        .build()
        .expect("client");
    let client = Client {
        http: http.clone(),
        base: server.base.clone(),
    };
    let county = Arc::new(prepare(&client, &password).await);
    let told = Arc::new(Mutex::new(Told::default()));
    let db = Database::connect(&url).await.expect("database");
    for round in 0..ROUNDS {
        let c = Arc::new(Client {
            http: http.clone(),
            base: server.base.clone(),
        });
        let stop = Arc::new(AtomicBool::new(false));
        let mut tasks = Vec::new();
        for who in 0..RESIDENTS {
            tasks.push(tokio::spawn(resident(
                c.clone(),
                county.clone(),
                who,
                round,
                told.clone(),
                stop.clone(),
            )));
        }
        tasks.push(tokio::spawn(staff(
            c.clone(),
            county.clone(),
            told.clone(),
            stop.clone(),
        )));
        tokio::time::sleep(Duration::from_millis(700 + jitter(1500))).await;
        server.kill9();
        stop.store(true, Ordering::Relaxed);
        for t in tasks {
            t.await.expect("client task");
        }
        let (restarted, _) = Server::start(cwd.path(), &env);
        server = restarted;
        let c = Client {
            http: http.clone(),
            base: server.base.clone(),
        };
        check(&db, &c, &county, &told, round).await;
        let (placed, paid) = {
            let t = told.lock().expect("told");
            (t.placed.len(), t.confirmed.len())
        };
        let delivered = count(
            &db,
            "SELECT COUNT(*) FROM delivery_jobs WHERE status = 'delivered'",
        )
        .await;
        let refunded = count(&db, "SELECT COUNT(*) FROM orders WHERE status = 'refunded'").await;
        eprintln!(
            "{backend:?} round {round}: {placed} orders placed, {paid} paid so far; \
             {delivered} delivered, {refunded} refunded"
        );
    }
    let t = told.lock().expect("told");
    assert!(
        t.placed.len() >= ROUNDS && !t.confirmed.is_empty(),
        "too little happened between the kills: {} orders, {} paid",
        t.placed.len(),
        t.confirmed.len()
    );
    drop(t);
    server.kill9();
}

both!(kill_9_at_random_moments_loses_nothing_answered);
