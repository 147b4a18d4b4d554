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

/// Operator, kitchen, driver and keeper endpoints refuse a resident
/// before they read anything.
async fn role_endpoints_refuse_a_resident(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let me = app.demo_token("zhang").await;
    let get = [
        ("/api/v1/admin/riders", "FORBIDDEN"),
        ("/api/v1/admin/dispatch", "FORBIDDEN"),
        ("/api/v1/admin/dispatch/jobs/1/track", "FORBIDDEN"),
        ("/api/v1/admin/ledger/trial-balance", "FORBIDDEN"),
        (
            "/api/v1/admin/ledger/revenue?from=2026-11-01&to=2026-11-30",
            "FORBIDDEN",
        ),
        ("/api/v1/admin/commission-rules", "FORBIDDEN"),
        ("/api/v1/admin/settlements", "FORBIDDEN"),
        ("/api/v1/admin/reconciliation/2026-11-23", "FORBIDDEN"),
        ("/api/v1/admin/payouts", "FORBIDDEN"),
        ("/api/v1/admin/carriers", "FORBIDDEN"),
        ("/api/v1/admin/vehicles", "FORBIDDEN"),
        ("/api/v1/admin/trips", "FORBIDDEN"),
        ("/api/v1/admin/cold-alerts", "FORBIDDEN"),
        ("/api/v1/admin/cold-alerts/stream", "FORBIDDEN"),
        ("/api/v1/admin/cold-chain/policies", "FORBIDDEN"),
        ("/api/v1/admin/cold-settlements", "FORBIDDEN"),
        ("/api/v1/admin/trips/1/cold-chain", "FORBIDDEN"),
        ("/api/v1/admin/village/uncollected", "FORBIDDEN"),
        ("/api/v1/admin/carriers/1/account", "FORBIDDEN"),
        ("/api/v1/carrier/account", "FORBIDDEN"),
        ("/api/v1/admin/suppliers", "FORBIDDEN"),
        (
            "/api/v1/admin/reports/households?from=2026-11-01&to=2026-11-30",
            "FORBIDDEN",
        ),
        (
            "/api/v1/admin/stats?from=2026-11-01&to=2026-11-30",
            "FORBIDDEN",
        ),
        (
            "/api/v1/bureau/stats?from=2026-11-01&to=2026-11-30",
            "FORBIDDEN",
        ),
        ("/api/v1/merchant/suppliers", "NOT_STORE_STAFF"),
        ("/api/v1/merchant/purchases", "NOT_STORE_STAFF"),
        ("/api/v1/merchant/staff", "NOT_STORE_STAFF"),
        ("/api/v1/merchant/batches", "NOT_STORE_STAFF"),
        ("/api/v1/merchant/batches/1/label.png", "NOT_STORE_STAFF"),
        ("/api/v1/merchant/products/1/ingredients", "NOT_STORE_STAFF"),
        ("/api/v1/carrier/payouts", "FORBIDDEN"),
        ("/api/v1/driver/trips", "FORBIDDEN"),
        ("/api/v1/driver/trips/1/alerts", "FORBIDDEN"),
        ("/api/v1/merchant/account", "NOT_STORE_STAFF"),
        ("/api/v1/merchant/payouts", "NOT_STORE_STAFF"),
        ("/api/v1/merchant/trips/1/labels", "NOT_STORE_STAFF"),
    ];
    for (path, code) in get {
        let r = app.get(path, Some(&me)).await;
        assert_shape(&r, 403, code);
    }
    let post = [
        (
            "/api/v1/admin/riders/1/review",
            json!({"approve": true}),
            "FORBIDDEN",
        ),
        (
            "/api/v1/admin/dispatch/jobs/1/assign",
            json!({"rider_id": 1}),
            "FORBIDDEN",
        ),
        (
            "/api/v1/admin/dispatch/jobs/1/resolve",
            json!({"delivered": true}),
            "FORBIDDEN",
        ),
        (
            "/api/v1/admin/commission-rules",
            json!({"category": "*", "rate_bp": 0, "effective_from": "2030-01-01T00:00:00Z"}),
            "FORBIDDEN",
        ),
        (
            "/api/v1/admin/settlements",
            json!({"date": "2026-11-01"}),
            "FORBIDDEN",
        ),
        (
            "/api/v1/admin/reconciliation/2026-11-23/fetch",
            json!({}),
            "FORBIDDEN",
        ),
        (
            "/api/v1/admin/payouts/1/review",
            json!({"approve": true}),
            "FORBIDDEN",
        ),
        (
            "/api/v1/admin/carriers",
            json!({"name": "x", "contact_phone": "13900000000"}),
            "FORBIDDEN",
        ),
        (
            "/api/v1/admin/vehicles",
            json!({"carrier_id": 1, "plate": "x", "capacity_g": 1000, "capacity_ml": 1000}),
            "FORBIDDEN",
        ),
        (
            "/api/v1/admin/drivers",
            json!({"carrier_id": 1, "user_id": 1, "name": "x", "phone": "13900000000"}),
            "FORBIDDEN",
        ),
        (
            "/api/v1/admin/agent-points/1/keepers",
            json!({"user_id": 1}),
            "FORBIDDEN",
        ),
        (
            "/api/v1/admin/cold-chain/policies",
            json!({"class": "frozen", "rule": {"low_c": -60.0, "high_c": -18.0, "tolerated_low_c": -60.0,
                   "tolerated_high_c": -15.0, "max_excursion_secs": 900, "max_gap_secs": 600},
                   "carrier_fee_fen": 0, "penalty_fen": 0, "compensation_bp": 0}),
            "FORBIDDEN",
        ),
        (
            "/api/v1/admin/village/uncollected/1/return",
            json!({"reason": "x"}),
            "FORBIDDEN",
        ),
        (
            "/api/v1/admin/village/packages/1/unlock",
            json!({}),
            "FORBIDDEN",
        ),
        (
            "/api/v1/carrier/payouts",
            json!({"amount_fen": 100}),
            "FORBIDDEN",
        ),
        ("/api/v1/driver/trips/1/depart", json!({}), "FORBIDDEN"),
        ("/api/v1/driver/trips/1/complete", json!({}), "FORBIDDEN"),
        (
            "/api/v1/driver/trips/1/stops/1/arrive",
            json!({"lat": 33.3, "lng": 105.6}),
            "FORBIDDEN",
        ),
        (
            "/api/v1/driver/trips/1/temperatures",
            json!({"readings": []}),
            "FORBIDDEN",
        ),
        (
            "/api/v1/keeper/trips/1/stops/1/handover",
            json!({"codes": []}),
            "FORBIDDEN",
        ),
        (
            "/api/v1/keeper/orders/1/collect",
            json!({"code": "1"}),
            "FORBIDDEN",
        ),
        (
            "/api/v1/merchant/payouts",
            json!({"amount_fen": 100}),
            "NOT_STORE_STAFF",
        ),
        (
            "/api/v1/merchant/trips/1/stops/1/handover",
            json!({}),
            "NOT_STORE_STAFF",
        ),
    ];
    for (path, body, code) in post {
        let r = app.post(path, body, Some(&me)).await;
        assert_shape(&r, 403, code);
    }
    let put = app
        .send_json(
            reqwest::Method::PUT,
            "/api/v1/admin/dispatch/settings",
            Some(json!({"mode": "auto", "hybrid_wait_secs": 0, "rider_max_jobs": 3,
                        "offer_timeout_secs": 30, "unassigned_alert_secs": 120, "pickup_geofence_m": 200})),
            Some(&me),
        )
        .await;
    assert_shape(&put, 403, "FORBIDDEN");
    for (path, body, code) in [
        (
            "/api/v1/merchant/staff/1/household",
            json!({"household_id": null}),
            "NOT_STORE_STAFF",
        ),
        (
            "/api/v1/merchant/products/1/ingredients",
            json!([]),
            "NOT_STORE_STAFF",
        ),
        (
            "/api/v1/admin/riders/1/household",
            json!({"household_id": null}),
            "FORBIDDEN",
        ),
    ] {
        let r = app
            .send_json(reqwest::Method::PUT, path, Some(body), Some(&me))
            .await;
        assert_shape(&r, 403, code);
    }
    let put = app
        .send_json(
            reqwest::Method::PUT,
            "/api/v1/admin/village/settings",
            Some(json!({"collect_within_days": 5})),
            Some(&me),
        )
        .await;
    assert_shape(&put, 403, "FORBIDDEN");
    // A resident who is not a rider has no rider record to act with.
    let r = app
        .post("/api/v1/rider/duty", json!({"on": true}), Some(&me))
        .await;
    assert_shape(&r, 404, "NOT_FOUND");
}

/// A NUL character (U+0000) anywhere a client can put one is refused with
/// the field that holds it, and nothing is stored; on PostgreSQL it used to
/// answer 500, since PostgreSQL cannot store it in text.
async fn a_nul_character_is_refused_with_its_field(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let field_of = |r: &tests::Resp| r.body["errors"][0]["field"].as_str().map(str::to_owned);
    let r = app
        .post(
            "/api/v1/auth/password-login",
            json!({"username": "a\u{0}b", "password": "x"}),
            None,
        )
        .await;
    assert_shape(&r, 422, "VALIDATION_FAILED");
    assert_eq!(field_of(&r).as_deref(), Some("username"), "{}", r.text);
    let r = app.get("/api/v1/trace/%00", None).await;
    assert_shape(&r, 422, "VALIDATION_FAILED");
    assert_eq!(field_of(&r).as_deref(), Some("path"), "{}", r.text);
    let resident = app.demo_token("nul-tester").await;
    let r = app.get("/api/v1/orders?status=%00", Some(&resident)).await;
    assert_shape(&r, 422, "VALIDATION_FAILED");
    assert_eq!(field_of(&r).as_deref(), Some("status"), "{}", r.text);
    let before = app.count("addresses").await;
    let r = app
        .post(
            "/api/v1/addresses",
            json!({"contact_name": "张三", "contact_phone": "13800000001",
                   "detail": "东关社区\u{0}3 号楼", "location": {"lat": 33.3320, "lng": 105.6140}}),
            Some(&resident),
        )
        .await;
    assert_shape(&r, 422, "VALIDATION_FAILED");
    assert_eq!(field_of(&r).as_deref(), Some("detail"), "{}", r.text);
    assert_eq!(app.count("addresses").await, before);
    // A form field reaches the database unchecked: still a 4xx, never a 500.
    let r = app
        .send(
            app.client
                .post(format!("{}/console/login", app.address))
                .header("cookie", "tc_login=nul-test-token")
                .header("content-type", "application/x-www-form-urlencoded")
                .body("csrf=nul-test-token&username=kang%00admin&password=whatever-password"),
        )
        .await;
    assert!((400..500).contains(&r.status), "{} {}", r.status, r.text);
}

/// A status filter that names no status is refused, not answered with an
/// empty list that looks like "nothing there".
async fn an_unknown_status_filter_is_refused(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let resident = app.demo_token("zhang").await;
    let op = app.operator_token().await;
    // Outside the documented enum: a malformed query.
    assert_shape(
        &app.get("/api/v1/orders?status=delivered-ish", Some(&resident))
            .await,
        400,
        "BAD_REQUEST",
    );
    assert_shape(
        &app.get("/api/v1/admin/payouts?status=nope", Some(&op))
            .await,
        400,
        "BAD_REQUEST",
    );
    // The review queues take any text and name the field.
    for path in [
        "/api/v1/admin/merchant-applications?status=nope",
        "/api/v1/admin/products?status=nope",
    ] {
        let r = app.get(path, Some(&op)).await;
        assert_shape(&r, 422, "VALIDATION_FAILED");
        assert_eq!(r.body["errors"][0]["field"], "status", "{}", r.text);
    }
    // Known ones still filter.
    let ok = app.get("/api/v1/orders?status=paid", Some(&resident)).await;
    assert_eq!(ok.status, 200, "{}", ok.text);
}

both!(
    bad_requests_get_the_standard_error_body,
    a_callers_request_id_is_kept,
    role_endpoints_refuse_a_resident,
    a_nul_character_is_refused_with_its_field,
    an_unknown_status_filter_is_refused,
);
