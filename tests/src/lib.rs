//! Test support for Tongcheng's black-box integration tests: the real app
//! on port 0 over a fresh SQLite file or PostgreSQL database, fakes of the
//! outside services, and an HTTP client.

pub mod app;
pub mod pg;
pub mod process;
pub mod webdriver;
pub mod wechat_fake;
pub mod wechatpay_fake;

pub use app::{Backend, Options, Resp, TestApp, balance};

/// Declares an async test scenario once and runs it on SQLite and PostgreSQL:
/// `both!(name);` expects `async fn name(backend: Backend)` in scope.
#[macro_export]
macro_rules! both {
    ($($name:ident),+ $(,)?) => {
        $(
            mod $name {
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite() {
                    super::$name($crate::Backend::Sqlite).await
                }
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn postgres() {
                    super::$name($crate::Backend::Postgres).await
                }
            }
        )+
    };
}
