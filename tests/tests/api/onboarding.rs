//! Merchant onboarding: apply, review, store live.

use serde_json::{Value, json};
use tests::app::second_platform_operator;
use tests::{Backend, TestApp, both};

fn application() -> Value {
    json!({
        "business_name": "阳坝茶农小店",
        "category": "produce",
        "licence_no": "92621226MA74T6UW7X",
        "food_permit_no": "JY16212260004321",
        "contact_name": "李春梅",
        "contact_phone": "13909391004",
        "address": "康县城关镇北街 3 号",
        "location": {"lat": 33.3330, "lng": 105.6100},
        "delivery_modes": "both"
    })
}

async fn refresh_access(app: &TestApp, login: &Value) -> String {
    let r = app
        .post(
            "/api/v1/auth/refresh",
            json!({"refresh_token": login["refresh_token"]}),
            None,
        )
        .await;
    r.body["access_token"].as_str().unwrap().to_owned()
}

async fn a_shop_applies_is_approved_and_its_store_goes_live(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let login = app.demo_login("chanong").await;
    let token = login["access_token"].as_str().unwrap().to_owned();
    let r = app
        .post("/api/v1/merchant/applications", application(), Some(&token))
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.body["status"], "pending");
    let id = r.body["id"].as_i64().unwrap();
    let again = app
        .post("/api/v1/merchant/applications", application(), Some(&token))
        .await;
    assert_eq!(again.status, 409);
    assert_eq!(again.code(), "APPLICATION_PENDING");

    // Not yet staff.
    let early = app.get("/api/v1/merchant/store", Some(&token)).await;
    assert_eq!(early.status, 403);
    assert_eq!(early.code(), "NOT_STORE_STAFF");

    let op = app.operator_token().await;
    let queue = app
        .get(
            "/api/v1/admin/merchant-applications?status=pending",
            Some(&op),
        )
        .await;
    assert_eq!(queue.status, 200);
    assert!(queue.body.as_array().unwrap().iter().any(|a| a["id"] == id));
    let resident_try = app
        .post(
            &format!("/api/v1/admin/merchant-applications/{id}/approve"),
            json!({}),
            Some(&token),
        )
        .await;
    assert_eq!(resident_try.status, 403);

    let ok = app
        .post(
            &format!("/api/v1/admin/merchant-applications/{id}/approve"),
            json!({}),
            Some(&op),
        )
        .await;
    assert_eq!(ok.status, 200, "{}", ok.text);
    assert_eq!(ok.body["status"], "approved");
    assert!(ok.body["decided_by"].is_i64());
    assert!(ok.body["decided_at"].is_string());
    assert!(ok.body["merchant_id"].is_i64());
    let twice = app
        .post(
            &format!("/api/v1/admin/merchant-applications/{id}/reject"),
            json!({"reason": "改主意"}),
            Some(&op),
        )
        .await;
    assert_eq!(twice.status, 409);
    assert_eq!(twice.code(), "APPLICATION_ALREADY_DECIDED");

    // With a refreshed token the applicant is merchant staff of the new store.
    let token = refresh_access(&app, &login).await;
    let store = app.get("/api/v1/merchant/store", Some(&token)).await;
    assert_eq!(store.status, 200, "{}", store.text);
    assert_eq!(store.body["name"], "阳坝茶农小店");
    assert_eq!(store.body["version"], 1);
}

async fn a_rejection_keeps_its_reason_and_allows_a_new_application(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let token = app.demo_token("chanong").await;
    let r = app
        .post("/api/v1/merchant/applications", application(), Some(&token))
        .await;
    let id = r.body["id"].as_i64().unwrap();
    let op = app.operator_token().await;
    let no_reason = app
        .post(
            &format!("/api/v1/admin/merchant-applications/{id}/reject"),
            json!({"reason": " "}),
            Some(&op),
        )
        .await;
    assert_eq!(no_reason.status, 422);
    let rej = app
        .post(
            &format!("/api/v1/admin/merchant-applications/{id}/reject"),
            json!({"reason": "食品经营许可证已过期"}),
            Some(&op),
        )
        .await;
    assert_eq!(rej.status, 200, "{}", rej.text);
    let mine = app.get("/api/v1/merchant/applications", Some(&token)).await;
    assert_eq!(mine.body[0]["status"], "rejected");
    assert_eq!(mine.body[0]["reason"], "食品经营许可证已过期");
    let again = app
        .post("/api/v1/merchant/applications", application(), Some(&token))
        .await;
    assert_eq!(again.status, 201);
}

async fn applications_are_validated_field_by_field(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let token = app.demo_token("chanong").await;
    for (field, value) in [
        ("licence_no", json!("123")),
        ("food_permit_no", json!("JX16212260004321")),
        ("category", json!("weapons")),
        ("contact_phone", json!("555")),
        ("delivery_modes", json!("air")),
        ("business_name", json!("")),
    ] {
        let mut body = application();
        body[field] = value;
        let r = app
            .post("/api/v1/merchant/applications", body, Some(&token))
            .await;
        assert_eq!(r.status, 422, "{field}: {}", r.text);
        assert_eq!(r.body["errors"][0]["field"], field);
    }
    assert_eq!(app.count("merchant_applications").await, 0);
}

async fn another_countys_operator_cannot_see_or_decide_applications(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let token = app.demo_token("chanong").await;
    let id = app
        .post("/api/v1/merchant/applications", application(), Some(&token))
        .await
        .body["id"]
        .as_i64()
        .unwrap();
    let cheng = second_platform_operator(&app).await;
    let queue = app
        .get("/api/v1/admin/merchant-applications", Some(&cheng))
        .await;
    assert_eq!(queue.body, json!([]));
    let r = app
        .post(
            &format!("/api/v1/admin/merchant-applications/{id}/approve"),
            json!({}),
            Some(&cheng),
        )
        .await;
    assert_eq!(r.status, 404);
}

both!(
    a_shop_applies_is_approved_and_its_store_goes_live,
    a_rejection_keeps_its_reason_and_allows_a_new_application,
    applications_are_validated_field_by_field,
    another_countys_operator_cannot_see_or_decide_applications,
);
