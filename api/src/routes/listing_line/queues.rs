//! What the operators' review queues share.

use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

/// `?status=` of a queue.
#[derive(Debug, Deserialize, IntoParams)]
pub struct QueueQuery {
    /// Applications: `pending` (default), `approved`, `rejected`; products:
    /// `pending_review` (default) or any product status.
    pub status: Option<String>,
}

/// A rejection.
#[derive(Debug, Deserialize, ToSchema)]
pub struct RejectRequest {
    /// Why; the applicant or merchant sees it.
    pub reason: String,
}
