//! Prometheus metrics: request counts and latency histograms by route and status.

use std::future::{Ready, ready};
use std::pin::Pin;
use std::rc::Rc;
use std::sync::OnceLock;
use std::time::Instant;

use actix_web::{
    Error,
    dev::{Service, ServiceRequest, ServiceResponse, Transform, forward_ready},
};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

/// Requests served, by method, route pattern and status.
pub const REQUESTS_TOTAL: &str = "http_requests_total";
/// Request latency in seconds, by method, route pattern and status.
pub const REQUEST_DURATION: &str = "http_request_duration_seconds";

static HANDLE: OnceLock<Option<PrometheusHandle>> = OnceLock::new();

/// The process-wide Prometheus recorder (installed on first use).
///
/// Metrics are process-global by nature; several apps in one process (the
/// tests) share one recorder. `None` if another recorder was installed first.
pub fn handle() -> Option<PrometheusHandle> {
    HANDLE
        .get_or_init(|| {
            let buckets = [
                0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
            ];
            PrometheusBuilder::new()
                .set_buckets_for_metric(Matcher::Full(REQUEST_DURATION.into()), &buckets)
                .ok()?
                .install_recorder()
                .ok()
        })
        .clone()
}

/// The middleware factory.
#[derive(Debug, Clone, Copy, Default)]
pub struct MetricsLayer;

impl<S, B> Transform<S, ServiceRequest> for MetricsLayer
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error> + 'static,
    B: 'static,
{
    type Response = ServiceResponse<B>;
    type Error = Error;
    type Transform = MetricsService<S>;
    type InitError = ();
    type Future = Ready<Result<Self::Transform, Self::InitError>>;

    fn new_transform(&self, service: S) -> Self::Future {
        let _ = handle();
        ready(Ok(MetricsService {
            service: Rc::new(service),
        }))
    }
}

/// The middleware service.
#[derive(Debug)]
pub struct MetricsService<S> {
    service: Rc<S>,
}

impl<S, B> Service<ServiceRequest> for MetricsService<S>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error> + 'static,
    B: 'static,
{
    type Response = ServiceResponse<B>;
    type Error = Error;
    type Future = Pin<Box<dyn std::future::Future<Output = Result<Self::Response, Self::Error>>>>;

    forward_ready!(service);

    fn call(&self, req: ServiceRequest) -> Self::Future {
        // The pattern (`/api/v1/orders/{id}`), never the raw path, keeps the
        // label set bounded.
        let route = req
            .match_pattern()
            .unwrap_or_else(|| "unmatched".to_owned());
        // Any token is a valid HTTP method: bound the label set.
        let method = match req.method().as_str() {
            m @ ("GET" | "POST" | "PUT" | "PATCH" | "DELETE" | "HEAD" | "OPTIONS") => m,
            _ => "OTHER",
        }
        .to_owned();
        let service = Rc::clone(&self.service);
        let started = Instant::now();
        Box::pin(async move {
            let res = service.call(req).await;
            let status = match &res {
                Ok(r) => r.status().as_u16(),
                Err(e) => e.as_response_error().status_code().as_u16(),
            };
            let labels = [
                ("method", method),
                ("route", route),
                ("status", status.to_string()),
            ];
            metrics::counter!(REQUESTS_TOTAL, &labels).increment(1);
            metrics::histogram!(REQUEST_DURATION, &labels).record(started.elapsed().as_secs_f64());
            res
        })
    }
}
