//! The to-door line, part 3 (first step): the fleet, and departures planned
//! at their cut-off into trips with manifests; what does not fit rolls to
//! the next departure.

use chrono::{Duration, TimeZone, Utc};
use serde_json::{Value, json};
use tests::app::ClockExt;
use tests::{Backend, TestApp, both};

/// Monday 2026-11-23 07:00 in Kang county (UTC+8).
pub(crate) fn monday_7am() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 22, 23, 0, 0).unwrap()
}

pub(crate) struct Village {
    pub(crate) resident: String,
    pub(crate) kitchen: String,
    pub(crate) op: String,
    pub(crate) address: i64,
    pub(crate) sku: i64,
}

pub(crate) async fn village(app: &TestApp) -> Village {
    app.clock.set(monday_7am());
    let op = app.operator_token().await;
    let resident = app.demo_token("yang").await;
    let point = app.agent_point("花桥村便民服务点").await;
    let a = app
        .post(
            "/api/v1/addresses",
            json!({"contact_name": "杨", "contact_phone": "13900000002", "agent_point_id": point}),
            Some(&resident),
        )
        .await;
    assert_eq!(a.status, 201, "{}", a.text);
    let kitchen = app.demo_token("huaqiao").await;
    let sku = app.kitchen_sku("黑猪肉包子").await;
    Village {
        resident,
        kitchen,
        op,
        address: a.body["id"].as_i64().unwrap(),
        sku,
    }
}

/// A paid, accepted village order of `qty` units (500 g each by default).
pub(crate) async fn accepted(app: &TestApp, v: &Village, qty: i64) -> Value {
    let o = app
        .post(
            "/api/v1/orders",
            json!({"store_id": 1, "address_id": v.address, "items": [{"sku_id": v.sku, "qty": qty}]}),
            Some(&v.resident),
        )
        .await;
    assert_eq!(o.status, 201, "{}", o.text);
    let id = o.body["id"].as_i64().unwrap();
    let p = app
        .post(
            &format!("/api/v1/orders/{id}/pay"),
            json!({}),
            Some(&v.resident),
        )
        .await;
    let confirm = p.body["confirm_path"].as_str().unwrap().to_owned();
    app.post(&confirm, json!({}), Some(&v.resident)).await;
    let a = app
        .post(
            &format!("/api/v1/merchant/orders/{id}/accept"),
            json!({}),
            Some(&v.kitchen),
        )
        .await;
    assert_eq!(a.status, 200, "{}", a.text);
    a.body
}

async fn departures_are_planned_once_at_cutoff_and_full_trips_roll_over(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let v = village(&app).await;
    // Fleet: one small van (2.5 kg ambient, no cold compartments).
    let c = app
        .post(
            "/api/v1/admin/carriers",
            json!({"name": "康县邮政速递", "contact_phone": "09395100000"}),
            Some(&v.op),
        )
        .await;
    assert_eq!(c.status, 201, "{}", c.text);
    let carrier = c.body["id"].as_i64().unwrap();
    let cold = app
        .post(
            "/api/v1/admin/vehicles",
            json!({"carrier_id": carrier, "plate": "甘K·C0001", "capacity_g": 2_500, "capacity_ml": 100_000, "frozen_ml": 50_000}),
            Some(&v.op),
        )
        .await;
    assert_eq!(
        cold.status, 422,
        "a cold compartment needs a sensor: {}",
        cold.text
    );
    let van = app
        .post(
            "/api/v1/admin/vehicles",
            json!({"carrier_id": carrier, "plate": "甘K·A1234", "capacity_g": 2_500, "capacity_ml": 100_000}),
            Some(&v.op),
        )
        .await;
    assert_eq!(van.status, 201, "{}", van.text);
    let dup = app
        .post(
            "/api/v1/admin/vehicles",
            json!({"carrier_id": carrier, "plate": "甘K·A1234", "capacity_g": 2_500, "capacity_ml": 100_000}),
            Some(&v.op),
        )
        .await;
    assert_eq!(dup.status, 409);

    // Three orders of 1 kg each for the 09:30 trip (cut-off 08:30).
    let mut ids = Vec::new();
    for _ in 0..3 {
        let o = accepted(&app, &v, 2).await;
        assert_eq!(o["plan"]["departs_at"], "2026-11-23T01:30:00Z");
        ids.push(o["id"].as_i64().unwrap());
        app.clock.advance(Duration::minutes(1));
    }
    // Before the cut-off nothing is planned.
    app.worker().run_pending().await.unwrap();
    let op = app.operator_token().await;
    assert_eq!(
        app.get("/api/v1/admin/trips", Some(&op)).await.body,
        json!([])
    );
    // 08:31: planned. Two orders fit the van; the newest rolls to 15:00.
    app.clock
        .set(Utc.with_ymd_and_hms(2026, 11, 23, 0, 31, 0).unwrap());
    app.worker().run_pending().await.unwrap();
    let op = app.operator_token().await;
    let trips = app.get("/api/v1/admin/trips", Some(&op)).await;
    assert_eq!(trips.status, 200, "{}", trips.text);
    let t = &trips.body[0];
    assert_eq!(trips.body.as_array().unwrap().len(), 1, "{}", trips.text);
    assert_eq!(t["trip"]["load_g"], 2_000);
    assert_eq!(t["trip"]["status"], "planned");
    let stops = t["stops"].as_array().unwrap();
    assert_eq!(stops[0]["kind"], "pickup");
    assert_eq!(stops.last().unwrap()["kind"], "drop");
    assert!(
        stops
            .windows(2)
            .all(|w| w[0]["eta"].as_str() <= w[1]["eta"].as_str())
    );
    let carried: Vec<i64> = t["packages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["order_id"].as_i64().unwrap())
        .collect();
    assert_eq!(carried, ids[..2]);
    assert!(
        t["packages"][0].get("handover_code").is_none(),
        "codes stay with the keeper"
    );
    let rolled = app
        .get(
            &format!("/api/v1/orders/{}", ids[2]),
            Some(&app.demo_token("yang").await),
        )
        .await;
    assert_eq!(
        rolled.body["plan"]["departs_at"], "2026-11-23T07:00:00Z",
        "{}",
        rolled.text
    );
    let last = rolled.body["timeline"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .clone();
    assert_eq!(last["event"], "roll_over");
    assert!(last["reason"].as_str().unwrap().contains("full"), "{last}");
    assert_eq!(rolled.body["status"], "accepted");

    // Planning again changes nothing.
    app.clock.advance(Duration::minutes(5));
    app.worker().run_pending().await.unwrap();
    let again = app.get("/api/v1/admin/trips", Some(&op)).await;
    assert_eq!(again.body.as_array().unwrap().len(), 1);
    assert_eq!(again.body[0]["trip"]["id"], t["trip"]["id"]);

    // The carrier's driver sees the trip; a driver of another carrier does not.
    let driver = app.demo_token("driver-zhou").await;
    let uid = app.get("/api/v1/me", Some(&driver)).await.body["id"].clone();
    let d = app
        .post("/api/v1/admin/drivers", json!({"carrier_id": carrier, "user_id": uid, "name": "周师傅", "phone": "13900000003"}), Some(&op))
        .await;
    assert_eq!(d.status, 201, "{}", d.text);
    let driver = app.demo_token("driver-zhou").await; // the new role is in a new token
    let mine = app.get("/api/v1/driver/trips", Some(&driver)).await;
    assert_eq!(mine.status, 200, "{}", mine.text);
    assert_eq!(mine.body.as_array().unwrap().len(), 1);
    let other = app
        .post(
            "/api/v1/admin/carriers",
            json!({"name": "顺路物流", "contact_phone": "09395100001"}),
            Some(&op),
        )
        .await;
    let stranger = app.demo_token("driver-wu").await;
    let sid = app.get("/api/v1/me", Some(&stranger)).await.body["id"].clone();
    app.post("/api/v1/admin/drivers", json!({"carrier_id": other.body["id"], "user_id": sid, "name": "吴师傅", "phone": "13900000004"}), Some(&op))
        .await;
    let stranger = app.demo_token("driver-wu").await;
    assert_eq!(
        app.get("/api/v1/driver/trips", Some(&stranger)).await.body,
        json!([])
    );
    let resident = app.demo_token("yang").await;
    assert_eq!(
        app.get("/api/v1/driver/trips", Some(&resident))
            .await
            .status,
        403
    );
}

both!(departures_are_planned_once_at_cutoff_and_full_trips_roll_over);

async fn a_trip_runs_from_kitchen_to_agent_point_to_resident(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let v = village(&app).await;
    let c = app
        .post(
            "/api/v1/admin/carriers",
            json!({"name": "康县邮政速递", "contact_phone": "09395100000"}),
            Some(&v.op),
        )
        .await;
    let carrier = c.body["id"].as_i64().unwrap();
    app.post(
        "/api/v1/admin/vehicles",
        json!({"carrier_id": carrier, "plate": "甘K·A1234", "capacity_g": 800_000, "capacity_ml": 4_000_000}),
        Some(&v.op),
    )
    .await;
    let zhou = app.demo_token("driver-zhou").await;
    let uid = app.get("/api/v1/me", Some(&zhou)).await.body["id"].clone();
    app.post(
        "/api/v1/admin/drivers",
        json!({"carrier_id": carrier, "user_id": uid, "name": "周师傅", "phone": "13900000003"}),
        Some(&v.op),
    )
    .await;
    let hua = app.demo_token("keeper-hua").await;
    let kid = app.get("/api/v1/me", Some(&hua)).await.body["id"].clone();
    let a = accepted(&app, &v, 2).await;
    let b = accepted(&app, &v, 2).await;
    let point = a["plan"]["agent_point_id"].as_i64().unwrap();
    let k = app
        .post(
            &format!("/api/v1/admin/agent-points/{point}/keepers"),
            json!({"user_id": kid}),
            Some(&v.op),
        )
        .await;
    assert_eq!(k.status, 201, "{}", k.text);
    let (a, b) = (a["id"].as_i64().unwrap(), b["id"].as_i64().unwrap());
    // Only the first order is ready when the van comes.
    app.post(
        &format!("/api/v1/merchant/orders/{a}/ready"),
        json!({}),
        Some(&v.kitchen),
    )
    .await;
    app.clock
        .set(Utc.with_ymd_and_hms(2026, 11, 23, 0, 31, 0).unwrap());
    app.worker().run_pending().await.unwrap();
    let zhou = app.demo_token("driver-zhou").await;
    let trips = app.get("/api/v1/driver/trips", Some(&zhou)).await;
    let t = trips.body[0].clone();
    let id = t["trip"]["id"].as_i64().unwrap();
    let stops = t["stops"].as_array().unwrap().clone();
    assert_eq!(stops[0]["kind"], "pickup");
    let drop = stops.iter().find(|s| s["kind"] == "drop").unwrap().clone();

    // At the store: too far first, then there; the kitchen hands over.
    let far = app
        .post(
            &format!("/api/v1/driver/trips/{id}/stops/1/arrive"),
            json!({"lat": 33.40, "lng": 105.70}),
            Some(&zhou),
        )
        .await;
    assert_eq!(far.status, 422, "{}", far.text);
    let there = json!({"lat": stops[0]["lat"], "lng": stops[0]["lng"]});
    let arr = app
        .post(
            &format!("/api/v1/driver/trips/{id}/stops/1/arrive"),
            there,
            Some(&zhou),
        )
        .await;
    assert_eq!(arr.status, 200, "{}", arr.text);
    let kitchen = app.demo_token("huaqiao").await;
    let labels = app
        .get(
            &format!("/api/v1/merchant/trips/{id}/labels"),
            Some(&kitchen),
        )
        .await;
    assert_eq!(labels.body.as_array().unwrap().len(), 2, "{}", labels.text);
    let code_a = labels
        .body
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["order_id"] == a)
        .unwrap()["handover_code"]
        .as_str()
        .unwrap()
        .to_owned();
    let h = app
        .post(
            &format!("/api/v1/merchant/trips/{id}/stops/1/handover"),
            json!({}),
            Some(&kitchen),
        )
        .await;
    assert_eq!(h.body["packages"], 1, "only the ready order: {}", h.text);

    // Leaving town: the unready order must be left behind with a reason.
    let dep = app
        .post(
            &format!("/api/v1/driver/trips/{id}/depart"),
            json!({}),
            Some(&zhou),
        )
        .await;
    assert_eq!(dep.status, 422, "{}", dep.text);
    let dep = app
        .post(
            &format!("/api/v1/driver/trips/{id}/depart"),
            json!({"left_behind": [{"order_id": b, "reason": "未备好"}]}),
            Some(&zhou),
        )
        .await;
    assert_eq!(dep.status, 200, "{}", dep.text);
    assert_eq!(dep.body["status"], "departed");
    let yang = app.demo_token("yang").await;
    let ob = app.get(&format!("/api/v1/orders/{b}"), Some(&yang)).await;
    assert_eq!(ob.body["plan"]["departs_at"], "2026-11-23T07:00:00Z");
    let oa = app.get(&format!("/api/v1/orders/{a}"), Some(&yang)).await;
    assert_eq!(oa.body["status"], "on_trip");

    // At the village: the keeper takes the package by its label's code.
    let seq = drop["seq"].as_i64().unwrap();
    app.post(
        &format!("/api/v1/driver/trips/{id}/stops/{seq}/arrive"),
        json!({"lat": drop["lat"], "lng": drop["lng"]}),
        Some(&zhou),
    )
    .await;
    let hua = app.demo_token("keeper-hua").await;
    let wrong = app
        .post(
            &format!("/api/v1/keeper/trips/{id}/stops/{seq}/handover"),
            json!({"codes": ["000000x"]}),
            Some(&hua),
        )
        .await;
    assert_eq!(wrong.status, 422);
    let ok = app
        .post(
            &format!("/api/v1/keeper/trips/{id}/stops/{seq}/handover"),
            json!({"codes": [code_a]}),
            Some(&hua),
        )
        .await;
    assert_eq!(ok.body["packages"], 1, "{}", ok.text);
    let oa = app.get(&format!("/api/v1/orders/{a}"), Some(&yang)).await;
    assert_eq!(oa.body["status"], "at_agent_point");
    let pickup = oa.body["pickup_code"].as_str().unwrap().to_owned();
    // The keeper's day: the package waits for its resident (name masked).
    let mine = app.get("/api/v1/keeper/packages", Some(&hua)).await;
    assert_eq!(mine.status, 200, "{}", mine.text);
    assert_eq!(mine.body["waiting"][0]["order_id"], a, "{}", mine.text);
    assert_eq!(mine.body["waiting"][0]["status"], "at_agent_point");
    assert!(
        mine.body["waiting"][0]["resident"]
            .as_str()
            .is_some_and(|n| !n.is_empty() && n.chars().skip(1).all(|c| c == '*')),
        "{}",
        mine.text
    );
    assert_eq!(mine.body["collected"], json!([]));
    assert_eq!(
        app.get("/api/v1/keeper/packages", Some(&yang)).await.status,
        403,
        "a resident keeps no point"
    );
    // The resident collects with the pickup code.
    let bad = app
        .post(
            &format!("/api/v1/keeper/orders/{a}/collect"),
            json!({"code": "x"}),
            Some(&hua),
        )
        .await;
    assert_eq!(bad.code(), "DELIVERY_CODE_WRONG");
    assert_eq!(
        app.post(
            &format!("/api/v1/keeper/orders/{a}/collect"),
            json!({"code": pickup}),
            Some(&yang)
        )
        .await
        .status,
        403,
        "only keepers hand out"
    );
    let got = app
        .post(
            &format!("/api/v1/keeper/orders/{a}/collect"),
            json!({"code": pickup}),
            Some(&hua),
        )
        .await;
    assert_eq!(got.body["status"], "delivered", "{}", got.text);
    let mine = app.get("/api/v1/keeper/packages", Some(&hua)).await;
    assert_eq!(mine.body["waiting"], json!([]), "{}", mine.text);
    assert_eq!(mine.body["collected"][0]["order_id"], a, "{}", mine.text);
    let done = app
        .post(
            &format!("/api/v1/driver/trips/{id}/complete"),
            json!({}),
            Some(&zhou),
        )
        .await;
    assert_eq!(done.body["status"], "completed", "{}", done.text);
    // The books: the delivered order left escrow; the left-behind one is still there.
    let op = app.operator_token().await;
    let tb = app
        .get("/api/v1/admin/ledger/trial-balance", Some(&op))
        .await;
    assert_eq!(tb.body["balanced"], true);
    let escrow: i64 = tb.body["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|x| x["kind"] == "escrow")
        .map(|x| x["balance_fen"].as_i64().unwrap())
        .sum();
    assert_eq!(escrow, ob.body["payable_fen"].as_i64().unwrap());
    // The agent point earned its fee for the package collected there: in
    // the books, in the keeper's own account, in the statistics.
    let fee =
        app.get("/api/v1/admin/fee-rules", Some(&op)).await.body[0]["rules"]["agent_point_fee_fen"]
            .as_i64()
            .unwrap();
    assert!(fee > 0, "the default rules pay agent points");
    let agent: i64 = tb.body["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|x| x["kind"] == "agent_point_payable")
        .map(|x| x["balance_fen"].as_i64().unwrap())
        .sum();
    assert_eq!(agent, fee);
    let mine = app.get("/api/v1/keeper/account", Some(&hua)).await;
    assert_eq!(mine.status, 200, "{}", mine.text);
    assert_eq!(mine.body["balance_fen"], fee, "{}", mine.text);
    assert_eq!(
        app.get("/api/v1/keeper/account", Some(&yang)).await.status,
        403,
        "a resident keeps no point"
    );
    let payouts = app.get("/api/v1/keeper/payouts", Some(&hua)).await;
    assert_eq!(payouts.status, 200, "{}", payouts.text);
    assert_eq!(payouts.body["available_fen"], 0, "not settled yet");
    let day = app.clock.now_utc().date_naive();
    let stats = app
        .get(
            &format!(
                "/api/v1/admin/stats?from={}&to={}",
                day - chrono::Duration::days(1),
                day + chrono::Duration::days(1)
            ),
            Some(&op),
        )
        .await;
    assert_eq!(stats.body["agent_point_fen"], fee, "{}", stats.text);
}

both!(a_trip_runs_from_kitchen_to_agent_point_to_resident);

async fn cold_compartments_report_temperatures_and_raise_alerts(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let v = village(&app).await;
    let c = app
        .post(
            "/api/v1/admin/carriers",
            json!({"name": "冷链车队", "contact_phone": "09395100000"}),
            Some(&v.op),
        )
        .await;
    let carrier = c.body["id"].as_i64().unwrap();
    let van = app
        .post(
            "/api/v1/admin/vehicles",
            json!({"carrier_id": carrier, "plate": "甘K·L0001", "capacity_g": 800_000, "capacity_ml": 4_000_000,
                   "frozen_ml": 200_000, "sensors": {"frozen": "T-FZ-01"}}),
            Some(&v.op),
        )
        .await;
    assert_eq!(van.status, 201, "{}", van.text);
    let zhou = app.demo_token("driver-zhou").await;
    let uid = app.get("/api/v1/me", Some(&zhou)).await.body["id"].clone();
    app.post(
        "/api/v1/admin/drivers",
        json!({"carrier_id": carrier, "user_id": uid, "name": "周师傅", "phone": "13900000003"}),
        Some(&v.op),
    )
    .await;
    // A frozen order.
    let frozen = app.kitchen_sku("速冻黑猪肉包子").await;
    let v2 = Village { sku: frozen, ..v };
    let o = accepted(&app, &v2, 1).await;
    assert_eq!(o["items"][0]["cold_chain"], "frozen");
    app.clock
        .set(Utc.with_ymd_and_hms(2026, 11, 23, 0, 31, 0).unwrap());
    app.worker().run_pending().await.unwrap();
    let zhou = app.demo_token("driver-zhou").await;
    let trips = app.get("/api/v1/driver/trips", Some(&zhou)).await;
    let id = trips.body[0]["trip"]["id"].as_i64().unwrap();
    assert!(
        trips.body[0]["trip"]["frozen_ml"].as_i64().unwrap() > 0,
        "{}",
        trips.text
    );
    let at = |m: i64| {
        (Utc.with_ymd_and_hms(2026, 11, 23, 0, 20, 0).unwrap() + Duration::minutes(m)).to_rfc3339()
    };
    let path = format!("/api/v1/driver/trips/{id}/temperatures");
    let post = |body: Value| app.post(&path, body, Some(&zhou));
    let impossible =
        post(json!({"readings": [{"sensor_id": "T-FZ-01", "at": at(0), "celsius": 99.0}]})).await;
    assert_eq!(impossible.status, 422, "{}", impossible.text);
    let stranger =
        post(json!({"readings": [{"sensor_id": "T-XX-99", "at": at(0), "celsius": -20.0}]})).await;
    assert_eq!(stranger.status, 422);
    let future =
        post(json!({"readings": [{"sensor_id": "T-FZ-01", "at": at(60), "celsius": -20.0}]})).await;
    assert_eq!(future.status, 422);
    let batch = json!({"readings": [
        {"sensor_id": "T-FZ-01", "at": at(2), "celsius": -14.0},
        {"sensor_id": "T-FZ-01", "at": at(0), "celsius": -20.0},
        {"sensor_id": "T-FZ-01", "at": at(1), "celsius": -19.5}
    ]});
    // The driver and the operator hear alerts as they happen.
    let live = app
        .client
        .get(format!(
            "{}/api/v1/driver/trips/{id}/alerts/stream",
            app.address
        ))
        .bearer_auth(&zhou)
        .send()
        .await
        .unwrap();
    assert_eq!(live.status(), 200);
    let op = app.operator_token().await;
    let ops_live = app
        .client
        .get(format!("{}/api/v1/admin/cold-alerts/stream", app.address))
        .bearer_auth(&op)
        .send()
        .await
        .unwrap();
    assert_eq!(ops_live.status(), 200);
    let r = post(batch.clone()).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body, json!({"accepted": 3, "duplicates": 0, "alerts": 1}));
    for stream in [live, ops_live] {
        let events = crate::orders::read_events(stream, 1).await;
        assert_eq!(events[0].1, "cold.alert");
        assert_eq!(events[0].2["celsius"], -14.0);
    }
    let again = post(batch).await;
    assert_eq!(
        again.body,
        json!({"accepted": 0, "duplicates": 3, "alerts": 0})
    );
    let op = app.operator_token().await;
    let alerts = app.get("/api/v1/admin/cold-alerts", Some(&op)).await;
    assert_eq!(alerts.body.as_array().unwrap().len(), 1, "{}", alerts.text);
    assert_eq!(alerts.body[0]["celsius"], -14.0);
    let mine = app
        .get(&format!("/api/v1/driver/trips/{id}/alerts"), Some(&zhou))
        .await;
    assert_eq!(mine.body.as_array().unwrap().len(), 1);
    let wu = app.demo_token("driver-wu").await;
    assert_eq!(
        app.get(&format!("/api/v1/driver/trips/{id}/alerts"), Some(&wu))
            .await
            .status,
        403
    );
}

both!(cold_compartments_report_temperatures_and_raise_alerts);
