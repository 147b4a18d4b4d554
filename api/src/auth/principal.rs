//! The authenticated caller, extracted from `Authorization: Bearer ...`.

use std::future::Future;
use std::pin::Pin;

use actix_web::{FromRequest, HttpRequest, dev::Payload, http::header, web};
use entity::Role;

use crate::error::{ApiError, ErrorCode};
use crate::state::AppState;

use super::jwt::TokenError;

/// Who is asking: a user acting on one platform with some roles.
#[derive(Debug, Clone)]
pub struct Principal {
    /// The user id.
    pub user_id: i64,
    /// The platform of the session; every object access is scoped by it.
    pub platform_id: i64,
    /// Roles on that platform.
    pub roles: Vec<Role>,
}

impl Principal {
    /// Whether the caller holds `role`.
    pub fn has(&self, role: Role) -> bool {
        self.roles.contains(&role)
    }

    /// 403 unless the caller holds `role`: `principal.require(Role::Operator)?;`.
    pub fn require(&self, role: Role) -> Result<(), ApiError> {
        if self.has(role) {
            Ok(())
        } else {
            Err(ApiError::new(
                ErrorCode::FORBIDDEN,
                format!("this needs the {} role", role.as_str()),
            ))
        }
    }

    /// 404 unless an object of `platform_id` belongs to the caller's platform.
    ///
    /// Another platform's object is reported as missing, not forbidden, so
    /// that ids of other counties cannot be probed.
    pub fn require_platform(&self, platform_id: i64, what: &str) -> Result<(), ApiError> {
        if self.platform_id == platform_id {
            Ok(())
        } else {
            Err(ApiError::not_found(what))
        }
    }
}

/// The verified claims of the request's bearer token: 401 without one, or
/// with one that is malformed, forged or expired.
pub(crate) fn claims_of(req: &HttpRequest) -> Result<super::jwt::Claims, ApiError> {
    let state = req
        .app_data::<web::Data<AppState>>()
        .ok_or_else(|| ApiError::internal("application state missing"))?;
    let value = req
        .headers()
        .get(header::AUTHORIZATION)
        .ok_or_else(|| ApiError::new(ErrorCode::UNAUTHENTICATED, "sign in first"))?;
    let token = value
        .to_str()
        .ok()
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .ok_or_else(|| {
            ApiError::new(
                ErrorCode::TOKEN_INVALID,
                "Authorization must be `Bearer <access token>`",
            )
        })?;
    state
        .jwt
        .verify(token, state.clock.now())
        .map_err(|e| match e {
            TokenError::Expired => ApiError::new(ErrorCode::TOKEN_EXPIRED, "access token expired"),
            TokenError::Invalid => ApiError::new(ErrorCode::TOKEN_INVALID, "access token invalid"),
        })
}

/// The caller of a valid token, and the session it names (checked after).
fn extract(req: &HttpRequest) -> Result<(Principal, Option<String>), ApiError> {
    let claims = claims_of(req)?;
    let user_id = claims
        .sub
        .parse()
        .map_err(|_| ApiError::new(ErrorCode::TOKEN_INVALID, "access token invalid"))?;
    Ok((
        Principal {
            user_id,
            platform_id: claims.pid,
            roles: claims.roles,
        },
        claims.sid,
    ))
}

/// The caller, if their token's session is still open.
async fn checked(
    state: Option<web::Data<AppState>>,
    found: (Principal, Option<String>),
) -> Result<Principal, ApiError> {
    let (who, session) = found;
    if let (Some(session), Some(state)) = (session, state)
        && !state.live_sessions.is_live(&state.db, &session).await?
    {
        return Err(ApiError::new(
            ErrorCode::SESSION_ENDED,
            "this session was signed out; sign in again",
        ));
    }
    Ok(who)
}

impl FromRequest for Principal {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let found = extract(req);
        let state = req.app_data::<web::Data<AppState>>().cloned();
        Box::pin(async move { checked(state, found?).await })
    }
}

/// The caller if they sent a token: public pages that show more to a
/// signed-in user. A token that is sent but invalid is still refused.
#[derive(Debug, Clone)]
pub struct MaybePrincipal(pub Option<Principal>);

impl FromRequest for MaybePrincipal {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        if req.headers().get(header::AUTHORIZATION).is_none() {
            return Box::pin(async { Ok(MaybePrincipal(None)) });
        }
        let found = extract(req);
        let state = req.app_data::<web::Data<AppState>>().cloned();
        Box::pin(async move {
            checked(state, found?)
                .await
                .map(|p| MaybePrincipal(Some(p)))
        })
    }
}
