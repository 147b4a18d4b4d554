//! Cross-cutting HTTP layers: request ids and spans, metrics, error shape,
//! refusing NUL characters in paths and queries, and admission control.

pub mod admission;
pub mod error_shape;
pub mod metrics;
pub mod refuse_nul;
pub mod request_id;
