//! Refuses a NUL character (U+0000) in the path or the query before any
//! handler runs. PostgreSQL cannot store it in text, so it would otherwise
//! fail deep inside a query. JSON bodies are checked by the body extractor
//! (`extract::parse`), and a NUL that still reaches PostgreSQL (a console
//! form field) is answered 400, never 500 (`From<DbErr> for ApiError`).

use actix_web::body::{BoxBody, EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;

use crate::error::ApiError;

/// What a field holding a NUL character is told.
pub const MESSAGE: &str = "must not contain the NUL character (U+0000)";

/// The middleware: 422 naming the query parameter (or `path`).
pub async fn refuse_nul(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody, BoxBody>>, actix_web::Error> {
    if let Some(field) = nul_field(req.uri().path(), req.query_string()) {
        let refused = req.error_response(ApiError::field(field, MESSAGE));
        return Ok(refused.map_into_right_body());
    }
    Ok(next.call(req).await?.map_into_left_body())
}

/// Whether raw (percent-encoded) text holds a NUL.
fn has_nul(raw: &str) -> bool {
    raw.contains('\0')
        || raw
            .as_bytes()
            .windows(3)
            .any(|w| w.eq_ignore_ascii_case(b"%00"))
}

/// The field that holds a NUL: `path`, or the query parameter's name.
fn nul_field(path: &str, query: &str) -> Option<String> {
    if has_nul(path) {
        return Some("path".to_owned());
    }
    query
        .split('&')
        .map(|pair| pair.split_once('=').unwrap_or((pair, "")))
        .find(|(k, v)| has_nul(k) || has_nul(v))
        .map(|(k, _)| k.replace("%00", "").replace('\0', ""))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nul_is_found_in_the_path_or_names_its_parameter() {
        assert_eq!(nul_field("/api/v1/trace/%00", ""), Some("path".into()));
        assert_eq!(
            nul_field("/api/v1/orders", "limit=5&status=%00"),
            Some("status".into())
        );
        assert_eq!(
            nul_field("/api/v1/orders", "st%00atus=paid"),
            Some("status".into())
        );
        assert_eq!(nul_field("/api/v1/orders", "status=paid&limit=5"), None);
        assert_eq!(nul_field("/api/v1/trace/ABC100X", "q=%20"), None);
    }
}
