//! Sign-in: WeChat mini-program login, operator password login, token
//! refresh with rotation, logout.

use actix_web::{HttpRequest, HttpResponse, post, web};

use crate::rate_limit::Rule;
use chrono::Duration;
use entity::platform_end::{mini_programs, sessions, throttle, users};
use entity::{Role, operator_account, user};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use worker::mini_programs::{MiniProgram, MiniProgramError};
use worker::wechat::WechatError;

use crate::auth::{password, tokens};
use crate::error::{ApiError, ApiResult, ErrorBody, ErrorCode};
use crate::extract::ApiJson;
use crate::routes::required_text;
use crate::state::AppState;

/// The appid recorded for demo identities.
pub const DEMO_APPID: &str = "demo";

/// `POST /auth/wechat-login`
#[derive(Debug, Deserialize, ToSchema)]
pub struct WechatLoginRequest {
    /// The code from `wx.login()`; in demo mode also `demo:<name>`.
    pub code: String,
    /// The county platform's code (e.g. `kang`); optional when there is one
    /// or when `appid` names a county's own mini-program.
    pub platform: Option<String>,
    /// The mini-program's appid (`wx.getAccountInfoSync().miniProgram.appId`).
    /// A county's own mini-program signs in that county's residents only.
    pub appid: Option<String>,
}

/// `POST /auth/password-login`
#[derive(Debug, Deserialize, ToSchema)]
pub struct PasswordLoginRequest {
    /// The operator's username.
    pub username: String,
    /// The password.
    pub password: String,
}

/// `POST /auth/refresh` and `POST /auth/logout`
#[derive(Debug, Deserialize, ToSchema)]
pub struct RefreshRequest {
    /// The refresh token of the session.
    pub refresh_token: String,
}

/// The signed-in user, as returned at login.
#[derive(Debug, Serialize, ToSchema)]
pub struct UserView {
    /// User id.
    pub id: i64,
    /// Display name.
    pub display_name: String,
    /// The platform of this session.
    pub platform_id: i64,
    /// Roles on that platform.
    #[schema(value_type = Vec<String>, example = json!(["resident", "rider"]))]
    pub roles: Vec<Role>,
}

/// A login's answer: the tokens and the user.
#[derive(Debug, Serialize, ToSchema)]
pub struct LoginResponse {
    /// The session's tokens.
    #[serde(flatten)]
    pub tokens: tokens::TokenPair,
    /// Who signed in.
    pub user: UserView,
}

fn demo_name(code: &str) -> Option<&str> {
    code.strip_prefix("demo:").filter(|n| {
        !n.is_empty()
            && n.len() <= 32
            && n.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
    })
}

fn wechat_error(e: WechatError) -> ApiError {
    match e {
        WechatError::InvalidCode(_) => ApiError::new(ErrorCode::WECHAT_CODE_INVALID, e.to_string()),
        WechatError::RateLimited => {
            ApiError::new(ErrorCode::WECHAT_RATE_LIMITED, e.to_string()).retry_after(60)
        }
        WechatError::HighRiskUser => ApiError::new(ErrorCode::WECHAT_USER_BLOCKED, e.to_string()),
        WechatError::Unavailable(_) => {
            tracing::warn!(error = %e, "WeChat unavailable");
            ApiError::new(
                ErrorCode::WECHAT_UNAVAILABLE,
                "WeChat is unavailable; try again",
            )
            .retry_after(5)
        }
        WechatError::Other { code, .. } => {
            tracing::warn!(errcode = code, "unexpected WeChat error");
            ApiError::new(
                ErrorCode::WECHAT_ERROR,
                format!("WeChat returned errcode {code}"),
            )
        }
    }
}

fn platform_error(e: users::PlatformChoiceError) -> ApiError {
    use users::PlatformChoiceError as P;
    match e {
        P::Unknown(code) => ApiError::new(
            ErrorCode::PLATFORM_NOT_FOUND,
            format!("no platform with code {code:?}"),
        ),
        P::NoneSetUp => ApiError::new(ErrorCode::PLATFORM_NOT_FOUND, "no platform is set up"),
        P::Ambiguous => ApiError::field("platform", "several platforms exist; name one"),
        P::Db(db) => db.into(),
    }
}

fn user_disabled() -> ApiError {
    ApiError::new(ErrorCode::USER_DISABLED, "this account is disabled")
}

/// The platform a WeChat login is for and the mini-program that answers
/// it: the county whose own mini-program has the given appid, else the
/// named (or only) platform with its own mini-program or the instance's.
async fn platform_and_program(
    state: &AppState,
    body: &WechatLoginRequest,
) -> ApiResult<(entity::platform::Model, Option<MiniProgram>)> {
    let programs = &state.mini_programs;
    let Some(appid) = body
        .appid
        .as_deref()
        .map(str::trim)
        .filter(|a| !a.is_empty())
    else {
        let platform = users::choose_platform(&state.db, body.platform.as_deref())
            .await
            .map_err(platform_error)?;
        let program = programs
            .of_platform(&state.db, platform.id)
            .await
            .map_err(program_error)?;
        return Ok((platform, program));
    };
    let program = programs
        .by_appid(&state.db, appid)
        .await
        .map_err(program_error)?
        .ok_or_else(|| {
            ApiError::new(
                ErrorCode::MINI_PROGRAM_NOT_FOUND,
                format!("no mini-program with appid {appid:?} is set up here"),
            )
        })?;
    let platform = match program.platform_id {
        Some(id) => {
            let platform = entity::platform::Entity::find_by_id(id)
                .one(&state.db)
                .await?
                .ok_or_else(|| ApiError::new(ErrorCode::PLATFORM_NOT_FOUND, "no such platform"))?;
            if let Some(code) = body.platform.as_deref()
                && code.trim() != platform.code
            {
                return Err(ApiError::field(
                    "platform",
                    format!("this mini-program is county {:?}'s", platform.code),
                ));
            }
            platform
        }
        None => {
            let platform = users::choose_platform(&state.db, body.platform.as_deref())
                .await
                .map_err(platform_error)?;
            // A county with its own mini-program does not sign in through the shared one.
            if mini_programs::of_platform(&state.db, platform.id)
                .await?
                .is_some()
            {
                return Err(ApiError::field(
                    "appid",
                    format!(
                        "county {:?} signs in through its own mini-program",
                        platform.code
                    ),
                ));
            }
            platform
        }
    };
    Ok((platform, Some(program)))
}

fn program_error(e: MiniProgramError) -> ApiError {
    match e {
        MiniProgramError::Db(db) => db.into(),
        MiniProgramError::Secret(e) => {
            tracing::error!(error = %e, "a county's mini-program secret does not open");
            ApiError::new(ErrorCode::MINI_PROGRAM_UNAVAILABLE, e.to_string())
        }
    }
}

/// Signs a mini-program user in with a `wx.login()` code.
#[utoipa::path(
    tag = "auth",
    request_body = WechatLoginRequest,
    responses(
        (status = 200, body = LoginResponse),
        (status = 401, description = "WECHAT_CODE_INVALID", body = ErrorBody),
        (status = 403, description = "WECHAT_USER_BLOCKED, USER_DISABLED", body = ErrorBody),
        (status = 404, description = "PLATFORM_NOT_FOUND, MINI_PROGRAM_NOT_FOUND", body = ErrorBody),
        (status = 422, description = "VALIDATION_FAILED", body = ErrorBody),
        (status = 429, description = "WECHAT_RATE_LIMITED or RATE_LIMITED (see Retry-After)", body = ErrorBody),
        (status = 502, description = "WECHAT_ERROR", body = ErrorBody),
        (status = 503, description = "WECHAT_UNAVAILABLE, WECHAT_LOGIN_NOT_CONFIGURED, MINI_PROGRAM_UNAVAILABLE", body = ErrorBody),
    )
)]
#[post("/auth/wechat-login")]
pub async fn wechat_login(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: ApiJson<WechatLoginRequest>,
) -> ApiResult<web::Json<LoginResponse>> {
    state.rate_limits.check(
        Rule::Login,
        body.platform.as_deref(),
        &state.rate_limits.client_address(&req),
    )?;
    let code = required_text("code", &body.code, 128)?;
    let (platform, program) = platform_and_program(&state, &body).await?;

    let (appid, openid, unionid, display_name) = match (demo_name(&code), program) {
        (Some(name), _) if state.demo_login => {
            (DEMO_APPID.to_owned(), code.clone(), None, name.to_owned())
        }
        (_, Some(program)) => {
            let session = program
                .client
                .code2session(&code)
                .await
                .map_err(wechat_error)?;
            (
                program.client.appid().to_owned(),
                session.openid,
                session.unionid,
                "微信用户".to_owned(),
            )
        }
        (_, None) if state.demo_login => {
            return Err(ApiError::field(
                "code",
                "this demo platform signs in with codes of the form demo:<name>",
            ));
        }
        (_, None) => {
            return Err(ApiError::new(
                ErrorCode::WECHAT_LOGIN_NOT_CONFIGURED,
                "WeChat login is not configured (TONGCHENG__WECHAT__APPID / __SECRET, or the county's own mini-program)",
            ));
        }
    };

    let now = state.clock.now();
    let txn = entity::tx::begin_write(&state.writer).await?;
    let user = users::login_wechat_user(
        &txn,
        platform.id,
        &appid,
        &openid,
        unionid.as_deref(),
        &display_name,
        now,
    )
    .await?;
    if user.disabled {
        return Err(user_disabled());
    }
    let roles = users::roles_of(&txn, user.id, platform.id).await?;
    let tokens = tokens::open_session(&state, &txn, user.id, platform.id, roles.clone()).await?;
    txn.commit().await?;
    tracing::info!(user_id = user.id, platform = %platform.code, "wechat login");
    Ok(web::Json(LoginResponse {
        tokens,
        user: UserView {
            id: user.id,
            display_name: user.display_name,
            platform_id: platform.id,
            roles,
        },
    }))
}

/// Signs an operator in with username and password.
///
/// Every attempt is counted before the password is checked; after
/// `auth.max_failed_logins` consecutive failures the username is locked for
/// `auth.lockout_base_secs`, doubling with each further failure (at most an
/// hour). Unknown usernames are counted and locked the same way, and are
/// checked against a dummy hash, so they cannot be told apart. A success
/// resets the count.
#[utoipa::path(
    tag = "auth",
    request_body = PasswordLoginRequest,
    responses(
        (status = 200, body = LoginResponse),
        (status = 401, description = "INVALID_CREDENTIALS", body = ErrorBody),
        (status = 403, description = "USER_DISABLED", body = ErrorBody),
        (status = 422, description = "VALIDATION_FAILED", body = ErrorBody),
        (status = 429, description = "LOGIN_LOCKED or RATE_LIMITED (see Retry-After)", body = ErrorBody),
        (status = 503, description = "SERVER_BUSY: too many logins at once", body = ErrorBody),
    )
)]
#[post("/auth/password-login")]
pub async fn password_login(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: ApiJson<PasswordLoginRequest>,
) -> ApiResult<web::Json<LoginResponse>> {
    state
        .rate_limits
        .check(Rule::Login, None, &state.rate_limits.client_address(&req))?;
    let (account, user, txn) = check_password(&state, &body.username, &body.password).await?;
    let roles = users::roles_of(&txn, user.id, account.platform_id).await?;
    let tokens =
        tokens::open_session(&state, &txn, user.id, account.platform_id, roles.clone()).await?;
    txn.commit().await?;
    tracing::info!(user_id = user.id, "operator login");
    Ok(web::Json(LoginResponse {
        tokens,
        user: UserView {
            id: user.id,
            display_name: user.display_name,
            platform_id: account.platform_id,
            roles,
        },
    }))
}

/// Checks a password account's credentials (throttled per username, the
/// hash checked off the async threads, disabled users refused). Returns the
/// account, its user and the open transaction that recorded the success.
pub(crate) async fn check_password(
    state: &AppState,
    username: &str,
    password: &str,
) -> ApiResult<(
    operator_account::Model,
    user::Model,
    sea_orm::DatabaseTransaction,
)> {
    let username = required_text("username", username, 64)?;
    if password.is_empty() || password.len() > 256 {
        return Err(ApiError::field("password", "must be 1 to 256 bytes"));
    }
    let now = state.clock.now();
    let account = operator_account::Entity::find()
        .filter(operator_account::Column::Username.eq(&username))
        .one(&state.db)
        .await?;
    let phc = account.as_ref().map(|a| a.password_hash.clone());
    let matches = verify_throttled(state, &username, phc, password).await?;
    let (Some(account), true) = (account, matches) else {
        return Err(invalid_credentials());
    };
    let txn = entity::tx::begin_write(&state.writer).await?;
    throttle::succeeded(&txn, &username, now).await?;
    let user = user::Entity::find_by_id(account.user_id)
        .one(&txn)
        .await?
        .ok_or_else(|| ApiError::internal("operator without user"))?;
    if user.disabled {
        txn.commit().await?;
        return Err(user_disabled());
    }
    Ok((account, user, txn))
}

/// Checks `password` against `phc` (a dummy hash when the account is
/// unknown, so both take as long), counting the attempt against the lockout
/// of `throttle_key` first; 429 LOGIN_LOCKED while locked.
pub(crate) async fn verify_throttled(
    state: &AppState,
    throttle_key: &str,
    phc: Option<String>,
    password: &str,
) -> ApiResult<bool> {
    let auth = &state.settings.auth;
    match throttle::reserve(
        &state.db,
        throttle_key,
        state.clock.now(),
        auth.max_failed_logins,
        auth.lockout_base_secs,
    )
    .await?
    {
        throttle::Reservation::Granted => {}
        throttle::Reservation::Locked(secs) => {
            return Err(ApiError::new(
                ErrorCode::LOGIN_LOCKED,
                "too many failed logins; try again later",
            )
            .retry_after(secs as u64));
        }
    }
    let phc = phc.unwrap_or_else(|| password::dummy_hash().to_owned());
    let given = password.to_owned();
    // argon2 needs ~19 MiB and a core for a while: a bounded number at once.
    let _slot = tokio::time::timeout(
        std::time::Duration::from_secs(10),
        state.password_slots.clone().acquire_owned(),
    )
    .await
    .map_err(|_| ApiError::new(ErrorCode::SERVER_BUSY, "too many logins at once; retry"))?
    .map_err(ApiError::internal)?;
    web::block(move || password::verify(&given, &phc))
        .await
        .map_err(ApiError::internal)
}

pub(crate) fn invalid_credentials() -> ApiError {
    ApiError::new(
        ErrorCode::INVALID_CREDENTIALS,
        "unknown username or wrong password",
    )
}

/// Trades a refresh token for a new token pair (the old one is used up).
///
/// Presenting a refresh token a second time revokes its whole session.
#[utoipa::path(
    tag = "auth",
    request_body = RefreshRequest,
    responses(
        (status = 200, body = tokens::TokenPair),
        (status = 401, description = "REFRESH_TOKEN_INVALID, REFRESH_TOKEN_EXPIRED, REFRESH_TOKEN_REUSED", body = ErrorBody),
        (status = 403, description = "USER_DISABLED", body = ErrorBody),
    )
)]
#[post("/auth/refresh")]
pub async fn refresh(
    state: web::Data<AppState>,
    body: ApiJson<RefreshRequest>,
) -> ApiResult<web::Json<tokens::TokenPair>> {
    let presented = required_text("refresh_token", &body.refresh_token, 128)?;
    let now = state.clock.now();
    let next = tokens::new_opaque_token();
    let txn = entity::tx::begin_write(&state.writer).await?;
    let rotated = sessions::rotate(
        &txn,
        &tokens::hash_token(&presented),
        &tokens::hash_token(&next),
        now,
        Duration::seconds(state.settings.auth.refresh_ttl_secs),
    )
    .await;
    let rotated = match rotated {
        Ok(r) => r,
        Err(sessions::RefreshError::Reused(family)) => {
            // Keep the family's revocation; its access tokens end too.
            txn.commit().await?;
            state.live_sessions.ended(&family);
            tracing::warn!("refresh token reuse: session revoked");
            return Err(ApiError::new(
                ErrorCode::REFRESH_TOKEN_REUSED,
                "this refresh token was already used; sign in again",
            ));
        }
        Err(sessions::RefreshError::Expired) => {
            return Err(ApiError::new(
                ErrorCode::REFRESH_TOKEN_EXPIRED,
                "refresh token expired; sign in again",
            ));
        }
        Err(sessions::RefreshError::Invalid) => {
            return Err(ApiError::new(
                ErrorCode::REFRESH_TOKEN_INVALID,
                "refresh token is not valid",
            ));
        }
        Err(sessions::RefreshError::Db(e)) => return Err(e.into()),
    };
    let user = user::Entity::find_by_id(rotated.user_id)
        .one(&txn)
        .await?
        .ok_or_else(|| ApiError::internal("session without user"))?;
    if user.disabled {
        return Err(user_disabled());
    }
    let roles = users::roles_of(&txn, user.id, rotated.platform_id).await?;
    let access = tokens::access_token(
        &state,
        &rotated.family_id,
        user.id,
        rotated.platform_id,
        roles,
    )?;
    txn.commit().await?;
    Ok(web::Json(tokens::TokenPair {
        access_token: access,
        refresh_token: next,
        expires_in: state.jwt.ttl_secs(),
        token_type: "Bearer",
    }))
}

/// Ends the session of a refresh token (every token of its family).
///
/// Answers 204 whether or not the token was known, so it cannot be probed.
#[utoipa::path(
    tag = "auth",
    request_body = RefreshRequest,
    responses(
        (status = 204, description = "The session is closed"),
        (status = 422, description = "VALIDATION_FAILED", body = ErrorBody),
    )
)]
#[post("/auth/logout")]
pub async fn logout(
    state: web::Data<AppState>,
    body: ApiJson<RefreshRequest>,
) -> ApiResult<HttpResponse> {
    let presented = required_text("refresh_token", &body.refresh_token, 128)?;
    let closed = sessions::revoke_by_hash(
        &state.db,
        &tokens::hash_token(&presented),
        state.clock.now(),
    )
    .await?;
    if let Some(t) = closed {
        state.live_sessions.ended(&t.family_id);
    }
    Ok(HttpResponse::NoContent().finish())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_names_are_plain() {
        assert_eq!(demo_name("demo:rider-wang"), Some("rider-wang"));
        assert_eq!(demo_name("demo:"), None);
        assert_eq!(demo_name("demo:Wang"), None);
        assert_eq!(demo_name("demo:a b"), None);
        assert_eq!(demo_name("081abc"), None);
    }
}
