//! Issuing the token pair of a session: a JWT access token and an opaque,
//! rotating refresh token (stored only as its SHA-256 hash).

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::Duration;
use entity::Role;
use entity::platform_end::sessions;
use sea_orm::ConnectionTrait;
use serde::Serialize;
use utoipa::ToSchema;

use crate::error::ApiError;
use crate::state::AppState;

/// The tokens a login or refresh returns.
#[derive(Debug, Serialize, ToSchema)]
pub struct TokenPair {
    /// Bearer token for `Authorization`, valid `expires_in` seconds.
    pub access_token: String,
    /// Opaque token for `/auth/refresh`; each use returns a new one.
    pub refresh_token: String,
    /// Lifetime of the access token in seconds.
    pub expires_in: i64,
    /// Always `Bearer`.
    pub token_type: &'static str,
}

/// A new random opaque token.
pub fn new_opaque_token() -> String {
    URL_SAFE_NO_PAD.encode(entity::ids::random_bytes::<32>())
}

/// The hash under which a refresh token is stored.
pub fn hash_token(token: &str) -> String {
    hex::encode(aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, token.as_bytes()).as_ref())
}

/// Signs an access token of `session` for the user's roles on the platform.
pub fn access_token(
    state: &AppState,
    session: &str,
    user_id: i64,
    platform_id: i64,
    roles: Vec<Role>,
) -> Result<String, ApiError> {
    state
        .jwt
        .issue_in(
            Some(session),
            user_id,
            platform_id,
            roles,
            state.clock.now(),
        )
        .map_err(ApiError::internal)
}

/// Opens a new session (a new refresh-token family) and returns its tokens.
pub async fn open_session(
    state: &AppState,
    db: &impl ConnectionTrait,
    user_id: i64,
    platform_id: i64,
    roles: Vec<Role>,
) -> Result<TokenPair, ApiError> {
    let now = state.clock.now();
    let refresh = new_opaque_token();
    let family = hex::encode(entity::ids::random_bytes::<16>());
    sessions::issue(
        db,
        platform_id,
        user_id,
        &family,
        &hash_token(&refresh),
        now,
        Duration::seconds(state.settings.auth.refresh_ttl_secs),
    )
    .await?;
    Ok(TokenPair {
        access_token: access_token(state, &family, user_id, platform_id, roles)?,
        refresh_token: refresh,
        expires_in: state.jwt.ttl_secs(),
        token_type: "Bearer",
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sha256_of_a_known_value() {
        // SHA-256("abc") from FIPS 180-2, appendix B.1.
        assert_eq!(
            hash_token("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn opaque_tokens_are_long_and_distinct() {
        let a = new_opaque_token();
        assert_eq!(a.len(), 43);
        assert_ne!(a, new_opaque_token());
    }
}
