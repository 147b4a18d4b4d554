//! Payouts: settled money only, booked out at once, reviewed above the
//! threshold, and through WeChat Pay's merchant transfer (the fake checks
//! our signatures) — paid, or failed and given back.

use chrono::{Duration, TimeZone, Utc};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Statement};
use serde_json::{Value, json};
use tests::app::ClockExt;
use tests::{Backend, Options, TestApp, balance, both};

use crate::delivery::{accepted_order, monday_10am};

/// Monday: one city order delivered. Returns the kitchen's token, what it
/// earned and what the resident paid.
async fn kitchen_earns_monday(app: &TestApp) -> (String, i64, i64) {
    app.clock.set(monday_10am());
    let resident = app.demo_token("zhang").await;
    let (kitchen, order, job) = accepted_order(app, &resident).await;
    crate::ledger::deliver(app, &resident, &kitchen, order, job).await;
    let kitchen = app.demo_token("huaqiao").await;
    let earned = app
        .get("/api/v1/merchant/account", Some(&kitchen))
        .await
        .body["balance_fen"]
        .as_i64()
        .unwrap();
    let paid = app
        .get(&format!("/api/v1/orders/{order}"), Some(&resident))
        .await
        .body["payable_fen"]
        .as_i64()
        .unwrap();
    (kitchen, earned, paid)
}

async fn payouts_take_settled_money_only_and_reviews_can_refuse(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (kitchen, earned, paid_in) = kitchen_earns_monday(&app).await;
    // Not settled yet: nothing to withdraw.
    let p = app
        .post(
            "/api/v1/merchant/payouts",
            json!({"amount_fen": 1_000}),
            Some(&kitchen),
        )
        .await;
    assert_eq!(p.status, 409, "{}", p.text);
    assert_eq!(p.code(), "INSUFFICIENT_BALANCE");
    // Tuesday: the worker settles Monday.
    app.clock.advance(Duration::days(1));
    app.worker().run_pending().await.unwrap();
    let kitchen = app.demo_token("huaqiao").await;
    let op = app.operator_token().await;
    let list = app.get("/api/v1/merchant/payouts", Some(&kitchen)).await;
    assert_eq!(list.body["available_fen"], earned, "{}", list.text);
    let too_much = app
        .post(
            "/api/v1/merchant/payouts",
            json!({"amount_fen": earned + 1}),
            Some(&kitchen),
        )
        .await;
    assert_eq!(too_much.code(), "INSUFFICIENT_BALANCE");
    // Staff who are not the owner cannot withdraw; riders cannot touch it.
    let wang = app.demo_token("rider-wang").await;
    assert_eq!(
        app.post(
            "/api/v1/merchant/payouts",
            json!({"amount_fen": 100}),
            Some(&wang)
        )
        .await
        .status,
        403
    );

    let req = |amount: i64, key: &str| {
        app.client
            .post(format!("{}/api/v1/merchant/payouts", app.address))
            .bearer_auth(&kitchen)
            .header("idempotency-key", key)
            .json(&json!({"amount_fen": amount}))
    };
    let first = app.send(req(1_000, "po-1")).await;
    assert_eq!(first.status, 201, "{}", first.text);
    assert_eq!(first.body["status"], "approved");
    assert_eq!(first.body["provider"], "demo");
    let retry = app.send(req(1_000, "po-1")).await;
    assert_eq!(retry.status, 200);
    assert_eq!(retry.body["id"], first.body["id"]);
    assert_eq!(
        app.send(req(900, "po-1")).await.code(),
        "IDEMPOTENCY_KEY_REUSED"
    );
    let left = app.get("/api/v1/merchant/payouts", Some(&kitchen)).await;
    assert_eq!(left.body["available_fen"], earned - 1_000);
    app.worker().run_pending().await.unwrap();
    let left = app.get("/api/v1/merchant/payouts", Some(&kitchen)).await;
    assert_eq!(left.body["payouts"][0]["status"], "paid");

    // Above the review threshold an operator decides.
    let b = app.db.get_database_backend();
    app.db
        .execute_raw(Statement::from_string(
            b,
            "UPDATE platforms SET payout_review_fen = 500",
        ))
        .await
        .unwrap();
    let big = app.send(req(600, "po-2")).await;
    assert_eq!(big.body["status"], "review", "{}", big.text);
    let id = big.body["id"].as_i64().unwrap();
    let queue = app
        .get("/api/v1/admin/payouts?status=review", Some(&op))
        .await;
    assert_eq!(queue.body[0]["id"], id);
    let path = format!("/api/v1/admin/payouts/{id}/review");
    assert_eq!(
        app.post(&path, json!({"approve": false}), Some(&op))
            .await
            .status,
        422
    );
    let no = app
        .post(
            &path,
            json!({"approve": false, "reason": "核对开户信息"}),
            Some(&op),
        )
        .await;
    assert_eq!(no.body["status"], "rejected", "{}", no.text);
    assert_eq!(
        app.post(&path, json!({"approve": true}), Some(&op))
            .await
            .code(),
        "INVALID_PAYOUT_STATE"
    );
    let acct = app.get("/api/v1/merchant/account", Some(&kitchen)).await;
    assert_eq!(
        acct.body["balance_fen"],
        earned - 1_000,
        "the rejected money is back"
    );
    let again = app.send(req(600, "po-3")).await;
    let id = again.body["id"].as_i64().unwrap();
    let yes = app
        .post(
            &format!("/api/v1/admin/payouts/{id}/review"),
            json!({"approve": true}),
            Some(&op),
        )
        .await;
    assert_eq!(yes.body["status"], "approved", "{}", yes.text);
    app.worker().run_pending().await.unwrap();

    let tb = app
        .get("/api/v1/admin/ledger/trial-balance", Some(&op))
        .await;
    assert_eq!(tb.body["balanced"], true);
    assert_eq!(balance(&tb.body, "merchant_payable"), earned - 1_600);
    assert_eq!(balance(&tb.body, "payouts_in_transit"), 0);
    assert_eq!(balance(&tb.body, "clearing"), paid_in - 1_600);
}

/// A rider with a WeChat sign-in and settled earnings (booked straight
/// into the ledger: this test is about the transfer, not the delivery).
async fn rider_with_settled_money(app: &TestApp, fen: i64) -> (String, i64) {
    app.clock
        .set(Utc.with_ymd_and_hms(2026, 11, 23, 2, 0, 0).unwrap());
    let login = app
        .post(
            "/api/v1/auth/wechat-login",
            json!({"code": "ok:o-rider"}),
            None,
        )
        .await;
    let token = login.body["access_token"].as_str().unwrap().to_owned();
    let r = app
        .post(
            "/api/v1/rider/registration",
            json!({"real_name": "骑手", "phone": "13900000001", "id_number": "11010519491231002X",
                   "vehicle": "e_bike", "health_cert_no": "JK0001", "health_cert_expires": "2027-06-30"}),
            Some(&token),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let rider = r.body["id"].as_i64().unwrap();
    let txn = entity::tx::begin_write(&app.db).await.unwrap();
    use entity::platform_end::ledger::{AccountKind, Leg, Source};
    entity::platform_end::ledger::post(
        &txn,
        1,
        Source {
            kind_of_source: "test",
            id: rider,
            event: "earned",
        },
        &[
            Leg::debit(AccountKind::Clearing, fen),
            Leg::credit(AccountKind::RiderPayable, fen).of(rider),
        ],
        None,
        "earnings booked by the test",
        app.clock.now_utc(),
    )
    .await
    .unwrap();
    txn.commit().await.unwrap();
    app.clock.advance(Duration::days(1));
    app.worker().run_pending().await.unwrap();
    let login = app
        .post(
            "/api/v1/auth/wechat-login",
            json!({"code": "ok:o-rider"}),
            None,
        )
        .await;
    (
        login.body["access_token"].as_str().unwrap().to_owned(),
        rider,
    )
}

/// A WeChat Pay platform whose rider, with 50 yuan settled, asks for 30.
async fn rider_asks_wechat_pay(backend: Backend) -> (TestApp, String, tests::Resp) {
    let opts = Options {
        demo: false,
        wechat: true,
        seed: true,
        wechatpay: true,
        rate_limits: None,
    };
    let app = TestApp::spawn_with(backend, opts).await;
    let (token, _) = rider_with_settled_money(&app, 5_000).await;
    let p = app
        .post(
            "/api/v1/rider/payouts",
            json!({"amount_fen": 3_000}),
            Some(&token),
        )
        .await;
    assert_eq!(p.status, 201, "{}", p.text);
    (app, token, p)
}

async fn wechat_transfers_pay_out_or_give_the_money_back(backend: Backend) {
    let (app, token, p) = rider_asks_wechat_pay(backend).await;
    let fake = app.wechatpay.as_ref().unwrap();
    assert_eq!(p.body["provider"], "wechat");
    let no = p.body["out_batch_no"].as_str().unwrap().to_owned();
    app.worker().run_pending().await.unwrap();
    // WeChat Pay received the transfer (our signature checked by the fake).
    let sent: Vec<Value> = fake
        .calls()
        .into_iter()
        .filter(|(path, _)| path == "/v3/transfer/batches")
        .map(|(_, b)| b)
        .collect();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0]["out_batch_no"], no.as_str());
    assert_eq!(sent[0]["total_amount"], 3_000);
    assert_eq!(sent[0]["transfer_detail_list"][0]["openid"], "o-rider");
    let mine = app.get("/api/v1/rider/payouts", Some(&token)).await;
    assert_eq!(mine.body["payouts"][0]["status"], "sent", "{}", mine.text);
    assert_eq!(mine.body["available_fen"], 2_000);

    // The batch finishes: the notification makes the worker ask for the detail.
    fake.set_transfer(&no, "SUCCESS", None);
    let (headers, body) = fake.transfer_notification(&no, app.clock.now_utc().timestamp());
    let mut req = app
        .client
        .post(format!("{}/api/v1/pay/wechat/transfer-notify", app.address))
        .header("content-type", "application/json")
        .body(body.clone());
    for (k, v) in &headers {
        req = req.header(k.as_str(), v.as_str());
    }
    assert_eq!(app.send(req).await.status, 204);
    let forged = app
        .client
        .post(format!("{}/api/v1/pay/wechat/transfer-notify", app.address))
        .header("content-type", "application/json")
        .body(body.replace("FINISHED", "CLOSED"));
    let mut forged = forged;
    for (k, v) in &headers {
        forged = forged.header(k.as_str(), v.as_str());
    }
    assert_eq!(app.send(forged).await.status, 401);
    app.clock.advance(Duration::seconds(30));
    app.worker().run_pending().await.unwrap();
    let mine = app.get("/api/v1/rider/payouts", Some(&token)).await;
    assert_eq!(mine.body["payouts"][0]["status"], "paid", "{}", mine.text);

    // A failed transfer gives the money back.
    let p = app
        .post(
            "/api/v1/rider/payouts",
            json!({"amount_fen": 1_500}),
            Some(&token),
        )
        .await;
    let no2 = p.body["out_batch_no"].as_str().unwrap().to_owned();
    fake.set_transfer(&no2, "FAIL", Some("ACCOUNT_FROZEN"));
    app.worker().run_pending().await.unwrap();
    let mine = app.get("/api/v1/rider/payouts", Some(&token)).await;
    assert_eq!(mine.body["payouts"][0]["status"], "failed", "{}", mine.text);
    assert_eq!(mine.body["payouts"][0]["fail_reason"], "ACCOUNT_FROZEN");
    assert_eq!(mine.body["available_fen"], 2_000);
    let acct = app.get("/api/v1/rider/account", Some(&token)).await;
    assert_eq!(acct.body["balance_fen"], 2_000);
    let op = app.operator_token().await;
    let tb = app
        .get("/api/v1/admin/ledger/trial-balance", Some(&op))
        .await;
    assert_eq!(tb.body["balanced"], true);
    assert_eq!(balance(&tb.body, "clearing"), 2_000);
    assert_eq!(balance(&tb.body, "payouts_in_transit"), 0);
}

/// The rider's latest payout status (signing in again: the clock moves).
async fn payout_status(app: &TestApp) -> String {
    let login = app
        .post(
            "/api/v1/auth/wechat-login",
            json!({"code": "ok:o-rider"}),
            None,
        )
        .await;
    let token = login.body["access_token"].as_str().unwrap_or("").to_owned();
    app.get("/api/v1/rider/payouts", Some(&token)).await.body["payouts"][0]["status"]
        .as_str()
        .unwrap_or("")
        .to_owned()
}

/// A failure between every step of a payout — the transfer accepted but
/// its answer lost, the detail query failing after the transfer was
/// recorded, a late notification — ends in the books of a clean run: one
/// transfer at WeChat Pay, the payout booked when asked and when paid.
async fn payouts_survive_a_failure_between_every_step(backend: Backend) {
    let (app, _, p) = rider_asks_wechat_pay(backend).await;
    let fake = app.wechatpay.as_ref().unwrap();
    let (id, no) = (
        p.body["id"].as_i64().unwrap(),
        p.body["out_batch_no"].as_str().unwrap().to_owned(),
    );
    let batches = || {
        fake.calls()
            .into_iter()
            .filter(|(path, b)| path == "/v3/transfer/batches" && b["out_batch_no"] == no.as_str())
            .count()
    };
    // 1. WeChat Pay accepts the transfer, but the answer never arrives.
    fake.lose_transfer_answers(1);
    app.worker().run_pending().await.unwrap();
    assert_eq!(batches(), 1);
    assert_eq!(payout_status(&app).await, "approved");
    // 2. The retry sends the same batch again (re-entry: nothing new at
    //    WeChat Pay) and records it; then the detail query fails.
    fake.fail_detail_queries(1);
    app.clock.advance(Duration::minutes(10));
    app.worker().run_pending().await.unwrap();
    assert_eq!(batches(), 1, "the same batch, not a second transfer");
    assert_eq!(payout_status(&app).await, "sent");
    // 3. The transfer succeeded; the next attempt reads it.
    fake.set_transfer(&no, "SUCCESS", None);
    app.clock.advance(Duration::minutes(10));
    app.worker().run_pending().await.unwrap();
    assert_eq!(payout_status(&app).await, "paid");
    // 4. A late notification changes nothing.
    let (headers, body) = fake.transfer_notification(&no, app.clock.now_utc().timestamp());
    let mut req = app
        .client
        .post(format!("{}/api/v1/pay/wechat/transfer-notify", app.address))
        .header("content-type", "application/json")
        .body(body);
    for (k, v) in &headers {
        req = req.header(k.as_str(), v.as_str());
    }
    assert_eq!(app.send(req).await.status, 204);
    app.clock.advance(Duration::minutes(10));
    app.worker().run_pending().await.unwrap();
    assert_eq!(batches(), 1);
    // The books of a clean run.
    let kinds: Vec<String> = entity::ledger_posting::Entity::find()
        .filter(entity::ledger_posting::Column::SourceType.eq("payout"))
        .filter(entity::ledger_posting::Column::SourceId.eq(id))
        .order_by_asc(entity::ledger_posting::Column::Id)
        .all(&app.db)
        .await
        .unwrap()
        .into_iter()
        .map(|p| p.kind)
        .collect();
    assert_eq!(kinds, ["requested", "paid"]);
    let op = app.operator_token().await;
    let tb = app
        .get("/api/v1/admin/ledger/trial-balance", Some(&op))
        .await;
    assert_eq!(tb.body["balanced"], true);
    assert_eq!(balance(&tb.body, "payouts_in_transit"), 0);
    assert_eq!(balance(&tb.body, "clearing"), 2_000);
    assert_eq!(balance(&tb.body, "rider_payable"), 2_000);
}

both!(
    payouts_take_settled_money_only_and_reviews_can_refuse,
    wechat_transfers_pay_out_or_give_the_money_back,
    payouts_survive_a_failure_between_every_step
);

/// A trade bill as WeChat Pay writes it, with the given payment lines
/// (`out_trade_no`, yuan).
fn trade_bill(lines: &[(&str, &str)]) -> String {
    let mut csv = String::from(
        "交易时间,公众账号ID,商户号,特约商户号,设备号,微信订单号,商户订单号,用户标识,交易类型,交易状态,付款银行,货币种类,应结订单金额,代金券金额,微信退款单号,商户退款单号,退款金额,充值券退款金额,退款类型,退款状态,商品名称,商户数据包,手续费,费率,订单金额,申请退款金额,费率备注\n",
    );
    for (i, (no, yuan)) in lines.iter().enumerate() {
        csv.push_str(&format!(
            "`2026-11-23 10:0{i}:00,`wx0000000000000001,`1900000109,`0,`,`420000000{i},`{no},`o-payer,`JSAPI,`SUCCESS,`OTHERS,`CNY,`{yuan},`0.00,`0,`0,`0.00,`0.00,`,`,`同城订单,`,`0.17000,`0.60%,`{yuan},`0.00,`\n"
        ));
    }
    csv.push_str("总交易单数,应结订单总金额,退款总金额,充值券退款总金额,手续费总金额,订单总金额,申请退款总金额\n`1,`0,`0.00,`0.00,`0.00,`0,`0.00\n");
    csv
}

async fn the_trade_bill_is_reconciled_with_the_clearing_account(backend: Backend) {
    use crate::wechatpay::{options, post_notify, resident_with_order, transaction};
    let app = TestApp::spawn_with(backend, options()).await;
    let (token, id, order) = resident_with_order(&app).await;
    let r = app
        .post(&format!("/api/v1/orders/{id}/pay"), json!({}), Some(&token))
        .await;
    let no = r.body["out_trade_no"].as_str().unwrap().to_owned();
    let total = order["payable_fen"].as_i64().unwrap();
    let fake = app.wechatpay.as_ref().unwrap();
    let (h, body) = fake.notification(
        &transaction(&no, total),
        app.clock.now_utc().timestamp(),
        tests::wechatpay_fake::APIV3_KEY.as_bytes(),
    );
    assert_eq!(post_notify(&app, &h, &body).await.status, 204);
    // WeChat Pay's bill has our payment and one we never booked.
    let yuan = format!("{}.{:02}", total / 100, total % 100);
    fake.set_trade_bill(
        "2026-11-23",
        &trade_bill(&[(&no, &yuan), ("TCUNKNOWNP1", "9.90")]),
    );
    // Before 10:00 the next morning the worker waits; after, it reconciles.
    app.clock.advance(Duration::hours(20)); // 06:00 local on Tuesday
    app.worker().run_pending().await.unwrap();
    let op = app.operator_token().await;
    let none = app
        .get("/api/v1/admin/reconciliation/2026-11-23", Some(&op))
        .await;
    assert_eq!(none.status, 404);
    app.clock.advance(Duration::hours(5));
    app.worker().run_pending().await.unwrap();
    let op = app.operator_token().await;
    let rep = app
        .get("/api/v1/admin/reconciliation/2026-11-23", Some(&op))
        .await;
    assert_eq!(rep.status, 200, "{}", rep.text);
    assert_eq!(rep.body["matched"], 1);
    assert_eq!(rep.body["missing_in_ledger"][0]["out_no"], "TCUNKNOWNP1");
    assert_eq!(rep.body["missing_in_ledger"][0]["amount_fen"], 990);
    assert_eq!(rep.body["missing_in_bill"], json!([]));
    assert_eq!(rep.body["ledger_net_fen"], total);
    // An upload of a corrected bill replaces the report; a wrong amount shows.
    let wrong = format!("{}.{:02}", (total + 1) / 100, (total + 1) % 100);
    let up = app
        .send(
            app.client
                .post(format!(
                    "{}/api/v1/admin/reconciliation/2026-11-23",
                    app.address
                ))
                .bearer_auth(&op)
                .header("content-type", "text/csv")
                .body(trade_bill(&[(&no, &wrong)])),
        )
        .await;
    assert_eq!(up.status, 200, "{}", up.text);
    assert_eq!(up.body["matched"], 0);
    assert_eq!(up.body["mismatched"][0]["bill_fen"], total + 1);
    let fetched = app
        .post(
            "/api/v1/admin/reconciliation/2026-11-23/fetch",
            json!({}),
            Some(&op),
        )
        .await;
    assert_eq!(fetched.body["matched"], 1, "{}", fetched.text);
    let bad = app
        .send(
            app.client
                .post(format!(
                    "{}/api/v1/admin/reconciliation/2026-11-23",
                    app.address
                ))
                .bearer_auth(&op)
                .body("not a bill"),
        )
        .await;
    assert_eq!(bad.status, 422);
}

both!(the_trade_bill_is_reconciled_with_the_clearing_account);
