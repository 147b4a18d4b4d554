//! Short-lived HS256 access tokens.
//!
//! Only HS256 is accepted: a token whose header names `none` or any other
//! algorithm is refused before its signature is looked at.

use chrono::{DateTime, Utc};
use entity::Role;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation, errors::ErrorKind};
use serde::{Deserialize, Serialize};

/// The claims of an access token.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Claims {
    /// The user id.
    pub sub: String,
    /// The platform the session belongs to.
    pub pid: i64,
    /// The user's roles on that platform when the token was issued.
    pub roles: Vec<Role>,
    /// Issued at (Unix seconds).
    pub iat: i64,
    /// Expires at (Unix seconds).
    pub exp: i64,
    /// The session (refresh-token family) the token belongs to; a token of a
    /// closed session is refused. Tokens made outside a session (tests'
    /// helpers) have none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sid: Option<String>,
}

/// The subject of a host administrator's token starts with this.
pub const HOST_SUBJECT_PREFIX: &str = "host:";

/// Why a token was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenError {
    /// Past `exp`.
    Expired,
    /// Anything else: bad signature, algorithm, shape or claims.
    Invalid,
}

/// Keys and rules for access tokens.
pub struct JwtKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    ttl_secs: i64,
}

impl std::fmt::Debug for JwtKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JwtKeys")
            .field("ttl_secs", &self.ttl_secs)
            .finish_non_exhaustive()
    }
}

impl JwtKeys {
    /// Keys from an HS256 secret; tokens live `ttl_secs`.
    pub fn new(secret: &[u8], ttl_secs: i64) -> Self {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.algorithms = vec![Algorithm::HS256];
        validation.leeway = 5;
        validation.set_required_spec_claims(&["exp", "iat", "sub"]);
        Self {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            validation,
            ttl_secs,
        }
    }

    /// Lifetime of new tokens, in seconds.
    pub fn ttl_secs(&self) -> i64 {
        self.ttl_secs
    }

    /// Signs a token for `user_id` on `platform_id`, outside any session.
    pub fn issue(
        &self,
        user_id: i64,
        platform_id: i64,
        roles: Vec<Role>,
        now: DateTime<Utc>,
    ) -> Result<String, jsonwebtoken::errors::Error> {
        self.issue_in(None, user_id, platform_id, roles, now)
    }

    /// Signs a token for `user_id` on `platform_id` in `session`.
    pub fn issue_in(
        &self,
        session: Option<&str>,
        user_id: i64,
        platform_id: i64,
        roles: Vec<Role>,
        now: DateTime<Utc>,
    ) -> Result<String, jsonwebtoken::errors::Error> {
        let claims = Claims {
            sub: user_id.to_string(),
            pid: platform_id,
            roles,
            iat: now.timestamp(),
            exp: now.timestamp() + self.ttl_secs,
            sid: session.map(str::to_owned),
        };
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
    }

    /// Signs a token for a host administrator: subject `host:<id>`, no
    /// platform, no platform roles (so no platform route accepts it).
    pub fn issue_host(
        &self,
        host_admin_id: i64,
        now: DateTime<Utc>,
    ) -> Result<String, jsonwebtoken::errors::Error> {
        let claims = Claims {
            sub: format!("{HOST_SUBJECT_PREFIX}{host_admin_id}"),
            pid: 0,
            roles: Vec::new(),
            iat: now.timestamp(),
            exp: now.timestamp() + self.ttl_secs,
            sid: None,
        };
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
    }

    /// Checks a token's algorithm, signature and expiry at `now`.
    pub fn verify(&self, token: &str, now: DateTime<Utc>) -> Result<Claims, TokenError> {
        let header = jsonwebtoken::decode_header(token).map_err(|_| TokenError::Invalid)?;
        if header.alg != Algorithm::HS256 {
            return Err(TokenError::Invalid);
        }
        // Expiry is checked against the app's clock, not the system's, so that
        // tests can move time.
        let mut validation = self.validation.clone();
        validation.validate_exp = false;
        let data = jsonwebtoken::decode::<Claims>(token, &self.decoding, &validation).map_err(
            |e| match e.kind() {
                ErrorKind::ExpiredSignature => TokenError::Expired,
                _ => TokenError::Invalid,
            },
        )?;
        if data.claims.exp + (self.validation.leeway as i64) < now.timestamp() {
            return Err(TokenError::Expired);
        }
        Ok(data.claims)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;

    fn keys() -> JwtKeys {
        JwtKeys::new(b"0123456789abcdef0123456789abcdef", 900)
    }

    #[test]
    fn round_trip() {
        let now = Utc::now();
        let t = keys().issue(7, 1, vec![Role::Resident], now).unwrap();
        let c = keys().verify(&t, now).unwrap();
        assert_eq!(c.sub, "7");
        assert_eq!(c.pid, 1);
        assert_eq!(c.roles, vec![Role::Resident]);
    }

    #[test]
    fn expired_and_foreign_tokens_are_refused() {
        let now = Utc::now();
        let t = keys().issue(7, 1, vec![], now).unwrap();
        assert_eq!(
            keys().verify(&t, now + chrono::Duration::seconds(906)),
            Err(TokenError::Expired)
        );
        let other = JwtKeys::new(b"another-secret-another-secret-xx", 900);
        assert_eq!(other.verify(&t, now), Err(TokenError::Invalid));
    }

    #[test]
    fn alg_none_is_refused() {
        let now = Utc::now().timestamp();
        let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#);
        let claims = URL_SAFE_NO_PAD.encode(
            format!(
                r#"{{"sub":"1","pid":1,"roles":["operator"],"iat":{now},"exp":{}}}"#,
                now + 600
            )
            .as_bytes(),
        );
        for token in [format!("{header}.{claims}."), format!("{header}.{claims}")] {
            assert_eq!(keys().verify(&token, Utc::now()), Err(TokenError::Invalid));
        }
    }

    #[test]
    fn other_algorithms_are_refused() {
        let now = Utc::now();
        let claims = Claims {
            sub: "1".into(),
            pid: 1,
            roles: vec![Role::Operator],
            iat: now.timestamp(),
            exp: now.timestamp() + 600,
            sid: None,
        };
        let secret = b"0123456789abcdef0123456789abcdef";
        let t = jsonwebtoken::encode(
            &Header::new(Algorithm::HS512),
            &claims,
            &EncodingKey::from_secret(secret),
        )
        .unwrap();
        assert_eq!(keys().verify(&t, now), Err(TokenError::Invalid));
    }
}
