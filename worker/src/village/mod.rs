//! Village delivery: the pure trip planner ([`planner`]) and the worker's
//! planning of each departure at its cut-off ([`departures`]).

pub mod departures;
pub mod planner;
