//! Client of the WeChat mini-program server API (`code2Session`).
//!
//! Error codes are WeChat's documented ones for `jscode2session`: 40029
//! invalid code, 40163 code already used, 45011 rate limited, 40226
//! high-risk user, -1 system busy.

use std::time::Duration;

use serde::Deserialize;

use entity::runtime::settings::WechatSettings;

/// The session WeChat returns for a login code.
#[derive(Debug, Clone)]
pub struct Code2Session {
    /// The user's id within this mini-program.
    pub openid: String,
    /// The user's id across the developer's apps, when bound.
    pub unionid: Option<String>,
}

/// Why a WeChat call failed.
#[derive(Debug, thiserror::Error)]
pub enum WechatError {
    /// 40029 or 40163: the code is invalid, expired or used.
    #[error("the login code is invalid or already used (errcode {0})")]
    InvalidCode(i64),
    /// 45011: too many calls for this user.
    #[error("WeChat rate-limited this login (errcode 45011)")]
    RateLimited,
    /// 40226: WeChat flags this user as high-risk.
    #[error("WeChat refused this user as high-risk (errcode 40226)")]
    HighRiskUser,
    /// -1, a 5xx, a timeout or a network failure.
    #[error("WeChat is unavailable: {0}")]
    Unavailable(String),
    /// Any other errcode.
    #[error("WeChat returned errcode {code}: {message}")]
    Other {
        /// The errcode.
        code: i64,
        /// The errmsg.
        message: String,
    },
}

#[derive(Debug, Deserialize)]
struct RawSession {
    #[serde(default)]
    errcode: i64,
    #[serde(default)]
    errmsg: String,
    openid: Option<String>,
    unionid: Option<String>,
}

/// Calls the WeChat server API at a configurable base URL.
#[derive(Clone)]
pub struct WechatClient {
    http: reqwest::Client,
    api_base: String,
    appid: String,
    secret: String,
    /// The access token and when to stop using it; the lock is held while
    /// refreshing, so one process refreshes once.
    token: std::sync::Arc<tokio::sync::Mutex<Option<(String, std::time::Instant)>>>,
}

/// Why sending a subscription message failed.
#[derive(Debug, thiserror::Error)]
pub enum SendError {
    /// Another attempt may succeed (busy, network, expired token).
    #[error("{0}")]
    Retry(String),
    /// It will fail the same way again (e.g. 43101: the user did not subscribe).
    #[error("{0}")]
    Permanent(String),
}

#[derive(Debug, Deserialize)]
struct RawToken {
    #[serde(default)]
    errcode: i64,
    #[serde(default)]
    errmsg: String,
    access_token: Option<String>,
    expires_in: Option<u64>,
}

#[derive(Debug, Deserialize)]
struct RawErr {
    #[serde(default)]
    errcode: i64,
    #[serde(default)]
    errmsg: String,
}

impl std::fmt::Debug for WechatClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WechatClient")
            .field("api_base", &self.api_base)
            .field("appid", &self.appid)
            .finish_non_exhaustive()
    }
}

impl WechatClient {
    /// A client for one mini-program over a shared HTTP client.
    pub fn new(http: reqwest::Client, api_base: &str, appid: &str, secret: &str) -> Self {
        Self {
            http,
            api_base: api_base.trim_end_matches('/').to_owned(),
            appid: appid.to_owned(),
            secret: secret.to_owned(),
            token: Default::default(),
        }
    }

    /// The access token, from `/cgi-bin/stable_token` (which hands every
    /// caller the same token while it is valid, so several workers do not
    /// invalidate each other's), cached until five minutes before expiry.
    pub async fn access_token(&self) -> Result<String, SendError> {
        let mut cached = self.token.lock().await;
        if let Some((token, until)) = cached.as_ref()
            && std::time::Instant::now() < *until
        {
            return Ok(token.clone());
        }
        let url = format!("{}/cgi-bin/stable_token", self.api_base);
        let resp = self
            .http
            .post(url)
            .json(&serde_json::json!({
                "grant_type": "client_credential",
                "appid": self.appid,
                "secret": self.secret,
                "force_refresh": false,
            }))
            .send()
            .await
            .map_err(|e| SendError::Retry(describe(&e)))?;
        let body = resp
            .bytes()
            .await
            .map_err(|e| SendError::Retry(describe(&e)))?;
        let raw: RawToken = serde_json::from_slice(&body)
            .map_err(|e| SendError::Retry(format!("malformed token response: {e}")))?;
        match (raw.errcode, raw.access_token) {
            (0, Some(token)) => {
                let ttl = raw.expires_in.unwrap_or(7_200).saturating_sub(300).max(60);
                *cached = Some((
                    token.clone(),
                    std::time::Instant::now() + Duration::from_secs(ttl),
                ));
                Ok(token)
            }
            (-1, _) => Err(SendError::Retry("token: system busy (errcode -1)".into())),
            (code, _) => Err(SendError::Permanent(format!(
                "token: errcode {code}: {}",
                raw.errmsg
            ))),
        }
    }

    /// Forgets the cached token (after WeChat says it is invalid).
    pub async fn forget_token(&self) {
        *self.token.lock().await = None;
    }

    /// Sends a subscription message (`/cgi-bin/message/subscribe/send`).
    pub async fn send_subscribe(&self, body: &serde_json::Value) -> Result<(), SendError> {
        let token = self.access_token().await?;
        let url = format!("{}/cgi-bin/message/subscribe/send", self.api_base);
        let resp = self
            .http
            .post(url)
            .query(&[("access_token", token.as_str())])
            .json(body)
            .send()
            .await
            .map_err(|e| SendError::Retry(describe(&e)))?;
        if resp.status().is_server_error() {
            return Err(SendError::Retry(format!("HTTP {}", resp.status())));
        }
        let bytes = resp
            .bytes()
            .await
            .map_err(|e| SendError::Retry(describe(&e)))?;
        let raw: RawErr = serde_json::from_slice(&bytes)
            .map_err(|e| SendError::Retry(format!("malformed response: {e}")))?;
        match raw.errcode {
            0 => Ok(()),
            // Invalid or expired access token: fetch a new one next time.
            40001 | 40014 | 42001 => {
                self.forget_token().await;
                Err(SendError::Retry(format!(
                    "errcode {}: access token rejected",
                    raw.errcode
                )))
            }
            -1 => Err(SendError::Retry("system busy (errcode -1)".into())),
            43101 => Err(SendError::Permanent(
                "errcode 43101: the user has not subscribed".into(),
            )),
            code => Err(SendError::Permanent(format!(
                "errcode {code}: {}",
                raw.errmsg
            ))),
        }
    }

    /// The mini-program's appid.
    pub fn appid(&self) -> &str {
        &self.appid
    }

    /// Exchanges a `wx.login` code for the user's openid.
    pub async fn code2session(&self, code: &str) -> Result<Code2Session, WechatError> {
        let url = format!("{}/sns/jscode2session", self.api_base);
        // The secret travels only in the query string; errors are built from
        // the status and errcode, never from the URL.
        let resp = self
            .http
            .get(url)
            .query(&[
                ("appid", self.appid.as_str()),
                ("secret", self.secret.as_str()),
                ("js_code", code),
                ("grant_type", "authorization_code"),
            ])
            .send()
            .await
            .map_err(|e| WechatError::Unavailable(describe(&e)))?;
        let status = resp.status();
        if !status.is_success() {
            return Err(WechatError::Unavailable(format!("HTTP {status}")));
        }
        // WeChat answers `text/plain` here, so parse the bytes ourselves.
        let body = resp
            .bytes()
            .await
            .map_err(|e| WechatError::Unavailable(describe(&e)))?;
        let raw: RawSession = serde_json::from_slice(&body)
            .map_err(|e| WechatError::Unavailable(format!("malformed response: {e}")))?;
        match raw.errcode {
            0 => match raw.openid {
                Some(openid) if !openid.is_empty() => Ok(Code2Session {
                    openid,
                    unionid: raw.unionid.filter(|u| !u.is_empty()),
                }),
                _ => Err(WechatError::Unavailable("response without openid".into())),
            },
            40029 | 40163 => Err(WechatError::InvalidCode(raw.errcode)),
            45011 => Err(WechatError::RateLimited),
            40226 => Err(WechatError::HighRiskUser),
            -1 => Err(WechatError::Unavailable("system busy (errcode -1)".into())),
            code => Err(WechatError::Other {
                code,
                message: raw.errmsg,
            }),
        }
    }
}

/// The HTTP client for WeChat calls, with the configured timeouts.
pub fn http_client(settings: &WechatSettings) -> Result<reqwest::Client, reqwest::Error> {
    reqwest::Client::builder()
        .timeout(Duration::from_millis(settings.timeout_ms))
        .connect_timeout(Duration::from_millis(settings.timeout_ms.min(3_000)))
        .build()
}

/// Describes a transport error without its URL, which carries the secret.
fn describe(e: &reqwest::Error) -> String {
    let kind = if e.is_timeout() {
        "timeout"
    } else if e.is_connect() {
        "connection failed"
    } else {
        "request failed"
    };
    kind.to_owned()
}
