//! A fake of the WeChat server API speaking `jscode2session` as documented:
//! `GET /sns/jscode2session?appid&secret&js_code&grant_type=authorization_code`,
//! answering JSON as `text/plain` with `openid`/`session_key`/`unionid` or
//! `errcode`/`errmsg`.
//!
//! Codes drive the answer: `ok:<openid>` succeeds, `err:<errcode>` returns
//! that errcode, `http:<status>` answers that HTTP status, `slow` never
//! answers in time. Wrong appid/secret/grant_type answer 40013/40125/40002,
//! as WeChat does.
//!
//! Several mini-programs can be registered ([`WechatFake::add_app`]), each
//! with its secret and its own access token. A code `app:<appid>:<openid>`
//! was issued by that mini-program's `wx.login` and is refused (40029) by
//! any other, as WeChat binds codes to their appid. Recorded messages carry
//! `"__appid"`: the mini-program whose token sent them.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};

use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate, matchers};

/// The appid the fake expects.
pub const APPID: &str = "wx0123456789abcdef";
/// The secret the fake expects.
pub const SECRET: &str = "fake-mini-program-secret";

/// The running fake and what it has seen.
pub struct WechatFake {
    server: MockServer,
    apps: Apps,
    stall: Arc<AtomicU32>,
    seen: Arc<Mutex<Vec<String>>>,
    messages: Arc<Mutex<Vec<serde_json::Value>>>,
    tokens_issued: Arc<Mutex<u32>>,
}

/// The access token the fake issues.
pub const ACCESS_TOKEN: &str = "fake-access-token";

/// The registered mini-programs: appid → secret.
type Apps = Arc<Mutex<HashMap<String, String>>>;

/// The access token the fake issues to `appid`.
pub fn token_of(appid: &str) -> String {
    if appid == APPID {
        ACCESS_TOKEN.to_owned()
    } else {
        format!("token-{appid}")
    }
}

fn secret_of(apps: &Apps, appid: &str) -> Option<String> {
    apps.lock().ok().and_then(|a| a.get(appid).cloned())
}

/// `POST /cgi-bin/stable_token`: checks the credentials, issues a token.
struct StableToken {
    apps: Apps,
    issued: Arc<Mutex<u32>>,
}

impl Respond for StableToken {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        let body: serde_json::Value = serde_json::from_slice(&req.body).unwrap_or_default();
        let appid = body["appid"].as_str().unwrap_or("");
        let secret = secret_of(&self.apps, appid);
        if secret.is_none()
            || body["secret"].as_str() != secret.as_deref()
            || body["grant_type"] != "client_credential"
        {
            return errcode(40013, "invalid appid or secret");
        }
        if let Ok(mut n) = self.issued.lock() {
            *n += 1;
        }
        ResponseTemplate::new(200)
            .set_body_json(serde_json::json!({"access_token": token_of(appid), "expires_in": 7200}))
    }
}

/// `POST /cgi-bin/message/subscribe/send?access_token=`: records messages;
/// the openid `refuser` never subscribed (43101).
struct SubscribeSend {
    apps: Apps,
    messages: Arc<Mutex<Vec<serde_json::Value>>>,
    stall: Arc<AtomicU32>,
}

impl Respond for SubscribeSend {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        let token = req
            .url
            .query_pairs()
            .find(|(k, _)| k == "access_token")
            .map(|(_, v)| v.into_owned())
            .unwrap_or_default();
        let apps: Vec<String> = self
            .apps
            .lock()
            .map(|a| a.keys().cloned().collect())
            .unwrap_or_default();
        let Some(appid) = apps.into_iter().find(|a| token_of(a) == token) else {
            return errcode(
                40001,
                "invalid credential, access_token is invalid or not latest",
            );
        };
        let mut body: serde_json::Value = serde_json::from_slice(&req.body).unwrap_or_default();
        body["__appid"] = serde_json::Value::String(appid);
        if let Ok(mut m) = self.messages.lock() {
            m.push(body.clone());
        }
        if body["touser"] == "refuser" {
            return errcode(43101, "user refuse to accept the msg");
        }
        let stalled = self
            .stall
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
            .is_ok();
        if stalled {
            return errcode(0, "ok").set_delay(std::time::Duration::from_secs(120));
        }
        errcode(0, "ok")
    }
}

struct Jscode2Session {
    apps: Apps,
    seen: Arc<Mutex<Vec<String>>>,
}

fn errcode(code: i64, msg: &str) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_raw(
        format!(r#"{{"errcode":{code},"errmsg":"{msg}"}}"#),
        "text/plain",
    )
}

impl Respond for Jscode2Session {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        let q: std::collections::HashMap<String, String> =
            req.url.query_pairs().into_owned().collect();
        let get = |k: &str| q.get(k).map(String::as_str).unwrap_or("");
        let Some(secret) = secret_of(&self.apps, get("appid")) else {
            return errcode(40013, "invalid appid");
        };
        if get("secret") != secret {
            return errcode(40125, "invalid appsecret");
        }
        if get("grant_type") != "authorization_code" {
            return errcode(40002, "invalid grant_type");
        }
        let code = get("js_code").to_owned();
        if let Ok(mut seen) = self.seen.lock() {
            seen.push(code.clone());
        }
        // A code from one mini-program's wx.login is no code to another.
        let bound = code
            .strip_prefix("app:")
            .and_then(|rest| rest.split_once(':'))
            .filter(|(appid, _)| *appid == get("appid"))
            .map(|(_, openid)| openid);
        if let Some(openid) = code.strip_prefix("ok:").or(bound) {
            return ResponseTemplate::new(200).set_body_raw(
                format!(
                    r#"{{"openid":"{openid}","session_key":"c2Vzc2lvbmtleQ==","unionid":"u-{openid}"}}"#
                ),
                "text/plain",
            );
        }
        if let Some(code) = code.strip_prefix("err:") {
            let n: i64 = code.parse().unwrap_or(40029);
            return errcode(n, "fake error");
        }
        if let Some(status) = code.strip_prefix("http:") {
            return ResponseTemplate::new(status.parse().unwrap_or(500));
        }
        if code == "slow" {
            return errcode(0, "ok").set_delay(std::time::Duration::from_secs(10));
        }
        // WeChat's answer to a code it never issued.
        errcode(40029, "invalid code")
    }
}

impl WechatFake {
    /// Starts the fake on a loopback port.
    pub async fn start() -> Self {
        // A server of its own (not from wiremock's pool), so dropping it stops it.
        let server = MockServer::builder().start().await;
        let seen = Arc::new(Mutex::new(Vec::new()));
        let messages = Arc::new(Mutex::new(Vec::new()));
        let tokens_issued = Arc::new(Mutex::new(0));
        let stall = Arc::new(AtomicU32::new(0));
        let apps: Apps = Arc::new(Mutex::new(HashMap::from([(
            APPID.to_owned(),
            SECRET.to_owned(),
        )])));
        Mock::given(matchers::method("GET"))
            .and(matchers::path("/sns/jscode2session"))
            .respond_with(Jscode2Session {
                apps: apps.clone(),
                seen: seen.clone(),
            })
            .mount(&server)
            .await;
        Mock::given(matchers::method("POST"))
            .and(matchers::path("/cgi-bin/stable_token"))
            .respond_with(StableToken {
                apps: apps.clone(),
                issued: tokens_issued.clone(),
            })
            .mount(&server)
            .await;
        Mock::given(matchers::method("POST"))
            .and(matchers::path("/cgi-bin/message/subscribe/send"))
            .respond_with(SubscribeSend {
                apps: apps.clone(),
                messages: messages.clone(),
                stall: stall.clone(),
            })
            .mount(&server)
            .await;
        Self {
            server,
            apps,
            stall,
            seen,
            messages,
            tokens_issued,
        }
    }

    /// Registers another mini-program with its secret.
    pub fn add_app(&self, appid: &str, secret: &str) {
        if let Ok(mut apps) = self.apps.lock() {
            apps.insert(appid.to_owned(), secret.to_owned());
        }
    }

    /// The next `n` subscription messages are received (and recorded) but
    /// answered only after two minutes: a sender stuck mid-call.
    pub fn stall_next_sends(&self, n: u32) {
        self.stall.store(n, Ordering::SeqCst);
    }

    /// The fake's base URL.
    pub fn uri(&self) -> String {
        self.server.uri()
    }

    /// Subscription messages received, in order.
    pub fn messages(&self) -> Vec<serde_json::Value> {
        self.messages.lock().map(|m| m.clone()).unwrap_or_default()
    }

    /// How many access tokens were issued.
    pub fn tokens_issued(&self) -> u32 {
        self.tokens_issued.lock().map(|n| *n).unwrap_or(0)
    }

    /// The login codes WeChat was asked about, in order.
    pub fn codes_seen(&self) -> Vec<String> {
        self.seen.lock().map(|s| s.clone()).unwrap_or_default()
    }
}
