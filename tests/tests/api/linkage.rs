//! Poverty-alleviation linkage and traceability: the supplier registry and
//! who sees what of it, purchases and wages into the household income
//! report, production batches tied to order items, the public trace page,
//! and the QR label that points to it.

use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};
use tests::{Backend, TestApp, both};

use crate::delivery::{accepted_order, monday_10am};

/// A registered poor household of 花桥村 (4 people), a cooperative and an
/// ordinary household. Returns their ids.
async fn registry(app: &TestApp, op: &str) -> (i64, i64, i64) {
    let villages = app.get("/api/v1/admin/villages", Some(op)).await;
    let huaqiao = villages
        .body
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["name"] == "花桥村")
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    let mut ids = Vec::new();
    for body in [
        json!({"kind": "household", "registered_poor": true, "name": "李大山", "village_id": huaqiao,
               "member_count": 4, "phone": "13912345678", "id_number": "11010519491231002X"}),
        json!({"kind": "cooperative", "name": "花桥养猪合作社", "village_id": huaqiao,
               "member_count": 30, "phone": "13912345679"}),
        json!({"kind": "household", "name": "王小河", "village_id": huaqiao,
               "member_count": 3, "phone": "13912345670"}),
    ] {
        let r = app.post("/api/v1/admin/suppliers", body, Some(op)).await;
        assert_eq!(r.status, 201, "{}", r.text);
        ids.push(r.body["id"].as_i64().unwrap());
    }
    (ids[0], ids[1], ids[2])
}

async fn the_registry_keeps_personal_data_to_operators(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.clock.set(monday_10am());
    let op = app.operator_token().await;
    let (poor, _, _) = registry(&app, &op).await;
    let again = app
        .post(
            "/api/v1/admin/suppliers",
            json!({"kind": "household", "registered_poor": true, "name": "李大山", "member_count": 4,
                   "phone": "13912345678", "id_number": "11010519491231002x"}),
            Some(&op),
        )
        .await;
    assert_eq!(again.status, 409, "the same ID number: {}", again.text);
    for (bad, field) in [
        (
            json!({"kind": "cooperative", "registered_poor": true, "name": "某合作社", "member_count": 5, "phone": "13912345678"}),
            "registered_poor",
        ),
        (
            json!({"kind": "household", "name": "李", "member_count": 4, "phone": "13912345678"}),
            "name",
        ),
        (
            json!({"kind": "household", "name": "李大山", "member_count": 40, "phone": "13912345678"}),
            "member_count",
        ),
        (
            json!({"kind": "household", "name": "李大山", "member_count": 4, "phone": "13912345678",
                   "id_number": "110105194912310021"}),
            "id_number",
        ),
    ] {
        let r = app.post("/api/v1/admin/suppliers", bad, Some(&op)).await;
        assert_eq!(r.status, 422, "{}", r.text);
        assert_eq!(r.body["errors"][0]["field"], field, "{}", r.text);
    }
    let full = app.get("/api/v1/admin/suppliers", Some(&op)).await;
    let li = full
        .body
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == poor)
        .unwrap()
        .clone();
    assert_eq!(li["name"], "李大山");
    assert_eq!(li["phone"], "13912345678");
    assert_eq!(li["id_number_last4"], "002X");
    assert_eq!(li["village_name"], "花桥村");
    assert!(!full.text.contains("110105"), "no ID number in clear");
    // The kitchen sees the registry to record purchases: no names, masked phones.
    let kitchen = app.demo_token("huaqiao").await;
    let masked = app.get("/api/v1/merchant/suppliers", Some(&kitchen)).await;
    assert_eq!(masked.status, 200, "{}", masked.text);
    assert!(!masked.text.contains("李大山"), "{}", masked.text);
    assert!(!masked.text.contains("002X"));
    let li = masked
        .body
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == poor)
        .unwrap()
        .clone();
    assert_eq!(li["phone"], "139****5678");
    assert_eq!(li["registered_poor"], true);
    let resident = app.demo_token("zhang").await;
    assert_eq!(
        app.get("/api/v1/admin/suppliers", Some(&resident))
            .await
            .status,
        403
    );
    assert_eq!(
        app.get("/api/v1/merchant/suppliers", Some(&resident))
            .await
            .code(),
        "NOT_STORE_STAFF"
    );
}

both!(the_registry_keeps_personal_data_to_operators);

async fn purchases_and_wages_add_up_to_household_income(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.clock.set(monday_10am());
    let op = app.operator_token().await;
    let (poor, coop, other) = registry(&app, &op).await;
    let report = |from: &str, to: &str| {
        let path = format!("/api/v1/admin/reports/households?from={from}&to={to}");
        let op = op.clone();
        let app = &app;
        async move { app.get(&path, Some(&op)).await.body }
    };
    let before = report("2026-11-01", "2026-11-30").await;
    let before_23 = report("2026-11-23", "2026-11-23").await;
    let kitchen = app.demo_token("huaqiao").await;
    let buy = |supplier: i64, qty: f64, price: i64, amount: i64, day: &str| {
        json!({"supplier_id": supplier, "item": "黑猪肉", "quantity": qty, "unit": "jin",
               "unit_price_fen": price, "amount_fen": amount, "purchased_on": day})
    };
    for (body, status) in [
        (buy(poor, 20.0, 1_600, 32_000, "2026-11-20"), 201),
        (buy(poor, 10.5, 1_600, 16_800, "2026-11-23"), 201),
        (buy(coop, 50.0, 1_500, 75_000, "2026-11-21"), 201),
        (buy(other, 5.0, 1_000, 5_000, "2026-11-22"), 201),
        (buy(poor, 10.0, 1_600, 20_000, "2026-11-22"), 422), // not 16,000
        (buy(poor, 10.0, 1_600, 16_000, "2026-11-24"), 422), // tomorrow
        (buy(999, 10.0, 1_600, 16_000, "2026-11-22"), 404),
    ] {
        let r = app
            .post("/api/v1/merchant/purchases", body, Some(&kitchen))
            .await;
        assert_eq!(r.status, status, "{}", r.text);
    }
    let mine = app.get("/api/v1/merchant/purchases", Some(&kitchen)).await;
    let recorded = mine
        .body
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["supplier_id"] == poor)
        .count();
    assert_eq!(recorded, 2, "{}", mine.text);
    assert_eq!(
        app.get(
            "/api/v1/merchant/purchases",
            Some(&app.demo_token("zhang").await)
        )
        .await
        .code(),
        "NOT_STORE_STAFF"
    );
    // A rider from the household, linked by the operator.
    let rider = entity::rider::Entity::find()
        .filter(entity::rider::Column::PlatformId.eq(1))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    let path = format!("/api/v1/admin/riders/{}/household", rider.id);
    let link_rider = |household: i64| {
        app.send_json(
            reqwest::Method::PUT,
            &path,
            Some(json!({ "household_id": household })),
            Some(&op),
        )
    };
    assert_eq!(link_rider(other).await.status, 422);
    assert_eq!(link_rider(poor).await.status, 204);
    let linked = entity::rider::Entity::find_by_id(rider.id)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(linked.household_id, Some(poor));
    assert!(linked.poor_household);

    // A kitchen helper from the household: linked by the owner, paid a month's wage.
    let staff = app.get("/api/v1/merchant/staff", Some(&kitchen)).await;
    let staff_id = staff.body[0]["id"].as_i64().unwrap();
    let unlinked = app
        .post(
            "/api/v1/merchant/wages",
            json!({"staff_id": staff_id, "month": "2026-11-01", "amount_fen": 250_000}),
            Some(&kitchen),
        )
        .await;
    assert_eq!(unlinked.status, 422, "{}", unlinked.text);
    let link_other = app
        .send_json(
            reqwest::Method::PUT,
            &format!("/api/v1/merchant/staff/{staff_id}/household"),
            Some(json!({"household_id": other})),
            Some(&kitchen),
        )
        .await;
    assert_eq!(
        link_other.status, 422,
        "not a registered poor household: {}",
        link_other.text
    );
    let link = app
        .send_json(
            reqwest::Method::PUT,
            &format!("/api/v1/merchant/staff/{staff_id}/household"),
            Some(json!({"household_id": poor})),
            Some(&kitchen),
        )
        .await;
    assert_eq!(link.status, 200, "{}", link.text);
    let wage = |month: &str| json!({"staff_id": staff_id, "month": month, "amount_fen": 250_000});
    let w = app
        .post("/api/v1/merchant/wages", wage("2026-11-15"), Some(&kitchen))
        .await;
    assert_eq!(w.status, 201, "{}", w.text);
    assert_eq!(w.body["month"], "2026-11-01");
    let twice = app
        .post("/api/v1/merchant/wages", wage("2026-11-01"), Some(&kitchen))
        .await;
    assert_eq!(twice.status, 409);

    // The demo seed has its own households and purchases: this test's
    // counts are the difference they make.
    let r = app
        .get(
            "/api/v1/admin/reports/households?from=2026-11-01&to=2026-11-30",
            Some(&op),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let b = &r.body;
    let n = |v: &Value, k: &str| v[k].as_i64().unwrap();
    assert_eq!(n(b, "purchases_fen") - n(&before, "purchases_fen"), 48_800);
    assert_eq!(n(b, "wages_fen") - n(&before, "wages_fen"), 250_000);
    assert_eq!(n(b, "rider_earnings_fen"), 0);
    assert_eq!(n(b, "total_fen") - n(&before, "total_fen"), 298_800);
    assert_eq!(
        n(b, "cooperatives_fen") - n(&before, "cooperatives_fen"),
        75_000
    );
    assert_eq!(n(b, "households") - n(&before, "households"), 1);
    assert_eq!(n(b, "members") - n(&before, "members"), 4);
    assert_eq!(n(b, "per_capita_fen"), n(b, "total_fen") / n(b, "members"));
    assert_eq!(
        n(b, "per_capita_year_fen"),
        n(b, "per_capita_fen") * 365 / 30
    );
    let m = &b["top_merchants"][0];
    assert_eq!(m["name"], "花桥包子");
    assert_eq!(
        n(m, "share_bp"),
        n(m, "household_fen") * 10_000 / n(m, "total_fen")
    );
    // A narrower period sees only its purchases.
    let one = app
        .get(
            "/api/v1/admin/reports/households?from=2026-11-23&to=2026-11-23",
            Some(&op),
        )
        .await;
    assert_eq!(
        n(&one.body, "purchases_fen") - n(&before_23, "purchases_fen"),
        16_800
    );
    let csv = app
        .get(
            "/api/v1/admin/reports/households?from=2026-11-01&to=2026-11-30&format=csv",
            Some(&op),
        )
        .await;
    assert_eq!(csv.status, 200);
    assert!(csv.header("content-type").unwrap().starts_with("text/csv"));
    let total = n(b, "total_fen");
    let line = format!("summary,,total,{}.{:02}", total / 100, total % 100);
    assert!(csv.text.contains(&line), "{line}: {}", csv.text);
    let bad = app
        .get(
            "/api/v1/admin/reports/households?from=2026-11-30&to=2026-11-01",
            Some(&op),
        )
        .await;
    assert_eq!(bad.status, 422);
    assert_eq!(
        app.get(
            "/api/v1/admin/reports/households?from=2026-11-01&to=2026-11-30",
            Some(&kitchen)
        )
        .await
        .status,
        403
    );
}

both!(purchases_and_wages_add_up_to_household_income);

/// Decodes the QR code of a greyscale or RGB PNG.
fn decode_qr(png_bytes: &[u8]) -> String {
    let dec = png::Decoder::new(std::io::Cursor::new(png_bytes));
    let mut reader = dec.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buf).unwrap();
    let (w, h) = (info.width as usize, info.height as usize);
    let channels = info.line_size / w;
    let mut img = rqrr::PreparedImage::prepare_from_greyscale(w, h, |x, y| {
        buf[y * info.line_size + x * channels]
    });
    let grids = img.detect_grids();
    assert_eq!(grids.len(), 1, "one QR code on the label");
    grids[0].decode().unwrap().1
}

async fn batches_trace_order_items_back_to_village_households(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.clock.set(monday_10am());
    let op = app.operator_token().await;
    let (poor, coop, _) = registry(&app, &op).await;
    let kitchen = app.demo_token("huaqiao").await;
    let products = app.get("/api/v1/merchant/products", Some(&kitchen)).await;
    let buns = products
        .body
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "黑猪肉包子")
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    let ing = app
        .send_json(
            reqwest::Method::PUT,
            &format!("/api/v1/merchant/products/{buns}/ingredients"),
            Some(json!([{"ingredient": "黑猪肉", "supplier_id": poor}, {"ingredient": "面粉", "supplier_id": coop}])),
            Some(&kitchen),
        )
        .await;
    assert_eq!(ing.status, 200, "{}", ing.text);
    let read = app
        .get(
            &format!("/api/v1/merchant/products/{buns}/ingredients"),
            Some(&kitchen),
        )
        .await;
    assert_eq!(read.body, ing.body);
    assert_eq!(read.body.as_array().unwrap().len(), 2);
    // Two batches: Friday's (2 units) and Saturday's (older than the
    // demo's own batch of the seeding day).
    let batch =
        |day: &str, qty: i64| json!({"product_id": buns, "produced_on": day, "quantity": qty});
    let sunday = app
        .post(
            "/api/v1/merchant/batches",
            batch("2026-11-20", 2),
            Some(&kitchen),
        )
        .await;
    assert_eq!(sunday.status, 201, "{}", sunday.text);
    let monday = app
        .post(
            "/api/v1/merchant/batches",
            batch("2026-11-21", 100),
            Some(&kitchen),
        )
        .await;
    let future = app
        .post(
            "/api/v1/merchant/batches",
            batch("2026-11-24", 10),
            Some(&kitchen),
        )
        .await;
    assert_eq!(future.status, 422);
    let (sunday_id, monday_id) = (
        sunday.body["id"].as_i64().unwrap(),
        monday.body["id"].as_i64().unwrap(),
    );
    let code = monday.body["trace_code"].as_str().unwrap().to_owned();
    let listed = app.get("/api/v1/merchant/batches", Some(&kitchen)).await;
    assert!(
        listed
            .body
            .as_array()
            .unwrap()
            .iter()
            .any(|b| b["trace_code"] == code.as_str() && b["remaining"] == 100),
        "{}",
        listed.text
    );
    assert_eq!(code.len(), 12);

    // 张三's order of 2 takes Friday's batch (FIFO) when the kitchen marks it ready.
    let zhang = app.demo_token("zhang").await;
    let (_, a, _) = accepted_order(&app, &zhang).await;
    let r = app
        .post(
            &format!("/api/v1/merchant/orders/{a}/ready"),
            json!({}),
            Some(&kitchen),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let items = batch_of_items(&app, a).await;
    assert_eq!(items, vec![Some(sunday_id)]);
    // Friday's is used up: the next order takes Saturday's; picking Friday's is refused.
    let (_, b, _) = accepted_order(&app, &zhang).await;
    let item_b = item_ids(&app, b).await[0];
    let picked = app
        .post(
            &format!("/api/v1/merchant/orders/{b}/ready"),
            json!({"batches": {item_b.to_string(): sunday_id}}),
            Some(&kitchen),
        )
        .await;
    assert_eq!(picked.status, 422, "{}", picked.text);
    let r = app
        .post(
            &format!("/api/v1/merchant/orders/{b}/ready"),
            json!({}),
            Some(&kitchen),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(batch_of_items(&app, b).await, vec![Some(monday_id)]);

    // Anyone who scans sees the product, the kitchen, the date and the
    // villages and kinds of supplier — never a name.
    let public = app.get(&format!("/api/v1/trace/{code}"), None).await;
    assert_eq!(public.status, 200, "{}", public.text);
    assert_eq!(public.body["product"], "黑猪肉包子");
    assert_eq!(public.body["produced_on"], "2026-11-21");
    let sources = public.body["sources"].as_array().unwrap();
    assert_eq!(sources.len(), 2);
    let pork = sources
        .iter()
        .find(|s| s["ingredient"] == "黑猪肉")
        .unwrap();
    assert_eq!(pork["village"], "花桥村");
    assert_eq!(pork["supplier_kind"], "household");
    assert_eq!(pork["registered_poor"], true);
    for secret in ["李大山", "花桥养猪合作社", "13912345678", "002X"] {
        assert!(
            !public.text.contains(secret),
            "{secret} leaked: {}",
            public.text
        );
    }
    assert!(public.body.get("your_delivery").is_none());
    // The resident who received it also sees their delivery; another does not.
    let zhang = app.demo_token("zhang").await;
    let mine = app
        .get(
            &format!("/api/v1/trace/{}", code.to_lowercase()),
            Some(&zhang),
        )
        .await;
    assert_eq!(
        mine.body["your_delivery"]["status"], "ready",
        "{}",
        mine.text
    );
    let li = app.demo_token("li").await;
    let theirs = app.get(&format!("/api/v1/trace/{code}"), Some(&li)).await;
    assert!(
        theirs.body.get("your_delivery").is_none(),
        "{}",
        theirs.text
    );
    assert_eq!(
        app.get("/api/v1/trace/NOSUCHCODE22", None).await.status,
        404
    );
    let forged = app
        .get(&format!("/api/v1/trace/{code}"), Some("not-a-token"))
        .await;
    assert_eq!(forged.status, 401, "a bad token is refused, not ignored");

    // The label's QR code decodes to the trace URL.
    let label = app
        .client
        .get(format!(
            "{}/api/v1/merchant/batches/{monday_id}/label.png",
            app.address
        ))
        .bearer_auth(&kitchen)
        .send()
        .await
        .unwrap();
    assert_eq!(label.status(), 200);
    assert_eq!(label.headers()["content-type"], "image/png");
    let png_bytes = label.bytes().await.unwrap();
    let url = decode_qr(&png_bytes);
    let host = app.address.trim_start_matches("http://");
    assert_eq!(url, format!("http://{host}/api/v1/trace/{code}"));
    let other_kitchen = app.demo_token("zhang").await;
    let r = app
        .get(
            &format!("/api/v1/merchant/batches/{monday_id}/label.png"),
            Some(&other_kitchen),
        )
        .await;
    assert_eq!(r.status, 403);
}

both!(batches_trace_order_items_back_to_village_households);

async fn item_ids(app: &TestApp, order: i64) -> Vec<i64> {
    let o = app
        .get(
            &format!("/api/v1/orders/{order}"),
            Some(&app.demo_token("zhang").await),
        )
        .await;
    o.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_i64().unwrap())
        .collect()
}

async fn batch_of_items(app: &TestApp, order: i64) -> Vec<Option<i64>> {
    let o = app
        .get(
            &format!("/api/v1/orders/{order}"),
            Some(&app.demo_token("zhang").await),
        )
        .await;
    o.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i: &Value| i["batch_id"].as_i64())
        .collect()
}
