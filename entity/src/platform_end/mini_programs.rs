//! One mini-program per county, or one for many: a platform may have its own
//! WeChat mini-program (appid, secret, subscription templates). A login
//! that carries an appid is answered by the platform whose appid it is;
//! platforms without one share the instance's `[wechat]` mini-program.
//!
//! The secret is stored sealed ([`crate::secrets`]) and never returned.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    Set,
};

use crate::error::{DomainError, DomainResult};
use crate::secrets::{SecretError, SecretKey};
use crate::tables::mini_program;

/// The events a subscription template can be configured for (see
/// `to_door_line::notices::template_for`).
pub const TEMPLATE_EVENTS: &[&str] = &[
    "order_paid",
    "order_accepted",
    "out_for_delivery",
    "at_agent_point",
    "delivered",
    "refunded",
];

/// A county's mini-program as an operator gives it.
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    /// WeChat's appid: `wx` and 16 hex digits.
    pub appid: String,
    /// The AppSecret.
    pub secret: String,
    /// Template ids by event ([`TEMPLATE_EVENTS`]).
    pub templates: BTreeMap<String, String>,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials")
            .field("appid", &self.appid)
            .field("secret", &"<redacted>")
            .field("templates", &self.templates)
            .finish()
    }
}

/// Checks an appid: `wx` followed by 16 lowercase hex digits.
pub fn check_appid(appid: &str) -> DomainResult<String> {
    let a = appid.trim();
    let ok = a.len() == 18
        && a.starts_with("wx")
        && a[2..]
            .chars()
            .all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c));
    if ok {
        Ok(a.to_owned())
    } else {
        Err(DomainError::invalid(
            "appid",
            "a mini-program appid is wx followed by 16 hex digits",
        ))
    }
}

impl Credentials {
    /// The credentials with every field checked.
    pub fn checked(&self) -> DomainResult<Credentials> {
        let appid = check_appid(&self.appid)?;
        let secret = self.secret.trim();
        if secret.is_empty() || secret.len() > 128 || !secret.chars().all(|c| c.is_ascii_graphic())
        {
            return Err(DomainError::invalid(
                "secret",
                "the AppSecret: 1 to 128 printable ASCII characters",
            ));
        }
        let mut templates = BTreeMap::new();
        for (event, id) in &self.templates {
            if !TEMPLATE_EVENTS.contains(&event.as_str()) {
                return Err(DomainError::invalid(
                    "templates",
                    format!(
                        "unknown event {event:?}; one of {}",
                        TEMPLATE_EVENTS.join(", ")
                    ),
                ));
            }
            let id = id.trim();
            if id.is_empty()
                || id.len() > 128
                || !id
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
            {
                return Err(DomainError::invalid(
                    "templates",
                    format!("the template id of {event} is 1 to 128 of A-Z, a-z, 0-9, _ and -"),
                ));
            }
            templates.insert(event.clone(), id.to_owned());
        }
        Ok(Credentials {
            appid,
            secret: secret.to_owned(),
            templates,
        })
    }
}

/// The associated data a platform's mini-program secret is sealed with.
pub fn secret_context(platform_id: i64) -> String {
    format!("mini_program.secret:{platform_id}")
}

/// What [`set`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    /// The platform had no mini-program; now it has.
    Created,
    /// Its mini-program was changed.
    Updated,
    /// It was there exactly as given.
    Unchanged,
}

/// Why a stored mini-program cannot be used or stored.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The domain refused (bad field, appid taken).
    #[error(transparent)]
    Domain(#[from] DomainError),
    /// The secret cannot be sealed or opened.
    #[error(transparent)]
    Secret(#[from] SecretError),
}

impl From<DbErr> for StoreError {
    fn from(e: DbErr) -> Self {
        StoreError::Domain(e.into())
    }
}

/// The stored mini-program of a platform.
pub async fn of_platform(
    db: &impl ConnectionTrait,
    platform_id: i64,
) -> Result<Option<mini_program::Model>, DbErr> {
    mini_program::Entity::find()
        .filter(mini_program::Column::PlatformId.eq(platform_id))
        .one(db)
        .await
}

/// The stored mini-program with this appid.
pub async fn by_appid(
    db: &impl ConnectionTrait,
    appid: &str,
) -> Result<Option<mini_program::Model>, DbErr> {
    mini_program::Entity::find()
        .filter(mini_program::Column::Appid.eq(appid.trim()))
        .one(db)
        .await
}

/// Every stored mini-program, by platform.
pub async fn all(db: &impl ConnectionTrait) -> Result<Vec<mini_program::Model>, DbErr> {
    mini_program::Entity::find()
        .order_by_asc(mini_program::Column::PlatformId)
        .all(db)
        .await
}

/// A stored mini-program's template ids by event.
pub fn templates_of(m: &mini_program::Model) -> BTreeMap<String, String> {
    serde_json::from_str(&m.templates).unwrap_or_default()
}

/// Opens a stored mini-program's secret.
pub fn open_secret(key: &SecretKey, m: &mini_program::Model) -> Result<String, SecretError> {
    key.open(&m.secret_sealed, &secret_context(m.platform_id))
}

/// Gives a platform its own mini-program, or changes it. Setting the same
/// credentials again changes nothing; an appid another platform has is
/// refused. Run it in a transaction.
pub async fn set(
    db: &impl ConnectionTrait,
    key: &SecretKey,
    platform_id: i64,
    creds: &Credentials,
    now: DateTime<Utc>,
) -> Result<Change, StoreError> {
    let creds = creds.checked()?;
    if let Some(other) = by_appid(db, &creds.appid).await?
        && other.platform_id != platform_id
    {
        return Err(DomainError::Duplicate(format!(
            "appid {} belongs to another platform's mini-program",
            creds.appid
        ))
        .into());
    }
    let templates = serde_json::to_string(&creds.templates)
        .map_err(|e| DomainError::invalid("templates", e.to_string()))?;
    let sealed = key.seal(&creds.secret, &secret_context(platform_id))?;
    match of_platform(db, platform_id).await? {
        Some(current) => {
            // A secret sealed under an old key counts as changed.
            let same_secret = open_secret(key, &current).ok().as_deref() == Some(&creds.secret);
            if current.appid == creds.appid
                && same_secret
                && templates_of(&current) == creds.templates
            {
                return Ok(Change::Unchanged);
            }
            let mut row: mini_program::ActiveModel = current.into();
            row.appid = Set(creds.appid);
            row.secret_sealed = Set(sealed);
            row.templates = Set(templates);
            row.updated_at = Set(now);
            row.update(db).await?;
            Ok(Change::Updated)
        }
        None => {
            mini_program::ActiveModel {
                platform_id: Set(platform_id),
                appid: Set(creds.appid),
                secret_sealed: Set(sealed),
                templates: Set(templates),
                created_at: Set(now),
                updated_at: Set(now),
                ..Default::default()
            }
            .insert(db)
            .await?;
            Ok(Change::Created)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn creds() -> Credentials {
        Credentials {
            appid: "wx0123456789abcdef".into(),
            secret: "s3cret".into(),
            templates: [("order_paid".to_owned(), "tmpl-Paid_1".to_owned())].into(),
        }
    }

    #[test]
    fn good_credentials_pass_trimmed() -> DomainResult<()> {
        let mut c = creds();
        c.appid = " wx0123456789abcdef ".into();
        assert_eq!(c.checked()?.appid, "wx0123456789abcdef");
        Ok(())
    }

    #[test]
    fn bad_fields_are_named() {
        let field = |c: Credentials| match c.checked() {
            Err(DomainError::Invalid { field, .. }) => field,
            other => panic!("expected a refusal, got {other:?}"),
        };
        let mut c = creds();
        c.appid = "wx0123".into();
        assert_eq!(field(c), "appid");
        let mut c = creds();
        c.appid = "wx0123456789ABCDEF".into();
        assert_eq!(field(c), "appid");
        let mut c = creds();
        c.secret = " ".into();
        assert_eq!(field(c), "secret");
        let mut c = creds();
        c.templates.insert("order_lost".into(), "x".into());
        assert_eq!(field(c), "templates");
        let mut c = creds();
        c.templates.insert("delivered".into(), "has space".into());
        assert_eq!(field(c), "templates");
    }

    #[test]
    fn the_secret_never_shows_in_debug() {
        assert!(!format!("{:?}", creds()).contains("s3cret"));
    }
}
