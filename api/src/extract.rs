//! `ApiJson<T>`: a JSON body extractor whose errors name the field.
//!
//! actix's `web::Json` reports serde's message, which names a field only
//! when it is missing; through `serde_path_to_error` every data error
//! carries the path of the offending field (`location.lat`, `stops[2]`).

use std::ops::Deref;

use std::future::Future;
use std::pin::Pin;

use actix_web::{FromRequest, HttpMessage, HttpRequest, dev::Payload, web};
use serde::de::DeserializeOwned;

use crate::error::{ApiError, ErrorCode};
use crate::state::AppState;

/// A JSON request body of type `T`.
#[derive(Debug)]
pub struct ApiJson<T>(pub T);

impl<T> ApiJson<T> {
    /// The body.
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> Deref for ApiJson<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

/// Whether JSON text holds a `\u0000` escape (a NUL in a string: JSON has
/// no other way to carry one).
fn has_nul_escape(bytes: &[u8]) -> bool {
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'\\' {
            if bytes.get(i + 1) == Some(&b'u') && bytes.get(i + 2..i + 6) == Some(b"0000") {
                return true;
            }
            i += 2;
        } else {
            i += 1;
        }
    }
    false
}

/// The path of the first string (or key) holding a NUL, as the field errors
/// name fields (`location.lat`, `stops[2]`).
fn nul_path(v: &serde_json::Value, at: &str) -> Option<String> {
    let join = |k: &str| {
        if at.is_empty() {
            k.to_owned()
        } else {
            format!("{at}.{k}")
        }
    };
    match v {
        serde_json::Value::String(s) if s.contains('\0') => Some(if at.is_empty() {
            "body".into()
        } else {
            at.to_owned()
        }),
        serde_json::Value::Array(items) => items
            .iter()
            .enumerate()
            .find_map(|(i, x)| nul_path(x, &format!("{at}[{i}]"))),
        serde_json::Value::Object(map) => map.iter().find_map(|(k, x)| {
            if k.contains('\0') {
                Some(join(&k.replace('\0', "")))
            } else {
                nul_path(x, &join(k))
            }
        }),
        _ => None,
    }
}

/// Parses JSON bytes, naming the field of any data error. A NUL character
/// anywhere is refused with the field that holds it.
pub fn parse<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    if has_nul_escape(bytes)
        && let Ok(v) = serde_json::from_slice::<serde_json::Value>(bytes)
        && let Some(field) = nul_path(&v, "")
    {
        return Err(ApiError::field(
            field,
            crate::middleware::refuse_nul::MESSAGE,
        ));
    }
    let mut de = serde_json::Deserializer::from_slice(bytes);
    match serde_path_to_error::deserialize::<_, T>(&mut de) {
        Ok(v) => Ok(v),
        Err(e) => {
            let path = e.path().to_string();
            let inner = e.into_inner();
            if inner.is_syntax() || inner.is_eof() || inner.is_io() {
                return Err(ApiError::new(
                    ErrorCode::MALFORMED_JSON,
                    format!("the body is not valid JSON: {inner}"),
                ));
            }
            // A missing field is reported at its parent ("." at the top):
            // serde names it in backticks.
            let message = inner.to_string();
            let field = match (path.as_str(), message.split('`').nth(1)) {
                (".", Some(name)) if message.starts_with("missing field") => name.to_owned(),
                (p, Some(name)) if message.starts_with("missing field") => format!("{p}.{name}"),
                (".", _) => "body".to_owned(),
                (p, _) => p.to_owned(),
            };
            Err(ApiError::field(field, message))
        }
    }
}

/// Whether the request says its body is JSON.
fn is_json(req: &HttpRequest) -> bool {
    req.mime_type().ok().flatten().is_some_and(|m| {
        m.subtype().as_str() == "json" || m.suffix().is_some_and(|s| s.as_str() == "json")
    })
}

/// Reads the body within the configured limit.
fn body_bytes(
    req: &HttpRequest,
    payload: &mut Payload,
) -> impl Future<Output = Result<web::Bytes, ApiError>> + 'static {
    let limit = req
        .app_data::<web::Data<AppState>>()
        .map_or(256 * 1024, |s| s.settings.http.json_limit_bytes);
    let bytes = web::Bytes::from_request(req, payload);
    async move {
        bytes.await.map_err(|e| {
            if e.as_response_error().status_code() == actix_web::http::StatusCode::PAYLOAD_TOO_LARGE
            {
                ApiError::new(
                    ErrorCode::PAYLOAD_TOO_LARGE,
                    format!("the body is larger than {limit} bytes"),
                )
            } else {
                ApiError::new(ErrorCode::BAD_REQUEST, format!("cannot read the body: {e}"))
            }
        })
    }
}

fn not_json() -> ApiError {
    ApiError::new(
        ErrorCode::UNSUPPORTED_MEDIA_TYPE,
        "send the body as application/json",
    )
}

/// A body being read.
type BodyFuture<T> = Pin<Box<dyn Future<Output = Result<T, ApiError>>>>;

/// Reads a JSON body; with `optional`, no body (or only white space) is
/// `None`. A required body's media type is checked before it is read.
fn json_body<T: DeserializeOwned + 'static>(
    req: &HttpRequest,
    payload: &mut Payload,
    optional: bool,
) -> BodyFuture<Option<T>> {
    let json = is_json(req);
    let bytes = body_bytes(req, payload);
    Box::pin(async move {
        if !json && !optional {
            return Err(not_json());
        }
        let bytes = bytes.await?;
        if optional && bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(None);
        }
        if !json {
            return Err(not_json());
        }
        parse(&bytes).map(Some)
    })
}

impl<T: DeserializeOwned + 'static> FromRequest for ApiJson<T> {
    type Error = ApiError;
    type Future = BodyFuture<Self>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let body = json_body::<T>(req, payload, false);
        Box::pin(async move { body.await?.map(ApiJson).ok_or_else(not_json) })
    }
}

/// An optional JSON body: no body (or only white space) is `None`; a body
/// that is there must be JSON and valid, or the request is refused. (actix's
/// `Option<Json<T>>` turns every error into `None`, so a malformed body
/// would be silently ignored on an irreversible action.)
#[derive(Debug)]
pub struct OptionalJson<T>(pub Option<T>);

impl<T> OptionalJson<T> {
    /// The body, if one was sent.
    pub fn into_inner(self) -> Option<T> {
        self.0
    }
}

impl<T: DeserializeOwned + 'static> FromRequest for OptionalJson<T> {
    type Error = ApiError;
    type Future = BodyFuture<Self>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let body = json_body::<T>(req, payload, true);
        Box::pin(async move { body.await.map(OptionalJson) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Inner {
        lat: f64,
    }

    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Body {
        code: String,
        location: Option<Inner>,
    }

    fn field_of(json: &str) -> String {
        let e = parse::<Body>(json.as_bytes()).unwrap_err();
        format!("{e}")
    }

    #[test]
    fn errors_name_the_field() {
        assert!(field_of(r#"{"code": 42}"#).contains("code:"));
        assert!(field_of(r#"{}"#).contains("code:"));
        assert!(field_of(r#"{"code": "x", "location": {"lat": "n"}}"#).contains("location.lat:"));
        assert!(field_of(r#"{"code": "x", "location": {}}"#).contains("location.lat:"));
        assert!(field_of(r#"{"code": "#).contains("MALFORMED_JSON"));
        assert!(field_of(r#""text""#).contains("body:"));
    }

    #[test]
    fn a_nul_character_is_refused_with_its_field() {
        assert!(field_of(r#"{"code": "a\u0000b"}"#).contains("code:"));
        assert!(
            field_of(r#"{"code": "x", "location": {"lat\u0000": 1}}"#).contains("location.lat:")
        );
        // An escaped backslash followed by `u0000` is text, not a NUL.
        assert!(parse::<Body>(br#"{"code": "\\u0000"}"#).is_ok());
    }
}
