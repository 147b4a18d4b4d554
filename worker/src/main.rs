//! `tongcheng-worker`: runs Tongcheng's background work without the HTTP API.

use std::path::PathBuf;
use std::sync::Arc;

use entity::clock::SystemClock;
use entity::runtime::{Settings, database, telemetry};
use worker::jobs::Worker;

fn usage() -> &'static str {
    "tongcheng-worker [--config FILE]\n\n\
     Runs Tongcheng's background jobs (timeouts, dispatch, trip planning,\n\
     settlement, notifications, housekeeping) against the configured\n\
     database. Run any number of them beside `tongcheng serve` with\n\
     TONGCHENG__WORKER__EMBEDDED=false; periodic jobs stay singletons.\n\
     Configuration: config/default.toml < --config FILE < TONGCHENG__SECTION__KEY."
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let mut args = std::env::args().skip(1);
    let mut config: Option<PathBuf> = None;
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--config" => config = args.next().map(PathBuf::from),
            "-h" | "--help" => {
                println!("{}", usage());
                return std::process::ExitCode::SUCCESS;
            }
            other => {
                eprintln!("unknown argument {other:?}\n\n{}", usage());
                return std::process::ExitCode::from(2);
            }
        }
    }
    let settings = match Settings::load(std::path::Path::new("config"), config.as_deref()) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("{e}");
            return std::process::ExitCode::from(2);
        }
    };
    telemetry::init(&settings.log);
    let conn = match database::connect_migrated(&settings.database).await {
        Ok(c) => c,
        Err(e) => {
            tracing::error!(error = %e, "cannot open or migrate the database");
            return std::process::ExitCode::FAILURE;
        }
    };
    let (tx, rx) = tokio::sync::watch::channel(false);
    let worker = Worker::new(conn, Arc::new(SystemClock), &settings);
    let handle = tokio::spawn(worker.run(rx));
    shutdown_signal().await;
    tracing::info!("shutting down at the next safe point");
    let _ = tx.send(true);
    let _ = handle.await;
    std::process::ExitCode::SUCCESS
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
