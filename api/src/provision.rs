//! Provisioning, shared by the command line (`tongcheng platform …`,
//! `tongcheng operator …`) and the host administrators' routes: a county
//! with its first operator, more operators, password resets. The caller
//! owns the transaction; the rules are in
//! [`entity::platform_end::provisioning`].

use chrono::{DateTime, Utc};
use entity::error::DomainError;
use entity::platform_end::provisioning::{self, NewCounty, Outcome};
use entity::{operator_account, platform};
use sea_orm::DatabaseTransaction;

use crate::auth::password;
use crate::error::ApiError;

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
}

impl From<ProvisionError> for ApiError {
    fn from(e: ProvisionError) -> Self {
        match e {
            ProvisionError::Refused(d) => d.into(),
            ProvisionError::Database(d) => d.into(),
            ProvisionError::Password(m) => ApiError::internal(m),
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
