//! Schema fuzzing: schemathesis drives every documented operation of the
//! running app as each role, and fails on any 5xx, any status code the
//! OpenAPI document does not list, any body that does not match its schema
//! and any undocumented content type. The demo county is first given orders
//! in every state, so that ids resolve and state checks are reached.
//!
//! Needs schemathesis (`pip install schemathesis==4.32.5`; `.ci/run`
//! installs it): `st` on the PATH, or `SCHEMATHESIS=/path/to/st`. The
//! number of examples per operation is bounded (`TONGCHENG_FUZZ_EXAMPLES`,
//! default 3) and the seed fixed (`TONGCHENG_FUZZ_SEED`), so a failure
//! reproduces; each role's report is saved under `target/fuzz/`. A run that
//! stops on an error of the tool itself, with no failure found, is run once
//! more; a failure of the API never is.

use std::path::PathBuf;
use std::process::Stdio;

use serde_json::json;
use tests::{Backend, TestApp, both};

use crate::delivery::{STORE, accepted_order, monday_10am, on_duty_at, paid_order};
use crate::ledger::deliver;

/// The schemathesis executable.
fn schemathesis() -> PathBuf {
    if let Ok(path) = std::env::var("SCHEMATHESIS") {
        return PathBuf::from(path);
    }
    let found = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join("st"))
            .find(|candidate| candidate.is_file())
    });
    found.unwrap_or_else(|| {
        panic!(
            "schemathesis not found: install it with `python3 -m pip install \
             schemathesis==4.32.5` (.ci/run does), or set SCHEMATHESIS"
        )
    })
}

/// Orders in every state the to-door line has, for the demo county.
async fn orders_in_every_state(app: &TestApp) {
    app.clock.set(monday_10am());
    let resident = app.demo_token("zhang").await;
    let kitchen = app.demo_token("huaqiao").await;
    let wang = app.demo_token("rider-wang").await;

    // Pending payment, and cancelled before payment.
    let store = app.get("/api/v1/merchant/store", Some(&kitchen)).await.body["id"].clone();
    let sku = app.kitchen_sku("黑猪肉包子").await;
    let address = app.get("/api/v1/addresses", Some(&resident)).await;
    let address = match address.body.as_array().and_then(|a| a.first()) {
        Some(a) => a["id"].clone(),
        None => {
            let a = app
                .post("/api/v1/addresses", json!({"contact_name": "张三", "contact_phone": "13800000001", "detail": "东关社区 3 号楼", "location": {"lat": 33.3360, "lng": 105.6160}}), Some(&resident))
                .await;
            assert_eq!(a.status, 201, "{}", a.text);
            a.body["id"].clone()
        }
    };
    let order =
        json!({"store_id": store, "address_id": address, "items": [{"sku_id": sku, "qty": 2}]});
    for _ in 0..2 {
        let o = app
            .post("/api/v1/orders", order.clone(), Some(&resident))
            .await;
        assert_eq!(o.status, 201, "{}", o.text);
    }
    let unpaid = app
        .post("/api/v1/orders", order.clone(), Some(&resident))
        .await
        .body["id"]
        .clone();
    let c = app
        .post(
            &format!("/api/v1/orders/{unpaid}/cancel"),
            json!({"reason": "换个时间"}),
            Some(&resident),
        )
        .await;
    assert_eq!(c.status, 200, "{}", c.text);

    // Paid; paid then refunded by the resident's cancel; rejected by the kitchen.
    paid_order(app, &resident).await;
    let refunded = paid_order(app, &resident).await;
    let c = app
        .post(
            &format!("/api/v1/orders/{refunded}/cancel"),
            json!({}),
            Some(&resident),
        )
        .await;
    assert_eq!(c.status, 200, "{}", c.text);
    let rejected = paid_order(app, &resident).await;
    let r = app
        .post(
            &format!("/api/v1/merchant/orders/{rejected}/reject"),
            json!({"reason": "包子卖完了"}),
            Some(&kitchen),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    app.worker().run_pending().await.expect("refunds run");

    // Accepted; ready; with a rider; picked up; delivered.
    accepted_order(app, &resident).await;
    let (_, ready, _) = accepted_order(app, &resident).await;
    let r = app
        .post(
            &format!("/api/v1/merchant/orders/{ready}/ready"),
            json!({}),
            Some(&kitchen),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    // With a rider; picked up (the rider grabs, the kitchen readies);
    // delivered.
    on_duty_at(app, &wang, STORE).await;
    let here = json!({"lat": STORE.0, "lng": STORE.1});
    for pick_up in [false, true] {
        let (_, order, job) = accepted_order(app, &resident).await;
        let g = app
            .post(
                &format!("/api/v1/rider/jobs/{job}/grab"),
                json!({}),
                Some(&wang),
            )
            .await;
        assert_eq!(g.status, 200, "{}", g.text);
        let r = app
            .post(
                &format!("/api/v1/merchant/orders/{order}/ready"),
                json!({}),
                Some(&kitchen),
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.text);
        if pick_up {
            let p = app
                .post(
                    &format!("/api/v1/rider/jobs/{job}/pickup"),
                    here.clone(),
                    Some(&wang),
                )
                .await;
            assert_eq!(p.status, 200, "{}", p.text);
        }
    }
    let (_, order, job) = accepted_order(app, &resident).await;
    deliver(app, &resident, &kitchen, order, job).await;

    let statuses = app
        .get("/api/v1/orders?limit=50", Some(&resident))
        .await
        .body["items"]
        .as_array()
        .map(|orders| {
            let mut s: Vec<String> = orders
                .iter()
                .filter_map(|o| o["status"].as_str().map(str::to_owned))
                .collect();
            s.sort();
            s.dedup();
            s
        })
        .unwrap_or_default();
    for wanted in [
        "pending_payment",
        "cancelled",
        "paid",
        "refunded",
        "accepted",
        "ready",
        "rider_assigned",
        "picked_up",
        "delivered",
    ] {
        assert!(
            statuses.iter().any(|s| s == wanted),
            "no {wanted} order to fuzz against: {statuses:?}"
        );
    }
}

/// Runs schemathesis as one role; the report on failure.
async fn fuzz_as(
    app: &TestApp,
    backend: Backend,
    role: &str,
    token: Option<&str>,
) -> Option<String> {
    let examples = std::env::var("TONGCHENG_FUZZ_EXAMPLES").unwrap_or_else(|_| "3".into());
    let seed = std::env::var("TONGCHENG_FUZZ_SEED").unwrap_or_else(|_| "20261201".into());
    let mut cmd = std::process::Command::new(schemathesis());
    cmd.arg("run")
        .arg(format!("{}/api-docs/openapi.json", app.address))
        .args([
            "--checks",
            "not_a_server_error,status_code_conformance,response_schema_conformance,content_type_conformance",
            "--phases",
            "examples,coverage,fuzzing",
            "--max-examples",
            &examples,
            "--seed",
            &seed,
            "--workers",
            "1",
            "--no-color",
            "--request-timeout",
            "30",
        ])
        // Events streams stay open by design; logging out would end the
        // role's session halfway (the anonymous run covers it).
        .args(["--exclude-path-regex", "/stream$"]);
    if let Some(token) = token {
        cmd.args(["--exclude-path", "/api/v1/auth/logout"])
            .args(["--header", &format!("Authorization: Bearer {token}")]);
    }
    let (mut passed, mut text) = run(&cmd).await;
    // A run that found no failure but stopped on an error of the tool
    // itself (hypothesis has one that comes and goes) is run once more; a
    // failure of the API is never retried.
    if !passed && !text.contains("Failures:") && text.contains("Errors:") {
        let first = text;
        (passed, text) = run(&cmd).await;
        text = format!("{first}\n--- run again after an error of the tool ---\n{text}");
    }
    let _ = std::fs::write(reports().join(format!("{backend:?}-{role}.txt")), &text);
    (!passed).then_some(text)
}

/// `target/fuzz/`: the reports, and schemathesis's own cache (it keeps one
/// in its working directory).
fn reports() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/fuzz");
    let _ = std::fs::create_dir_all(&dir);
    dir
}

/// Runs the command off the test's runtime (the server runs on it):
/// whether it passed, and what it printed.
async fn run(cmd: &std::process::Command) -> (bool, String) {
    let mut mine = std::process::Command::new(cmd.get_program());
    mine.args(cmd.get_args())
        .current_dir(reports())
        .stdin(Stdio::null());
    let out = tokio::task::spawn_blocking(move || mine.output())
        .await
        .expect("join")
        .expect("run schemathesis");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

async fn every_operation_keeps_its_documented_promises_for_every_role(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    orders_in_every_state(&app).await;
    let roles = [
        ("operator", Some(app.operator_token().await)),
        ("resident", Some(app.demo_token("zhang").await)),
        ("kitchen", Some(app.demo_token("huaqiao").await)),
        ("rider", Some(app.demo_token("rider-wang").await)),
        ("anonymous", None),
    ];
    let mut failed = Vec::new();
    for (role, token) in &roles {
        if let Some(report) = fuzz_as(&app, backend, role, token.as_deref()).await {
            let tail: Vec<&str> = report.lines().rev().take(80).collect();
            let tail: Vec<&str> = tail.into_iter().rev().collect();
            eprintln!(
                "--- schemathesis as {role} on {backend:?} ---\n{}",
                tail.join("\n")
            );
            failed.push(*role);
        }
    }
    assert!(
        failed.is_empty(),
        "schemathesis found failures as {failed:?} on {backend:?} (reports in target/fuzz/)"
    );
}

both!(every_operation_keeps_its_documented_promises_for_every_role);
