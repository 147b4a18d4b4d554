//! What residents browse: stores that deliver to an address (radius, hours,
//! village routes), pagination, and product search.

use chrono::{TimeZone, Utc};
use reqwest::Method;
use serde_json::{Value, json};
use tests::{Backend, TestApp, both};

/// Monday 2026-11-23 10:00 in Kang county (UTC+8).
fn monday_10am() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 23, 2, 0, 0).unwrap()
}

async fn resident_at(app: &TestApp, name: &str, address: Value) -> (String, i64) {
    let token = app.demo_token(name).await;
    let a = app.post("/api/v1/addresses", address, Some(&token)).await;
    assert_eq!(a.status, 201, "{}", a.text);
    (token, a.body["id"].as_i64().unwrap())
}

fn city_address() -> Value {
    json!({"contact_name": "张三", "contact_phone": "13800000001", "detail": "东关社区 3 号楼", "location": {"lat": 33.3320, "lng": 105.6140}})
}

fn names(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap().to_owned())
        .collect()
}

async fn a_city_address_sees_nearby_open_stores_nearest_first(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.clock.set(monday_10am());
    let (token, addr) = resident_at(&app, "zhang", city_address()).await;
    let r = app
        .get(&format!("/api/v1/stores?address_id={addr}"), Some(&token))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    // The cooperative is next door; the kitchen and grocery are across town.
    assert_eq!(
        names(&r.body),
        vec!["木耳蜂蜜合作社·城关门市", "花桥包子·县城店", "城关便民超市"]
    );
    let first = &r.body["items"][0];
    assert_eq!(first["open_status"], "open");
    assert_eq!(first["delivery"], "city");
    assert_eq!(first["min_order_fen"], 3_000);
    assert_eq!(first["delivery_fee_hint_fen"], 300);
    let d: Vec<i64> = r.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["distance_m"].as_i64().unwrap())
        .collect();
    assert!(d.windows(2).all(|w| w[0] <= w[1]), "{d:?}");

    // The grocery shrinks its radius below the distance: it drops out.
    let grocer = app.demo_token("grocery").await;
    let store = app.get("/api/v1/merchant/store", Some(&grocer)).await;
    let v = store.body["version"].as_i64().unwrap();
    app.send_json(
        Method::PATCH,
        "/api/v1/merchant/store",
        Some(json!({"version": v, "delivery_radius_m": 100})),
        Some(&grocer),
    )
    .await;
    // The kitchen flips its "closed now" switch: it drops out too.
    let kitchen = app.demo_token("huaqiao").await;
    let store = app.get("/api/v1/merchant/store", Some(&kitchen)).await;
    let v = store.body["version"].as_i64().unwrap();
    let closed = app
        .send_json(
            Method::PATCH,
            "/api/v1/merchant/store",
            Some(json!({"version": v, "closed_now": true})),
            Some(&kitchen),
        )
        .await;
    assert_eq!(closed.status, 200, "{}", closed.text);
    let r = app
        .get(&format!("/api/v1/stores?address_id={addr}"), Some(&token))
        .await;
    assert_eq!(names(&r.body), vec!["木耳蜂蜜合作社·城关门市"]);
}

async fn opening_hours_decide_what_a_city_resident_sees(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    // Monday 05:00 local: the kitchen opens at 06:30 (soon), the grocery at
    // 07:30 (not soon), the cooperative at 08:00.
    app.clock
        .set(Utc.with_ymd_and_hms(2026, 11, 22, 21, 0, 0).unwrap());
    let (token, addr) = resident_at(&app, "zhang", city_address()).await;
    let r = app
        .get(&format!("/api/v1/stores?address_id={addr}"), Some(&token))
        .await;
    assert_eq!(names(&r.body), vec!["花桥包子·县城店"]);
    assert_eq!(r.body["items"][0]["open_status"], "opening_soon");
    assert_eq!(r.body["items"][0]["opens_at"], "2026-11-23 06:30");
    // 23:00 local: everything is closed.
    app.clock
        .set(Utc.with_ymd_and_hms(2026, 11, 23, 15, 0, 0).unwrap());
    let token = app.demo_token("zhang").await;
    let r = app
        .get(&format!("/api/v1/stores?address_id={addr}"), Some(&token))
        .await;
    assert_eq!(r.body["items"], json!([]));
}

async fn a_village_address_sees_the_stores_whose_routes_stop_there(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.clock.set(monday_10am());
    let op = app.operator_token().await;
    let huaqiao_point = app.agent_point("花桥村便民服务点").await;
    let (token, addr) = resident_at(&app, "yang", json!({"contact_name": "杨", "contact_phone": "13900000002", "agent_point_id": huaqiao_point})).await;
    let r = app
        .get(&format!("/api/v1/stores?address_id={addr}"), Some(&token))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let mut got = names(&r.body);
    got.sort();
    assert_eq!(
        got,
        vec!["木耳蜂蜜合作社·城关门市", "花桥包子·县城店"],
        "the city-only grocery must not show"
    );
    assert!(
        r.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|s| s["delivery"] == "village" && s["delivery_fee_hint_fen"] == 500)
    );
    // Far beyond any city radius, yet served: village delivery is by route.
    assert!(r.body["items"][0]["distance_m"].as_i64().unwrap() > 10_000);

    // The route stops running: nobody delivers there.
    let routes = app.get("/api/v1/admin/routes", Some(&op)).await;
    let route = routes
        .body
        .as_array()
        .unwrap()
        .iter()
        .find(|r| {
            r["stops"]
                .as_array()
                .unwrap()
                .contains(&json!(huaqiao_point))
        })
        .unwrap()
        .clone();
    let mut body = json!({"name": route["name"], "hub_name": route["hub_name"], "hub": {"lat": route["hub_lat"], "lng": route["hub_lng"]}, "stops": route["stops"], "active": false});
    let id = route["id"].as_i64().unwrap();
    let r = app
        .send_json(
            Method::PUT,
            &format!("/api/v1/admin/routes/{id}"),
            Some(body.take()),
            Some(&op),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let r = app
        .get(&format!("/api/v1/stores?address_id={addr}"), Some(&token))
        .await;
    assert_eq!(r.body["items"], json!([]));
}

async fn store_lists_page_with_a_cursor(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.clock.set(monday_10am());
    let (token, addr) = resident_at(&app, "zhang", city_address()).await;
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    for _ in 0..5 {
        let path = match &cursor {
            Some(c) => format!("/api/v1/stores?address_id={addr}&limit=1&cursor={c}"),
            None => format!("/api/v1/stores?address_id={addr}&limit=1"),
        };
        let r = app.get(&path, Some(&token)).await;
        assert_eq!(r.status, 200, "{}", r.text);
        seen.extend(names(&r.body));
        cursor = r.body["next_cursor"].as_str().map(str::to_owned);
        if cursor.is_none() {
            break;
        }
    }
    assert_eq!(
        seen,
        vec!["木耳蜂蜜合作社·城关门市", "花桥包子·县城店", "城关便民超市"]
    );
    let bad = app
        .get(
            &format!("/api/v1/stores?address_id={addr}&cursor=%%%"),
            Some(&token),
        )
        .await;
    assert_eq!(bad.status, 422, "{}", bad.text);
    let limit = app
        .get(
            &format!("/api/v1/stores?address_id={addr}&limit=0"),
            Some(&token),
        )
        .await;
    assert_eq!(limit.body["errors"][0]["field"], "limit");
    // Someone else's address is not yours to browse from.
    let other = app.demo_token("li").await;
    assert_eq!(
        app.get(&format!("/api/v1/stores?address_id={addr}"), Some(&other))
            .await
            .status,
        404
    );
}

async fn search_finds_listed_products_by_name(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let token = app.demo_token("zhang").await;
    let r = app
        .get("/api/v1/products/search?q=%E5%8C%85%E5%AD%90", Some(&token))
        .await; // 包子
    assert_eq!(r.status, 200, "{}", r.text);
    let hits: Vec<&str> = r
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["name"].as_str().unwrap())
        .collect();
    assert!(
        hits.contains(&"黑猪肉包子") && hits.contains(&"速冻黑猪肉包子"),
        "{hits:?}"
    );
    assert!(!hits.contains(&"康县黑木耳"));
    let r = app
        .get("/api/v1/products/search?q=%E6%9C%A8%E8%80%B3", Some(&token))
        .await; // 木耳
    assert_eq!(r.body.as_array().unwrap().len(), 1);
    // Wildcards match literally.
    let r = app.get("/api/v1/products/search?q=%25", Some(&token)).await;
    assert_eq!(r.body, json!([]));
    let r = app.get("/api/v1/products/search?q=", Some(&token)).await;
    assert_eq!(r.status, 422);
    // Delisted products disappear from search.
    let kitchen = app.demo_token("huaqiao").await;
    let products = app.get("/api/v1/merchant/products", Some(&kitchen)).await;
    let pork = products
        .body
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "黑猪肉包子")
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    app.post(
        &format!("/api/v1/merchant/products/{pork}/delist"),
        json!({}),
        Some(&kitchen),
    )
    .await;
    let r = app
        .get("/api/v1/products/search?q=%E5%8C%85%E5%AD%90", Some(&token))
        .await;
    let hits: Vec<&str> = r
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["name"].as_str().unwrap())
        .collect();
    assert!(!hits.contains(&"黑猪肉包子"), "{hits:?}");
    // Another county's products are not found.
    let cheng = tests::app::second_platform_operator(&app).await;
    let r = app
        .get("/api/v1/products/search?q=%E6%9C%A8%E8%80%B3", Some(&cheng))
        .await;
    assert_eq!(r.body, json!([]));
    let m = app.get("/api/v1/stores/1/menu", Some(&cheng)).await;
    assert_eq!(m.status, 404);
}

/// Residents pick a village address from the directory: villages, their
/// agent points and the next departures, of their own county only; the
/// keepers' names and phones are not in it.
async fn residents_see_the_village_directory(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.clock.set(monday_10am());
    let huaqiao_point = app.agent_point("花桥村便民服务点").await;
    let token = app.demo_token("yang").await;
    let r = app.get("/api/v1/villages", Some(&token)).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let villages = r.body.as_array().unwrap();
    let huaqiao = villages
        .iter()
        .find(|v| v["name"] == "花桥村")
        .unwrap_or_else(|| panic!("{}", r.text));
    let point = huaqiao["agent_points"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["id"] == huaqiao_point)
        .unwrap_or_else(|| panic!("{}", r.text));
    assert!(
        point["opening_hours"]
            .as_str()
            .is_some_and(|h| h.contains('-'))
    );
    let next = point["next_departures"].as_array().unwrap();
    assert!(!next.is_empty() && next.len() <= 3, "{}", r.text);
    let now = monday_10am();
    for d in next {
        let at = |k: &str| chrono::DateTime::parse_from_rfc3339(d[k].as_str().unwrap()).unwrap();
        assert!(
            at("order_before") > now && at("order_before") < at("departs_at"),
            "{d}"
        );
    }
    assert!(
        !r.text.contains("keeper") && !r.text.contains("phone"),
        "{}",
        r.text
    );
    // The address takes the point as listed.
    let a = app
        .post(
            "/api/v1/addresses",
            json!({"contact_name": "杨", "contact_phone": "13900000002", "agent_point_id": huaqiao_point}),
            Some(&token),
        )
        .await;
    assert_eq!(a.status, 201, "{}", a.text);
    // Signed-in only, and another county's residents see their own.
    assert_eq!(app.get("/api/v1/villages", None).await.status, 401);
    let other = tests::app::second_platform_operator(&app).await;
    let r = app.get("/api/v1/villages", Some(&other)).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert!(!r.text.contains("花桥村"), "{}", r.text);
}

both!(
    a_city_address_sees_nearby_open_stores_nearest_first,
    opening_hours_decide_what_a_city_resident_sees,
    a_village_address_sees_the_stores_whose_routes_stop_there,
    store_lists_page_with_a_cursor,
    search_finds_listed_products_by_name,
    residents_see_the_village_directory,
);
