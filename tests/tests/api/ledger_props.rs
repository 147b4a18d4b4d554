//! Property: whatever sequence of orders, acceptances, deliveries,
//! cancellations, village trips with kept or broken cold chains, days
//! passing and payouts happens, after every step each
//! posting sums to zero, the books balance, no payee is owed a negative
//! amount, and the money is all accounted for: escrow holds what belongs
//! to orders on their way, and
//! - in direct mode clearing holds what was paid in less what was refunded
//!   and paid out;
//! - in partner mode (payments to the kitchen's sub-merchant through the
//!   WeChat Pay fake, shared after the refund window to the platform, the
//!   rider, the carrier and the agent point) the books agree with WeChat
//!   Pay: the money held at the sub-merchant is what the fake still holds
//!   unshared, and clearing is what sharing gave the service provider less
//!   returns and payouts.

use chrono::Duration;
use proptest::prelude::*;
use sea_orm::{ConnectionTrait, Statement};
use serde_json::json;
use tests::app::ClockExt;
use tests::wechatpay_fake::{APIV3_KEY, SP_MCHID};
use tests::{Backend, TestApp};

use crate::partner_mode::{SUB, kang_goes_partner_with, partner_transaction, post_to};

use crate::delivery::{STORE, monday_10am, on_duty_at};

#[derive(Debug, Clone)]
enum Op {
    Order(i64),
    Accept(usize),
    Deliver(usize),
    Cancel(usize),
    NextDay,
    Payout(i64),
    /// A frozen village order rides the afternoon trip; `true`: the
    /// compartment warms past the tolerance (compensation and penalty).
    VillageTrip(bool),
}

fn op_in_a_day() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => (1..4i64).prop_map(Op::Order),
        1 => (0..6usize).prop_map(Op::Accept),
        3 => (0..6usize).prop_map(Op::Deliver),
        1 => (0..6usize).prop_map(Op::Cancel),
        2 => (10..100i64).prop_map(Op::Payout),
        1 => any::<bool>().prop_map(Op::VillageTrip),
    ]
}

/// A few days of business, each ended by the next morning's settlement.
fn days() -> impl Strategy<Value = Vec<Op>> {
    proptest::collection::vec(proptest::collection::vec(op_in_a_day(), 1..7), 1..5).prop_map(
        |days| {
            days.into_iter()
                .flat_map(|d| d.into_iter().chain(std::iter::once(Op::NextDay)))
                .collect()
        },
    )
}

struct World {
    app: TestApp,
    /// Partner mode through the WeChat Pay fake, or direct demo payments.
    partner: bool,
    resident: String,
    kitchen: String,
    wang: String,
    address: i64,
    sku: i64,
    orders: Vec<i64>,
    /// Days since Monday.
    day: i64,
    /// The village address and the frozen buns' SKU.
    village: (i64, i64),
    /// Whether today's afternoon trip has left.
    trip_today: bool,
}

impl World {
    async fn new(backend: Backend, partner: bool) -> World {
        let app = if partner {
            TestApp::spawn_with(
                backend,
                tests::Options {
                    demo: true,
                    wechat: true,
                    seed: true,
                    wechatpay: true,
                    rate_limits: None,
                },
            )
            .await
        } else {
            TestApp::spawn(backend).await
        };
        app.clock.set(monday_10am());
        let resident = app.demo_token("zhang").await;
        let a = app
            .post("/api/v1/addresses", json!({"contact_name": "张三", "contact_phone": "13800000001", "detail": "东关社区 3 号楼", "location": {"lat": 33.3360, "lng": 105.6160}}), Some(&resident))
            .await;
        let kitchen = app.demo_token("huaqiao").await;
        let sku = app.kitchen_sku("黑猪肉包子").await;
        let wang = app.demo_token("rider-wang").await;
        let op = app.operator_token().await;
        let fleet = crate::cold_chain::cold_fleet(&app, &op).await;
        let point = app.agent_point("花桥村便民服务点").await;
        let va = app
            .post(
                "/api/v1/addresses",
                json!({"contact_name": "张三", "contact_phone": "13800000001", "agent_point_id": point}),
                Some(&resident),
            )
            .await;
        let frozen = app.kitchen_sku("速冻黑猪肉包子").await;
        if partner {
            partner_county(&app, &op, fleet.carrier).await;
        }
        World {
            partner,
            day: 0,
            village: (va.body["id"].as_i64().unwrap(), frozen),
            trip_today: false,
            resident,
            kitchen,
            wang,
            address: a.body["id"].as_i64().unwrap(),
            sku,
            orders: Vec::new(),
            app,
        }
    }

    /// Pays an order: the demo provider's confirmation, or WeChat Pay's
    /// notification of a payment to the kitchen's sub-merchant.
    async fn pay(&self, id: i64, total: i64) {
        let app = &self.app;
        let p = app
            .post(
                &format!("/api/v1/orders/{id}/pay"),
                json!({}),
                Some(&self.resident),
            )
            .await;
        assert_eq!(p.status, 200, "{}", p.text);
        if !self.partner {
            let confirm = p.body["confirm_path"].as_str().unwrap().to_owned();
            assert_eq!(
                app.post(&confirm, json!({}), Some(&self.resident))
                    .await
                    .status,
                200
            );
            return;
        }
        let fake = app.wechatpay.as_ref().unwrap();
        let no = p.body["out_trade_no"].as_str().unwrap().to_owned();
        let (h, b) = fake.notification(
            &partner_transaction(&no, SUB, total),
            app.clock.now_utc().timestamp(),
            APIV3_KEY.as_bytes(),
        );
        assert_eq!(
            post_to(app, "/api/v1/pay/wechat/notify/kang", &h, &b).await,
            204
        );
        fake.mark_paid(&no, total);
    }

    /// Partner mode: WeChat Pay carries out what it was asked (refunds
    /// succeed, sharing orders finish) and the worker learns it — from
    /// the follow-up and the sharing query, the notifications being lost.
    async fn settle_wechat(&mut self) {
        if !self.partner {
            return;
        }
        let app = &self.app;
        let fake = app.wechatpay.as_ref().unwrap();
        let mut waited = false;
        for _ in 0..3 {
            let mut moved = false;
            for (no, (_, _, status)) in fake.refunds() {
                if status == "PROCESSING" {
                    fake.set_refund_status(&no, "SUCCESS");
                    moved = true;
                }
            }
            for (no, s) in fake.sharing_orders() {
                if s.state == "PROCESSING" {
                    fake.finish_sharing(&no, &[]);
                    moved = true;
                }
            }
            if !moved {
                break;
            }
            app.clock.advance(Duration::minutes(11));
            app.worker().run_pending().await.unwrap();
            waited = true;
        }
        if waited {
            // Sessions outlive minutes, not hours: sign in again.
            self.resident = app.demo_token("zhang").await;
            self.kitchen = app.demo_token("huaqiao").await;
            self.wang = app.demo_token("rider-wang").await;
        }
    }

    async fn status(&self, id: i64) -> String {
        self.app
            .get(&format!("/api/v1/orders/{id}"), Some(&self.resident))
            .await
            .body["status"]
            .as_str()
            .unwrap_or("")
            .to_owned()
    }

    /// The k-th order (cyclically) whose status is one of `statuses`.
    async fn pick(&self, k: usize, statuses: &[&str]) -> Option<i64> {
        let mut found = Vec::new();
        for &id in &self.orders {
            if statuses.contains(&self.status(id).await.as_str()) {
                found.push(id);
            }
        }
        (!found.is_empty()).then(|| found[k % found.len()])
    }

    async fn apply(&mut self, op: &Op) {
        let app = &self.app;
        match op {
            Op::Order(qty) => {
                let o = app
                    .post("/api/v1/orders", json!({"store_id": 1, "address_id": self.address, "items": [{"sku_id": self.sku, "qty": qty + 1}]}), Some(&self.resident))
                    .await;
                assert_eq!(o.status, 201, "{}", o.text);
                let id = o.body["id"].as_i64().unwrap();
                self.pay(id, o.body["payable_fen"].as_i64().unwrap()).await;
                self.orders.push(id);
            }
            Op::Accept(k) => {
                if let Some(id) = self.pick(*k, &["paid"]).await {
                    let r = app
                        .post(
                            &format!("/api/v1/merchant/orders/{id}/accept"),
                            json!({}),
                            Some(&self.kitchen),
                        )
                        .await;
                    assert_eq!(r.status, 200, "{}", r.text);
                }
            }
            Op::Deliver(k) => {
                let Some(id) = self.pick(*k, &["paid", "accepted"]).await else {
                    return;
                };
                if self.status(id).await == "paid" {
                    let r = app
                        .post(
                            &format!("/api/v1/merchant/orders/{id}/accept"),
                            json!({}),
                            Some(&self.kitchen),
                        )
                        .await;
                    assert_eq!(r.status, 200, "{}", r.text);
                }
                let job = entity::delivery_job::Entity::find()
                    .filter(entity::delivery_job::Column::OrderId.eq(id))
                    .one(&app.db)
                    .await
                    .unwrap()
                    .unwrap();
                on_duty_at(app, &self.wang, STORE).await;
                let g = app
                    .post(
                        &format!("/api/v1/rider/jobs/{}/grab", job.id),
                        json!({}),
                        Some(&self.wang),
                    )
                    .await;
                assert_eq!(g.status, 200, "{}", g.text);
                app.post(
                    &format!("/api/v1/merchant/orders/{id}/ready"),
                    json!({}),
                    Some(&self.kitchen),
                )
                .await;
                let p = app
                    .post(
                        &format!("/api/v1/rider/jobs/{}/pickup", job.id),
                        json!({"lat": STORE.0, "lng": STORE.1}),
                        Some(&self.wang),
                    )
                    .await;
                assert_eq!(p.status, 200, "{}", p.text);
                let d = app
                    .post(
                        &format!("/api/v1/rider/jobs/{}/deliver", job.id),
                        json!({"code": job.code}),
                        Some(&self.wang),
                    )
                    .await;
                assert_eq!(d.status, 200, "{}", d.text);
            }
            Op::Cancel(k) => {
                if let Some(id) = self.pick(*k, &["paid"]).await {
                    let c = app
                        .post(
                            &format!("/api/v1/orders/{id}/cancel"),
                            json!({}),
                            Some(&self.resident),
                        )
                        .await;
                    assert_eq!(c.status, 200, "{}", c.text);
                    app.worker().run_pending().await.unwrap();
                }
            }
            Op::NextDay => {
                self.day += 1;
                self.trip_today = false;
                app.clock.set(monday_10am() + Duration::days(self.day));
                app.worker().run_pending().await.unwrap();
                self.resident = app.demo_token("zhang").await;
                self.kitchen = app.demo_token("huaqiao").await;
                self.wang = app.demo_token("rider-wang").await;
            }
            Op::VillageTrip(breached) => {
                if !self.trip_today {
                    self.trip_today = true;
                    self.village_trip(*breached).await;
                }
            }
            Op::Payout(pct) => {
                let list = app
                    .get("/api/v1/merchant/payouts", Some(&self.kitchen))
                    .await;
                let available = list.body["available_fen"].as_i64().unwrap_or(0);
                let amount = (available * pct / 100).min(200_000);
                if amount >= 100 {
                    let p = app
                        .post(
                            "/api/v1/merchant/payouts",
                            json!({"amount_fen": amount}),
                            Some(&self.kitchen),
                        )
                        .await;
                    assert_eq!(p.status, 201, "{}", p.text);
                    app.worker().run_pending().await.unwrap();
                }
                let too_much = app
                    .post(
                        "/api/v1/merchant/payouts",
                        json!({"amount_fen": available - amount + 100}),
                        Some(&self.kitchen),
                    )
                    .await;
                assert_eq!(too_much.code(), "INSUFFICIENT_BALANCE", "{}", too_much.text);
            }
        }
    }

    /// Places a paid, accepted frozen village order for the 15:00 trip,
    /// plans and runs the trip, and settles its batch.
    async fn village_trip(&mut self, breached: bool) {
        let app = &self.app;
        let (address, sku) = self.village;
        let o = app
            .post(
                "/api/v1/orders",
                json!({"store_id": 1, "address_id": address, "items": [{"sku_id": sku, "qty": 2}]}),
                Some(&self.resident),
            )
            .await;
        assert_eq!(o.status, 201, "{}", o.text);
        let id = o.body["id"].as_i64().unwrap();
        let departs: chrono::DateTime<chrono::Utc> = o.body["plan"]["departs_at"]
            .as_str()
            .unwrap()
            .parse()
            .unwrap();
        self.pay(id, o.body["payable_fen"].as_i64().unwrap()).await;
        let a = app
            .post(
                &format!("/api/v1/merchant/orders/{id}/accept"),
                json!({}),
                Some(&self.kitchen),
            )
            .await;
        assert_eq!(a.status, 200, "{}", a.text);
        app.clock.set(departs - Duration::minutes(59));
        app.worker().run_pending().await.unwrap();
        let temps: Vec<f64> = (0..=60)
            .map(|m| {
                if breached && (10..30).contains(&m) {
                    -16.0
                } else {
                    -20.0
                }
            })
            .collect();
        crate::cold_chain::run_trip(app, "zhang", departs, &temps, &[id]).await;
        app.clock.advance(Duration::minutes(16));
        app.worker().run_pending().await.unwrap();
        let b = app.db.get_database_backend();
        let settled = app
            .db
            .query_one_raw(Statement::from_string(
                b,
                "SELECT CAST(COUNT(*) AS BIGINT) AS n FROM cold_settlements".to_owned(),
            ))
            .await
            .unwrap()
            .unwrap()
            .try_get::<i64>("", "n")
            .unwrap();
        assert!(settled > 0, "the batch is settled");
        self.resident = app.demo_token("zhang").await;
        self.kitchen = app.demo_token("huaqiao").await;
        self.wang = app.demo_token("rider-wang").await;
    }

    async fn sum(&self, sql: &str) -> i64 {
        let b = self.app.db.get_database_backend();
        let row = self
            .app
            .db
            .query_one_raw(Statement::from_string(b, sql))
            .await
            .unwrap()
            .unwrap();
        row.try_get::<Option<i64>>("", "n").unwrap().unwrap_or(0)
    }

    async fn check(&self, step: &str) {
        let unbalanced = self
            .sum(
                "SELECT CAST(COUNT(*) AS BIGINT) AS n FROM (SELECT posting_id FROM ledger_entries \
                 GROUP BY posting_id HAVING SUM(amount_fen) <> 0) AS x",
            )
            .await;
        assert_eq!(unbalanced, 0, "{step}: a posting does not sum to zero");
        let total = self
            .sum("SELECT CAST(SUM(amount_fen) AS BIGINT) AS n FROM ledger_entries")
            .await;
        assert_eq!(total, 0, "{step}: the books do not balance");
        let negative = self
            .sum(
                "SELECT CAST(COUNT(*) AS BIGINT) AS n FROM (SELECT a.id FROM ledger_accounts a \
                 JOIN ledger_entries e ON e.account_id = a.id \
                 WHERE a.kind IN ('merchant_payable', 'rider_payable') \
                 GROUP BY a.id HAVING SUM(e.amount_fen) > 0) AS x",
            )
            .await;
        // Carriers are not in it: a cold-chain penalty may take a carrier
        // below zero, to be set off against later earnings (the rule).
        assert_eq!(negative, 0, "{step}: a payee is owed a negative amount");
        let clearing = self
            .sum(
                "SELECT CAST(SUM(e.amount_fen) AS BIGINT) AS n FROM ledger_entries e \
                 JOIN ledger_accounts a ON a.id = e.account_id WHERE a.kind = 'clearing'",
            )
            .await;
        let paid_in = self
            .sum("SELECT CAST(SUM(amount_fen) AS BIGINT) AS n FROM payments WHERE status = 'paid'")
            .await;
        let refunded = self
            .sum("SELECT CAST(SUM(amount_fen) AS BIGINT) AS n FROM refunds WHERE status = 'succeeded'")
            .await;
        let paid_out = self
            .sum("SELECT CAST(SUM(amount_fen) AS BIGINT) AS n FROM payouts WHERE status = 'paid'")
            .await;
        if self.partner {
            self.check_partner(step, clearing, paid_out).await;
        } else {
            assert_eq!(clearing, paid_in - refunded - paid_out, "{step}: clearing");
        }
        let escrow = -self
            .sum(
                "SELECT CAST(SUM(e.amount_fen) AS BIGINT) AS n FROM ledger_entries e \
                 JOIN ledger_accounts a ON a.id = e.account_id WHERE a.kind = 'escrow'",
            )
            .await;
        let on_their_way = self
            .sum(
                "SELECT CAST(SUM(payable_fen) AS BIGINT) AS n FROM orders WHERE status IN \
                 ('paid', 'accepted', 'ready', 'rider_assigned', 'picked_up', 'on_trip', \
                 'at_agent_point', 'refunding')",
            )
            .await;
        assert_eq!(escrow, on_their_way, "{step}: escrow");
    }
}

impl World {
    /// The books against the fake's own view of where the money is.
    async fn check_partner(&self, step: &str, clearing: i64, paid_out: i64) {
        let fake = self.app.wechatpay.as_ref().unwrap();
        let held = self
            .sum(
                "SELECT CAST(SUM(e.amount_fen) AS BIGINT) AS n FROM ledger_entries e \
                 JOIN ledger_accounts a ON a.id = e.account_id WHERE a.kind = 'partner_funds'",
            )
            .await;
        let shares = fake.sharing_orders();
        let refunds = fake.refunds();
        let mut unshared = 0;
        for (no, total) in fake.paid() {
            let tx = format!("4200{no}");
            if shares
                .values()
                .any(|s| s.transaction_id == tx && s.state == "FINISHED")
            {
                continue;
            }
            let refunded: i64 = refunds
                .values()
                .filter(|(t, _, st)| *t == no && st != "CLOSED")
                .map(|(_, a, _)| a)
                .sum();
            unshared += total - refunded;
        }
        assert_eq!(
            held, unshared,
            "{step}: partner funds = what WeChat Pay holds unshared"
        );
        let to_provider: i64 = shares
            .values()
            .flat_map(|s| s.receivers.iter())
            .filter(|r| r.1 == SP_MCHID && r.3 == "SUCCESS")
            .map(|r| r.2)
            .sum();
        let returned: i64 = fake.share_returns().values().map(|r| r.amount).sum();
        assert_eq!(
            clearing,
            to_provider - returned - paid_out,
            "{step}: clearing = what sharing gave the provider"
        );
    }
}

/// Kang as a service provider (with a sharing limit of 100 %, so that the
/// small orders of the property are all shareable; the limit has its own
/// test), the kitchen at its sub-merchant, the rider, the keeper, the
/// kitchen's owner and the resident signed in to the county's
/// mini-program, the carrier a merchant receiver.
async fn partner_county(app: &TestApp, op: &str, carrier: i64) {
    let fake = app.wechatpay.as_ref().unwrap();
    let set = kang_goes_partner_with(app, json!({"sharing_max_bp": 10_000})).await;
    assert_eq!(set.status, 200, "{}", set.text);
    fake.bind_sub_merchant(SUB);
    let sub = app
        .send_json(
            reqwest::Method::PUT,
            "/api/v1/admin/merchants/1/sub-merchant",
            Some(json!({"sub_mchid": SUB})),
            Some(op),
        )
        .await;
    assert_eq!(sub.status, 200, "{}", sub.text);
    let receiver = app
        .send_json(
            reqwest::Method::PUT,
            &format!("/api/v1/admin/carriers/{carrier}/receiver"),
            Some(json!({"mchid": "1900000301", "name": "冷链车队"})),
            Some(op),
        )
        .await;
    assert_eq!(receiver.status, 200, "{}", receiver.text);
    // The kitchen's owner too: its payouts go to its WeChat change.
    for who in ["zhang", "rider-wang", "keeper-hua", "huaqiao"] {
        let t = app.demo_token(who).await;
        let user = app.get("/api/v1/me", Some(&t)).await.body["id"]
            .as_i64()
            .unwrap();
        entity::wechat_identity::ActiveModel {
            platform_id: sea_orm::Set(1),
            user_id: sea_orm::Set(user),
            appid: sea_orm::Set(tests::wechat_fake::APPID.to_owned()),
            openid: sea_orm::Set(format!("o-{who}")),
            unionid: sea_orm::Set(None),
            created_at: sea_orm::Set(app.clock.now_utc()),
            ..Default::default()
        }
        .insert(&app.db)
        .await
        .unwrap();
    }
}

fn run(backend: Backend, partner: bool, ops: Vec<Op>) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async move {
        let mut w = World::new(backend, partner).await;
        for (i, op) in ops.iter().enumerate() {
            w.apply(op).await;
            w.settle_wechat().await;
            w.check(&format!("after step {i} ({op:?})")).await;
        }
    });
}

use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter};

proptest! {
    #![proptest_config(ProptestConfig { cases: 16, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn the_books_hold_on_sqlite(ops in days()) {
        run(Backend::Sqlite, false, ops);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 6, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn the_books_hold_on_postgres(ops in days()) {
        run(Backend::Postgres, false, ops);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 8, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn the_books_agree_with_wechat_pay_in_partner_mode_on_sqlite(ops in days()) {
        run(Backend::Sqlite, true, ops);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 3, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn the_books_agree_with_wechat_pay_in_partner_mode_on_postgres(ops in days()) {
        run(Backend::Postgres, true, ops);
    }
}
