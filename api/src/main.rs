//! `tongcheng`: the Tongcheng platform server and its maintenance commands.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use api::{Application, BuildOptions, demo};
use clap::{Parser, Subcommand};
use entity::clock::SystemClock;
use entity::runtime::{Settings, telemetry};

/// Tongcheng (同城): a same-city delivery platform for a county.
///
/// Configuration, later wins: built-in defaults < config/default.toml <
/// --config FILE < environment TONGCHENG__SECTION__KEY (for example
/// TONGCHENG__DATABASE__URL=postgres://... or TONGCHENG__HTTP__BIND=0.0.0.0:8080).
#[derive(Debug, Parser)]
#[command(name = "tongcheng", version)]
struct Cli {
    /// A TOML file layered over config/default.toml.
    #[arg(long, global = true, value_name = "FILE")]
    config: Option<PathBuf>,

    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Migrate the database, then serve the HTTP API with the worker
    /// in-process (unless TONGCHENG__WORKER__EMBEDDED=false). The default.
    Serve {
        /// Demo mode: seed the Kang county demo if the database is empty,
        /// allow `demo:<name>` logins when no WeChat appid is configured, and
        /// make up a JWT secret when none is set. Never on a public server.
        #[arg(long)]
        demo: bool,
    },
    /// Apply pending database migrations and exit.
    Migrate,
    /// Seed (or complete) the Kang county demo; running it twice changes nothing.
    SeedDemo,
}

fn print_seed(report: &demo::SeedReport) {
    println!("Demo county ready (platform id {}).", report.platform_id);
    match &report.operator_password {
        Some(pw) => println!(
            "  operator login: username {}  password {pw}  (shown once; keep it)",
            report.operator_username
        ),
        None => println!(
            "  operator login: username {} (password unchanged since it was first printed)",
            report.operator_username
        ),
    }
    if let Some(pw) = &report.kitchen_password {
        println!(
            "  kitchen console login (/console): username {}  password {pw}  (shown once)",
            report.kitchen_username
        );
    }
    for (code, who) in &report.demo_logins {
        println!("  demo WeChat login code {code:<18} {who}");
    }
}

#[actix_web::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let settings = match Settings::load(Path::new("config"), cli.config.as_deref()) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    telemetry::init(&settings.log);
    let command = cli.command.unwrap_or(Command::Serve { demo: false });
    match command {
        Command::Serve { demo } => serve(settings, demo).await,
        Command::Migrate => {
            let result = async {
                let db = entity::runtime::database::connect(&settings.database).await?;
                entity::runtime::database::migrate(&db).await
            }
            .await;
            match result {
                Ok(()) => {
                    println!("migrations applied");
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("migration failed: {e}");
                    ExitCode::FAILURE
                }
            }
        }
        Command::SeedDemo => {
            let result = async {
                let db = entity::runtime::database::connect(&settings.database).await?;
                entity::runtime::database::migrate(&db).await?;
                demo::seed(&db, chrono::Utc::now()).await
            }
            .await;
            match result {
                Ok(report) => {
                    print_seed(&report);
                    println!("  rows inserted: {}", report.inserted);
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("seeding failed: {e}");
                    ExitCode::FAILURE
                }
            }
        }
    }
}

async fn serve(settings: Settings, demo: bool) -> ExitCode {
    let bind = settings.http.bind.clone();
    let options = BuildOptions {
        demo,
        clock: Arc::new(SystemClock),
        handle_signals: true,
    };
    let app = match Application::build(settings, options).await {
        Ok(app) => app,
        Err(e) => {
            eprintln!("tongcheng cannot start: {e}");
            return ExitCode::FAILURE;
        }
    };
    if let Some(report) = app.seed_report() {
        print_seed(report);
    }
    let host = bind.rsplit_once(':').map(|(h, _)| h).unwrap_or("127.0.0.1");
    println!(
        "Tongcheng serving on http://{host}:{}  (console: /console, API docs: /docs)",
        app.port()
    );
    match app.run_until_stopped().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("server error: {e}");
            ExitCode::FAILURE
        }
    }
}
