//! A real county from an empty database to its first paid order, with no
//! demo seed and only the command line and the HTTP API: the county and its
//! operator, its communities and villages imported, a merchant applying and
//! approved, a product listed, and a resident signing in with WeChat and
//! paying with WeChat Pay (both faked on loopback, speaking their protocols).

use serde_json::{Value, json};
use tests::app::ClockExt;
use tests::wechatpay_fake::APIV3_KEY;
use tests::{Backend, Options, TestApp, both};

use crate::cli::{output_text, run_on};
use crate::delivery::monday_10am;
use crate::wechatpay::{post_notify, transaction};

const OPERATOR_PASSWORD: &str = "kang-opening-day-2026";

/// Runs `tongcheng ARGS` on the app's database; what it printed.
fn cli(app: &TestApp, args: &[&str], stdin: &str) -> String {
    let dir = tempfile::tempdir().expect("dir");
    let out = run_on(dir.path(), &app.database_url, args, Some(stdin));
    let text = output_text(&out);
    assert!(out.status.success(), "tongcheng {args:?}: {text}");
    text
}

fn sample(name: &str) -> String {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../docs/samples")
        .join(name)
        .display()
        .to_string()
}

async fn wechat_login(app: &TestApp, openid: &str) -> Value {
    let r = app
        .post(
            "/api/v1/auth/wechat-login",
            json!({"code": format!("ok:{openid}"), "platform": "kang"}),
            None,
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    r.body
}

async fn a_county_takes_its_first_paid_order_without_the_demo(backend: Backend) {
    let app = TestApp::spawn_with(
        backend,
        Options {
            demo: false,
            wechat: true,
            seed: false,
            wechatpay: true,
            rate_limits: None,
        },
    )
    .await;
    app.clock.set(monday_10am());

    // The host opens the county and imports its service area.
    cli(
        &app,
        &[
            "platform",
            "create",
            "--code",
            "kang",
            "--name",
            "康县同城",
            "--region",
            "甘肃省陇南市康县",
            "--centre",
            "33.329,105.609",
            "--password-stdin",
        ],
        &format!("{OPERATOR_PASSWORD}\n"),
    );
    cli(
        &app,
        &[
            "import",
            "communities",
            &sample("communities.csv"),
            "--platform",
            "kang",
        ],
        "",
    );
    cli(
        &app,
        &[
            "import",
            "villages",
            &sample("villages.csv"),
            "--platform",
            "kang",
        ],
        "",
    );
    let op = app
        .post(
            "/api/v1/auth/password-login",
            json!({"username": "kang-admin", "password": OPERATOR_PASSWORD}),
            None,
        )
        .await;
    assert_eq!(op.status, 200, "{}", op.text);
    let op = op.body["access_token"].as_str().expect("token").to_owned();

    // A merchant applies and is approved; the store opens around the clock.
    let merchant = wechat_login(&app, "o-merchant").await;
    let token = merchant["access_token"].as_str().expect("token").to_owned();
    let applied = app
        .post(
            "/api/v1/merchant/applications",
            json!({
                "business_name": "城关手工面馆", "category": "snacks",
                "licence_no": "92621226MA74T6UW7X", "food_permit_no": "JY16212260004321",
                "contact_name": "王秀兰", "contact_phone": "13909391004",
                "address": "康县城关镇北街 3 号", "location": {"lat": 33.3330, "lng": 105.6100},
                "delivery_modes": "both"
            }),
            Some(&token),
        )
        .await;
    assert_eq!(applied.status, 201, "{}", applied.text);
    let id = &applied.body["id"];
    let approved = app
        .post(
            &format!("/api/v1/admin/merchant-applications/{id}/approve"),
            json!({}),
            Some(&op),
        )
        .await;
    assert_eq!(approved.status, 200, "{}", approved.text);
    let refreshed = app
        .post(
            "/api/v1/auth/refresh",
            json!({"refresh_token": merchant["refresh_token"]}),
            None,
        )
        .await;
    let kitchen = refreshed.body["access_token"]
        .as_str()
        .expect("token")
        .to_owned();
    let store = app.get("/api/v1/merchant/store", Some(&kitchen)).await;
    assert_eq!(store.status, 200, "{}", store.text);
    let hours: Vec<Value> = (1..=7)
        .map(|d| json!({"day": d, "open": "00:00", "close": "23:59"}))
        .collect();
    let opened = app
        .send(
            app.client
                .patch(format!("{}/api/v1/merchant/store", app.address))
                .bearer_auth(&kitchen)
                .json(&json!({"version": store.body["version"], "hours": hours})),
        )
        .await;
    assert_eq!(opened.status, 200, "{}", opened.text);

    // A product through the listing line.
    let cat = app
        .post(
            "/api/v1/merchant/categories",
            json!({"name": "面食", "position": 1}),
            Some(&kitchen),
        )
        .await;
    assert_eq!(cat.status, 201, "{}", cat.text);
    let product = app
        .post(
            "/api/v1/merchant/products",
            json!({"category_id": cat.body["id"], "name": "臊子面", "description": "手擀面，猪肉臊子", "unit": "碗", "cold_chain": "ambient", "weight_g": 600, "origin": "康县"}),
            Some(&kitchen),
        )
        .await;
    assert_eq!(product.status, 201, "{}", product.text);
    let pid = &product.body["id"];
    let sku = app
        .post(
            &format!("/api/v1/merchant/products/{pid}/skus"),
            json!({"version": product.body["version"], "name": "大碗", "price_fen": 1600, "stock": null, "on_shelf": true}),
            Some(&kitchen),
        )
        .await;
    assert_eq!(sku.status, 201, "{}", sku.text);
    for (path, token) in [
        (format!("/api/v1/merchant/products/{pid}/submit"), &kitchen),
        (format!("/api/v1/admin/products/{pid}/approve"), &op),
    ] {
        let r = app.post(&path, json!({}), Some(token)).await;
        assert_eq!(r.status, 200, "{path}: {}", r.text);
    }

    // A resident orders and pays with WeChat Pay.
    let resident = wechat_login(&app, "o-payer").await;
    let resident = resident["access_token"].as_str().expect("token").to_owned();
    let villages = app.get("/api/v1/villages", Some(&resident)).await;
    assert_eq!(villages.status, 200, "{}", villages.text);
    assert!(
        villages.text.contains("花桥村便民服务点"),
        "{}",
        villages.text
    );
    let address = app
        .post(
            "/api/v1/addresses",
            json!({"contact_name": "张三", "contact_phone": "13800000001", "detail": "东关社区 3 号楼", "location": {"lat": 33.3320, "lng": 105.6140}}),
            Some(&resident),
        )
        .await;
    assert_eq!(address.status, 201, "{}", address.text);
    let order = app
        .post(
            "/api/v1/orders",
            json!({"store_id": store.body["id"], "address_id": address.body["id"], "items": [{"sku_id": sku.body["id"], "qty": 1}]}),
            Some(&resident),
        )
        .await;
    assert_eq!(order.status, 201, "{}", order.text);
    let oid = order.body["id"].as_i64().expect("order id");
    let pay = app
        .post(
            &format!("/api/v1/orders/{oid}/pay"),
            json!({}),
            Some(&resident),
        )
        .await;
    assert_eq!(pay.status, 200, "{}", pay.text);
    assert_eq!(pay.body["provider"], "wechat");
    let no = pay.body["out_trade_no"].as_str().expect("out_trade_no");
    let total = order.body["payable_fen"].as_i64().expect("payable");
    let fake = app.wechatpay.as_ref().expect("WeChat Pay fake");
    let (headers, body) = fake.notification(
        &transaction(no, total),
        app.clock.now_utc().timestamp(),
        APIV3_KEY.as_bytes(),
    );
    let notified = post_notify(&app, &headers, &body).await;
    assert!(notified.status < 300, "{}", notified.text);
    let paid = app
        .get(&format!("/api/v1/orders/{oid}"), Some(&resident))
        .await;
    assert_eq!(paid.body["status"], "paid", "{}", paid.text);
    let board = app
        .get("/api/v1/merchant/orders?status=paid", Some(&kitchen))
        .await;
    assert!(
        board.body["items"]
            .as_array()
            .is_some_and(|o| o.iter().any(|o| o["id"] == oid)),
        "the kitchen sees the paid order: {}",
        board.text
    );
}

both!(a_county_takes_its_first_paid_order_without_the_demo);
