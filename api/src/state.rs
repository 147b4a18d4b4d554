//! What every handler can reach: the pool, settings, keys, clients, clock.

use std::sync::Arc;

use entity::clock::SharedClock;
use entity::runtime::Settings;
use sea_orm::DatabaseConnection;
use worker::mini_programs::MiniPrograms;

use crate::auth::jwt::JwtKeys;

/// Shared application state, behind `web::Data`.
#[derive(Debug, Clone)]
pub struct AppState {
    /// The database pool.
    pub db: DatabaseConnection,
    /// Where write transactions begin (`entity::tx::begin_write`): SQLite's
    /// single writer, or the same pool as `db` on PostgreSQL
    /// (`entity::runtime::database::connect_writer`).
    pub writer: DatabaseConnection,
    /// The loaded configuration.
    pub settings: Arc<Settings>,
    /// Access-token keys.
    pub jwt: Arc<JwtKeys>,
    /// The mini-programs: the counties' own and the instance's `[wechat]`.
    pub mini_programs: MiniPrograms,
    /// The WeChat Pay merchants: the counties' own and the instance's
    /// `[wechatpay]` (a county with either does not take demo payments).
    pub pay_merchants: worker::wechatpay::PayMerchants,
    /// Whether `demo:<name>` login codes are accepted.
    pub demo_login: bool,
    /// The time source.
    pub clock: SharedClock,
    /// Where uploaded images live.
    pub media: Arc<dyn crate::media::MediaStore>,
    /// Permits for password hashing (one per core).
    pub password_slots: Arc<tokio::sync::Semaphore>,
    /// Key of the keyed hash of riders' ID numbers (derived from the JWT
    /// secret with its own label, so it is never the signing key itself).
    pub identity_key: Arc<aws_lc_rs::hmac::Key>,
    /// Which sessions are still open (access tokens of closed ones are refused).
    pub live_sessions: Arc<crate::auth::live_sessions::LiveSessions>,
    /// Rate limits on logins, orders, grabs and trace look-ups.
    pub rate_limits: Arc<crate::rate_limit::RateLimiters>,
    /// How many API requests are worked on at once (503 past the queue).
    pub admission: Arc<crate::middleware::admission::Admission>,
}

impl AppState {
    /// The keyed hash (HMAC-SHA256, hex) of an ID number.
    pub fn identity_hash(&self, id_number: &str) -> String {
        hex::encode(aws_lc_rs::hmac::sign(&self.identity_key, id_number.as_bytes()).as_ref())
    }
}
