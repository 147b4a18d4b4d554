//! The audit log of host administrators' calls.

use sea_orm::entity::prelude::*;
use serde::Serialize;

/// One call of a host administrator: who, when, what, on what, and how it
/// ended.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Serialize, utoipa::ToSchema)]
#[schema(as = HostAuditEntry)]
#[sea_orm(table_name = "host_audit")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub host_admin_id: i64,
    /// `login`, `list_platforms`, `create_platform`, `add_operator`,
    /// `reset_password`, `read_audit`.
    pub action: String,
    /// The platform code or username acted on (empty for none).
    pub target: String,
    /// The request's fields, without passwords (JSON).
    pub detail: String,
    /// `ok`, `unchanged`, or the error code.
    pub outcome: String,
    pub created_at: chrono::DateTime<chrono::Utc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
