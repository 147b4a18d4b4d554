//! Host administrators open counties over HTTP: the account comes only from
//! `tongcheng host-admin add`, county tokens are refused on host routes and
//! host tokens on county routes, and every call is in the audit log without
//! its passwords.

use serde_json::{Value, json};
use tests::{Backend, TestApp, both};

use crate::cli::{output_text, run_on};

pub(crate) const HOST_PASSWORD: &str = "host-of-sixty-six-counties";

/// Adds the host administrator `longnan-host` from the command line.
pub(crate) fn add_host_admin(app: &TestApp) {
    let cwd = tempfile::tempdir().expect("cwd");
    let out = run_on(
        cwd.path(),
        &app.database_url,
        &[
            "host-admin",
            "add",
            "--username",
            "longnan-host",
            "--password-stdin",
        ],
        Some(&format!("{HOST_PASSWORD}\n")),
    );
    assert!(out.status.success(), "{}", output_text(&out));
}

fn county(code: &str, name: &str) -> Value {
    json!({
        "code": code, "name": name, "region": "甘肃省陇南市成县",
        "utc_offset_minutes": 480, "centre": {"lat": 33.7503, "lng": 105.7425}
    })
}

async fn a_host_opens_a_county_and_every_call_is_audited(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    add_host_admin(&app);

    // Sign-in: a wrong password is refused, the right one gives a token.
    let wrong = app
        .post(
            "/api/v1/host/login",
            json!({"username": "longnan-host", "password": "not-the-password"}),
            None,
        )
        .await;
    assert_eq!((wrong.status, wrong.code()), (401, "INVALID_CREDENTIALS"));
    let login = app
        .post(
            "/api/v1/host/login",
            json!({"username": "longnan-host", "password": HOST_PASSWORD}),
            None,
        )
        .await;
    assert_eq!(login.status, 200, "{}", login.text);
    let host = login.body["access_token"]
        .as_str()
        .expect("token")
        .to_owned();

    // A county's operator cannot use host routes; a host token is no county's.
    let operator = app.operator_token().await;
    let r = app.get("/api/v1/host/platforms", Some(&operator)).await;
    assert_eq!((r.status, r.code()), (403, "FORBIDDEN"), "{}", r.text);
    let r = app.get("/api/v1/admin/communities", Some(&host)).await;
    assert_eq!(r.status, 401, "{}", r.text);
    let r = app.get("/api/v1/host/platforms", None).await;
    assert_eq!(r.status, 401);

    // Open a county; its operator signs in with the password shown once.
    let opened = app
        .post(
            "/api/v1/host/platforms",
            county("cheng", "成县同城"),
            Some(&host),
        )
        .await;
    assert_eq!(opened.status, 201, "{}", opened.text);
    assert_eq!(opened.body["outcome"], "created");
    assert_eq!(opened.body["operator"], "cheng-admin");
    let password = opened.body["operator_password"]
        .as_str()
        .expect("a made-up password, shown once")
        .to_owned();
    let op = app
        .post(
            "/api/v1/auth/password-login",
            json!({"username": "cheng-admin", "password": password}),
            None,
        )
        .await;
    assert_eq!(op.status, 200, "{}", op.text);
    assert_eq!(
        op.body["user"]["platform_id"],
        opened.body["platform"]["id"]
    );

    // The same again changes nothing; a taken code and bad input are refused.
    let again = app
        .post(
            "/api/v1/host/platforms",
            county("cheng", "成县同城"),
            Some(&host),
        )
        .await;
    assert_eq!(again.status, 200, "{}", again.text);
    assert_eq!(again.body["outcome"], "unchanged");
    assert_eq!(again.body["operator_password"], Value::Null);
    let taken = app
        .post(
            "/api/v1/host/platforms",
            county("kang", "另一个县"),
            Some(&host),
        )
        .await;
    assert_eq!(
        (taken.status, taken.code()),
        (409, "CONFLICT"),
        "{}",
        taken.text
    );
    let mut far = county("hui", "徽县同城");
    far["centre"]["lat"] = json!(95.0);
    let bad = app.post("/api/v1/host/platforms", far, Some(&host)).await;
    assert_eq!(bad.status, 422, "{}", bad.text);
    assert_eq!(bad.body["errors"][0]["field"], "centre", "{}", bad.text);

    // More operators; a taken username and an unknown county are refused.
    let given = "night-shift-2026";
    let added = app
        .post(
            "/api/v1/host/platforms/cheng/operators",
            json!({"username": "cheng-night", "name": "夜班", "password": given}),
            Some(&host),
        )
        .await;
    assert_eq!(added.status, 201, "{}", added.text);
    assert_eq!(
        added.body["password"],
        Value::Null,
        "a given password is not echoed"
    );
    let dup = app
        .post(
            "/api/v1/host/platforms/cheng/operators",
            json!({"username": "cheng-night"}),
            Some(&host),
        )
        .await;
    assert_eq!(dup.status, 409, "{}", dup.text);
    let nowhere = app
        .post(
            "/api/v1/host/platforms/nowhere/operators",
            json!({"username": "x-night"}),
            Some(&host),
        )
        .await;
    assert_eq!(nowhere.status, 404, "{}", nowhere.text);

    // A reset ends the operator's sessions.
    let reset = app
        .post(
            "/api/v1/host/operators/cheng-admin/password",
            json!({}),
            Some(&host),
        )
        .await;
    assert_eq!(reset.status, 200, "{}", reset.text);
    assert_eq!(reset.body["sessions_ended"], 1);
    let old = app
        .post(
            "/api/v1/auth/password-login",
            json!({"username": "cheng-admin", "password": password}),
            None,
        )
        .await;
    assert_eq!(old.status, 401);

    let list = app.get("/api/v1/host/platforms", Some(&host)).await;
    assert_eq!(list.status, 200, "{}", list.text);
    let cheng = list
        .body
        .as_array()
        .and_then(|ps| ps.iter().find(|p| p["code"] == "cheng"))
        .expect("cheng listed");
    assert_eq!(cheng["operators"], 2);

    // Every call is in the audit log, refusals with their code; no password.
    let log = app.get("/api/v1/host/audit?limit=50", Some(&host)).await;
    assert_eq!(log.status, 200, "{}", log.text);
    let seen: Vec<(String, String, String)> = log
        .body
        .as_array()
        .expect("entries")
        .iter()
        .map(|e| {
            (
                e["action"].as_str().unwrap_or("").to_owned(),
                e["target"].as_str().unwrap_or("").to_owned(),
                e["outcome"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect();
    for wanted in [
        ("login", "longnan-host", "ok"),
        ("create_platform", "cheng", "ok"),
        ("create_platform", "cheng", "unchanged"),
        ("create_platform", "kang", "CONFLICT"),
        ("create_platform", "hui", "VALIDATION_FAILED"),
        ("add_operator", "cheng-night", "ok"),
        ("add_operator", "cheng-night", "CONFLICT"),
        ("add_operator", "x-night", "NOT_FOUND"),
        ("reset_password", "cheng-admin", "ok"),
        ("list_platforms", "", "ok"),
    ] {
        assert!(
            seen.iter()
                .any(|(a, t, o)| (a.as_str(), t.as_str(), o.as_str()) == wanted),
            "{wanted:?} not in the audit log: {seen:?}"
        );
    }
    for secret in [given, HOST_PASSWORD, &password] {
        assert!(!log.text.contains(secret), "a password in the audit log");
    }

    // No route makes host administrators: the host routes are these.
    let doc = app.get("/api-docs/openapi.json", None).await;
    let host_routes: Vec<&String> = doc.body["paths"]
        .as_object()
        .expect("paths")
        .keys()
        .filter(|p| p.starts_with("/api/v1/host/"))
        .collect();
    assert_eq!(
        host_routes,
        [
            "/api/v1/host/audit",
            "/api/v1/host/login",
            "/api/v1/host/operators/{username}/password",
            "/api/v1/host/platforms",
            "/api/v1/host/platforms/{code}/mini-program",
            "/api/v1/host/platforms/{code}/operators",
            "/api/v1/host/platforms/{code}/wechatpay",
        ]
    );
}

both!(a_host_opens_a_county_and_every_call_is_audited);
