//! One mini-program per county, or one for many: a county's own
//! mini-program (set from the command line or by a host administrator,
//! its secret sealed at rest) signs in that county's residents and never
//! another's, and carries its residents' notifications; counties without
//! one share the instance's `[wechat]` mini-program.

use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};
use tests::app::TEST_SECRETS_KEY;
use tests::wechat_fake::APPID as SHARED_APPID;
use tests::{Backend, Options, TestApp, both};

use crate::cli::{output_text, run_with};
use crate::host::{HOST_PASSWORD, add_host_admin};

const KANG_APP: &str = "wx00000000000000aa";
const CHENG_APP: &str = "wx00000000000000bb";

async fn login(app: &TestApp, body: Value) -> tests::Resp {
    app.post("/api/v1/auth/wechat-login", body, None).await
}

fn platform_of(r: &tests::Resp) -> i64 {
    assert_eq!(r.status, 200, "{}", r.text);
    r.body["user"]["platform_id"].as_i64().expect("platform_id")
}

async fn two_counties_sign_in_only_their_own_residents(backend: Backend) {
    let app = TestApp::spawn_with(
        backend,
        Options {
            demo: false,
            wechat: true,
            seed: true,
            wechatpay: false,
            rate_limits: None,
        },
    )
    .await;
    app.clock.set(crate::orders::monday_10am());
    let fake = app.wechat.as_ref().expect("fake WeChat");
    fake.add_app(KANG_APP, "kang-app-secret");
    fake.add_app(CHENG_APP, "cheng-app-secret");
    let cwd = tempfile::tempdir().expect("cwd");
    let env = [
        ("TONGCHENG__DATABASE__URL", app.database_url.clone()),
        ("TONGCHENG__SECRETS__KEY", TEST_SECRETS_KEY.to_owned()),
    ];
    let run = |args: &[&str], stdin: Option<&str>| run_with(cwd.path(), &env, args, stdin);

    // A second county, opened from the command line.
    let out = run(
        &[
            "platform",
            "create",
            "--code",
            "cheng",
            "--name",
            "成县同城",
            "--region",
            "甘肃省陇南市成县",
            "--centre",
            "33.7503,105.7425",
        ],
        None,
    );
    assert!(out.status.success(), "{}", output_text(&out));

    // Kang's own mini-program from the command line, the secret on stdin.
    let set_kang = [
        "mini-program",
        "set",
        "--platform",
        "kang",
        "--appid",
        KANG_APP,
        "--template",
        "order_paid=KANG_PAID",
        "--template",
        "delivered=KANG_DONE",
    ];
    let out = run(&set_kang, Some("kang-app-secret\n"));
    assert!(out.status.success(), "{}", output_text(&out));
    assert!(output_text(&out).contains("set"), "{}", output_text(&out));
    let out = run(&set_kang, Some("kang-app-secret\n"));
    assert!(
        output_text(&out).contains("unchanged"),
        "{}",
        output_text(&out)
    );
    let no_key = run_with(cwd.path(), &env[..1], &set_kang, Some("another-secret\n"));
    assert!(!no_key.status.success());
    assert!(
        output_text(&no_key).contains("TONGCHENG__SECRETS__KEY"),
        "{}",
        output_text(&no_key)
    );
    let bad = run(
        &[
            "mini-program",
            "set",
            "--platform",
            "kang",
            "--appid",
            KANG_APP,
            "--template",
            "order_lost=X",
        ],
        Some("kang-app-secret\n"),
    );
    assert!(!bad.status.success());
    assert!(
        output_text(&bad).contains("templates"),
        "{}",
        output_text(&bad)
    );

    // Cheng's from a host administrator over HTTP, audited without its secret.
    add_host_admin(&app);
    let host = app
        .post(
            "/api/v1/host/login",
            json!({"username": "longnan-host", "password": HOST_PASSWORD}),
            None,
        )
        .await;
    let host = host.body["access_token"]
        .as_str()
        .expect("host token")
        .to_owned();
    let put = |appid: &str| {
        let body = json!({"appid": appid, "secret": "cheng-app-secret",
                          "templates": {"order_paid": "CHENG_PAID"}});
        let (app, host) = (&app, host.clone());
        async move {
            app.send_json(
                reqwest::Method::PUT,
                "/api/v1/host/platforms/cheng/mini-program",
                Some(body),
                Some(&host),
            )
            .await
        }
    };
    let r = put(CHENG_APP).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(
        (r.body["outcome"].as_str(), r.body["secret"].as_str()),
        (Some("created"), Some("opens"))
    );
    assert!(!r.text.contains("cheng-app-secret"));
    assert_eq!(put(CHENG_APP).await.body["outcome"], "unchanged");
    let r = put(KANG_APP).await;
    assert_eq!((r.status, r.code()), (409, "CONFLICT"), "{}", r.text);
    let r = put(SHARED_APPID).await;
    assert_eq!((r.status, r.code()), (409, "CONFLICT"), "{}", r.text);
    let r = put("wx-not-an-appid").await;
    assert_eq!(r.status, 422, "{}", r.text);
    let r = app
        .get("/api/v1/host/platforms/cheng/mini-program", Some(&host))
        .await;
    assert_eq!(r.body["appid"], CHENG_APP, "{}", r.text);
    let r = app.get("/api/v1/host/audit?limit=50", Some(&host)).await;
    assert!(r.text.contains("set_mini_program"), "{}", r.text);
    assert!(!r.text.contains("cheng-app-secret"), "{}", r.text);

    // At rest the secrets are sealed.
    let stored = entity::mini_program::Entity::find()
        .all(&app.db)
        .await
        .expect("rows");
    assert_eq!(stored.len(), 2);
    for m in &stored {
        assert!(m.secret_sealed.starts_with("v1."), "{}", m.secret_sealed);
        assert!(!m.secret_sealed.contains("secret"), "{}", m.secret_sealed);
    }

    // Each mini-program signs in its own county's residents.
    let kang = entity::platform_end::provisioning::platform_by_code(&app.db, "kang")
        .await
        .expect("kang");
    let cheng = entity::platform_end::provisioning::platform_by_code(&app.db, "cheng")
        .await
        .expect("cheng");
    let k = login(
        &app,
        json!({"code": format!("app:{KANG_APP}:o-kang"), "appid": KANG_APP}),
    )
    .await;
    assert_eq!(platform_of(&k), kang.id);
    let c = login(
        &app,
        json!({"code": format!("app:{CHENG_APP}:o-cheng"), "appid": CHENG_APP}),
    )
    .await;
    assert_eq!(platform_of(&c), cheng.id);

    // Never each other's: a code from one is no code to the other, naming
    // the other county is refused, and the shared mini-program no longer
    // signs in a county that has its own.
    let r = login(
        &app,
        json!({"code": format!("app:{KANG_APP}:o-x"), "appid": CHENG_APP}),
    )
    .await;
    assert_eq!(
        (r.status, r.code()),
        (401, "WECHAT_CODE_INVALID"),
        "{}",
        r.text
    );
    let r = login(
        &app,
        json!({"code": format!("app:{CHENG_APP}:o-y"), "appid": CHENG_APP, "platform": "kang"}),
    )
    .await;
    assert_eq!(r.status, 422, "{}", r.text);
    assert_eq!(r.body["errors"][0]["field"], "platform", "{}", r.text);
    let r = login(
        &app,
        json!({"code": "ok:o-z", "appid": SHARED_APPID, "platform": "cheng"}),
    )
    .await;
    assert_eq!(r.status, 422, "{}", r.text);
    let r = login(
        &app,
        json!({"code": "ok:o-z", "appid": "wx0000000000000099"}),
    )
    .await;
    assert_eq!(
        (r.status, r.code()),
        (404, "MINI_PROGRAM_NOT_FOUND"),
        "{}",
        r.text
    );

    // The same person in both mini-programs is two residents, one per county.
    let k2 = login(
        &app,
        json!({"code": format!("app:{KANG_APP}:same"), "appid": KANG_APP}),
    )
    .await;
    let c2 = login(
        &app,
        json!({"code": format!("app:{CHENG_APP}:same"), "appid": CHENG_APP}),
    )
    .await;
    assert_eq!((platform_of(&k2), platform_of(&c2)), (kang.id, cheng.id));
    assert_ne!(k2.body["user"]["id"], c2.body["user"]["id"]);
    // A county named without an appid signs in through its own mini-program.
    let r = login(&app, json!({"code": "ok:o-named", "platform": "cheng"})).await;
    assert_eq!(platform_of(&r), cheng.id);
    let identity = entity::wechat_identity::Entity::find()
        .filter(entity::wechat_identity::Column::Openid.eq("o-named"))
        .one(&app.db)
        .await
        .expect("query")
        .expect("identity");
    assert_eq!(identity.appid, CHENG_APP);

    // Kang's resident orders; the notice goes through Kang's mini-program.
    let resident = k.body["access_token"].as_str().expect("token").to_owned();
    let kitchen_id = entity::wechat_identity::Entity::find()
        .filter(entity::wechat_identity::Column::Openid.eq("demo:huaqiao"))
        .one(&app.db)
        .await
        .expect("query")
        .expect("kitchen")
        .user_id;
    let kitchen = app.token_for(kitchen_id).await;
    let a = app.post("/api/v1/addresses", json!({"contact_name": "张三", "contact_phone": "13800000001", "detail": "东关社区 3 号楼", "location": {"lat": 33.3320, "lng": 105.6140}}), Some(&resident)).await;
    assert_eq!(a.status, 201, "{}", a.text);
    let store = app.get("/api/v1/merchant/store", Some(&kitchen)).await.body["id"].clone();
    let products = app.get("/api/v1/merchant/products", Some(&kitchen)).await;
    let sku = products
        .body
        .as_array()
        .and_then(|ps| ps.iter().find(|p| p["name"] == "黑猪肉包子"))
        .map(|p| p["skus"][0]["id"].clone())
        .expect("sku");
    let o = app.post("/api/v1/orders", json!({"store_id": store, "address_id": a.body["id"], "items": [{"sku_id": sku, "qty": 2}]}), Some(&resident)).await;
    assert_eq!(o.status, 201, "{}", o.text);
    let id = o.body["id"].as_i64().expect("id");
    let paid = crate::orders::pay(&app, &resident, id).await;
    assert_eq!(paid.body["status"], "paid", "{}", paid.text);
    app.worker().run_pending().await.expect("worker");
    let sent = fake.messages();
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert_eq!(sent[0]["__appid"], KANG_APP);
    assert_eq!(sent[0]["template_id"], "KANG_PAID");
    assert_eq!(sent[0]["touser"], "o-kang");

    // The doctor finds secrets that do not open with the key given.
    let check = |key: Option<&str>| {
        let mut env = vec![
            ("TONGCHENG__DATABASE__URL", app.database_url.clone()),
            ("TONGCHENG__MEDIA__DIR", cwd.path().display().to_string()),
        ];
        if let Some(k) = key {
            env.push(("TONGCHENG__SECRETS__KEY", k.to_owned()));
        }
        output_text(&run_with(cwd.path(), &env, &["check"], None))
    };
    let good = check(Some(TEST_SECRETS_KEY));
    assert!(
        good.contains("the 2 stored mini-program secrets open"),
        "{good}"
    );
    let wrong = check(Some("ZmVkY2JhOTg3NjU0MzIxMGZlZGNiYTk4NzY1NDMyMTA="));
    assert!(
        wrong.contains("PROBLEM  TONGCHENG__SECRETS__KEY: the secrets of"),
        "{wrong}"
    );
    let none = check(None);
    assert!(none.contains("PROBLEM  TONGCHENG__SECRETS__KEY"), "{none}");
}

both!(two_counties_sign_in_only_their_own_residents);
