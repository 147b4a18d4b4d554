//! `tongcheng-worker`: runs Tongcheng's background work without the HTTP API.

use std::path::PathBuf;

use entity::runtime::{Settings, telemetry};

fn usage() -> &'static str {
    "tongcheng-worker [--config FILE]\n\n\
     Runs Tongcheng's background jobs (timeouts, dispatch, trip planning,\n\
     settlement, notifications, housekeeping) against the configured\n\
     database. Run any number of them beside `tongcheng serve` with\n\
     TONGCHENG__WORKER__EMBEDDED=false; periodic jobs stay singletons.\n\
     The same as `tongcheng worker`.\n\
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
    worker::standalone::run(&settings).await
}
