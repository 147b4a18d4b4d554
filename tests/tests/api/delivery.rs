//! The to-door line, part 2: riders, grab and automatic dispatch, pickup,
//! delivery code, tracking and earnings.

use chrono::{Duration, TimeZone, Utc};
use serde_json::{Value, json};
use tests::app::ClockExt;
use tests::{Backend, TestApp, both};

/// Monday 2026-11-23 10:00 in Kang county (UTC+8).
pub(crate) fn monday_10am() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 23, 2, 0, 0).unwrap()
}

/// A valid ID number (GB 11643 check character) for sequence `n`.
fn id_number(n: u32) -> String {
    let body = format!("621024199001{:02}{:03}", 1 + n / 1000 % 28, n % 1000);
    const W: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    let sum: u32 = body
        .bytes()
        .zip(W)
        .map(|(b, w)| u32::from(b - b'0') * w)
        .sum();
    let check = b"10X98765432"[(sum % 11) as usize] as char;
    format!("{body}{check}")
}

pub(crate) fn registration(n: u32) -> Value {
    json!({
        "real_name": "测试骑手", "phone": "13900000000", "id_number": id_number(n),
        "vehicle": "e_bike", "health_cert_no": format!("JK{n:06}"),
        "health_cert_expires": "2027-06-30", "poor_household": n.is_multiple_of(2)
    })
}

/// Reads an event stream until `until` appears, or to its end (10 s at most).
pub(crate) async fn read_until(resp: reqwest::Response, until: Option<&str>) -> String {
    use futures_util::StreamExt;
    let mut body = resp.bytes_stream();
    let mut text = String::new();
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        match tokio::time::timeout_at(deadline, body.next()).await {
            Ok(Some(Ok(chunk))) => {
                text.push_str(&String::from_utf8_lossy(&chunk));
                if until.is_some_and(|u| text.contains(u)) {
                    return text;
                }
            }
            Ok(None) if until.is_none() => return text,
            other => panic!(
                "stream ended or stalled ({:?}): {text}",
                other.map(|o| o.is_some())
            ),
        }
    }
}

/// The huaqiao kitchen and store position.
pub(crate) const STORE: (f64, f64) = (33.3297, 105.6079);

pub(crate) async fn on_duty_at(app: &TestApp, token: &str, at: (f64, f64)) {
    let d = app
        .post("/api/v1/rider/duty", json!({"on": true}), Some(token))
        .await;
    assert_eq!(d.status, 200, "{}", d.text);
    let l = app
        .post(
            "/api/v1/rider/location",
            json!({"points": [{"lat": at.0, "lng": at.1, "at": app.clock.now_utc()}]}),
            Some(token),
        )
        .await;
    assert_eq!(l.status, 200, "{}", l.text);
}

/// A paid city order of two pork buns, not yet accepted; returns its id.
pub(crate) async fn paid_order(app: &TestApp, resident: &str) -> i64 {
    let a = app
        .post("/api/v1/addresses", json!({"contact_name": "张三", "contact_phone": "13800000001", "detail": "东关社区 3 号楼", "location": {"lat": 33.3360, "lng": 105.6160}}), Some(resident))
        .await;
    assert_eq!(a.status, 201, "{}", a.text);
    let kitchen = app.demo_token("huaqiao").await;
    let store = app.get("/api/v1/merchant/store", Some(&kitchen)).await.body["id"]
        .as_i64()
        .unwrap();
    let sku = app.kitchen_sku("黑猪肉包子").await;
    let o = app
        .post(
            "/api/v1/orders",
            json!({"store_id": store, "address_id": a.body["id"], "items": [{"sku_id": sku, "qty": 2}]}),
            Some(resident),
        )
        .await;
    assert_eq!(o.status, 201, "{}", o.text);
    let id = o.body["id"].as_i64().unwrap();
    let p = app
        .post(
            &format!("/api/v1/orders/{id}/pay"),
            json!({}),
            Some(resident),
        )
        .await;
    let confirm = p.body["confirm_path"].as_str().unwrap().to_owned();
    assert_eq!(
        app.post(&confirm, json!({}), Some(resident)).await.status,
        200
    );
    id
}

/// A paid city order accepted by the kitchen; returns (kitchen, order id, job id).
pub(crate) async fn accepted_order(app: &TestApp, resident: &str) -> (String, i64, i64) {
    let id = paid_order(app, resident).await;
    let kitchen = app.demo_token("huaqiao").await;
    let acc = app
        .post(
            &format!("/api/v1/merchant/orders/{id}/accept"),
            json!({}),
            Some(&kitchen),
        )
        .await;
    assert_eq!(acc.status, 200, "{}", acc.text);
    let op = app.operator_token().await;
    let mon = app.get("/api/v1/admin/dispatch", Some(&op)).await;
    let job = mon.body["jobs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|j| j["order_id"] == id)
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    (kitchen, id, job)
}

async fn riders_register_get_reviewed_and_go_on_duty(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.clock.set(monday_10am());
    let op = app.operator_token().await;
    let me = app.demo_token("new-rider").await;

    let mut bad = registration(1);
    bad["id_number"] = json!("621024199001010011");
    let r = app.post("/api/v1/rider/registration", bad, Some(&me)).await;
    assert_eq!(r.status, 422, "{}", r.text);
    assert_eq!(r.code(), "VALIDATION_FAILED");
    let mut expired = registration(1);
    expired["health_cert_expires"] = json!("2026-11-01");
    let r = app
        .post("/api/v1/rider/registration", expired, Some(&me))
        .await;
    assert_eq!(r.status, 422, "{}", r.text);

    let r = app
        .post("/api/v1/rider/registration", registration(1), Some(&me))
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.body["status"], "pending");
    assert_eq!(r.body["id_number_last4"], id_number(1)[14..]);
    assert!(
        r.body.get("id_number_hash").is_none(),
        "the hash is not shown"
    );
    assert!(
        !r.text.contains(&id_number(1)),
        "the ID number is not stored"
    );
    let rider_id = r.body["id"].as_i64().unwrap();
    let again = app
        .post("/api/v1/rider/registration", registration(1), Some(&me))
        .await;
    assert_eq!(again.code(), "RIDER_ALREADY_REGISTERED");
    let other = app.demo_token("copycat").await;
    let dup = app
        .post("/api/v1/rider/registration", registration(1), Some(&other))
        .await;
    assert_eq!(dup.status, 409);
    assert_eq!(dup.code(), "ID_NUMBER_TAKEN");

    let d = app
        .post("/api/v1/rider/duty", json!({"on": true}), Some(&me))
        .await;
    assert_eq!(d.status, 403);
    assert_eq!(d.code(), "RIDER_NOT_VERIFIED");

    // Only operators review.
    assert_eq!(app.get("/api/v1/admin/riders", Some(&me)).await.status, 403);
    let q = app.get("/api/v1/admin/riders", Some(&op)).await;
    assert!(
        q.body
            .as_array()
            .unwrap()
            .iter()
            .any(|x| x["id"] == rider_id)
    );
    let path = format!("/api/v1/admin/riders/{rider_id}/review");
    let no_reason = app.post(&path, json!({"approve": false}), Some(&op)).await;
    assert_eq!(no_reason.status, 422);
    let ok = app.post(&path, json!({"approve": true}), Some(&op)).await;
    assert_eq!(ok.status, 200, "{}", ok.text);
    assert_eq!(ok.body["status"], "verified");
    let twice = app
        .post(&path, json!({"approve": false, "reason": "x"}), Some(&op))
        .await;
    assert_eq!(twice.code(), "APPLICATION_ALREADY_DECIDED");

    on_duty_at(&app, &me, STORE).await;
    // Locations: a jump at 400 km/h is dropped; impossible values refuse the batch.
    let t = app.clock.now_utc();
    let l = app
        .post(
            "/api/v1/rider/location",
            json!({"points": [
                {"lat": 33.3330, "lng": 105.6142, "at": t + Duration::seconds(60)},
                {"lat": 33.4330, "lng": 105.6142, "at": t + Duration::seconds(90)}
            ]}),
            Some(&me),
        )
        .await;
    assert_eq!(l.status, 422, "a point in the future: {}", l.text);
    app.clock.advance(Duration::seconds(120));
    let l = app
        .post(
            "/api/v1/rider/location",
            json!({"points": [
                {"lat": 33.3330, "lng": 105.6142, "at": t + Duration::seconds(60)},
                {"lat": 33.4330, "lng": 105.6142, "at": t + Duration::seconds(90)}
            ]}),
            Some(&me),
        )
        .await;
    assert_eq!(l.status, 200, "{}", l.text);
    assert_eq!(l.body["accepted"], 1);
    assert_eq!(l.body["rejected"], 1);
    let bad = app
        .post(
            "/api/v1/rider/location",
            json!({"points": [{"lat": 95.0, "lng": 105.0, "at": t}]}),
            Some(&me),
        )
        .await;
    assert_eq!(bad.status, 422);
    let mine = app.get("/api/v1/rider/me", Some(&me)).await;
    assert_eq!(mine.body["lat"], 33.3330);
    assert_eq!(mine.body["on_duty"], true);

    // The certificate expires: the worker takes the rider off duty.
    app.clock
        .set(Utc.with_ymd_and_hms(2027, 7, 2, 2, 0, 0).unwrap());
    app.worker().run_pending().await.unwrap();
    let me = app.demo_token("new-rider").await;
    assert_eq!(
        app.get("/api/v1/rider/me", Some(&me)).await.body["on_duty"],
        false
    );
    let d = app
        .post("/api/v1/rider/duty", json!({"on": true}), Some(&me))
        .await;
    assert_eq!(d.code(), "HEALTH_CERT_EXPIRED");
}

async fn a_city_order_is_grabbed_picked_up_and_delivered(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.clock.set(monday_10am());
    let resident = app.demo_token("zhang").await;
    let (kitchen, order, job) = accepted_order(&app, &resident).await;
    let wang = app.demo_token("rider-wang").await;
    let li = app.demo_token("rider-li").await;
    on_duty_at(&app, &wang, (33.3330, 105.6150)).await;
    on_duty_at(&app, &li, (33.3400, 105.6200)).await;

    let pool = app.get("/api/v1/rider/jobs/available", Some(&wang)).await;
    assert_eq!(pool.status, 200, "{}", pool.text);
    assert_eq!(pool.body[0]["id"], job);
    assert!(pool.body[0]["rider_fee_fen"].as_i64().unwrap() >= 400);
    let o = app
        .get(&format!("/api/v1/orders/{order}"), Some(&resident))
        .await;
    let code = o.body["delivery_code"].as_str().unwrap().to_owned();
    assert_eq!(code.len(), 4);
    let k = app
        .get("/api/v1/merchant/orders?status=accepted", Some(&kitchen))
        .await;
    assert!(
        !k.text.contains("delivery_code"),
        "the kitchen does not see the code"
    );

    let g = app
        .post(
            &format!("/api/v1/rider/jobs/{job}/grab"),
            json!({}),
            Some(&wang),
        )
        .await;
    assert_eq!(g.status, 200, "{}", g.text);
    let g2 = app
        .post(
            &format!("/api/v1/rider/jobs/{job}/grab"),
            json!({}),
            Some(&li),
        )
        .await;
    assert_eq!(g2.status, 409);
    assert_eq!(g2.code(), "JOB_TAKEN");
    let o = app
        .get(&format!("/api/v1/orders/{order}"), Some(&resident))
        .await;
    assert_eq!(o.body["status"], "rider_assigned");

    // Another rider cannot act on it; tracking waits for the pickup.
    let here = json!({"lat": STORE.0, "lng": STORE.1});
    let p = app
        .post(
            &format!("/api/v1/rider/jobs/{job}/pickup"),
            here.clone(),
            Some(&li),
        )
        .await;
    assert_eq!(p.status, 404);
    let t = app
        .get(&format!("/api/v1/orders/{order}/tracking"), Some(&resident))
        .await;
    assert_eq!(t.code(), "NOT_TRACKABLE");
    let p = app
        .post(
            &format!("/api/v1/rider/jobs/{job}/pickup"),
            here.clone(),
            Some(&wang),
        )
        .await;
    assert_eq!(p.code(), "ORDER_NOT_READY");
    let r = app
        .post(
            &format!("/api/v1/merchant/orders/{order}/ready"),
            json!({}),
            Some(&kitchen),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["status"], "rider_assigned");
    let far = app
        .post(
            &format!("/api/v1/rider/jobs/{job}/pickup"),
            json!({"lat": 33.3400, "lng": 105.6200}),
            Some(&wang),
        )
        .await;
    assert_eq!(far.code(), "OUTSIDE_PICKUP_GEOFENCE");
    let p = app
        .post(
            &format!("/api/v1/rider/jobs/{job}/pickup"),
            here,
            Some(&wang),
        )
        .await;
    assert_eq!(p.status, 200, "{}", p.text);
    assert_eq!(p.body["status"], "picked_up");

    // The resident follows the rider; nobody else can.
    app.clock.advance(Duration::seconds(60));
    let l = app
        .post(
            "/api/v1/rider/location",
            json!({"points": [{"lat": 33.3340, "lng": 105.6150, "at": app.clock.now_utc()}]}),
            Some(&wang),
        )
        .await;
    assert_eq!(l.body["accepted"], 1, "{}", l.text);
    let t = app
        .get(&format!("/api/v1/orders/{order}/tracking"), Some(&resident))
        .await;
    assert_eq!(t.status, 200, "{}", t.text);
    assert_eq!(t.body["lat"], 33.3340);
    assert!(t.body["remaining_m"].as_i64().unwrap() > 0);
    let live = app
        .client
        .get(format!("{}/api/v1/orders/{order}/stream", app.address))
        .bearer_auth(&resident)
        .send()
        .await
        .unwrap();
    assert_eq!(live.status(), 200);
    let seen = read_until(live, Some("event: tracking")).await;
    assert!(seen.contains("event: order.picked_up"), "{seen}");
    assert!(seen.contains("\"lat\":33.334"), "{seen}");
    let stranger = app.demo_token("nosy").await;
    let s = app
        .get(&format!("/api/v1/orders/{order}/stream"), Some(&stranger))
        .await;
    assert_eq!(s.status, 404);
    let t = app
        .get(&format!("/api/v1/orders/{order}/tracking"), Some(&stranger))
        .await;
    assert_eq!(t.status, 404);

    let wrong = if code == "0000" { "1111" } else { "0000" };
    let d = app
        .post(
            &format!("/api/v1/rider/jobs/{job}/deliver"),
            json!({"code": wrong}),
            Some(&wang),
        )
        .await;
    assert_eq!(d.status, 422);
    assert_eq!(d.code(), "DELIVERY_CODE_WRONG");
    let d = app
        .post(
            &format!("/api/v1/rider/jobs/{job}/deliver"),
            json!({"code": code}),
            Some(&li),
        )
        .await;
    assert_eq!(d.status, 404, "not li's job");
    let d = app
        .post(
            &format!("/api/v1/rider/jobs/{job}/deliver"),
            json!({"code": code}),
            Some(&wang),
        )
        .await;
    assert_eq!(d.status, 200, "{}", d.text);
    assert_eq!(d.body["status"], "delivered");
    let o = app
        .get(&format!("/api/v1/orders/{order}"), Some(&resident))
        .await;
    assert_eq!(o.body["status"], "delivered");
    let events: Vec<&str> = o.body["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["event"].as_str().unwrap())
        .collect();
    assert_eq!(
        events,
        [
            "created",
            "payment_confirmed",
            "merchant_accept",
            "assign_rider",
            "mark_ready",
            "pick_up",
            "deliver"
        ]
    );
    // The finished order's stream replays the timeline and ends by itself.
    let done = app
        .client
        .get(format!("{}/api/v1/orders/{order}/stream", app.address))
        .bearer_auth(&resident)
        .send()
        .await
        .unwrap();
    let all = read_until(done, None).await;
    assert!(all.contains("event: order.delivered"), "{all}");
    assert!(!all.contains("event: tracking"), "{all}");
    let op = app.operator_token().await;
    let track = app
        .get(
            &format!("/api/v1/admin/dispatch/jobs/{job}/track"),
            Some(&op),
        )
        .await;
    assert_eq!(track.status, 200, "{}", track.text);
    assert_eq!(track.body[0]["lat"], 33.3340, "{}", track.text);
    let e = app.get("/api/v1/rider/earnings", Some(&wang)).await;
    assert_eq!(e.status, 200, "{}", e.text);
    assert_eq!(e.body["jobs"][0]["job_id"], job);
    assert_eq!(e.body["days"][0]["jobs"], 1);
    assert_eq!(e.body["total_fen"], e.body["jobs"][0]["fee_fen"]);
    assert_eq!(
        app.get("/api/v1/rider/me", Some(&wang)).await.body["active_jobs"],
        0
    );
}

async fn three_wrong_codes_lock_the_job_for_an_operator(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.clock.set(monday_10am());
    let resident = app.demo_token("zhang").await;
    let (kitchen, order, job) = accepted_order(&app, &resident).await;
    let wang = app.demo_token("rider-wang").await;
    on_duty_at(&app, &wang, STORE).await;
    app.post(
        &format!("/api/v1/merchant/orders/{order}/ready"),
        json!({}),
        Some(&kitchen),
    )
    .await;
    app.post(
        &format!("/api/v1/rider/jobs/{job}/grab"),
        json!({}),
        Some(&wang),
    )
    .await;
    let p = app
        .post(
            &format!("/api/v1/rider/jobs/{job}/pickup"),
            json!({"lat": STORE.0, "lng": STORE.1}),
            Some(&wang),
        )
        .await;
    assert_eq!(p.status, 200, "{}", p.text);
    let code = app
        .get(&format!("/api/v1/orders/{order}"), Some(&resident))
        .await
        .body["delivery_code"]
        .as_str()
        .unwrap()
        .to_owned();
    let wrong = if code == "0000" { "1111" } else { "0000" };
    let mut codes = Vec::new();
    for _ in 0..4 {
        let d = app
            .post(
                &format!("/api/v1/rider/jobs/{job}/deliver"),
                json!({"code": wrong}),
                Some(&wang),
            )
            .await;
        codes.push(d.code().to_owned());
    }
    assert_eq!(
        codes,
        [
            "DELIVERY_CODE_WRONG",
            "DELIVERY_CODE_WRONG",
            "JOB_LOCKED",
            "JOB_LOCKED"
        ]
    );
    let d = app
        .post(
            &format!("/api/v1/rider/jobs/{job}/deliver"),
            json!({"code": code}),
            Some(&wang),
        )
        .await;
    assert_eq!(d.status, 423, "even the right code waits for the operator");
    let op = app.operator_token().await;
    let mon = app.get("/api/v1/admin/dispatch", Some(&op)).await;
    let j = mon.body["jobs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|j| j["id"] == job)
        .unwrap()
        .clone();
    assert_eq!(j["status"], "locked");
    assert_eq!(j["alert"], true);
    let r = app
        .post(
            &format!("/api/v1/admin/dispatch/jobs/{job}/resolve"),
            json!({"delivered": false}),
            Some(&op),
        )
        .await;
    assert_eq!(r.body["status"], "picked_up", "{}", r.text);
    let d = app
        .post(
            &format!("/api/v1/rider/jobs/{job}/deliver"),
            json!({"code": code}),
            Some(&wang),
        )
        .await;
    assert_eq!(d.status, 200, "{}", d.text);
}

async fn simultaneous_grabs_have_exactly_one_winner_and_capacity_holds(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.clock.set(monday_10am());
    let op = app.operator_token().await;
    let resident = app.demo_token("zhang").await;
    let (_, order, job) = accepted_order(&app, &resident).await;
    let mut tokens = Vec::new();
    for n in 0..50u32 {
        let t = app.demo_token(&format!("grabber-{n}")).await;
        let r = app
            .post(
                "/api/v1/rider/registration",
                registration(100 + n),
                Some(&t),
            )
            .await;
        assert_eq!(r.status, 201, "{}", r.text);
        let id = r.body["id"].as_i64().unwrap();
        let ok = app
            .post(
                &format!("/api/v1/admin/riders/{id}/review"),
                json!({"approve": true}),
                Some(&op),
            )
            .await;
        assert_eq!(ok.status, 200);
        on_duty_at(&app, &t, STORE).await;
        tokens.push(t);
    }
    let grabs = tokens.iter().map(|t| {
        app.send(
            app.client
                .post(format!("{}/api/v1/rider/jobs/{job}/grab", app.address))
                .bearer_auth(t)
                .json(&json!({})),
        )
    });
    let results = futures_util::future::join_all(grabs).await;
    let won = results.iter().filter(|r| r.status == 200).count();
    let taken = results.iter().filter(|r| r.code() == "JOB_TAKEN").count();
    assert_eq!(
        won,
        1,
        "{:?}",
        results
            .iter()
            .map(|r| r.code().to_owned())
            .collect::<Vec<_>>()
    );
    assert_eq!(taken, 49);
    let o = app
        .get(&format!("/api/v1/orders/{order}"), Some(&resident))
        .await;
    let assigns = o.body["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["event"] == "assign_rider")
        .count();
    assert_eq!(assigns, 1, "assigned once");

    // Capacity: the operator allows 2 jobs per rider; the 3rd grab is refused.
    let bad = app
        .send_json(
            reqwest::Method::PUT,
            "/api/v1/admin/dispatch/settings",
            Some(json!({"mode": "fast", "hybrid_wait_secs": 60, "rider_max_jobs": 2,
                   "offer_timeout_secs": 45, "unassigned_alert_secs": 300, "pickup_geofence_m": 200})),
            Some(&op),
        )
        .await;
    assert_eq!(bad.status, 422, "{}", bad.text);
    let cap = app
        .send_json(
            reqwest::Method::PUT,
            "/api/v1/admin/dispatch/settings",
            Some(json!({"mode": "hybrid", "hybrid_wait_secs": 60, "rider_max_jobs": 2,
                   "offer_timeout_secs": 45, "unassigned_alert_secs": 300, "pickup_geofence_m": 200})),
            Some(&op),
        )
        .await;
    assert_eq!(cap.status, 200, "{}", cap.text);
    let wang = app.demo_token("rider-wang").await;
    on_duty_at(&app, &wang, STORE).await;
    let mut codes = Vec::new();
    for _ in 0..3 {
        let (_, _, j) = accepted_order(&app, &resident).await;
        codes.push(
            app.post(
                &format!("/api/v1/rider/jobs/{j}/grab"),
                json!({}),
                Some(&wang),
            )
            .await
            .code()
            .to_owned(),
        );
    }
    assert_eq!(codes[2], "RIDER_AT_CAPACITY", "{codes:?}");
    assert_eq!(
        app.get("/api/v1/rider/me", Some(&wang)).await.body["active_jobs"],
        2
    );
}

async fn auto_dispatch_offers_redispatches_and_alerts(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.clock.set(monday_10am());
    let op = app.operator_token().await;
    let set = app
        .send_json(
            reqwest::Method::PUT,
            "/api/v1/admin/dispatch/settings",
            Some(json!({"mode": "auto", "hybrid_wait_secs": 0, "rider_max_jobs": 3,
                   "offer_timeout_secs": 30, "unassigned_alert_secs": 120, "pickup_geofence_m": 200})),
            Some(&op),
        )
        .await;
    assert_eq!(set.status, 200, "{}", set.text);
    let wang = app.demo_token("rider-wang").await;
    let li = app.demo_token("rider-li").await;
    on_duty_at(&app, &wang, (33.3320, 105.6145)).await;
    on_duty_at(&app, &li, (33.3450, 105.6250)).await;
    let resident = app.demo_token("zhang").await;
    let (_, order, job) = accepted_order(&app, &resident).await;
    let g = app
        .post(
            &format!("/api/v1/rider/jobs/{job}/grab"),
            json!({}),
            Some(&wang),
        )
        .await;
    assert_eq!(g.code(), "GRAB_NOT_ALLOWED");
    assert_eq!(
        app.get("/api/v1/rider/jobs/available", Some(&wang))
            .await
            .body,
        json!([])
    );

    let worker = app.worker();
    let round = |secs| {
        app.clock.advance(Duration::seconds(secs));
        worker.run_pending()
    };
    round(6).await.unwrap();
    // The nearer rider gets the offer and declines it.
    let w = app.get("/api/v1/rider/jobs", Some(&wang)).await;
    assert_eq!(w.body["offers"][0]["job_id"], job, "{}", w.text);
    assert_eq!(
        app.get("/api/v1/rider/jobs", Some(&li)).await.body["offers"],
        json!([])
    );
    let d = app
        .post(
            &format!("/api/v1/rider/jobs/{job}/decline"),
            json!({}),
            Some(&wang),
        )
        .await;
    assert_eq!(d.status, 204, "{}", d.text);
    let again = app
        .post(
            &format!("/api/v1/rider/jobs/{job}/accept"),
            json!({}),
            Some(&wang),
        )
        .await;
    assert_eq!(again.code(), "NO_OFFER");
    // Next round: the other rider; the offer expires unanswered.
    round(6).await.unwrap();
    let l = app.get("/api/v1/rider/jobs", Some(&li)).await;
    assert_eq!(l.body["offers"][0]["job_id"], job, "{}", l.text);
    assert_eq!(
        app.get("/api/v1/rider/jobs", Some(&wang)).await.body["offers"],
        json!([])
    );
    round(40).await.unwrap();
    let late = app
        .post(
            &format!("/api/v1/rider/jobs/{job}/accept"),
            json!({}),
            Some(&li),
        )
        .await;
    assert_eq!(late.code(), "NO_OFFER");
    // Nobody left who has not had it: the operator is alerted and assigns.
    round(120).await.unwrap();
    let mon = app.get("/api/v1/admin/dispatch", Some(&op)).await;
    assert_eq!(mon.body["mode"], "auto");
    let j = mon.body["jobs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|j| j["id"] == job)
        .unwrap()
        .clone();
    assert_eq!(j["status"], "open", "{j}");
    assert_eq!(j["alert"], true);
    let wang_id = app.get("/api/v1/rider/me", Some(&wang)).await.body["id"].clone();
    let a = app
        .post(
            &format!("/api/v1/admin/dispatch/jobs/{job}/assign"),
            json!({"rider_id": wang_id}),
            Some(&op),
        )
        .await;
    assert_eq!(a.status, 200, "{}", a.text);
    let o = app
        .get(&format!("/api/v1/orders/{order}"), Some(&resident))
        .await;
    assert_eq!(o.body["status"], "rider_assigned");

    // A second job: the offer is accepted; giving it up sends it back.
    let (_, _, job2) = accepted_order(&app, &resident).await;
    round(6).await.unwrap();
    let mut taker = None;
    for t in [&wang, &li] {
        let offers = app.get("/api/v1/rider/jobs", Some(t)).await.body["offers"].clone();
        if offers
            .as_array()
            .unwrap()
            .iter()
            .any(|o| o["job_id"] == job2)
        {
            taker = Some(t.clone());
        }
    }
    let taker = taker.expect("someone was offered the second job");
    let acc = app
        .post(
            &format!("/api/v1/rider/jobs/{job2}/accept"),
            json!({}),
            Some(&taker),
        )
        .await;
    assert_eq!(acc.status, 200, "{}", acc.text);
    assert_eq!(acc.body["status"], "assigned");
    let gu = app
        .post(
            &format!("/api/v1/rider/jobs/{job2}/give-up"),
            json!({}),
            Some(&taker),
        )
        .await;
    assert_eq!(gu.status, 200, "{}", gu.text);
    assert_eq!(gu.body["status"], "open");
    assert_eq!(
        app.get("/api/v1/rider/me", Some(&taker)).await.body["give_ups"],
        1
    );
}

both!(
    riders_register_get_reviewed_and_go_on_duty,
    a_city_order_is_grabbed_picked_up_and_delivered,
    three_wrong_codes_lock_the_job_for_an_operator,
    simultaneous_grabs_have_exactly_one_winner_and_capacity_holds,
    auto_dispatch_offers_redispatches_and_alerts
);
