//! Village delivery (到村配送): scheduled trips carrying many orders to agent
//! points, with cold-chain batches settled after each trip.

pub mod batch_settlement;
pub mod departures;
pub mod keeper;
pub mod trips;
