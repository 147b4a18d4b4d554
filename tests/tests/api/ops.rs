//! Health, readiness, metrics, API docs.

use sea_orm::ConnectionTrait;
use tests::{Backend, TestApp, both};

async fn health_and_readiness(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let h = app.get("/healthz", None).await;
    assert_eq!((h.status, h.body["status"].as_str()), (200, Some("ok")));
    let r = app.get("/readyz", None).await;
    assert_eq!((r.status, r.body["status"].as_str()), (200, Some("ready")));
}

async fn readiness_fails_when_the_database_is_gone(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    match backend {
        Backend::Sqlite => {
            // The app's pool is the handle to the file: close it under the app.
            app.db.close_by_ref().await.unwrap();
        }
        Backend::Postgres => {
            let (admin, name) = app.database_url.rsplit_once('/').unwrap();
            let conn = sea_orm::Database::connect(format!("{admin}/postgres"))
                .await
                .unwrap();
            conn.execute_unprepared(&format!("DROP DATABASE {name} WITH (FORCE)"))
                .await
                .unwrap();
        }
    }
    let r = app.get("/readyz", None).await;
    assert_eq!(r.status, 503, "{}", r.text);
    assert_eq!(r.code(), "DATABASE_UNAVAILABLE");
    // Liveness does not depend on the database.
    assert_eq!(app.get("/healthz", None).await.status, 200);
}

async fn metrics_count_requests_by_route_and_status(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.get("/healthz", None).await;
    app.get("/api/v1/me", None).await;
    let m = app.get("/metrics", None).await;
    assert_eq!(m.status, 200);
    assert!(m.header("content-type").unwrap().starts_with("text/plain"));
    assert!(
        m.text
            .contains(r#"http_requests_total{method="GET",route="/healthz",status="200"}"#),
        "{}",
        m.text
    );
    assert!(m.text.contains(r#"route="/api/v1/me",status="401""#));
    assert!(m.text.contains("http_request_duration_seconds_bucket{"));
}

async fn the_api_is_documented(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let doc = app.get("/api-docs/openapi.json", None).await;
    assert_eq!(doc.status, 200);
    assert!(doc.body["openapi"].as_str().unwrap().starts_with("3."));
    // The served document is the one built from the registered handlers.
    let built = serde_json::to_value(api::startup::openapi()).unwrap();
    assert_eq!(doc.body["paths"], built["paths"]);
    assert!(doc.body["paths"]["/api/v1/auth/wechat-login"]["post"].is_object());
    assert!(doc.body["components"]["schemas"]["ErrorBody"].is_object());
    assert!(
        doc.body["info"]["description"]
            .as_str()
            .unwrap()
            .contains("WECHAT_CODE_INVALID")
    );
    let redirect = app.get("/docs", None).await;
    assert_eq!(redirect.status, 308);
    let ui = app.get("/docs/", None).await;
    assert_eq!(ui.status, 200);
    assert!(
        ui.text.contains("swagger-ui"),
        "{}",
        &ui.text[..200.min(ui.text.len())]
    );
    // The UI is served from the binary, never from a CDN.
    assert!(!ui.text.contains("cdn"), "docs load something from a CDN");
}

both!(
    health_and_readiness,
    readiness_fails_when_the_database_is_gone,
    metrics_count_requests_by_route_and_status,
    the_api_is_documented,
);
