//! The platform end (平台端): the county platforms and their provisioning
//! and their own mini-programs and WeChat Pay merchants,
//! users with their roles, sessions and login throttling, the service area,
//! the double-entry ledger with settlement, payouts, partner mode's profit
//! sharing and reconciliation, and
//! statistics.

pub mod area_import;
pub mod commission;
pub mod ledger;
pub mod mini_programs;
pub mod payment_accounts;
pub mod payouts;
pub mod platforms;
pub mod profit_sharing;
pub mod provisioning;
pub mod reconciliation;
pub mod service_area;
pub mod sessions;
pub mod settings;
pub mod settlement;
pub mod sharing_limit;
pub mod sharing_returns;
pub mod stats;
pub mod throttle;
pub mod users;
