//! Tongcheng's background work and the clients of outside services.
//!
//! The `tongcheng` binary runs this worker in-process (embedded mode); the
//! `tongcheng-worker` binary runs it alone. Both share the settings, the
//! database helpers and the clock defined here.

pub mod clock;
pub mod db;
pub mod dispatch;
pub mod jobs;
pub mod notify;
pub mod orders;
pub mod payouts;
pub mod purge;
pub mod reconcile;
pub mod settings;
pub mod settle;
pub mod telemetry;
pub mod village;
pub mod wechat;
pub mod wechatpay;

pub use settings::Settings;

/// `N` bytes from the operating system's CSPRNG.
pub fn random_bytes<const N: usize>() -> [u8; N] {
    use aws_lc_rs::rand::SecureRandom;
    let mut buf = [0u8; N];
    // The system RNG failing is not recoverable; fall back to a clearly
    // unusable all-zero buffer would be unsafe, so abort loudly instead.
    if aws_lc_rs::rand::SystemRandom::new().fill(&mut buf).is_err() {
        std::process::abort();
    }
    buf
}
