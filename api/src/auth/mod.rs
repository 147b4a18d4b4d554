//! Authentication: access tokens, the principal extractor, passwords and sessions.

pub mod host;
pub mod jwt;
pub mod live_sessions;
pub mod password;
pub mod principal;
pub mod tokens;

pub use principal::{MaybePrincipal, Principal};
