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
        #[command(flatten)]
        month: MonthArgs,
    },
    /// Run the background worker alone, without HTTP (the same as the
    /// `tongcheng-worker` binary): beside `serve` replicas started with
    /// TONGCHENG__WORKER__EMBEDDED=false, as many as wanted; periodic jobs
    /// still run once per period and a dead worker's job is taken over
    /// after its lease.
    Worker,
    /// Apply pending database migrations and exit.
    Migrate,
    /// Copy the SQLite database, while the server runs, into a new FILE
    /// (one consistent snapshot). PostgreSQL: use pg_dump.
    Backup {
        /// The new file.
        file: PathBuf,
    },
    /// Put a backup in place of the SQLite database. An existing database
    /// is replaced only with --force (stop the server first).
    Restore {
        /// The backup.
        file: PathBuf,
        /// Replace an existing database.
        #[arg(long)]
        force: bool,
    },
    /// Import a county's data from a CSV file, all or nothing.
    #[command(subcommand)]
    Import(ImportCommand),
    /// Check the configuration and its environment without serving:
    /// secrets, key files, the database and its schema, the media
    /// directory, https callbacks. Exits 1 when anything is wrong.
    Check {
        /// Check it as `serve --demo` would run.
        #[arg(long)]
        demo: bool,
    },
    /// Seed (or complete) the Kang county demo; running it twice changes nothing.
    SeedDemo {
        #[command(flatten)]
        month: MonthArgs,
    },
    /// Open a county platform, or list them.
    #[command(subcommand)]
    Platform(PlatformCommand),
    /// Manage operators' password sign-ins.
    #[command(subcommand)]
    Operator(OperatorCommand),
    /// Manage host administrators: the company that runs many counties
    /// (they open counties over HTTP, audited). Only this command makes one.
    #[command(subcommand)]
    HostAdmin(HostAdminCommand),
    /// A county's own WeChat mini-program (its secret sealed with
    /// TONGCHENG__SECRETS__KEY); counties without one use [wechat].
    #[command(subcommand)]
    MiniProgram(MiniProgramCommand),
    /// A county's own WeChat Pay merchant, direct or partner mode (its
    /// keys sealed with TONGCHENG__SECRETS__KEY); counties without one use
    /// [wechatpay].
    #[command(subcommand)]
    Wechatpay(WechatpayCommand),
}

// Parsed once per run: the size of the `Set` variant costs nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Subcommand)]
enum WechatpayCommand {
    /// Give a county its own WeChat Pay merchant, or change it; the APIv3
    /// key is read from the first line of standard input. The same again
    /// changes nothing.
    Set {
        /// The platform's code.
        #[arg(long)]
        platform: String,
        /// `direct` (the county sells) or `partner` (a service provider
        /// whose kitchens are sub-merchants).
        #[arg(long)]
        mode: String,
        /// The merchant number (the service provider's in partner mode).
        #[arg(long)]
        mchid: String,
        /// The mini-program appid payments are made for.
        #[arg(long)]
        appid: String,
        /// The merchant API certificate's serial number.
        #[arg(long)]
        serial: String,
        /// The merchant API private key file (PKCS#8 PEM).
        #[arg(long)]
        merchant_key_file: std::path::PathBuf,
        /// The WeChat Pay public key's id (PUB_KEY_ID_…).
        #[arg(long)]
        platform_key_id: String,
        /// The WeChat Pay public key file (PEM).
        #[arg(long)]
        platform_key_file: std::path::PathBuf,
        /// Where WeChat Pay sends this county's notifications (https).
        #[arg(long)]
        notify_base: String,
        /// What profit sharing may split off a payment, in percent.
        #[arg(long, default_value_t = 30)]
        sharing_max_percent: i32,
        /// Partner mode: the service provider's registered name (its
        /// profit-sharing receiver name).
        #[arg(long, default_value = "")]
        receiver_name: String,
        /// Hours after delivery before an order is shared (the refund
        /// window).
        #[arg(long, default_value_t = 24)]
        refund_window_hours: i32,
    },
    /// List the counties' own WeChat Pay merchants and whether their keys
    /// open.
    List,
}

#[derive(Debug, Subcommand)]
enum MiniProgramCommand {
    /// Give a county its own mini-program, or change it; the AppSecret is
    /// read from the first line of standard input. The same again changes
    /// nothing.
    Set {
        /// The platform's code.
        #[arg(long)]
        platform: String,
        /// The mini-program's appid (wx and 16 hex digits).
        #[arg(long)]
        appid: String,
        /// A subscription template: EVENT=TEMPLATE_ID (events: order_paid,
        /// order_accepted, out_for_delivery, at_agent_point, delivered,
        /// refunded). Repeat for each.
        #[arg(long = "template", value_name = "EVENT=ID")]
        templates: Vec<String>,
    },
    /// List the counties' own mini-programs and whether their secrets open.
    List,
}

#[derive(Debug, Subcommand)]
enum ImportCommand {
    /// City communities, one a line (columns: name, lat, lng, radius_m;
    /// see docs/samples/communities.csv).
    Communities(ImportArgs),
    /// Villages and their agent points, a line per point (columns:
    /// township, village, village_lat, village_lng, agent_point,
    /// keeper_name, phone, lat, lng, opening_hours; see
    /// docs/samples/villages.csv).
    Villages(ImportArgs),
    /// Routes and their stops, a line per stop in visiting order (columns:
    /// route, hub_name, hub_lat, hub_lng, township, village, agent_point;
    /// see docs/samples/routes.csv). Import the villages first.
    Routes(ImportArgs),
    /// A store's menu, a line per SKU (columns: category, product, unit,
    /// cold_chain, weight_g, sku, price [yuan], stock [empty: unlimited],
    /// and optionally description, origin; see docs/samples/menu.csv). New
    /// products are drafts for the kitchen to submit for review.
    Menu {
        #[command(flatten)]
        args: ImportArgs,
        /// The store's id.
        #[arg(long)]
        store: i64,
    },
}

/// What every import takes. Nothing is written unless every line is good;
/// the same file again changes nothing.
#[derive(Debug, clap::Args)]
struct ImportArgs {
    /// The CSV file.
    file: PathBuf,
    /// The platform's code.
    #[arg(long)]
    platform: String,
    /// Check every line and say what would change; write nothing.
    #[arg(long)]
    dry_run: bool,
}

#[derive(Debug, Subcommand)]
enum HostAdminCommand {
    /// Add a host administrator.
    Add {
        /// 3-32 of a-z, 0-9, '.', '_' and '-'.
        #[arg(long)]
        username: String,
        /// Read the password from standard input (else one is printed once).
        #[arg(long)]
        password_stdin: bool,
    },
}

#[derive(Debug, Subcommand)]
enum PlatformCommand {
    /// Create a county platform and its first operator. Asked again for
    /// the same county, it changes nothing; a code taken by another county
    /// is refused.
    Create {
        /// Short stable code: 2-32 of a-z, 0-9 and -, e.g. `kang`.
        #[arg(long)]
        code: String,
        /// The platform's name, e.g. 康县同城.
        #[arg(long)]
        name: String,
        /// Where it is, e.g. 甘肃省陇南市康县.
        #[arg(long)]
        region: String,
        /// Local time: +08:00 (China), or minutes east of UTC.
        #[arg(long, default_value = "+08:00", allow_hyphen_values = true)]
        utc_offset: String,
        /// The county seat: latitude,longitude in degrees.
        #[arg(long, value_name = "LAT,LNG", allow_hyphen_values = true)]
        centre: String,
        /// The first operator's username (default: <code>-admin).
        #[arg(long)]
        operator: Option<String>,
        /// Read the operator's password from the first line of standard
        /// input instead of making one up and printing it once.
        #[arg(long)]
        password_stdin: bool,
    },
    /// List the platforms.
    List,
}

#[derive(Debug, Subcommand)]
enum OperatorCommand {
    /// Add an operator to a platform.
    Add {
        /// The platform's code.
        #[arg(long)]
        platform: String,
        /// 3-32 of a-z, 0-9, '.', '_' and '-'; unique across platforms.
        #[arg(long)]
        username: String,
        /// The name shown in the console (default: the username).
        #[arg(long)]
        name: Option<String>,
        /// Read the password from standard input (else one is printed once).
        #[arg(long)]
        password_stdin: bool,
    },
    /// Set an operator's password and end their open sessions.
    ResetPassword {
        /// The operator's username.
        #[arg(long)]
        username: String,
        /// Read the password from standard input (else one is printed once).
        #[arg(long)]
        password_stdin: bool,
    },
}

/// The made-up past of a new demo county.
#[derive(Debug, Clone, Copy, clap::Args)]
struct MonthArgs {
    /// Days of past business to make up for a new demo county (orders,
    /// trips, refunds, settlements, payouts); 0 for none.
    #[arg(long, value_name = "N", default_value_t = 30)]
    demo_days: u32,
    /// The seed of that past: the same seed gives the same month.
    #[arg(long, value_name = "N", default_value_t = api::demo_month::DEFAULT_SEED)]
    demo_seed: u64,
}

impl MonthArgs {
    fn options(self) -> Option<api::demo_month::MonthOptions> {
        (self.demo_days > 0).then_some(api::demo_month::MonthOptions {
            seed: self.demo_seed,
            days: self.demo_days.min(90),
        })
    }
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
    if let Some(m) = &report.month {
        println!(
            "  the past {} days: {} orders ({} delivered in town, {} collected in villages, \
             {} refused, {} left unpaid), {} village trips, {} cold-chain batches ({} out of range), \
             {} payouts; made in {} ms",
            m.days,
            m.orders,
            m.city_delivered,
            m.village_collected,
            m.refused,
            m.cancelled_unpaid,
            m.trips,
            m.cold_batches,
            m.cold_breaches,
            m.payouts,
            m.elapsed_ms
        );
        println!("  residents sign in as demo:res-chen, demo:res-yang, ... (see docs)");
    }
}

#[actix_web::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let settings = match Settings::load(Path::new("config"), cli.config.as_deref()) {
        Ok(s) => s,
        Err(e) if matches!(cli.command, Some(Command::Check { .. })) => {
            // The doctor reports a configuration that does not load like
            // any other problem: the message names the key.
            println!("PROBLEM  {e}");
            println!("1 problems found");
            return ExitCode::FAILURE;
        }
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    telemetry::init(&settings.log);
    let command = cli.command.unwrap_or(Command::Serve {
        demo: false,
        month: MonthArgs {
            demo_days: 0,
            demo_seed: api::demo_month::DEFAULT_SEED,
        },
    });
    match command {
        Command::Serve { demo, month } => serve(settings, demo, month.options()).await,
        Command::Worker => {
            println!("Tongcheng worker running");
            worker::standalone::run(&settings).await
        }
        Command::Migrate => {
            let result = async {
                let db = entity::runtime::database::connect_migrated(&settings.database).await?;
                db.close().await
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
        Command::Backup { file } => {
            match api::backup::backup(&settings.database.url, &file).await {
                Ok(bytes) => {
                    println!("backed up to {} ({bytes} bytes)", file.display());
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("error: {e}");
                    ExitCode::FAILURE
                }
            }
        }
        Command::Restore { file, force } => {
            match api::backup::restore(&settings.database.url, &file, force).await {
                Ok(to) => {
                    println!("restored {} to {}", file.display(), to.display());
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("error: {e}");
                    ExitCode::FAILURE
                }
            }
        }
        Command::Import(command) => import(&settings, command).await,
        Command::Check { demo } => {
            let report = api::doctor::check(&settings, demo).await;
            for line in &report.passed {
                println!("ok       {line}");
            }
            for p in &report.problems {
                println!("PROBLEM  {}: {}", p.key, p.message);
            }
            if report.problems.is_empty() {
                println!("no problems found");
                ExitCode::SUCCESS
            } else {
                println!("{} problems found", report.problems.len());
                ExitCode::FAILURE
            }
        }
        Command::Platform(command) => provision(&settings, Provision::Platform(command)).await,
        Command::Operator(command) => provision(&settings, Provision::Operator(command)).await,
        Command::HostAdmin(command) => provision(&settings, Provision::HostAdmin(command)).await,
        Command::MiniProgram(command) => {
            provision(&settings, Provision::MiniProgram(command)).await
        }
        Command::Wechatpay(command) => provision(&settings, Provision::Wechatpay(command)).await,
        Command::SeedDemo { month } => {
            let result = async {
                let db = entity::runtime::database::connect_migrated(&settings.database)
                    .await
                    .map_err(|e| e.to_string())?;
                let now = chrono::Utc::now();
                let mut report = demo::seed(&db, now).await.map_err(|e| e.to_string())?;
                if let Some(m) = month.options() {
                    report.month = api::demo_month::seed_month(&db, report.platform_id, m, now)
                        .await
                        .map_err(|e| e.to_string())?;
                }
                Ok::<_, String>(report)
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

enum Provision {
    Platform(PlatformCommand),
    Operator(OperatorCommand),
    HostAdmin(HostAdminCommand),
    MiniProgram(MiniProgramCommand),
    Wechatpay(WechatpayCommand),
}

/// The password of `--password-stdin` (the first line), or one made up.
fn password(from_stdin: bool) -> std::io::Result<api::provision::Password> {
    if !from_stdin {
        return Ok(api::provision::Password::Generate);
    }
    Ok(api::provision::Password::Given(read_line()?))
}

/// The first line of standard input, without its line ending.
fn read_line() -> std::io::Result<String> {
    let mut line = String::new();
    std::io::stdin().read_line(&mut line)?;
    Ok(line.trim_end_matches(['\r', '\n']).to_owned())
}

/// `EVENT=ID` pairs into a map; a pair without `=` is refused.
fn parse_templates(
    pairs: &[String],
) -> Result<std::collections::BTreeMap<String, String>, api::provision::ProvisionError> {
    pairs
        .iter()
        .map(|pair| {
            pair.split_once('=')
                .map(|(e, id)| (e.trim().to_owned(), id.trim().to_owned()))
                .ok_or_else(|| {
                    entity::error::DomainError::invalid(
                        "templates",
                        format!("{pair:?}: write EVENT=TEMPLATE_ID"),
                    )
                    .into()
                })
        })
        .collect()
}

/// Runs a provisioning command on a migrated database: 0 when done, 1 when
/// refused (the reason names the field or the conflict).
async fn provision(settings: &Settings, command: Provision) -> ExitCode {
    match provision_lines(settings, command).await {
        Ok(lines) => {
            for line in lines {
                println!("{line}");
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn provision_lines(
    settings: &Settings,
    command: Provision,
) -> Result<Vec<String>, api::provision::ProvisionError> {
    use api::provision::{self as p, ProvisionError};
    use entity::platform_end::mini_programs::{Change, Credentials};
    use entity::platform_end::provisioning::{self, NewCounty};
    let db = entity::runtime::database::connect_migrated(&settings.database).await?;
    let now = chrono::Utc::now();
    // Hash before the transaction: argon2 is deliberately slow.
    let hashed = |from_stdin: bool| -> Result<p::Hashed, ProvisionError> {
        let pw = password(from_stdin).map_err(|e| ProvisionError::Password(e.to_string()))?;
        p::hash_password(&pw)
    };
    let key = settings.secrets.key()?;
    match command {
        Provision::Platform(PlatformCommand::List) => return p::platform_lines(&db).await,
        Provision::MiniProgram(MiniProgramCommand::List) => {
            return p::mini_program_lines(&db, key.as_ref()).await;
        }
        Provision::Wechatpay(WechatpayCommand::List) => {
            return p::payment_account_lines(&db, key.as_ref()).await;
        }
        _ => {}
    }
    let txn = entity::tx::begin_write(&db).await?;
    let lines = match command {
        Provision::Platform(PlatformCommand::List)
        | Provision::MiniProgram(MiniProgramCommand::List)
        | Provision::Wechatpay(WechatpayCommand::List) => Vec::new(),
        Provision::Wechatpay(WechatpayCommand::Set {
            platform,
            mode,
            mchid,
            appid,
            serial,
            merchant_key_file,
            platform_key_id,
            platform_key_file,
            notify_base,
            sharing_max_percent,
            receiver_name,
            refund_window_hours,
        }) => {
            let read = |path: &std::path::Path, field: &'static str| {
                std::fs::read_to_string(path).map_err(|e| {
                    ProvisionError::from(entity::error::DomainError::invalid(
                        field,
                        format!("{}: {e}", path.display()),
                    ))
                })
            };
            let account = entity::platform_end::payment_accounts::Account {
                mode,
                mchid,
                appid,
                merchant_serial: serial,
                merchant_key_pem: read(&merchant_key_file, "merchant_key_file")?,
                platform_key_id,
                platform_public_key_pem: read(&platform_key_file, "platform_key_file")?,
                apiv3_key: read_line().map_err(|e| ProvisionError::Password(e.to_string()))?,
                notify_base_url: notify_base,
                sharing_max_bp: sharing_max_percent.saturating_mul(100),
                receiver_name,
                refund_window_minutes: refund_window_hours.saturating_mul(60),
            };
            let (p, change) =
                p::set_payment_account(&txn, key.as_ref(), &platform, &account, now).await?;
            vec![format!(
                "WeChat Pay merchant {} ({}) of {}: {}",
                account.mchid.trim(),
                account.mode.trim(),
                p.code,
                match change {
                    Change::Created => "set",
                    Change::Updated => "changed",
                    Change::Unchanged => "unchanged (exactly as given)",
                }
            )]
        }
        Provision::MiniProgram(MiniProgramCommand::Set {
            platform,
            appid,
            templates,
        }) => {
            let creds = Credentials {
                appid,
                secret: read_line().map_err(|e| ProvisionError::Password(e.to_string()))?,
                templates: parse_templates(&templates)?,
            };
            let (p, change) = p::set_mini_program(
                &txn,
                key.as_ref(),
                settings.wechat.appid.as_deref(),
                &platform,
                &creds,
                now,
            )
            .await?;
            vec![format!(
                "mini-program {} of {}: {}",
                creds.appid.trim(),
                p.code,
                match change {
                    Change::Created => "set",
                    Change::Updated => "changed",
                    Change::Unchanged => "unchanged (exactly as given)",
                }
            )]
        }
        Provision::Platform(PlatformCommand::Create {
            code,
            name,
            region,
            utc_offset,
            centre,
            operator,
            password_stdin,
        }) => {
            let county = NewCounty {
                code,
                name,
                region,
                utc_offset_minutes: provisioning::parse_utc_offset(&utc_offset)?,
                centre: provisioning::parse_centre(&centre)?,
            }
            .checked()?;
            let pw = hashed(password_stdin)?;
            p::open_county(&txn, &county, operator.as_deref(), &pw, now)
                .await?
                .lines()
        }
        Provision::Operator(OperatorCommand::Add {
            platform,
            username,
            name,
            password_stdin,
        }) => {
            let pw = hashed(password_stdin)?;
            let (p, a) =
                p::add_operator(&txn, &platform, &username, name.as_deref(), &pw, now).await?;
            vec![match pw.generated() {
                Some(plain) => format!(
                    "operator {} added to {}: password {plain}  (shown once; keep it)",
                    a.username, p.code
                ),
                None => format!(
                    "operator {} added to {} (password as given)",
                    a.username, p.code
                ),
            }]
        }
        Provision::Operator(OperatorCommand::ResetPassword {
            username,
            password_stdin,
        }) => {
            let pw = hashed(password_stdin)?;
            let (a, ended) = p::reset_password(&txn, &username, &pw, now).await?;
            vec![
                match pw.generated() {
                    Some(plain) => format!(
                        "password of {} set to {plain}  (shown once; keep it)",
                        a.username
                    ),
                    None => format!("password of {} set (as given)", a.username),
                },
                format!("{ended} open sessions ended"),
            ]
        }
        Provision::HostAdmin(HostAdminCommand::Add {
            username,
            password_stdin,
        }) => {
            let pw = hashed(password_stdin)?;
            let a = provisioning::add_host_admin(&txn, &username, pw.phc(), now).await?;
            vec![match pw.generated() {
                Some(plain) => format!(
                    "host administrator {} added: password {plain}  (shown once; keep it)",
                    a.username
                ),
                None => format!(
                    "host administrator {} added (password as given)",
                    a.username
                ),
            }]
        }
    };
    txn.commit().await?;
    Ok(lines)
}

/// `tongcheng import …`: 0 when imported (or, dry, importable), 1 with
/// every bad line listed.
async fn import(settings: &Settings, command: ImportCommand) -> ExitCode {
    use api::import::Kind;
    let (args, kind) = match command {
        ImportCommand::Communities(args) => (args, Kind::Communities),
        ImportCommand::Villages(args) => (args, Kind::Villages),
        ImportCommand::Routes(args) => (args, Kind::Routes),
        ImportCommand::Menu { args, store } => (args, Kind::Menu { store_id: store }),
    };
    let bytes = match std::fs::read(&args.file) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("error: {}: {e}", args.file.display());
            return ExitCode::FAILURE;
        }
    };
    let result = async {
        let db = entity::runtime::database::connect_migrated(&settings.database)
            .await
            .map_err(|e| e.to_string())?;
        let platform = entity::platform_end::provisioning::platform_by_code(&db, &args.platform)
            .await
            .map_err(|e| e.to_string())?;
        let now = chrono::Utc::now();
        Ok::<_, String>(api::import::run(&db, platform.id, kind, &bytes, args.dry_run, now).await)
    }
    .await;
    match result {
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
        Ok(Ok(r)) => {
            let verb = if args.dry_run {
                "would import"
            } else {
                "imported"
            };
            println!("{verb} {}", api::import::summary(&r));
            ExitCode::SUCCESS
        }
        Ok(Err(api::import::ImportFailed::BadLines(errors))) => {
            for e in &errors {
                let field = if e.field.is_empty() {
                    String::new()
                } else {
                    format!(" {}:", e.field)
                };
                eprintln!("line {}:{field} {}", e.line, e.message);
            }
            eprintln!("error: {} bad lines; nothing was written", errors.len());
            ExitCode::FAILURE
        }
        Ok(Err(e)) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn serve(
    settings: Settings,
    demo: bool,
    month: Option<api::demo_month::MonthOptions>,
) -> ExitCode {
    let bind = settings.http.bind.clone();
    let options = BuildOptions {
        demo,
        clock: Arc::new(SystemClock),
        handle_signals: true,
        demo_month: month,
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
