//! A fake of the WeChat server API speaking `jscode2session` as documented:
//! `GET /sns/jscode2session?appid&secret&js_code&grant_type=authorization_code`,
//! answering JSON as `text/plain` with `openid`/`session_key`/`unionid` or
//! `errcode`/`errmsg`.
//!
//! Codes drive the answer: `ok:<openid>` succeeds, `err:<errcode>` returns
//! that errcode, `http:<status>` answers that HTTP status, `slow` never
//! answers in time. Wrong appid/secret/grant_type answer 40013/40125/40002,
//! as WeChat does.

use std::sync::{Arc, Mutex};

use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate, matchers};

/// The appid the fake expects.
pub const APPID: &str = "wx0123456789abcdef";
/// The secret the fake expects.
pub const SECRET: &str = "fake-mini-program-secret";

/// The running fake and the codes it has seen.
pub struct WechatFake {
    server: MockServer,
    seen: Arc<Mutex<Vec<String>>>,
}

struct Jscode2Session {
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
        if get("appid") != APPID {
            return errcode(40013, "invalid appid");
        }
        if get("secret") != SECRET {
            return errcode(40125, "invalid appsecret");
        }
        if get("grant_type") != "authorization_code" {
            return errcode(40002, "invalid grant_type");
        }
        let code = get("js_code").to_owned();
        if let Ok(mut seen) = self.seen.lock() {
            seen.push(code.clone());
        }
        if let Some(openid) = code.strip_prefix("ok:") {
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
        Mock::given(matchers::method("GET"))
            .and(matchers::path("/sns/jscode2session"))
            .respond_with(Jscode2Session { seen: seen.clone() })
            .mount(&server)
            .await;
        Self { server, seen }
    }

    /// The fake's base URL.
    pub fn uri(&self) -> String {
        self.server.uri()
    }

    /// The login codes WeChat was asked about, in order.
    pub fn codes_seen(&self) -> Vec<String> {
        self.seen.lock().map(|s| s.clone()).unwrap_or_default()
    }
}
