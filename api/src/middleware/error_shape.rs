//! Gives error responses that did not come from [`ApiError`] the same shape.
//!
//! actix answers some failures itself (405 on a known route, 404 outside
//! the routes): this rewrites any error response without a JSON body into
//! the standard `{code, message, request_id}` body.
//!
//! [`ApiError`]: crate::error::ApiError

use actix_web::{
    HttpMessage, HttpResponse, Result,
    dev::ServiceResponse,
    http::{StatusCode, header},
    middleware::{ErrorHandlerResponse, ErrorHandlers},
};

use super::request_id::RequestId;
use crate::error::{ErrorBody, ErrorCode};

fn code_for(status: StatusCode) -> ErrorCode {
    match status {
        StatusCode::NOT_FOUND => ErrorCode::NOT_FOUND,
        StatusCode::METHOD_NOT_ALLOWED => ErrorCode::METHOD_NOT_ALLOWED,
        StatusCode::PAYLOAD_TOO_LARGE => ErrorCode::PAYLOAD_TOO_LARGE,
        StatusCode::UNSUPPORTED_MEDIA_TYPE => ErrorCode::UNSUPPORTED_MEDIA_TYPE,
        StatusCode::UNAUTHORIZED => ErrorCode::UNAUTHENTICATED,
        StatusCode::FORBIDDEN => ErrorCode::FORBIDDEN,
        StatusCode::SERVICE_UNAVAILABLE => ErrorCode::SERVER_BUSY,
        s if s.is_client_error() => ErrorCode::BAD_REQUEST,
        _ => ErrorCode::INTERNAL,
    }
}

fn reshape<B>(res: ServiceResponse<B>) -> Result<ErrorHandlerResponse<B>> {
    let is_json = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json") || v.starts_with("text/html"));
    // JSON errors have the shape already; the console's HTML error pages
    // are meant for people.
    if is_json {
        return Ok(ErrorHandlerResponse::Response(res.map_into_left_body()));
    }
    let status = res.status();
    let code = code_for(status);
    let request_id = res
        .request()
        .extensions()
        .get::<RequestId>()
        .map(|r| r.0.clone())
        .unwrap_or_else(|| "-".to_owned());
    let message = match code {
        ErrorCode::METHOD_NOT_ALLOWED => "this route does not accept that method".to_owned(),
        ErrorCode::NOT_FOUND => format!("no route for {}", res.request().path()),
        other => other.description().to_owned(),
    };
    let mut builder = HttpResponse::build(status);
    for (name, value) in res.headers() {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
            builder.insert_header((name.clone(), value.clone()));
        }
    }
    let new = builder.json(ErrorBody {
        code: code.as_str().to_owned(),
        message,
        request_id,
        errors: Vec::new(),
    });
    let (req, _) = res.into_parts();
    Ok(ErrorHandlerResponse::Response(
        ServiceResponse::new(req, new).map_into_right_body(),
    ))
}

/// The middleware: every 4xx/5xx leaves with the standard body.
pub fn layer<B: 'static>() -> ErrorHandlers<B> {
    ErrorHandlers::new().default_handler(reshape)
}
