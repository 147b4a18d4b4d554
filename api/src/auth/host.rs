//! The host administrator behind a request: a token from `POST /host/login`
//! (subject `host:<id>`) of an account that still exists. A county's token
//! is refused with 403, and a host token is refused by every county route
//! (its subject is not a user id).

use std::future::Future;
use std::pin::Pin;

use actix_web::{FromRequest, HttpRequest, dev::Payload, web};
use sea_orm::EntityTrait;

use super::jwt::HOST_SUBJECT_PREFIX;
use crate::error::{ApiError, ErrorCode};
use crate::state::AppState;

/// A signed-in host administrator.
#[derive(Debug, Clone)]
pub struct HostAdmin {
    /// The account id.
    pub id: i64,
    /// The username.
    pub username: String,
}

impl FromRequest for HostAdmin {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let claims = super::principal::claims_of(req);
        let state = req.app_data::<web::Data<AppState>>().cloned();
        Box::pin(async move {
            let claims = claims?;
            let state = state.ok_or_else(|| ApiError::internal("application state missing"))?;
            let id: i64 = claims
                .sub
                .strip_prefix(HOST_SUBJECT_PREFIX)
                .ok_or_else(|| {
                    ApiError::new(ErrorCode::FORBIDDEN, "this needs the host_admin role")
                })?
                .parse()
                .map_err(|_| ApiError::new(ErrorCode::TOKEN_INVALID, "access token invalid"))?;
            let admin = entity::host_admin::Entity::find_by_id(id)
                .one(&state.db)
                .await?
                .ok_or_else(|| ApiError::new(ErrorCode::TOKEN_INVALID, "access token invalid"))?;
            Ok(HostAdmin {
                id: admin.id,
                username: admin.username,
            })
        })
    }
}
