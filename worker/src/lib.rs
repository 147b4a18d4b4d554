//! Tongcheng's background work and the clients of outside services.
//!
//! The `tongcheng` binary runs this worker in-process (embedded mode); the
//! `tongcheng-worker` binary runs it alone. The settings, the clock, the
//! database connection and ids come from `entity` (`entity::runtime`,
//! `entity::clock`, `entity::ids`), which both binaries share.

pub mod dispatch;
pub mod jobs;
pub mod mini_programs;
pub mod notify;
pub mod orders;
pub mod payouts;
pub mod purge;
pub mod reconcile;
pub mod refunds;
pub mod settle;
pub mod sharing;
pub mod standalone;
pub mod village;
pub mod wechat;
pub mod wechatpay;
