//! The sharing limit in partner mode is met before any money moves: an
//! order too small for its delivery fee to be shared within the limit is
//! refused at checkout, saying how much it would need (and the fee
//! preview shows that figure); a commission rate that reaches the limit is
//! refused when saved, and partner mode is refused while one is in force.
//! A carrier's receiving merchant is checked when it is recorded.

use chrono::{Duration, TimeZone, Utc};
use serde_json::json;
use tests::app::ClockExt;
use tests::{Backend, TestApp, both};

use crate::partner_mode::kang_goes_partner_with;
use crate::wechatpay::options;

async fn the_sharing_limit_is_checked_when_rules_are_saved_and_orders_quoted(backend: Backend) {
    let app = TestApp::spawn_with(backend, options()).await;
    app.clock.set(
        Utc.with_ymd_and_hms(2026, 11, 23, 2, 0, 0)
            .single()
            .expect("time"),
    );
    let op = app.operator_token().await;

    // A service provider whose agreed limit is 10 %.
    let tight = kang_goes_partner_with(&app, json!({"sharing_max_bp": 1_000})).await;
    assert_eq!(tight.status, 200, "{}", tight.text);
    let resident = app
        .post(
            "/api/v1/auth/wechat-login",
            json!({"code": "ok:o-payer"}),
            None,
        )
        .await
        .body["access_token"]
        .as_str()
        .expect("token")
        .to_owned();
    let address = app.post("/api/v1/addresses", json!({"contact_name": "张三", "contact_phone": "13800000001", "detail": "东关社区 3 号楼", "location": {"lat": 33.3320, "lng": 105.6140}}), Some(&resident)).await;
    assert_eq!(address.status, 201, "{}", address.text);
    let menu = app.get("/api/v1/stores/1/menu", Some(&resident)).await;
    let sku = menu.body["categories"][0]["products"][0]["skus"][0]["id"]
        .as_i64()
        .expect("a SKU");
    let quote = |qty: i64| {
        let (app, resident) = (&app, resident.clone());
        let body = json!({"store_id": 1, "address_id": address.body["id"], "items": [{"sku_id": sku, "qty": qty}]});
        async move {
            app.post("/api/v1/orders/quote", body, Some(&resident))
                .await
        }
    };
    // Two buns and a delivery fee: the fee alone is more than 10 % of it.
    let small = quote(2).await;
    assert_eq!(small.status, 422, "{}", small.text);
    assert_eq!(small.body["code"], "OVER_SHARING_LIMIT");
    let message = small.body["message"].as_str().unwrap_or("").to_owned();
    assert!(message.contains("needs at least"), "{message}");
    // Enough buns and it goes through.
    let big = quote(60).await;
    assert_eq!(big.status, 200, "{}", big.text);
    // The fee preview says what an order needs under rules in force and new.
    let rules = app.get("/api/v1/admin/fee-rules", Some(&op)).await.body[0]["rules"].clone();
    let p = app
        .post(
            "/api/v1/admin/fee-rules/preview",
            json!({"rules": rules, "store_id": 1, "location": {"lat": 33.3320, "lng": 105.6140}}),
            Some(&op),
        )
        .await;
    assert_eq!(p.status, 200, "{}", p.text);
    let need = p.body["current"]["sharing_min_goods_fen"]
        .as_i64()
        .expect("a minimum in partner mode");
    assert!(
        message.contains(&format!("{need} fen")),
        "{message} / {need}"
    );

    // A commission reaching the limit is refused when saved.
    let from = (app.clock.now_utc() + Duration::days(1)).to_rfc3339();
    let rule = |rate: i32| {
        let (app, op, from) = (&app, op.clone(), from.clone());
        async move {
            app.post(
                "/api/v1/admin/commission-rules",
                json!({"category": "restaurant", "rate_bp": rate, "effective_from": from}),
                Some(&op),
            )
            .await
        }
    };
    let over = rule(1_000).await;
    assert_eq!(over.status, 422, "{}", over.text);
    assert_eq!(over.body["code"], "OVER_SHARING_LIMIT");
    assert_eq!(rule(900).await.status, 201);

    // Back to direct mode, where the county keeps everything: 30 % is
    // allowed; partner mode at 30 % is then refused until the limit is
    // agreed higher.
    let direct = kang_goes_partner_with(&app, json!({"mode": "direct"})).await;
    assert_eq!(direct.status, 200, "{}", direct.text);
    assert_eq!(rule(3_000).await.status, 201);
    let refused = kang_goes_partner_with(&app, json!({})).await;
    assert_eq!(refused.status, 422, "{}", refused.text);
    assert_eq!(refused.body["code"], "OVER_SHARING_LIMIT");
    let ok = kang_goes_partner_with(&app, json!({"sharing_max_bp": 4_000})).await;
    assert_eq!(ok.status, 200, "{}", ok.text);

    // A carrier's receiving merchant: a merchant number and its name.
    let added = app
        .post(
            "/api/v1/admin/carriers",
            json!({"name": "康县邮政速递", "contact_phone": "13800000009"}),
            Some(&op),
        )
        .await;
    assert_eq!(added.status, 201, "{}", added.text);
    let carrier = added.body["id"].as_i64().expect("a carrier");
    let put = |body: serde_json::Value| {
        let (app, op) = (&app, op.clone());
        async move {
            app.send_json(
                reqwest::Method::PUT,
                &format!("/api/v1/admin/carriers/{carrier}/receiver"),
                Some(body),
                Some(&op),
            )
            .await
        }
    };
    let bad = put(json!({"mchid": "12ab", "name": "康县邮政速递"})).await;
    assert_eq!(bad.status, 422, "{}", bad.text);
    let nameless = put(json!({"mchid": "1900000301"})).await;
    assert_eq!(nameless.status, 422, "{}", nameless.text);
    let set = put(json!({"mchid": "1900000301", "name": "康县邮政速递"})).await;
    assert_eq!(set.status, 200, "{}", set.text);
    assert_eq!(set.body["receiver_mchid"], "1900000301");
    let cleared = put(json!({"mchid": null, "name": null})).await;
    assert_eq!(cleared.status, 200, "{}", cleared.text);
    assert_eq!(cleared.body["receiver_mchid"], serde_json::Value::Null);
    let wrong_type = put(json!({"mchid": 1900000301, "name": "康县邮政速递"})).await;
    assert_eq!(wrong_type.status, 422, "{}", wrong_type.text);
    assert_eq!(wrong_type.body["errors"][0]["field"], "mchid");
    assert_eq!(
        app.get("/api/v1/admin/carriers", Some(&op)).await.body[0]["receiver_mchid"],
        serde_json::Value::Null,
        "a refused change changes nothing"
    );

    // The operator's money routes refuse a resident; a keeper's, a non-keeper.
    let refused = [
        (
            reqwest::Method::PUT,
            format!("/api/v1/admin/carriers/{carrier}/receiver"),
        ),
        (
            reqwest::Method::GET,
            "/api/v1/admin/profit-shares".to_owned(),
        ),
        (
            reqwest::Method::POST,
            "/api/v1/admin/profit-shares/1/retry".to_owned(),
        ),
        (
            reqwest::Method::POST,
            "/api/v1/admin/orders/1/compensations".to_owned(),
        ),
        (reqwest::Method::POST, "/api/v1/keeper/payouts".to_owned()),
        (reqwest::Method::GET, "/api/v1/keeper/packages".to_owned()),
    ];
    for (method, path) in refused {
        let r = app
            .send_json(
                method,
                &path,
                Some(json!({"amount_fen": 100, "reason": "x", "mchid": "1900000301", "name": "x"})),
                Some(&resident),
            )
            .await;
        assert_eq!(r.status, 403, "{path}: {}", r.text);
    }
}

both!(the_sharing_limit_is_checked_when_rules_are_saved_and_orders_quoted);
