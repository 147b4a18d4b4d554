//! A county in partner mode (服务商模式): residents pay the kitchen's
//! sub-merchant through the county's service provider, with the money held
//! for profit sharing; notifications arrive at the county's own URL and
//! must name the provider and the payment's sub-merchant; refunds and
//! closes go to the same sub-merchant. A kitchen without a sub-merchant
//! number is refused before any money moves.

use serde_json::{Value, json};
use tests::app::ClockExt;
use tests::wechatpay_fake::{APIV3_KEY, MERCHANT_SERIAL, PLATFORM_KEY_ID, SP_MCHID};
use tests::{Backend, TestApp, both};

use crate::host::{HOST_PASSWORD, add_host_admin};
use crate::wechatpay::{options, resident_with_order};

pub(crate) const SUB: &str = "1900000201";
const NOTIFY_BASE: &str = "https://pay.kang.example";
/// The service provider's registered name.
pub(crate) const RECEIVER_NAME: &str = "康县同城网络科技有限公司";

/// Makes kang a service provider through the host administrator's API.
pub(crate) async fn kang_goes_partner(app: &TestApp) {
    let set = kang_goes_partner_with(app, json!({})).await;
    assert_eq!(set.status, 200, "{}", set.text);
}

/// Asks for kang's service-provider merchant, with `extra` fields over the
/// usual ones; the host's answer.
pub(crate) async fn kang_goes_partner_with(app: &TestApp, extra: Value) -> tests::Resp {
    let fake = app.wechatpay.as_ref().expect("fake WeChat Pay");
    if app.count("host_admins").await == 0 {
        add_host_admin(app);
    }
    let host = app
        .post(
            "/api/v1/host/login",
            json!({"username": "longnan-host", "password": HOST_PASSWORD}),
            None,
        )
        .await
        .body["access_token"]
        .as_str()
        .expect("host token")
        .to_owned();
    let mut body = json!({
        "mode": "partner", "mchid": SP_MCHID, "appid": tests::wechat_fake::APPID,
        "merchant_serial": MERCHANT_SERIAL,
        "merchant_key_pem": std::fs::read_to_string(&fake.merchant_key_file).expect("key"),
        "platform_key_id": PLATFORM_KEY_ID,
        "platform_public_key_pem": std::fs::read_to_string(&fake.platform_public_file).expect("key"),
        "apiv3_key": APIV3_KEY, "notify_base_url": NOTIFY_BASE,
        "receiver_name": RECEIVER_NAME, "refund_window_minutes": 1440,
    });
    if let (Some(b), Some(e)) = (body.as_object_mut(), extra.as_object()) {
        b.extend(e.clone());
    }
    app.send_json(
        reqwest::Method::PUT,
        "/api/v1/host/platforms/kang/wechatpay",
        Some(body),
        Some(&host),
    )
    .await
}

/// A partner-mode payment notification's resource.
pub(crate) fn partner_transaction(out_trade_no: &str, sub_mchid: &str, total: i64) -> Value {
    json!({
        "sp_appid": tests::wechat_fake::APPID, "sp_mchid": SP_MCHID,
        "sub_mchid": sub_mchid,
        "out_trade_no": out_trade_no, "transaction_id": format!("4200{out_trade_no}"),
        "trade_type": "JSAPI", "trade_state": "SUCCESS", "trade_state_desc": "支付成功",
        "bank_type": "OTHERS", "success_time": "2026-11-23T10:00:00+08:00",
        "payer": {"sp_openid": "o-payer"},
        "amount": {"total": total, "payer_total": total, "currency": "CNY", "payer_currency": "CNY"},
    })
}

pub(crate) async fn post_to(
    app: &TestApp,
    path: &str,
    headers: &[(String, String)],
    body: &str,
) -> u16 {
    let mut req = app
        .client
        .post(format!("{}{path}", app.address))
        .header("content-type", "application/json")
        .body(body.to_owned());
    for (k, v) in headers {
        req = req.header(k.as_str(), v.as_str());
    }
    app.send(req).await.status
}

async fn status_of(app: &TestApp, token: &str, id: i64) -> Value {
    app.get(&format!("/api/v1/orders/{id}"), Some(token))
        .await
        .body["status"]
        .clone()
}

async fn a_partner_county_pays_its_kitchens_sub_merchants(backend: Backend) {
    let app = TestApp::spawn_with(backend, options()).await;
    let fake = app.wechatpay.as_ref().expect("fake WeChat Pay");
    kang_goes_partner(&app).await;
    let (token, id, order) = resident_with_order(&app).await;
    let total = order["payable_fen"].as_i64().expect("payable");
    let pay = |id: i64| {
        let (app, token) = (&app, token.clone());
        async move {
            app.post(&format!("/api/v1/orders/{id}/pay"), json!({}), Some(&token))
                .await
        }
    };

    // No sub-merchant number yet: refused before WeChat Pay is asked.
    let refused = pay(id).await;
    assert_eq!(refused.status, 409, "{}", refused.text);
    assert_eq!(refused.code(), "SUB_MERCHANT_MISSING");
    assert!(fake.prepays().is_empty());

    // Recorded, but WeChat Pay has no such sub-merchant under the provider.
    let op = app.operator_token().await;
    let sub = app
        .send_json(
            reqwest::Method::PUT,
            "/api/v1/admin/merchants/1/sub-merchant",
            Some(json!({"sub_mchid": SUB})),
            Some(&op),
        )
        .await;
    assert_eq!(sub.status, 200, "{}", sub.text);
    let unbound = pay(id).await;
    assert_eq!(unbound.status, 502, "{}", unbound.text);
    assert!(unbound.text.contains("INVALID_REQUEST"), "{}", unbound.text);

    // Bound: the prepay goes to the partner API, held for sharing.
    fake.bind_sub_merchant(SUB);
    let paying = pay(id).await;
    assert_eq!(paying.status, 200, "{}", paying.text);
    assert_eq!(paying.body["provider"], "wechat");
    assert_eq!(
        paying.body["request_payment"]["appId"],
        tests::wechat_fake::APPID
    );
    let no = paying.body["out_trade_no"]
        .as_str()
        .expect("out_trade_no")
        .to_owned();
    let prepay = fake.prepays().pop().expect("a prepay");
    assert_eq!(prepay["sp_mchid"], SP_MCHID);
    assert_eq!(prepay["sub_mchid"], SUB);
    assert_eq!(prepay["settle_info"]["profit_sharing"], true);
    assert_eq!(prepay["payer"]["sp_openid"], "o-payer");
    assert_eq!(
        prepay["notify_url"],
        format!("{NOTIFY_BASE}/api/v1/pay/wechat/notify/kang")
    );
    assert!(prepay.get("mchid").is_none() && prepay.get("appid").is_none());

    // A notification naming another sub-merchant, or sent to the
    // instance's URL, or to another county's, changes nothing.
    let now = app.clock.now_utc().timestamp();
    let key = APIV3_KEY.as_bytes();
    let (h, b) = fake.notification(&partner_transaction(&no, "1900000299", total), now, key);
    assert_eq!(
        post_to(&app, "/api/v1/pay/wechat/notify/kang", &h, &b).await,
        400
    );
    let (h, b) = fake.notification(&partner_transaction(&no, SUB, total), now, key);
    assert_eq!(
        post_to(&app, "/api/v1/pay/wechat/notify", &h, &b).await,
        400
    );
    assert_eq!(
        post_to(&app, "/api/v1/pay/wechat/notify/nowhere", &h, &b).await,
        404
    );
    let mut forged = b.clone();
    forged = forged.replacen("encrypt-resource", "encrypt-resourcE", 1);
    assert_eq!(
        post_to(&app, "/api/v1/pay/wechat/notify/kang", &h, &forged).await,
        401
    );
    assert_eq!(status_of(&app, &token, id).await, "pending_payment");

    // The real one pays the order; its replay changes nothing.
    for _ in 0..2 {
        assert_eq!(
            post_to(&app, "/api/v1/pay/wechat/notify/kang", &h, &b).await,
            204
        );
    }
    assert_eq!(status_of(&app, &token, id).await, "paid");

    // The resident cancels: the refund comes out of the sub-merchant.
    let c = app
        .post(
            &format!("/api/v1/orders/{id}/cancel"),
            json!({}),
            Some(&token),
        )
        .await;
    assert_eq!(c.body["status"], "refunding", "{}", c.text);
    app.worker().run_pending().await.expect("worker");
    let (_, refund) = fake
        .calls()
        .into_iter()
        .find(|(p, _)| p == "/v3/refund/domestic/refunds")
        .expect("a refund request");
    assert_eq!(refund["sub_mchid"], SUB);
    assert_eq!(refund["out_trade_no"], no);
    assert_eq!(
        refund["notify_url"],
        format!("{NOTIFY_BASE}/api/v1/pay/wechat/refund-notify/kang")
    );
    let out_refund_no = refund["out_refund_no"].as_str().expect("number").to_owned();
    let notice = |sub: &str, sp: &str| {
        json!({"sp_mchid": sp, "sub_mchid": sub, "out_trade_no": no,
            "transaction_id": format!("4200{no}"), "out_refund_no": out_refund_no,
            "refund_id": "5000", "refund_status": "SUCCESS",
            "amount": {"total": total, "refund": total, "payer_total": total, "payer_refund": total}})
    };
    let refund_to = |resource: Value| {
        let app = &app;
        async move {
            let (h, b) = fake.notification_of(
                "REFUND.SUCCESS",
                "refund",
                &resource,
                app.clock.now_utc().timestamp(),
                key,
            );
            post_to(app, "/api/v1/pay/wechat/refund-notify/kang", &h, &b).await
        }
    };
    assert_eq!(refund_to(notice("1900000299", SP_MCHID)).await, 400);
    assert_eq!(refund_to(notice(SUB, "1900000999")).await, 400);
    assert_eq!(status_of(&app, &token, id).await, "refunding");
    assert_eq!(refund_to(notice(SUB, SP_MCHID)).await, 204);
    assert_eq!(status_of(&app, &token, id).await, "refunded");

    // An order cancelled after its prepay is closed at the sub-merchant.
    let (_, second, _) = resident_with_order(&app).await;
    assert_eq!(pay(second).await.status, 200);
    let c = app
        .post(
            &format!("/api/v1/orders/{second}/cancel"),
            json!({}),
            Some(&token),
        )
        .await;
    assert_eq!(c.body["status"], "cancelled", "{}", c.text);
    app.worker().run_pending().await.expect("worker");
    let (path, close) = fake
        .calls()
        .into_iter()
        .find(|(p, _)| p.ends_with("/close"))
        .expect("a close request");
    assert!(path.starts_with("/v3/pay/partner/transactions/"), "{path}");
    assert_eq!(close, json!({"sp_mchid": SP_MCHID, "sub_mchid": SUB}));
}

both!(a_partner_county_pays_its_kitchens_sub_merchants);
