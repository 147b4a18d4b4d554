//! Opening a county: a platform with its first operator, more operators,
//! and password resets. Used by `tongcheng platform …` and
//! `tongcheng operator …`; the password hashes come from the caller.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, Set,
};

use crate::Role;
use crate::error::{DomainError, DomainResult};
use crate::geo::Coordinates;
use crate::platform_end::users;
use crate::tables::{host_admin, host_audit, operator_account, platform};

/// A county to open.
#[derive(Debug, Clone, PartialEq)]
pub struct NewCounty {
    /// Short stable code, e.g. `kang`: lowercase letters, digits, `-`.
    pub code: String,
    /// The platform's name, e.g. 康县同城.
    pub name: String,
    /// Where it is, e.g. 甘肃省陇南市康县.
    pub region: String,
    /// Local time, minutes east of UTC (China: 480).
    pub utc_offset_minutes: i32,
    /// The county seat.
    pub centre: (f64, f64),
}

/// Whether an operation made something or found it made already.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Made now.
    Created,
    /// There already, exactly as asked: nothing changed.
    Unchanged,
}

/// Checks a platform code: 2 to 32 of `a-z`, `0-9`, `-`, starting with a letter.
pub fn check_code(code: &str) -> DomainResult<String> {
    let code = code.trim();
    let ok = (2..=32).contains(&code.len())
        && code.starts_with(|c: char| c.is_ascii_lowercase())
        && code
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if ok {
        Ok(code.to_owned())
    } else {
        Err(DomainError::invalid(
            "code",
            "2 to 32 of a-z, 0-9 and -, starting with a letter",
        ))
    }
}

/// Checks an operator's username: 3 to 32 of `a-z`, `0-9`, `.`, `_`, `-`.
pub fn check_username(username: &str) -> DomainResult<String> {
    let u = username.trim();
    let ok = (3..=32).contains(&u.len())
        && u.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "._-".contains(c));
    if ok {
        Ok(u.to_owned())
    } else {
        Err(DomainError::invalid(
            "username",
            "3 to 32 of a-z, 0-9, '.', '_' and '-'",
        ))
    }
}

impl NewCounty {
    /// The county with its fields checked and trimmed.
    pub fn checked(&self) -> DomainResult<NewCounty> {
        let centre = Coordinates::new(self.centre.0, self.centre.1)
            .map_err(|m| DomainError::invalid("centre", m))?;
        if !(-720..=840).contains(&self.utc_offset_minutes) {
            return Err(DomainError::invalid(
                "utc_offset",
                "must be between -12:00 and +14:00",
            ));
        }
        Ok(NewCounty {
            code: check_code(&self.code)?,
            name: crate::validate::required("name", &self.name, 64)?,
            region: crate::validate::required("region", &self.region, 128)?,
            utc_offset_minutes: self.utc_offset_minutes,
            centre: (centre.lat, centre.lng),
        })
    }

    fn matches(&self, p: &platform::Model) -> bool {
        p.name == self.name
            && p.region == self.region
            && p.utc_offset_minutes == self.utc_offset_minutes
            && (p.center_lat - self.centre.0).abs() < 1e-9
            && (p.center_lng - self.centre.1).abs() < 1e-9
    }
}

/// Creates a county platform. The same county asked for again is
/// [`Outcome::Unchanged`]; a code taken by a different county is refused.
pub async fn create_platform(
    db: &impl ConnectionTrait,
    county: &NewCounty,
    now: DateTime<Utc>,
) -> DomainResult<(platform::Model, Outcome)> {
    let county = county.checked()?;
    if let Some(p) = platform::Entity::find()
        .filter(platform::Column::Code.eq(&county.code))
        .one(db)
        .await?
    {
        if county.matches(&p) {
            return Ok((p, Outcome::Unchanged));
        }
        return Err(DomainError::Duplicate(format!(
            "the platform code `{}` is taken by {} ({}); choose another code",
            p.code, p.name, p.region
        )));
    }
    let p = platform::ActiveModel {
        code: Set(county.code),
        name: Set(county.name),
        region: Set(county.region),
        center_lat: Set(county.centre.0),
        center_lng: Set(county.centre.1),
        utc_offset_minutes: Set(county.utc_offset_minutes),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok((p, Outcome::Created))
}

/// The platform with `code`.
pub async fn platform_by_code(
    db: &impl ConnectionTrait,
    code: &str,
) -> DomainResult<platform::Model> {
    platform::Entity::find()
        .filter(platform::Column::Code.eq(code.trim()))
        .one(db)
        .await?
        .ok_or(DomainError::NotFound("platform"))
}

/// Every platform with how many operator accounts it has, by code.
pub async fn platforms(db: &impl ConnectionTrait) -> DomainResult<Vec<(platform::Model, u64)>> {
    let mut out = Vec::new();
    for p in platform::Entity::find()
        .order_by_asc(platform::Column::Code)
        .all(db)
        .await?
    {
        let operators = operators_of(db, p.id).await?;
        out.push((p, operators));
    }
    Ok(out)
}

/// How many operator accounts a platform has.
pub async fn operators_of(db: &impl ConnectionTrait, platform_id: i64) -> DomainResult<u64> {
    Ok(operator_account::Entity::find()
        .filter(operator_account::Column::PlatformId.eq(platform_id))
        .count(db)
        .await?)
}

/// The operator account with `username`, if any.
pub async fn operator(
    db: &impl ConnectionTrait,
    username: &str,
) -> DomainResult<Option<operator_account::Model>> {
    Ok(operator_account::Entity::find()
        .filter(operator_account::Column::Username.eq(username.trim()))
        .one(db)
        .await?)
}

/// Adds an operator to a platform: a user with the operator role and a
/// password sign-in. A username is unique across all platforms.
pub async fn add_operator(
    db: &impl ConnectionTrait,
    platform_id: i64,
    username: &str,
    display_name: &str,
    password_hash: &str,
    now: DateTime<Utc>,
) -> DomainResult<operator_account::Model> {
    let username = check_username(username)?;
    let display_name = crate::validate::required("name", display_name, 64)?;
    let (_, account) = users::add_password_user(
        db,
        platform_id,
        &username,
        display_name,
        password_hash.to_owned(),
        Role::Operator,
        now,
    )
    .await?;
    Ok(account)
}

/// Sets an operator's password and ends every session they have open (a
/// reset is how a lost or stolen password is shut out). Returns the
/// account and how many sessions it ended.
pub async fn reset_password(
    db: &impl ConnectionTrait,
    username: &str,
    password_hash: &str,
    now: DateTime<Utc>,
) -> DomainResult<(operator_account::Model, u64)> {
    let account = operator(db, username)
        .await?
        .ok_or(DomainError::NotFound("operator"))?;
    let mut active: operator_account::ActiveModel = account.into();
    active.password_hash = Set(password_hash.to_owned());
    let account = active.update(db).await?;
    let ended = crate::platform_end::sessions::revoke_user(db, account.user_id, now).await?;
    Ok((account, ended))
}

/// Adds a host administrator (only the command line calls this: no HTTP
/// route can make one).
pub async fn add_host_admin(
    db: &impl ConnectionTrait,
    username: &str,
    password_hash: &str,
    now: DateTime<Utc>,
) -> DomainResult<host_admin::Model> {
    let username = check_username(username)?;
    if host_admin_named(db, &username).await?.is_some() {
        return Err(DomainError::Duplicate(format!(
            "the host administrator `{username}` exists"
        )));
    }
    Ok(host_admin::ActiveModel {
        username: Set(username),
        password_hash: Set(password_hash.to_owned()),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?)
}

/// The host administrator with `username`, if any.
pub async fn host_admin_named(
    db: &impl ConnectionTrait,
    username: &str,
) -> DomainResult<Option<host_admin::Model>> {
    Ok(host_admin::Entity::find()
        .filter(host_admin::Column::Username.eq(username.trim()))
        .one(db)
        .await?)
}

/// One entry of the host audit log.
#[derive(Debug, Clone)]
pub struct AuditEntry<'a> {
    /// Who.
    pub host_admin_id: i64,
    /// What (`create_platform`, …).
    pub action: &'a str,
    /// On what: a platform code or a username.
    pub target: &'a str,
    /// The request's fields, without secrets (JSON).
    pub detail: String,
    /// `ok`, `unchanged` or the error code.
    pub outcome: &'a str,
}

/// Writes an entry of the host audit log.
pub async fn audit(
    db: &impl ConnectionTrait,
    entry: AuditEntry<'_>,
    now: DateTime<Utc>,
) -> DomainResult<host_audit::Model> {
    Ok(host_audit::ActiveModel {
        host_admin_id: Set(entry.host_admin_id),
        action: Set(entry.action.chars().take(64).collect()),
        target: Set(entry.target.chars().take(128).collect()),
        detail: Set(entry.detail),
        outcome: Set(entry.outcome.chars().take(64).collect()),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?)
}

/// The newest `limit` entries of the host audit log, newest first.
pub async fn audit_log(
    db: &impl ConnectionTrait,
    limit: u64,
) -> DomainResult<Vec<host_audit::Model>> {
    use sea_orm::QuerySelect;
    Ok(host_audit::Entity::find()
        .order_by_desc(host_audit::Column::Id)
        .limit(limit)
        .all(db)
        .await?)
}

/// Parses a UTC offset: `+08:00`, `-03:30`, `+8` or minutes (`480`).
pub fn parse_utc_offset(s: &str) -> DomainResult<i32> {
    let bad = || DomainError::invalid("utc_offset", "like +08:00, -03:30 or 480 (minutes)");
    let s = s.trim();
    let minutes = if let Some(rest) = s.strip_prefix(['+', '-']) {
        let sign = if s.starts_with('-') { -1 } else { 1 };
        let (h, m) = rest.split_once(':').unwrap_or((rest, "0"));
        let (h, m): (i32, i32) = (h.parse().map_err(|_| bad())?, m.parse().map_err(|_| bad())?);
        if !(0..60).contains(&m) {
            return Err(bad());
        }
        sign * (h * 60 + m)
    } else {
        s.parse().map_err(|_| bad())?
    };
    if (-720..=840).contains(&minutes) {
        Ok(minutes)
    } else {
        Err(DomainError::invalid(
            "utc_offset",
            "must be between -12:00 and +14:00",
        ))
    }
}

/// Parses a position `lat,lng`.
pub fn parse_centre(s: &str) -> DomainResult<(f64, f64)> {
    let bad = || {
        DomainError::invalid(
            "centre",
            "latitude,longitude in degrees, e.g. 33.329,105.609",
        )
    };
    let (lat, lng) = s.split_once(',').ok_or_else(bad)?;
    let (lat, lng): (f64, f64) = (
        lat.trim().parse().map_err(|_| bad())?,
        lng.trim().parse().map_err(|_| bad())?,
    );
    let c = Coordinates::new(lat, lng).map_err(|m| DomainError::invalid("centre", m))?;
    Ok((c.lat, c.lng))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_and_usernames_are_plain_ascii() {
        assert_eq!(check_code(" kang ").unwrap(), "kang");
        assert!(check_code("cheng-xian2").is_ok());
        for bad in ["k", "Kang", "2kang", "kang county", "康县", &"k".repeat(33)] {
            assert!(check_code(bad).is_err(), "{bad}");
        }
        assert!(check_username("kang-admin").is_ok());
        assert!(check_username("ab").is_err());
        assert!(check_username("Admin").is_err());
    }

    #[test]
    fn offsets_and_centres_parse_or_name_the_field() {
        assert_eq!(parse_utc_offset("+08:00").unwrap(), 480);
        assert_eq!(parse_utc_offset("-03:30").unwrap(), -210);
        assert_eq!(parse_utc_offset("+8").unwrap(), 480);
        assert_eq!(parse_utc_offset("480").unwrap(), 480);
        assert!(parse_utc_offset("+15:00").is_err());
        assert!(parse_utc_offset("+08:75").is_err());
        assert!(parse_utc_offset("eight").is_err());
        assert_eq!(parse_centre("33.329, 105.609").unwrap(), (33.329, 105.609));
        for bad in ["95,105", "33.3", "a,b", "33,181"] {
            let e = parse_centre(bad).unwrap_err();
            assert!(
                matches!(
                    e,
                    DomainError::Invalid {
                        field: "centre",
                        ..
                    }
                ),
                "{bad}"
            );
        }
    }
}
