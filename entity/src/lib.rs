//! Tongcheng's data model and the pure domain rules that belong to it.
//!
//! Entities are sea-orm models; domain operations are functions over
//! `&impl ConnectionTrait` with the time passed in, so the caller picks the
//! transaction and a test picks the clock. Nothing here knows about HTTP.

pub mod accounts;
pub mod address;
pub mod addresses;
pub mod agent_point;
pub mod browse;
pub mod category;
pub mod commission_rule;
pub mod community;
pub mod delivery;
pub mod delivery_job;
pub mod departure;
pub mod dispatch_offer;
pub mod error;
pub mod fee_rule;
pub mod geo;
pub mod hours;
pub mod job;
pub mod ledger;
pub mod ledger_account;
pub mod ledger_entry;
pub mod ledger_posting;
pub mod listing;
pub mod listing_decision;
pub mod login_throttle;
pub mod media;
pub mod menu;
pub mod merchant;
pub mod merchant_application;
pub mod onboarding;
pub mod operator_account;
pub mod order;
pub mod order_event;
pub mod order_item;
pub mod order_state;
pub mod ordering;
pub mod outbox;
pub mod payment;
pub mod payout;
pub mod payouts;
pub mod periodic_run;
pub mod platform;
pub mod pricing;
pub mod product;
pub mod reconciliation;
pub mod reconciliation_report;
pub mod refresh_token;
pub mod refund;
pub mod rider;
pub mod rider_position;
pub mod riders;
pub mod role;
pub mod role_membership;
pub mod route;
pub mod route_stop;
pub mod service_area;
pub mod sessions;
pub mod settlement;
pub mod settlement_run;
pub mod sku;
pub mod statement;
pub mod store;
pub mod store_route;
pub mod store_settings;
pub mod store_staff;
pub mod throttle;
pub mod tx;
pub mod user;
pub mod validate;
pub mod village;
pub mod wechat_identity;

pub use role::Role;
