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

async fn unknown_usernames_lock_like_known_ones(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    for username in ["kang-admin", "no-such-operator"] {
        let mut last = None;
        for _ in 0..6 {
            let r = app
                .post(
                    "/api/v1/auth/password-login",
                    json!({"username": username, "password": "wrong"}),
                    None,
                )
                .await;
            last = Some((r.status, r.code().to_owned()));
        }
        assert_eq!(last, Some((429, "LOGIN_LOCKED".to_owned())), "{username}");
    }
}

async fn a_burst_of_parallel_guesses_gets_no_more_than_the_limit(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let guesses = (0..20).map(|i| {
        app.post(
            "/api/v1/auth/password-login",
            json!({"username": "kang-admin", "password": format!("guess-{i}")}),
            None,
        )
    });
    let results = futures_util::future::join_all(guesses).await;
    let checked = results.iter().filter(|r| r.status == 401).count();
    let locked = results.iter().filter(|r| r.status == 429).count();
    assert_eq!(checked + locked, 20);
    assert!(
        checked <= 5,
        "{checked} passwords were checked past the limit of 5"
    );
}

both!(
    unknown_usernames_lock_like_known_ones,
    a_burst_of_parallel_guesses_gets_no_more_than_the_limit,
    the_operator_signs_in_with_a_password,
    wrong_passwords_and_unknown_users_look_the_same,
    repeated_failures_lock_the_account_for_a_while,
);
