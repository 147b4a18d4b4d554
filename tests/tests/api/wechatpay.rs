//! WeChat Pay API v3 against a fake that checks our signatures and signs
//! its answers and notifications with a platform key made for the test.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chrono::{TimeZone, Utc};
use serde_json::{Value, json};
use tests::app::ClockExt;
use tests::wechatpay_fake::{APIV3_KEY, MCHID};
use tests::{Backend, Options, Resp, TestApp, both};

pub(crate) fn options() -> Options {
    Options {
        demo: false,
        wechat: true,
        seed: true,
        wechatpay: true,
        rate_limits: None,
    }
}

/// A resident signed in through (fake) WeChat with an order to pay.
pub(crate) async fn resident_with_order(app: &TestApp) -> (String, i64, Value) {
    app.clock
        .set(Utc.with_ymd_and_hms(2026, 11, 23, 2, 0, 0).unwrap());
    let login = app
        .post(
            "/api/v1/auth/wechat-login",
            json!({"code": "ok:o-payer"}),
            None,
        )
        .await;
    let token = login.body["access_token"].as_str().unwrap().to_owned();
    let a = app.post("/api/v1/addresses", json!({"contact_name": "张三", "contact_phone": "13800000001", "detail": "东关社区 3 号楼", "location": {"lat": 33.3320, "lng": 105.6140}}), Some(&token)).await;
    let menu = app.get("/api/v1/stores/1/menu", Some(&token)).await;
    let sku = menu.body["categories"][0]["products"][0]["skus"][0]["id"]
        .as_i64()
        .unwrap();
    let o = app.post("/api/v1/orders", json!({"store_id": 1, "address_id": a.body["id"], "items": [{"sku_id": sku, "qty": 2}]}), Some(&token)).await;
    assert_eq!(o.status, 201, "{}", o.text);
    (token, o.body["id"].as_i64().unwrap(), o.body.clone())
}

async fn a_resident_pays_with_wechat_pay(backend: Backend) {
    let app = TestApp::spawn_with(backend, options()).await;
    let (token, id, order) = resident_with_order(&app).await;
    let r = app
        .post(&format!("/api/v1/orders/{id}/pay"), json!({}), Some(&token))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["provider"], "wechat");
    assert!(r.body["confirm_path"].is_null());
    let rp = &r.body["request_payment"];
    let out_trade_no = r.body["out_trade_no"].as_str().unwrap();
    assert_eq!(rp["package"], format!("prepay_id=wx{out_trade_no}"));
    assert_eq!(rp["signType"], "RSA");
    assert_eq!(rp["appId"], tests::wechat_fake::APPID);
    // paySign verifies with the merchant public key, independently of the app.
    let fake = app.wechatpay.as_ref().unwrap();
    let public = std::fs::read_to_string(&fake.merchant_public_file).unwrap();
    let der = STANDARD
        .decode(
            public
                .lines()
                .filter(|l| !l.starts_with("-----"))
                .collect::<String>(),
        )
        .unwrap();
    let message = format!(
        "{}\n{}\n{}\n{}\n",
        rp["appId"].as_str().unwrap(),
        rp["timeStamp"].as_str().unwrap(),
        rp["nonceStr"].as_str().unwrap(),
        rp["package"].as_str().unwrap()
    );
    let sig = STANDARD.decode(rp["paySign"].as_str().unwrap()).unwrap();
    aws_lc_rs::signature::UnparsedPublicKey::new(
        &aws_lc_rs::signature::RSA_PKCS1_2048_8192_SHA256,
        &der,
    )
    .verify(message.as_bytes(), &sig)
    .expect("paySign verifies");
    // What WeChat Pay received (its signature was checked by the fake).
    let prepays = fake.prepays();
    assert_eq!(prepays.len(), 1);
    assert_eq!(prepays[0]["amount"]["total"], order["payable_fen"]);
    assert_eq!(prepays[0]["payer"]["openid"], "o-payer");
    assert_eq!(prepays[0]["mchid"], MCHID);
    assert_eq!(prepays[0]["out_trade_no"], out_trade_no);
    // Paying again reuses the prepay order.
    let again = app
        .post(&format!("/api/v1/orders/{id}/pay"), json!({}), Some(&token))
        .await;
    assert_eq!(again.body["request_payment"]["package"], rp["package"]);
    assert_eq!(fake.prepays().len(), 1);
    // The demo provider is impossible while WeChat Pay is configured.
    let demo = app
        .post(
            &format!("/api/v1/pay/demo/{out_trade_no}/confirm"),
            json!({}),
            Some(&token),
        )
        .await;
    assert_eq!(demo.status, 404);
}

pub(crate) fn transaction(out_trade_no: &str, total: i64) -> Value {
    json!({
        "appid": tests::wechat_fake::APPID,
        "mchid": MCHID,
        "out_trade_no": out_trade_no,
        "transaction_id": "4200000000202611230000000001",
        "trade_type": "JSAPI",
        "trade_state": "SUCCESS",
        "trade_state_desc": "支付成功",
        "success_time": "2026-11-23T10:05:00+08:00",
        "payer": {"openid": "o-payer"},
        "amount": {"total": total, "payer_total": total, "currency": "CNY", "payer_currency": "CNY"}
    })
}

pub(crate) async fn post_notify(app: &TestApp, headers: &[(String, String)], body: &str) -> Resp {
    let mut req = app
        .client
        .post(format!("{}/api/v1/pay/wechat/notify", app.address))
        .header("content-type", "application/json")
        .body(body.to_owned());
    for (k, v) in headers {
        req = req.header(k.as_str(), v.as_str());
    }
    app.send(req).await
}

async fn notifications_mark_paid_once_and_forgeries_change_nothing(backend: Backend) {
    let app = TestApp::spawn_with(backend, options()).await;
    let (token, id, order) = resident_with_order(&app).await;
    let r = app
        .post(&format!("/api/v1/orders/{id}/pay"), json!({}), Some(&token))
        .await;
    let no = r.body["out_trade_no"].as_str().unwrap().to_owned();
    let total = order["payable_fen"].as_i64().unwrap();
    let fake = app.wechatpay.as_ref().unwrap();
    let now = app.clock.now_utc().timestamp();
    let status = || async {
        app.get(&format!("/api/v1/orders/{id}"), Some(&token))
            .await
            .body["status"]
            .as_str()
            .unwrap()
            .to_owned()
    };

    // Forgeries first: each refused with 4xx, none changes the order.
    let (h, body) = fake.notification(&transaction(&no, total), now, APIV3_KEY.as_bytes());
    let tampered = body.replace("支付成功", "支付成果");
    assert_eq!(
        post_notify(&app, &h, &tampered).await.code(),
        "WECHATPAY_SIGNATURE_INVALID"
    );
    let mut wrong_serial = h.clone();
    wrong_serial[3].1 = "PUB_KEY_ID_SOMEONE_ELSE".into();
    assert_eq!(
        post_notify(&app, &wrong_serial, &body).await.code(),
        "WECHATPAY_SIGNATURE_INVALID"
    );
    let (h_old, body_old) =
        fake.notification(&transaction(&no, total), now - 600, APIV3_KEY.as_bytes());
    assert_eq!(
        post_notify(&app, &h_old, &body_old).await.code(),
        "WECHATPAY_SIGNATURE_INVALID"
    );
    let (h_key, body_key) = fake.notification(
        &transaction(&no, total),
        now,
        b"another-apiv3-key-of-32-bytes-xx",
    );
    assert_eq!(
        post_notify(&app, &h_key, &body_key).await.code(),
        "WECHATPAY_SIGNATURE_INVALID"
    );
    let (h_amt, body_amt) =
        fake.notification(&transaction(&no, total - 1), now, APIV3_KEY.as_bytes());
    let r = post_notify(&app, &h_amt, &body_amt).await;
    assert_eq!(
        (r.status, r.code()),
        (400, "PAYMENT_AMOUNT_MISMATCH"),
        "{}",
        r.text
    );
    let no_headers = post_notify(&app, &[], &body).await;
    assert_eq!(no_headers.status, 401);
    assert_eq!(status().await, "pending_payment");

    // The real one: paid. A duplicate: acknowledged, nothing changes.
    let ok = post_notify(&app, &h, &body).await;
    assert_eq!(ok.status, 204, "{}", ok.text);
    assert_eq!(status().await, "paid");
    let dup = post_notify(&app, &h, &body).await;
    assert_eq!(dup.status, 204);
    let detail = app.get(&format!("/api/v1/orders/{id}"), Some(&token)).await;
    assert_eq!(detail.body["timeline"].as_array().unwrap().len(), 2);
}

async fn without_wechat_pay_the_notify_endpoint_does_not_exist(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let r = post_notify(&app, &[], "{}").await;
    assert_eq!(r.status, 404);
}

async fn expired_unpaid_orders_are_queried_then_closed_or_found_paid(backend: Backend) {
    let app = TestApp::spawn_with(backend, options()).await;
    let (token, a, order_a) = resident_with_order(&app).await;
    let pay_a = app
        .post(&format!("/api/v1/orders/{a}/pay"), json!({}), Some(&token))
        .await;
    let menu = app.get("/api/v1/stores/1/menu", Some(&token)).await;
    let sku = menu.body["categories"][0]["products"][0]["skus"][0]["id"]
        .as_i64()
        .unwrap();
    let b = app.post("/api/v1/orders", json!({"store_id": 1, "address_id": order_a["address_id"].as_i64().unwrap_or(1), "items": [{"sku_id": sku, "qty": 2}]}), Some(&token)).await;
    let b_id = b.body["id"].as_i64().unwrap();
    let pay_b = app
        .post(
            &format!("/api/v1/orders/{b_id}/pay"),
            json!({}),
            Some(&token),
        )
        .await;
    let fake = app.wechatpay.as_ref().unwrap();
    // A's notification was lost, but A was paid.
    fake.mark_paid(
        pay_a.body["out_trade_no"].as_str().unwrap(),
        order_a["payable_fen"].as_i64().unwrap(),
    );
    app.clock.advance(chrono::Duration::minutes(16));
    app.worker().run_pending().await.unwrap();
    let token = app
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
    assert_eq!(
        app.get(&format!("/api/v1/orders/{a}"), Some(&token))
            .await
            .body["status"],
        "paid"
    );
    assert_eq!(
        app.get(&format!("/api/v1/orders/{b_id}"), Some(&token))
            .await
            .body["status"],
        "cancelled"
    );
    let closed: Vec<String> = fake
        .calls()
        .into_iter()
        .map(|(p, _)| p)
        .filter(|p| p.ends_with("/close"))
        .collect();
    assert_eq!(
        closed,
        vec![format!(
            "/v3/pay/transactions/out-trade-no/{}/close",
            pay_b.body["out_trade_no"].as_str().unwrap()
        )]
    );
}

async fn wechat_refunds_complete_on_the_refund_notification(backend: Backend) {
    let app = TestApp::spawn_with(backend, options()).await;
    let (token, id, order) = resident_with_order(&app).await;
    let r = app
        .post(&format!("/api/v1/orders/{id}/pay"), json!({}), Some(&token))
        .await;
    let no = r.body["out_trade_no"].as_str().unwrap().to_owned();
    let total = order["payable_fen"].as_i64().unwrap();
    let fake = app.wechatpay.as_ref().unwrap();
    let now = app.clock.now_utc().timestamp();
    let (h, body) = fake.notification(&transaction(&no, total), now, APIV3_KEY.as_bytes());
    assert_eq!(post_notify(&app, &h, &body).await.status, 204);
    let c = app
        .post(
            &format!("/api/v1/orders/{id}/cancel"),
            json!({}),
            Some(&token),
        )
        .await;
    assert_eq!(c.body["status"], "refunding", "{}", c.text);
    app.worker().run_pending().await.unwrap();
    let refunds: Vec<Value> = fake
        .calls()
        .into_iter()
        .filter(|(p, _)| p == "/v3/refund/domestic/refunds")
        .map(|(_, b)| b)
        .collect();
    assert_eq!(refunds.len(), 1);
    assert_eq!(refunds[0]["amount"]["refund"], total);
    assert_eq!(refunds[0]["out_trade_no"], no.as_str());
    assert!(
        refunds[0]["notify_url"]
            .as_str()
            .unwrap()
            .ends_with("/api/v1/pay/wechat/refund-notify")
    );
    // PROCESSING at WeChat Pay: still refunding until its notification.
    assert_eq!(
        app.get(&format!("/api/v1/orders/{id}"), Some(&token))
            .await
            .body["status"],
        "refunding"
    );
    let out_refund_no = refunds[0]["out_refund_no"].as_str().unwrap();
    let result = |amount: i64| json!({"mchid": MCHID, "out_trade_no": no, "transaction_id": "4200", "out_refund_no": out_refund_no, "refund_id": "5000", "refund_status": "SUCCESS", "amount": {"total": total, "refund": amount, "payer_total": total, "payer_refund": amount}});
    let refund_notify = |h: Vec<(String, String)>, b: String| {
        let app = &app;
        async move {
            let mut req = app
                .client
                .post(format!("{}/api/v1/pay/wechat/refund-notify", app.address))
                .header("content-type", "application/json")
                .body(b);
            for (k, v) in &h {
                req = req.header(k.as_str(), v.as_str());
            }
            app.send(req).await
        }
    };
    let (h, b) = fake.notification(&result(total - 1), now, APIV3_KEY.as_bytes());
    assert_eq!(refund_notify(h, b).await.code(), "PAYMENT_AMOUNT_MISMATCH");
    let (h, b) = fake.notification(&result(total), now, APIV3_KEY.as_bytes());
    assert_eq!(
        refund_notify(h.clone(), b.replace("SUCCESS", "SUCCES5"))
            .await
            .code(),
        "WECHATPAY_SIGNATURE_INVALID"
    );
    assert_eq!(
        app.get(&format!("/api/v1/orders/{id}"), Some(&token))
            .await
            .body["status"],
        "refunding"
    );
    assert_eq!(refund_notify(h.clone(), b.clone()).await.status, 204);
    assert_eq!(
        app.get(&format!("/api/v1/orders/{id}"), Some(&token))
            .await
            .body["status"],
        "refunded"
    );
    assert_eq!(
        refund_notify(h, b).await.status,
        204,
        "duplicates are acknowledged"
    );
}

both!(
    expired_unpaid_orders_are_queried_then_closed_or_found_paid,
    wechat_refunds_complete_on_the_refund_notification,
    a_resident_pays_with_wechat_pay,
    notifications_mark_paid_once_and_forgeries_change_nothing,
    without_wechat_pay_the_notify_endpoint_does_not_exist,
);
