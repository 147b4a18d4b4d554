//! The provisioning commands (`tongcheng platform …`, `tongcheng operator
//! …`): a county with its first operator, more operators, password resets.
//! Each returns the lines to print; the rules are in
//! [`entity::platform_end::provisioning`].

use chrono::{DateTime, Utc};
use entity::error::DomainError;
use entity::platform_end::provisioning::{self, NewCounty, Outcome};
use sea_orm::DatabaseConnection;

use crate::auth::password;

/// Where an operator's password comes from.
#[derive(Debug, Clone)]
pub enum Password {
    /// Given (read from standard input by the CLI); at least 10 characters.
    Given(String),
    /// Made up here and printed once.
    Generate,
}

/// Why a command refused.
#[derive(Debug, thiserror::Error)]
pub enum ProvisionError {
    /// Bad input or a conflict, in the domain's words.
    #[error("{0}")]
    Refused(#[from] DomainError),
    /// The database failed.
    #[error("database: {0}")]
    Database(#[from] sea_orm::DbErr),
    /// The password could not be hashed.
    #[error("password hashing failed: {0}")]
    Hash(String),
}

/// The shortest password an operator may be given.
pub const MIN_PASSWORD_CHARS: usize = 10;

/// The password to set, its hash, and whether to print it.
fn password_of(p: &Password) -> Result<(String, String, bool), ProvisionError> {
    let (plain, print) = match p {
        Password::Given(s) => {
            if s.chars().count() < MIN_PASSWORD_CHARS {
                return Err(DomainError::invalid(
                    "password",
                    format!("must be at least {MIN_PASSWORD_CHARS} characters"),
                )
                .into());
            }
            (s.clone(), false)
        }
        Password::Generate => (password::generate(), true),
    };
    let phc = password::hash(&plain).map_err(|e| ProvisionError::Hash(e.to_string()))?;
    Ok((plain, phc, print))
}

/// Creates a county and its first operator, in one transaction. Asked
/// again for the same county and operator, it changes nothing and says so.
pub async fn create_platform(
    db: &DatabaseConnection,
    county: &NewCounty,
    operator: Option<&str>,
    pw: &Password,
    now: DateTime<Utc>,
) -> Result<Vec<String>, ProvisionError> {
    let county = county.checked()?;
    let username = operator
        .map(str::to_owned)
        .unwrap_or_else(|| format!("{}-admin", county.code));
    // Hash before the transaction: argon2 is deliberately slow.
    let (plain, phc, print) = password_of(pw)?;
    let txn = entity::tx::begin_write(db).await?;
    let (p, outcome) = provisioning::create_platform(&txn, &county, now).await?;
    let mut lines = vec![match outcome {
        Outcome::Created => format!(
            "platform {} created (id {}): {}, {}",
            p.code, p.id, p.name, p.region
        ),
        Outcome::Unchanged => format!(
            "platform {} exists as asked (id {}); unchanged",
            p.code, p.id
        ),
    }];
    match provisioning::operator(&txn, &username).await? {
        Some(existing) if existing.platform_id == p.id => {
            lines.push(format!("operator {username} exists; password unchanged (reset it with `tongcheng operator reset-password`)"));
        }
        Some(_) => {
            return Err(DomainError::Duplicate(format!(
                "the username `{username}` belongs to another platform; pass --operator with another"
            ))
            .into());
        }
        None => {
            let display = format!("{}运营", p.name);
            provisioning::add_operator(&txn, p.id, &username, &display, &phc, now).await?;
            lines.push(if print {
                format!(
                    "operator login: username {username}  password {plain}  (shown once; keep it)"
                )
            } else {
                format!("operator login: username {username}  (password as given)")
            });
        }
    }
    txn.commit().await?;
    Ok(lines)
}

/// The platforms, one line each.
pub async fn list_platforms(db: &DatabaseConnection) -> Result<Vec<String>, ProvisionError> {
    let mut lines = vec![format!(
        "{:<4} {:<16} {:<20} {:<8} {:<20} {:>9}  region",
        "id", "code", "name", "utc", "centre", "operators"
    )];
    for (p, operators) in provisioning::platforms(db).await? {
        let offset = p.utc_offset_minutes;
        let sign = if offset < 0 { '-' } else { '+' };
        lines.push(format!(
            "{:<4} {:<16} {:<20} {sign}{:02}:{:02}   {:<20} {:>9}  {}",
            p.id,
            p.code,
            p.name,
            offset.abs() / 60,
            offset.abs() % 60,
            format!("{:.4},{:.4}", p.center_lat, p.center_lng),
            operators,
            p.region
        ));
    }
    Ok(lines)
}

/// Adds an operator to the platform with `code`.
pub async fn add_operator(
    db: &DatabaseConnection,
    code: &str,
    username: &str,
    display_name: Option<&str>,
    pw: &Password,
    now: DateTime<Utc>,
) -> Result<Vec<String>, ProvisionError> {
    let p = provisioning::platform_by_code(db, code).await?;
    let (plain, phc, print) = password_of(pw)?;
    let txn = entity::tx::begin_write(db).await?;
    let a = provisioning::add_operator(
        &txn,
        p.id,
        username,
        display_name.unwrap_or(username),
        &phc,
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(vec![if print {
        format!(
            "operator {} added to {}: password {plain}  (shown once; keep it)",
            a.username, p.code
        )
    } else {
        format!(
            "operator {} added to {} (password as given)",
            a.username, p.code
        )
    }])
}

/// Sets an operator's password and ends their open sessions.
pub async fn reset_password(
    db: &DatabaseConnection,
    username: &str,
    pw: &Password,
    now: DateTime<Utc>,
) -> Result<Vec<String>, ProvisionError> {
    let (plain, phc, print) = password_of(pw)?;
    let txn = entity::tx::begin_write(db).await?;
    let (a, ended) = provisioning::reset_password(&txn, username, &phc, now).await?;
    txn.commit().await?;
    let set = if print {
        format!(
            "password of {} set to {plain}  (shown once; keep it)",
            a.username
        )
    } else {
        format!("password of {} set (as given)", a.username)
    };
    Ok(vec![set, format!("{ended} open sessions ended")])
}
