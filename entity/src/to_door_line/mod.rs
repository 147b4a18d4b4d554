//! The to-door line (产品到户配送线): residents browse and are quoted, place
//! and pay for orders, which move along one state machine to the door (city:
//! a rider) or to the village agent point (village: a scheduled trip).

pub mod addresses;
pub mod browse;
pub mod city;
pub mod compensations;
pub mod fee_rules;
pub mod kitchen;
pub mod notices;
pub mod order_states;
pub mod payment_close;
pub mod payments;
pub mod place;
pub mod pricing;
pub mod quote;
pub mod refunds;
pub mod timeouts;
pub mod transitions;
pub mod village;
pub mod villages;
