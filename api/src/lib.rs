//! Tongcheng's HTTP API: the app factory, routes, extractors and the
//! `tongcheng` binary's commands.
//!
//! Handlers are thin: parse, authorize, call one domain operation in
//! `entity`, map the result.

pub mod auth;
pub mod backup;
pub mod console;
pub mod csv;
pub mod demo;
pub mod demo_linkage;
pub mod demo_menu;
pub mod demo_month;
pub mod doctor;
pub mod error;
pub mod extract;
pub mod import;
pub mod media;
pub mod middleware;
pub mod openapi;
pub mod provision;
pub mod rate_limit;
pub mod routes;
pub mod startup;
pub mod state;

pub use startup::{Application, BuildOptions, StartupError};
