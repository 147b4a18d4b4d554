//! Console accounts for a kitchen's staff: the owner gives a member of staff
//! a username and password, which makes a user of the platform, a member of
//! the store's staff and an account that signs in at the console.

use chrono::{DateTime, Utc};
use sea_orm::{ActiveModelTrait, ConnectionTrait, Set};

use crate::error::{DomainError, DomainResult};
use crate::platform_end::users::add_password_user;
use crate::validate::required;
use crate::{Role, store_staff, user};

/// Checks a username: 3–32 of `a-z0-9-_`.
pub fn valid_username(u: &str) -> bool {
    (3..=32).contains(&u.len())
        && u.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
}

/// Checks a new console account before its password is hashed; returns the
/// display name trimmed.
pub fn check_account(username: &str, password: &str, display_name: &str) -> DomainResult<String> {
    if !valid_username(username) {
        return Err(DomainError::invalid(
            "username",
            "3 to 32 of a-z, 0-9, - and _",
        ));
    }
    if password.chars().count() < 10 || password.len() > 256 {
        return Err(DomainError::invalid("password", "10 to 256 characters"));
    }
    required("display_name", display_name, 32)
}

/// A member of staff with a console account.
#[derive(Debug, Clone)]
pub struct ConsoleStaff {
    /// The staff member's user.
    pub user: user::Model,
    /// Their membership of the store's staff.
    pub staff: store_staff::Model,
}

/// Creates the user, the staff membership (with the `merchant_staff` role)
/// and the console account; a username is unique on the server. Run in a
/// transaction, with the password already hashed.
pub async fn add_console_staff(
    db: &impl ConnectionTrait,
    platform_id: i64,
    store_id: i64,
    username: &str,
    password_hash: String,
    display_name: String,
    now: DateTime<Utc>,
) -> DomainResult<ConsoleStaff> {
    let (u, _) = add_password_user(
        db,
        platform_id,
        username,
        display_name,
        password_hash,
        Role::MerchantStaff,
        now,
    )
    .await?;
    let staff = store_staff::ActiveModel {
        platform_id: Set(platform_id),
        store_id: Set(store_id),
        user_id: Set(u.id),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(ConsoleStaff { user: u, staff })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames_are_plain() {
        assert!(valid_username("huaqiao-kitchen"));
        assert!(!valid_username("Hua"));
        assert!(!valid_username("ab"));
        assert!(!valid_username("花桥"));
    }
}
