//! Rate limits on the paths worth abusing: logins and trace look-ups per
//! client address, orders and grabs per user, each county with its own.

use entity::runtime::settings::{RateLimitOverrides, RateLimitSettings};
use serde_json::json;
use tests::{Backend, Options, Resp, TestApp, both};

fn assert_limited(r: &Resp) {
    assert_eq!((r.status, r.code()), (429, "RATE_LIMITED"), "{}", r.text);
    let secs: u64 = r
        .header("retry-after")
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no Retry-After: {:?}", r.headers));
    assert!((1..=60).contains(&secs), "Retry-After {secs}");
}

async fn each_path_worth_abusing_answers_429_past_its_limit(backend: Backend) {
    let mut limits = RateLimitSettings {
        login_per_minute: 4,
        order_per_minute: 1,
        grab_per_minute: 2,
        trace_per_minute: 3,
        ..Default::default()
    };
    // The demo county (kang) allows two orders a minute, not one.
    limits.platforms.insert(
        "kang".into(),
        RateLimitOverrides {
            order_per_minute: Some(2),
            ..Default::default()
        },
    );
    let app = TestApp::spawn_with(
        backend,
        Options {
            rate_limits: Some(limits),
            ..Options::default()
        },
    )
    .await;

    // Logins per address: four, then 429, whoever signs in.
    let mut tokens = Vec::new();
    for name in ["zhang", "li", "rider-wang"] {
        tokens.push(app.demo_token(name).await);
    }
    let wrong = app
        .post(
            "/api/v1/auth/password-login",
            json!({"username": "kang-admin", "password": "not-it"}),
            None,
        )
        .await;
    assert_eq!(wrong.status, 401, "{}", wrong.text);
    let limited = app
        .post(
            "/api/v1/auth/wechat-login",
            json!({"code": "demo:wu"}),
            None,
        )
        .await;
    assert_limited(&limited);
    let limited = app
        .post(
            "/api/v1/auth/password-login",
            json!({"username": "kang-admin", "password": "not-it"}),
            None,
        )
        .await;
    assert_limited(&limited);

    // Orders per user, by the county's own limit: two, then 429; another
    // resident is not held back. (The limit counts attempts, valid or not.)
    let (zhang, li, wang) = (&tokens[0], &tokens[1], &tokens[2]);
    let order = json!({"store_id": 1, "address_id": 1, "items": []});
    for _ in 0..2 {
        let r = app.post("/api/v1/orders", order.clone(), Some(zhang)).await;
        assert_ne!(r.status, 429, "{}", r.text);
    }
    assert_limited(&app.post("/api/v1/orders", order.clone(), Some(zhang)).await);
    let r = app.post("/api/v1/orders", order.clone(), Some(li)).await;
    assert_ne!(r.status, 429, "{}", r.text);

    // Grabs per rider: two, then 429.
    for _ in 0..2 {
        let r = app
            .post("/api/v1/rider/jobs/999999/grab", json!({}), Some(wang))
            .await;
        assert_ne!(r.status, 429, "{}", r.text);
    }
    assert_limited(
        &app.post("/api/v1/rider/jobs/999999/grab", json!({}), Some(wang))
            .await,
    );

    // Trace look-ups per address: three, then 429, signed in or not.
    for _ in 0..3 {
        let r = app.get("/api/v1/trace/NO-SUCH-CODE", None).await;
        assert_eq!(r.status, 404, "{}", r.text);
    }
    assert_limited(&app.get("/api/v1/trace/NO-SUCH-CODE", Some(zhang)).await);
}

both!(each_path_worth_abusing_answers_429_past_its_limit);
