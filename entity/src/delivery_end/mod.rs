//! The delivery end (配送端): riders and their registration, duty and
//! positions, and the cold-chain rules vans are judged by.

pub mod cold_chain;
pub mod riders;
