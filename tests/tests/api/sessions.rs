//! Refresh-token rotation, reuse detection, expiry and logout.

use chrono::Duration;
use serde_json::json;
use tests::{Backend, TestApp, both};

async fn refresh(app: &TestApp, token: &str) -> tests::Resp {
    app.post(
        "/api/v1/auth/refresh",
        json!({"refresh_token": token}),
        None,
    )
    .await
}

async fn each_refresh_rotates_the_token(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let login = app.demo_login("rider-li").await;
    let r0 = login["refresh_token"].as_str().unwrap().to_owned();

    let first = refresh(&app, &r0).await;
    assert_eq!(first.status, 200, "{}", first.text);
    let r1 = first.body["refresh_token"].as_str().unwrap().to_owned();
    assert_ne!(r0, r1);
    let access = first.body["access_token"].as_str().unwrap();
    let me = app.get("/api/v1/me", Some(access)).await;
    assert_eq!(me.status, 200);
    assert_eq!(me.body["roles"], json!(["resident", "rider"]));

    let second = refresh(&app, &r1).await;
    assert_eq!(second.status, 200);
}

async fn a_reused_refresh_token_revokes_the_session(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let login = app.demo_login("rider-li").await;
    let r0 = login["refresh_token"].as_str().unwrap().to_owned();
    let r1 = refresh(&app, &r0).await.body["refresh_token"]
        .as_str()
        .unwrap()
        .to_owned();

    // Someone replays the used token: refused, and the family dies with it.
    let replay = refresh(&app, &r0).await;
    assert_eq!(replay.status, 401);
    assert_eq!(replay.code(), "REFRESH_TOKEN_REUSED");
    let legit = refresh(&app, &r1).await;
    assert_eq!(legit.status, 401);
    assert_eq!(legit.code(), "REFRESH_TOKEN_INVALID");

    // Another session of the same user is untouched.
    let other = app.demo_login("rider-li").await;
    let ok = refresh(&app, other["refresh_token"].as_str().unwrap()).await;
    assert_eq!(ok.status, 200);
}

async fn concurrent_use_of_one_refresh_token_lets_at_most_one_win(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let login = app.demo_login("rider-zhao").await;
    let r0 = login["refresh_token"].as_str().unwrap().to_owned();
    let results = futures_util::future::join_all((0..8).map(|_| refresh(&app, &r0))).await;
    let winners: Vec<_> = results.iter().filter(|r| r.status == 200).collect();
    assert_eq!(winners.len(), 1, "exactly one refresh wins");
    for r in results.iter().filter(|r| r.status != 200) {
        assert_eq!(r.status, 401, "{}", r.text);
        assert!(
            ["REFRESH_TOKEN_REUSED", "REFRESH_TOKEN_INVALID"].contains(&r.code()),
            "{}",
            r.text
        );
    }
    // The replays revoked the session: the winner's new token is dead too.
    let next = winners[0].body["refresh_token"].as_str().unwrap();
    let r = refresh(&app, next).await;
    assert_eq!((r.status, r.code()), (401, "REFRESH_TOKEN_INVALID"));
}

async fn refresh_tokens_expire(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let login = app.demo_login("rider-li").await;
    let r0 = login["refresh_token"].as_str().unwrap().to_owned();
    app.clock.advance(Duration::days(31));
    let r = refresh(&app, &r0).await;
    assert_eq!(r.status, 401);
    assert_eq!(r.code(), "REFRESH_TOKEN_EXPIRED");
}

async fn logout_ends_the_session(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let login = app.demo_login("huaqiao").await;
    let r0 = login["refresh_token"].as_str().unwrap().to_owned();
    let out = app
        .post("/api/v1/auth/logout", json!({"refresh_token": r0}), None)
        .await;
    assert_eq!(out.status, 204);
    let r = refresh(&app, &r0).await;
    assert_eq!(r.status, 401);
    assert_eq!(r.code(), "REFRESH_TOKEN_INVALID");
    // Unknown tokens log out silently too.
    let unknown = app
        .post(
            "/api/v1/auth/logout",
            json!({"refresh_token": "nope"}),
            None,
        )
        .await;
    assert_eq!(unknown.status, 204);
    let unknown = refresh(&app, "nope").await;
    assert_eq!(unknown.code(), "REFRESH_TOKEN_INVALID");
}

/// A logout ends the session's access tokens at once, not when they expire;
/// so does a detected refresh-token reuse. Other sessions are untouched.
async fn a_closed_session_ends_its_access_tokens_at_once(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let login = app.demo_login("zhang").await;
    let access = login["access_token"].as_str().unwrap().to_owned();
    let r0 = login["refresh_token"].as_str().unwrap().to_owned();
    assert_eq!(app.get("/api/v1/me", Some(&access)).await.status, 200);
    let other = app.demo_login("zhang").await;
    let other_access = other["access_token"].as_str().unwrap().to_owned();

    let out = app
        .post("/api/v1/auth/logout", json!({"refresh_token": r0}), None)
        .await;
    assert_eq!(out.status, 204, "{}", out.text);
    let me = app.get("/api/v1/me", Some(&access)).await;
    assert_eq!(
        (me.status, me.code()),
        (401, "SESSION_ENDED"),
        "{}",
        me.text
    );
    assert_eq!(app.get("/api/v1/me", Some(&other_access)).await.status, 200);

    // A stolen refresh token used twice revokes the session and its tokens.
    let o0 = other["refresh_token"].as_str().unwrap().to_owned();
    let next = refresh(&app, &o0).await;
    let next_access = next.body["access_token"].as_str().unwrap().to_owned();
    assert_eq!(app.get("/api/v1/me", Some(&next_access)).await.status, 200);
    assert_eq!(refresh(&app, &o0).await.code(), "REFRESH_TOKEN_REUSED");
    for token in [&other_access, &next_access] {
        let me = app.get("/api/v1/me", Some(token)).await;
        assert_eq!(
            (me.status, me.code()),
            (401, "SESSION_ENDED"),
            "{}",
            me.text
        );
    }
}

both!(
    each_refresh_rotates_the_token,
    a_reused_refresh_token_revokes_the_session,
    concurrent_use_of_one_refresh_token_lets_at_most_one_win,
    refresh_tokens_expire,
    logout_ends_the_session,
    a_closed_session_ends_its_access_tokens_at_once,
);
