//! Provisioning, shared by the command line (`tongcheng platform …`,
//! `tongcheng operator …`) and the host administrators' routes: a county
//! with its first operator, more operators, password resets, its own
//! mini-program. The caller
//! owns the transaction; the rules are in
//! [`entity::platform_end::provisioning`].

use chrono::{DateTime, Utc};
use entity::error::DomainError;
use entity::platform_end::mini_programs::{self, Change, Credentials, StoreError};
use entity::platform_end::provisioning::{self, NewCounty, Outcome};
use entity::secrets::{SecretError, SecretKey};
use entity::{mini_program, operator_account, platform};
use sea_orm::DatabaseTransaction;

use crate::auth::password;
use crate::error::{ApiError, ErrorCode};

/// Where an operator's password comes from.
#[derive(Debug, Clone)]
pub enum Password {
    /// Given (standard input, or the request); at least 10 characters.
    Given(String),
    /// Made up here, and shown once.
    Generate,
}

/// Why provisioning refused.
#[derive(Debug, thiserror::Error)]
pub enum ProvisionError {
    /// Bad input or a conflict, in the domain's words.
    #[error("{0}")]
    Refused(#[from] DomainError),
    /// The database failed.
    #[error("database: {0}")]
    Database(#[from] sea_orm::DbErr),
    /// The password could not be read or hashed.
    #[error("password: {0}")]
    Password(String),
    /// A secret could not be sealed or opened (the secrets key).
    #[error("{0}")]
    Secret(#[from] SecretError),
}

impl From<StoreError> for ProvisionError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Domain(d) => d.into(),
            StoreError::Secret(s) => s.into(),
        }
    }
}

impl From<ProvisionError> for ApiError {
    fn from(e: ProvisionError) -> Self {
        match e {
            ProvisionError::Refused(d) => d.into(),
            ProvisionError::Database(d) => d.into(),
            ProvisionError::Password(m) => ApiError::internal(m),
            ProvisionError::Secret(s) => {
                ApiError::new(ErrorCode::MINI_PROGRAM_UNAVAILABLE, s.to_string())
            }
        }
    }
}

/// The shortest password an operator may be given.
pub const MIN_PASSWORD_CHARS: usize = 10;

/// A password ready to store: its hash, and the plain text when it was
/// made up here (to show once).
#[derive(Debug, Clone)]
pub struct Hashed {
    phc: String,
    generated: Option<String>,
}

/// Checks and hashes a password (slow: argon2; keep it off async threads
/// and out of transactions).
pub fn hash_password(pw: &Password) -> Result<Hashed, ProvisionError> {
    let (plain, generated) = match pw {
        Password::Given(s) => {
            if s.chars().count() < MIN_PASSWORD_CHARS {
                return Err(DomainError::invalid(
                    "password",
                    format!("must be at least {MIN_PASSWORD_CHARS} characters"),
                )
                .into());
            }
            (s.clone(), None)
        }
        Password::Generate => {
            let p = password::generate();
            (p.clone(), Some(p))
        }
    };
    let phc = password::hash(&plain).map_err(|e| ProvisionError::Password(e.to_string()))?;
    Ok(Hashed { phc, generated })
}

/// A county opened (or found opened as asked).
#[derive(Debug, Clone)]
pub struct Opened {
    /// The platform.
    pub platform: platform::Model,
    /// Whether it was made now.
    pub outcome: Outcome,
    /// The first operator's username.
    pub operator: String,
    /// Whether the operator was made now (else it existed; password unchanged).
    pub operator_created: bool,
    /// The operator's password, when it was made up here.
    pub password: Option<String>,
}

impl Opened {
    /// What the command line prints.
    pub fn lines(&self) -> Vec<String> {
        let p = &self.platform;
        let mut lines = vec![match self.outcome {
            Outcome::Created => format!(
                "platform {} created (id {}): {}, {}",
                p.code, p.id, p.name, p.region
            ),
            Outcome::Unchanged => format!(
                "platform {} exists as asked (id {}); unchanged",
                p.code, p.id
            ),
        }];
        let u = &self.operator;
        lines.push(match (self.operator_created, &self.password) {
            (false, _) => format!(
                "operator {u} exists; password unchanged (reset it with `tongcheng operator reset-password`)"
            ),
            (true, Some(pw)) => {
                format!("operator login: username {u}  password {pw}  (shown once; keep it)")
            }
            (true, None) => format!("operator login: username {u}  (password as given)"),
        });
        lines
    }
}

/// Opens a county and its first operator (default `<code>-admin`).
pub async fn open_county(
    txn: &DatabaseTransaction,
    county: &NewCounty,
    operator: Option<&str>,
    pw: &Hashed,
    now: DateTime<Utc>,
) -> Result<Opened, ProvisionError> {
    let county = county.checked()?;
    let username = operator
        .map(str::to_owned)
        .unwrap_or_else(|| format!("{}-admin", county.code));
    let (platform, outcome) = provisioning::create_platform(txn, &county, now).await?;
    let operator_created = match provisioning::operator(txn, &username).await? {
        Some(existing) if existing.platform_id == platform.id => false,
        Some(_) => {
            return Err(DomainError::Duplicate(format!(
                "the username `{username}` belongs to another platform; choose another operator"
            ))
            .into());
        }
        None => {
            let display = format!("{}运营", platform.name);
            provisioning::add_operator(txn, platform.id, &username, &display, &pw.phc, now).await?;
            true
        }
    };
    Ok(Opened {
        platform,
        outcome,
        operator: username,
        password: pw.generated.clone().filter(|_| operator_created),
        operator_created,
    })
}

/// Adds an operator to the platform with `code`.
pub async fn add_operator(
    txn: &DatabaseTransaction,
    code: &str,
    username: &str,
    display_name: Option<&str>,
    pw: &Hashed,
    now: DateTime<Utc>,
) -> Result<(platform::Model, operator_account::Model), ProvisionError> {
    let p = provisioning::platform_by_code(txn, code).await?;
    let a = provisioning::add_operator(
        txn,
        p.id,
        username,
        display_name.unwrap_or(username),
        &pw.phc,
        now,
    )
    .await?;
    Ok((p, a))
}

/// Sets an operator's password and ends their open sessions; the account
/// and how many sessions ended.
pub async fn reset_password(
    txn: &DatabaseTransaction,
    username: &str,
    pw: &Hashed,
    now: DateTime<Utc>,
) -> Result<(operator_account::Model, u64), ProvisionError> {
    Ok(provisioning::reset_password(txn, username, &pw.phc, now).await?)
}

impl Hashed {
    /// The password made up here, to show once (none when it was given).
    pub fn generated(&self) -> Option<&str> {
        self.generated.as_deref()
    }

    /// The PHC string to store.
    pub fn phc(&self) -> &str {
        &self.phc
    }
}

/// The platforms, one line each, for the command line.
pub async fn platform_lines(
    db: &impl sea_orm::ConnectionTrait,
) -> Result<Vec<String>, ProvisionError> {
    let mut lines = vec![format!(
        "{:<4} {:<16} {:<20} {:<8} {:<20} {:>9}  region",
        "id", "code", "name", "utc", "centre", "operators"
    )];
    for (p, operators) in provisioning::platforms(db).await? {
        lines.push(format!(
            "{:<4} {:<16} {:<20} {:<8} {:<20} {:>9}  {}",
            p.id,
            p.code,
            p.name,
            utc_offset(p.utc_offset_minutes),
            format!("{:.4},{:.4}", p.center_lat, p.center_lng),
            operators,
            p.region
        ));
    }
    Ok(lines)
}

/// `+08:00` for 480 minutes.
pub fn utc_offset(minutes: i32) -> String {
    let sign = if minutes < 0 { '-' } else { '+' };
    format!("{sign}{:02}:{:02}", minutes.abs() / 60, minutes.abs() % 60)
}

/// Gives the county with `code` its own mini-program (or changes it). The
/// secret is sealed with `key`; the instance's shared `[wechat]` appid
/// cannot become one county's.
pub async fn set_mini_program(
    txn: &DatabaseTransaction,
    key: Option<&SecretKey>,
    shared_appid: Option<&str>,
    code: &str,
    creds: &Credentials,
    now: DateTime<Utc>,
) -> Result<(platform::Model, Change), ProvisionError> {
    let p = provisioning::platform_by_code(txn, code).await?;
    let creds = creds.checked()?;
    if shared_appid == Some(creds.appid.as_str()) {
        return Err(DomainError::Duplicate(format!(
            "appid {} is the instance's shared mini-program ([wechat]); a county's own needs its own appid",
            creds.appid
        ))
        .into());
    }
    let key = key.ok_or(SecretError::NoKey)?;
    let change = mini_programs::set(txn, key, p.id, &creds, now).await?;
    Ok((p, change))
}

/// The stored mini-programs, one line each (secrets never shown).
pub async fn mini_program_lines(
    db: &impl sea_orm::ConnectionTrait,
    key: Option<&SecretKey>,
) -> Result<Vec<String>, ProvisionError> {
    let mut lines = vec![format!(
        "{:<16} {:<20} {:<10} templates",
        "platform", "appid", "secret"
    )];
    let codes: std::collections::HashMap<i64, String> = provisioning::platforms(db)
        .await?
        .into_iter()
        .map(|(p, _)| (p.id, p.code))
        .collect();
    for m in mini_programs::all(db).await? {
        lines.push(format!(
            "{:<16} {:<20} {:<10} {}",
            codes.get(&m.platform_id).map_or("?", String::as_str),
            m.appid,
            secret_state(key, &m),
            mini_programs::templates_of(&m)
                .keys()
                .cloned()
                .collect::<Vec<_>>()
                .join(",")
        ));
    }
    Ok(lines)
}

/// `opens` when the stored secret opens with `key`, else why not.
pub fn secret_state(key: Option<&SecretKey>, m: &mini_program::Model) -> &'static str {
    match key.map(|k| mini_programs::open_secret(k, m)) {
        Some(Ok(_)) => "opens",
        Some(Err(_)) => "WONT-OPEN",
        None => "NO-KEY",
    }
}

/// Gives the county with `code` its own WeChat Pay merchant (or changes
/// it); the keys are sealed with `key`.
pub async fn set_payment_account(
    txn: &DatabaseTransaction,
    key: Option<&SecretKey>,
    code: &str,
    account: &entity::platform_end::payment_accounts::Account,
    now: DateTime<Utc>,
) -> Result<(platform::Model, Change), ProvisionError> {
    let p = provisioning::platform_by_code(txn, code).await?;
    account.checked()?;
    let key = key.ok_or(SecretError::NoKey)?;
    let change = entity::platform_end::payment_accounts::set(txn, key, p.id, account, now).await?;
    Ok((p, change))
}

/// The stored WeChat Pay merchants, one line each (keys never shown).
pub async fn payment_account_lines(
    db: &impl sea_orm::ConnectionTrait,
    key: Option<&SecretKey>,
) -> Result<Vec<String>, ProvisionError> {
    use entity::platform_end::payment_accounts;
    let mut lines = vec![format!(
        "{:<16} {:<8} {:<12} {:<20} {:<10} sharing limit",
        "platform", "mode", "mchid", "appid", "keys"
    )];
    let codes: std::collections::HashMap<i64, String> = provisioning::platforms(db)
        .await?
        .into_iter()
        .map(|(p, _)| (p.id, p.code))
        .collect();
    for a in payment_accounts::all(db).await? {
        let keys = match key.map(|k| payment_accounts::open(k, &a)) {
            Some(Ok(_)) => "open",
            Some(Err(_)) => "WONT-OPEN",
            None => "NO-KEY",
        };
        lines.push(format!(
            "{:<16} {:<8} {:<12} {:<20} {:<10} {}%",
            codes.get(&a.platform_id).map_or("?", String::as_str),
            a.mode,
            a.mchid,
            a.appid,
            keys,
            f64::from(a.sharing_max_bp) / 100.0
        ));
    }
    Ok(lines)
}
