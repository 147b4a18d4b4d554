//! The to-door line, part 1: quote, order, pay (demo provider), kitchen
//! handling, cancellations, timeouts and refunds.

use chrono::{Duration, TimeZone, Utc};
use reqwest::Method;
use serde_json::{Value, json};
use tests::{Backend, Resp, TestApp, both};

/// Monday 2026-11-23 10:00 in Kang county (UTC+8).
pub(crate) fn monday_10am() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 23, 2, 0, 0).unwrap()
}

struct Shop {
    resident: String,
    kitchen: String,
    address: i64,
    store: i64,
    skus: std::collections::HashMap<String, i64>,
}

async fn shop(app: &TestApp) -> Shop {
    app.clock.set(monday_10am());
    let resident = app.demo_token("zhang").await;
    let a = app
        .post("/api/v1/addresses", json!({"contact_name": "张三", "contact_phone": "13800000001", "detail": "东关社区 3 号楼", "location": {"lat": 33.3320, "lng": 105.6140}}), Some(&resident))
        .await;
    assert_eq!(a.status, 201, "{}", a.text);
    let kitchen = app.demo_token("huaqiao").await;
    let store = app.get("/api/v1/merchant/store", Some(&kitchen)).await.body["id"]
        .as_i64()
        .unwrap();
    let products = app.get("/api/v1/merchant/products", Some(&kitchen)).await;
    let mut skus = std::collections::HashMap::new();
    for p in products.body.as_array().unwrap() {
        for k in p["skus"].as_array().unwrap() {
            skus.insert(
                format!(
                    "{}/{}",
                    p["name"].as_str().unwrap(),
                    k["name"].as_str().unwrap()
                ),
                k["id"].as_i64().unwrap(),
            );
        }
    }
    Shop {
        resident,
        kitchen,
        address: a.body["id"].as_i64().unwrap(),
        store,
        skus,
    }
}

fn body(s: &Shop, items: &[(&str, i64)]) -> Value {
    json!({
        "store_id": s.store,
        "address_id": s.address,
        "items": items.iter().map(|(k, q)| json!({"sku_id": s.skus[*k], "qty": q})).collect::<Vec<_>>(),
        "note": "少放辣"
    })
}

async fn place(app: &TestApp, s: &Shop, items: &[(&str, i64)], key: Option<&str>) -> Resp {
    let mut req = app
        .client
        .post(format!("{}/api/v1/orders", app.address))
        .bearer_auth(&s.resident)
        .json(&body(s, items));
    if let Some(k) = key {
        req = req.header("idempotency-key", k);
    }
    app.send(req).await
}

pub(crate) async fn pay(app: &TestApp, token: &str, id: i64) -> Resp {
    let p = app
        .post(&format!("/api/v1/orders/{id}/pay"), json!({}), Some(token))
        .await;
    assert_eq!(p.status, 200, "{}", p.text);
    assert_eq!(p.body["provider"], "demo");
    let path = p.body["confirm_path"].as_str().unwrap().to_owned();
    app.post(&path, json!({}), Some(token)).await
}

const PORK6: &str = "黑猪肉包子/鲜肉包 ×6";
const VEG6: &str = "素菜包/素菜包 ×6";
const FROZEN_PORK: &str = "速冻黑猪肉包子/冷冻袋 ×10";
const FROZEN_VEG: &str = "速冻素菜包/冷冻袋 ×10";

async fn a_resident_orders_buns_pays_and_the_kitchen_handles_it(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let s = shop(&app).await;
    let q = app
        .post(
            "/api/v1/orders/quote",
            body(&s, &[(PORK6, 2)]),
            Some(&s.resident),
        )
        .await;
    assert_eq!(q.status, 200, "{}", q.text);
    assert_eq!(q.body["items_total_fen"], 2_400);
    assert_eq!(q.body["packing_fee_fen"], 100);
    assert_eq!(q.body["delivery_fee_fen"], 300);
    assert_eq!(q.body["payable_fen"], 2_800);
    assert_eq!(q.body["plan"]["kind"], "city");
    assert_eq!(app.count("orders").await, 0, "a quote creates nothing");

    let o = place(&app, &s, &[(PORK6, 2)], Some("order-1")).await;
    assert_eq!(o.status, 201, "{}", o.text);
    assert_eq!(o.body["status"], "pending_payment");
    assert_eq!(o.body["payable_fen"], 2_800);
    assert!(
        o.body["order_no"]
            .as_str()
            .unwrap()
            .starts_with("TC20261123")
    );
    let id = o.body["id"].as_i64().unwrap();
    let again = place(&app, &s, &[(PORK6, 2)], Some("order-1")).await;
    assert_eq!((again.status, again.body["id"].as_i64()), (200, Some(id)));
    let other = place(&app, &s, &[(PORK6, 3)], Some("order-1")).await;
    assert_eq!(
        (other.status, other.code()),
        (422, "IDEMPOTENCY_KEY_REUSED")
    );
    assert_eq!(app.count("orders").await, 1);

    let start = app
        .post(
            &format!("/api/v1/orders/{id}/pay"),
            json!({}),
            Some(&s.resident),
        )
        .await;
    assert_eq!(start.body["amount_fen"], 2_800);
    let confirm = start.body["confirm_path"].as_str().unwrap().to_owned();
    // Only the payer confirms.
    let stranger = app.demo_token("li").await;
    assert_eq!(
        app.post(&confirm, json!({}), Some(&stranger)).await.status,
        404
    );
    let paid = app.post(&confirm, json!({}), Some(&s.resident)).await;
    assert_eq!(paid.status, 200, "{}", paid.text);
    assert_eq!(paid.body["status"], "paid");
    // A duplicate confirmation is acknowledged and changes nothing.
    let twice = app.post(&confirm, json!({}), Some(&s.resident)).await;
    assert_eq!(twice.status, 200, "{}", twice.text);
    assert_eq!(twice.body["timeline"].as_array().unwrap().len(), 2);
    let again = app
        .post(
            &format!("/api/v1/orders/{id}/pay"),
            json!({}),
            Some(&s.resident),
        )
        .await;
    assert_eq!((again.status, again.code()), (409, "INVALID_ORDER_STATE"));

    let queue = app
        .get("/api/v1/merchant/orders?status=paid", Some(&s.kitchen))
        .await;
    assert_eq!(queue.body["items"][0]["id"], id);
    let coop = app.demo_token("coop").await;
    assert_eq!(
        app.post(
            &format!("/api/v1/merchant/orders/{id}/accept"),
            json!({}),
            Some(&coop)
        )
        .await
        .status,
        404
    );
    let early = app
        .post(
            &format!("/api/v1/merchant/orders/{id}/ready"),
            json!({}),
            Some(&s.kitchen),
        )
        .await;
    assert_eq!(early.code(), "INVALID_ORDER_STATE");
    let a = app
        .post(
            &format!("/api/v1/merchant/orders/{id}/accept"),
            json!({}),
            Some(&s.kitchen),
        )
        .await;
    assert_eq!(a.body["status"], "accepted", "{}", a.text);
    let r = app
        .post(
            &format!("/api/v1/merchant/orders/{id}/ready"),
            json!({}),
            Some(&s.kitchen),
        )
        .await;
    assert_eq!(r.body["status"], "ready");
    let cancel = app
        .post(
            &format!("/api/v1/orders/{id}/cancel"),
            json!({}),
            Some(&s.resident),
        )
        .await;
    assert_eq!((cancel.status, cancel.code()), (409, "INVALID_ORDER_STATE"));

    let detail = app
        .get(&format!("/api/v1/orders/{id}"), Some(&s.resident))
        .await;
    let steps: Vec<(&str, &str)> = detail.body["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["to_status"].as_str().unwrap(),
                e["actor_kind"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        steps,
        vec![
            ("pending_payment", "resident"),
            ("paid", "payment"),
            ("accepted", "merchant"),
            ("ready", "merchant")
        ]
    );
    assert_eq!(detail.body["items"][0]["product_name"], "黑猪肉包子");
    assert_eq!(detail.body["note"], "少放辣");
    assert_eq!(
        app.get(&format!("/api/v1/orders/{id}"), Some(&stranger))
            .await
            .status,
        404
    );
    assert_eq!(
        app.get("/api/v1/orders", Some(&s.resident)).await.body["items"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
}

async fn quotes_refuse_with_precise_reasons(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let s = shop(&app).await;
    let quote = |items: Vec<(&'static str, i64)>| {
        let app = &app;
        let b = body(&s, &items);
        let t = s.resident.clone();
        async move { app.post("/api/v1/orders/quote", b, Some(&t)).await }
    };
    assert_eq!(quote(vec![(VEG6, 1)]).await.code(), "BELOW_MINIMUM_ORDER");
    let r = quote(vec![(FROZEN_VEG, 1)]).await;
    assert_eq!(r.code(), "INSUFFICIENT_STOCK", "{}", r.text);
    // 99 bags of twenty; sixty are left.
    assert_eq!(
        quote(vec![("速冻黑猪肉包子/冷冻袋 ×20", 99)]).await.code(),
        "INSUFFICIENT_STOCK"
    );
    let mut foreign = body(&s, &[(PORK6, 2)]);
    let coop = app.demo_token("coop").await;
    let coop_products = app.get("/api/v1/merchant/products", Some(&coop)).await;
    foreign["items"][0]["sku_id"] = coop_products.body[0]["skus"][0]["id"].clone();
    let r = app
        .post("/api/v1/orders/quote", foreign, Some(&s.resident))
        .await;
    assert_eq!(r.code(), "SKU_UNAVAILABLE");
    let mut dup = body(&s, &[(PORK6, 2)]);
    dup["items"] = json!([dup["items"][0], dup["items"][0]]);
    assert_eq!(
        app.post("/api/v1/orders/quote", dup, Some(&s.resident))
            .await
            .code(),
        "VALIDATION_FAILED"
    );

    let store = app.get("/api/v1/merchant/store", Some(&s.kitchen)).await;
    let v = store.body["version"].as_i64().unwrap();
    app.send_json(
        Method::PATCH,
        "/api/v1/merchant/store",
        Some(json!({"version": v, "delivery_radius_m": 100})),
        Some(&s.kitchen),
    )
    .await;
    assert_eq!(
        quote(vec![(PORK6, 2)]).await.code(),
        "OUT_OF_DELIVERY_RANGE"
    );
    app.send_json(
        Method::PATCH,
        "/api/v1/merchant/store",
        Some(json!({"version": v + 1, "delivery_radius_m": 5000, "closed_now": true})),
        Some(&s.kitchen),
    )
    .await;
    assert_eq!(quote(vec![(PORK6, 2)]).await.code(), "STORE_CLOSED");
}

async fn village_orders_ride_the_next_departure_with_a_cold_chain_surcharge(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let mut s = shop(&app).await;
    let op = app.operator_token().await;
    let point = app.agent_point("花桥村便民服务点").await;
    let a = app
        .post(
            "/api/v1/addresses",
            json!({"contact_name": "杨", "contact_phone": "13900000002", "agent_point_id": point}),
            Some(&s.resident),
        )
        .await;
    s.address = a.body["id"].as_i64().unwrap();
    let q = app
        .post(
            "/api/v1/orders/quote",
            body(&s, &[(FROZEN_PORK, 1)]),
            Some(&s.resident),
        )
        .await;
    assert_eq!(q.status, 200, "{}", q.text);
    assert_eq!(q.body["delivery_kind"], "village");
    assert_eq!(q.body["delivery_fee_fen"], 500);
    assert_eq!(q.body["surcharge_fen"], 300);
    assert_eq!(q.body["payable_fen"], 2_800 + 100 + 500 + 300);
    // 10:00 local: the 09:30 trip has left; the 15:00 one closes at 14:00.
    assert_eq!(q.body["plan"]["kind"], "village");
    assert_eq!(q.body["plan"]["departs_at"], "2026-11-23T07:00:00Z");
    assert_eq!(q.body["plan"]["cutoff_at"], "2026-11-23T06:00:00Z");

    // Every departure of that route stops running: no trip to take.
    let routes = app.get("/api/v1/admin/routes", Some(&op)).await;
    for r in routes.body.as_array().unwrap() {
        let rid = r["id"].as_i64().unwrap();
        for d in app
            .get(&format!("/api/v1/admin/routes/{rid}/departures"), Some(&op))
            .await
            .body
            .as_array()
            .unwrap()
        {
            let did = d["id"].as_i64().unwrap();
            let r = app.send_json(Method::PUT, &format!("/api/v1/admin/routes/{rid}/departures/{did}"), Some(json!({"weekdays": d["days"], "depart_at": d["depart_at"], "cutoff_minutes": d["cutoff_minutes"], "active": false})), Some(&op)).await;
            assert_eq!(r.status, 200, "{}", r.text);
        }
    }
    let q = app
        .post(
            "/api/v1/orders/quote",
            body(&s, &[(FROZEN_PORK, 1)]),
            Some(&s.resident),
        )
        .await;
    assert_eq!(q.code(), "NO_DEPARTURE_AVAILABLE");
}

async fn concurrent_orders_never_oversell(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let s = shop(&app).await;
    // Three bags left.
    let products = app.get("/api/v1/merchant/products", Some(&s.kitchen)).await;
    let p = products
        .body
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "速冻黑猪肉包子")
        .unwrap()
        .clone();
    let (pid, v, sku) = (
        p["id"].as_i64().unwrap(),
        p["version"].as_i64().unwrap(),
        s.skus[FROZEN_PORK],
    );
    let r = app
        .send_json(
            Method::PUT,
            &format!("/api/v1/merchant/products/{pid}/skus/{sku}"),
            Some(json!({"version": v, "name": "冷冻袋 ×10", "price_fen": 2800, "stock": 3})),
            Some(&s.kitchen),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let results =
        futures_util::future::join_all((0..10).map(|_| place(&app, &s, &[(FROZEN_PORK, 1)], None)))
            .await;
    let won = results.iter().filter(|r| r.status == 201).count();
    let lost: Vec<&str> = results
        .iter()
        .filter(|r| r.status != 201)
        .map(|r| r.code())
        .collect();
    assert_eq!(won, 3, "{lost:?}");
    assert!(lost.iter().all(|c| *c == "INSUFFICIENT_STOCK"), "{lost:?}");
    let p = app
        .get(
            &format!("/api/v1/merchant/products/{pid}"),
            Some(&s.kitchen),
        )
        .await;
    assert_eq!(p.body["skus"][0]["stock"], 0);
}

async fn cancelling_releases_stock_or_refunds(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let s = shop(&app).await;
    let stock = || async {
        let ps = app.get("/api/v1/merchant/products", Some(&s.kitchen)).await;
        ps.body
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["name"] == "速冻黑猪肉包子")
            .unwrap()["skus"][0]["stock"]
            .as_i64()
            .unwrap()
    };
    let before = stock().await;
    let unpaid = place(&app, &s, &[(FROZEN_PORK, 2)], None).await.body["id"]
        .as_i64()
        .unwrap();
    assert_eq!(stock().await, before - 2);
    let c = app
        .post(
            &format!("/api/v1/orders/{unpaid}/cancel"),
            json!({"reason": "买错了"}),
            Some(&s.resident),
        )
        .await;
    assert_eq!(c.body["status"], "cancelled", "{}", c.text);
    assert_eq!(stock().await, before);

    let paid = place(&app, &s, &[(FROZEN_PORK, 1)], None).await.body["id"]
        .as_i64()
        .unwrap();
    pay(&app, &s.resident, paid).await;
    let c = app
        .post(
            &format!("/api/v1/orders/{paid}/cancel"),
            json!({}),
            Some(&s.resident),
        )
        .await;
    assert_eq!(c.body["status"], "refunding", "{}", c.text);
    assert_eq!(stock().await, before);
    app.worker().run_pending().await.unwrap();
    let o = app
        .get(&format!("/api/v1/orders/{paid}"), Some(&s.resident))
        .await;
    assert_eq!(o.body["status"], "refunded");
    assert_eq!(app.count("refunds").await, 1);

    // The kitchen can refuse a paid order: refunded too.
    let third = place(&app, &s, &[(PORK6, 2)], None).await.body["id"]
        .as_i64()
        .unwrap();
    pay(&app, &s.resident, third).await;
    let no_reason = app
        .post(
            &format!("/api/v1/merchant/orders/{third}/reject"),
            json!({"reason": ""}),
            Some(&s.kitchen),
        )
        .await;
    assert_eq!(no_reason.status, 422);
    let r = app
        .post(
            &format!("/api/v1/merchant/orders/{third}/reject"),
            json!({"reason": "肉馅售罄"}),
            Some(&s.kitchen),
        )
        .await;
    assert_eq!(r.body["status"], "refunding", "{}", r.text);
    app.worker().run_pending().await.unwrap();
    assert_eq!(
        app.get(&format!("/api/v1/orders/{third}"), Some(&s.resident))
            .await
            .body["status"],
        "refunded"
    );
    // Running the worker again books nothing twice.
    app.worker().run_pending().await.unwrap();
    assert_eq!(app.count("refunds").await, 2);
}

async fn timeouts_cancel_unpaid_and_refund_unaccepted_orders(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let s = shop(&app).await;
    let unpaid = place(&app, &s, &[(FROZEN_PORK, 1)], None).await.body["id"]
        .as_i64()
        .unwrap();
    let paid = place(&app, &s, &[(PORK6, 2)], None).await.body["id"]
        .as_i64()
        .unwrap();
    pay(&app, &s.resident, paid).await;
    // A payment started but never confirmed, for the late-payment case below.
    let late = place(&app, &s, &[(PORK6, 2)], None).await.body["id"]
        .as_i64()
        .unwrap();
    let start = app
        .post(
            &format!("/api/v1/orders/{late}/pay"),
            json!({}),
            Some(&s.resident),
        )
        .await;
    let late_path = start.body["confirm_path"].as_str().unwrap().to_owned();

    app.clock.advance(Duration::minutes(4));
    app.worker().run_pending().await.unwrap();
    assert_eq!(
        app.get(&format!("/api/v1/orders/{paid}"), Some(&s.resident))
            .await
            .body["status"],
        "paid"
    );

    app.clock.advance(Duration::minutes(12));
    app.worker().run_pending().await.unwrap();
    // Tokens are 15-minute ones: sign in again.
    let s = Shop {
        resident: app.demo_token("zhang").await,
        ..s
    };
    let u = app
        .get(&format!("/api/v1/orders/{unpaid}"), Some(&s.resident))
        .await;
    assert_eq!(u.body["status"], "cancelled");
    assert_eq!(
        u.body["timeline"].as_array().unwrap().last().unwrap()["actor_kind"],
        "system"
    );
    let p = app
        .get(&format!("/api/v1/orders/{paid}"), Some(&s.resident))
        .await;
    assert_eq!(p.body["status"], "refunded", "{}", p.text);

    // Paying after the timeout closed the order: the money goes back.
    let token = app.demo_token("zhang").await;
    let r = app.post(&late_path, json!({}), Some(&token)).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["status"], "cancelled");
    app.worker().run_pending().await.unwrap();
    assert_eq!(app.count("refunds").await, 2);
}

/// Reads server-sent events until `want` events arrived (10 s at most).
pub(crate) async fn read_events(resp: reqwest::Response, want: usize) -> Vec<(i64, String, Value)> {
    use futures_util::StreamExt;
    let mut stream = resp.bytes_stream();
    let mut buf = String::new();
    let mut events = Vec::new();
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(10);
    while events.len() < want {
        let chunk = tokio::time::timeout_at(deadline, stream.next())
            .await
            .expect("events in time")
            .expect("stream open")
            .expect("chunk");
        buf.push_str(std::str::from_utf8(&chunk).unwrap());
        while let Some(end) = buf.find("\n\n") {
            let frame: String = buf.drain(..end + 2).collect();
            let field = |name: &str| {
                frame
                    .lines()
                    .find_map(|l| l.strip_prefix(name))
                    .map(str::trim)
                    .map(str::to_owned)
            };
            if let (Some(id), Some(ev), Some(data)) =
                (field("id:"), field("event:"), field("data:"))
            {
                events.push((
                    id.parse().unwrap(),
                    ev,
                    serde_json::from_str(&data).unwrap(),
                ));
            }
        }
    }
    events
}

async fn the_kitchen_hears_new_orders_live_and_misses_nothing_across_reconnects(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let s = shop(&app).await;
    let url = format!("{}/api/v1/merchant/orders/stream", app.address);
    let resp = app
        .client
        .get(&url)
        .bearer_auth(&s.kitchen)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert!(
        resp.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/event-stream")
    );
    let a = place(&app, &s, &[(PORK6, 2)], None).await.body["id"]
        .as_i64()
        .unwrap();
    pay(&app, &s.resident, a).await;
    let got = read_events(resp, 1).await;
    assert_eq!(got[0].1, "order.paid");
    assert_eq!(got[0].2["order_id"], a);
    assert_eq!(got[0].2["payable_fen"], 2_800);
    let seen = got[0].0;

    // While the kitchen is offline: a new paid order and a cancellation.
    let b = place(&app, &s, &[(PORK6, 2)], None).await.body["id"]
        .as_i64()
        .unwrap();
    pay(&app, &s.resident, b).await;
    app.post(
        &format!("/api/v1/orders/{a}/cancel"),
        json!({}),
        Some(&s.resident),
    )
    .await;
    let resp = app
        .client
        .get(&url)
        .bearer_auth(&s.kitchen)
        .header("last-event-id", seen.to_string())
        .send()
        .await
        .unwrap();
    let got = read_events(resp, 2).await;
    let kinds: Vec<(&str, i64)> = got
        .iter()
        .map(|(_, e, d)| (e.as_str(), d["order_id"].as_i64().unwrap()))
        .collect();
    assert_eq!(kinds, vec![("order.paid", b), ("order.refunding", a)]);

    let resident = app
        .client
        .get(&url)
        .bearer_auth(&s.resident)
        .send()
        .await
        .unwrap();
    assert_eq!(resident.status(), 403);
    // Another kitchen hears nothing of these.
    let coop = app.demo_token("coop").await;
    let other = app
        .client
        .get(format!("{url}?last_event_id=0"))
        .bearer_auth(&coop)
        .send()
        .await
        .unwrap();
    assert_eq!(other.status(), 200);
    let c = place(&app, &s, &[(PORK6, 2)], None).await.body["id"]
        .as_i64()
        .unwrap();
    pay(&app, &s.resident, c).await;
    use futures_util::StreamExt;
    let mut st = other.bytes_stream();
    let first = st.next().await.unwrap().unwrap();
    assert_eq!(&first[..], b"retry: 3000\n\n");
    let more = tokio::time::timeout(std::time::Duration::from_millis(600), st.next()).await;
    assert!(more.is_err(), "another store's orders leaked: {more:?}");
}

async fn residents_get_subscription_messages_through_the_outbox(backend: Backend) {
    let app = TestApp::spawn_with(
        backend,
        tests::Options {
            demo: false,
            wechat: true,
            seed: true,
            wechatpay: false,
            rate_limits: None,
        },
    )
    .await;
    app.clock.set(monday_10am());
    let login = |code: &'static str| {
        let app = &app;
        async move {
            let r = app
                .post("/api/v1/auth/wechat-login", json!({"code": code}), None)
                .await;
            r.body["access_token"].as_str().unwrap().to_owned()
        }
    };
    let kitchen_id: i64 = {
        use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
        entity::wechat_identity::Entity::find()
            .filter(entity::wechat_identity::Column::Openid.eq("demo:huaqiao"))
            .one(&app.db)
            .await
            .unwrap()
            .unwrap()
            .user_id
    };
    let kitchen = app.token_for(kitchen_id).await;
    let mut orders = Vec::new();
    for code in ["ok:o-notify", "ok:refuser"] {
        let resident = login(code).await;
        let a = app.post("/api/v1/addresses", json!({"contact_name": "张三", "contact_phone": "13800000001", "detail": "东关社区 3 号楼", "location": {"lat": 33.3320, "lng": 105.6140}}), Some(&resident)).await;
        let store = app.get("/api/v1/merchant/store", Some(&kitchen)).await.body["id"]
            .as_i64()
            .unwrap();
        let products = app.get("/api/v1/merchant/products", Some(&kitchen)).await;
        let sku = products
            .body
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["name"] == "黑猪肉包子")
            .unwrap()["skus"][0]["id"]
            .as_i64()
            .unwrap();
        let o = app.post("/api/v1/orders", json!({"store_id": store, "address_id": a.body["id"], "items": [{"sku_id": sku, "qty": 2}]}), Some(&resident)).await;
        assert_eq!(o.status, 201, "{}", o.text);
        let id = o.body["id"].as_i64().unwrap();
        let paid = pay(&app, &resident, id).await;
        assert_eq!(paid.body["status"], "paid", "{}", paid.text);
        orders.push((id, o.body["order_no"].as_str().unwrap().to_owned()));
    }
    let fake = app.wechat.as_ref().unwrap();
    assert!(fake.messages().is_empty(), "sent before the worker ran");
    // One worker process, one token cache.
    let worker = app.worker();
    worker.run_pending().await.unwrap();
    let sent = fake.messages();
    assert_eq!(sent.len(), 2, "{sent:?}");
    assert_eq!(sent[0]["touser"], "o-notify");
    assert_eq!(sent[0]["template_id"], "TPL_PAID");
    assert_eq!(
        sent[0]["data"]["character_string1"]["value"],
        orders[0].1.as_str()
    );
    assert_eq!(sent[0]["data"]["amount3"]["value"], "¥28.00");

    // The kitchen accepts the first order: one more message, same token.
    let r = app
        .post(
            &format!("/api/v1/merchant/orders/{}/accept", orders[0].0),
            json!({}),
            Some(&kitchen),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    worker.run_pending().await.unwrap();
    let sent = fake.messages();
    assert_eq!(sent.len(), 3);
    assert_eq!(sent[2]["template_id"], "TPL_ACCEPTED");
    assert_eq!(fake.tokens_issued(), 1, "the access token is cached");

    // The user who refused subscriptions: recorded as failed, not retried.
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let failed = entity::job::Entity::find()
        .filter(entity::job::Column::Kind.eq("notify.subscribe"))
        .filter(entity::job::Column::State.eq("failed"))
        .all(&app.db)
        .await
        .unwrap();
    assert_eq!(failed.len(), 1);
    assert!(failed[0].last_error.as_deref().unwrap().contains("43101"));
    app.clock.advance(Duration::hours(2));
    worker.run_pending().await.unwrap();
    // (The refuser's unaccepted order was refunded meanwhile: a new message.)
    let paid_to_refuser = fake
        .messages()
        .iter()
        .filter(|m| m["touser"] == "refuser" && m["template_id"] == "TPL_PAID")
        .count();
    assert_eq!(paid_to_refuser, 1, "a refused message was retried");
}

/// A body that is there must be JSON and valid: a malformed or non-JSON body
/// is refused and the order stays as it was; no body at all is allowed.
async fn a_malformed_body_never_cancels_an_order(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let s = shop(&app).await;
    let id = place(&app, &s, &[(FROZEN_PORK, 1)], None).await.body["id"]
        .as_i64()
        .unwrap();
    let url = format!("{}/api/v1/orders/{id}/cancel", app.address);
    let post = |content_type: &'static str, body: &'static str| {
        app.client
            .post(&url)
            .bearer_auth(&s.resident)
            .header("content-type", content_type)
            .body(body)
    };
    let r = app.send(post("application/json", r#"{"reason": "#)).await;
    assert_eq!((r.status, r.code()), (400, "MALFORMED_JSON"), "{}", r.text);
    let r = app.send(post("application/json", r#"{"reason": 7}"#)).await;
    assert_eq!(
        (r.status, r.code()),
        (422, "VALIDATION_FAILED"),
        "{}",
        r.text
    );
    let r = app.send(post("text/plain", "cancel it")).await;
    assert_eq!(
        (r.status, r.code()),
        (415, "UNSUPPORTED_MEDIA_TYPE"),
        "{}",
        r.text
    );
    let o = app
        .get(&format!("/api/v1/orders/{id}"), Some(&s.resident))
        .await;
    assert_eq!(o.body["status"], "pending_payment", "{}", o.text);
    let r = app
        .send(app.client.post(&url).bearer_auth(&s.resident))
        .await;
    assert_eq!(r.body["status"], "cancelled", "{}", r.text);
}

/// Simultaneous retries of one order with one Idempotency-Key: one order is
/// made, and every answer is that order, or `409 IDEMPOTENCY_KEY_IN_USE`
/// with `Retry-After` while the first is still being written.
async fn simultaneous_retries_get_the_one_order(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let s = shop(&app).await;
    let tries = (0..10).map(|_| place(&app, &s, &[(PORK6, 2)], Some("same-key")));
    let answers = futures_util::future::join_all(tries).await;
    assert_eq!(app.count("orders").await, 1);
    let created = answers.iter().filter(|r| r.status == 201).count();
    assert_eq!(created, 1, "one answer makes the order");
    let id = answers
        .iter()
        .find(|r| r.status == 201)
        .and_then(|r| r.body["id"].as_i64());
    for r in &answers {
        match r.status {
            200 | 201 => assert_eq!(r.body["id"].as_i64(), id, "{}", r.text),
            409 => {
                assert_eq!(r.code(), "IDEMPOTENCY_KEY_IN_USE", "{}", r.text);
                assert_eq!(r.header("retry-after"), Some("1"));
            }
            other => panic!("{other}: {}", r.text),
        }
    }
}

/// On SQLite, write transactions queue for one writer connection (in
/// tokio, not in SQLite's busy handler): a second waits while the first is
/// open and goes on the moment it commits. PostgreSQL writes on its pool.
async fn write_transactions_queue_for_the_sqlite_writer(backend: Backend) {
    use sea_orm::TransactionTrait;
    let app = TestApp::spawn(backend).await;
    let writer = entity::runtime::database::connect_writer(&app.settings.database, &app.db)
        .await
        .expect("writer");
    if app.backend == Backend::Sqlite {
        // One connection of its own: writers wait for it in tokio.
        let pool = writer.get_sqlite_connection_pool();
        assert_eq!(pool.options().get_max_connections(), 1);
        assert!(
            app.db
                .get_sqlite_connection_pool()
                .options()
                .get_max_connections()
                > 1
        );
    }
    let first = entity::tx::begin_write(&writer).await.expect("first");
    let second = tokio::spawn({
        let writer = writer.clone();
        async move {
            let txn = entity::tx::begin_write(&writer).await.expect("second");
            txn.commit().await.expect("commit second");
        }
    });
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    match app.backend {
        Backend::Sqlite => assert!(!second.is_finished(), "the second writer waits its turn"),
        Backend::Postgres => assert!(second.is_finished(), "PostgreSQL writes concurrently"),
    }
    first.commit().await.expect("commit first");
    tokio::time::timeout(std::time::Duration::from_secs(5), second)
        .await
        .expect("the second writer goes on once the first commits")
        .expect("task");
    // Reads never wait for the writer.
    let reading = app.db.begin().await.expect("read");
    reading.commit().await.expect("end read");
}

both!(
    write_transactions_queue_for_the_sqlite_writer,
    residents_get_subscription_messages_through_the_outbox,
    the_kitchen_hears_new_orders_live_and_misses_nothing_across_reconnects,
    a_resident_orders_buns_pays_and_the_kitchen_handles_it,
    quotes_refuse_with_precise_reasons,
    village_orders_ride_the_next_departure_with_a_cold_chain_surcharge,
    concurrent_orders_never_oversell,
    cancelling_releases_stock_or_refunds,
    a_malformed_body_never_cancels_an_order,
    simultaneous_retries_get_the_one_order,
    timeouts_cancel_unpaid_and_refund_unaccepted_orders,
);
