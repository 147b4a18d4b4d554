//! Access tokens: roles, tampering, `alg: none`, expiry.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::Duration;
use serde_json::json;
use tests::{Backend, TestApp, both};

async fn a_resident_cannot_call_an_operator_path(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    for who in ["rider-wang", "huaqiao"] {
        let token = app.demo_token(who).await;
        let r = app.get("/api/v1/admin/platform", Some(&token)).await;
        assert_eq!(r.status, 403, "{who}");
        assert_eq!(r.code(), "FORBIDDEN");
    }
    let anonymous = app.get("/api/v1/admin/platform", None).await;
    assert_eq!(anonymous.status, 401);
    assert_eq!(anonymous.code(), "UNAUTHENTICATED");
}

fn forge(claims: serde_json::Value, alg: &str, secret: Option<&[u8]>) -> String {
    match secret {
        Some(key) => jsonwebtoken::encode(
            &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
            &claims,
            &jsonwebtoken::EncodingKey::from_secret(key),
        )
        .unwrap(),
        None => {
            let header = URL_SAFE_NO_PAD.encode(json!({"alg": alg, "typ": "JWT"}).to_string());
            let payload = URL_SAFE_NO_PAD.encode(claims.to_string());
            format!("{header}.{payload}.")
        }
    }
}

async fn tampered_and_foreign_tokens_are_refused(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let token = app.demo_token("rider-wang").await;
    let parts: Vec<&str> = token.split('.').collect();
    let mut claims: serde_json::Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).unwrap()).unwrap();

    // Promote ourselves to operator, keep the old signature.
    claims["roles"] = json!(["operator"]);
    let promoted = format!(
        "{}.{}.{}",
        parts[0],
        URL_SAFE_NO_PAD.encode(claims.to_string()),
        parts[2]
    );
    // The same claims under `alg: none`, and signed with another key.
    let none = forge(claims.clone(), "none", None);
    let foreign = forge(
        claims.clone(),
        "HS256",
        Some(b"someone-else's-secret-of-32-bytes!"),
    );
    for (what, bad) in [
        ("promoted", promoted),
        ("alg none", none),
        ("foreign key", foreign),
        ("garbage", "not.a.token".to_owned()),
    ] {
        let r = app.get("/api/v1/admin/platform", Some(&bad)).await;
        assert_eq!(r.status, 401, "{what}: {}", r.text);
        assert_eq!(r.code(), "TOKEN_INVALID", "{what}");
    }
    // The real secret with forged claims would pass: the check is the key.
    let genuine = forge(
        claims,
        "HS256",
        Some(tests::app::TEST_JWT_SECRET.as_bytes()),
    );
    assert_eq!(
        app.get("/api/v1/admin/platform", Some(&genuine))
            .await
            .status,
        200
    );

    let basic = app
        .send(
            app.client
                .get(format!("{}/api/v1/me", app.address))
                .header("authorization", "Basic dXNlcjpwYXNz"),
        )
        .await;
    assert_eq!(basic.status, 401);
    assert_eq!(basic.code(), "TOKEN_INVALID");
}

async fn access_tokens_expire_after_fifteen_minutes(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let token = app.demo_token("rider-wang").await;
    app.clock.advance(Duration::minutes(14));
    assert_eq!(app.get("/api/v1/me", Some(&token)).await.status, 200);
    app.clock.advance(Duration::minutes(2));
    let r = app.get("/api/v1/me", Some(&token)).await;
    assert_eq!(r.status, 401);
    assert_eq!(r.code(), "TOKEN_EXPIRED");
}

both!(
    a_resident_cannot_call_an_operator_path,
    tampered_and_foreign_tokens_are_refused,
    access_tokens_expire_after_fifteen_minutes,
);
