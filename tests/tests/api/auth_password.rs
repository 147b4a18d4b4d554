//! Operator password login, with backoff after repeated failures.

use chrono::Duration;
use serde_json::json;
use tests::{Backend, TestApp, both};

async fn the_operator_signs_in_with_a_password(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let login = app.operator_login().await;
    assert_eq!(login["user"]["roles"], json!(["operator"]));
    let token = login["access_token"].as_str().unwrap();
    let overview = app.get("/api/v1/admin/platform", Some(token)).await;
    assert_eq!(overview.status, 200, "{}", overview.text);
    assert_eq!(overview.body["code"], "kang");
    assert_eq!(overview.body["communities"], 4);
    assert_eq!(overview.body["villages"], 6);
    assert_eq!(overview.body["agent_points"], 6);
    assert_eq!(overview.body["merchants"], 3);
}

async fn wrong_passwords_and_unknown_users_look_the_same(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let wrong = app
        .post(
            "/api/v1/auth/password-login",
            json!({"username": "kang-admin", "password": "not-it"}),
            None,
        )
        .await;
    let unknown = app
        .post(
            "/api/v1/auth/password-login",
            json!({"username": "nobody", "password": "not-it"}),
            None,
        )
        .await;
    for r in [&wrong, &unknown] {
        assert_eq!(r.status, 401);
        assert_eq!(r.code(), "INVALID_CREDENTIALS");
        assert_eq!(r.body["message"], wrong.body["message"]);
    }
    let missing = app
        .post(
            "/api/v1/auth/password-login",
            json!({"username": "kang-admin"}),
            None,
        )
        .await;
    assert_eq!(missing.status, 422);
    assert_eq!(missing.body["errors"][0]["field"], "password");
}

async fn repeated_failures_lock_the_account_for_a_while(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let password = app
        .seed
        .as_ref()
        .unwrap()
        .operator_password
        .clone()
        .unwrap();
    let attempt = |pw: String| {
        let app = &app;
        async move {
            app.post(
                "/api/v1/auth/password-login",
                json!({"username": "kang-admin", "password": pw}),
                None,
            )
            .await
        }
    };
    for _ in 0..5 {
        assert_eq!(attempt("wrong".into()).await.status, 401);
    }
    // Locked now: even the right password is refused, with Retry-After.
    let locked = attempt(password.clone()).await;
    assert_eq!(locked.status, 429, "{}", locked.text);
    assert_eq!(locked.code(), "LOGIN_LOCKED");
    let retry: i64 = locked.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=60).contains(&retry), "{retry}");

    // After the lock, one more failure locks for twice as long.
    app.clock.advance(Duration::seconds(61));
    assert_eq!(attempt("wrong".into()).await.status, 401);
    let locked = attempt(password.clone()).await;
    assert_eq!(locked.status, 429);
    let retry: i64 = locked.header("retry-after").unwrap().parse().unwrap();
    assert!((61..=120).contains(&retry), "{retry}");

    // After that lock, the right password works and resets the count.
    app.clock.advance(Duration::seconds(121));
    assert_eq!(attempt(password.clone()).await.status, 200);
    for _ in 0..4 {
        assert_eq!(attempt("wrong".into()).await.status, 401);
    }
    assert_eq!(attempt(password).await.status, 200);
}

both!(
    the_operator_signs_in_with_a_password,
    wrong_passwords_and_unknown_users_look_the_same,
    repeated_failures_lock_the_account_for_a_while,
);
