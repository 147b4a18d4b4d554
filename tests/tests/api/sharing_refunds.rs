//! Refunds in partner mode come from where the money is: before sharing
//! from the payment held at the kitchen's sub-merchant (and the sharing
//! order then splits less), after sharing from the platform's share,
//! returned to the sub-merchant first (分账回退) — the kitchen withdrew
//! its own money already. A receiver WeChat Pay closes gets nothing and
//! its part goes to the kitchen; the operator sees why. What the return
//! cannot cover waits in the refund queue. The books agree with WeChat
//! Pay at every step.

use chrono::Duration;
use serde_json::{Value, json};
use tests::wechatpay_fake::SP_MCHID;
use tests::{Backend, TestApp, balance, both};

use crate::partner_mode::SUB;
use crate::profit_sharing::{Delivered, paid_and_delivered, share_of, trial_balance};
use crate::wechatpay::options;

async fn compensate(app: &TestApp, op: &str, order: i64, amount: i64) -> tests::Resp {
    app.post(
        &format!("/api/v1/admin/orders/{order}/compensations"),
        json!({"amount_fen": amount, "reason": "汤洒了"}),
        Some(op),
    )
    .await
}

/// Runs the worker until the refund WeChat Pay accepted is done: its
/// notification is lost, the follow-up finds it succeeded.
async fn refund_goes_through(app: &TestApp, out_refund_no: &str) {
    let fake = app.wechatpay.as_ref().expect("fake WeChat Pay");
    app.worker().run_pending().await.expect("worker");
    assert!(
        fake.refunds().contains_key(out_refund_no),
        "WeChat Pay has refund {out_refund_no}"
    );
    fake.set_refund_status(out_refund_no, "SUCCESS");
    app.clock.advance(Duration::minutes(11));
    app.worker().run_pending().await.expect("worker");
}

fn number(r: &tests::Resp) -> String {
    r.body["out_refund_no"]
        .as_str()
        .expect("a refund number")
        .to_owned()
}

async fn refunds_come_from_where_the_money_is_before_and_after_sharing(backend: Backend) {
    let app = TestApp::spawn_with(backend, options()).await;
    let fake = app.wechatpay.as_ref().expect("fake WeChat Pay");
    let Delivered {
        id,
        no,
        total,
        fee,
        kitchen_fen,
        platform_fen,
        op,
        ..
    } = paid_and_delivered(&app).await;
    assert!(
        platform_fen >= 10,
        "the test needs a platform share: {platform_fen}"
    );
    let a = platform_fen / 5;

    // Bad compensations are refused before any money moves.
    for (amount, reason) in [(0, "x"), (total + 1, "x"), (100, " ")] {
        let r = app
            .post(
                &format!("/api/v1/admin/orders/{id}/compensations"),
                json!({"amount_fen": amount, "reason": reason}),
                Some(&op),
            )
            .await;
        assert_eq!(r.status, 422, "{}", r.text);
    }
    assert_eq!(compensate(&app, &op, 999_999, 100).await.status, 404);

    // Within the refund window: paid out of the money held.
    let first = compensate(&app, &op, id, a).await;
    assert_eq!(first.status, 201, "{}", first.text);
    refund_goes_through(&app, &number(&first)).await;
    let tb = trial_balance(&app).await;
    assert_eq!(balance(&tb, "partner_funds"), total - a);
    assert_eq!(balance(&tb, "compensation_expense"), a);
    assert!(
        fake.share_returns().is_empty(),
        "nothing shared, nothing returned"
    );

    // Shared after the window: the platform carries the compensation, so
    // its part is that much less. WeChat Pay closes the rider's part (their
    // account is abnormal): it goes to the kitchen, the rider is still
    // owed their fee, and the operator sees why.
    app.clock.advance(Duration::hours(25));
    app.worker().run_pending().await.expect("worker");
    let share = share_of(&app, id).await;
    assert_eq!(share.status.as_str(), "requested");
    let sent = fake.sharing_orders();
    let parts: Vec<(String, i64)> = sent[&share.out_order_no]
        .receivers
        .iter()
        .map(|r| (r.1.clone(), r.2))
        .collect();
    assert!(
        parts.contains(&(SP_MCHID.to_owned(), platform_fen - a)),
        "{parts:?}"
    );
    assert!(parts.contains(&("o-wang".to_owned(), fee)), "{parts:?}");
    fake.finish_sharing(&share.out_order_no, &["o-wang"]);
    app.clock.advance(Duration::hours(1));
    app.worker().run_pending().await.expect("worker");
    assert_eq!(share_of(&app, id).await.status.as_str(), "finished");
    let tb = trial_balance(&app).await;
    assert_eq!(balance(&tb, "partner_funds"), 0);
    assert_eq!(balance(&tb, "clearing"), platform_fen - a);
    assert_eq!(
        balance(&tb, "rider_payable"),
        fee,
        "the rider is still owed"
    );
    assert_eq!(
        balance(&tb, "merchant_payable"),
        -fee,
        "the kitchen got the rider's part"
    );
    assert_eq!(fake.sub_balance(SUB), kitchen_fen + fee);
    let view = app.get("/api/v1/admin/profit-shares", Some(&op)).await;
    assert_eq!(view.status, 200, "{}", view.text);
    let rider_line = view.body[0]["lines"]
        .as_array()
        .and_then(|ls| ls.iter().find(|l| l["role"] == "rider"))
        .cloned()
        .unwrap_or(Value::Null);
    assert_eq!(rider_line["result"], "closed", "{}", view.text);
    assert_eq!(rider_line["fail_reason"], "ACCOUNT_ABNORMAL");
    let bad = app
        .get("/api/v1/admin/profit-shares?status=lost", Some(&op))
        .await;
    assert_eq!(bad.status, 422, "{}", bad.text);
    let again = app
        .post(
            &format!("/api/v1/admin/profit-shares/{}/retry", share.id),
            json!({}),
            Some(&op),
        )
        .await;
    assert_eq!(again.status, 422, "a finished share is not sent again");

    // After sharing the kitchen withdrew its money: a compensation is
    // paid from the platform's share, returned to the sub-merchant first.
    fake.withdraw(SUB);
    let second = compensate(&app, &op, id, a).await;
    assert_eq!(second.status, 201, "{}", second.text);
    refund_goes_through(&app, &number(&second)).await;
    let returns = fake.share_returns();
    assert_eq!(returns.len(), 1, "{returns:?}");
    let r = returns.values().next().expect("a return");
    assert_eq!(
        (r.sub_mchid.as_str(), r.return_mchid.as_str(), r.amount),
        (SUB, SP_MCHID, a)
    );
    assert_eq!(r.out_order_no, share.out_order_no);
    assert_eq!(fake.sub_balance(SUB), 0, "returned, then refunded");
    let tb = trial_balance(&app).await;
    assert_eq!(balance(&tb, "clearing"), platform_fen - 2 * a);
    assert_eq!(balance(&tb, "merchant_payable"), -fee);
    assert_eq!(balance(&tb, "compensation_expense"), 2 * a);

    // A compensation larger than what is left of the platform's share:
    // all of it is returned, the rest is not at the sub-merchant, and the
    // refund waits in the operator's queue.
    let left = platform_fen - 2 * a;
    let third = compensate(&app, &op, id, left + 50).await;
    assert_eq!(third.status, 201, "{}", third.text);
    app.worker().run_pending().await.expect("worker");
    let queue = app.get("/api/v1/admin/refunds/failed", Some(&op)).await;
    assert_eq!(
        queue.body[0]["refund"]["failure_code"], "NOT_ENOUGH",
        "{}",
        queue.text
    );
    let returned: i64 = fake.share_returns().values().map(|r| r.amount).sum();
    assert_eq!(returned, platform_fen - a, "the whole share went back");
    let tb = trial_balance(&app).await;
    assert_eq!(balance(&tb, "clearing"), 0);
    assert_eq!(
        balance(&tb, "merchant_payable"),
        -fee - left,
        "the kitchen holds the returned share until the refund goes"
    );

    // The kitchen tops up; the operator sends it again: no second return.
    fake.top_up(SUB, 50);
    let stuck = queue.body[0]["refund"]["id"].as_i64().expect("refund id");
    let retry = app
        .post(
            &format!("/api/v1/admin/refunds/{stuck}/retry"),
            json!({}),
            Some(&op),
        )
        .await;
    assert_eq!(retry.status, 200, "{}", retry.text);
    refund_goes_through(&app, &number(&third)).await;
    assert_eq!(fake.share_returns().len(), 2, "one return per refund");
    let tb = trial_balance(&app).await;
    assert_eq!(balance(&tb, "merchant_payable"), -fee + 50);
    assert_eq!(balance(&tb, "compensation_expense"), 2 * a + left + 50);

    // The day reconciles: the trade bill's refunds and the sharing bill's
    // shares and returns against what the ledger booked; a line WeChat
    // Pay's bill lacks shows.
    let day = "2026-11-24";
    fake.set_trade_bill(
        day,
        &refund_bill(&no, &[(&number(&second), a), (&number(&third), left + 50)]),
    );
    let bill = fake.sharing_bill_csv();
    fake.set_sharing_bill(day, &bill);
    let rep = app
        .post(
            &format!("/api/v1/admin/reconciliation/{day}/fetch"),
            json!({}),
            Some(&op),
        )
        .await;
    assert_eq!(rep.status, 200, "{}", rep.text);
    assert_eq!(
        rep.body["matched"], 5,
        "2 refunds, 1 share, 2 returns: {}",
        rep.text
    );
    assert_eq!(rep.body["missing_in_bill"], json!([]), "{}", rep.text);
    assert_eq!(rep.body["missing_in_ledger"], json!([]), "{}", rep.text);
    let lacking: String = bill
        .lines()
        .filter(|l| !l.contains("`回退"))
        .map(|l| format!("{l}\n"))
        .collect();
    fake.set_sharing_bill(day, &lacking);
    let rep = app
        .post(
            &format!("/api/v1/admin/reconciliation/{day}/fetch"),
            json!({}),
            Some(&op),
        )
        .await;
    assert_eq!(
        rep.body["missing_in_bill"].as_array().map(Vec::len),
        Some(2),
        "{}",
        rep.text
    );
    assert_eq!(rep.body["missing_in_bill"][0]["kind"], "sharing_return");
}

/// A trade bill with the refunds of one payment.
fn refund_bill(out_trade_no: &str, refunds: &[(&str, i64)]) -> String {
    let yuan = |fen: i64| format!("{}.{:02}", fen / 100, fen % 100);
    let mut csv = String::from(
        "\u{feff}交易时间,公众账号ID,商户号,特约商户号,设备号,微信订单号,商户订单号,用户标识,交易类型,交易状态,付款银行,货币种类,应结订单金额,代金券金额,微信退款单号,商户退款单号,退款金额,充值券退款金额,退款类型,退款状态,商品名称,商户数据包,手续费,费率,订单金额,申请退款金额,费率备注\n",
    );
    for (no, fen) in refunds {
        csv.push_str(&format!(
            "`2026-11-24 12:00:00,`wx0000000000000001,`{SP_MCHID},`{SUB},`,`4200{out_trade_no},`{out_trade_no},`o-payer,`JSAPI,`REFUND,`OTHERS,`CNY,`0.00,`0.00,`5000{no},`{no},`{},`0.00,`ORIGINAL,`SUCCESS,`同城订单,`,`0.00000,`0.60%,`0.00,`{},`\n",
            yuan(*fen),
            yuan(*fen)
        ));
    }
    csv.push_str("总交易单数,应结订单总金额,退款总金额,充值券退款总金额,手续费总金额,订单总金额,申请退款总金额\n`0,`0.00,`0.00,`0.00,`0.00000,`0.00,`0.00\n");
    csv
}

both!(refunds_come_from_where_the_money_is_before_and_after_sharing);
