//! Settings an operator changes without a release: fee rules versioned from
//! a time on, previewed before they apply; order timeouts; the platform's
//! profile; and the record of who changed what.

use chrono::Duration;
use serde_json::{Value, json};
use tests::app::ClockExt;
use tests::{Backend, TestApp, both};

use crate::delivery::{monday_10am, paid_order};

async fn an_operator_changes_fees_timeouts_and_profile_on_the_record(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.clock.set(monday_10am());
    let op = app.operator_token().await;
    let resident = app.demo_token("zhang").await;
    paid_order(&app, &resident).await; // a city address and an order priced by the rules in force
    let kitchen = app.demo_token("huaqiao").await;
    let store = app.get("/api/v1/merchant/store", Some(&kitchen)).await.body["id"].clone();
    let address = app.get("/api/v1/addresses", Some(&resident)).await.body[0]["id"].clone();
    let sku = app.kitchen_sku("黑猪肉包子").await;
    let order =
        json!({"store_id": store, "address_id": address, "items": [{"sku_id": sku, "qty": 2}]});
    let before = app
        .post("/api/v1/orders/quote", order.clone(), Some(&resident))
        .await;
    assert_eq!(before.status, 200, "{}", before.text);
    let old_fee = before.body["delivery_fee_fen"].as_i64().expect("fee");

    // The rules in force, and new ones: every city band 100 fen dearer.
    let versions = app.get("/api/v1/admin/fee-rules", Some(&op)).await;
    assert_eq!(versions.status, 200, "{}", versions.text);
    assert_eq!(versions.body[0]["in_force"], true);
    let mut rules = versions.body[0]["rules"].clone();
    for band in rules["city_bands"].as_array_mut().expect("bands") {
        band["fee_fen"] = json!(band["fee_fen"].as_i64().unwrap_or(0) + 100);
    }
    rules["frozen_surcharge_fen"] = json!(450);

    // The preview prices a sample address both ways, and stores nothing.
    let p = app
        .post(
            "/api/v1/admin/fee-rules/preview",
            json!({"rules": rules, "store_id": store, "location": {"lat": 33.3360, "lng": 105.6160}}),
            Some(&op),
        )
        .await;
    assert_eq!(p.status, 200, "{}", p.text);
    assert_eq!(p.body["kind"], "city");
    assert_eq!(p.body["current"]["delivery_fee_fen"], old_fee, "{}", p.text);
    assert_eq!(p.body["proposed"]["delivery_fee_fen"], old_fee + 100);
    let point = app.agent_point("花桥村便民服务点").await;
    let v = app
        .post(
            "/api/v1/admin/fee-rules/preview",
            json!({"rules": rules, "store_id": store, "agent_point_id": point, "cold_chain": "frozen"}),
            Some(&op),
        )
        .await;
    assert_eq!(v.status, 200, "{}", v.text);
    assert_eq!(v.body["kind"], "village");
    assert_eq!(v.body["proposed"]["surcharge_fen"], 450, "{}", v.text);
    let neither = app
        .post(
            "/api/v1/admin/fee-rules/preview",
            json!({"rules": rules, "store_id": store}),
            Some(&op),
        )
        .await;
    assert_eq!(neither.status, 422, "{}", neither.text);

    // Bad rules are refused whole: bands out of order, a negative fee, the past.
    let mut overlapping = rules.clone();
    overlapping["city_bands"][1]["up_to_m"] = overlapping["city_bands"][0]["up_to_m"].clone();
    let mut negative = rules.clone();
    negative["village_default_fen"] = json!(-1);
    let in_an_hour = app.clock.now_utc() + Duration::hours(1);
    for (bad, when) in [
        (overlapping, in_an_hour),
        (negative, in_an_hour),
        (rules.clone(), app.clock.now_utc() - Duration::hours(1)),
    ] {
        let r = app
            .post(
                "/api/v1/admin/fee-rules",
                json!({"rules": bad, "effective_from": when}),
                Some(&op),
            )
            .await;
        assert_eq!(
            (r.status, r.code()),
            (422, "VALIDATION_FAILED"),
            "{}",
            r.text
        );
    }

    // From an hour on: quotes before then keep the old fee, after it the new.
    let added = app
        .post(
            "/api/v1/admin/fee-rules",
            json!({"rules": rules, "effective_from": in_an_hour}),
            Some(&op),
        )
        .await;
    assert_eq!(added.status, 201, "{}", added.text);
    assert_eq!(added.body["in_force"], false);
    let still = app
        .post("/api/v1/orders/quote", order.clone(), Some(&resident))
        .await;
    assert_eq!(still.body["delivery_fee_fen"], old_fee);
    app.clock.advance(Duration::hours(2));
    // Two hours on, everyone signs in again (access tokens last 15 minutes).
    let (resident, op, kitchen) = (
        app.demo_token("zhang").await,
        app.operator_token().await,
        app.demo_token("huaqiao").await,
    );
    let after = app
        .post("/api/v1/orders/quote", order, Some(&resident))
        .await;
    assert_eq!(after.status, 200, "{}", after.text);
    assert_eq!(after.body["delivery_fee_fen"], old_fee + 100);

    // Timeouts and profile, checked field by field.
    let t = app
        .send(
            app.client
                .put(format!("{}/api/v1/admin/timeouts", app.address))
                .bearer_auth(&op)
                .json(&json!({"payment_timeout_secs": 600, "acceptance_timeout_secs": 1200})),
        )
        .await;
    assert_eq!(t.status, 200, "{}", t.text);
    let bad = app
        .send(
            app.client
                .put(format!("{}/api/v1/admin/timeouts", app.address))
                .bearer_auth(&op)
                .json(&json!({"payment_timeout_secs": 10, "acceptance_timeout_secs": 1200})),
        )
        .await;
    assert_eq!(bad.status, 422, "{}", bad.text);
    assert_eq!(bad.body["errors"][0]["field"], "payment_timeout_secs");
    let forbidden = app
        .send(
            app.client
                .put(format!("{}/api/v1/admin/timeouts", app.address))
                .bearer_auth(&kitchen)
                .json(&json!({"payment_timeout_secs": 600, "acceptance_timeout_secs": 1200})),
        )
        .await;
    assert_eq!(forbidden.status, 403);
    assert_eq!(
        app.get("/api/v1/admin/timeouts", Some(&op)).await.body["payment_timeout_secs"],
        600
    );
    let profile = json!({"name": "康县同城", "service_hours": "07:30-21:30", "contact_phone": "0939-5121234"});
    let pr = app
        .send(
            app.client
                .put(format!("{}/api/v1/admin/profile", app.address))
                .bearer_auth(&op)
                .json(&profile),
        )
        .await;
    assert_eq!(pr.status, 200, "{}", pr.text);
    assert_eq!(pr.body["contact_phone"], "09395121234");
    let mut wrong = profile.clone();
    wrong["contact_phone"] = json!("12345");
    let pr = app
        .send(
            app.client
                .put(format!("{}/api/v1/admin/profile", app.address))
                .bearer_auth(&op)
                .json(&wrong),
        )
        .await;
    assert_eq!(pr.status, 422, "{}", pr.text);

    for (path, body) in [
        (
            "/api/v1/admin/dispatch/settings",
            json!({"mode": "hybrid", "hybrid_wait_secs": 120, "rider_max_jobs": 3, "offer_timeout_secs": 60, "unassigned_alert_secs": 600, "pickup_geofence_m": 300}),
        ),
        (
            "/api/v1/admin/village/settings",
            json!({"collect_within_days": 5}),
        ),
    ] {
        let r = app
            .send(
                app.client
                    .put(format!("{}{path}", app.address))
                    .bearer_auth(&op)
                    .json(&body),
            )
            .await;
        assert_eq!(r.status, 200, "{path}: {}", r.text);
    }

    // Every change is on the record: who, when, old and new.
    let log = app.get("/api/v1/admin/setting-changes", Some(&op)).await;
    assert_eq!(log.status, 200, "{}", log.text);
    let entries = log.body.as_array().expect("changes");
    let settings: Vec<&str> = entries
        .iter()
        .filter_map(|e| e["setting"].as_str())
        .collect();
    assert_eq!(
        settings,
        ["village", "dispatch", "profile", "timeouts", "fee_rules"],
        "{}",
        log.text
    );
    let timeouts: Value =
        serde_json::from_str(entries[3]["old_value"].as_str().unwrap_or("{}")).unwrap_or_default();
    assert_ne!(timeouts["payment_timeout_secs"], 600, "the old value");
    let fees: Value =
        serde_json::from_str(entries[4]["new_value"].as_str().unwrap_or("{}")).unwrap_or_default();
    assert_eq!(fees["frozen_surcharge_fen"], 450);
    let me = app.get("/api/v1/me", Some(&op)).await;
    assert!(
        entries.iter().all(|e| e["user_id"] == me.body["id"]),
        "{}",
        log.text
    );
}

both!(an_operator_changes_fees_timeouts_and_profile_on_the_record);
