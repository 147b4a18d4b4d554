//! A stored reconciliation report of one business day.

use sea_orm::entity::prelude::*;
use serde::Serialize;

/// The latest reconciliation of a platform's day.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "reconciliation_reports")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub platform_id: i64,
    pub bill_date: chrono::NaiveDate,
    /// Lines found on both sides with the same amount.
    pub matched: i32,
    /// Lines missing on a side or with different amounts.
    pub problems: i32,
    /// The full report (JSON of [`crate::platform_end::reconciliation::Report`]).
    pub report: String,
    pub created_at: chrono::DateTime<chrono::Utc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
