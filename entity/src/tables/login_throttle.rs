//! Failed password logins per username, and the lock they earn.

use sea_orm::entity::prelude::*;

/// The throttle state of one username (known or not).
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "login_throttles")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub username: String,
    /// Attempts since the last success (each counted before it is checked).
    pub failed_attempts: i32,
    pub locked_until: Option<DateTimeUtc>,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
