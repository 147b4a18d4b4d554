//! WeChat mini-program login against a fake WeChat server.

use serde_json::json;
use tests::{Backend, Options, TestApp, both};

fn wechat() -> Options {
    Options {
        demo: false,
        wechat: true,
        seed: true,
        wechatpay: false,
        rate_limits: None,
    }
}

async fn a_resident_signs_in_with_wechat_and_stays_the_same_user(backend: Backend) {
    let app = TestApp::spawn_with(backend, wechat()).await;
    let first = app
        .post(
            "/api/v1/auth/wechat-login",
            json!({"code": "ok:o-resident-1"}),
            None,
        )
        .await;
    assert_eq!(first.status, 200, "{}", first.text);
    assert_eq!(first.body["token_type"], "Bearer");
    assert_eq!(first.body["expires_in"], 900);
    assert_eq!(first.body["user"]["roles"], json!(["resident"]));
    assert!(first.body["refresh_token"].as_str().unwrap().len() >= 40);

    let again = app
        .post(
            "/api/v1/auth/wechat-login",
            json!({"code": "ok:o-resident-1", "platform": "kang"}),
            None,
        )
        .await;
    assert_eq!(again.status, 200);
    assert_eq!(again.body["user"]["id"], first.body["user"]["id"]);

    let other = app
        .post(
            "/api/v1/auth/wechat-login",
            json!({"code": "ok:o-resident-2"}),
            None,
        )
        .await;
    assert_ne!(other.body["user"]["id"], first.body["user"]["id"]);

    let token = first.body["access_token"].as_str().unwrap();
    let me = app.get("/api/v1/me", Some(token)).await;
    assert_eq!(me.status, 200);
    assert_eq!(me.body["platform"]["code"], "kang");
    assert_eq!(me.body["roles"], json!(["resident"]));

    let fake = app.wechat.as_ref().unwrap();
    assert_eq!(
        fake.codes_seen(),
        vec!["ok:o-resident-1", "ok:o-resident-1", "ok:o-resident-2"]
    );
}

async fn wechat_error_codes_become_clear_errors(backend: Backend) {
    let app = TestApp::spawn_with(backend, wechat()).await;
    let cases = [
        ("err:40029", 401, "WECHAT_CODE_INVALID"),
        ("err:40163", 401, "WECHAT_CODE_INVALID"),
        ("err:45011", 429, "WECHAT_RATE_LIMITED"),
        ("err:40226", 403, "WECHAT_USER_BLOCKED"),
        ("err:-1", 503, "WECHAT_UNAVAILABLE"),
        ("http:500", 503, "WECHAT_UNAVAILABLE"),
        ("err:40001", 502, "WECHAT_ERROR"),
        ("never-issued", 401, "WECHAT_CODE_INVALID"),
    ];
    for (code, status, expected) in cases {
        let r = app
            .post("/api/v1/auth/wechat-login", json!({"code": code}), None)
            .await;
        assert_eq!(r.status, status, "{code}: {}", r.text);
        assert_eq!(r.code(), expected, "{code}");
        assert!(
            !r.text.contains(tests::wechat_fake::SECRET),
            "secret leaked"
        );
    }
    // A user refused by WeChat is not created.
    let users = app.count("users").await;
    let seeded = 8; // seven demo WeChat users and the operator
    assert_eq!(users, seeded);
}

async fn wechat_down_or_slow_is_503(backend: Backend) {
    let mut app = TestApp::spawn_with(backend, wechat()).await;
    let slow = app
        .post("/api/v1/auth/wechat-login", json!({"code": "slow"}), None)
        .await;
    assert_eq!(slow.status, 503, "{}", slow.text);
    assert_eq!(slow.code(), "WECHAT_UNAVAILABLE");
    assert!(slow.header("retry-after").is_some());
    // Stop the fake: connection refused.
    drop(app.wechat.take());
    let down = app
        .post("/api/v1/auth/wechat-login", json!({"code": "ok:o-1"}), None)
        .await;
    assert_eq!(down.status, 503, "{}", down.text);
    assert_eq!(down.code(), "WECHAT_UNAVAILABLE");
}

async fn demo_codes_work_only_in_demo_mode(backend: Backend) {
    // Demo mode without WeChat credentials: demo codes sign in.
    let demo = TestApp::spawn(backend).await;
    let r = demo.demo_login("rider-wang").await;
    assert_eq!(r["user"]["roles"], json!(["resident", "rider"]));
    let plain = demo
        .post("/api/v1/auth/wechat-login", json!({"code": "081xyz"}), None)
        .await;
    assert_eq!(plain.status, 422);
    assert_eq!(plain.body["errors"][0]["field"], "code");

    // With WeChat configured, a demo code is just a code WeChat never issued.
    let real = TestApp::spawn_with(backend, wechat()).await;
    let r = real
        .post(
            "/api/v1/auth/wechat-login",
            json!({"code": "demo:rider-wang"}),
            None,
        )
        .await;
    assert_eq!(r.status, 401);
    assert_eq!(r.code(), "WECHAT_CODE_INVALID");
    assert_eq!(
        real.wechat.as_ref().unwrap().codes_seen(),
        vec!["demo:rider-wang"]
    );

    // Neither demo nor WeChat: login is not configured.
    let none = TestApp::spawn_with(
        backend,
        Options {
            demo: false,
            wechat: false,
            seed: true,
            wechatpay: false,
            rate_limits: None,
        },
    )
    .await;
    let r = none
        .post(
            "/api/v1/auth/wechat-login",
            json!({"code": "demo:rider-wang"}),
            None,
        )
        .await;
    assert_eq!(r.status, 503);
    assert_eq!(r.code(), "WECHAT_LOGIN_NOT_CONFIGURED");
}

async fn login_names_an_existing_platform(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let r = app
        .post(
            "/api/v1/auth/wechat-login",
            json!({"code": "demo:someone", "platform": "nowhere"}),
            None,
        )
        .await;
    assert_eq!(r.status, 404);
    assert_eq!(r.code(), "PLATFORM_NOT_FOUND");
    let empty = app
        .post("/api/v1/auth/wechat-login", json!({"code": "  "}), None)
        .await;
    assert_eq!(empty.status, 422);
    assert_eq!(empty.body["errors"][0]["field"], "code");
}

both!(
    a_resident_signs_in_with_wechat_and_stays_the_same_user,
    wechat_error_codes_become_clear_errors,
    wechat_down_or_slow_is_503,
    demo_codes_work_only_in_demo_mode,
    login_names_an_existing_platform,
);
