//! Several instances on one database: two `tongcheng serve` processes with
//! the embedded worker off and two `tongcheng worker` processes.
//! - The kitchen's live order stream on instance A shows an order placed
//!   through instance B.
//! - `kill -9` of the worker that is in the middle of a job leaves the job
//!   to the other, which takes it over when the lease runs out.
//! - 30 riders, half on A and half on B, grab one job: exactly one wins.
//! - Each periodic job runs once per period, not once per process.
//! - Two `tongcheng migrate` started together on an empty PostgreSQL both succeed.

use std::collections::BTreeMap;
use std::process::{Child, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use sea_orm::{ColumnTrait, Database, EntityTrait, QueryFilter};
use serde_json::{Value, json};
use tests::wechat_fake::WechatFake;
use tests::{Backend, both};

use crate::cli::{lines, tongcheng, wait_for};
use crate::crash::{Client, Server, login, prepare};

const JWT_SECRET: &str = "instances-test-secret-of-at-least-32-bytes";
const LEASE_SECS: u64 = 5;
/// The mini-program the workers notify through: the demo logins' identities
/// are recorded under the appid `demo`, so the fake WeChat knows it.
const DEMO_APP_SECRET: &str = "demo-app-secret";

/// A `tongcheng worker` process and its JSON log lines.
struct WorkerProcess {
    child: Child,
    logs: Arc<Mutex<Vec<Value>>>,
}

impl WorkerProcess {
    fn start(cwd: &std::path::Path, env: &[(&str, String)]) -> WorkerProcess {
        let mut child = tongcheng(cwd, env)
            .arg("worker")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start tongcheng worker");
        let rx = lines(&mut child);
        let mut seen = Vec::new();
        wait_for(&rx, "worker started", &mut seen);
        let logs = Arc::new(Mutex::new(
            seen.iter()
                .filter_map(|l| serde_json::from_str(l).ok())
                .collect::<Vec<Value>>(),
        ));
        let keep = logs.clone();
        std::thread::spawn(move || {
            while let Ok(line) = rx.recv() {
                if let (Ok(v), Ok(mut logs)) = (serde_json::from_str(&line), keep.lock()) {
                    logs.push(v);
                }
            }
        });
        WorkerProcess { child, logs }
    }

    fn pid(&self) -> u32 {
        self.child.id()
    }

    /// When this worker logged "periodic job ran" for `job`.
    fn runs_of(&self, job: &str) -> Vec<chrono::DateTime<chrono::Utc>> {
        let logs = self.logs.lock().expect("logs");
        logs.iter()
            .filter(|l| l["fields"]["message"] == "periodic job ran" && l["fields"]["job"] == job)
            .filter_map(|l| l["timestamp"].as_str()?.parse().ok())
            .collect()
    }

    fn kill9(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for WorkerProcess {
    fn drop(&mut self) {
        self.kill9();
    }
}

async fn poll<T, F: std::future::Future<Output = Option<T>>>(
    what: &str,
    within: Duration,
    mut f: impl FnMut() -> F,
) -> T {
    let deadline = Instant::now() + within;
    loop {
        if let Some(v) = f().await {
            return v;
        }
        assert!(Instant::now() < deadline, "{what}: not within {within:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn two_servers_and_two_workers_share_one_database(backend: Backend) {
    let cwd = tempfile::tempdir().expect("cwd");
    let (url, _pg) = match backend {
        Backend::Sqlite => (
            format!(
                "sqlite://{}?mode=rwc",
                cwd.path().join("county.db").display()
            ),
            None,
        ),
        Backend::Postgres => tests::app::fresh_database(backend).await,
    };
    let wechat = WechatFake::start().await;
    wechat.add_app("demo", DEMO_APP_SECRET);
    let media = cwd.path().join("media");
    let env = vec![
        ("TONGCHENG__DATABASE__URL", url.clone()),
        ("TONGCHENG__AUTH__JWT_SECRET", JWT_SECRET.to_owned()),
        ("TONGCHENG__WORKER__EMBEDDED", "false".to_owned()),
        ("TONGCHENG__MEDIA__DIR", media.display().to_string()),
        ("TONGCHENG__HTTP__STREAM_POLL_MS", "100".to_owned()),
        ("TONGCHENG__RATE_LIMITS__LOGIN_PER_MINUTE", "0".to_owned()),
        ("TONGCHENG__RATE_LIMITS__ORDER_PER_MINUTE", "0".to_owned()),
        ("TONGCHENG__RATE_LIMITS__GRAB_PER_MINUTE", "0".to_owned()),
    ];
    // Replicas that start together migrate one after the other (PostgreSQL
    // holds an advisory lock; one SQLite file has one host anyway).
    if backend == Backend::Postgres {
        let racers: Vec<Child> = (0..2)
            .map(|_| {
                tongcheng(cwd.path(), &env)
                    .arg("migrate")
                    .stdout(Stdio::null())
                    .stderr(Stdio::piped())
                    .spawn()
                    .expect("migrate")
            })
            .collect();
        for racer in racers {
            let out = racer.wait_with_output().expect("migrate ran");
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
    }
    // A seeds the empty database; B starts on it as it is.
    let (a, seen) = Server::start(cwd.path(), &env);
    let password = seen
        .iter()
        .find_map(|l| l.split("kang-admin  password ").nth(1))
        .and_then(|r| r.split_whitespace().next())
        .expect("the operator's password at the first start")
        .to_owned();
    let (b, seen_b) = Server::start(cwd.path(), &env);
    assert!(
        !seen_b.iter().any(|l| l.contains("password")),
        "the second instance seeded again: {seen_b:?}"
    );
    let mut worker_env = env.clone();
    worker_env.extend([
        ("TONGCHENG__LOG__JSON", "true".to_owned()),
        ("TONGCHENG__WORKER__POLL_INTERVAL_MS", "100".to_owned()),
        ("TONGCHENG__WORKER__LEASE_SECS", LEASE_SECS.to_string()),
        ("TONGCHENG__WORKER__DISPATCH_INTERVAL_SECS", "1".to_owned()),
        ("TONGCHENG__WECHAT__API_BASE", wechat.uri()),
        ("TONGCHENG__WECHAT__APPID", "demo".to_owned()),
        ("TONGCHENG__WECHAT__SECRET", DEMO_APP_SECRET.to_owned()),
        ("TONGCHENG__WECHAT__TIMEOUT_MS", "60000".to_owned()),
        (
            "TONGCHENG__WECHAT__TEMPLATES__ORDER_PAID",
            "TPL_PAID".to_owned(),
        ),
    ]);
    let mut workers = [
        WorkerProcess::start(cwd.path(), &worker_env),
        WorkerProcess::start(cwd.path(), &worker_env),
    ];
    let started = chrono::Utc::now();
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .expect("client");
    let on_a = Client {
        http: http.clone(),
        base: a.base.clone(),
    };
    let on_b = Client {
        http: http.clone(),
        base: b.base.clone(),
    };
    let county = prepare(&on_a, &password).await;
    let db = Database::connect(&url).await.expect("database");

    // The kitchen watches new orders on A; a resident orders and pays on B.
    let stream = http
        .get(format!("{}/api/v1/merchant/orders/stream", a.base))
        .bearer_auth(&county.kitchen)
        .send()
        .await
        .expect("stream");
    assert_eq!(stream.status(), 200);
    // The order's "paid" notice will hang in the middle of its call to WeChat.
    wechat.stall_next_sends(1);
    let (resident, address) = county.residents[0].clone();
    let (s, order) = on_b
        .post(
            "/api/v1/orders",
            &resident,
            json!({"store_id": county.store, "address_id": address, "items": [{"sku_id": county.sku, "qty": 2}]}),
        )
        .await
        .expect("order");
    assert_eq!(s, 201, "{order}");
    let order_id = order["id"].as_i64().expect("order id");
    let order_no = order["order_no"].as_str().expect("order no").to_owned();
    let (_, pay) = on_b
        .post(
            &format!("/api/v1/orders/{order_id}/pay"),
            &resident,
            json!({}),
        )
        .await
        .expect("pay");
    let confirm = pay["confirm_path"]
        .as_str()
        .expect("confirm path")
        .to_owned();
    let (s, paid) = on_b
        .post(&confirm, &resident, json!({}))
        .await
        .expect("confirm");
    assert_eq!((s, paid["status"].as_str()), (200, Some("paid")), "{paid}");
    let seen = crate::delivery::read_until(stream, Some(&order_no)).await;
    assert!(seen.contains("\"status\":\"paid\""), "{seen}");

    // The worker that took the notice is killed mid-call; the other takes
    // the job over once its lease has run out, and finishes it.
    let notice = |db: sea_orm::DatabaseConnection| async move {
        entity::job::Entity::find()
            .filter(entity::job::Column::Kind.eq("notify.subscribe"))
            .one(&db)
            .await
            .expect("jobs")
    };
    let claimed = poll(
        "a worker claims the notice",
        Duration::from_secs(20),
        || {
            let db = db.clone();
            async move {
                notice(db)
                    .await
                    .filter(|j| j.state == entity::job::JobState::Running)
            }
        },
    )
    .await;
    let holder = claimed.locked_by.clone().expect("locked by");
    let dead = workers
        .iter()
        .position(|w| holder.starts_with(&format!("{}-", w.pid())))
        .expect("the holder is one of the two workers");
    workers[dead].kill9();
    let survivor = workers[1 - dead].pid();
    let done = poll(
        "the other worker finishes it",
        Duration::from_secs(30),
        || {
            let db = db.clone();
            async move {
                notice(db)
                    .await
                    .filter(|j| j.state == entity::job::JobState::Done)
            }
        },
    )
    .await;
    let lease_end = claimed.locked_until.expect("a lease");
    assert!(
        done.updated_at >= lease_end,
        "finished at {} before the dead worker's lease ran out at {lease_end}",
        done.updated_at
    );
    assert_eq!(done.attempts, 2, "{done:?}");
    assert!(
        done.locked_by
            .as_deref()
            .is_some_and(|w| w.starts_with(&format!("{survivor}-"))),
        "{done:?}"
    );
    let sent: Vec<Value> = wechat
        .messages()
        .into_iter()
        .filter(|m| m["data"]["character_string1"]["value"] == order_no.as_str())
        .collect();
    assert_eq!(
        sent.len(),
        2,
        "the stuck call and the one that finished: {sent:?}"
    );

    // The kitchen accepts on A; 30 riders, half on A and half on B, grab.
    let (s, b2) = on_a
        .post(
            &format!("/api/v1/merchant/orders/{order_id}/accept"),
            &county.kitchen,
            json!({}),
        )
        .await
        .expect("accept");
    assert_eq!(s, 200, "{b2}");
    let (_, monitor) = on_b
        .get("/api/v1/admin/dispatch", &county.operator)
        .await
        .expect("monitor");
    let job = monitor["jobs"]
        .as_array()
        .and_then(|js| js.iter().find(|j| j["order_id"] == order_id))
        .and_then(|j| j["id"].as_i64())
        .expect("the order's delivery job");
    let mut riders = Vec::new();
    for n in 0..30u32 {
        let via = if n % 2 == 0 { &on_a } else { &on_b };
        let token = login(via, json!({"body": {"code": format!("demo:racer-{n}")}})).await;
        let (s, r) = via
            .post(
                "/api/v1/rider/registration",
                &token,
                crate::delivery::registration(500 + n),
            )
            .await
            .expect("register");
        assert_eq!(s, 201, "{r}");
        let (s, r) = via
            .post(
                &format!("/api/v1/admin/riders/{}/review", r["id"]),
                &county.operator,
                json!({"approve": true}),
            )
            .await
            .expect("review");
        assert_eq!(s, 200, "{r}");
        let (s, r) = via
            .post("/api/v1/rider/duty", &token, json!({"on": true}))
            .await
            .expect("duty");
        assert_eq!(s, 200, "{r}");
        let (s, r) = via
            .post(
                "/api/v1/rider/location",
                &token,
                json!({"points": [{"lat": 33.3297, "lng": 105.6079, "at": chrono::Utc::now()}]}),
            )
            .await
            .expect("location");
        assert_eq!(s, 200, "{r}");
        riders.push((n, token));
    }
    let grab_path = format!("/api/v1/rider/jobs/{job}/grab");
    let grabs = riders.iter().map(|(n, token)| {
        let via = if n % 2 == 0 { &on_a } else { &on_b };
        via.post(&grab_path, token, json!({}))
    });
    let results = futures_util::future::join_all(grabs).await;
    let mut outcomes = BTreeMap::<String, usize>::new();
    for r in &results {
        let (status, body) = r.as_ref().expect("an answer");
        let key = if *status == 200 {
            "won".to_owned()
        } else {
            body["code"].as_str().unwrap_or("?").to_owned()
        };
        *outcomes.entry(key).or_default() += 1;
    }
    assert_eq!(
        outcomes,
        BTreeMap::from([("won".to_owned(), 1), ("JOB_TAKEN".to_owned(), 29)])
    );

    // Periodic jobs: once per period across both workers. The long periods
    // ran once in all; the one-second dispatch round ran at most once a second.
    for name in ["daily-settlement", "stats-rollup", "purge"] {
        let runs: usize = workers.iter().map(|w| w.runs_of(name).len()).sum();
        assert_eq!(runs, 1, "{name} ran {runs} times");
    }
    let mut rounds: Vec<_> = workers
        .iter()
        .flat_map(|w| w.runs_of("dispatch-round"))
        .collect();
    rounds.sort();
    let first = rounds.first().copied().unwrap_or(started);
    let span = (chrono::Utc::now() - first).num_milliseconds() as f64 / 1000.0;
    assert!(
        rounds.len() >= 3 && rounds.len() as f64 <= span + 2.0,
        "{} dispatch rounds in {span:.1} s",
        rounds.len()
    );
    a.kill9();
    b.kill9();
}

both!(two_servers_and_two_workers_share_one_database);
