//! A county's communities, villages and agent points from CSV files: a dry run says
//! what would change and writes nothing, a bad file is refused whole with
//! every bad line named, and the same file twice changes nothing.

use std::path::Path;
use std::process::Output;

use sea_orm::{ConnectionTrait, Database, Statement};
use tests::{Backend, TestApp, both};

use crate::cli::{output_text as text, run_on};

fn run(dir: &Path, url: &str, args: &[&str]) -> Output {
    run_on(dir, url, args, None)
}

async fn a_county_imports_its_villages_from_a_spreadsheet(backend: Backend) {
    let dir = tempfile::tempdir().expect("dir");
    let (url, _pg) = match backend {
        Backend::Sqlite => (
            format!("sqlite://{}?mode=rwc", dir.path().join("c.db").display()),
            None,
        ),
        Backend::Postgres => tests::app::fresh_database(backend).await,
    };
    let d = dir.path();
    let sample = Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/samples/villages.csv");
    let sample = sample.display().to_string();
    let create = run(
        d,
        &url,
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
        ],
    );
    assert!(create.status.success(), "{}", text(&create));
    let db = Database::connect(url.as_str()).await.expect("db");
    let count = |table: &'static str| {
        let db = db.clone();
        async move {
            db.query_one_raw(Statement::from_string(
                db.get_database_backend(),
                format!("SELECT COUNT(*) FROM {table}"),
            ))
            .await
            .expect("count")
            .expect("row")
            .try_get_by_index::<i64>(0)
            .expect("n")
        }
    };

    // An unknown county, and a file with bad lines: refused, nothing written.
    let unknown = run(
        d,
        &url,
        &["import", "villages", &sample, "--platform", "nowhere"],
    );
    assert_eq!(unknown.status.code(), Some(1), "{}", text(&unknown));
    let bad = d.join("bad.csv");
    std::fs::write(
        &bad,
        "township,village,village_lat,village_lng,agent_point,keeper_name,phone,lat,lng,opening_hours\n\
         长坝镇,花桥村,33.41,105.71,花桥村便民服务点,杨秀英,13909391001,33.41,105.72,08:00-20:00\n\
         长坝镇,石门村,95.0,105.74,,,,,,\n\
         长坝镇,李家庄村,33.39,105.70,李家庄村便民服务点,李德明,12345,33.39,105.70,08:30-19:00\n\
         长坝镇,王家村,33.39,105.70,王家村便民服务点,王,13909391003,33.39,105.70,8 to 7\n",
    )
    .expect("bad file");
    let refused = run(
        d,
        &url,
        &[
            "import",
            "villages",
            &bad.display().to_string(),
            "--platform",
            "kang",
        ],
    );
    assert_eq!(refused.status.code(), Some(1), "{}", text(&refused));
    let said = text(&refused);
    for (line, field) in [(3, "village_lat"), (4, "phone"), (5, "opening_hours")] {
        assert!(
            said.contains(&format!("line {line}: {field}:")),
            "line {line} ({field}) not named:\n{said}"
        );
    }
    assert!(!said.contains("line 2"), "{said}");
    assert_eq!(count("villages").await, 0, "nothing half-written");

    // A dry run counts and writes nothing; the import writes; again: nothing.
    let dry = run(
        d,
        &url,
        &[
            "import",
            "villages",
            &sample,
            "--platform",
            "kang",
            "--dry-run",
        ],
    );
    assert!(dry.status.success(), "{}", text(&dry));
    assert!(
        text(&dry)
            .contains("would import 12 lines: villages 11 new, 0 changed; agent points 11 new"),
        "{}",
        text(&dry)
    );
    assert_eq!(count("villages").await, 0);
    let done = run(
        d,
        &url,
        &["import", "villages", &sample, "--platform", "kang"],
    );
    assert!(done.status.success(), "{}", text(&done));
    assert_eq!(count("villages").await, 11);
    assert_eq!(count("agent_points").await, 11);
    let again = run(
        d,
        &url,
        &["import", "villages", &sample, "--platform", "kang"],
    );
    assert!(
        text(&again).contains("imported 12 lines: 12 unchanged"),
        "{}",
        text(&again)
    );
    assert_eq!(count("agent_points").await, 11);

    // Routes that stop at those agent points.
    let routes = Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/samples/routes.csv");
    let routes = routes.display().to_string();
    let dry = run(
        d,
        &url,
        &[
            "import",
            "routes",
            &routes,
            "--platform",
            "kang",
            "--dry-run",
        ],
    );
    assert!(
        text(&dry).contains("would import 11 lines: routes 3 new, 0 changed; 0 unchanged"),
        "{}",
        text(&dry)
    );
    assert_eq!(count("routes").await, 0);
    let done = run(
        d,
        &url,
        &["import", "routes", &routes, "--platform", "kang"],
    );
    assert!(done.status.success(), "{}", text(&done));
    assert_eq!(count("route_stops").await, 11);

    // Communities the same way.
    let communities = Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/samples/communities.csv");
    let communities = communities.display().to_string();
    let bad = d.join("bad-communities.csv");
    std::fs::write(
        &bad,
        "name,lat,lng,radius_m\n东关社区,33.33,105.61,900\n西关社区,33.32,105.59,10\n",
    )
    .expect("bad");
    let refused = run(
        d,
        &url,
        &[
            "import",
            "communities",
            &bad.display().to_string(),
            "--platform",
            "kang",
        ],
    );
    assert_eq!(refused.status.code(), Some(1), "{}", text(&refused));
    assert!(
        text(&refused).contains("line 3: radius_m:"),
        "{}",
        text(&refused)
    );
    assert_eq!(count("communities").await, 0);
    let done = run(
        d,
        &url,
        &["import", "communities", &communities, "--platform", "kang"],
    );
    assert!(
        text(&done).contains("imported 5 lines: communities 5 new, 0 changed; 0 unchanged"),
        "{}",
        text(&done)
    );
    let again = run(
        d,
        &url,
        &["import", "communities", &communities, "--platform", "kang"],
    );
    assert!(text(&again).contains("5 unchanged"), "{}", text(&again));
    assert_eq!(count("communities").await, 5);
}

/// Sends a CSV file to an import route.
async fn upload(app: &TestApp, path: &str, token: &str, csv: &str) -> tests::Resp {
    app.send(
        app.client
            .post(format!("{}{path}", app.address))
            .bearer_auth(token)
            .header("content-type", "text/csv; charset=utf-8")
            .body(csv.to_owned()),
    )
    .await
}

fn sample(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("../docs/samples/{name}"));
    std::fs::read_to_string(path).expect("sample file")
}

fn bad_fields(r: &tests::Resp) -> Vec<String> {
    r.body["errors"]
        .as_array()
        .map(|es| {
            es.iter()
                .filter_map(|e| e["field"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

/// Over HTTP: the operator imports villages and then the routes that stop
/// at their agent points; a store's menu is imported by the operator or by
/// the kitchen itself. Dry runs write nothing, bad files are refused whole
/// with every bad line named, the same file twice changes nothing, and a
/// price change needs no review.
async fn routes_and_menus_are_imported_over_http(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let op = app.operator_token().await;
    let kitchen = app.demo_token("huaqiao").await;

    let r = upload(
        &app,
        "/api/v1/admin/imports/villages",
        &op,
        &sample("villages.csv"),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);

    // Routes: a stop that does not exist and a second hub are named; nothing is written.
    let routes = sample("routes.csv");
    let bad = format!(
        "{routes}县城—长坝线,城南站,33.3200,105.6000,长坝镇,石门村,石门村便民服务点\n\
         县城—新线,康县物流中心,33.3290,105.6090,长坝镇,无名村,无名点\n"
    );
    let r = upload(&app, "/api/v1/admin/imports/routes", &op, &bad).await;
    assert_eq!(
        (r.status, r.code()),
        (422, "VALIDATION_FAILED"),
        "{}",
        r.text
    );
    assert_eq!(
        bad_fields(&r),
        ["line.13.hub_name", "line.14.village"],
        "{}",
        r.text
    );
    let count_routes = async || {
        app.get("/api/v1/admin/routes", Some(&op))
            .await
            .body
            .as_array()
            .map_or(0, Vec::len)
    };
    let before = count_routes().await;
    let r = upload(
        &app,
        "/api/v1/admin/imports/routes?dry_run=true",
        &op,
        &routes,
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["dry_run"], true);
    assert_eq!(r.body["report"]["routes_created"], 3, "{}", r.text);
    assert_eq!(count_routes().await, before, "a dry run writes nothing");
    let r = upload(&app, "/api/v1/admin/imports/routes", &op, &routes).await;
    assert_eq!(r.body["report"]["routes_created"], 3, "{}", r.text);
    assert_eq!(count_routes().await, before + 3);
    let listed = app.get("/api/v1/admin/routes", Some(&op)).await;
    let changba = listed
        .body
        .as_array()
        .and_then(|rs| rs.iter().find(|r| r["name"] == "县城—长坝线"))
        .expect("the imported route")
        .clone();
    assert_eq!(
        changba["stops"].as_array().map(Vec::len),
        Some(4),
        "{changba}"
    );
    let r = upload(&app, "/api/v1/admin/imports/routes", &op, &routes).await;
    assert_eq!(
        (
            r.body["report"]["routes_created"].as_i64(),
            r.body["report"]["routes_updated"].as_i64(),
            r.body["report"]["unchanged"].as_i64()
        ),
        (Some(0), Some(0), Some(11)),
        "{}",
        r.text
    );
    // The stops in another order change the route.
    let reordered: String = {
        let mut lines: Vec<&str> = routes.lines().collect();
        lines.swap(1, 2);
        lines.join("\n") + "\n"
    };
    let r = upload(&app, "/api/v1/admin/imports/routes", &op, &reordered).await;
    assert_eq!(r.body["report"]["routes_updated"], 1, "{}", r.text);

    // Menus: the kitchen imports its own; bad lines are named.
    let menu = sample("menu.csv");
    let bad_menu = "category,product,unit,cold_chain,weight_g,sku,price,stock\n\
                    粥,八宝粥,碗,warm,400,一碗,4.00,\n\
                    粥,八宝粥,碗,ambient,400,大碗,4.555,\n\
                    粥,南瓜粥,碗,ambient,0,一碗,3,-\n";
    let r = upload(&app, "/api/v1/merchant/menu/import", &kitchen, bad_menu).await;
    assert_eq!(r.status, 422, "{}", r.text);
    assert_eq!(
        bad_fields(&r),
        ["line.3.price", "line.4.weight_g", "line.4.stock"],
        "{}",
        r.text
    );
    let r = upload(
        &app,
        "/api/v1/merchant/menu/import",
        &kitchen,
        &bad_menu
            .replace("4.555", "4.50")
            .replace("0,一碗,3,-", "300,一碗,3,"),
    )
    .await;
    assert_eq!(r.status, 422, "{}", r.text);
    assert_eq!(bad_fields(&r), ["line.2.cold_chain"], "{}", r.text);
    let products_before = app
        .get("/api/v1/merchant/products", Some(&kitchen))
        .await
        .body
        .as_array()
        .map_or(0, Vec::len);
    let r = upload(
        &app,
        "/api/v1/merchant/menu/import?dry_run=true",
        &kitchen,
        &menu,
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let products_now = async || {
        app.get("/api/v1/merchant/products", Some(&kitchen))
            .await
            .body
            .as_array()
            .map_or(0, Vec::len)
    };
    assert_eq!(
        products_now().await,
        products_before,
        "a dry run writes nothing"
    );
    let r = upload(&app, "/api/v1/merchant/menu/import", &kitchen, &menu).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let report = &r.body["report"];
    // Two of its products are the kitchen's already (listed): their new
    // description sends them back to review; the rest are new drafts.
    assert_eq!(
        (
            report["categories_created"].as_i64(),
            report["products_created"].as_i64(),
            report["products_updated"].as_i64(),
            report["skus_created"].as_i64(),
            report["skus_updated"].as_i64()
        ),
        (Some(3), Some(4), Some(2), Some(5), Some(2)),
        "{}",
        r.text
    );
    assert_eq!(products_now().await, products_before + 4);
    let again = upload(&app, "/api/v1/merchant/menu/import", &kitchen, &menu).await;
    assert_eq!(again.body["report"]["unchanged"], 7, "{}", again.text);
    let products = app.get("/api/v1/merchant/products", Some(&kitchen)).await;
    let porridge = products
        .body
        .as_array()
        .and_then(|ps| ps.iter().find(|p| p["name"] == "小米粥"))
        .expect("imported product")
        .clone();
    assert_eq!(porridge["status"], "draft", "{porridge}");
    let pork = products
        .body
        .as_array()
        .and_then(|ps| ps.iter().find(|p| p["name"] == "黑猪肉包子"))
        .expect("the listed product")
        .clone();
    assert_eq!(pork["status"], "pending_review", "{pork}");
    assert_eq!(porridge["skus"][0]["price_fen"], 400, "{porridge}");
    let soy = products
        .body
        .as_array()
        .and_then(|ps| ps.iter().find(|p| p["name"] == "现磨豆浆"))
        .expect("imported product")
        .clone();
    assert_eq!(
        (
            soy["skus"][0]["price_fen"].as_i64(),
            soy["skus"][0]["stock"].as_i64(),
            soy["cold_chain"].as_str()
        ),
        (Some(550), Some(200), Some("chilled")),
        "{soy}"
    );

    // The operator imports into a store of the county; a new price only.
    let store = app.get("/api/v1/merchant/store", Some(&kitchen)).await.body["id"]
        .as_i64()
        .expect("store");
    let dearer = menu.replace(",小米粥 一碗,4,", ",小米粥 一碗,4.50,");
    let r = upload(
        &app,
        &format!("/api/v1/admin/imports/menu?store_id={store}"),
        &op,
        &dearer,
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(
        (
            r.body["report"]["skus_updated"].as_i64(),
            r.body["report"]["products_updated"].as_i64()
        ),
        (Some(1), Some(0)),
        "{}",
        r.text
    );
    let r = upload(
        &app,
        "/api/v1/admin/imports/menu?store_id=999999",
        &op,
        &dearer,
    )
    .await;
    assert_eq!(r.status, 404, "{}", r.text);
    let r = upload(&app, "/api/v1/admin/imports/menu", &op, &dearer).await;
    assert_eq!(r.status, 422, "{}", r.text);

    // Who may: a kitchen cannot import into the county; a JSON body is refused.
    let r = upload(
        &app,
        "/api/v1/admin/imports/villages",
        &kitchen,
        &sample("villages.csv"),
    )
    .await;
    assert_eq!(r.status, 403, "{}", r.text);
    let r = app
        .post(
            "/api/v1/admin/imports/villages",
            serde_json::json!({"csv": "x"}),
            Some(&op),
        )
        .await;
    assert_eq!(
        (r.status, r.code()),
        (415, "UNSUPPORTED_MEDIA_TYPE"),
        "{}",
        r.text
    );
}

both!(routes_and_menus_are_imported_over_http);
both!(a_county_imports_its_villages_from_a_spreadsheet);
