//! Spawning the real application for a test, and talking to it.

use std::sync::Arc;

use api::{Application, BuildOptions, demo::SeedReport};
use chrono::{SubsecRound, Utc};
use entity::clock::ManualClock;
use entity::runtime::Settings;
use sea_orm::{ConnectionTrait, Database, DatabaseConnection, EntityTrait};
use serde_json::Value;
use worker::jobs::Worker;

use crate::wechat_fake::WechatFake;

/// The HS256 secret of test apps.
pub const TEST_JWT_SECRET: &str = "test-secret-of-at-least-32-bytes-for-hs256";
/// The secrets key (`secrets.key`) the test apps run with.
pub const TEST_SECRETS_KEY: &str = "dGVzdC1rZXktb2YtdGhpcnR5LXR3by1ieXRlcy0xMjM=";

/// Which database a test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// A fresh SQLite file in a temporary directory.
    Sqlite,
    /// A fresh database in the test PostgreSQL cluster.
    Postgres,
}

/// How to start the app.
#[derive(Debug, Clone)]
pub struct Options {
    /// Demo mode (demo login when WeChat is not configured).
    pub demo: bool,
    /// Start a fake WeChat server and configure the app to use it.
    pub wechat: bool,
    /// Seed the demo county before the test.
    pub seed: bool,
    /// Start a fake WeChat Pay and configure the merchant (needs `wechat`).
    pub wechatpay: bool,
    /// Rate limits; off unless a test sets them (the tests sign in and
    /// order far faster than people do, all from 127.0.0.1).
    pub rate_limits: Option<entity::runtime::settings::RateLimitSettings>,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            demo: true,
            wechat: false,
            seed: true,
            wechatpay: false,
            rate_limits: None,
        }
    }
}

/// A response: status, headers and JSON body (`Null` when empty or not JSON).
#[derive(Debug)]
pub struct Resp {
    /// HTTP status.
    pub status: u16,
    /// Response headers.
    pub headers: reqwest::header::HeaderMap,
    /// The body as JSON.
    pub body: Value,
    /// The raw body.
    pub text: String,
}

impl Resp {
    /// The `code` of an error body.
    pub fn code(&self) -> &str {
        self.body["code"].as_str().unwrap_or("")
    }

    /// A header as text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

/// A running app with its database, clock and fakes.
pub struct TestApp {
    /// `http://127.0.0.1:PORT`.
    pub address: String,
    /// The HTTP client.
    pub client: reqwest::Client,
    /// The app's pool.
    pub db: DatabaseConnection,
    /// The app's clock; tests move it.
    pub clock: ManualClock,
    /// The fake WeChat server, when started.
    pub wechat: Option<WechatFake>,
    /// The fake WeChat Pay, when started.
    pub wechatpay: Option<crate::wechatpay_fake::WechatPayFake>,
    /// What the demo seed reported.
    pub seed: Option<SeedReport>,
    /// The settings the app runs with.
    pub settings: Settings,
    /// The backend.
    pub backend: Backend,
    /// Database URL (to open more connections).
    pub database_url: String,
    handle: actix_web::dev::ServerHandle,
    _dir: Option<tempfile::TempDir>,
    _media_dir: tempfile::TempDir,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        // Sent at once; stops the server's worker threads and their pools.
        drop(self.handle.stop(false));
    }
}

/// A fresh database URL for `backend` (and the directory that holds a SQLite file).
pub async fn fresh_database(backend: Backend) -> (String, Option<tempfile::TempDir>) {
    match backend {
        Backend::Sqlite => {
            let dir = tempfile::tempdir().expect("temp dir");
            let url = format!("sqlite://{}?mode=rwc", dir.path().join("test.db").display());
            (url, Some(dir))
        }
        Backend::Postgres => {
            let admin = match crate::pg::admin_url() {
                Ok(url) => url,
                Err(e) => panic!("PostgreSQL test cluster unavailable: {e}"),
            };
            let name = format!("t_{}", hex(&entity::ids::random_bytes::<8>()));
            let conn = Database::connect(format!("{admin}/postgres"))
                .await
                .expect("connect to the test cluster");
            conn.execute_unprepared(&format!("CREATE DATABASE {name}"))
                .await
                .expect("create test database");
            conn.close().await.expect("close admin connection");
            (format!("{admin}/{name}"), None)
        }
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

impl TestApp {
    /// The demo county in demo mode, no WeChat.
    pub async fn spawn(backend: Backend) -> TestApp {
        Self::spawn_with(backend, Options::default()).await
    }

    /// An app with the given options.
    pub async fn spawn_with(backend: Backend, opts: Options) -> TestApp {
        let (database_url, dir) = fresh_database(backend).await;
        let wechat = if opts.wechat {
            Some(WechatFake::start().await)
        } else {
            None
        };
        let mut settings = Settings::default();
        settings.http.bind = "127.0.0.1:0".into();
        settings.http.workers = 1;
        settings.http.shutdown_timeout_secs = 1;
        settings.database.url = database_url.clone();
        settings.database.max_connections = 5;
        // The races in the tests queue for the small pool on a busy machine;
        // shedding load is measured by bench/overload.py, not here.
        settings.database.acquire_timeout_ms = 30_000;
        settings.http.queue_timeout_ms = 30_000;
        settings.rate_limits = opts.rate_limits.clone().unwrap_or_else(|| {
            entity::runtime::settings::RateLimitSettings {
                login_per_minute: 0,
                order_per_minute: 0,
                grab_per_minute: 0,
                trace_per_minute: 0,
                ..Default::default()
            }
        });
        settings.auth.jwt_secret = Some(TEST_JWT_SECRET.into());
        settings.secrets.key = Some(TEST_SECRETS_KEY.into());
        settings.worker.embedded = false;
        settings.http.stream_poll_ms = 100;
        let media_dir = tempfile::tempdir().expect("media dir");
        settings.media.dir = media_dir.path().display().to_string();
        settings.media.max_bytes = 64 * 1024;
        if let Some(w) = &wechat {
            settings.wechat.api_base = w.uri();
            settings.wechat.appid = Some(crate::wechat_fake::APPID.into());
            settings.wechat.secret = Some(crate::wechat_fake::SECRET.into());
            settings.wechat.timeout_ms = 2_000;
            for (event, id) in [
                ("order_paid", "TPL_PAID"),
                ("order_accepted", "TPL_ACCEPTED"),
                ("refunded", "TPL_REFUNDED"),
            ] {
                settings.wechat.templates.insert(event.into(), id.into());
            }
        }
        // PostgreSQL keeps microseconds: start there so round trips compare equal.
        let wechatpay = if opts.wechatpay {
            use crate::wechatpay_fake as f;
            let fake = f::WechatPayFake::start().await;
            let pay = &mut settings.wechatpay;
            pay.api_base = fake.uri();
            pay.mchid = Some(f::MCHID.into());
            pay.merchant_serial = Some(f::MERCHANT_SERIAL.into());
            pay.merchant_key_pem_file = Some(fake.merchant_key_file.display().to_string());
            pay.apiv3_key = Some(f::APIV3_KEY.into());
            pay.platform_public_key_pem_file =
                Some(fake.platform_public_file.display().to_string());
            pay.platform_public_key_id = Some(f::PLATFORM_KEY_ID.into());
            pay.notify_url = Some("https://tongcheng.example/api/v1/pay/wechat/notify".into());
            Some(fake)
        } else {
            None
        };
        let clock = ManualClock::new(Utc::now().trunc_subsecs(6));
        let app = Application::build(
            settings.clone(),
            BuildOptions {
                demo: opts.demo,
                clock: Arc::new(clock.clone()),
                handle_signals: false,
                demo_month: None,
            },
        )
        .await
        .expect("application builds");
        let db = app.db().clone();
        let seed = if let Some(report) = app.seed_report() {
            Some(report.clone())
        } else if opts.seed {
            Some(
                api::demo::seed(&db, clock.now_utc())
                    .await
                    .expect("demo seed"),
            )
        } else {
            None
        };
        let address = format!("http://127.0.0.1:{}", app.port());
        let handle = app.server_handle();
        tokio::spawn(app.run_until_stopped());
        TestApp {
            address,
            client: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .expect("client"),
            db,
            clock,
            wechat,
            wechatpay,
            seed,
            settings,
            backend,
            database_url,
            handle,
            _dir: dir,
            _media_dir: media_dir,
        }
    }

    /// `SELECT COUNT(*)` of a table.
    pub async fn count(&self, table: &str) -> i64 {
        use sea_orm::Statement;
        let row = self
            .db
            .query_one_raw(Statement::from_string(
                self.db.get_database_backend(),
                format!("SELECT COUNT(*) AS n FROM {table}"),
            ))
            .await
            .expect("count query")
            .expect("count row");
        row.try_get::<i64>("", "n").expect("count value")
    }

    /// A worker over the app's database and clock, for `run_pending()`.
    pub fn worker(&self) -> Worker {
        Worker::new(
            self.db.clone(),
            Arc::new(self.clock.clone()),
            &self.settings,
        )
    }

    /// Sends a request and reads the response.
    pub async fn send(&self, req: reqwest::RequestBuilder) -> Resp {
        let res = req.send().await.expect("request sent");
        let status = res.status().as_u16();
        let headers = res.headers().clone();
        let text = res.text().await.expect("body read");
        let body = serde_json::from_str(&text).unwrap_or(Value::Null);
        Resp {
            status,
            headers,
            body,
            text,
        }
    }

    /// `GET path` with an optional bearer token.
    pub async fn get(&self, path: &str, token: Option<&str>) -> Resp {
        let mut req = self.client.get(format!("{}{path}", self.address));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        self.send(req).await
    }

    /// `POST path` with a JSON body and an optional bearer token.
    pub async fn post(&self, path: &str, body: Value, token: Option<&str>) -> Resp {
        let mut req = self
            .client
            .post(format!("{}{path}", self.address))
            .json(&body);
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        self.send(req).await
    }

    async fn demo_code(&self, name: &str) -> Resp {
        self.post(
            "/api/v1/auth/wechat-login",
            serde_json::json!({"code": format!("demo:{name}")}),
            None,
        )
        .await
    }

    /// Demo-logs in `demo:<name>` and returns the login response body.
    pub async fn demo_login(&self, name: &str) -> Value {
        let r = self.demo_code(name).await;
        assert_eq!(r.status, 200, "demo login failed: {}", r.text);
        r.body
    }

    /// The access token of a demo user: a demo login, or, where WeChat
    /// login is configured and demo codes are off, a session of the seeded
    /// user (`demo:<name>`) made directly.
    pub async fn demo_token(&self, name: &str) -> String {
        let r = self.demo_code(name).await;
        if let Some(t) = r.body["access_token"].as_str() {
            return t.to_owned();
        }
        // As the demo login would: the user of `demo:<name>`, made if new.
        let user = entity::platform_end::users::login_wechat_user(
            &self.db,
            1,
            "demo",
            &format!("demo:{name}"),
            None,
            name,
            self.clock.now_utc(),
        )
        .await
        .unwrap_or_else(|e| panic!("demo user {name}: {e} ({})", r.text))
        .id;
        self.token_for(user).await
    }

    /// The id of the demo county's agent point named `name`.
    pub async fn agent_point(&self, name: &str) -> i64 {
        let op = self.operator_token().await;
        let points = self.get("/api/v1/admin/agent-points", Some(&op)).await;
        points
            .body
            .as_array()
            .and_then(|ps| ps.iter().find(|p| p["name"] == name))
            .and_then(|p| p["id"].as_i64())
            .unwrap_or_else(|| panic!("no agent point {name}: {}", points.text))
    }

    /// The first SKU of the Huaqiao kitchen's product named `name`.
    pub async fn kitchen_sku(&self, name: &str) -> i64 {
        let kitchen = self.demo_token("huaqiao").await;
        let products = self.get("/api/v1/merchant/products", Some(&kitchen)).await;
        products
            .body
            .as_array()
            .and_then(|ps| ps.iter().find(|p| p["name"] == name))
            .and_then(|p| p["skus"][0]["id"].as_i64())
            .unwrap_or_else(|| panic!("no product {name}: {}", products.text))
    }

    /// Logs in the seeded operator and returns the login response body.
    pub async fn operator_login(&self) -> Value {
        let seed = self.seed.as_ref().expect("seeded app");
        let password = seed
            .operator_password
            .clone()
            .expect("operator password from the first seed");
        let r = self
            .post(
                "/api/v1/auth/password-login",
                serde_json::json!({"username": seed.operator_username, "password": password}),
                None,
            )
            .await;
        assert_eq!(r.status, 200, "operator login failed: {}", r.text);
        r.body
    }
}

/// Helpers on the manual clock.
pub trait ClockExt {
    /// The clock's current time.
    fn now_utc(&self) -> chrono::DateTime<Utc>;
}

impl ClockExt for ManualClock {
    fn now_utc(&self) -> chrono::DateTime<Utc> {
        use entity::clock::Clock;
        self.now()
    }
}

/// Creates a second county platform (成县) with an operator; returns the
/// operator's access token. For tests that one county cannot see another's.
pub async fn second_platform_operator(app: &TestApp) -> String {
    use sea_orm::{ActiveModelTrait, Set};
    let now = app.clock.now_utc();
    let p = entity::platform::ActiveModel {
        code: Set("cheng".into()),
        name: Set("成县同城".into()),
        region: Set("甘肃省陇南市成县".into()),
        center_lat: Set(33.7397),
        center_lng: Set(105.7420),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(&app.db)
    .await
    .expect("second platform");
    let u = entity::user::ActiveModel {
        platform_id: Set(p.id),
        display_name: Set("成县平台运营".into()),
        disabled: Set(false),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(&app.db)
    .await
    .expect("operator user");
    entity::platform_end::users::grant_role(&app.db, p.id, u.id, entity::Role::Operator, now)
        .await
        .expect("role");
    entity::operator_account::ActiveModel {
        platform_id: Set(p.id),
        user_id: Set(u.id),
        username: Set("cheng-admin".into()),
        password_hash: Set(api::auth::password::hash("cheng-password").expect("hash")),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(&app.db)
    .await
    .expect("operator account");
    let r = app
        .post(
            "/api/v1/auth/password-login",
            serde_json::json!({"username": "cheng-admin", "password": "cheng-password"}),
            None,
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    r.body["access_token"].as_str().expect("token").to_owned()
}

impl TestApp {
    /// `PATCH`/`PUT`/`DELETE` with a JSON body and a bearer token.
    pub async fn send_json(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
        token: Option<&str>,
    ) -> Resp {
        let mut req = self
            .client
            .request(method, format!("{}{path}", self.address));
        if let Some(b) = body {
            req = req.json(&b);
        }
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        self.send(req).await
    }

    /// Uploads `bytes` as the `file` field of a multipart form.
    pub async fn upload(&self, file_name: &str, bytes: &[u8], token: Option<&str>) -> Resp {
        let boundary = "tongcheng-test-boundary-7d2f";
        let mut body = Vec::new();
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{file_name}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
        let mut req = self
            .client
            .post(format!("{}/api/v1/merchant/images", self.address))
            .header(
                "content-type",
                format!("multipart/form-data; boundary={boundary}"),
            )
            .body(body);
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        self.send(req).await
    }

    /// An access token for any user, signed with the test secret (for users
    /// who cannot sign in through the configured login, e.g. demo staff when
    /// WeChat is configured).
    pub async fn token_for(&self, user_id: i64) -> String {
        let user = entity::user::Entity::find_by_id(user_id)
            .one(&self.db)
            .await
            .expect("user query")
            .expect("user");
        let roles = entity::platform_end::users::roles_of(&self.db, user_id, user.platform_id)
            .await
            .expect("roles");
        api::auth::jwt::JwtKeys::new(TEST_JWT_SECRET.as_bytes(), 900)
            .issue(user_id, user.platform_id, roles, self.clock.now_utc())
            .expect("token")
    }

    /// The seeded operator's access token.
    pub async fn operator_token(&self) -> String {
        self.operator_login().await["access_token"]
            .as_str()
            .expect("token")
            .to_owned()
    }
}

/// The summed balance of every account of `kind` in a trial balance.
pub fn balance(trial_balance: &Value, kind: &str) -> i64 {
    trial_balance["accounts"]
        .as_array()
        .map(|accounts| {
            accounts
                .iter()
                .filter(|a| a["kind"] == kind)
                .filter_map(|a| a["balance_fen"].as_i64())
                .sum()
        })
        .unwrap_or(0)
}
