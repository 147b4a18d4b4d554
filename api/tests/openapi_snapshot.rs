//! The OpenAPI document is a contract with the mini-program, whose types are
//! generated from it. It is committed as `api/openapi.json`; this test fails
//! when the document built from the registered handlers differs by a byte.
//!
//! After an intended change, rewrite the snapshot and review its diff:
//! `TONGCHENG_BLESS_OPENAPI=1 cargo test -p api --test openapi_snapshot`.

use std::path::Path;

#[test]
fn the_openapi_document_matches_its_snapshot() {
    let built = serde_json::to_string_pretty(&api::startup::openapi()).unwrap() + "\n";
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("openapi.json");
    if std::env::var_os("TONGCHENG_BLESS_OPENAPI").is_some() {
        std::fs::write(&path, &built).unwrap();
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    if committed != built {
        let line = committed
            .lines()
            .zip(built.lines())
            .position(|(a, b)| a != b)
            .unwrap_or_else(|| committed.lines().count().min(built.lines().count()));
        panic!(
            "the OpenAPI document differs from api/openapi.json from line {}:\n  committed: {:?}\n  built:     {:?}\n\
             if the change is intended, run TONGCHENG_BLESS_OPENAPI=1 cargo test -p api --test openapi_snapshot and review the diff",
            line + 1,
            committed.lines().nth(line),
            built.lines().nth(line),
        );
    }
}

/// What the mini-program's generated client relies on: every operation that
/// needs a token says it may answer 401, and page sizes carry their bounds.
#[test]
fn secured_operations_document_401_and_limits_their_bounds() {
    let doc = serde_json::to_value(api::startup::openapi()).unwrap();
    let mut secured = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            if op["security"].as_array().is_some_and(|s| !s.is_empty()) {
                secured += 1;
                assert!(
                    op["responses"]["401"].is_object(),
                    "{method} {path} does not document 401"
                );
            }
        }
    }
    assert!(secured > 100, "{secured} secured operations");
    let limit = doc["paths"]["/api/v1/orders"]["get"]["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "limit")
        .unwrap();
    assert_eq!(
        (&limit["schema"]["minimum"], &limit["schema"]["maximum"]),
        (&serde_json::json!(1), &serde_json::json!(50))
    );
}

/// Every success answer says what it carries, every operation with a body
/// says it may refuse one (400, 415, 422), and every operation whose bearer
/// requirement names roles says it may answer 403.
#[test]
fn every_operation_documents_its_body_and_the_errors_its_shape_allows() {
    let doc = serde_json::to_value(api::startup::openapi()).unwrap();
    let mut role_gated = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let responses = op["responses"].as_object().unwrap();
            for (status, response) in responses {
                if status.starts_with('2') && status != "204" {
                    assert!(
                        response["content"].is_object(),
                        "{method} {path} answers {status} without saying what it carries"
                    );
                }
            }
            if op["requestBody"].is_object() {
                for status in ["400", "415", "422"] {
                    assert!(
                        responses.contains_key(status),
                        "{method} {path} takes a body but does not document {status}"
                    );
                }
            }
            let names_roles = op["security"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|req| req["bearer"].as_array())
                .any(|scopes| !scopes.is_empty());
            if names_roles {
                role_gated += 1;
                assert!(
                    responses.contains_key("403"),
                    "{method} {path} needs a role but does not document 403"
                );
            }
        }
    }
    assert!(role_gated > 100, "{role_gated} role-gated operations");
}

/// Every `$ref` names a component the document has: a schema used only as
/// a path or query parameter is not collected by itself, and a client
/// generator (or schemathesis) stops at the dangling reference.
#[test]
fn every_reference_resolves() {
    fn walk(v: &serde_json::Value, doc: &serde_json::Value, dangling: &mut Vec<String>) {
        match v {
            serde_json::Value::Object(map) => {
                if let Some(r) = map.get("$ref").and_then(|r| r.as_str()) {
                    let pointer = r.trim_start_matches('#');
                    if doc.pointer(pointer).is_none() {
                        dangling.push(r.to_owned());
                    }
                }
                for child in map.values() {
                    walk(child, doc, dangling);
                }
            }
            serde_json::Value::Array(items) => {
                for child in items {
                    walk(child, doc, dangling);
                }
            }
            _ => {}
        }
    }
    let doc = serde_json::to_value(api::startup::openapi()).unwrap();
    let mut dangling = Vec::new();
    walk(&doc, &doc, &mut dangling);
    assert!(dangling.is_empty(), "unresolved references: {dangling:?}");
}
