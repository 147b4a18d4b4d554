//! Admission control: at most `http.max_in_flight` API requests are worked
//! on at once; the next ones wait up to `http.queue_timeout_ms` for a turn,
//! and past that are answered 503 SERVER_BUSY with `Retry-After` before any
//! work is done for them. Without it, a server pushed past what its
//! database carries lets every request queue for a pooled connection, and
//! the requests it gives up on have already cost their share of the work
//! (the measurement is in BENCHMARKS.md, "Overload").
//!
//! Event streams are long-lived and hold no connection between polls, so
//! they are not counted; nor are the console, the docs and the probes.

use std::sync::Arc;
use std::time::Duration;

use actix_web::body::{BoxBody, EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::web;
use tokio::sync::Semaphore;

use crate::error::{ApiError, ErrorCode};
use crate::state::AppState;

/// The turns of one process.
#[derive(Debug)]
pub struct Admission {
    turns: Arc<Semaphore>,
    wait: Duration,
}

impl Admission {
    /// `max_in_flight` turns, waited for at most `wait`.
    pub fn new(max_in_flight: usize, wait: Duration) -> Self {
        Self {
            turns: Arc::new(Semaphore::new(max_in_flight.max(1))),
            wait,
        }
    }
}

/// Whether a request is counted: the API, but not its event streams.
fn counted(path: &str) -> bool {
    path.starts_with("/api/v1/") && !path.ends_with("/stream")
}

/// The middleware.
pub async fn admit(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody, BoxBody>>, actix_web::Error> {
    let admission = req
        .app_data::<web::Data<AppState>>()
        .map(|state| Arc::clone(&state.admission));
    let Some(admission) = admission.filter(|_| counted(req.path())) else {
        return Ok(next.call(req).await?.map_into_left_body());
    };
    let turn = tokio::time::timeout(admission.wait, admission.turns.clone().acquire_owned()).await;
    let Ok(Ok(turn)) = turn else {
        metrics::counter!("http_requests_shed_total").increment(1);
        let busy = ApiError::new(
            ErrorCode::SERVER_BUSY,
            "the server is at capacity; retry after the Retry-After seconds",
        )
        .retry_after(1);
        return Ok(req.error_response(busy).map_into_right_body());
    };
    let res = next.call(req).await;
    drop(turn);
    Ok(res?.map_into_left_body())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_api_is_counted_but_not_its_streams_nor_the_rest() {
        assert!(counted("/api/v1/orders"));
        assert!(!counted("/api/v1/orders/7/stream"));
        assert!(!counted("/api/v1/merchant/orders/stream"));
        assert!(!counted("/healthz"));
        assert!(!counted("/console/orders"));
    }
}
