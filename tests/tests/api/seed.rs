//! The demo county seed is complete and idempotent.

use tests::app::ClockExt;
use tests::{Backend, Options, TestApp, both};

const TABLES: &[&str] = &[
    "platforms",
    "communities",
    "villages",
    "agent_points",
    "users",
    "wechat_identities",
    "role_memberships",
    "operator_accounts",
    "merchants",
    "stores",
    "store_staff",
    "routes",
    "route_stops",
    "departures",
    "store_routes",
    "categories",
    "products",
    "skus",
    "listing_decisions",
    "suppliers",
    "purchases",
    "product_ingredients",
    "production_batches",
    "batch_sources",
];

async fn counts(app: &TestApp) -> Vec<(String, i64)> {
    let mut out = Vec::new();
    for table in TABLES {
        out.push((table.to_string(), app.count(table).await));
    }
    out
}

async fn seeding_twice_changes_nothing(backend: Backend) {
    let app = TestApp::spawn_with(
        backend,
        Options {
            seed: false,
            wechatpay: false,
            demo: false,
            wechat: false,
            rate_limits: None,
        },
    )
    .await;
    let first = api::demo::seed(&app.db, app.clock.now_utc()).await.unwrap();
    assert!(first.inserted > 20, "{}", first.inserted);
    assert!(first.operator_password.is_some());
    let after_first = counts(&app).await;
    let get = |t: &str| after_first.iter().find(|(n, _)| n == t).unwrap().1;
    assert_eq!(get("platforms"), 1);
    assert!(get("communities") >= 3);
    assert!(get("villages") >= 5);
    assert_eq!(get("agent_points"), get("villages"));
    assert_eq!(get("merchants"), 3);
    assert_eq!(get("stores"), 3);
    assert_eq!(get("store_staff"), 3);
    assert_eq!(get("routes"), 2);
    assert_eq!(get("departures"), 4);
    assert!(get("products") >= 10);
    assert!(get("skus") > get("products"));
    assert_eq!(
        get("operator_accounts"),
        2,
        "the operator and the kitchen's console"
    );
    assert_eq!(get("suppliers"), 5);
    assert_eq!(get("production_batches"), 2);

    let second = api::demo::seed(&app.db, app.clock.now_utc()).await.unwrap();
    assert_eq!(second.inserted, 0);
    assert!(
        second.operator_password.is_none(),
        "password must not change"
    );
    assert!(second.kitchen_password.is_none());
    assert_eq!(counts(&app).await, after_first);

    // The first password still works.
    let r = app
        .post(
            "/api/v1/auth/password-login",
            serde_json::json!({"username": "kang-admin", "password": first.operator_password.unwrap()}),
            None,
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
}

async fn serve_demo_seeds_only_an_empty_database(backend: Backend) {
    // `TestApp::spawn` builds in demo mode: the app seeds at start.
    let app = TestApp::spawn_with(
        backend,
        Options {
            seed: false,
            wechatpay: false,
            demo: true,
            wechat: false,
            rate_limits: None,
        },
    )
    .await;
    let c = counts(&app).await;
    assert_eq!(c[0], ("platforms".to_string(), 1));
    let again = api::demo::seed_if_empty(&app.db, app.clock.now_utc())
        .await
        .unwrap();
    assert!(again.is_none());
}

both!(
    seeding_twice_changes_nothing,
    serve_demo_seeds_only_an_empty_database
);
