//! The one app factory: `tongcheng serve` and every integration test call it.

use std::net::TcpListener;
use std::sync::Arc;

use actix_web::{App, HttpResponse, dev::Server, web};
use entity::clock::SharedClock;
use entity::runtime::Settings;
use sea_orm::DatabaseConnection;
use tokio::sync::watch;
use tokio::task::JoinHandle;
use utoipa::OpenApi;
use utoipa_actix_web::{AppExt, scope};
use utoipa_swagger_ui::SwaggerUi;
use worker::{jobs::Worker, mini_programs::MiniPrograms};

use crate::auth::jwt::JwtKeys;
use crate::error::{ApiError, ErrorCode};
use crate::middleware::{
    error_shape, metrics::MetricsLayer, refuse_nul, request_id::RequestIdLayer,
};
use crate::openapi::ApiDoc;
use crate::routes;
use crate::state::AppState;

/// Secrets that must never sign tokens outside demo mode.
const KNOWN_DEFAULT_SECRETS: &[&str] = &[
    "secret",
    "changeme",
    "change-me",
    "change_me",
    "tongcheng",
    "jwt_secret",
    "jwt-secret",
    "development",
    "test",
];

/// How to build the application beyond its settings.
#[derive(Debug, Clone)]
pub struct BuildOptions {
    /// Demo mode: seed the demo county if empty, allow demo login when no
    /// appid is configured, make up a JWT secret if none is set.
    pub demo: bool,
    /// The time source.
    pub clock: SharedClock,
    /// Let actix handle SIGINT/SIGTERM (the binary); tests turn this off.
    pub handle_signals: bool,
    /// With `demo`: also make up the past month of a newly seeded demo
    /// county (`serve --demo`); tests start from the bare seed.
    pub demo_month: Option<crate::demo_month::MonthOptions>,
}

/// Why the application could not start; each names what to fix.
#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    /// A setting is missing or unsafe.
    #[error("{0}")]
    Config(String),
    /// The database could not be opened or migrated.
    #[error("database: {0}")]
    Database(#[from] sea_orm::DbErr),
    /// The listener could not be bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address.
        addr: String,
        /// The cause.
        source: std::io::Error,
    },
    /// Seeding the demo county failed.
    #[error("demo seed: {0}")]
    Seed(String),
}

/// A built, not yet running, application.
pub struct Application {
    port: u16,
    server: Server,
    state: AppState,
    worker: Option<(watch::Sender<bool>, JoinHandle<()>)>,
    seed: Option<crate::demo::SeedReport>,
}

impl std::fmt::Debug for Application {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Application")
            .field("port", &self.port)
            .finish_non_exhaustive()
    }
}

/// The ID-number hash key: HMAC of a fixed label under the JWT secret.
fn identity_key(secret: &[u8]) -> aws_lc_rs::hmac::Key {
    let root = aws_lc_rs::hmac::Key::new(aws_lc_rs::hmac::HMAC_SHA256, secret);
    let derived = aws_lc_rs::hmac::sign(&root, b"tongcheng/rider-id-number/v1");
    aws_lc_rs::hmac::Key::new(aws_lc_rs::hmac::HMAC_SHA256, derived.as_ref())
}

pub(crate) fn jwt_secret(settings: &Settings, demo: bool) -> Result<Vec<u8>, StartupError> {
    match settings.auth.jwt_secret.as_deref() {
        Some(s) if !demo => {
            if s.len() < 32 || KNOWN_DEFAULT_SECRETS.contains(&s.to_ascii_lowercase().as_str()) {
                return Err(StartupError::Config(
                    "TONGCHENG__AUTH__JWT_SECRET must be a random value of at least 32 bytes \
                     (not a known default) outside demo mode"
                        .into(),
                ));
            }
            Ok(s.as_bytes().to_vec())
        }
        Some(s) if s.len() >= 16 => Ok(s.as_bytes().to_vec()),
        Some(_) => Err(StartupError::Config(
            "TONGCHENG__AUTH__JWT_SECRET must be at least 16 bytes even in demo mode".into(),
        )),
        None if demo => {
            tracing::warn!("demo mode: random JWT secret; sessions end when the server restarts");
            Ok(entity::ids::random_bytes::<32>().to_vec())
        }
        None => Err(StartupError::Config(
            "TONGCHENG__AUTH__JWT_SECRET is not set; set it to a random value of at least 32 \
             bytes, or run `tongcheng serve --demo`"
                .into(),
        )),
    }
}

fn path_config() -> web::PathConfig {
    web::PathConfig::default().error_handler(|err, _req| {
        ApiError::new(ErrorCode::NOT_FOUND, format!("bad path parameter: {err}")).into()
    })
}

fn query_config() -> web::QueryConfig {
    web::QueryConfig::default().error_handler(|err, _req| {
        ApiError::new(ErrorCode::BAD_REQUEST, format!("bad query string: {err}")).into()
    })
}

/// Unknown routes: 405 when the path exists with another method, else 404.
async fn not_found(req: actix_web::HttpRequest) -> HttpResponse {
    use actix_web::ResponseError;
    if req.resource_map().has_resource(req.path()) {
        return ApiError::new(
            ErrorCode::METHOD_NOT_ALLOWED,
            format!("{} does not accept {}", req.path(), req.method()),
        )
        .error_response();
    }
    ApiError::new(ErrorCode::NOT_FOUND, format!("no route for {}", req.path())).error_response()
}

/// `/docs` without the slash, as people type it.
async fn docs_redirect() -> HttpResponse {
    HttpResponse::PermanentRedirect()
        .insert_header((actix_web::http::header::LOCATION, "/docs/"))
        .finish()
}

/// The OpenAPI document exactly as served at `/api-docs/openapi.json`.
pub fn openapi() -> utoipa::openapi::OpenApi {
    let (_, api) = App::new()
        .into_utoipa_app()
        .openapi(ApiDoc::openapi())
        .service(scope::scope("/api/v1").configure(routes::configure))
        .service(routes::ops::healthz)
        .service(routes::ops::readyz)
        .service(routes::ops::metrics)
        .service(routes::supply_end::images::serve)
        .split_for_parts();
    let mut api = api;
    crate::openapi::complete(&mut api);
    api
}

impl Application {
    /// Connects, migrates, seeds (demo), binds and builds the server.
    pub async fn build(settings: Settings, opts: BuildOptions) -> Result<Self, StartupError> {
        let secret = jwt_secret(&settings, opts.demo)?;
        let db = entity::runtime::database::connect_migrated(&settings.database).await?;
        let writer = entity::runtime::database::connect_writer(&settings.database, &db).await?;
        let mut seed = if opts.demo {
            crate::demo::seed_if_empty(&db, opts.clock.now())
                .await
                .map_err(|e| StartupError::Seed(e.to_string()))?
        } else {
            None
        };
        if let (Some(report), Some(month)) = (seed.as_mut(), opts.demo_month) {
            report.month =
                crate::demo_month::seed_month(&db, report.platform_id, month, opts.clock.now())
                    .await
                    .map_err(|e| StartupError::Seed(e.to_string()))?;
        }
        let mini_programs = MiniPrograms::from_settings(&settings).map_err(StartupError::Config)?;
        let pay_merchants = worker::wechatpay::PayMerchants::from_settings(&settings)
            .map_err(StartupError::Config)?;
        let demo_login = opts.demo && settings.wechat.appid.is_none();
        if demo_login {
            tracing::warn!(
                "demo login is ON: codes `demo:<name>` sign in without WeChat; never expose this server"
            );
        }
        let live_sessions = Arc::new(crate::auth::live_sessions::LiveSessions::new(
            settings.auth.session_check_secs,
        ));
        let rate_limits = Arc::new(crate::rate_limit::RateLimiters::new(
            settings.rate_limits.clone(),
        ));
        let max_in_flight = match settings.http.max_in_flight {
            0 => 4 * settings.database.max_connections as usize,
            n => n,
        };
        let admission = Arc::new(crate::middleware::admission::Admission::new(
            max_in_flight,
            std::time::Duration::from_millis(settings.http.queue_timeout_ms),
        ));
        let state = AppState {
            live_sessions,
            rate_limits,
            admission,
            db: db.clone(),
            writer,
            jwt: Arc::new(JwtKeys::new(&secret, settings.auth.access_ttl_secs)),
            mini_programs,
            pay_merchants,
            demo_login,
            clock: opts.clock.clone(),
            media: Arc::new(crate::media::LocalDir::new(settings.media.dir.clone())),
            settings: Arc::new(settings),
            password_slots: Arc::new(tokio::sync::Semaphore::new(
                std::thread::available_parallelism().map_or(2, |n| n.get()),
            )),
            identity_key: Arc::new(identity_key(&secret)),
        };
        let listener =
            TcpListener::bind(&state.settings.http.bind).map_err(|source| StartupError::Bind {
                addr: state.settings.http.bind.clone(),
                source,
            })?;
        let port = listener
            .local_addr()
            .map_err(|source| StartupError::Bind {
                addr: state.settings.http.bind.clone(),
                source,
            })?
            .port();
        let server = Self::server(state.clone(), listener, opts.handle_signals)?;
        let worker = if state.settings.worker.embedded {
            let (tx, rx) = watch::channel(false);
            let w = Worker::new(db, opts.clock.clone(), &state.settings);
            Some((tx, tokio::spawn(w.run(rx))))
        } else {
            None
        };
        Ok(Self {
            port,
            server,
            state,
            worker,
            seed,
        })
    }

    fn server(
        state: AppState,
        listener: TcpListener,
        handle_signals: bool,
    ) -> Result<Server, StartupError> {
        let settings = Arc::clone(&state.settings);
        let data = web::Data::new(state);
        let limit = settings.http.json_limit_bytes;
        let mut server = actix_web::HttpServer::new(move || {
            let (app, mut api) = App::new()
                .into_utoipa_app()
                .openapi(ApiDoc::openapi())
                .app_data(data.clone())
                .app_data(web::PayloadConfig::new(limit))
                .app_data(path_config())
                .app_data(query_config())
                .service(scope::scope("/api/v1").configure(routes::configure))
                .service(routes::ops::healthz)
                .service(routes::ops::readyz)
                .service(routes::ops::metrics)
                .service(routes::supply_end::images::serve)
                .split_for_parts();
            crate::openapi::complete(&mut api);
            app.service(SwaggerUi::new("/docs/{_:.*}").url("/api-docs/openapi.json", api))
                .route("/docs", web::get().to(docs_redirect))
                .configure(crate::console::configure)
                .default_service(web::to(not_found))
                .wrap(actix_web::middleware::from_fn(refuse_nul::refuse_nul))
                .wrap(actix_web::middleware::from_fn(
                    crate::middleware::admission::admit,
                ))
                .wrap(error_shape::layer())
                .wrap(RequestIdLayer)
                .wrap(MetricsLayer)
        })
        .shutdown_timeout(settings.http.shutdown_timeout_secs)
        .listen(listener)
        .map_err(|source| StartupError::Bind {
            addr: settings.http.bind.clone(),
            source,
        })?;
        if settings.http.workers > 0 {
            server = server.workers(settings.http.workers);
        }
        if !handle_signals {
            server = server.disable_signals();
        }
        Ok(server.run())
    }

    /// The bound port (useful with port 0).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The database pool.
    pub fn db(&self) -> &DatabaseConnection {
        &self.state.db
    }

    /// The shared state (tests build workers from it).
    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// What the demo seed did at start, if it ran.
    pub fn seed_report(&self) -> Option<&crate::demo::SeedReport> {
        self.seed.as_ref()
    }

    /// A handle to stop the server gracefully.
    pub fn server_handle(&self) -> actix_web::dev::ServerHandle {
        self.server.handle()
    }

    /// Serves until the server stops (SIGTERM/SIGINT or a handle), then stops
    /// the embedded worker at its next safe point.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let result = self.server.await;
        if let Some((tx, handle)) = self.worker {
            let _ = tx.send(true);
            let _ = handle.await;
        }
        result
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_outside_demo_must_be_strong() {
        let mut s = Settings::default();
        assert!(jwt_secret(&s, false).is_err());
        assert_eq!(jwt_secret(&s, true).unwrap().len(), 32);
        s.auth.jwt_secret = Some("changeme".into());
        assert!(jwt_secret(&s, false).is_err());
        s.auth.jwt_secret = Some("x".repeat(31));
        assert!(jwt_secret(&s, false).is_err());
        s.auth.jwt_secret = Some("k".repeat(32));
        assert!(jwt_secret(&s, false).is_ok());
    }

    #[test]
    fn every_route_is_documented() {
        let doc = openapi();
        for path in [
            "/api/v1/auth/wechat-login",
            "/api/v1/auth/password-login",
            "/api/v1/auth/refresh",
            "/api/v1/auth/logout",
            "/api/v1/me",
            "/api/v1/admin/platform",
            "/healthz",
            "/readyz",
            "/metrics",
        ] {
            assert!(doc.paths.paths.contains_key(path), "{path} undocumented");
        }
        let description = doc.info.description.unwrap_or_default();
        for code in ErrorCode::ALL {
            assert!(description.contains(code.as_str()));
        }
    }
}
