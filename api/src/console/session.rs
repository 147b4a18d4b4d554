//! Console sessions: an opaque cookie (`tc_session`: HttpOnly,
//! SameSite=Strict, Path=/console, Secure behind TLS) whose SHA-256 names
//! a server-side session; each session has its CSRF token, which every
//! form sends back. Roles are read from the database on each request, so
//! a role change applies at once.

use std::future::Future;
use std::pin::Pin;

use actix_web::cookie::{Cookie, SameSite, time::Duration as CookieDuration};
use actix_web::{FromRequest, HttpRequest, dev::Payload, web};
use chrono::{DateTime, Duration, Utc};
use entity::{Role, console_session};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};

use crate::auth::Principal;
use crate::auth::tokens::{hash_token, new_opaque_token};
use crate::error::{ApiError, ErrorCode};
use crate::state::AppState;

/// The session cookie's name.
pub const COOKIE: &str = "tc_session";
/// The login form's CSRF cookie (before there is a session).
pub const LOGIN_COOKIE: &str = "tc_login";
/// How long a console session lasts.
pub const SESSION_HOURS: i64 = 12;

/// The signed-in console user.
#[derive(Debug, Clone)]
pub struct ConsoleUser {
    /// As the API sees them (same authorization rules).
    pub principal: Principal,
    /// The user's display name.
    pub display_name: String,
    /// The session's CSRF token.
    pub csrf: String,
    /// The session row.
    pub session_id: i64,
}

/// A cookie for the console's paths; `Secure` when the request came over
/// TLS.
pub fn cookie(
    req: &HttpRequest,
    name: &'static str,
    value: String,
    max_age: Duration,
) -> Cookie<'static> {
    let secure = req.connection_info().scheme() == "https";
    let mut c = Cookie::build(name, value)
        .path("/console")
        .http_only(true)
        .same_site(SameSite::Strict)
        .max_age(CookieDuration::seconds(max_age.num_seconds()))
        .finish();
    c.set_secure(secure);
    c
}

/// Opens a session for a user; returns the cookie to set.
pub async fn open(
    db: &impl sea_orm::ConnectionTrait,
    req: &HttpRequest,
    user_id: i64,
    platform_id: i64,
    now: DateTime<Utc>,
) -> Result<Cookie<'static>, ApiError> {
    let token = new_opaque_token();
    console_session::ActiveModel {
        token_hash: Set(hash_token(&token)),
        user_id: Set(user_id),
        platform_id: Set(platform_id),
        csrf_token: Set(hex::encode(entity::ids::random_bytes::<24>())),
        created_at: Set(now),
        expires_at: Set(now + Duration::hours(SESSION_HOURS)),
        revoked_at: Set(None),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(cookie(req, COOKIE, token, Duration::hours(SESSION_HOURS)))
}

/// Ends a session.
pub async fn close(state: &AppState, session_id: i64) -> Result<(), ApiError> {
    console_session::Entity::update_many()
        .col_expr(
            console_session::Column::RevokedAt,
            Expr::value(Some(state.clock.now())),
        )
        .filter(console_session::Column::Id.eq(session_id))
        .exec(&state.db)
        .await?;
    Ok(())
}

async fn extract(req: HttpRequest) -> Result<ConsoleUser, ApiError> {
    let state = req
        .app_data::<web::Data<AppState>>()
        .ok_or_else(|| ApiError::internal("application state missing"))?
        .clone();
    let unauthenticated = || ApiError::new(ErrorCode::UNAUTHENTICATED, "sign in to the console");
    let token = req.cookie(COOKIE).ok_or_else(unauthenticated)?;
    let now = state.clock.now();
    let s = console_session::Entity::find()
        .filter(console_session::Column::TokenHash.eq(hash_token(token.value())))
        .one(&state.db)
        .await?
        .filter(|s| s.revoked_at.is_none() && s.expires_at > now)
        .ok_or_else(unauthenticated)?;
    let user = entity::user::Entity::find_by_id(s.user_id)
        .one(&state.db)
        .await?
        .filter(|u| !u.disabled)
        .ok_or_else(unauthenticated)?;
    let roles = entity::platform_end::users::roles_of(&state.db, user.id, s.platform_id).await?;
    Ok(ConsoleUser {
        principal: Principal {
            user_id: user.id,
            platform_id: s.platform_id,
            roles,
        },
        display_name: user.display_name,
        csrf: s.csrf_token,
        session_id: s.id,
    })
}

impl FromRequest for ConsoleUser {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        Box::pin(extract(req.clone()))
    }
}

impl ConsoleUser {
    /// Refuses a form whose CSRF token is not the session's.
    pub fn check_csrf(&self, sent: &str) -> Result<(), ApiError> {
        if constant_time_eq(sent.as_bytes(), self.csrf.as_bytes()) {
            Ok(())
        } else {
            Err(ApiError::new(
                ErrorCode::FORBIDDEN,
                "the form's CSRF token is missing or wrong; reload the page",
            ))
        }
    }

    /// Has the role.
    pub fn has(&self, role: Role) -> bool {
        self.principal.has(role)
    }
}

/// Compares without an early exit on the first difference.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_compare_in_full() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"ab"));
        assert!(!constant_time_eq(b"", b"a"));
    }
}
