//! Host administrators over HTTP: the company that runs many counties opens
//! counties, manages their operators and gives them their own mini-programs. The accounts are made only by
//! `tongcheng host-admin add`; every call, refused or not, is written to
//! the audit log (`GET /host/audit`), passwords left out.

use actix_web::{HttpRequest, HttpResponse, get, post, put, web};
use entity::platform_end::mini_programs::{self, Change, Credentials};
use entity::platform_end::provisioning::{self, AuditEntry, NewCounty, Outcome};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::{IntoParams, ToSchema};

use crate::auth::host::HostAdmin;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::ApiJson;
use crate::provision::{self, Password};
use crate::rate_limit::Rule;
use crate::routes::platform_end::auth::{invalid_credentials, verify_throttled};
use crate::state::AppState;

/// `POST /host/login`
#[derive(Debug, Deserialize, ToSchema)]
pub struct HostLogin {
    /// The host administrator's username.
    pub username: String,
    /// The password.
    pub password: String,
}

/// A host administrator's access token (no refresh: sign in again).
#[derive(Debug, Serialize, ToSchema)]
pub struct HostToken {
    /// Bearer token for the `/host/…` routes.
    pub access_token: String,
    /// Always `Bearer`.
    pub token_type: String,
    /// Seconds until it expires.
    pub expires_in: i64,
}

/// A county platform as the host sees it.
#[derive(Debug, Serialize, ToSchema)]
pub struct HostPlatform {
    /// Id.
    pub id: i64,
    /// Short code, e.g. `kang`.
    pub code: String,
    /// Name.
    pub name: String,
    /// Region.
    pub region: String,
    /// Minutes east of UTC.
    pub utc_offset_minutes: i32,
    /// County seat latitude.
    pub centre_lat: f64,
    /// County seat longitude.
    pub centre_lng: f64,
    /// Operator accounts.
    pub operators: u64,
}

impl HostPlatform {
    fn of(p: &entity::platform::Model, operators: u64) -> Self {
        Self {
            id: p.id,
            code: p.code.clone(),
            name: p.name.clone(),
            region: p.region.clone(),
            utc_offset_minutes: p.utc_offset_minutes,
            centre_lat: p.center_lat,
            centre_lng: p.center_lng,
            operators,
        }
    }
}

/// A position.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Centre {
    /// Latitude, degrees.
    pub lat: f64,
    /// Longitude, degrees.
    pub lng: f64,
}

/// `POST /host/platforms`
#[derive(Debug, Deserialize, ToSchema)]
pub struct OpenCounty {
    /// 2-32 of a-z, 0-9 and -, starting with a letter.
    pub code: String,
    /// The platform's name.
    pub name: String,
    /// Where it is.
    pub region: String,
    /// Minutes east of UTC (China: 480).
    pub utc_offset_minutes: i32,
    /// The county seat.
    pub centre: Centre,
    /// The first operator's username (default `<code>-admin`).
    pub operator: Option<String>,
    /// Their password (at least 10 characters); made up and returned once
    /// when absent.
    pub operator_password: Option<String>,
}

/// What opening a county did.
#[derive(Debug, Serialize, ToSchema)]
pub struct CountyOpened {
    /// The platform.
    pub platform: HostPlatform,
    /// `created`, or `unchanged` when it existed exactly as asked.
    pub outcome: String,
    /// The first operator's username.
    pub operator: String,
    /// Whether the operator was made now.
    pub operator_created: bool,
    /// The operator's password when it was made up (shown once).
    pub operator_password: Option<String>,
}

/// `POST /host/platforms/{code}/operators`
#[derive(Debug, Deserialize, ToSchema)]
pub struct NewOperator {
    /// 3-32 of a-z, 0-9, '.', '_' and '-'; unique across platforms.
    pub username: String,
    /// Shown in the console (default: the username).
    pub name: Option<String>,
    /// At least 10 characters; made up and returned once when absent.
    pub password: Option<String>,
}

/// `POST /host/operators/{username}/password`
#[derive(Debug, Deserialize, ToSchema)]
pub struct NewPassword {
    /// At least 10 characters; made up and returned once when absent.
    pub password: Option<String>,
}

/// An operator account after a host call.
#[derive(Debug, Serialize, ToSchema)]
pub struct OperatorDone {
    /// The username.
    pub username: String,
    /// The platform's code.
    pub platform: String,
    /// The password when it was made up (shown once).
    pub password: Option<String>,
    /// Sessions ended (password resets).
    pub sessions_ended: u64,
}

/// `GET /host/audit`
#[derive(Debug, Deserialize, IntoParams)]
pub struct AuditQuery {
    /// Newest entries to return, 1-500 (default 100).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<u64>,
}

/// Hashes off the async threads.
async fn hashed(pw: Option<String>) -> ApiResult<provision::Hashed> {
    let pw = pw.map_or(Password::Generate, Password::Given);
    Ok(web::block(move || provision::hash_password(&pw))
        .await
        .map_err(ApiError::internal)??)
}

/// Writes the audit entry of a call: with the work when it succeeded (one
/// transaction), on its own when it was refused.
pub(super) async fn audit(
    state: &AppState,
    txn: Option<&sea_orm::DatabaseTransaction>,
    who: &HostAdmin,
    action: &str,
    target: &str,
    detail: serde_json::Value,
    outcome: &str,
) -> ApiResult<()> {
    let entry = AuditEntry {
        host_admin_id: who.id,
        action,
        target,
        detail: detail.to_string(),
        outcome,
    };
    let now = state.clock.now();
    match txn {
        Some(txn) => provisioning::audit(txn, entry, now).await?,
        None => provisioning::audit(&state.db, entry, now).await?,
    };
    Ok(())
}

/// Runs `work` in a write transaction with its audit entry; a refusal is
/// rolled back and audited with its error code.
pub(super) async fn audited<T>(
    state: &AppState,
    who: &HostAdmin,
    action: &str,
    target: &str,
    detail: serde_json::Value,
    work: impl AsyncFnOnce(&sea_orm::DatabaseTransaction) -> ApiResult<(T, &'static str)>,
) -> ApiResult<T> {
    let txn = entity::tx::begin_write(&state.writer).await?;
    match work(&txn).await {
        Ok((value, outcome)) => {
            audit(state, Some(&txn), who, action, target, detail, outcome).await?;
            txn.commit().await?;
            Ok(value)
        }
        Err(e) => {
            txn.rollback().await?;
            audit(state, None, who, action, target, detail, e.code().as_str()).await?;
            Err(e)
        }
    }
}

/// Signs a host administrator in.
#[utoipa::path(tag = "host", request_body = HostLogin, responses(
    (status = 200, body = HostToken),
    (status = 401, description = "INVALID_CREDENTIALS", body = ErrorBody),
    (status = 429, description = "LOGIN_LOCKED or RATE_LIMITED (see Retry-After)", body = ErrorBody),
))]
#[post("/host/login")]
pub async fn host_login(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: ApiJson<HostLogin>,
) -> ApiResult<web::Json<HostToken>> {
    state
        .rate_limits
        .check(Rule::Login, None, &state.rate_limits.client_address(&req))?;
    let username = crate::routes::required_text("username", &body.username, 64)?;
    if body.password.is_empty() || body.password.len() > 256 {
        return Err(ApiError::field("password", "must be 1 to 256 bytes"));
    }
    let admin = provisioning::host_admin_named(&state.db, &username).await?;
    let phc = admin.as_ref().map(|a| a.password_hash.clone());
    let key = format!("{}{username}", crate::auth::jwt::HOST_SUBJECT_PREFIX);
    let matches = verify_throttled(&state, &key, phc, &body.password).await?;
    let (Some(admin), true) = (admin, matches) else {
        return Err(invalid_credentials());
    };
    let now = state.clock.now();
    entity::platform_end::throttle::succeeded(&state.db, &key, now).await?;
    let who = HostAdmin {
        id: admin.id,
        username: admin.username,
    };
    audit(&state, None, &who, "login", &who.username, json!({}), "ok").await?;
    let token = state
        .jwt
        .issue_host(who.id, now)
        .map_err(ApiError::internal)?;
    Ok(web::Json(HostToken {
        access_token: token,
        token_type: "Bearer".into(),
        expires_in: state.jwt.ttl_secs(),
    }))
}

/// Every county platform.
#[utoipa::path(tag = "host", security(("bearer" = ["host_admin"])), responses(
    (status = 200, body = Vec<HostPlatform>),
))]
#[get("/host/platforms")]
pub async fn host_platforms(
    state: web::Data<AppState>,
    who: HostAdmin,
) -> ApiResult<web::Json<Vec<HostPlatform>>> {
    let list = provisioning::platforms(&state.db).await?;
    audit(&state, None, &who, "list_platforms", "", json!({}), "ok").await?;
    Ok(web::Json(
        list.iter().map(|(p, n)| HostPlatform::of(p, *n)).collect(),
    ))
}

/// Opens a county with its first operator. Asked again for the same
/// county, it answers 200 and changes nothing.
#[utoipa::path(tag = "host", security(("bearer" = ["host_admin"])), request_body = OpenCounty, responses(
    (status = 201, body = CountyOpened, description = "Opened"),
    (status = 200, body = CountyOpened, description = "It existed exactly as asked: unchanged"),
    (status = 409, description = "CONFLICT: the code is taken by another county, or the operator's username by another platform", body = ErrorBody),
))]
#[post("/host/platforms")]
pub async fn open_county(
    state: web::Data<AppState>,
    who: HostAdmin,
    body: ApiJson<OpenCounty>,
) -> ApiResult<HttpResponse> {
    let detail = json!({
        "code": body.code, "name": body.name, "region": body.region,
        "utc_offset_minutes": body.utc_offset_minutes,
        "centre": body.centre, "operator": body.operator,
    });
    let county = NewCounty {
        code: body.code.clone(),
        name: body.name.clone(),
        region: body.region.clone(),
        utc_offset_minutes: body.utc_offset_minutes,
        centre: (body.centre.lat, body.centre.lng),
    };
    let pw = hashed(body.operator_password.clone()).await?;
    let now = state.clock.now();
    let opened = audited(
        &state,
        &who,
        "create_platform",
        &body.code,
        detail,
        async |txn| {
            let o =
                provision::open_county(txn, &county, body.operator.as_deref(), &pw, now).await?;
            let operators = provisioning::operators_of(txn, o.platform.id).await?;
            let outcome = match o.outcome {
                Outcome::Created => "ok",
                Outcome::Unchanged => "unchanged",
            };
            Ok(((o, operators), outcome))
        },
    )
    .await?;
    let (o, operators) = opened;
    let status = match o.outcome {
        Outcome::Created => actix_web::http::StatusCode::CREATED,
        Outcome::Unchanged => actix_web::http::StatusCode::OK,
    };
    Ok(HttpResponse::build(status).json(CountyOpened {
        platform: HostPlatform::of(&o.platform, operators),
        outcome: match o.outcome {
            Outcome::Created => "created".into(),
            Outcome::Unchanged => "unchanged".into(),
        },
        operator: o.operator,
        operator_created: o.operator_created,
        operator_password: o.password,
    }))
}

/// Adds an operator to a county.
#[utoipa::path(tag = "host", security(("bearer" = ["host_admin"])), request_body = NewOperator, params(("code" = String, Path, description = "The platform's code")), responses(
    (status = 201, body = OperatorDone),
    (status = 409, description = "CONFLICT: the username is taken", body = ErrorBody),
))]
#[post("/host/platforms/{code}/operators")]
pub async fn add_operator(
    state: web::Data<AppState>,
    who: HostAdmin,
    code: web::Path<String>,
    body: ApiJson<NewOperator>,
) -> ApiResult<HttpResponse> {
    let detail = json!({"platform": *code, "username": body.username, "name": body.name});
    let pw = hashed(body.password.clone()).await?;
    let now = state.clock.now();
    let (p, a) = audited(
        &state,
        &who,
        "add_operator",
        &body.username,
        detail,
        async |txn| {
            let done =
                provision::add_operator(txn, &code, &body.username, body.name.as_deref(), &pw, now)
                    .await?;
            Ok((done, "ok"))
        },
    )
    .await?;
    Ok(HttpResponse::Created().json(OperatorDone {
        username: a.username,
        platform: p.code,
        password: pw.generated().map(str::to_owned),
        sessions_ended: 0,
    }))
}

/// Sets an operator's password and ends every session they have open.
#[utoipa::path(tag = "host", security(("bearer" = ["host_admin"])), request_body = NewPassword, params(("username" = String, Path, description = "The operator's username")), responses(
    (status = 200, body = OperatorDone),
))]
#[post("/host/operators/{username}/password")]
pub async fn reset_password(
    state: web::Data<AppState>,
    who: HostAdmin,
    username: web::Path<String>,
    body: ApiJson<NewPassword>,
) -> ApiResult<web::Json<OperatorDone>> {
    let pw = hashed(body.password.clone()).await?;
    let now = state.clock.now();
    let (a, ended) = audited(
        &state,
        &who,
        "reset_password",
        &username,
        json!({}),
        async |txn| {
            Ok((
                provision::reset_password(txn, &username, &pw, now).await?,
                "ok",
            ))
        },
    )
    .await?;
    let p = entity::platform_end::platforms::platform_of(&state.db, a.platform_id).await?;
    Ok(web::Json(OperatorDone {
        username: a.username,
        platform: p.code,
        password: pw.generated().map(str::to_owned),
        sessions_ended: ended,
    }))
}

/// The audit log of host calls, newest first.
#[utoipa::path(tag = "host", security(("bearer" = ["host_admin"])), params(AuditQuery), responses(
    (status = 200, body = Vec<entity::host_audit::Model>),
))]
#[get("/host/audit")]
pub async fn audit_log(
    state: web::Data<AppState>,
    who: HostAdmin,
    q: web::Query<AuditQuery>,
) -> ApiResult<web::Json<Vec<entity::host_audit::Model>>> {
    let limit = q.limit.unwrap_or(100);
    if !(1..=500).contains(&limit) {
        return Err(ApiError::field("limit", "must be 1 to 500"));
    }
    audit(
        &state,
        None,
        &who,
        "read_audit",
        "",
        json!({"limit": limit}),
        "ok",
    )
    .await?;
    Ok(web::Json(provisioning::audit_log(&state.db, limit).await?))
}

/// `PUT /host/platforms/{code}/mini-program`
#[derive(Debug, Deserialize, ToSchema)]
pub struct MiniProgramBody {
    /// The mini-program's appid (`wx` and 16 hex digits).
    pub appid: String,
    /// Its AppSecret; stored sealed, never returned.
    pub secret: String,
    /// Subscription template ids by event: `order_paid`, `order_accepted`,
    /// `out_for_delivery`, `at_agent_point`, `delivered`, `refunded`.
    #[serde(default)]
    pub templates: std::collections::BTreeMap<String, String>,
}

/// A county's own mini-program, without its secret.
#[derive(Debug, Serialize, ToSchema)]
pub struct MiniProgramView {
    /// The platform's code.
    pub platform: String,
    /// The appid.
    pub appid: String,
    /// Template ids by event.
    pub templates: std::collections::BTreeMap<String, String>,
    /// `opens` when the stored secret opens with this instance's key,
    /// `WONT-OPEN` or `NO-KEY` otherwise.
    pub secret: String,
    /// `created`, `updated` or `unchanged` (answers to a change only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub outcome: Option<String>,
}

/// Gives a county its own mini-program, or changes it (audited, the secret
/// left out). The same credentials again change nothing.
#[utoipa::path(tag = "host", security(("bearer" = ["host_admin"])), request_body = MiniProgramBody, params(("code" = String, Path, description = "The platform's code")), responses(
    (status = 200, body = MiniProgramView),
    (status = 404, description = "NOT_FOUND: no such platform", body = ErrorBody),
    (status = 409, description = "CONFLICT: the appid is another county's or the shared one", body = ErrorBody),
    (status = 503, description = "MINI_PROGRAM_UNAVAILABLE: no secrets key is set", body = ErrorBody),
))]
#[put("/host/platforms/{code}/mini-program")]
pub async fn set_mini_program(
    state: web::Data<AppState>,
    who: HostAdmin,
    code: web::Path<String>,
    body: ApiJson<MiniProgramBody>,
) -> ApiResult<web::Json<MiniProgramView>> {
    let creds = Credentials {
        appid: body.appid.clone(),
        secret: body.secret.clone(),
        templates: body.templates.clone(),
    };
    let detail = json!({"appid": body.appid, "templates": body.templates});
    let key = state.mini_programs.key();
    let shared = state.settings.wechat.appid.as_deref();
    let now = state.clock.now();
    let (p, change) = audited(
        &state,
        &who,
        "set_mini_program",
        &code,
        detail,
        async |txn| {
            let done = provision::set_mini_program(txn, key, shared, &code, &creds, now).await?;
            Ok((done, "ok"))
        },
    )
    .await?;
    let outcome = match change {
        Change::Created => "created",
        Change::Updated => "updated",
        Change::Unchanged => "unchanged",
    };
    Ok(web::Json(view(&state, p, Some(outcome)).await?))
}

/// A county's own mini-program (404 when it uses the shared one).
#[utoipa::path(tag = "host", security(("bearer" = ["host_admin"])), params(("code" = String, Path, description = "The platform's code")), responses(
    (status = 200, body = MiniProgramView),
    (status = 404, description = "NOT_FOUND: no such platform, or no mini-program of its own", body = ErrorBody),
))]
#[get("/host/platforms/{code}/mini-program")]
pub async fn mini_program(
    state: web::Data<AppState>,
    who: HostAdmin,
    code: web::Path<String>,
) -> ApiResult<web::Json<MiniProgramView>> {
    audit(
        &state,
        None,
        &who,
        "read_mini_program",
        &code,
        json!({}),
        "ok",
    )
    .await?;
    let p = provisioning::platform_by_code(&state.db, &code).await?;
    Ok(web::Json(view(&state, p, None).await?))
}

/// A county's stored mini-program as shown, without its secret.
async fn view(
    state: &AppState,
    p: entity::platform::Model,
    outcome: Option<&str>,
) -> ApiResult<MiniProgramView> {
    let stored = mini_programs::of_platform(&state.db, p.id)
        .await?
        .ok_or(ApiError::not_found("mini-program"))?;
    Ok(MiniProgramView {
        platform: p.code,
        templates: mini_programs::templates_of(&stored),
        secret: provision::secret_state(state.mini_programs.key(), &stored).to_owned(),
        appid: stored.appid,
        outcome: outcome.map(str::to_owned),
    })
}
