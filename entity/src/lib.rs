//! Tongcheng's data model and the domain rules over it, laid out as the
//! platform's model, "three ends, two lines" (三端两线):
//!
//! - [`tables`]: the sea-orm models, one file per table;
//! - [`supply_end`]: stores, menus, supplier households, batches and trace codes;
//! - [`platform_end`]: platforms, users and sessions, the service area, the
//!   ledger with settlement, payouts and reconciliation, statistics;
//! - [`delivery_end`]: riders and the cold-chain rules;
//! - [`listing_line`]: merchant applications and product review;
//! - [`to_door_line`]: browse, quote, place, pay, order states and
//!   transitions, with [`to_door_line::city`] and [`to_door_line::village`];
//! - shared leaves: [`error`], [`bulk`] (all-or-nothing imports), [`calendar`], [`geo`], [`validate`], [`tx`],
//!   [`outbox`], [`scope`] (loading by id, platform-scoped), [`clock`], [`ids`],
//!   [`secrets`] (credentials sealed at rest);
//! - [`runtime`]: settings, the database connection, logging.
//!
//! Domain operations are functions over `&impl ConnectionTrait` with the time
//! passed in, so the caller picks the transaction and a test picks the clock.
//! Nothing here knows about HTTP. Dependencies between modules run one way:
//! `entity/tests/module_graph.rs` fails on any import cycle.

pub mod bulk;
pub mod calendar;
pub mod clock;
pub mod delivery_end;
pub mod error;
pub mod geo;
pub mod ids;
pub mod listing_line;
pub mod outbox;
pub mod platform_end;
pub mod runtime;
pub mod scope;
pub mod secrets;
pub mod supply_end;
pub mod tables;
pub mod to_door_line;
pub mod tx;
pub mod validate;

pub use tables::role::Role;
/// The tables are reachable by their short names too: `entity::order::Model`.
pub use tables::*;
