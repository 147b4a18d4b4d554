//! Village delivery: the pure trip planner ([`planner`]), the worker's
//! planning of each departure at its cut-off ([`departures`]), and what
//! follows the trips ([`cold`]): cold-chain batch settlement and the
//! exception queue of uncollected orders.

pub mod cold;
pub mod departures;
pub mod planner;
