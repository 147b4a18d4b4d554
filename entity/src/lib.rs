//! Tongcheng's data model and the pure domain rules that belong to it.
//!
//! Entities are sea-orm models; domain operations are functions over
//! `&impl ConnectionTrait` with the time passed in, so the caller picks the
//! transaction and a test picks the clock. Nothing here knows about HTTP.

pub mod accounts;
pub mod agent_point;
pub mod community;
pub mod job;
pub mod merchant;
pub mod operator_account;
pub mod periodic_run;
pub mod platform;
pub mod refresh_token;
pub mod role;
pub mod role_membership;
pub mod sessions;
pub mod store;
pub mod tx;
pub mod user;
pub mod village;
pub mod wechat_identity;

pub use role::Role;
