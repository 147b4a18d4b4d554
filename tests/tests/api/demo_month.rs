//! The lived-in demo: a made-up past of the demo county, generated through
//! the domain operations. Its books balance, its statistics equal a
//! recount, the same seed gives the same past, a second run adds nothing,
//! and the people of the month see it through the API.

use chrono::{Duration, NaiveDate, TimeZone, Utc};
use entity::platform_end::{ledger, stats};
use sea_orm::EntityTrait;
use serde_json::Value;
use tests::app::{ClockExt, balance};
use tests::{Backend, TestApp, both};

use api::demo_month::{MonthOptions, MonthReport, seed_month};

/// Days generated here (a week and a day: a Monday's withdrawals, a
/// weekend, and the month's one warm trip in the middle).
const DAYS: u32 = 8;

/// What must come out the same from the same seed.
#[derive(Debug, PartialEq)]
struct Fingerprint {
    report: String,
    stats: stats::Stats,
    balances: Vec<(String, i64, i64)>,
}

async fn made_up(app: &TestApp, seed: u64) -> (MonthReport, Fingerprint) {
    let now = Utc.with_ymd_and_hms(2026, 11, 30, 4, 0, 0).unwrap();
    app.clock.set(now);
    let report = seed_month(&app.db, 1, MonthOptions { seed, days: DAYS }, now)
        .await
        .expect("the month is made")
        .expect("a new platform gets a month");
    let platforms = entity::platform::Entity::find().all(&app.db).await.unwrap();
    let to = NaiveDate::from_ymd_opt(2026, 11, 29).unwrap();
    let from = to - Duration::days(i64::from(DAYS) - 1);
    let rolled = stats::stats(&app.db, &platforms, from, to).await.unwrap();
    let recount = stats::recount(&app.db, &platforms, from, to).await.unwrap();
    assert_eq!(rolled, recount, "the rollups equal a recount");
    let balances = ledger::balances(&app.db, 1)
        .await
        .unwrap()
        .into_iter()
        .map(|b| (b.kind.to_string(), b.owner_id, b.balance_fen))
        .collect();
    let mut shown = serde_json::to_value(&report).unwrap();
    shown["elapsed_ms"] = Value::Null;
    (
        report,
        Fingerprint {
            report: shown.to_string(),
            stats: rolled,
            balances,
        },
    )
}

async fn a_made_up_month_balances_and_counts_as_it_was_lived(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (m, print) = made_up(&app, 7).await;
    assert!(m.orders >= 80, "{m:?}");
    assert!(m.city_delivered > 0 && m.village_collected > 0, "{m:?}");
    assert!(m.cancelled_unpaid >= 1 && m.refused >= 1, "{m:?}");
    assert_eq!(m.cold_breaches, 1, "one warm trip: {m:?}");
    assert!(
        m.refunds > m.refused,
        "refusals and the compensation: {m:?}"
    );
    assert!(m.trips >= 8 && m.cold_batches > 0, "{m:?}");
    assert!(m.purchases > 0 && m.production_batches > 0, "{m:?}");
    assert!(m.payouts > 0 && m.statements > 0, "{m:?}");
    assert_eq!(
        print.stats.orders_delivered as usize,
        m.city_delivered + m.village_collected
    );

    // The books: balanced, nothing left in escrow or waiting to be refunded.
    let op = app.operator_token().await;
    let tb = app
        .get("/api/v1/admin/ledger/trial-balance", Some(&op))
        .await;
    assert_eq!(tb.status, 200, "{}", tb.text);
    assert_eq!(tb.body["balanced"], true, "{}", tb.text);
    assert_eq!(balance(&tb.body, "escrow"), 0, "{}", tb.text);
    let counts = |status: &str| {
        let db = app.db.clone();
        let status = status.to_owned();
        async move {
            use sea_orm::{ColumnTrait, PaginatorTrait, QueryFilter};
            entity::order::Entity::find()
                .filter(entity::order::Column::Status.eq(status))
                .count(&db)
                .await
                .unwrap() as usize
        }
    };
    assert_eq!(counts("refunding").await, 0);
    assert_eq!(counts("pending_payment").await, 0);
    assert_eq!(counts("refunded").await, m.refused);
    assert_eq!(counts("cancelled").await, m.cancelled_unpaid);

    // The people of the month see it: a resident's orders, the kitchen's
    // statements, a payout, the county's statistics.
    let chen = app.demo_token("res-chen").await;
    let mine = app.get("/api/v1/orders", Some(&chen)).await;
    assert_eq!(mine.status, 200, "{}", mine.text);
    assert!(mine.text.contains("\"delivered\""), "{}", mine.text);
    let kitchen = app.demo_token("huaqiao").await;
    let account = app.get("/api/v1/merchant/account", Some(&kitchen)).await;
    assert_eq!(account.status, 200, "{}", account.text);
    assert!(
        account.body["statements"]
            .as_array()
            .is_some_and(|s| !s.is_empty()),
        "{}",
        account.text
    );
    let payouts = app.get("/api/v1/merchant/payouts", Some(&kitchen)).await;
    assert!(payouts.text.contains("\"paid\""), "{}", payouts.text);
    let s = app
        .get(
            "/api/v1/admin/stats?from=2026-11-22&to=2026-11-29",
            Some(&op),
        )
        .await;
    assert_eq!(s.status, 200, "{}", s.text);
    assert_eq!(s.body["orders_delivered"], print.stats.orders_delivered);

    // A second run adds nothing.
    let again = seed_month(
        &app.db,
        1,
        MonthOptions {
            seed: 7,
            days: DAYS,
        },
        app.clock.now_utc(),
    )
    .await
    .unwrap();
    assert!(again.is_none());

    if backend == Backend::Sqlite {
        // The same seed, the same month; another seed, another.
        let twin = TestApp::spawn(backend).await;
        let (_, twin_print) = made_up(&twin, 7).await;
        assert_eq!(print, twin_print);
        let other = TestApp::spawn(backend).await;
        let (_, other_print) = made_up(&other, 8).await;
        assert_ne!(print.report, other_print.report);
    }
}

both!(a_made_up_month_balances_and_counts_as_it_was_lived);
