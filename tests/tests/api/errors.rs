//! Every failure has the same shape: `{code, message, request_id}`.

use serde_json::json;
use tests::{Backend, TestApp, both};

fn assert_shape(r: &tests::Resp, status: u16, code: &str) {
    assert_eq!(r.status, status, "{}", r.text);
    assert_eq!(r.code(), code, "{}", r.text);
    assert!(r.body["message"].as_str().is_some_and(|m| !m.is_empty()));
    let id = r.body["request_id"].as_str().expect("request_id");
    assert_eq!(
        Some(id),
        r.header("x-request-id"),
        "body and header ids differ"
    );
    assert!(
        r.header("content-type")
            .is_some_and(|c| c.starts_with("application/json"))
    );
}

async fn bad_requests_get_the_standard_error_body(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let url = |p: &str| format!("{}{p}", app.address);

    let unknown = app.get("/api/v1/no-such-thing", None).await;
    assert_shape(&unknown, 404, "NOT_FOUND");

    let wrong_method = app.get("/api/v1/auth/refresh", None).await;
    assert_shape(&wrong_method, 405, "METHOD_NOT_ALLOWED");

    let broken = app
        .send(
            app.client
                .post(url("/api/v1/auth/wechat-login"))
                .header("content-type", "application/json")
                .body("{\"code\": "),
        )
        .await;
    assert_shape(&broken, 400, "MALFORMED_JSON");

    let wrong_type = app
        .send(
            app.client
                .post(url("/api/v1/auth/wechat-login"))
                .header("content-type", "text/plain")
                .body("{\"code\": \"demo:x\"}"),
        )
        .await;
    assert_shape(&wrong_type, 415, "UNSUPPORTED_MEDIA_TYPE");

    let missing = app
        .post(
            "/api/v1/auth/wechat-login",
            json!({"platform": "kang"}),
            None,
        )
        .await;
    assert_shape(&missing, 422, "VALIDATION_FAILED");
    assert_eq!(missing.body["errors"][0]["field"], "code");

    let wrong_field_type = app
        .post("/api/v1/auth/wechat-login", json!({"code": 42}), None)
        .await;
    assert_shape(&wrong_field_type, 422, "VALIDATION_FAILED");
    assert_eq!(wrong_field_type.body["errors"][0]["field"], "code");
    let nested = app
        .post("/api/v1/addresses", json!({"contact_name": "x", "contact_phone": "13800000000", "location": {"lat": "north", "lng": 105.6}}), Some(&app.demo_token("x").await))
        .await;
    assert_shape(&nested, 422, "VALIDATION_FAILED");
    assert_eq!(nested.body["errors"][0]["field"], "location.lat");

    let huge = "x".repeat(app.settings.http.json_limit_bytes + 1);
    let oversize = app
        .post("/api/v1/auth/wechat-login", json!({"code": huge}), None)
        .await;
    assert_shape(&oversize, 413, "PAYLOAD_TOO_LARGE");
}

async fn a_callers_request_id_is_kept(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let r = app
        .send(
            app.client
                .get(format!("{}/api/v1/me", app.address))
                .header("x-request-id", "mini-program-42"),
        )
        .await;
    assert_shape(&r, 401, "UNAUTHENTICATED");
    assert_eq!(r.body["request_id"], "mini-program-42");
    // Ids that could smuggle log lines are replaced.
    let r = app
        .send(
            app.client
                .get(format!("{}/api/v1/me", app.address))
                .header("x-request-id", "a b\tc"),
        )
        .await;
    assert_ne!(r.body["request_id"], "a b\tc");
    assert_eq!(r.body["request_id"].as_str().unwrap().len(), 24);
}

both!(
    bad_requests_get_the_standard_error_body,
    a_callers_request_id_is_kept
);
