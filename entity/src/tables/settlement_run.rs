//! A daily settlement run of a platform.

use sea_orm::entity::prelude::*;
use serde::Serialize;

/// One settlement run (per platform and business day).
#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Serialize, utoipa::ToSchema)]
#[schema(as = SettlementRun)]
#[sea_orm(table_name = "settlement_runs")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub platform_id: i64,
    /// The local day settled.
    pub business_date: chrono::NaiveDate,
    /// `running` or `done`.
    pub status: RunStatus,
    /// Statements written.
    pub statements: i32,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub finished_at: Option<chrono::DateTime<chrono::Utc>>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

stored_enum! {
    /// Where a settlement run stands.
    pub enum RunStatus {
        /// Writing statements.
        Running = "running",
        /// Every statement written.
        Done = "done",
    }
}
