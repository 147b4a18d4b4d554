//! Cross-cutting HTTP layers: request ids and spans, metrics, error shape,
//! and refusing NUL characters in paths and queries.

pub mod error_shape;
pub mod metrics;
pub mod refuse_nul;
pub mod request_id;
