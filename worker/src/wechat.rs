//! Client of the WeChat mini-program server API (`code2Session`).
//!
//! Error codes are WeChat's documented ones for `jscode2session`: 40029
//! invalid code, 40163 code already used, 45011 rate limited, 40226
//! high-risk user, -1 system busy.

use std::time::Duration;

use serde::Deserialize;

use crate::settings::WechatSettings;

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
    /// A client for the configured mini-program; `None` without credentials.
    pub fn from_settings(settings: &WechatSettings) -> Result<Option<Self>, reqwest::Error> {
        let (Some(appid), Some(secret)) = (&settings.appid, &settings.secret) else {
            return Ok(None);
        };
        let http = reqwest::Client::builder()
            .timeout(Duration::from_millis(settings.timeout_ms))
            .connect_timeout(Duration::from_millis(settings.timeout_ms.min(3_000)))
            .build()?;
        Ok(Some(Self {
            http,
            api_base: settings.api_base.trim_end_matches('/').to_owned(),
            appid: appid.clone(),
            secret: secret.clone(),
        }))
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
