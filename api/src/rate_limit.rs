//! Rate limits on the paths worth abusing: logins and trace look-ups per
//! client address, order placement and grabs per user. Each county may have
//! its own limits (`[rate_limits.platforms.<code>]`).
//!
//! The counting is governor's GCRA, in memory: each instance counts for
//! itself, so behind a balancer that spreads one client over N instances a
//! client gets up to N times the limit (pin clients by address to keep it
//! exact). A refused request answers 429 RATE_LIMITED with `Retry-After`.

use std::collections::HashMap;
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use actix_web::HttpRequest;
use entity::runtime::settings::{RateLimitSettings, RateLimits};
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use crate::error::{ApiError, ErrorCode};

/// What is limited.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Rule {
    /// WeChat and password logins, per client address.
    Login,
    /// `POST /orders`, per user.
    PlaceOrder,
    /// Grabs of city jobs, per rider.
    Grab,
    /// Trace-code look-ups, per client address.
    Trace,
}

impl Rule {
    fn per_minute(self, limits: &RateLimits) -> u32 {
        match self {
            Rule::Login => limits.login_per_minute,
            Rule::PlaceOrder => limits.order_per_minute,
            Rule::Grab => limits.grab_per_minute,
            Rule::Trace => limits.trace_per_minute,
        }
    }

    fn what(self) -> &'static str {
        match self {
            Rule::Login => "sign-ins from this address",
            Rule::PlaceOrder => "orders",
            Rule::Grab => "grabs",
            Rule::Trace => "trace look-ups from this address",
        }
    }
}

/// One rule's limiter, keyed by client address or user.
type Limiter = Arc<DefaultKeyedRateLimiter<String>>;

/// How many checks pass between forgetting keys that are back to full.
const HOUSEKEEPING_EVERY: u64 = 4096;

/// The limiters of one process.
pub struct RateLimiters {
    settings: RateLimitSettings,
    /// One keyed limiter per rule and county code ("" for the defaults).
    limiters: Mutex<HashMap<(Rule, String), Limiter>>,
    /// Platform codes by id, learnt once each (only with county overrides).
    codes: Mutex<HashMap<i64, String>>,
    checks: AtomicU64,
}

impl std::fmt::Debug for RateLimiters {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RateLimiters")
            .field("settings", &self.settings)
            .finish_non_exhaustive()
    }
}

impl RateLimiters {
    /// Limiters for the configured limits.
    pub fn new(settings: RateLimitSettings) -> Self {
        Self {
            settings,
            limiters: Mutex::new(HashMap::new()),
            codes: Mutex::new(HashMap::new()),
            checks: AtomicU64::new(0),
        }
    }

    /// Counts one request of `key` under `rule` for the county `code` (its
    /// own limits, or the defaults when `None` or not configured); 429 with
    /// `Retry-After` once the limit is spent.
    pub fn check(&self, rule: Rule, code: Option<&str>, key: &str) -> Result<(), ApiError> {
        let code = code.filter(|c| self.settings.platforms.contains_key(*c));
        let Some(per_minute) = NonZeroU32::new(rule.per_minute(&self.settings.for_platform(code)))
        else {
            return Ok(());
        };
        let limiter = {
            let mut limiters = self
                .limiters
                .lock()
                .map_err(|_| ApiError::internal("rate limiter poisoned"))?;
            limiters
                .entry((rule, code.unwrap_or_default().to_owned()))
                .or_insert_with(|| Arc::new(RateLimiter::keyed(Quota::per_minute(per_minute))))
                .clone()
        };
        if self
            .checks
            .fetch_add(1, Ordering::Relaxed)
            .is_multiple_of(HOUSEKEEPING_EVERY)
        {
            limiter.retain_recent();
        }
        limiter.check_key(&key.to_owned()).map_err(|not_until| {
            let wait = not_until.wait_time_from(DefaultClock::default().now());
            let secs = wait.as_secs() + u64::from(wait > Duration::from_secs(wait.as_secs()));
            ApiError::new(
                ErrorCode::RATE_LIMITED,
                format!("too many {}; retry in {} s", rule.what(), secs.max(1)),
            )
            .retry_after(secs.max(1))
        })
    }

    /// [`Self::check`] for a signed-in caller of `platform_id`: the county's
    /// code is looked up once, and only when some county has its own limits.
    pub async fn check_on_platform(
        &self,
        db: &sea_orm::DatabaseConnection,
        rule: Rule,
        platform_id: i64,
        key: &str,
    ) -> Result<(), ApiError> {
        if self.settings.platforms.is_empty() {
            return self.check(rule, None, key);
        }
        let known = self
            .codes
            .lock()
            .map_err(|_| ApiError::internal("rate limiter poisoned"))?
            .get(&platform_id)
            .cloned();
        let code = match known {
            Some(code) => code,
            None => {
                let code = entity::platform_end::platforms::platform_of(db, platform_id)
                    .await?
                    .code;
                self.codes
                    .lock()
                    .map_err(|_| ApiError::internal("rate limiter poisoned"))?
                    .insert(platform_id, code.clone());
                code
            }
        };
        self.check(rule, Some(&code), key)
    }

    /// The client's address: the TCP peer, or the last `X-Forwarded-For`
    /// entry when a trusted proxy sets it.
    pub fn client_address(&self, req: &HttpRequest) -> String {
        if self.settings.trust_forwarded_for
            && let Some(last) = req
                .headers()
                .get("x-forwarded-for")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.rsplit(',').next())
                .and_then(|v| v.trim().parse::<IpAddr>().ok())
        {
            return last.to_string();
        }
        req.peer_addr()
            .map(|a| a.ip().to_string())
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits(order_per_minute: u32) -> RateLimitSettings {
        let mut s = RateLimitSettings {
            order_per_minute,
            ..RateLimitSettings::default()
        };
        s.platforms.insert(
            "busy".into(),
            entity::runtime::settings::RateLimitOverrides {
                order_per_minute: Some(1),
                ..Default::default()
            },
        );
        s
    }

    #[test]
    fn a_burst_passes_then_429_with_retry_after() {
        let l = RateLimiters::new(limits(3));
        for _ in 0..3 {
            assert!(l.check(Rule::PlaceOrder, None, "user-1").is_ok());
        }
        let refused = l.check(Rule::PlaceOrder, None, "user-1").unwrap_err();
        assert_eq!(refused.code(), ErrorCode::RATE_LIMITED);
        // 3 a minute: the next one is free in about 20 s.
        let response = actix_web::ResponseError::error_response(&refused);
        let secs: u64 = response
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .unwrap()
            .parse()
            .unwrap();
        assert!((1..=20).contains(&secs), "{secs}");
        assert!(
            l.check(Rule::PlaceOrder, None, "user-2").is_ok(),
            "per user"
        );
        assert!(l.check(Rule::Grab, None, "user-1").is_ok(), "per rule");
    }

    #[test]
    fn a_county_has_its_own_limits_and_zero_turns_a_limit_off() {
        let l = RateLimiters::new(limits(0));
        for _ in 0..100 {
            assert!(l.check(Rule::PlaceOrder, Some("kang"), "u").is_ok());
        }
        assert!(l.check(Rule::PlaceOrder, Some("busy"), "u").is_ok());
        assert!(l.check(Rule::PlaceOrder, Some("busy"), "u").is_err());
    }
}
