//! Typed, layered configuration shared by `tongcheng` and `tongcheng-worker`.
//!
//! Layers, later wins: built-in defaults < `config/default.toml` (if present)
//! < the file given by `--config` < environment `TONGCHENG__SECTION__KEY`.

use std::collections::HashMap;
use std::path::Path;

use serde::Deserialize;

/// Every setting of Tongcheng.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    /// The HTTP listener.
    pub http: HttpSettings,
    /// The database.
    pub database: DatabaseSettings,
    /// Tokens and passwords.
    pub auth: AuthSettings,
    /// The WeChat mini-program server API.
    pub wechat: WechatSettings,
    /// WeChat Pay API v3 merchant settings.
    pub wechatpay: WechatPaySettings,
    /// Background work.
    pub worker: WorkerSettings,
    /// Logging.
    pub log: LogSettings,
    /// Uploaded images.
    pub media: MediaSettings,
    /// Request rate limits on the paths worth abusing.
    pub rate_limits: RateLimitSettings,
    /// The key of secrets kept in the database.
    pub secrets: SecretsSettings,
}

/// `[secrets]`: set the key from the environment
/// (`TONGCHENG__SECRETS__KEY`), never in a file that is copied around.
#[derive(Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SecretsSettings {
    /// 32 bytes in base64 (`openssl rand -base64 32`); seals the
    /// mini-program secrets stored per county. Without it none can be stored.
    pub key: Option<String>,
}

impl SecretsSettings {
    /// The key, when one is set.
    pub fn key(&self) -> Result<Option<crate::secrets::SecretKey>, crate::secrets::SecretError> {
        self.key
            .as_deref()
            .map(crate::secrets::SecretKey::from_base64)
            .transpose()
    }
}

impl std::fmt::Debug for SecretsSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SecretsSettings")
            .field("key", &redacted(&self.key))
            .finish()
    }
}

/// `[rate_limits]`: requests per minute (a burst of that many, refilled
/// evenly over the minute); 0 turns a limit off. Counted in each process.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RateLimitSettings {
    /// WeChat and password logins per client address.
    pub login_per_minute: u32,
    /// `POST /orders` per user.
    pub order_per_minute: u32,
    /// Grabs of city jobs per rider.
    pub grab_per_minute: u32,
    /// Trace-code look-ups per client address.
    pub trace_per_minute: u32,
    /// Per county, by platform code: `[rate_limits.platforms.kang]`. Keys
    /// left out keep the defaults above.
    pub platforms: HashMap<String, RateLimitOverrides>,
    /// Take the client's address from the last `X-Forwarded-For` entry (set
    /// by the reverse proxy in front) instead of the TCP peer.
    pub trust_forwarded_for: bool,
}

impl Default for RateLimitSettings {
    fn default() -> Self {
        Self {
            login_per_minute: 20,
            order_per_minute: 20,
            grab_per_minute: 60,
            trace_per_minute: 60,
            platforms: HashMap::new(),
            trust_forwarded_for: false,
        }
    }
}

impl RateLimitSettings {
    /// The limits of a county: its overrides over the defaults.
    pub fn for_platform(&self, code: Option<&str>) -> RateLimits {
        let o = code
            .and_then(|c| self.platforms.get(c))
            .cloned()
            .unwrap_or_default();
        RateLimits {
            login_per_minute: o.login_per_minute.unwrap_or(self.login_per_minute),
            order_per_minute: o.order_per_minute.unwrap_or(self.order_per_minute),
            grab_per_minute: o.grab_per_minute.unwrap_or(self.grab_per_minute),
            trace_per_minute: o.trace_per_minute.unwrap_or(self.trace_per_minute),
        }
    }
}

/// One county's limits, per minute.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimits {
    /// WeChat and password logins per client address.
    pub login_per_minute: u32,
    /// `POST /orders` per user.
    pub order_per_minute: u32,
    /// Grabs of city jobs per rider.
    pub grab_per_minute: u32,
    /// Trace-code look-ups per client address.
    pub trace_per_minute: u32,
}

/// One county's overrides of the default limits.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RateLimitOverrides {
    /// Logins per client address.
    pub login_per_minute: Option<u32>,
    /// Orders per user.
    pub order_per_minute: Option<u32>,
    /// Grabs per rider.
    pub grab_per_minute: Option<u32>,
    /// Trace look-ups per client address.
    pub trace_per_minute: Option<u32>,
}

/// `[media]`
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MediaSettings {
    /// Directory where uploaded images are stored.
    pub dir: String,
    /// Largest accepted image, in bytes.
    pub max_bytes: usize,
}

impl Default for MediaSettings {
    fn default() -> Self {
        Self {
            dir: "data/media".into(),
            max_bytes: 2 * 1024 * 1024,
        }
    }
}

/// `[http]`
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct HttpSettings {
    /// Listen address, e.g. `127.0.0.1:8080`.
    pub bind: String,
    /// Largest accepted JSON body, in bytes.
    pub json_limit_bytes: usize,
    /// Seconds that in-flight requests get to finish on shutdown.
    pub shutdown_timeout_secs: u64,
    /// HTTP worker threads; 0 means one per core.
    pub workers: usize,
    /// How often an open event stream looks for new events, in milliseconds.
    pub stream_poll_ms: u64,
    /// Seconds between keep-alive comments on an idle event stream.
    pub stream_heartbeat_secs: u64,
    /// API requests worked on at once; 0 means four per pooled database
    /// connection. The rest wait for a turn (see `queue_timeout_ms`).
    pub max_in_flight: usize,
    /// How long a request waits for a turn before the answer is 503
    /// SERVER_BUSY with `Retry-After` (milliseconds).
    pub queue_timeout_ms: u64,
}

impl Default for HttpSettings {
    fn default() -> Self {
        Self {
            bind: "127.0.0.1:8080".into(),
            json_limit_bytes: 256 * 1024,
            shutdown_timeout_secs: 30,
            workers: 0,
            stream_poll_ms: 1_000,
            stream_heartbeat_secs: 15,
            max_in_flight: 0,
            queue_timeout_ms: 500,
        }
    }
}

/// `[database]`
#[derive(Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DatabaseSettings {
    /// `sqlite://...` or `postgres://...`.
    pub url: String,
    /// Pool size.
    pub max_connections: u32,
    /// How long a request waits for a pooled connection before the server
    /// sheds it with 503 SERVER_BUSY and `Retry-After` (milliseconds).
    pub acquire_timeout_ms: u64,
}

impl Default for DatabaseSettings {
    fn default() -> Self {
        Self {
            url: "sqlite://tongcheng.db?mode=rwc".into(),
            max_connections: 16,
            acquire_timeout_ms: 1000,
        }
    }
}

/// `[auth]`
#[derive(Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AuthSettings {
    /// HS256 key for access tokens. Required outside demo mode.
    pub jwt_secret: Option<String>,
    /// Access token lifetime in seconds.
    pub access_ttl_secs: i64,
    /// Refresh token lifetime in seconds.
    pub refresh_ttl_secs: i64,
    /// Failed password logins allowed before the backoff starts.
    pub max_failed_logins: i32,
    /// First lockout after `max_failed_logins`, doubled per further failure.
    pub lockout_base_secs: i64,
    /// How long an instance trusts that a session is still open before it
    /// asks the database again: a logout ends the session's access tokens on
    /// the instance that served it at once, on the others within this.
    pub session_check_secs: u64,
}

impl Default for AuthSettings {
    fn default() -> Self {
        Self {
            jwt_secret: None,
            access_ttl_secs: 15 * 60,
            refresh_ttl_secs: 30 * 24 * 3600,
            max_failed_logins: 5,
            lockout_base_secs: 60,
            session_check_secs: 5,
        }
    }
}

/// `[wechat]`
#[derive(Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct WechatSettings {
    /// Base URL of the WeChat server API.
    pub api_base: String,
    /// Mini-program appid; without it only demo login exists.
    pub appid: Option<String>,
    /// Mini-program secret.
    pub secret: Option<String>,
    /// Per-request timeout in milliseconds.
    pub timeout_ms: u64,
    /// Subscription-message template ids by event: `order_paid`,
    /// `order_accepted`, `out_for_delivery`, `delivered`, `refunded`. An event
    /// without a template is not announced.
    pub templates: std::collections::BTreeMap<String, String>,
}

impl Default for WechatSettings {
    fn default() -> Self {
        Self {
            api_base: "https://api.weixin.qq.com".into(),
            appid: None,
            secret: None,
            timeout_ms: 5_000,
            templates: Default::default(),
        }
    }
}

/// `[wechatpay]`
#[derive(Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct WechatPaySettings {
    /// Base URL of WeChat Pay API v3.
    pub api_base: String,
    /// Merchant id.
    pub mchid: Option<String>,
    /// Serial number of the merchant API certificate.
    pub merchant_serial: Option<String>,
    /// PEM file of the merchant private key.
    pub merchant_key_pem_file: Option<String>,
    /// APIv3 key for notification decryption.
    pub apiv3_key: Option<String>,
    /// PEM file of the WeChat Pay platform public key.
    pub platform_public_key_pem_file: Option<String>,
    /// Id of that key (`PUB_KEY_ID_...`).
    pub platform_public_key_id: Option<String>,
    /// Public URL of `/api/v1/pay/wechat/notify`.
    pub notify_url: Option<String>,
}

impl Default for WechatPaySettings {
    fn default() -> Self {
        Self {
            api_base: "https://api.mch.weixin.qq.com".into(),
            mchid: None,
            merchant_serial: None,
            merchant_key_pem_file: None,
            apiv3_key: None,
            platform_public_key_pem_file: None,
            platform_public_key_id: None,
            notify_url: None,
        }
    }
}

impl WechatPaySettings {
    /// Whether a WeChat Pay merchant is configured (demo pay is then impossible).
    pub fn is_configured(&self) -> bool {
        self.mchid.is_some()
    }
}

/// `[worker]`
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct WorkerSettings {
    /// Run the worker inside `tongcheng serve`.
    pub embedded: bool,
    /// How often an idle worker looks for due jobs, in milliseconds.
    pub poll_interval_ms: u64,
    /// Queued jobs run at the same time (each slot claims its own).
    pub concurrency: usize,
    /// How long a claimed job is leased before another worker may retry it.
    pub lease_secs: i64,
    /// Interval of the refresh-token purge, in seconds.
    pub purge_interval_secs: i64,
    /// How often payment and acceptance timeouts are checked, in seconds.
    pub timeouts_interval_secs: i64,
    /// How often the city dispatch round runs, in seconds.
    pub dispatch_interval_secs: i64,
    /// How often finished business days are checked for settlement, in seconds.
    pub settlement_interval_secs: i64,
    /// How often yesterday's WeChat Pay trade bill is looked for, in seconds.
    pub reconcile_interval_secs: i64,
    /// How often departures past their cut-off are planned, in seconds.
    pub planning_interval_secs: i64,
}

impl Default for WorkerSettings {
    fn default() -> Self {
        Self {
            embedded: true,
            poll_interval_ms: 1_000,
            concurrency: 4,
            lease_secs: 300,
            purge_interval_secs: 3_600,
            timeouts_interval_secs: 15,
            dispatch_interval_secs: 5,
            settlement_interval_secs: 900,
            reconcile_interval_secs: 3_600,
            planning_interval_secs: 60,
        }
    }
}

/// `[log]`
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LogSettings {
    /// `tracing` filter, e.g. `info,sqlx=warn`; `RUST_LOG` wins when set.
    pub filter: String,
    /// One JSON object per line instead of text.
    pub json: bool,
}

impl Default for LogSettings {
    fn default() -> Self {
        Self {
            filter: "info,sqlx=warn,sea_orm=warn".into(),
            json: false,
        }
    }
}

/// Shows whether a secret is set, never its value.
fn redacted(v: &Option<String>) -> &'static str {
    if v.is_some() { "<set>" } else { "<unset>" }
}

/// The URL without its password.
fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let creds = &url[scheme + 3..at];
            let user = creds.split(':').next().unwrap_or("");
            format!("{}{user}:<redacted>{}", &url[..scheme + 3], &url[at..])
        }
        _ => url.to_owned(),
    }
}

impl std::fmt::Debug for DatabaseSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DatabaseSettings")
            .field("url", &redact_url(&self.url))
            .field("max_connections", &self.max_connections)
            .field("acquire_timeout_ms", &self.acquire_timeout_ms)
            .finish()
    }
}

impl std::fmt::Debug for AuthSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuthSettings")
            .field("jwt_secret", &redacted(&self.jwt_secret))
            .field("access_ttl_secs", &self.access_ttl_secs)
            .field("refresh_ttl_secs", &self.refresh_ttl_secs)
            .field("max_failed_logins", &self.max_failed_logins)
            .field("lockout_base_secs", &self.lockout_base_secs)
            .finish()
    }
}

impl std::fmt::Debug for WechatSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WechatSettings")
            .field("api_base", &self.api_base)
            .field("appid", &self.appid)
            .field("secret", &redacted(&self.secret))
            .field("timeout_ms", &self.timeout_ms)
            .field("templates", &self.templates)
            .finish()
    }
}

impl std::fmt::Debug for WechatPaySettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WechatPaySettings")
            .field("api_base", &self.api_base)
            .field("mchid", &self.mchid)
            .field("merchant_serial", &self.merchant_serial)
            .field("merchant_key_pem_file", &self.merchant_key_pem_file)
            .field("apiv3_key", &redacted(&self.apiv3_key))
            .field(
                "platform_public_key_pem_file",
                &self.platform_public_key_pem_file,
            )
            .field("platform_public_key_id", &self.platform_public_key_id)
            .field("notify_url", &self.notify_url)
            .finish()
    }
}

/// A configuration that could not be loaded; the message names the key.
#[derive(Debug, thiserror::Error)]
#[error("configuration error: {0}")]
pub struct SettingsError(pub String);

impl Settings {
    /// Loads the layers from `dir/default.toml`, `file` and the process environment.
    pub fn load(config_dir: &Path, file: Option<&Path>) -> Result<Self, SettingsError> {
        Self::load_from(config_dir, file, std::env::vars().collect())
    }

    /// Loads the layers with an explicit environment (tests pass their own).
    pub fn load_from(
        config_dir: &Path,
        file: Option<&Path>,
        env: HashMap<String, String>,
    ) -> Result<Self, SettingsError> {
        let mut builder = config::Config::builder().add_source(
            config::File::from(config_dir.join("default.toml"))
                .format(config::FileFormat::Toml)
                .required(false),
        );
        if let Some(file) = file {
            if !file.exists() {
                return Err(SettingsError(format!(
                    "--config file {} does not exist",
                    file.display()
                )));
            }
            builder = builder.add_source(
                config::File::from(file)
                    .format(config::FileFormat::Toml)
                    .required(true),
            );
        }
        let env: HashMap<String, String> = env
            .into_iter()
            .filter(|(k, _)| k.starts_with("TONGCHENG__"))
            .collect();
        builder = builder.add_source(
            config::Environment::with_prefix("TONGCHENG")
                .prefix_separator("__")
                .separator("__")
                // Typed fields parse their own strings; `try_parsing` would
                // turn an all-digit secret into a number and back, mangled.
                .try_parsing(false)
                .source(Some(env)),
        );
        let settings: Settings = builder
            .build()
            .and_then(|c| c.try_deserialize())
            .map_err(|e| SettingsError(e.to_string()))?;
        settings.validate()?;
        Ok(settings)
    }

    fn validate(&self) -> Result<(), SettingsError> {
        let url = &self.database.url;
        if !["sqlite:", "postgres://", "postgresql://"]
            .iter()
            .any(|p| url.starts_with(p))
        {
            return Err(SettingsError(format!(
                "database.url (TONGCHENG__DATABASE__URL) must start with sqlite: or postgres://, got {url:?}"
            )));
        }
        if self.auth.access_ttl_secs <= 0 || self.auth.refresh_ttl_secs <= 0 {
            return Err(SettingsError(
                "auth.access_ttl_secs and auth.refresh_ttl_secs must be positive".into(),
            ));
        }
        self.secrets
            .key()
            .map_err(|e| SettingsError(e.to_string()))?;
        if self.wechat.appid.is_some() != self.wechat.secret.is_some() {
            return Err(SettingsError(
                "wechat.appid and wechat.secret (TONGCHENG__WECHAT__APPID / __SECRET) go together"
                    .into(),
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn defaults_apply_without_any_source() {
        let dir = std::env::temp_dir().join("tongcheng-no-such-config-dir");
        let s = Settings::load_from(&dir, None, HashMap::new()).unwrap();
        assert_eq!(s.http.bind, "127.0.0.1:8080");
        assert_eq!(s.database.url, "sqlite://tongcheng.db?mode=rwc");
        assert_eq!(s.wechat.api_base, "https://api.weixin.qq.com");
        assert!(s.worker.embedded);
        assert!(s.auth.jwt_secret.is_none());
    }

    #[test]
    fn later_layers_win() {
        let dir = tempdir();
        std::fs::write(
            dir.join("default.toml"),
            "[http]\nbind = \"0.0.0.0:1\"\n[auth]\naccess_ttl_secs = 60\n",
        )
        .unwrap();
        let file = dir.join("site.toml");
        std::fs::write(&file, "[http]\nbind = \"0.0.0.0:2\"\n").unwrap();
        let s = Settings::load_from(&dir, Some(&file), HashMap::new()).unwrap();
        assert_eq!(s.http.bind, "0.0.0.0:2");
        assert_eq!(s.auth.access_ttl_secs, 60);

        let s = Settings::load_from(
            &dir,
            Some(&file),
            env(&[
                ("TONGCHENG__HTTP__BIND", "0.0.0.0:3"),
                ("TONGCHENG__WORKER__EMBEDDED", "false"),
                ("TONGCHENG__WECHATPAY__MERCHANT_KEY_PEM_FILE", "/k.pem"),
                ("TONGCHENG__AUTH__JWT_SECRET", "12345"),
                ("OTHER__HTTP__BIND", "ignored"),
            ]),
        )
        .unwrap();
        assert_eq!(s.http.bind, "0.0.0.0:3");
        assert!(!s.worker.embedded);
        assert_eq!(s.wechatpay.merchant_key_pem_file.as_deref(), Some("/k.pem"));
        assert_eq!(s.auth.jwt_secret.as_deref(), Some("12345"));
        assert_eq!(s.auth.access_ttl_secs, 60);
    }

    #[test]
    fn debug_output_hides_secrets() {
        let s = Settings::load_from(
            &tempdir(),
            None,
            env(&[
                (
                    "TONGCHENG__AUTH__JWT_SECRET",
                    "00123456789012345678901234567890",
                ),
                ("TONGCHENG__WECHAT__APPID", "wx1"),
                ("TONGCHENG__WECHAT__SECRET", "s3cr3t-value"),
                ("TONGCHENG__WECHATPAY__APIV3_KEY", "apiv3-key-value"),
                (
                    "TONGCHENG__DATABASE__URL",
                    "postgres://app:pa55word@db/tongcheng",
                ),
            ]),
        )
        .unwrap();
        // All-digit secrets keep their leading zeros.
        assert_eq!(
            s.auth.jwt_secret.as_deref(),
            Some("00123456789012345678901234567890")
        );
        let shown = format!("{s:?}");
        for secret in ["00123456789", "s3cr3t-value", "apiv3-key-value", "pa55word"] {
            assert!(!shown.contains(secret), "{secret} in {shown}");
        }
        assert!(shown.contains("postgres://app:<redacted>@db/tongcheng"));
    }

    #[test]
    fn errors_name_the_key() {
        let dir = tempdir();
        let err = Settings::load_from(
            &dir,
            None,
            env(&[("TONGCHENG__DATABASE__URL", "mysql://x")]),
        )
        .unwrap_err();
        assert!(
            err.to_string().contains("TONGCHENG__DATABASE__URL"),
            "{err}"
        );
        let err = Settings::load_from(&dir, None, env(&[("TONGCHENG__HTTP__WORKERS", "many")]))
            .unwrap_err();
        assert!(err.to_string().contains("workers"), "{err}");
        let missing = dir.join("missing.toml");
        assert!(Settings::load_from(&dir, Some(&missing), HashMap::new()).is_err());
    }

    fn tempdir() -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!(
            "tongcheng-settings-{}-{}",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }
}
