//! The to-door line, part 3 (last step): cold-chain batches settled after
//! their trips — the carrier's fee for a kept chain, compensation and a
//! penalty for a broken one — with the resident's record, the carrier's
//! account, the exception queue of uncollected orders, and planning by
//! several workers at once.

use chrono::{DateTime, Duration, TimeZone, Utc};
use sea_orm::{ConnectionTrait, EntityTrait, Statement};
use serde_json::{Value, json};
use tests::{Backend, TestApp, balance, both};

use crate::village::{Village, accepted, village};

pub(crate) struct Fleet {
    pub(crate) carrier: i64,
}

/// A cold-chain carrier with two frozen vans, a managing driver (周) and
/// a plain one (吴), and the keeper (华) of the village's agent point.
pub(crate) async fn cold_fleet(app: &TestApp, op: &str) -> Fleet {
    let c = app
        .post(
            "/api/v1/admin/carriers",
            json!({"name": "冷链车队", "contact_phone": "09395100000"}),
            Some(op),
        )
        .await;
    let carrier = c.body["id"].as_i64().unwrap();
    for (plate, sensor) in [("甘K·L0001", "T-FZ-01"), ("甘K·L0002", "T-FZ-02")] {
        let van = app
            .post(
                "/api/v1/admin/vehicles",
                json!({"carrier_id": carrier, "plate": plate, "capacity_g": 800_000, "capacity_ml": 4_000_000,
                       "frozen_ml": 200_000, "sensors": {"frozen": sensor}}),
                Some(op),
            )
            .await;
        assert_eq!(van.status, 201, "{}", van.text);
    }
    for (who, name, manager) in [
        ("driver-zhou", "周师傅", true),
        ("driver-wu", "吴师傅", false),
    ] {
        let t = app.demo_token(who).await;
        let uid = app.get("/api/v1/me", Some(&t)).await.body["id"].clone();
        let d = app
            .post(
                "/api/v1/admin/drivers",
                json!({"carrier_id": carrier, "user_id": uid, "name": name, "phone": "13900000003", "manager": manager}),
                Some(op),
            )
            .await;
        assert_eq!(d.status, 201, "{}", d.text);
    }
    let hua = app.demo_token("keeper-hua").await;
    let kid = app.get("/api/v1/me", Some(&hua)).await.body["id"].clone();
    let point = app.agent_point("花桥村便民服务点").await;
    let k = app
        .post(
            &format!("/api/v1/admin/agent-points/{point}/keepers"),
            json!({"user_id": kid}),
            Some(op),
        )
        .await;
    assert_eq!(k.status, 201, "{}", k.text);
    Fleet { carrier }
}

/// The resident's village setup, ordering the kitchen's frozen buns.
async fn frozen_village(app: &TestApp) -> Village {
    let v = village(app).await;
    let frozen = app.kitchen_sku("速冻黑猪肉包子").await;
    Village { sku: frozen, ..v }
}

/// The same village with tokens minted now (the test clock moves on).
async fn fresh(app: &TestApp, v: &Village) -> Village {
    Village {
        resident: app.demo_token("yang").await,
        kitchen: app.demo_token("huaqiao").await,
        op: app.operator_token().await,
        address: v.address,
        sku: v.sku,
    }
}

/// Runs the planned trip leaving at `departs` with readings every minute
/// from departure (`temps`; none: a silent sensor and a 30-minute run),
/// drops at the village when they end, lets the
/// resident (demo user `resident`) take the orders of `collect`, and
/// completes the trip. Returns the trip id.
pub(crate) async fn run_trip(
    app: &TestApp,
    resident: &str,
    departs: DateTime<Utc>,
    temps: &[f64],
    collect: &[i64],
) -> i64 {
    app.clock.set(departs - Duration::minutes(10));
    let trips = app
        .get(
            "/api/v1/driver/trips",
            Some(&app.demo_token("driver-zhou").await),
        )
        .await;
    let t = trips
        .body
        .as_array()
        .unwrap()
        .iter()
        .find(|t| {
            t["trip"]["status"] == "planned"
                && t["trip"]["departs_at"]
                    .as_str()
                    .unwrap()
                    .parse::<DateTime<Utc>>()
                    .unwrap()
                    == departs
        })
        .unwrap_or_else(|| panic!("no trip at {departs}: {}", trips.text))
        .clone();
    let id = t["trip"]["id"].as_i64().unwrap();
    let stops = t["stops"].as_array().unwrap().clone();
    for p in t["packages"].as_array().unwrap() {
        app.post(
            &format!("/api/v1/merchant/orders/{}/ready", p["order_id"]),
            json!({}),
            Some(&app.demo_token("huaqiao").await),
        )
        .await;
    }
    let at = |s: &Value| json!({"lat": s["lat"], "lng": s["lng"]});
    let arr = app
        .post(
            &format!("/api/v1/driver/trips/{id}/stops/1/arrive"),
            at(&stops[0]),
            Some(&app.demo_token("driver-zhou").await),
        )
        .await;
    assert_eq!(arr.status, 200, "{}", arr.text);
    let labels = app
        .get(
            &format!("/api/v1/merchant/trips/{id}/labels"),
            Some(&app.demo_token("huaqiao").await),
        )
        .await;
    let codes: Vec<String> = labels
        .body
        .as_array()
        .unwrap_or_else(|| panic!("{}", labels.text))
        .iter()
        .map(|l| l["handover_code"].as_str().unwrap().to_owned())
        .collect();
    let h = app
        .post(
            &format!("/api/v1/merchant/trips/{id}/stops/1/handover"),
            json!({}),
            Some(&app.demo_token("huaqiao").await),
        )
        .await;
    assert_eq!(h.status, 200, "{}", h.text);
    app.clock.set(departs);
    let dep = app
        .post(
            &format!("/api/v1/driver/trips/{id}/depart"),
            json!({}),
            Some(&app.demo_token("driver-zhou").await),
        )
        .await;
    assert_eq!(dep.status, 200, "{}", dep.text);
    // The gateway uploads when the van has coverage again, at the village.
    let minutes = if temps.is_empty() {
        30
    } else {
        temps.len() as i64 - 1
    };
    let end = departs + Duration::minutes(minutes);
    app.clock.set(end);
    let chart = app
        .get(
            &format!("/api/v1/admin/trips/{id}/cold-chain"),
            Some(&app.operator_token().await),
        )
        .await;
    let sensor = chart.body[0]["batch"]["sensor_id"]
        .as_str()
        .unwrap()
        .to_owned();
    if !temps.is_empty() {
        let readings: Vec<Value> = temps
            .iter()
            .enumerate()
            .map(|(i, c)| {
                json!({"sensor_id": sensor, "at": (departs + Duration::minutes(i as i64)).to_rfc3339(), "celsius": c})
            })
            .collect();
        let r = app
            .post(
                &format!("/api/v1/driver/trips/{id}/temperatures"),
                json!({ "readings": readings }),
                Some(&app.demo_token("driver-zhou").await),
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.text);
    }
    let drop = stops.iter().find(|s| s["kind"] == "drop").unwrap();
    let seq = drop["seq"].as_i64().unwrap();
    app.post(
        &format!("/api/v1/driver/trips/{id}/stops/{seq}/arrive"),
        at(drop),
        Some(&app.demo_token("driver-zhou").await),
    )
    .await;
    let ok = app
        .post(
            &format!("/api/v1/keeper/trips/{id}/stops/{seq}/handover"),
            json!({ "codes": codes }),
            Some(&app.demo_token("keeper-hua").await),
        )
        .await;
    assert_eq!(ok.status, 200, "{}", ok.text);
    for o in collect {
        let view = app
            .get(
                &format!("/api/v1/orders/{o}"),
                Some(&app.demo_token(resident).await),
            )
            .await;
        let code = view.body["pickup_code"].as_str().unwrap().to_owned();
        let got = app
            .post(
                &format!("/api/v1/keeper/orders/{o}/collect"),
                json!({ "code": code }),
                Some(&app.demo_token("keeper-hua").await),
            )
            .await;
        assert_eq!(got.body["status"], "delivered", "{}", got.text);
    }
    app.clock.advance(Duration::minutes(1));
    let done = app
        .post(
            &format!("/api/v1/driver/trips/{id}/complete"),
            json!({}),
            Some(&app.demo_token("driver-zhou").await),
        )
        .await;
    assert_eq!(done.body["status"], "completed", "{}", done.text);
    id
}

/// One accepted frozen order of the resident `yang`, planned at its cut-off
/// onto the 09:30 departure; returns the order and the departure (UTC).
async fn a_morning_order(app: &TestApp) -> (i64, DateTime<Utc>) {
    let v = frozen_village(app).await;
    cold_fleet(app, &v.op).await;
    let a = accepted(app, &v, 1).await["id"].as_i64().unwrap();
    app.clock
        .set(Utc.with_ymd_and_hms(2026, 11, 23, 0, 31, 0).unwrap());
    app.worker().run_pending().await.unwrap();
    (a, Utc.with_ymd_and_hms(2026, 11, 23, 1, 30, 0).unwrap())
}

/// The trip's cold-chain settlements, once the 15-minute grace for late
/// readings has passed.
async fn settlements_after_grace(app: &TestApp, trip: i64) -> tests::Resp {
    app.clock.advance(Duration::minutes(16));
    app.worker().run_pending().await.unwrap();
    app.get(
        &format!("/api/v1/admin/cold-settlements?trip_id={trip}"),
        Some(&app.operator_token().await),
    )
    .await
}

async fn batches_are_settled_once_with_fee_or_compensation_and_penalty(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let v = frozen_village(&app).await;
    let fleet = cold_fleet(&app, &v.op).await;
    // The operator's stored frozen policy: 3 yuan per order kept cold, a
    // 10-yuan penalty and half the frozen goods back when broken.
    let bad = app
        .post(
            "/api/v1/admin/cold-chain/policies",
            json!({"class": "frozen", "rule": {"low_c": -60.0, "high_c": -18.0, "tolerated_low_c": -60.0,
                   "tolerated_high_c": -25.0, "max_excursion_secs": 900, "max_gap_secs": 600},
                   "carrier_fee_fen": 300, "penalty_fen": 1000, "compensation_bp": 5000}),
            Some(&app.operator_token().await),
        )
        .await;
    assert_eq!(bad.status, 422, "tolerance inside the band: {}", bad.text);
    let p = app
        .post(
            "/api/v1/admin/cold-chain/policies",
            json!({"class": "frozen", "rule": {"low_c": -60.0, "high_c": -18.0, "tolerated_low_c": -60.0,
                   "tolerated_high_c": -15.0, "max_excursion_secs": 900, "max_gap_secs": 600},
                   "carrier_fee_fen": 300, "penalty_fen": 1000, "compensation_bp": 5000}),
            Some(&app.operator_token().await),
        )
        .await;
    assert_eq!(p.status, 201, "{}", p.text);
    let policy_id = p.body["id"].as_i64().unwrap();
    let policies = app
        .get(
            "/api/v1/admin/cold-chain/policies",
            Some(&app.operator_token().await),
        )
        .await;
    let frozen = policies.body["current"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["class"] == "frozen")
        .unwrap()
        .clone();
    assert_eq!(frozen["id"], policy_id, "{}", policies.text);
    assert_eq!(frozen["carrier_fee_fen"], 300);
    assert_eq!(policies.body["versions"].as_array().unwrap().len(), 1);

    // Morning trip: one frozen order, kept at −20 °C for the hour.
    let a = accepted(&app, &v, 1).await["id"].as_i64().unwrap();
    app.clock
        .set(Utc.with_ymd_and_hms(2026, 11, 23, 0, 31, 0).unwrap());
    app.worker().run_pending().await.unwrap();
    let morning = Utc.with_ymd_and_hms(2026, 11, 23, 1, 30, 0).unwrap();
    let trip1 = run_trip(&app, "yang", morning, &[-20.0; 61], &[a]).await;
    let view = app
        .get(
            &format!("/api/v1/orders/{a}"),
            Some(&app.demo_token("yang").await),
        )
        .await;
    assert_eq!(
        view.body["cold_chain"][0]["status"], "in_transit",
        "{}",
        view.text
    );
    assert_eq!(view.body["cold_chain"][0]["max_c"], -20.0);
    // Not before late readings have had 15 minutes to arrive.
    app.worker().run_pending().await.unwrap();
    assert_eq!(app.count("cold_settlements").await, 0);
    app.clock.advance(Duration::minutes(16));
    app.worker().run_pending().await.unwrap();
    assert_eq!(app.count("cold_settlements").await, 1);
    let view = app
        .get(
            &format!("/api/v1/orders/{a}"),
            Some(&app.demo_token("yang").await),
        )
        .await;
    let rec = &view.body["cold_chain"][0];
    assert_eq!(rec["class"], "frozen");
    assert_eq!(rec["status"], "compliant", "{}", view.text);
    assert_eq!(rec["max_c"], -20.0);
    assert_eq!(rec["compensation_fen"], 0);
    let s = app
        .get(
            &format!("/api/v1/admin/cold-settlements?trip_id={trip1}"),
            Some(&app.operator_token().await),
        )
        .await;
    assert_eq!(s.body[0]["carrier_fee_fen"], 300);
    assert_eq!(s.body[0]["policy_id"], policy_id);
    assert_eq!(s.body[0]["carrier_id"], fleet.carrier);

    // Afternoon trip: two frozen orders; the compartment warms to −16 °C
    // for 20 minutes (more than the 15 tolerated). One resident collects,
    // the other does not come.
    app.clock
        .set(Utc.with_ymd_and_hms(2026, 11, 23, 3, 0, 0).unwrap());
    let v = fresh(&app, &v).await;
    let b = accepted(&app, &v, 2).await;
    let c = accepted(&app, &v, 1).await;
    assert_eq!(b["plan"]["departs_at"], "2026-11-23T07:00:00Z");
    let (b_goods, b) = (
        b["items"][0]["line_total_fen"].as_i64().unwrap(),
        b["id"].as_i64().unwrap(),
    );
    let (c_paid, c) = (
        c["payable_fen"].as_i64().unwrap(),
        c["id"].as_i64().unwrap(),
    );
    app.clock
        .set(Utc.with_ymd_and_hms(2026, 11, 23, 6, 1, 0).unwrap());
    app.worker().run_pending().await.unwrap();
    let afternoon = Utc.with_ymd_and_hms(2026, 11, 23, 7, 0, 0).unwrap();
    let temps: Vec<f64> = (0..=60)
        .map(|m| if (10..30).contains(&m) { -16.0 } else { -20.0 })
        .collect();
    let trip2 = run_trip(&app, "yang", afternoon, &temps, &[b]).await;
    let s = settlements_after_grace(&app, trip2).await;
    let rec = &s.body[0];
    assert_eq!(rec["compliant"], false, "{}", s.text);
    assert_eq!(rec["excursion_secs"], 1200);
    assert_eq!(rec["max_c"], -16.0);
    assert_eq!(rec["penalty_fen"], 2000, "both orders were aboard");
    assert_eq!(rec["carrier_fee_fen"], 0);
    let verdict: Value = serde_json::from_str(rec["verdict"].as_str().unwrap()).unwrap();
    assert_eq!(verdict["excursions"][0]["kind"], "warm");
    // The resident of B is compensated half the frozen goods, once; the
    // order stays delivered and says why.
    let view = app
        .get(
            &format!("/api/v1/orders/{b}"),
            Some(&app.demo_token("yang").await),
        )
        .await;
    assert_eq!(view.body["status"], "delivered");
    let rec = &view.body["cold_chain"][0];
    assert_eq!(rec["status"], "breached", "{}", view.text);
    assert_eq!(rec["compensation_fen"], b_goods / 2);
    assert!(
        view.body["timeline"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["event"] == "cold_chain_compensation")
    );
    let refunds = app
        .db
        .query_all_raw(Statement::from_string(
            app.db.get_database_backend(),
            format!("SELECT amount_fen, status, kind FROM refunds WHERE order_id = {b}"),
        ))
        .await
        .unwrap();
    assert_eq!(refunds.len(), 1);
    assert_eq!(
        refunds[0].try_get::<i64>("", "amount_fen").unwrap(),
        b_goods / 2
    );
    assert_eq!(
        refunds[0].try_get::<String>("", "status").unwrap(),
        "succeeded"
    );
    // Running again changes nothing, and the records cannot be edited.
    app.clock.advance(Duration::minutes(30));
    app.worker().run_pending().await.unwrap();
    assert_eq!(app.count("cold_settlements").await, 2);
    assert_eq!(
        app.count("refunds").await,
        2,
        "one compensation per affected order"
    );
    let backend_db = app.db.get_database_backend();
    for sql in [
        "UPDATE cold_settlements SET compliant = true",
        "DELETE FROM cold_settlements",
    ] {
        let err = app
            .db
            .execute_raw(Statement::from_string(backend_db, sql))
            .await
            .expect_err(sql)
            .to_string();
        assert!(err.contains("immutable"), "{sql}: {err}");
    }

    // The carrier's account: 80 % of the village fee of the two collected
    // orders, the morning's cold-chain fee, less the afternoon's penalty.
    let acct = app
        .get(
            "/api/v1/carrier/account",
            Some(&app.demo_token("driver-zhou").await),
        )
        .await;
    assert_eq!(acct.status, 200, "{}", acct.text);
    let fee = view.body["delivery_fee_fen"].as_i64().unwrap();
    assert_eq!(acct.body["balance_fen"], 2 * (fee * 8 / 10) + 300 - 2000);
    assert_eq!(
        app.get(
            "/api/v1/carrier/account",
            Some(&app.demo_token("driver-wu").await)
        )
        .await
        .status,
        403
    );
    assert_eq!(
        app.get(
            "/api/v1/carrier/account",
            Some(&app.demo_token("yang").await)
        )
        .await
        .status,
        403
    );
    let same = app
        .get(
            &format!("/api/v1/admin/carriers/{}/account", fleet.carrier),
            Some(&app.operator_token().await),
        )
        .await;
    assert_eq!(same.body["balance_fen"], acct.body["balance_fen"]);

    // The manager's payouts: nothing settled yet, so nothing to withdraw.
    let zhou = app.demo_token("driver-zhou").await;
    let mine = app.get("/api/v1/carrier/payouts", Some(&zhou)).await;
    assert_eq!(mine.status, 200, "{}", mine.text);
    assert_eq!(mine.body["available_fen"], 0);
    let ask = app
        .post(
            "/api/v1/carrier/payouts",
            json!({"amount_fen": 100}),
            Some(&zhou),
        )
        .await;
    assert_eq!(ask.code(), "INSUFFICIENT_BALANCE", "{}", ask.text);
    let wu = app.demo_token("driver-wu").await;
    assert_eq!(
        app.get("/api/v1/carrier/payouts", Some(&wu)).await.status,
        403
    );

    // How long orders may wait is the platform's to set (1 to 30 days).
    let op = app.operator_token().await;
    let settings = |days: i64| {
        app.send_json(
            reqwest::Method::PUT,
            "/api/v1/admin/village/settings",
            Some(json!({ "collect_within_days": days })),
            Some(&op),
        )
    };
    assert_eq!(settings(0).await.status, 422);
    let set = settings(3).await;
    assert_eq!(set.status, 200, "{}", set.text);
    assert_eq!(set.body["collect_within_days"], 3);

    // C waits at the agent point; three days on it is in the exception
    // queue, and the operator sends it back: the resident gets the rest.
    app.clock.advance(Duration::days(3));
    app.worker().run_pending().await.unwrap();
    let q = app
        .get(
            "/api/v1/admin/village/uncollected",
            Some(&app.operator_token().await),
        )
        .await;
    assert_eq!(q.body.as_array().unwrap().len(), 1, "{}", q.text);
    assert_eq!(q.body[0]["order_id"], c);
    let r = app
        .post(
            &format!("/api/v1/admin/village/uncollected/{c}/return"),
            json!({"reason": "三天未取，退回店家"}),
            Some(&app.operator_token().await),
        )
        .await;
    assert_eq!(r.body["status"], "refunding", "{}", r.text);
    let again = app
        .post(
            &format!("/api/v1/admin/village/uncollected/{c}/return"),
            json!({"reason": "again"}),
            Some(&app.operator_token().await),
        )
        .await;
    assert_eq!(again.status, 404);
    app.worker().run_pending().await.unwrap();
    let view = app
        .get(
            &format!("/api/v1/orders/{c}"),
            Some(&app.demo_token("yang").await),
        )
        .await;
    assert_eq!(view.body["status"], "refunded");
    let back: i64 = app
        .db
        .query_all_raw(Statement::from_string(
            backend_db,
            format!("SELECT amount_fen FROM refunds WHERE order_id = {c} AND status = 'succeeded'"),
        ))
        .await
        .unwrap()
        .iter()
        .map(|r| r.try_get::<i64>("", "amount_fen").unwrap())
        .sum();
    assert_eq!(
        back, c_paid,
        "compensation and refund add up to what was paid"
    );
    // The books: balanced, nothing left in escrow, and only B's
    // compensation is an expense (C's was absorbed by its refund).
    let tb = app
        .get(
            "/api/v1/admin/ledger/trial-balance",
            Some(&app.operator_token().await),
        )
        .await;
    assert_eq!(tb.body["balanced"], true, "{}", tb.text);
    assert_eq!(balance(&tb.body, "escrow"), 0);
    assert_eq!(balance(&tb.body, "compensation_expense"), b_goods / 2);
    // The day in the statistics: two trips, one batch of two kept cold.
    let stats = app
        .get(
            "/api/v1/admin/stats?from=2026-11-23&to=2026-11-23",
            Some(&app.operator_token().await),
        )
        .await;
    assert_eq!(stats.body["trips"], 2, "{}", stats.text);
    assert_eq!(stats.body["cold_batches"], 2);
    assert_eq!(stats.body["cold_compliance_bp"], 5_000);
    assert_eq!(stats.body["village_orders"], 2);
    assert_eq!(stats.body["villages_served"], 1);
}

/// A batch whose sensor sent nothing is judged on no evidence: coverage 0,
/// a verdict that says no data and names the sensor, and by the default
/// policy neither a fee, a penalty nor a compensation; the resident's
/// record says `no_data`.
async fn a_silent_sensor_is_no_data_not_a_breach(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (a, morning) = a_morning_order(&app).await;
    let trip = run_trip(&app, "yang", morning, &[], &[a]).await;
    let s = settlements_after_grace(&app, trip).await;
    let rec = &s.body[0];
    assert_eq!(rec["compliant"], false, "{}", s.text);
    assert_eq!(rec["coverage"], 0.0, "{}", s.text);
    assert_eq!(
        (
            rec["carrier_fee_fen"].as_i64(),
            rec["penalty_fen"].as_i64(),
            rec["compensation_fen"].as_i64()
        ),
        (Some(0), Some(0), Some(0)),
        "{}",
        s.text
    );
    let verdict: Value = serde_json::from_str(rec["verdict"].as_str().unwrap()).unwrap();
    assert_eq!(verdict["no_data"], true, "{verdict}");
    assert!(
        verdict["missing_sensor"]
            .as_str()
            .is_some_and(|s| !s.is_empty()),
        "{verdict}"
    );
    assert_eq!(app.count("refunds").await, 0, "nothing is compensated");
    let view = app
        .get(
            &format!("/api/v1/orders/{a}"),
            Some(&app.demo_token("yang").await),
        )
        .await;
    assert_eq!(
        view.body["cold_chain"][0]["status"], "no_data",
        "{}",
        view.text
    );
    assert_eq!(view.body["cold_chain"][0]["coverage"], 0.0);
}

/// The keeper has three tries of the resident's pickup code; then the
/// package waits for an operator, who lifts the lock after checking with
/// the resident. A wrong answer says how many tries are left.
async fn three_wrong_pickup_codes_lock_the_package_for_an_operator(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (a, morning) = a_morning_order(&app).await;
    run_trip(&app, "yang", morning, &[-20.0; 31], &[]).await;
    let right = app
        .get(
            &format!("/api/v1/orders/{a}"),
            Some(&app.demo_token("yang").await),
        )
        .await
        .body["pickup_code"]
        .as_str()
        .unwrap()
        .to_owned();
    let wrong = if right == "000000" {
        "000001"
    } else {
        "000000"
    };
    let keeper = app.demo_token("keeper-hua").await;
    let collect = |code: String| {
        let keeper = keeper.clone();
        let app = &app;
        async move {
            app.post(
                &format!("/api/v1/keeper/orders/{a}/collect"),
                json!({ "code": code }),
                Some(&keeper),
            )
            .await
        }
    };
    for left in [2, 1] {
        let r = collect(wrong.into()).await;
        assert_eq!(
            (r.status, r.code()),
            (422, "DELIVERY_CODE_WRONG"),
            "{}",
            r.text
        );
        assert!(
            r.body["message"]
                .as_str()
                .unwrap()
                .contains(&format!("{left} tries left")),
            "{}",
            r.text
        );
    }
    let r = collect(wrong.into()).await;
    assert_eq!((r.status, r.code()), (423, "PICKUP_LOCKED"), "{}", r.text);
    let r = collect(right.clone()).await;
    assert_eq!(
        (r.status, r.code()),
        (423, "PICKUP_LOCKED"),
        "the lock holds: {}",
        r.text
    );

    let url = format!("/api/v1/admin/village/packages/{a}/unlock");
    let r = app
        .post(&url, json!({}), Some(&app.demo_token("yang").await))
        .await;
    assert_eq!(r.status, 403, "{}", r.text);
    let op = app.operator_token().await;
    let r = app.post(&url, json!({}), Some(&op)).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["code_failures"], 0);
    let r = app.post(&url, json!({}), Some(&op)).await;
    assert_eq!(
        (r.status, r.code()),
        (409, "INVALID_JOB_STATE"),
        "{}",
        r.text
    );
    let r = collect(right).await;
    assert_eq!(r.body["status"], "delivered", "{}", r.text);
}

both!(
    batches_are_settled_once_with_fee_or_compensation_and_penalty,
    a_silent_sensor_is_no_data_not_a_breach,
    three_wrong_pickup_codes_lock_the_package_for_an_operator,
);

async fn several_workers_plan_a_departure_once(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let v = frozen_village(&app).await;
    cold_fleet(&app, &v.op).await;
    for _ in 0..4 {
        accepted(&app, &v, 1).await;
    }
    let now = Utc.with_ymd_and_hms(2026, 11, 23, 0, 31, 0).unwrap();
    let departs = Utc.with_ymd_and_hms(2026, 11, 23, 1, 30, 0).unwrap();
    let deps = entity::departure::Entity::find()
        .all(&app.db)
        .await
        .unwrap();
    let due = worker::village::departures::due_instances(&deps, 480, now);
    let (id, at) = *due.iter().find(|(_, at)| *at == departs).unwrap();
    // Four planners at once, each in its own transaction, as four worker
    // processes would: one plans, the others find it planned.
    let runs = (0..4).map(|_| {
        let db = app.db.clone();
        tokio::spawn(async move {
            let txn = entity::tx::begin_write(&db).await.unwrap();
            let planned = worker::village::departures::plan_departure(&txn, id, at, now)
                .await
                .unwrap();
            txn.commit().await.unwrap();
            matches!(planned, worker::village::departures::Planned::Now { .. })
        })
    });
    let mut fresh = 0;
    for r in futures_util::future::join_all(runs).await {
        fresh += usize::from(r.unwrap());
    }
    assert_eq!(fresh, 1, "exactly one planner planned");
    assert_eq!(app.count("departure_plans").await, 1);
    assert_eq!(app.count("trips").await, 1);
    assert_eq!(app.count("trip_packages").await, 4);
    assert_eq!(app.count("cold_batches").await, 1);
}

both!(several_workers_plan_a_departure_once);
