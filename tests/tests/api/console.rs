//! The web console in a real browser (headless Chromium through
//! chromedriver): the operator signs in, sees the dashboard's chart with the
//! statistics' totals, approves a merchant and a product; the kitchen
//! receives a new order live without reloading, accepts it and marks it
//! ready; a form without its CSRF token is refused; a kitchen cannot open
//! the operator's pages. Screenshots of the pages go to
//! `target/console-screenshots/` for a reviewer.

use std::path::PathBuf;

use entity::merchant_application::ApplicationStatus;
use entity::order::OrderStatus;
use entity::product::ProductStatus;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::json;
use tests::webdriver::{Driver, Session};
use tests::{Backend, TestApp};

use crate::delivery::{STORE, accepted_order, monday_10am, on_duty_at, paid_order};

fn shot(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../target/console-screenshots")
        .join(format!("{name}.png"))
}

/// Delivers one city order end to end through the API.
async fn delivered_order(app: &TestApp) -> i64 {
    let zhang = app.demo_token("zhang").await;
    let (_, id, _) = accepted_order(app, &zhang).await;
    let kitchen = app.demo_token("huaqiao").await;
    let wang = app.demo_token("rider-wang").await;
    let job = entity::delivery_job::Entity::find()
        .filter(entity::delivery_job::Column::OrderId.eq(id))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    on_duty_at(app, &wang, STORE).await;
    let g = app
        .post(
            &format!("/api/v1/rider/jobs/{}/grab", job.id),
            json!({}),
            Some(&wang),
        )
        .await;
    assert_eq!(g.status, 200, "{}", g.text);
    app.post(
        &format!("/api/v1/merchant/orders/{id}/ready"),
        json!({}),
        Some(&kitchen),
    )
    .await;
    let p = app
        .post(
            &format!("/api/v1/rider/jobs/{}/pickup", job.id),
            json!({"lat": STORE.0, "lng": STORE.1}),
            Some(&wang),
        )
        .await;
    assert_eq!(p.status, 200, "{}", p.text);
    let d = app
        .post(
            &format!("/api/v1/rider/jobs/{}/deliver", job.id),
            json!({"code": job.code}),
            Some(&wang),
        )
        .await;
    assert_eq!(d.status, 200, "{}", d.text);
    id
}

async fn sign_in(s: &Session, app: &TestApp, username: &str, password: &str) {
    s.goto(&format!("{}/console", app.address)).await;
    let user = s.wait_for("#username", 10).await;
    s.type_into(&user, username).await;
    let pw = s.wait_for("#password", 5).await;
    s.type_into(&pw, password).await;
    let go = s.wait_for("#sign-in", 5).await;
    s.click(&go).await;
}

#[tokio::test]
async fn the_console_works_for_operators_and_kitchens_in_a_browser() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    app.clock.set(monday_10am());
    let driver = Driver::start().await.expect("chromedriver");
    let seed = app.seed.clone().expect("seeded");

    // Data to look at: a delivered order, a pending application, a
    // product under review.
    delivered_order(&app).await;
    let applicant = app.demo_token("chanong").await;
    let a = app
        .post(
            "/api/v1/merchant/applications",
            json!({"business_name": "阳坝茶农小店", "category": "produce", "licence_no": "92621226MA74T6UW7X",
                   "food_permit_no": "JY16212260004321", "contact_name": "李春梅", "contact_phone": "13909391004",
                   "address": "康县城关镇北街 3 号", "location": {"lat": 33.3330, "lng": 105.6100}, "delivery_modes": "both"}),
            Some(&applicant),
        )
        .await;
    assert_eq!(a.status, 201, "{}", a.text);
    let application = a.body["id"].as_i64().unwrap();
    let kitchen = app.demo_token("huaqiao").await;
    let p = app
        .post(
            "/api/v1/merchant/products",
            json!({"name": "核桃包", "description": "核桃仁馅", "unit": "袋", "cold_chain": "ambient", "weight_g": 500, "origin": "康县"}),
            Some(&kitchen),
        )
        .await;
    assert_eq!(p.status, 201, "{}", p.text);
    let product = p.body["id"].as_i64().unwrap();
    let sku = app
        .post(
            &format!("/api/v1/merchant/products/{product}/skus"),
            json!({"version": 1, "name": "6个", "price_fen": 1200, "stock": 50, "on_shelf": true}),
            Some(&kitchen),
        )
        .await;
    assert_eq!(sku.status, 201, "{}", sku.text);
    let sub = app
        .post(
            &format!("/api/v1/merchant/products/{product}/submit"),
            json!({}),
            Some(&kitchen),
        )
        .await;
    assert_eq!(sub.status, 200, "{}", sub.text);

    // The operator.
    let op = driver.session().await.expect("browser");
    let password = seed.operator_password.clone().expect("operator password");
    sign_in(&op, &app, "kang-admin", "wrong password").await;
    op.wait_for(".error[role=alert]", 10).await;
    sign_in(&op, &app, "kang-admin", &password).await;
    let delivered = op.wait_for("#orders-delivered", 10).await;
    let api = app
        .get(
            "/api/v1/admin/stats?from=2026-10-25&to=2026-11-23",
            Some(&app.operator_token().await),
        )
        .await;
    assert_eq!(api.body["orders_delivered"], 1, "{}", api.text);
    assert_eq!(op.text(&delivered).await, "1");
    let chart = op.wait_for("svg#orders-chart", 5).await;
    assert_eq!(
        op.attr(&chart, "data-total-orders").await.as_deref(),
        Some("1")
    );
    assert_eq!(
        op.attr(&chart, "data-total-gmv-fen").await,
        api.body["gmv_fen"].as_i64().map(|g| g.to_string())
    );
    let bars = op
        .run("return document.querySelectorAll('#orders-chart rect.bar.city').length")
        .await;
    assert_eq!(bars, 30, "one bar a day");
    let cold = op.wait_for("svg#cold-chart", 5).await;
    assert_eq!(op.attr(&cold, "data-batches").await.as_deref(), Some("0"));
    op.wait_for("svg#gmv-chart", 5).await;
    op.screenshot(&shot("dashboard")).await;

    // Reviews: a form without its CSRF token is refused…
    op.goto(&format!("{}/console/reviews", app.address)).await;
    op.wait_for(&format!("#application-{application}"), 10)
        .await;
    op.screenshot(&shot("reviews")).await;
    op.run(&format!(
        "document.querySelector('#application-{application} form input[name=csrf]').remove()"
    ))
    .await;
    let approve = op
        .wait_for(&format!("#application-{application} button.approve"), 5)
        .await;
    op.click(&approve).await;
    let code = op.wait_for("#error-code", 10).await;
    assert_eq!(op.text(&code).await, "FORBIDDEN");
    let still = app
        .get(
            "/api/v1/admin/merchant-applications",
            Some(&app.operator_token().await),
        )
        .await;
    assert!(still.text.contains("阳坝茶农小店"), "nothing decided");
    // …and with it, the merchant and the product are approved.
    op.goto(&format!("{}/console/reviews", app.address)).await;
    let approve = op
        .wait_for(&format!("#application-{application} button.approve"), 10)
        .await;
    op.click(&approve).await;
    op.wait_gone(&format!("#application-{application}"), 10)
        .await;
    let approve = op
        .wait_for(&format!("#product-{product} button.approve"), 10)
        .await;
    op.click(&approve).await;
    op.wait_gone(&format!("#product-{product}"), 10).await;
    let decided = entity::merchant_application::Entity::find_by_id(application)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(decided.status, ApplicationStatus::Approved);
    let listed = entity::product::Entity::find_by_id(product)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(listed.status, ProductStatus::Listed);

    // The books and the exports.
    op.goto(&format!("{}/console/ledger", app.address)).await;
    let balanced = op.wait_for("#balanced", 10).await;
    assert_eq!(op.text(&balanced).await, "借贷平衡");
    let d = op.wait_for("#total-debits", 5).await;
    let c = op.wait_for("#total-credits", 5).await;
    assert_eq!(op.text(&d).await, op.text(&c).await);
    let csv = op
        .run("return fetch('/console/exports/stats.csv').then(r => r.text())")
        .await;
    let csv = csv.as_str().unwrap_or("");
    // The same figures as the API's export of the same 30 days (the demo's
    // merchants count by the end of the period, so the wall clock at
    // seeding decides how many there are: compare, do not guess).
    let api_csv = app
        .get(
            "/api/v1/admin/stats?from=2026-10-25&to=2026-11-23&format=csv",
            Some(&app.operator_token().await),
        )
        .await;
    // (A browser's text() drops the byte-order mark.)
    assert_eq!(
        csv.trim_start_matches('\u{feff}'),
        api_csv.text.trim_start_matches('\u{feff}'),
        "console and API exports agree"
    );
    assert!(csv.contains("\n康县同城,"), "{csv}");
    op.goto(&format!("{}/console/trips", app.address)).await;
    op.wait_for("form[action='/console/trips']", 10).await;

    // The kitchen: its own board, not the operator's pages.
    let k = driver.session().await.expect("browser");
    let kitchen_pw = seed.kitchen_password.clone().expect("kitchen password");
    sign_in(&k, &app, "huaqiao-kitchen", &kitchen_pw).await;
    k.wait_for("#board", 10).await;
    k.goto(&format!("{}/console/dashboard", app.address)).await;
    let code = k.wait_for("#error-code", 10).await;
    assert_eq!(k.text(&code).await, "FORBIDDEN");
    k.goto(&format!("{}/console/kitchen", app.address)).await;
    k.wait_for("#board", 10).await;
    // Wait for the stream to be open, then mark the page: a reload would
    // lose the mark.
    for _ in 0..50 {
        if k.run("return document.getElementById('live').textContent")
            .await
            != ""
        {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    k.run("window.__noReload = 42").await;
    let zhang = app.demo_token("zhang").await;
    let fresh = paid_order(&app, &zhang).await;
    let card = k
        .wait_for(&format!("#order-{fresh}[data-status=paid]"), 15)
        .await;
    assert_eq!(k.run("return window.__noReload").await, 42, "no reload");
    assert!(k.text(&card).await.contains("黑猪肉包子"));
    k.screenshot(&shot("kitchen")).await;
    let accept = k
        .wait_for(&format!("#order-{fresh} button.accept"), 5)
        .await;
    k.click(&accept).await;
    let ready = k
        .wait_for(&format!("#order-{fresh} button.ready"), 10)
        .await;
    k.click(&ready).await;
    k.wait_for(&format!("#order-{fresh}[data-status=ready]"), 10)
        .await;
    let o = entity::order::Entity::find_by_id(fresh)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(o.status, OrderStatus::Ready);
    // The operator's dispatch monitor shows the new job; assigning it by
    // hand gives it to the rider on duty.
    let job = entity::delivery_job::Entity::find()
        .filter(entity::delivery_job::Column::OrderId.eq(fresh))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    op.goto(&format!("{}/console/dispatch", app.address)).await;
    let assign = op.wait_for(&format!("#job-{} button", job.id), 10).await;
    op.click(&assign).await;
    op.wait_for(&format!("#job-{}[data-status=assigned]", job.id), 10)
        .await;
    op.screenshot(&shot("dispatch")).await;
    op.goto(&format!("{}/console/area", app.address)).await;
    op.wait_for("#p-title", 10).await;
    assert!(op.source().await.contains("花桥村便民服务点"));
    // A new community from the form.
    let communities = op
        .run("return document.querySelectorAll('tr.community').length")
        .await;
    for (field, value) in [
        ("#c-name", "北关社区"),
        ("#c-lat", "33.3380"),
        ("#c-lng", "105.6100"),
    ] {
        let e = op.wait_for(field, 5).await;
        op.type_into(&e, value).await;
    }
    let add = op.wait_for("#add-community", 5).await;
    op.click(&add).await;
    for _ in 0..50 {
        if op
            .run("return document.querySelectorAll('tr.community').length")
            .await
            != communities
        {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(op.source().await.contains("北关社区"));

    // The menu editor: a new product, a SKU, and off to review.
    k.goto(&format!("{}/console/kitchen/menu", app.address))
        .await;
    let name = k.wait_for("#np-name", 10).await;
    k.type_into(&name, "韭菜鸡蛋包").await;
    let create = k.wait_for("#create-product", 5).await;
    k.click(&create).await;
    let created = loop {
        let found = entity::product::Entity::find()
            .filter(entity::product::Column::Name.eq("韭菜鸡蛋包"))
            .one(&app.db)
            .await
            .unwrap();
        if let Some(p) = found {
            break p;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    };
    let section = format!("#menu-product-{}", created.id);
    let sku_name = k.wait_for(&format!("#sku-name-{}", created.id), 10).await;
    k.type_into(&sku_name, "6个").await;
    let price = k.wait_for(&format!("#sku-price-{}", created.id), 5).await;
    k.type_into(&price, "10.50").await;
    let add = k.wait_for(&format!("{section} button.add-sku"), 5).await;
    k.click(&add).await;
    // A photo, uploaded through the form (the token travels first).
    let dir = tempfile::tempdir().unwrap();
    let photo = dir.path().join("bun.png");
    {
        let file = std::fs::File::create(&photo).unwrap();
        let mut enc = png::Encoder::new(file, 4, 4);
        enc.set_color(png::ColorType::Grayscale);
        enc.set_depth(png::BitDepth::Eight);
        let mut w = enc.write_header().unwrap();
        w.write_image_data(&[200u8; 16]).unwrap();
    }
    k.wait_for(&format!("{section} input[id^='price-']"), 10)
        .await;
    let file = k.wait_for(&format!("#img-{}", created.id), 5).await;
    k.type_into(&file, photo.to_str().unwrap()).await;
    let upload = k.wait_for(&format!("{section} button.upload"), 5).await;
    k.click(&upload).await;
    k.wait_for(&format!("{section} img[src^='/media/']"), 10)
        .await;
    // The SKU's row shows once the page is back.
    k.wait_for(&format!("{section} input[id^='price-']"), 10)
        .await;
    let submit = k
        .wait_for(&format!("{section} button.submit-review"), 10)
        .await;
    k.click(&submit).await;
    k.wait_for(&format!("{section}[data-status=pending_review]"), 10)
        .await;
    let skus = entity::supply_end::menu::skus(&app.db, created.id)
        .await
        .unwrap();
    assert_eq!(skus.len(), 1);
    assert_eq!(skus[0].price_fen, 1_050);

    // Production batches: a new one from the form, with its QR label.
    k.goto(&format!("{}/console/kitchen/batches", app.address))
        .await;
    let before = k
        .run("return document.querySelectorAll('tr.batch').length")
        .await;
    let qty = k.wait_for("#quantity", 10).await;
    k.type_into(&qty, "120").await;
    let create = k.wait_for("#create-batch", 5).await;
    k.click(&create).await;
    for _ in 0..50 {
        if k.run("return document.querySelectorAll('tr.batch').length")
            .await
            != before
        {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let after = k
        .run("return document.querySelectorAll('tr.batch').length")
        .await;
    assert_eq!(after.as_i64(), before.as_i64().map(|n| n + 1));
    let label = k
        .run(
            "return fetch(document.querySelector('tr.batch a[href$=\"label.png\"]').href)\
             .then(r => r.headers.get('content-type'))",
        )
        .await;
    assert_eq!(label, "image/png");
    // The account: balance and what may be withdrawn.
    k.goto(&format!("{}/console/kitchen/account", app.address))
        .await;
    let balance = k.wait_for("#balance", 10).await;
    assert!(!k.text(&balance).await.is_empty());
    op.quit().await;
    k.quit().await;
}

/// The owner makes a console account for a member of staff: it signs in
/// with the store's staff role; bad names, short passwords, taken names
/// and callers who are not the owner are refused.
async fn the_owner_makes_staff_console_accounts(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let owner = app.demo_token("huaqiao").await;
    let make = |body: serde_json::Value, token: String| {
        let app = &app;
        async move {
            app.post("/api/v1/merchant/console-accounts", body, Some(&token))
                .await
        }
    };
    let good =
        json!({"username": "huaqiao-li", "password": "correct horse 9", "display_name": "李师傅"});
    for (body, field) in [
        (
            json!({"username": "Li!", "password": "correct horse 9", "display_name": "李"}),
            "username",
        ),
        (
            json!({"username": "huaqiao-li", "password": "short", "display_name": "李"}),
            "password",
        ),
    ] {
        let r = make(body, owner.clone()).await;
        assert_eq!(r.status, 422, "{}", r.text);
        assert_eq!(r.body["errors"][0]["field"], field);
    }
    let resident = app.demo_token("zhang").await;
    assert_eq!(make(good.clone(), resident).await.code(), "NOT_STORE_STAFF");
    let made = make(good.clone(), owner.clone()).await;
    assert_eq!(made.status, 201, "{}", made.text);
    assert_eq!(made.body["username"], "huaqiao-li");
    assert_eq!(make(good, owner.clone()).await.status, 409);
    let taken = make(
        json!({"username": "kang-admin", "password": "correct horse 9", "display_name": "x"}),
        owner,
    )
    .await;
    assert_eq!(taken.status, 409, "the operator's name is taken too");
    // The new account signs in as staff of the store, and is not its owner.
    let login = app
        .post(
            "/api/v1/auth/password-login",
            json!({"username": "huaqiao-li", "password": "correct horse 9"}),
            None,
        )
        .await;
    assert_eq!(login.status, 200, "{}", login.text);
    assert_eq!(login.body["user"]["roles"], json!(["merchant_staff"]));
    let staff = login.body["access_token"].as_str().unwrap().to_owned();
    let orders = app.get("/api/v1/merchant/orders", Some(&staff)).await;
    assert_eq!(orders.status, 200, "{}", orders.text);
    let again = make(
        json!({"username": "huaqiao-wang", "password": "correct horse 9", "display_name": "王"}),
        staff,
    )
    .await;
    assert_eq!(again.code(), "NOT_MERCHANT_OWNER");
}

tests::both!(the_owner_makes_staff_console_accounts);

/// Waits until `check` holds on the page source (10 s).
async fn until_source(s: &Session, what: &str, check: impl Fn(&str) -> bool) -> String {
    for _ in 0..100 {
        let source = s.source().await;
        if check(&source) {
            return source;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("{what}: not on the page:\n{}", s.source().await);
}

/// The operator changes the county's settings and imports a file in the
/// browser: timeouts and profile are saved and recorded, proposed fee rules
/// are previewed on a sample delivery and saved as a new version, and a
/// villages file is previewed (its bad lines listed), then imported; the
/// kitchen imports its own menu the same way.
#[tokio::test]
async fn settings_and_imports_in_the_console() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    app.clock.set(monday_10am());
    let driver = Driver::start().await.expect("chromedriver");
    let seed = app.seed.clone().expect("seeded");
    let op = driver.session().await.expect("browser");
    let password = seed.operator_password.clone().expect("operator password");
    sign_in(&op, &app, "kang-admin", &password).await;
    op.wait_for("#orders-delivered", 10).await;

    // Timeouts and the profile.
    op.goto(&format!("{}/console/settings", app.address)).await;
    let pay = op.wait_for("#to-pay", 10).await;
    op.run("document.querySelector('#to-pay').value = ''").await;
    op.type_into(&pay, "20").await;
    let save = op.wait_for("#save-timeouts", 5).await;
    op.click(&save).await;
    until_source(&op, "the timeouts change", |s| {
        s.contains("data-setting=\"timeouts\"")
    })
    .await;
    let t = app
        .get("/api/v1/admin/timeouts", Some(&app.operator_token().await))
        .await;
    assert_eq!(t.body["payment_timeout_secs"], 1_200, "{}", t.text);
    let phone = op.wait_for("#pf-phone", 10).await;
    op.run("document.querySelector('#pf-phone').value = ''")
        .await;
    op.type_into(&phone, "09395123456").await;
    let save = op.wait_for("#save-profile", 5).await;
    op.click(&save).await;
    until_source(&op, "the profile change", |s| {
        s.contains("data-setting=\"profile\"")
    })
    .await;

    // Fee rules: bands out of order are refused beside the form; the first
    // band dearer is previewed on a point in town.
    op.wait_for("#fr-bands", 10).await;
    let original = op
        .run("return document.querySelector('#fr-bands').value")
        .await;
    let original = original.as_str().expect("bands").to_owned();
    let (first, rest) = original.split_once('\n').expect("two bands or more");
    let (metres, _) = first.split_once('=').expect("metres = yuan");
    let set_bands = |text: String| {
        let op = &op;
        async move {
            op.run(&format!(
                "document.querySelector('#fr-bands').value = {}",
                serde_json::Value::String(text)
            ))
            .await;
        }
    };
    set_bands(format!("{rest}\n{first}")).await;
    let save = op.wait_for("#save-fee-rules", 5).await;
    op.click(&save).await;
    let refused = op.wait_for("#fee-error", 10).await;
    assert!(op.text(&refused).await.contains("ascend"));
    set_bands(format!("{} = 9.90\n{rest}", metres.trim())).await;
    let point = op.wait_for("#pv-point", 5).await;
    op.type_into(&point, "33.3310,105.6100").await;
    let preview = op.wait_for("#preview-fee-rules", 5).await;
    op.click(&preview).await;
    let fee = op.wait_for("#preview tr.proposed td.fee", 10).await;
    assert_eq!(op.text(&fee).await, "¥9.90");
    op.screenshot(&shot("settings")).await;
    let before = op
        .run("return document.querySelectorAll('tr.version').length")
        .await;
    let save = op.wait_for("#save-fee-rules", 5).await;
    op.click(&save).await;
    until_source(&op, "the new version", |s| {
        s.contains("data-setting=\"fee_rules\"")
    })
    .await;
    let after = op
        .run("return document.querySelectorAll('tr.version').length")
        .await;
    assert_eq!(after.as_i64(), before.as_i64().map(|n| n + 1));
    let versions = app
        .get("/api/v1/admin/fee-rules", Some(&app.operator_token().await))
        .await;
    assert!(versions.text.contains("990"), "{}", versions.text);

    // Import: a file with a bad line is listed and cannot be committed.
    let dir = tempfile::tempdir().expect("dir");
    // The browser takes canonical paths only.
    let sample = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../docs/samples")
        .canonicalize()
        .expect("samples");
    let villages = std::fs::read_to_string(sample.join("villages.csv")).expect("sample");
    let bad = dir.path().join("bad.csv");
    std::fs::write(&bad, format!("{villages}长坝镇,新村,95.0,105.7,,,,,,\n")).expect("bad file");
    op.goto(&format!("{}/console/imports", app.address)).await;
    op.wait_for("#kind", 10).await;
    op.run("document.querySelector('#kind').value = 'villages'")
        .await;
    let file = op.wait_for("#file", 5).await;
    op.type_into(&file, bad.to_str().expect("path")).await;
    let go = op.wait_for("#preview", 5).await;
    op.click(&go).await;
    op.wait_for("#result[data-outcome=refused]", 10).await;
    let bad_line = op.wait_for("#bad-lines tbody tr td", 5).await;
    assert_eq!(op.text(&bad_line).await, "14");
    assert!(op.find("#commit").await.is_none());
    // The good file: previewed, then imported.
    op.run("document.querySelector('#kind').value = 'villages'")
        .await;
    let file = op.wait_for("#file", 5).await;
    op.type_into(&file, sample.join("villages.csv").to_str().expect("path"))
        .await;
    let go = op.wait_for("#preview", 5).await;
    op.click(&go).await;
    op.wait_for("#result[data-outcome=preview]", 10).await;
    let points_before = entity::agent_point::Entity::find()
        .all(&app.db)
        .await
        .expect("points")
        .len();
    let commit = op.wait_for("#commit", 5).await;
    op.click(&commit).await;
    op.wait_for("#result[data-outcome=imported]", 10).await;
    op.screenshot(&shot("imports")).await;
    let points_after = entity::agent_point::Entity::find()
        .all(&app.db)
        .await
        .expect("points")
        .len();
    assert!(
        points_after > points_before,
        "{points_before} → {points_after}"
    );

    // The kitchen imports its own menu.
    let k = driver.session().await.expect("browser");
    let kitchen = app
        .post(
            "/api/v1/merchant/console-accounts",
            json!({"username": "huaqiao-menu", "password": "correct horse 9", "display_name": "菜单"}),
            Some(&app.demo_token("huaqiao").await),
        )
        .await;
    assert_eq!(kitchen.status, 201, "{}", kitchen.text);
    sign_in(&k, &app, "huaqiao-menu", "correct horse 9").await;
    k.wait_for("nav", 10).await;
    k.goto(&format!("{}/console/imports", app.address)).await;
    assert!(
        k.find("#kind").await.is_none(),
        "a kitchen imports its menu only"
    );
    let file = k.wait_for("#file", 10).await;
    k.type_into(&file, sample.join("menu.csv").to_str().expect("path"))
        .await;
    let go = k.wait_for("#preview", 5).await;
    k.click(&go).await;
    k.wait_for("#result[data-outcome=preview]", 10).await;
    let commit = k.wait_for("#commit", 5).await;
    k.click(&commit).await;
    k.wait_for("#result[data-outcome=imported]", 10).await;
    let porridge = entity::product::Entity::find()
        .filter(entity::product::Column::Name.eq("小米粥"))
        .one(&app.db)
        .await
        .expect("query");
    assert!(porridge.is_some(), "the menu was imported");
    // A kitchen cannot open the settings.
    k.goto(&format!("{}/console/settings", app.address)).await;
    until_source(&k, "a refusal", |s| s.contains("FORBIDDEN")).await;
    op.quit().await;
    k.quit().await;
}
