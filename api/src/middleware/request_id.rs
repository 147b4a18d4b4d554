//! A request id per request: in the `x-request-id` header, in every log line
//! of the request (a `tracing` span) and in every error body.

use std::future::{Ready, ready};
use std::pin::Pin;
use std::rc::Rc;
use std::time::Instant;

use actix_web::{
    Error, HttpMessage,
    dev::{Service, ServiceRequest, ServiceResponse, Transform, forward_ready},
    http::header::{HeaderName, HeaderValue},
};
use tracing::Instrument;

/// The header carrying the request id, both ways.
pub const REQUEST_ID_HEADER: &str = "x-request-id";

tokio::task_local! {
    static REQUEST_ID: String;
}

/// The id of the request being served, or `-` outside a request.
pub fn current_request_id() -> String {
    REQUEST_ID
        .try_with(|id| id.clone())
        .unwrap_or_else(|_| "-".to_owned())
}

/// The request id as stored in the request's extensions.
#[derive(Debug, Clone)]
pub struct RequestId(pub String);

/// Accepts a caller's id if it is short and plain, else makes one.
fn choose_id(incoming: Option<&HeaderValue>) -> String {
    if let Some(v) = incoming.and_then(|v| v.to_str().ok())
        && !v.is_empty()
        && v.len() <= 64
        && v.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        return v.to_owned();
    }
    hex::encode(entity::ids::random_bytes::<12>())
}

/// The middleware factory.
#[derive(Debug, Clone, Copy, Default)]
pub struct RequestIdLayer;

impl<S, B> Transform<S, ServiceRequest> for RequestIdLayer
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error> + 'static,
    B: 'static,
{
    type Response = ServiceResponse<B>;
    type Error = Error;
    type Transform = RequestIdService<S>;
    type InitError = ();
    type Future = Ready<Result<Self::Transform, Self::InitError>>;

    fn new_transform(&self, service: S) -> Self::Future {
        ready(Ok(RequestIdService {
            service: Rc::new(service),
        }))
    }
}

/// The middleware service.
#[derive(Debug)]
pub struct RequestIdService<S> {
    service: Rc<S>,
}

type BoxFuture<T> = Pin<Box<dyn std::future::Future<Output = T>>>;

impl<S, B> Service<ServiceRequest> for RequestIdService<S>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error> + 'static,
    B: 'static,
{
    type Response = ServiceResponse<B>;
    type Error = Error;
    type Future = BoxFuture<Result<Self::Response, Self::Error>>;

    forward_ready!(service);

    fn call(&self, req: ServiceRequest) -> Self::Future {
        let id = choose_id(req.headers().get(REQUEST_ID_HEADER));
        req.extensions_mut().insert(RequestId(id.clone()));
        let span = tracing::info_span!(
            "request",
            request_id = %id,
            method = %req.method(),
            path = %req.path(),
        );
        let service = Rc::clone(&self.service);
        let started = Instant::now();
        Box::pin(
            REQUEST_ID
                .scope(id.clone(), async move {
                    // Handler and extractor errors become responses inside this
                    // scope, so their bodies carry the request id.
                    let mut res = service.call(req).await?;
                    if let Ok(v) = HeaderValue::from_str(&id) {
                        res.headers_mut()
                            .insert(HeaderName::from_static(REQUEST_ID_HEADER), v);
                    }
                    let status = res.status().as_u16();
                    let ms = started.elapsed().as_secs_f64() * 1e3;
                    if status >= 500 {
                        tracing::error!(status, ms, "request failed");
                    } else {
                        tracing::info!(status, ms, "request done");
                    }
                    Ok(res)
                })
                .instrument(span),
        )
    }
}
