//! Logging set-up shared by both binaries.

use tracing_subscriber::{EnvFilter, fmt, prelude::*};

use crate::runtime::settings::LogSettings;

/// Installs the global `tracing` subscriber (text or JSON lines).
///
/// `RUST_LOG`, when set, overrides the configured filter. Calling this twice
/// is harmless: the second call keeps the first subscriber.
pub fn init(settings: &LogSettings) {
    let filter = EnvFilter::try_from_default_env()
        .or_else(|_| EnvFilter::try_new(&settings.filter))
        .unwrap_or_else(|_| EnvFilter::new("info"));
    let registry = tracing_subscriber::registry().with(filter);
    let result = if settings.json {
        registry
            .with(
                fmt::layer()
                    .json()
                    .with_current_span(true)
                    .with_span_list(false),
            )
            .try_init()
    } else {
        registry.with(fmt::layer()).try_init()
    };
    drop(result);
}
