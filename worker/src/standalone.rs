//! The worker as a process of its own (`tongcheng-worker`, or
//! `tongcheng worker`): open and migrate the database, run every job until
//! SIGTERM or Ctrl-C, then stop at the next safe point.

use std::process::ExitCode;
use std::sync::Arc;

use entity::clock::SystemClock;
use entity::runtime::{Settings, database};

use crate::jobs::Worker;

/// Runs the worker until a shutdown signal; non-zero when the database
/// cannot be opened.
pub async fn run(settings: &Settings) -> ExitCode {
    let conn = match database::connect_migrated(&settings.database).await {
        Ok(c) => c,
        Err(e) => {
            tracing::error!(error = %e, "cannot open or migrate the database");
            return ExitCode::FAILURE;
        }
    };
    let (tx, rx) = tokio::sync::watch::channel(false);
    let worker = Worker::new(conn, Arc::new(SystemClock), settings);
    let handle = tokio::spawn(worker.run(rx));
    shutdown_signal().await;
    tracing::info!("shutting down at the next safe point");
    let _ = tx.send(true);
    let _ = handle.await;
    ExitCode::SUCCESS
}

async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(s) => s,
                Err(_) => {
                    let _ = ctrl_c.await;
                    return;
                }
            };
        tokio::select! {
            _ = ctrl_c => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = ctrl_c.await;
    }
}
