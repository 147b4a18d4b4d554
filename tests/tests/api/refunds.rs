//! Refunds that WeChat Pay does not carry out at the first request: passing
//! refusals retried under the same refund number, lasting ones waiting in
//! the operator's queue until sent again, lost notifications followed up
//! by a query; and the payment of an order cancelled before it was paid,
//! closed at WeChat Pay at once.

use chrono::Duration;
use serde_json::{Value, json};
use tests::app::{ClockExt, balance};
use tests::wechatpay_fake::{APIV3_KEY, MCHID};
use tests::{Backend, TestApp, both};

use crate::wechatpay::{options, post_notify, resident_with_order, transaction};

/// A paid order the resident cancelled: it is `refunding`.
struct Refunding {
    token: String,
    order_id: i64,
    out_trade_no: String,
    total: i64,
}

async fn paid_then_cancelled(app: &TestApp) -> Refunding {
    let (token, order_id, order) = resident_with_order(app).await;
    let pay = app
        .post(
            &format!("/api/v1/orders/{order_id}/pay"),
            json!({}),
            Some(&token),
        )
        .await;
    let out_trade_no = pay.body["out_trade_no"].as_str().unwrap().to_owned();
    let total = order["payable_fen"].as_i64().unwrap();
    let fake = app.wechatpay.as_ref().unwrap();
    let now = app.clock.now_utc().timestamp();
    let (h, b) = fake.notification(
        &transaction(&out_trade_no, total),
        now,
        APIV3_KEY.as_bytes(),
    );
    assert_eq!(post_notify(app, &h, &b).await.status, 204);
    let c = app
        .post(
            &format!("/api/v1/orders/{order_id}/cancel"),
            json!({}),
            Some(&token),
        )
        .await;
    assert_eq!(c.body["status"], "refunding", "{}", c.text);
    Refunding {
        token,
        order_id,
        out_trade_no,
        total,
    }
}

async fn order_status(app: &TestApp, r: &Refunding) -> Value {
    app.get(&format!("/api/v1/orders/{}", r.order_id), Some(&r.token))
        .await
        .body["status"]
        .clone()
}

/// The refund requests WeChat Pay received, by their refund numbers.
fn refund_numbers(app: &TestApp) -> Vec<String> {
    app.wechatpay
        .as_ref()
        .unwrap()
        .calls()
        .into_iter()
        .filter(|(p, _)| p == "/v3/refund/domestic/refunds")
        .map(|(_, b)| b["out_refund_no"].as_str().unwrap_or("").to_owned())
        .collect()
}

async fn refund_notice(app: &TestApp, r: &Refunding, out_refund_no: &str, status: &str) -> u16 {
    let fake = app.wechatpay.as_ref().unwrap();
    let result = json!({"mchid": MCHID, "out_trade_no": r.out_trade_no, "transaction_id": "4200", "out_refund_no": out_refund_no, "refund_id": "5000", "refund_status": status, "amount": {"total": r.total, "refund": r.total, "payer_total": r.total, "payer_refund": r.total}});
    let (h, b) = fake.notification_of(
        "REFUND.SUCCESS",
        "refund",
        &result,
        app.clock.now_utc().timestamp(),
        APIV3_KEY.as_bytes(),
    );
    let mut req = app
        .client
        .post(format!("{}/api/v1/pay/wechat/refund-notify", app.address))
        .header("content-type", "application/json")
        .body(b);
    for (k, v) in &h {
        req = req.header(k.as_str(), v.as_str());
    }
    app.send(req).await.status
}

async fn run(app: &TestApp) {
    app.worker().run_pending().await.unwrap();
}

async fn balanced(app: &TestApp, op: &str) -> Value {
    let tb = app
        .get("/api/v1/admin/ledger/trial-balance", Some(op))
        .await;
    assert_eq!(tb.body["balanced"], true, "{}", tb.text);
    tb.body
}

/// The seeded operator signed in to the console over plain HTTP.
struct Console {
    client: reqwest::Client,
    cookie: String,
}

impl Console {
    async fn sign_in(app: &TestApp) -> Self {
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        let seed = app.seed.as_ref().unwrap();
        let form = format!(
            "csrf=login-token&username={}&password={}",
            seed.operator_username,
            seed.operator_password.clone().unwrap()
        );
        let res = client
            .post(format!("{}/console/login", app.address))
            .header("cookie", "tc_login=login-token")
            .header("content-type", "application/x-www-form-urlencoded")
            .body(form)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status().as_u16(), 303);
        let cookie = res
            .headers()
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find(|v| v.starts_with("tc_session="))
            .and_then(|v| v.split(';').next())
            .unwrap()
            .to_owned();
        Self { client, cookie }
    }

    async fn get(&self, app: &TestApp, path: &str) -> String {
        let res = self
            .client
            .get(format!("{}{path}", app.address))
            .header("cookie", &self.cookie)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status().as_u16(), 200);
        res.text().await.unwrap()
    }

    async fn post(&self, app: &TestApp, path: &str, form: &str) -> u16 {
        self.client
            .post(format!("{}{path}", app.address))
            .header("cookie", &self.cookie)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(form.to_owned())
            .send()
            .await
            .unwrap()
            .status()
            .as_u16()
    }

    /// The page's form token.
    fn csrf(&self, page: &str) -> String {
        let at = page.find(r#"name="csrf" value=""#).unwrap() + r#"name="csrf" value=""#.len();
        page[at..].split('"').next().unwrap().to_owned()
    }
}

async fn passing_refusals_are_retried_under_the_same_number(backend: Backend) {
    let app = TestApp::spawn_with(backend, options()).await;
    let op = app.operator_token().await;
    let fake = app.wechatpay.as_ref().unwrap();
    let r = paid_then_cancelled(&app).await;
    fake.refuse_refunds(429, "FREQUENCY_LIMITED", 1);
    fake.refuse_refunds(500, "SYSTEM_ERROR", 1);
    run(&app).await;
    assert_eq!(refund_numbers(&app).len(), 1);
    // Not failed for good: asked again after the backoff (10 s, then 20 s).
    app.clock.advance(Duration::seconds(11));
    run(&app).await;
    app.clock.advance(Duration::seconds(21));
    run(&app).await;
    let numbers = refund_numbers(&app);
    assert_eq!(numbers.len(), 3, "{numbers:?}");
    assert!(
        numbers.iter().all(|n| n == &numbers[0]),
        "one refund number: {numbers:?}"
    );
    assert_eq!(fake.refunds().len(), 1, "WeChat Pay holds one refund");
    assert_eq!(order_status(&app, &r).await, "refunding");
    let queue = app.get("/api/v1/admin/refunds/failed", Some(&op)).await;
    assert_eq!(queue.body, json!([]), "nothing for the operator");
    // The refund notification is lost; the follow-up asks WeChat Pay.
    fake.set_refund_status(&numbers[0], "SUCCESS");
    app.clock.advance(Duration::minutes(11));
    run(&app).await;
    assert_eq!(order_status(&app, &r).await, "refunded");
    let tb = balanced(&app, &op).await;
    assert_eq!(balance(&tb, "clearing"), 0, "the money went back once");
    // The notification arriving after all changes nothing.
    assert_eq!(refund_notice(&app, &r, &numbers[0], "SUCCESS").await, 204);
    assert_eq!(balance(&balanced(&app, &op).await, "clearing"), 0);
}

async fn lasting_refusals_wait_for_the_operator_until_sent_again(backend: Backend) {
    let app = TestApp::spawn_with(backend, options()).await;
    let op = app.operator_token().await;
    let fake = app.wechatpay.as_ref().unwrap();
    let r = paid_then_cancelled(&app).await;
    fake.refuse_refunds(403, "NOT_ENOUGH", 2);
    run(&app).await;
    assert_eq!(order_status(&app, &r).await, "refunding");
    let queue = app.get("/api/v1/admin/refunds/failed", Some(&op)).await;
    assert_eq!(queue.status, 200, "{}", queue.text);
    let stuck = &queue.body[0];
    assert_eq!(queue.body.as_array().unwrap().len(), 1, "{}", queue.text);
    assert_eq!(stuck["refund"]["failure_code"], "NOT_ENOUGH");
    assert_eq!(stuck["refund"]["status"], "failed");
    assert_eq!(stuck["refund"]["amount_fen"], r.total);
    assert_eq!(stuck["order_status"], "refunding");
    assert!(stuck["order_no"].as_str().is_some_and(|n| !n.is_empty()));
    let id = stuck["refund"]["id"].as_i64().unwrap();
    // Only an operator sees the queue or acts on it.
    let resident = app
        .get("/api/v1/admin/refunds/failed", Some(&r.token))
        .await;
    assert_eq!(resident.status, 403);
    let resident = app
        .post(
            &format!("/api/v1/admin/refunds/{id}/retry"),
            json!({}),
            Some(&r.token),
        )
        .await;
    assert_eq!(resident.status, 403);
    assert_eq!(
        app.post("/api/v1/admin/refunds/999999/retry", json!({}), Some(&op))
            .await
            .code(),
        "NOT_FOUND"
    );
    // The follow-up leaves a failed refund to the operator.
    app.clock.advance(Duration::minutes(11));
    run(&app).await;
    assert_eq!(refund_numbers(&app).len(), 1);
    // Sent again while the account is still short: back in the queue.
    let again = app
        .post(
            &format!("/api/v1/admin/refunds/{id}/retry"),
            json!({}),
            Some(&op),
        )
        .await;
    assert_eq!(again.status, 200, "{}", again.text);
    assert_eq!(again.body["status"], "requested");
    assert_eq!(again.body["retries"], 1);
    assert_eq!(
        app.post(
            &format!("/api/v1/admin/refunds/{id}/retry"),
            json!({}),
            Some(&op)
        )
        .await
        .code(),
        "INVALID_REFUND_STATE",
        "a refund on its way is not sent twice"
    );
    run(&app).await;
    let queue = app.get("/api/v1/admin/refunds/failed", Some(&op)).await;
    assert_eq!(queue.body[0]["refund"]["failure_code"], "NOT_ENOUGH");
    assert_eq!(queue.body[0]["refund"]["retries"], 1);
    // Topped up: the operator sends it again from the console's ledger
    // page; the third request goes through, under the same number.
    let console = Console::sign_in(&app).await;
    let page = console.get(&app, "/console/ledger").await;
    assert!(page.contains("NOT_ENOUGH"), "{page}");
    let action = format!("/console/refunds/{id}/retry");
    assert!(page.contains(&action), "{page}");
    assert_eq!(console.post(&app, &action, "csrf=forged").await, 403);
    assert_eq!(
        console
            .post(&app, &action, &format!("csrf={}", console.csrf(&page)))
            .await,
        303
    );
    run(&app).await;
    let numbers = refund_numbers(&app);
    assert_eq!(numbers.len(), 3);
    assert!(numbers.iter().all(|n| n == &numbers[0]));
    assert_eq!(
        app.get("/api/v1/admin/refunds/failed", Some(&op))
            .await
            .body,
        json!([])
    );
    assert!(
        console
            .get(&app, "/console/ledger")
            .await
            .contains("no-failed-refunds")
    );
    assert_eq!(refund_notice(&app, &r, &numbers[0], "SUCCESS").await, 204);
    assert_eq!(order_status(&app, &r).await, "refunded");
    assert_eq!(balance(&balanced(&app, &op).await, "clearing"), 0);
}

async fn given_up_and_abnormal_refunds_reach_the_queue(backend: Backend) {
    let app = TestApp::spawn_with(backend, options()).await;
    let fake = app.wechatpay.as_ref().unwrap();
    let r = paid_then_cancelled(&app).await;
    fake.refuse_refunds(429, "FREQUENCY_LIMITED", 100);
    for _ in 0..10 {
        run(&app).await;
        app.clock.advance(Duration::hours(2));
    }
    assert_eq!(refund_numbers(&app).len(), 10, "ten attempts");
    // Twenty hours later: sign in again.
    let op = app.operator_token().await;
    let mut r = r;
    r.token = app
        .post(
            "/api/v1/auth/wechat-login",
            json!({"code": "ok:o-payer"}),
            None,
        )
        .await
        .body["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let queue = app.get("/api/v1/admin/refunds/failed", Some(&op)).await;
    let stuck = &queue.body[0]["refund"];
    assert_eq!(stuck["failure_code"], "FREQUENCY_LIMITED", "{}", queue.text);
    assert!(
        stuck["failure_message"]
            .as_str()
            .is_some_and(|m| m.contains("gave up after 10 attempts")),
        "{}",
        queue.text
    );
    // Sent again once WeChat Pay takes it; then the bank refuses it.
    fake.accept_refunds();
    let id = stuck["id"].as_i64().unwrap();
    app.post(
        &format!("/api/v1/admin/refunds/{id}/retry"),
        json!({}),
        Some(&op),
    )
    .await;
    run(&app).await;
    let no = refund_numbers(&app)[0].clone();
    assert_eq!(fake.refunds()[&no].2, "PROCESSING");
    assert_eq!(refund_notice(&app, &r, &no, "ABNORMAL").await, 204);
    let queue = app.get("/api/v1/admin/refunds/failed", Some(&op)).await;
    assert_eq!(
        queue.body[0]["refund"]["failure_code"], "ABNORMAL",
        "{}",
        queue.text
    );
    assert_eq!(order_status(&app, &r).await, "refunding");
    // Nothing left the books while the money did not go back.
    let tb = balanced(&app, &op).await;
    assert_eq!(balance(&tb, "clearing"), r.total);
}

async fn a_payment_cancelled_before_it_was_paid_is_closed_at_once(backend: Backend) {
    let app = TestApp::spawn_with(backend, options()).await;
    let fake = app.wechatpay.as_ref().unwrap();
    let (token, a, _) = resident_with_order(&app).await;
    let pay_a = app
        .post(&format!("/api/v1/orders/{a}/pay"), json!({}), Some(&token))
        .await;
    let no_a = pay_a.body["out_trade_no"].as_str().unwrap().to_owned();
    let cancel = app
        .post(
            &format!("/api/v1/orders/{a}/cancel"),
            json!({}),
            Some(&token),
        )
        .await;
    assert_eq!(cancel.body["status"], "cancelled", "{}", cancel.text);
    // Without waiting for the payment timeout.
    run(&app).await;
    let closes = |fake: &tests::wechatpay_fake::WechatPayFake| -> Vec<String> {
        fake.calls()
            .into_iter()
            .map(|(p, _)| p)
            .filter(|p| p.ends_with("/close"))
            .collect()
    };
    assert_eq!(
        closes(fake),
        vec![format!("/v3/pay/transactions/out-trade-no/{no_a}/close")]
    );
    // B was paid at WeChat Pay just before the cancel; its notification is
    // late. Closing is refused, so the payment is confirmed and refunded.
    let address = app.get("/api/v1/addresses", Some(&token)).await.body[0]["id"].clone();
    let menu = app.get("/api/v1/stores/1/menu", Some(&token)).await;
    let sku = menu.body["categories"][0]["products"][0]["skus"][0]["id"].clone();
    let b = app
        .post(
            "/api/v1/orders",
            json!({"store_id": 1, "address_id": address, "items": [{"sku_id": sku, "qty": 2}]}),
            Some(&token),
        )
        .await;
    assert_eq!(b.status, 201, "{}", b.text);
    let b_id = b.body["id"].as_i64().unwrap();
    let b_total = b.body["payable_fen"].as_i64().unwrap();
    let pay_b = app
        .post(
            &format!("/api/v1/orders/{b_id}/pay"),
            json!({}),
            Some(&token),
        )
        .await;
    let no_b = pay_b.body["out_trade_no"].as_str().unwrap().to_owned();
    fake.mark_paid(&no_b, b_total);
    app.post(
        &format!("/api/v1/orders/{b_id}/cancel"),
        json!({}),
        Some(&token),
    )
    .await;
    run(&app).await;
    run(&app).await;
    assert_eq!(closes(fake).len(), 2);
    let refunds: Vec<(String, i64)> = fake
        .refunds()
        .into_values()
        .map(|(trade, amount, _)| (trade, amount))
        .collect();
    assert_eq!(refunds, vec![(no_b.clone(), b_total)]);
    // An order never sent to WeChat Pay has nothing to close.
    let c = app
        .post(
            "/api/v1/orders",
            json!({"store_id": 1, "address_id": address, "items": [{"sku_id": sku, "qty": 2}]}),
            Some(&token),
        )
        .await;
    let c_id = c.body["id"].as_i64().unwrap();
    app.post(
        &format!("/api/v1/orders/{c_id}/cancel"),
        json!({}),
        Some(&token),
    )
    .await;
    run(&app).await;
    assert_eq!(closes(fake).len(), 2);
    let op = app.operator_token().await;
    balanced(&app, &op).await;
}

both!(
    passing_refusals_are_retried_under_the_same_number,
    lasting_refusals_wait_for_the_operator_until_sent_again,
    given_up_and_abnormal_refunds_reach_the_queue,
    a_payment_cancelled_before_it_was_paid_is_closed_at_once,
);
