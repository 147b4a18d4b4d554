//! The menu and the listing line from the kitchen's and the operator's side.

use reqwest::Method;
use serde_json::{Value, json};
use tests::{Backend, TestApp, both};

struct Kitchen {
    token: String,
    op: String,
    store_id: i64,
}

async fn kitchen(app: &TestApp) -> Kitchen {
    let token = app.demo_token("huaqiao").await;
    let store = app.get("/api/v1/merchant/store", Some(&token)).await;
    assert_eq!(store.status, 200, "{}", store.text);
    Kitchen {
        token,
        op: app.operator_token().await,
        store_id: store.body["id"].as_i64().unwrap(),
    }
}

async fn new_product(app: &TestApp, k: &Kitchen, name: &str) -> Value {
    let cat = app
        .post(
            "/api/v1/merchant/categories",
            json!({"name": format!("{name}类"), "position": 9}),
            Some(&k.token),
        )
        .await;
    assert_eq!(cat.status, 201, "{}", cat.text);
    let p = app
        .post(
            "/api/v1/merchant/products",
            json!({"category_id": cat.body["id"], "name": name, "description": "核桃仁馅", "unit": "袋", "cold_chain": "frozen", "weight_g": 800, "origin": "康县"}),
            Some(&k.token),
        )
        .await;
    assert_eq!(p.status, 201, "{}", p.text);
    assert_eq!(p.body["status"], "draft");
    p.body
}

async fn add_sku(
    app: &TestApp,
    k: &Kitchen,
    product: &Value,
    version: i64,
    price: i64,
    stock: Option<i64>,
    on_shelf: bool,
) -> tests::Resp {
    let id = product["id"].as_i64().unwrap();
    app.post(
        &format!("/api/v1/merchant/products/{id}/skus"),
        json!({"version": version, "name": format!("规格{price}"), "price_fen": price, "stock": stock, "on_shelf": on_shelf}),
        Some(&k.token),
    )
    .await
}

async fn menu_names(app: &TestApp, k: &Kitchen) -> Vec<String> {
    let resident = app.demo_token("reader").await;
    let m = app
        .get(
            &format!("/api/v1/stores/{}/menu", k.store_id),
            Some(&resident),
        )
        .await;
    assert_eq!(m.status, 200, "{}", m.text);
    m.body["categories"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|c| {
            c["products"]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| p["name"].as_str().unwrap().to_owned())
        })
        .collect()
}

async fn a_product_walks_the_listing_line(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let k = kitchen(&app).await;
    let p = new_product(&app, &k, "核桃包").await;
    let id = p["id"].as_i64().unwrap();
    let post = |path: String, token: String, body: Value| {
        let app = &app;
        async move { app.post(&path, body, Some(&token)).await }
    };

    // No SKU yet: not ready for review.
    let r = post(
        format!("/api/v1/merchant/products/{id}/submit"),
        k.token.clone(),
        json!({}),
    )
    .await;
    assert_eq!((r.status, r.code()), (422, "PRODUCT_NOT_READY"));
    assert_eq!(
        add_sku(&app, &k, &p, 1, 2_600, Some(50), true).await.status,
        201
    );
    // Draft products cannot be approved or are invisible.
    let r = post(
        format!("/api/v1/admin/products/{id}/approve"),
        k.op.clone(),
        json!({}),
    )
    .await;
    assert_eq!((r.status, r.code()), (409, "INVALID_PRODUCT_STATE"));
    assert!(!menu_names(&app, &k).await.contains(&"核桃包".to_owned()));

    let r = post(
        format!("/api/v1/merchant/products/{id}/submit"),
        k.token.clone(),
        json!({}),
    )
    .await;
    assert_eq!(r.body["status"], "pending_review", "{}", r.text);
    let queue = app.get("/api/v1/admin/products", Some(&k.op)).await;
    assert!(queue.body.as_array().unwrap().iter().any(|q| q["id"] == id));
    // The kitchen cannot approve its own product.
    let r = post(
        format!("/api/v1/admin/products/{id}/approve"),
        k.token.clone(),
        json!({}),
    )
    .await;
    assert_eq!(r.status, 403);
    let r = post(
        format!("/api/v1/admin/products/{id}/approve"),
        k.op.clone(),
        json!({}),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["status"], "listed");
    assert_eq!(r.body["live"]["name"], "核桃包");
    assert!(menu_names(&app, &k).await.contains(&"核桃包".to_owned()));
    let r = post(
        format!("/api/v1/admin/products/{id}/approve"),
        k.op.clone(),
        json!({}),
    )
    .await;
    assert_eq!(r.code(), "INVALID_PRODUCT_STATE");

    // A body that is there must be JSON and valid: a refused one delists
    // nothing.
    let url = format!("{}/api/v1/merchant/products/{id}/delist", app.address);
    let r = app
        .send(
            app.client
                .post(&url)
                .bearer_auth(&k.token)
                .header("content-type", "text/plain")
                .body("delist"),
        )
        .await;
    assert_eq!(
        (r.status, r.code()),
        (415, "UNSUPPORTED_MEDIA_TYPE"),
        "{}",
        r.text
    );
    let r = app
        .send(
            app.client
                .post(&url)
                .bearer_auth(&k.token)
                .header("content-type", "application/json")
                .body(r#"{"reason": "#),
        )
        .await;
    assert_eq!((r.status, r.code()), (400, "MALFORMED_JSON"), "{}", r.text);
    assert!(menu_names(&app, &k).await.contains(&"核桃包".to_owned()));

    // Delisted: off the menu; coming back needs a new review, which can fail.
    let r = post(
        format!("/api/v1/merchant/products/{id}/delist"),
        k.token.clone(),
        json!({"reason": "换季"}),
    )
    .await;
    assert_eq!(r.body["status"], "delisted", "{}", r.text);
    assert!(!menu_names(&app, &k).await.contains(&"核桃包".to_owned()));
    let r = post(
        format!("/api/v1/merchant/products/{id}/delist"),
        k.token.clone(),
        json!({}),
    )
    .await;
    assert_eq!(r.code(), "INVALID_PRODUCT_STATE");
    post(
        format!("/api/v1/merchant/products/{id}/submit"),
        k.token.clone(),
        json!({}),
    )
    .await;
    let r = post(
        format!("/api/v1/admin/products/{id}/reject"),
        k.op.clone(),
        json!({"reason": "图片不清晰"}),
    )
    .await;
    assert_eq!(r.body["status"], "rejected", "{}", r.text);
    assert_eq!(r.body["reject_reason"], "图片不清晰");
    assert!(!menu_names(&app, &k).await.contains(&"核桃包".to_owned()));
    let r = post(
        format!("/api/v1/admin/products/{id}/reject"),
        k.op.clone(),
        json!({"reason": "again"}),
    )
    .await;
    assert_eq!(r.code(), "INVALID_PRODUCT_STATE");
    assert!(app.count("listing_decisions").await >= 6);
}

async fn editing_a_listed_product_sends_it_back_to_review_and_keeps_it_visible(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let k = kitchen(&app).await;
    let p = new_product(&app, &k, "菌菇包").await;
    let id = p["id"].as_i64().unwrap();
    let sku = add_sku(&app, &k, &p, 1, 2_000, None, true).await;
    let sku_id = sku.body["id"].as_i64().unwrap();
    app.post(
        &format!("/api/v1/merchant/products/{id}/submit"),
        json!({}),
        Some(&k.token),
    )
    .await;
    let listed = app
        .post(
            &format!("/api/v1/admin/products/{id}/approve"),
            json!({}),
            Some(&k.op),
        )
        .await;
    let v = listed.body["version"].as_i64().unwrap();

    // A price change needs no review.
    let r = app
        .send_json(
            Method::PUT,
            &format!("/api/v1/merchant/products/{id}/skus/{sku_id}"),
            Some(json!({"version": v, "name": "规格", "price_fen": 2_200, "stock": 10})),
            Some(&k.token),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let now = app
        .get(&format!("/api/v1/merchant/products/{id}"), Some(&k.token))
        .await;
    assert_eq!(now.body["status"], "listed");
    let v = now.body["version"].as_i64().unwrap();

    // A new name goes back to review; residents still see the approved one.
    let r = app
        .send_json(
            Method::PATCH,
            &format!("/api/v1/merchant/products/{id}"),
            Some(json!({"version": v, "name": "香菇菌菇包"})),
            Some(&k.token),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["status"], "pending_review");
    assert_eq!(r.body["name"], "香菇菌菇包");
    assert_eq!(r.body["live"]["name"], "菌菇包");
    let names = menu_names(&app, &k).await;
    assert!(names.contains(&"菌菇包".to_owned()) && !names.contains(&"香菇菌菇包".to_owned()));

    // Weight and origin are not reviewed.
    let v = r.body["version"].as_i64().unwrap();
    let r = app
        .send_json(
            Method::PATCH,
            &format!("/api/v1/merchant/products/{id}"),
            Some(json!({"version": v, "weight_g": 900})),
            Some(&k.token),
        )
        .await;
    assert_eq!(r.body["status"], "pending_review");
    app.post(
        &format!("/api/v1/admin/products/{id}/approve"),
        json!({}),
        Some(&k.op),
    )
    .await;
    assert!(
        menu_names(&app, &k)
            .await
            .contains(&"香菇菌菇包".to_owned())
    );
}

async fn two_editors_cannot_silently_overwrite_each_other(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let k = kitchen(&app).await;
    let p = new_product(&app, &k, "豆沙包").await;
    let id = p["id"].as_i64().unwrap();
    let first = app
        .send_json(
            Method::PATCH,
            &format!("/api/v1/merchant/products/{id}"),
            Some(json!({"version": 1, "description": "红豆沙"})),
            Some(&k.token),
        )
        .await;
    assert_eq!(first.status, 200);
    let second = app
        .send_json(
            Method::PATCH,
            &format!("/api/v1/merchant/products/{id}"),
            Some(json!({"version": 1, "description": "绿豆沙"})),
            Some(&k.token),
        )
        .await;
    assert_eq!((second.status, second.code()), (409, "STALE_VERSION"));
    let now = app
        .get(&format!("/api/v1/merchant/products/{id}"), Some(&k.token))
        .await;
    assert_eq!(now.body["description"], "红豆沙");

    // Store settings too.
    let store = app.get("/api/v1/merchant/store", Some(&k.token)).await;
    let v = store.body["version"].as_i64().unwrap();
    let a = app
        .send_json(
            Method::PATCH,
            "/api/v1/merchant/store",
            Some(json!({"version": v, "min_order_fen": 2_000})),
            Some(&k.token),
        )
        .await;
    assert_eq!(a.status, 200, "{}", a.text);
    assert_eq!(a.body["version"], v + 1);
    let b = app
        .send_json(
            Method::PATCH,
            "/api/v1/merchant/store",
            Some(json!({"version": v, "min_order_fen": 500})),
            Some(&k.token),
        )
        .await;
    assert_eq!(b.code(), "STALE_VERSION");
    let bad = app
        .send_json(
            Method::PATCH,
            "/api/v1/merchant/store",
            Some(
                json!({"version": v + 1, "hours": [{"day": 9, "open": "07:00", "close": "12:00"}]}),
            ),
            Some(&k.token),
        )
        .await;
    assert_eq!(bad.status, 422);
    assert_eq!(bad.body["errors"][0]["field"], "hours");
}

async fn a_merchant_cannot_touch_another_stores_menu(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let k = kitchen(&app).await;
    let p = new_product(&app, &k, "韭菜包").await;
    let id = p["id"].as_i64().unwrap();
    let coop = app.demo_token("coop").await;
    let r = app
        .get(&format!("/api/v1/merchant/products/{id}"), Some(&coop))
        .await;
    assert_eq!(r.status, 404);
    let r = app
        .send_json(
            Method::PATCH,
            &format!("/api/v1/merchant/products/{id}"),
            Some(json!({"version": 1, "name": "抢来的"})),
            Some(&coop),
        )
        .await;
    assert_eq!(r.status, 404);
    let r = app
        .post(
            &format!("/api/v1/merchant/products/{id}/submit"),
            json!({}),
            Some(&coop),
        )
        .await;
    assert_eq!(r.status, 404);
    let resident = app.demo_token("passerby").await;
    let r = app
        .post(
            "/api/v1/merchant/products",
            json!({"name": "x", "unit": "个", "cold_chain": "ambient", "weight_g": 1}),
            Some(&resident),
        )
        .await;
    assert_eq!((r.status, r.code()), (403, "NOT_STORE_STAFF"));
}

async fn the_menu_shows_only_listed_on_shelf_skus_and_marks_sold_out(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let k = kitchen(&app).await;
    let p = new_product(&app, &k, "糖包").await;
    let id = p["id"].as_i64().unwrap();
    add_sku(&app, &k, &p, 1, 900, None, true).await;
    add_sku(&app, &k, &p, 2, 1_500, None, false).await;
    app.post(
        &format!("/api/v1/merchant/products/{id}/submit"),
        json!({}),
        Some(&k.token),
    )
    .await;
    app.post(
        &format!("/api/v1/admin/products/{id}/approve"),
        json!({}),
        Some(&k.op),
    )
    .await;
    let resident = app.demo_token("reader").await;
    let m = app
        .get(
            &format!("/api/v1/stores/{}/menu", k.store_id),
            Some(&resident),
        )
        .await;
    let products: Vec<&Value> = m.body["categories"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|c| c["products"].as_array().unwrap())
        .collect();
    let tang = products.iter().find(|p| p["name"] == "糖包").unwrap();
    assert_eq!(
        tang["skus"].as_array().unwrap().len(),
        1,
        "off-shelf SKU shown"
    );
    assert_eq!(tang["cold_chain"], "frozen");
    // The demo frozen vegetable buns have no stock left.
    let veg = products.iter().find(|p| p["name"] == "速冻素菜包").unwrap();
    assert_eq!(veg["skus"][0]["sold_out"], true);
    let pork = products
        .iter()
        .find(|p| p["name"] == "速冻黑猪肉包子")
        .unwrap();
    assert_eq!(pork["skus"][0]["sold_out"], false);
    assert_eq!(pork["skus"][0]["price_fen"], 2_800);
    // Categories keep the kitchen's order.
    assert_eq!(m.body["categories"][0]["name"], "鲜蒸包子");
}

both!(
    a_product_walks_the_listing_line,
    editing_a_listed_product_sends_it_back_to_review_and_keeps_it_visible,
    two_editors_cannot_silently_overwrite_each_other,
    a_merchant_cannot_touch_another_stores_menu,
    the_menu_shows_only_listed_on_shelf_skus_and_marks_sold_out,
);
