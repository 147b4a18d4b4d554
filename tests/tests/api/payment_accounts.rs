//! A county's own WeChat Pay merchant, direct or partner mode, set from
//! the command line or by a host administrator (keys sealed, never shown,
//! nothing half-written on a refusal), and the kitchens' sub-merchant
//! numbers the operator records for partner mode.

use serde_json::json;
use tests::app::TEST_SECRETS_KEY;
use tests::wechatpay_fake::{APIV3_KEY, MERCHANT_SERIAL, PLATFORM_KEY_ID};
use tests::{Backend, TestApp, both};

use crate::cli::{output_text, run_with};
use crate::host::{HOST_PASSWORD, add_host_admin};

const SP_MCHID: &str = "1900000100";
const KANG_APP: &str = "wx00000000000000aa";

fn argv(v: &[String]) -> Vec<&str> {
    v.iter().map(String::as_str).collect()
}

async fn a_county_gets_its_own_merchant_and_its_kitchens_sub_merchants(backend: Backend) {
    let app = TestApp::spawn_with(backend, crate::wechatpay::options()).await;
    let fake = app.wechatpay.as_ref().expect("fake WeChat Pay");
    let cwd = tempfile::tempdir().expect("cwd");
    let env = [
        ("TONGCHENG__DATABASE__URL", app.database_url.clone()),
        ("TONGCHENG__SECRETS__KEY", TEST_SECRETS_KEY.to_owned()),
        ("TONGCHENG__MEDIA__DIR", cwd.path().display().to_string()),
    ];
    let run = |args: &[&str], stdin: Option<&str>| run_with(cwd.path(), &env, args, stdin);
    let key_file = fake.merchant_key_file.display().to_string();
    let public_file = fake.platform_public_file.display().to_string();
    let set = |mode: &str, key: &str, notify: &str| -> Vec<String> {
        [
            "wechatpay",
            "set",
            "--platform",
            "kang",
            "--mode",
            mode,
            "--mchid",
            SP_MCHID,
            "--appid",
            KANG_APP,
            "--serial",
            MERCHANT_SERIAL,
            "--merchant-key-file",
            key,
            "--platform-key-id",
            PLATFORM_KEY_ID,
            "--platform-key-file",
            &public_file,
            "--notify-base",
            notify,
            "--receiver-name",
            "康县同城网络科技有限公司",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect()
    };
    let apiv3 = format!("{APIV3_KEY}\n");

    let good = set("partner", &key_file, "https://pay.kang.example");
    let out = run(&argv(&good), Some(&apiv3));
    assert!(out.status.success(), "{}", output_text(&out));
    assert!(
        output_text(&out).contains("(partner) of kang: set"),
        "{}",
        output_text(&out)
    );
    let again = run(&argv(&good), Some(&apiv3));
    assert!(
        output_text(&again).contains("unchanged"),
        "{}",
        output_text(&again)
    );

    // Refusals name what to fix, and write nothing.
    for (args, stdin, field) in [
        (
            set("split", &key_file, "https://pay.kang.example"),
            apiv3.clone(),
            "mode",
        ),
        (
            set("partner", &key_file, "https://pay.kang.example"),
            "too-short\n".to_owned(),
            "apiv3_key",
        ),
        (
            set("partner", &key_file, "http://pay.kang.example"),
            apiv3.clone(),
            "notify_base_url",
        ),
        (
            set("partner", &public_file, "https://pay.kang.example"),
            apiv3.clone(),
            "merchant_key_pem",
        ),
    ] {
        let out = run(&argv(&args), Some(&stdin));
        assert!(!out.status.success(), "{field}: {}", output_text(&out));
        assert!(
            output_text(&out).contains(field),
            "{field}: {}",
            output_text(&out)
        );
    }
    let mut elsewhere = good.clone();
    elsewhere[3] = "nowhere".into();
    assert!(!run(&argv(&elsewhere), Some(&apiv3)).status.success());
    let list = output_text(&run(&["wechatpay", "list"], None));
    let rows: Vec<&str> = list.lines().filter(|l| l.starts_with("kang")).collect();
    assert_eq!(rows.len(), 1, "{list}");
    for part in ["partner", SP_MCHID, KANG_APP, "open", "30%"] {
        assert!(rows[0].contains(part), "{part}: {list}");
    }

    // A host administrator reads and changes it, audited, keys never shown.
    add_host_admin(&app);
    let host = app
        .post(
            "/api/v1/host/login",
            json!({"username": "longnan-host", "password": HOST_PASSWORD}),
            None,
        )
        .await
        .body["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let view = app
        .get("/api/v1/host/platforms/kang/wechatpay", Some(&host))
        .await;
    assert_eq!(view.status, 200, "{}", view.text);
    assert_eq!(view.body["mode"], "partner");
    assert_eq!(view.body["keys"], "open");
    assert_eq!(view.body["sharing_max_bp"], 3000);
    let key_pem = std::fs::read_to_string(&fake.merchant_key_file).unwrap();
    let body = json!({
        "mode": "direct", "mchid": SP_MCHID, "appid": KANG_APP,
        "merchant_serial": MERCHANT_SERIAL, "merchant_key_pem": key_pem,
        "platform_key_id": PLATFORM_KEY_ID,
        "platform_public_key_pem": std::fs::read_to_string(&fake.platform_public_file).unwrap(),
        "apiv3_key": APIV3_KEY, "notify_base_url": "https://pay.kang.example",
        "sharing_max_bp": 2000,
    });
    let changed = app
        .send_json(
            reqwest::Method::PUT,
            "/api/v1/host/platforms/kang/wechatpay",
            Some(body.clone()),
            Some(&host),
        )
        .await;
    assert_eq!(changed.status, 200, "{}", changed.text);
    assert_eq!(changed.body["outcome"], "updated");
    assert_eq!(changed.body["mode"], "direct");
    assert_eq!(changed.body["sharing_max_bp"], 2000);
    for secret in [APIV3_KEY, "PRIVATE KEY"] {
        assert!(!changed.text.contains(secret) && !view.text.contains(secret));
    }
    let mut over = body.clone();
    over["sharing_max_bp"] = json!(10_001);
    let refused = app
        .send_json(
            reqwest::Method::PUT,
            "/api/v1/host/platforms/kang/wechatpay",
            Some(over),
            Some(&host),
        )
        .await;
    assert_eq!(refused.status, 422, "{}", refused.text);
    assert_eq!(refused.body["errors"][0]["field"], "sharing_max_bp");
    // A service provider must give the name it receives its share under.
    let mut nameless = body.clone();
    nameless["mode"] = json!("partner");
    let refused = app
        .send_json(
            reqwest::Method::PUT,
            "/api/v1/host/platforms/kang/wechatpay",
            Some(nameless),
            Some(&host),
        )
        .await;
    assert_eq!(refused.status, 422, "{}", refused.text);
    assert_eq!(refused.body["errors"][0]["field"], "receiver_name");
    let log = app.get("/api/v1/host/audit?limit=10", Some(&host)).await;
    assert!(log.text.contains("set_wechatpay"), "{}", log.text);
    assert!(!log.text.contains(APIV3_KEY) && !log.text.contains("PRIVATE KEY"));
    let op = app.operator_token().await;
    let county = app
        .get("/api/v1/host/platforms/kang/wechatpay", Some(&op))
        .await;
    assert!(matches!(county.status, 401 | 403), "{}", county.text);

    // The operator records the kitchens' sub-merchant numbers.
    let sub = |id: i64, body: serde_json::Value, token: String| {
        let app = &app;
        async move {
            app.send_json(
                reqwest::Method::PUT,
                &format!("/api/v1/admin/merchants/{id}/sub-merchant"),
                Some(body),
                Some(&token),
            )
            .await
        }
    };
    let ok = sub(
        1,
        json!({"sub_mchid": "1900000201", "sub_appid": "wx00000000000000c1"}),
        op.clone(),
    )
    .await;
    assert_eq!(ok.status, 200, "{}", ok.text);
    assert_eq!(ok.body["sub_mchid"], "1900000201");
    for (body, field) in [
        (json!({"sub_mchid": "12"}), "sub_mchid"),
        (
            json!({"sub_mchid": "1900000202", "sub_appid": "not-an-appid"}),
            "sub_appid",
        ),
    ] {
        let r = sub(2, body, op.clone()).await;
        assert_eq!(r.status, 422, "{}", r.text);
        assert_eq!(r.body["errors"][0]["field"], field);
    }
    assert_eq!(
        sub(2, json!({"sub_mchid": "1900000201"}), op.clone())
            .await
            .status,
        409
    );
    assert_eq!(
        sub(999_999, json!({"sub_mchid": "1900000209"}), op.clone())
            .await
            .code(),
        "NOT_FOUND"
    );
    let resident = app
        .post(
            "/api/v1/auth/wechat-login",
            json!({"code": "ok:o-someone"}),
            None,
        )
        .await
        .body["access_token"]
        .as_str()
        .expect("a resident signs in")
        .to_owned();
    assert_eq!(
        sub(2, json!({"sub_mchid": "1900000202"}), resident)
            .await
            .status,
        403
    );
    let cleared = sub(1, json!({"sub_mchid": null}), op.clone()).await;
    assert!(cleared.body["sub_mchid"].is_null(), "{}", cleared.text);
    let changes = app.get("/api/v1/admin/setting-changes", Some(&op)).await;
    assert!(
        changes.text.contains("merchant.1.sub_merchant"),
        "{}",
        changes.text
    );

    // The doctor finds keys that do not open with the key given.
    let check = |key: &str| {
        let env = [
            ("TONGCHENG__DATABASE__URL", app.database_url.clone()),
            ("TONGCHENG__MEDIA__DIR", cwd.path().display().to_string()),
            ("TONGCHENG__SECRETS__KEY", key.to_owned()),
        ];
        output_text(&run_with(cwd.path(), &env, &["check"], None))
    };
    let good = check(TEST_SECRETS_KEY);
    assert!(
        good.contains("stored WeChat Pay merchants' keys open"),
        "{good}"
    );
    let wrong = check("ZmVkY2JhOTg3NjU0MzIxMGZlZGNiYTk4NzY1NDMyMTA=");
    assert!(wrong.contains("tongcheng wechatpay set"), "{wrong}");
}

both!(a_county_gets_its_own_merchant_and_its_kitchens_sub_merchants);
