//! Profit sharing in partner mode: a delivered order's payment, held at
//! the kitchen's sub-merchant, is split once the refund window has passed
//! — the rider's fee to the rider, the platform's share to the service
//! provider, the rest unfrozen to the kitchen — and the ledger books what
//! WeChat Pay says moved, so that every account agrees with it. A lost
//! answer is recovered by asking again under the same number; a forged or
//! replayed notification changes nothing.

use chrono::Duration;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};
use serde_json::json;
use tests::app::ClockExt;
use tests::wechatpay_fake::{APIV3_KEY, SP_MCHID};
use tests::{Backend, TestApp, balance, both};

use crate::ledger::deliver_as;
use crate::partner_mode::{RECEIVER_NAME, SUB, kang_goes_partner, partner_transaction, post_to};
use crate::wechatpay::{options, resident_with_order};

/// The user behind a demo login (`demo:<name>`).
async fn demo_user(app: &TestApp, name: &str) -> i64 {
    entity::wechat_identity::Entity::find()
        .filter(entity::wechat_identity::Column::Openid.eq(format!("demo:{name}")))
        .one(&app.db)
        .await
        .expect("query")
        .expect("demo user")
        .user_id
}

/// rider-wang also signed in to the county's mini-program, as `o-wang`.
async fn rider_with_openid(app: &TestApp) -> (String, i64) {
    let user = demo_user(app, "rider-wang").await;
    entity::wechat_identity::ActiveModel {
        platform_id: Set(1),
        user_id: Set(user),
        appid: Set(tests::wechat_fake::APPID.to_owned()),
        openid: Set("o-wang".to_owned()),
        unionid: Set(None),
        created_at: Set(app.clock.now_utc()),
        ..Default::default()
    }
    .insert(&app.db)
    .await
    .expect("identity");
    let rider = entity::rider::Entity::find()
        .filter(entity::rider::Column::UserId.eq(user))
        .one(&app.db)
        .await
        .expect("query")
        .expect("rider")
        .id;
    (app.token_for(user).await, rider)
}

pub(crate) async fn trial_balance(app: &TestApp) -> serde_json::Value {
    let op = app.operator_token().await;
    let tb = app
        .get("/api/v1/admin/ledger/trial-balance", Some(&op))
        .await;
    assert_eq!(tb.status, 200, "{}", tb.text);
    assert_eq!(tb.body["balanced"], true, "{}", tb.text);
    tb.body
}

pub(crate) async fn share_of(app: &TestApp, order: i64) -> entity::profit_share::Model {
    entity::profit_share::Entity::find()
        .filter(entity::profit_share::Column::OrderId.eq(order))
        .one(&app.db)
        .await
        .expect("query")
        .expect("a sharing order")
}

/// A partner-mode order paid to kitchen 1's sub-merchant and delivered by
/// rider-wang (signed in to the county's mini-program as `o-wang`).
pub(crate) struct Delivered {
    /// The order.
    pub id: i64,
    /// Its payment's `out_trade_no`.
    pub no: String,
    /// What the resident paid.
    pub total: i64,
    /// The rider's fee.
    pub fee: i64,
    /// The kitchen's part.
    pub kitchen_fen: i64,
    /// The platform's part.
    pub platform_fen: i64,
    /// An operator's token.
    pub op: String,
}

/// Kang in partner mode, kitchen 1 at sub-merchant [`SUB`], an order paid
/// there and delivered; the books checked on the way.
pub(crate) async fn paid_and_delivered(app: &TestApp) -> Delivered {
    let fake = app.wechatpay.as_ref().expect("fake WeChat Pay");
    kang_goes_partner(app).await;
    fake.bind_sub_merchant(SUB);
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

    // Paid to the kitchen's sub-merchant and held there.
    let (resident, id, order) = resident_with_order(app).await;
    let total = order["payable_fen"].as_i64().expect("payable");
    let paying = app
        .post(
            &format!("/api/v1/orders/{id}/pay"),
            json!({}),
            Some(&resident),
        )
        .await;
    assert_eq!(paying.status, 200, "{}", paying.text);
    let no = paying.body["out_trade_no"].as_str().expect("no").to_owned();
    let now = app.clock.now_utc().timestamp();
    let (h, b) = fake.notification(
        &partner_transaction(&no, SUB, total),
        now,
        APIV3_KEY.as_bytes(),
    );
    assert_eq!(
        post_to(app, "/api/v1/pay/wechat/notify/kang", &h, &b).await,
        204
    );
    fake.mark_paid(&no, total);
    let tb = trial_balance(app).await;
    assert_eq!(balance(&tb, "partner_funds"), total);
    assert_eq!(balance(&tb, "clearing"), 0);

    // Accepted and delivered by rider-wang.
    let kitchen = app.token_for(demo_user(app, "huaqiao").await).await;
    let acc = app
        .post(
            &format!("/api/v1/merchant/orders/{id}/accept"),
            json!({}),
            Some(&kitchen),
        )
        .await;
    assert_eq!(acc.status, 200, "{}", acc.text);
    let mon = app.get("/api/v1/admin/dispatch", Some(&op)).await;
    let job = mon.body["jobs"]
        .as_array()
        .and_then(|js| js.iter().find(|j| j["order_id"] == id))
        .and_then(|j| j["id"].as_i64())
        .expect("a delivery job");
    let (wang, rider) = rider_with_openid(app).await;
    let fee = deliver_as(app, &wang, &resident, &kitchen, id, job).await;
    let share = share_of(app, id).await;
    assert_eq!(share.status.as_str(), "scheduled");
    assert_eq!(share.sub_mchid, SUB);
    assert_eq!(share.courier_fen, fee);
    assert_eq!(share.courier_id, rider);
    let tb = trial_balance(app).await;
    let kitchen_fen = balance(&tb, "merchant_payable");
    let platform_fen = balance(&tb, "platform_revenue");
    assert_eq!(kitchen_fen + platform_fen + fee, total);
    assert_eq!(balance(&tb, "rider_payable"), fee);
    Delivered {
        id,
        no,
        total,
        fee,
        kitchen_fen,
        platform_fen,
        op,
    }
}

async fn a_delivered_order_is_shared_after_its_refund_window(backend: Backend) {
    let app = TestApp::spawn_with(backend, options()).await;
    let fake = app.wechatpay.as_ref().expect("fake WeChat Pay");
    let Delivered {
        id,
        no,
        total,
        fee,
        platform_fen,
        ..
    } = paid_and_delivered(&app).await;
    let share = share_of(&app, id).await;

    // Within the refund window nothing is shared.
    app.worker().run_pending().await.expect("worker");
    assert!(fake.sharing_orders().is_empty());

    // After it: the receivers are added (the provider under its name,
    // sent encrypted), the order is sent — and its answer lost.
    app.clock.advance(Duration::hours(25));
    fake.lose_sharing_answers(1);
    app.worker().run_pending().await.expect("worker");
    let receivers = fake.sharing_receivers();
    assert_eq!(
        receivers.get(&(
            SUB.to_owned(),
            "MERCHANT_ID".to_owned(),
            SP_MCHID.to_owned()
        )),
        Some(&Some(RECEIVER_NAME.to_owned()))
    );
    assert!(receivers.contains_key(&(
        SUB.to_owned(),
        "PERSONAL_OPENID".to_owned(),
        "o-wang".to_owned()
    )));
    assert_eq!(share_of(&app, id).await.status.as_str(), "scheduled");
    assert_eq!(fake.sharing_orders().len(), 1);

    // Asked again under the same number: the same order, now requested.
    app.clock.advance(Duration::hours(1));
    app.worker().run_pending().await.expect("worker");
    let sent = fake.sharing_orders();
    assert_eq!(sent.len(), 1, "one sharing order, not two");
    let (out_order_no, s) = sent.iter().next().expect("sharing order");
    assert_eq!(out_order_no, &share.out_order_no);
    assert_eq!(s.transaction_id, format!("4200{no}"));
    let mut parts: Vec<(String, i64)> = s.receivers.iter().map(|r| (r.1.clone(), r.2)).collect();
    parts.sort();
    let mut want = vec![
        (SP_MCHID.to_owned(), platform_fen),
        ("o-wang".to_owned(), fee),
    ];
    want.sort();
    assert_eq!(parts, want);
    assert_eq!(share_of(&app, id).await.status.as_str(), "requested");
    // Still processing at WeChat Pay: nothing moved in the books.
    assert_eq!(balance(&trial_balance(&app).await, "partner_funds"), total);

    // WeChat Pay finishes; its notification makes the query come now.
    fake.finish_sharing(out_order_no, &[]);
    let ts = app.clock.now_utc().timestamp();
    let tx = format!("4200{no}");
    let (h, b) = fake.sharing_notification(out_order_no, SUB, &tx, platform_fen, ts);
    let forged = b.replacen("encrypt-resource", "encrypt-resourcE", 1);
    assert_eq!(
        post_to(&app, "/api/v1/pay/wechat/sharing-notify/kang", &h, &forged).await,
        401
    );
    let (h2, b2) = fake.sharing_notification(out_order_no, "1900000299", &tx, platform_fen, ts);
    assert_eq!(
        post_to(&app, "/api/v1/pay/wechat/sharing-notify/kang", &h2, &b2).await,
        400
    );
    assert_eq!(share_of(&app, id).await.status.as_str(), "requested");
    assert_eq!(
        post_to(&app, "/api/v1/pay/wechat/sharing-notify/kang", &h, &b).await,
        204
    );
    assert_eq!(share_of(&app, id).await.status.as_str(), "finished");
    let postings = app.count("ledger_postings").await;
    assert_eq!(
        post_to(&app, "/api/v1/pay/wechat/sharing-notify/kang", &h, &b).await,
        204
    );
    app.worker().run_pending().await.expect("worker");
    assert_eq!(
        app.count("ledger_postings").await,
        postings,
        "a replay books nothing"
    );

    // The books agree with WeChat Pay: nothing held, the platform's share
    // in its own account, the rider and the kitchen paid in full.
    let tb = trial_balance(&app).await;
    assert_eq!(balance(&tb, "partner_funds"), 0);
    assert_eq!(balance(&tb, "clearing"), platform_fen);
    assert_eq!(balance(&tb, "rider_payable"), 0);
    assert_eq!(balance(&tb, "merchant_payable"), 0);
    assert_eq!(balance(&tb, "platform_revenue"), platform_fen);
}

both!(a_delivered_order_is_shared_after_its_refund_window);

/// Every step of sharing is stored before the next, so a failure between
/// any two — a receiver refused before WeChat Pay stored it, one stored
/// whose answer was lost, a sharing order accepted whose answer was lost,
/// a query that failed — is resumed by the next attempt: one sharing
/// order, every receiver added once, every movement booked once.
async fn sharing_resumes_after_a_failure_between_every_step(backend: Backend) {
    let app = TestApp::spawn_with(backend, options()).await;
    let fake = app.wechatpay.as_ref().expect("fake WeChat Pay");
    let Delivered {
        id,
        total,
        fee,
        platform_fen,
        ..
    } = paid_and_delivered(&app).await;
    let share = share_of(&app, id).await;
    let step = || async {
        app.clock.advance(Duration::hours(1));
        app.worker().run_pending().await.expect("worker");
    };
    let lines = || async {
        entity::profit_share_line::Entity::find()
            .filter(entity::profit_share_line::Column::ShareId.eq(share.id))
            .all(&app.db)
            .await
            .expect("lines")
            .len()
    };
    app.clock.advance(Duration::hours(24));

    // The first receiver is refused: the plan is stored, nothing added.
    fake.sharing_faults(1, 0, 0);
    step().await;
    assert_eq!(lines().await, 2, "the receivers' parts are planned");
    assert!(fake.sharing_receivers().is_empty());
    assert!(
        share_of(&app, id).await.fail_reason.is_some(),
        "the refusal is noted for the operator"
    );
    // Added, but the answer is lost: added again (WeChat Pay answers a
    // repeat like the first), the same plan kept.
    fake.sharing_faults(0, 1, 0);
    step().await;
    assert_eq!(fake.sharing_receivers().len(), 1);
    assert!(fake.sharing_orders().is_empty());
    // Both receivers there; the sharing order accepted, its answer lost.
    fake.lose_sharing_answers(1);
    step().await;
    assert_eq!(fake.sharing_receivers().len(), 2);
    assert_eq!(fake.sharing_orders().len(), 1);
    assert_eq!(share_of(&app, id).await.status.as_str(), "scheduled");
    // Sent again under its number, requested; the query fails.
    fake.sharing_faults(0, 0, 1);
    step().await;
    assert_eq!(fake.sharing_orders().len(), 1, "one sharing order");
    let now = share_of(&app, id).await;
    assert_eq!(now.status.as_str(), "requested");
    assert_eq!(now.fail_reason, None, "accepted at last");
    // WeChat Pay finishes; the next query books it, once.
    fake.finish_sharing(&share.out_order_no, &[]);
    step().await;
    assert_eq!(share_of(&app, id).await.status.as_str(), "finished");
    step().await;
    assert_eq!(lines().await, 2);
    let tb = trial_balance(&app).await;
    assert_eq!(balance(&tb, "partner_funds"), 0);
    assert_eq!(balance(&tb, "clearing"), platform_fen);
    assert_eq!(balance(&tb, "rider_payable"), 0);
    assert_eq!(balance(&tb, "merchant_payable"), 0);
    assert_eq!(
        fake.sub_balance(SUB),
        total - platform_fen - fee,
        "the kitchen got the rest"
    );
}

both!(sharing_resumes_after_a_failure_between_every_step);
