//! Cross-cutting HTTP layers: request ids and spans, metrics, error shape.

pub mod error_shape;
pub mod metrics;
pub mod request_id;
