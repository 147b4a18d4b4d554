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
    components(schemas(ErrorBody, FieldError)),
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

/// Completes the document once the paths are collected: every operation
/// that needs a bearer token answers 401 without a valid one (no token, an
/// invalid or expired one, or one whose session ended), so it says so.
pub fn complete(api: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::{ContentBuilder, Ref, ResponseBuilder};
    let unauthorized = ResponseBuilder::new()
        .description("UNAUTHENTICATED, TOKEN_INVALID, TOKEN_EXPIRED or SESSION_ENDED")
        .content(
            "application/json",
            ContentBuilder::new()
                .schema(Some(Ref::from_schema_name("ErrorBody")))
                .build(),
        )
        .build();
    for item in api.paths.paths.values_mut() {
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
            if op.security.as_ref().is_some_and(|s| !s.is_empty()) {
                op.responses
                    .responses
                    .entry("401".to_owned())
                    .or_insert_with(|| unauthorized.clone().into());
            }
        }
    }
}
