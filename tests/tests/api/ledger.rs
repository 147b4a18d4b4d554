//! The ledger: every fen a resident pays ends with a merchant, a rider, the
//! platform, or back with the resident — and the books always balance.

use chrono::Duration;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Statement};
use serde_json::json;
use tests::app::ClockExt;
use tests::{Backend, TestApp, balance, both};

use crate::delivery::{STORE, accepted_order, monday_10am, on_duty_at};

/// Delivers an accepted order with rider-wang; returns the rider's fee.
pub(crate) async fn deliver(
    app: &TestApp,
    resident: &str,
    kitchen: &str,
    order: i64,
    job: i64,
) -> i64 {
    let wang = app.demo_token("rider-wang").await;
    deliver_as(app, &wang, resident, kitchen, order, job).await
}

/// Delivers an accepted order with the rider signed in as `wang`; returns
/// the rider's fee.
pub(crate) async fn deliver_as(
    app: &TestApp,
    wang: &str,
    resident: &str,
    kitchen: &str,
    order: i64,
    job: i64,
) -> i64 {
    let wang = wang.to_owned();
    on_duty_at(app, &wang, STORE).await;
    let g = app
        .post(
            &format!("/api/v1/rider/jobs/{job}/grab"),
            json!({}),
            Some(&wang),
        )
        .await;
    assert_eq!(g.status, 200, "{}", g.text);
    app.post(
        &format!("/api/v1/merchant/orders/{order}/ready"),
        json!({}),
        Some(kitchen),
    )
    .await;
    let here = json!({"lat": STORE.0, "lng": STORE.1});
    let p = app
        .post(
            &format!("/api/v1/rider/jobs/{job}/pickup"),
            here,
            Some(&wang),
        )
        .await;
    assert_eq!(p.status, 200, "{}", p.text);
    let code = app
        .get(&format!("/api/v1/orders/{order}"), Some(resident))
        .await
        .body["delivery_code"]
        .as_str()
        .unwrap()
        .to_owned();
    let d = app
        .post(
            &format!("/api/v1/rider/jobs/{job}/deliver"),
            json!({"code": code}),
            Some(&wang),
        )
        .await;
    assert_eq!(d.status, 200, "{}", d.text);
    d.body["rider_fee_fen"].as_i64().unwrap()
}

async fn a_delivered_order_is_split_and_the_books_balance(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.clock.set(monday_10am());
    let op = app.operator_token().await;
    let resident = app.demo_token("zhang").await;
    let (kitchen, order, job) = accepted_order(&app, &resident).await;
    let o = app
        .get(&format!("/api/v1/orders/{order}"), Some(&resident))
        .await;
    let payable = o.body["payable_fen"].as_i64().unwrap();
    let goods =
        o.body["items_total_fen"].as_i64().unwrap() + o.body["packing_fee_fen"].as_i64().unwrap();

    // Paid, not delivered: the money waits in escrow.
    let tb = app
        .get("/api/v1/admin/ledger/trial-balance", Some(&op))
        .await;
    assert_eq!(tb.status, 200, "{}", tb.text);
    assert_eq!(tb.body["balanced"], true);
    assert_eq!(balance(&tb.body, "clearing"), payable);
    assert_eq!(balance(&tb.body, "escrow"), payable);

    let fee = deliver(&app, &resident, &kitchen, order, job).await;
    let tb = app
        .get("/api/v1/admin/ledger/trial-balance", Some(&op))
        .await;
    assert_eq!(tb.body["balanced"], true, "{}", tb.text);
    assert_eq!(tb.body["total_debits_fen"], tb.body["total_credits_fen"]);
    let commission = (goods * 500 + 5_000) / 10_000;
    assert_eq!(balance(&tb.body, "escrow"), 0);
    assert_eq!(balance(&tb.body, "clearing"), payable);
    assert_eq!(balance(&tb.body, "merchant_payable"), goods - commission);
    assert_eq!(balance(&tb.body, "rider_payable"), fee);
    assert_eq!(
        balance(&tb.body, "platform_revenue"),
        payable - (goods - commission) - fee
    );

    let rev = app
        .get(
            "/api/v1/admin/ledger/revenue?from=2026-11-23&to=2026-11-30",
            Some(&op),
        )
        .await;
    assert_eq!(rev.status, 200, "{}", rev.text);
    assert_eq!(rev.body[0]["date"], "2026-11-23");
    assert_eq!(
        rev.body[0]["revenue_fen"],
        balance(&tb.body, "platform_revenue")
    );
    // Completions racing from many workers book the delivery once.
    let postings = app.count("ledger_postings").await;
    let delivered = entity::order::Entity::find_by_id(order)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    let racers = (0..8).map(|_| {
        let db = app.db.clone();
        let o = delivered.clone();
        let now = app.clock.now_utc();
        tokio::spawn(async move {
            let txn = entity::tx::begin_write(&db).await.unwrap();
            let booked = entity::platform_end::ledger::book_delivery(&txn, &o, now)
                .await
                .unwrap();
            txn.commit().await.unwrap();
            booked
        })
    });
    for r in futures_util::future::join_all(racers).await {
        assert!(!r.unwrap());
    }
    assert_eq!(app.count("ledger_postings").await, postings);
    let acct = app.get("/api/v1/merchant/account", Some(&kitchen)).await;
    assert_eq!(acct.status, 200, "{}", acct.text);
    assert_eq!(acct.body["balance_fen"], goods - commission);
    assert_eq!(acct.body["entries"][0]["kind"], "delivered");
    assert!(
        acct.body["entries"][0]["memo"]
            .as_str()
            .unwrap()
            .contains("500 bp")
    );
    // Who may look.
    assert_eq!(
        app.get("/api/v1/admin/ledger/trial-balance", Some(&kitchen))
            .await
            .status,
        403
    );
    assert_eq!(
        app.get("/api/v1/merchant/account", Some(&resident))
            .await
            .status,
        403
    );
    let other_op = tests::app::second_platform_operator(&app).await;
    let theirs = app
        .get("/api/v1/admin/ledger/trial-balance", Some(&other_op))
        .await;
    assert_eq!(
        theirs.body["accounts"],
        json!([]),
        "another platform sees none of it"
    );
}

async fn refunds_book_the_money_back_out_of_escrow(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.clock.set(monday_10am());
    let op = app.operator_token().await;
    let resident = app.demo_token("zhang").await;
    let (kitchen, order, _) = accepted_order(&app, &resident).await;
    let _ = kitchen;
    // A second, paid but not accepted order is cancelled by the resident.
    let a = app.get("/api/v1/addresses", Some(&resident)).await.body[0]["id"].clone();
    let o = app
        .get(&format!("/api/v1/orders/{order}"), Some(&resident))
        .await;
    let sku = o.body["items"][0]["sku_id"].clone();
    let second = app
        .post(
            "/api/v1/orders",
            json!({"store_id": o.body["store_id"], "address_id": a, "items": [{"sku_id": sku, "qty": 2}]}),
            Some(&resident),
        )
        .await;
    let id = second.body["id"].as_i64().unwrap();
    let p = app
        .post(
            &format!("/api/v1/orders/{id}/pay"),
            json!({}),
            Some(&resident),
        )
        .await;
    let confirm = p.body["confirm_path"].as_str().unwrap().to_owned();
    app.post(&confirm, json!({}), Some(&resident)).await;
    let c = app
        .post(
            &format!("/api/v1/orders/{id}/cancel"),
            json!({}),
            Some(&resident),
        )
        .await;
    assert_eq!(c.body["status"], "refunding", "{}", c.text);
    app.worker().run_pending().await.unwrap();
    let c = app
        .get(&format!("/api/v1/orders/{id}"), Some(&resident))
        .await;
    assert_eq!(c.body["status"], "refunded");
    let tb = app
        .get("/api/v1/admin/ledger/trial-balance", Some(&op))
        .await;
    assert_eq!(tb.body["balanced"], true);
    // Only the first order's money remains, all of it in escrow.
    let first = o.body["payable_fen"].as_i64().unwrap();
    assert_eq!(balance(&tb.body, "clearing"), first);
    assert_eq!(balance(&tb.body, "escrow"), first);
    // Refund completions racing from many workers book it once.
    let postings = app.count("ledger_postings").await;
    let refund = entity::refund::Entity::find()
        .filter(entity::refund::Column::OrderId.eq(id))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    let racers = (0..8).map(|_| {
        let db = app.db.clone();
        let r = refund.clone();
        let now = app.clock.now_utc();
        tokio::spawn(async move {
            let txn = entity::tx::begin_write(&db).await.unwrap();
            entity::to_door_line::payments::complete_refund(&txn, r.id, now)
                .await
                .unwrap();
            let booked = entity::platform_end::ledger::book_refund(&txn, &r, now)
                .await
                .unwrap();
            txn.commit().await.unwrap();
            booked
        })
    });
    for r in futures_util::future::join_all(racers).await {
        assert!(!r.unwrap(), "booked once already");
    }
    assert_eq!(app.count("ledger_postings").await, postings);
    // Running the worker again books nothing twice.
    app.clock.advance(Duration::seconds(30));
    app.worker().run_pending().await.unwrap();
    let again = app
        .get("/api/v1/admin/ledger/trial-balance", Some(&op))
        .await;
    assert_eq!(again.body, tb.body);
}

async fn the_ledger_is_append_only_and_books_an_event_once(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.clock.set(monday_10am());
    let resident = app.demo_token("zhang").await;
    let (_, order, _) = accepted_order(&app, &resident).await;
    let postings = app.count("ledger_postings").await;
    assert_eq!(postings, 1, "the payment");
    let b = app.db.get_database_backend();
    for sql in [
        "UPDATE ledger_entries SET amount_fen = 0",
        "DELETE FROM ledger_entries",
        "UPDATE ledger_postings SET memo = 'x'",
        "DELETE FROM ledger_postings",
    ] {
        let res = app.db.execute_raw(Statement::from_string(b, sql)).await;
        let err = res.expect_err(sql).to_string();
        assert!(err.contains("append-only"), "{sql}: {err}");
    }
    // Booking the same payment again, even from many workers at once, adds nothing.
    let pay = entity::payment::Entity::find()
        .filter(entity::payment::Column::OrderId.eq(order))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    let tasks = (0..8).map(|_| {
        let db = app.db.clone();
        let pay = pay.clone();
        let now = app.clock.now_utc();
        tokio::spawn(async move {
            let txn = entity::tx::begin_write(&db).await.unwrap();
            let booked = entity::platform_end::ledger::book_payment(&txn, &pay, now)
                .await
                .unwrap();
            txn.commit().await.unwrap();
            booked
        })
    });
    let booked: Vec<bool> = futures_util::future::join_all(tasks)
        .await
        .into_iter()
        .map(|r| r.unwrap())
        .collect();
    assert!(booked.iter().all(|b| !b), "{booked:?}");
    assert_eq!(app.count("ledger_postings").await, 1);
}

async fn commission_rules_are_versioned_and_recorded(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.clock.set(monday_10am());
    let op = app.operator_token().await;
    let past = app
        .post(
            "/api/v1/admin/commission-rules",
            json!({"category": "snacks", "rate_bp": 0, "effective_from": app.clock.now_utc() - Duration::days(1)}),
            Some(&op),
        )
        .await;
    assert_eq!(past.status, 422, "{}", past.text);
    let pilot = app
        .post(
            "/api/v1/admin/commission-rules",
            json!({"category": "snacks", "rate_bp": 0, "effective_from": app.clock.now_utc()}),
            Some(&op),
        )
        .await;
    assert_eq!(pilot.status, 201, "{}", pilot.text);
    let resident = app.demo_token("zhang").await;
    let (kitchen, order, job) = accepted_order(&app, &resident).await;
    deliver(&app, &resident, &kitchen, order, job).await;
    let acct = app.get("/api/v1/merchant/account", Some(&kitchen)).await;
    let o = app
        .get(&format!("/api/v1/orders/{order}"), Some(&resident))
        .await;
    let goods =
        o.body["items_total_fen"].as_i64().unwrap() + o.body["packing_fee_fen"].as_i64().unwrap();
    assert_eq!(acct.body["balance_fen"], goods, "a zero-commission pilot");
    assert!(
        acct.body["entries"][0]["memo"]
            .as_str()
            .unwrap()
            .contains("at 0 bp")
    );
    let rules = app.get("/api/v1/admin/commission-rules", Some(&op)).await;
    assert_eq!(rules.body[0]["rate_bp"], 0);
    let posting = entity::ledger_posting::Entity::find()
        .filter(entity::ledger_posting::Column::Kind.eq("delivered"))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(posting.commission_rule_id, pilot.body["id"].as_i64());
}

both!(
    a_delivered_order_is_split_and_the_books_balance,
    refunds_book_the_money_back_out_of_escrow,
    the_ledger_is_append_only_and_books_an_event_once,
    commission_rules_are_versioned_and_recorded
);

async fn settlement_is_t_plus_one_resumable_and_runs_once(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.clock.set(monday_10am());
    let monday = chrono::NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
    let tuesday = monday + Duration::days(1);
    let resident = app.demo_token("zhang").await;
    let (kitchen, order, job) = accepted_order(&app, &resident).await;
    let fee1 = deliver(&app, &resident, &kitchen, order, job).await;
    let op = app.operator_token().await;
    let early = app
        .post(
            "/api/v1/admin/settlements",
            json!({"date": monday}),
            Some(&op),
        )
        .await;
    assert_eq!(early.status, 422, "Monday is not over: {}", early.text);

    // Tuesday: another order (fresh tokens: a day has passed).
    app.clock.advance(Duration::days(1));
    let resident = app.demo_token("zhang").await;
    let (kitchen, order, job) = accepted_order(&app, &resident).await;
    let fee2 = deliver(&app, &resident, &kitchen, order, job).await;

    // Wednesday: Monday's run crashes after its first statement, then resumes.
    app.clock.advance(Duration::days(1));
    let op = app.operator_token().await;
    let crashed =
        entity::platform_end::settlement::run(&app.db, 1, monday, app.clock.now_utc(), Some(1))
            .await;
    assert!(crashed.is_err());
    assert_eq!(app.count("statements").await, 1);
    let resumed = app
        .post(
            "/api/v1/admin/settlements",
            json!({"date": monday}),
            Some(&op),
        )
        .await;
    assert_eq!(resumed.status, 200, "{}", resumed.text);
    assert_eq!(resumed.body["written"], 1);
    assert_eq!(resumed.body["total"], 2, "the merchant and the rider");
    let again = app
        .post(
            "/api/v1/admin/settlements",
            json!({"date": monday}),
            Some(&op),
        )
        .await;
    assert_eq!(again.body["written"], 0, "a second run writes nothing");

    // Tuesday's run from four workers at once: one set of statements.
    let tasks = (0..4).map(|_| {
        let db = app.db.clone();
        let now = app.clock.now_utc();
        tokio::spawn(async move {
            let txn = entity::tx::begin_write(&db).await.unwrap();
            let r = entity::platform_end::settlement::run(&txn, 1, tuesday, now, None)
                .await
                .unwrap();
            txn.commit().await.unwrap();
            r.written
        })
    });
    let written: usize = futures_util::future::join_all(tasks)
        .await
        .into_iter()
        .map(|r| r.unwrap())
        .sum();
    assert_eq!(written, 2);
    assert_eq!(app.count("statements").await, 4);

    // The kitchen's statements chain: Tuesday opens where Monday closed.
    let kitchen = app.demo_token("huaqiao").await;
    let acct = app.get("/api/v1/merchant/account", Some(&kitchen)).await;
    let st = acct.body["statements"].as_array().unwrap();
    assert_eq!(st.len(), 2, "{}", acct.text);
    assert_eq!(st[0]["business_date"], "2026-11-24");
    assert_eq!(st[0]["opening_fen"], st[1]["closing_fen"]);
    assert_eq!(st[1]["opening_fen"], 0);
    assert_eq!(st[0]["closing_fen"], acct.body["balance_fen"]);
    assert_eq!(st[0]["entries"], 1);
    let wang = app.demo_token("rider-wang").await;
    let r = app.get("/api/v1/rider/account", Some(&wang)).await;
    assert_eq!(r.body["balance_fen"], fee1 + fee2, "{}", r.text);
    assert_eq!(r.body["statements"][0]["payable_fen"], fee1 + fee2);

    // The worker settles Wednesday by itself on Thursday.
    app.clock.advance(Duration::days(1));
    app.worker().run_pending().await.unwrap();
    let op = app.operator_token().await;
    let runs = app.get("/api/v1/admin/settlements", Some(&op)).await;
    let days: Vec<(&str, &str)> = runs
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["business_date"].as_str().unwrap(),
                r["status"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        days,
        [
            ("2026-11-25", "done"),
            ("2026-11-24", "done"),
            ("2026-11-23", "done")
        ]
    );
}

both!(settlement_is_t_plus_one_resumable_and_runs_once);
