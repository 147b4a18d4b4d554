//! The plumbing a Tongcheng process runs on, shared by the `tongcheng` and
//! `tongcheng-worker` binaries and the tests: layered settings, opening the
//! database at its current schema, and logging. No domain module uses it;
//! the domain takes its time and connections from the caller.

pub mod database;
pub mod settings;
pub mod telemetry;

pub use settings::Settings;
