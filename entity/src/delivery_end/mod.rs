//! The delivery end (配送端): riders and their registration, duty and
//! positions, the fleet registry (carriers, vans, drivers, keepers), and the
//! cold-chain rules vans are judged by.

pub mod cold_chain;
pub mod fleet;
pub mod riders;
