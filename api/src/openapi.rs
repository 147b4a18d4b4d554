//! The OpenAPI document: paths are collected from the registered handlers
//! (utoipa-actix-web), so a route cannot be served without being documented.

use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::error::{ErrorBody, ErrorCode, FieldError};

/// The static parts of the document; paths are added at start-up.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "Tongcheng (同城) API",
        description = "Same-city delivery platform for a county: residents order from local merchants, riders deliver in town, vans run scheduled village trips, and the platform keeps the accounts."
    ),
    components(schemas(
        ErrorBody,
        FieldError,
        crate::routes::platform_end::imports::ImportKind
    )),
    modifiers(&SecurityAndErrors),
    tags(
        (name = "auth", description = "Sign-in and sessions"),
        (name = "admin", description = "County platform operators: service area, review queues"),
        (name = "resident", description = "Residents: addresses, stores, menus, search"),
        (name = "orders", description = "Residents' orders: quote, place, pay, cancel"),
        (name = "payments", description = "Payment provider callbacks"),
        (name = "merchant", description = "Merchant staff: onboarding, store settings, menu, listing line"),
        (name = "rider", description = "City riders: registration, duty, jobs, earnings"),
        (name = "driver", description = "Village drivers: trips, stops, temperatures"),
        (name = "keeper", description = "Agent-point keepers: handover and collection"),
        (name = "carrier", description = "Carrier managers: account and payouts"),
        (name = "operations", description = "Health, readiness, metrics"),
        (name = "host", description = "Host administrators: open counties, manage their operators (audited)"),
    )
)]
pub struct ApiDoc;

struct SecurityAndErrors;

impl Modify for SecurityAndErrors {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .description(Some(
                        "An access token from a sign-in. An operation's scopes name the roles \
                         that may call it (any one of them); without one the answer is 403.",
                    ))
                    .build(),
            ),
        );
        // The catalogue of error codes, so clients can rely on them.
        let mut table = String::from(
            "\n\n## Errors\nEvery error is `{\"code\", \"message\", \"request_id\"}` \
             (plus `errors` with field names for `VALIDATION_FAILED`).\n\n\
             | code | status | meaning |\n|---|---|---|\n",
        );
        for code in ErrorCode::ALL {
            table.push_str(&format!(
                "| `{}` | {} | {} |\n",
                code.as_str(),
                code.status().as_u16(),
                code.description()
            ));
        }
        let description = openapi.info.description.get_or_insert_with(String::new);
        description.push_str(&table);
    }
}

/// The error answers that follow from an operation's shape, as shared
/// responses: name, status, and what the client gets.
const SHARED_ERRORS: &[(&str, &str, &str)] = &[
    (
        "BadRequest",
        "400",
        "MALFORMED_JSON (the body is not the JSON the operation takes) or BAD_REQUEST (a path or query value of the wrong type or out of range)",
    ),
    (
        "Unauthorized",
        "401",
        "UNAUTHENTICATED, TOKEN_INVALID, TOKEN_EXPIRED or SESSION_ENDED",
    ),
    (
        "Forbidden",
        "403",
        "FORBIDDEN or a more specific 403 code: the caller lacks the role the operation's security names (NOT_STORE_STAFF, RIDER_NOT_VERIFIED), or is not the object's owner",
    ),
    (
        "NotFound",
        "404",
        "NOT_FOUND: no such object, or it belongs to someone else or another county",
    ),
    (
        "UnsupportedMediaType",
        "415",
        "UNSUPPORTED_MEDIA_TYPE: the body is not `application/json` (or the image is not JPEG, PNG or WebP)",
    ),
    (
        "ValidationFailed",
        "422",
        "VALIDATION_FAILED: a field is missing or invalid; `errors` names it",
    ),
    (
        "Unavailable",
        "503",
        "SERVER_BUSY (every database connection is in use: retry after `Retry-After` seconds) or DATABASE_UNAVAILABLE",
    ),
];

/// Completes the document once the paths are collected, with the error
/// answers that follow from each operation's shape:
/// - 401 where a bearer token is needed, 403 where the bearer requirement
///   names roles (the scopes list the roles, any one of which may call);
/// - 400 where there is a body, a path or a query to get wrong; 415 and
///   422 where there is a body or a query to validate; 404 where the path
///   or a body field (`…_id`, `…_ids`) names an object;
/// - 503 everywhere but the liveness probe: the server sheds load when
///   its database pool is exhausted.
///
/// An operation's own entry for a status (with its specific codes) wins.
pub fn complete(api: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::{Ref, RefOr};

    let components = api.components.get_or_insert_with(Default::default);
    add_shared_errors(components);
    let names_ids = body_schemas_naming_ids(components);
    for (path, item) in api.paths.paths.iter_mut() {
        for op in [
            &mut item.get,
            &mut item.put,
            &mut item.post,
            &mut item.delete,
            &mut item.patch,
        ]
        .into_iter()
        .flatten()
        {
            let errors = errors_of(path, op, &names_ids);
            for (name, status, _) in SHARED_ERRORS {
                if errors.contains(name) {
                    op.responses
                        .responses
                        .entry((*status).to_owned())
                        .or_insert_with(|| RefOr::Ref(Ref::from_response_name(*name)));
                }
            }
        }
    }
}

/// The shared error responses, in `components.responses`.
fn add_shared_errors(components: &mut utoipa::openapi::Components) {
    use utoipa::openapi::schema::{ObjectBuilder, Type};
    use utoipa::openapi::{ContentBuilder, HeaderBuilder, Ref, ResponseBuilder};
    for (name, _, description) in SHARED_ERRORS {
        let mut response = ResponseBuilder::new().description(*description).content(
            "application/json",
            ContentBuilder::new()
                .schema(Some(Ref::from_schema_name("ErrorBody")))
                .build(),
        );
        if *name == "Unavailable" {
            response = response.header(
                "Retry-After",
                HeaderBuilder::new()
                    .schema(ObjectBuilder::new().schema_type(Type::Integer))
                    .description(Some("Seconds to wait before retrying"))
                    .build(),
            );
        }
        components
            .responses
            .insert((*name).to_owned(), response.build().into());
    }
}

/// The shared errors an operation's shape allows (see [`complete`]).
fn errors_of(
    path: &str,
    op: &utoipa::openapi::path::Operation,
    names_ids: &std::collections::BTreeSet<String>,
) -> Vec<&'static str> {
    use utoipa::openapi::RefOr;
    use utoipa::openapi::path::ParameterIn;
    let params = op.parameters.as_deref().unwrap_or_default();
    let in_path = params
        .iter()
        .any(|p| matches!(p.parameter_in, ParameterIn::Path));
    let in_query = params
        .iter()
        .any(|p| matches!(p.parameter_in, ParameterIn::Query));
    let has_body = op.request_body.is_some();
    let body_names_ids = op.request_body.as_ref().is_some_and(|body| {
        body.content.values().any(|content| match &content.schema {
            Some(RefOr::Ref(r)) => r
                .ref_location
                .rsplit('/')
                .next()
                .is_some_and(|name| names_ids.contains(name)),
            _ => false,
        })
    });
    let mut errors = Vec::new();
    if let Some(security) = op.security.as_ref().filter(|s| !s.is_empty()) {
        errors.push("Unauthorized");
        let names_roles = serde_json::to_value(security)
            .unwrap_or_default()
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|req| req.as_object())
            .flat_map(|req| req.values())
            .any(|scopes| scopes.as_array().is_some_and(|a| !a.is_empty()));
        if names_roles {
            errors.push("Forbidden");
        }
    }
    if has_body || !params.is_empty() {
        errors.push("BadRequest");
    }
    if in_path || body_names_ids {
        errors.push("NotFound");
    }
    if has_body {
        errors.push("UnsupportedMediaType");
    }
    if has_body || in_query {
        errors.push("ValidationFailed");
    }
    if path != "/healthz" {
        errors.push("Unavailable");
    }
    errors
}

/// The component schemas with a field that names another object by id.
fn body_schemas_naming_ids(
    components: &utoipa::openapi::Components,
) -> std::collections::BTreeSet<String> {
    use utoipa::openapi::{RefOr, schema::Schema};
    components
        .schemas
        .iter()
        .filter(|(_, schema)| match schema {
            RefOr::T(Schema::Object(object)) => object
                .properties
                .keys()
                .any(|field| field.ends_with("_id") || field.ends_with("_ids")),
            _ => false,
        })
        .map(|(name, _)| name.clone())
        .collect()
}
