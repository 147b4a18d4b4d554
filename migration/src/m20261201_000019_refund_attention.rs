//! A refund the provider would not carry out keeps why (its code and
//! message) and when, for the operator's queue; `retries` counts the
//! operator's attempts to send it again under the same refund number.

use sea_orm_migration::{prelude::*, schema::*};

use crate::util::{add_column, drop_column};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Refunds {
    Table,
    FailureCode,
    FailureMessage,
    FailedAt,
    Retries,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // SQLite adds one column per ALTER TABLE.
        add_column(m, Refunds::Table, text_null(Refunds::FailureCode)).await?;
        add_column(m, Refunds::Table, text_null(Refunds::FailureMessage)).await?;
        add_column(
            m,
            Refunds::Table,
            timestamp_with_time_zone_null(Refunds::FailedAt),
        )
        .await?;
        add_column(
            m,
            Refunds::Table,
            integer(Refunds::Retries).default(0).to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for col in [
            Refunds::Retries,
            Refunds::FailedAt,
            Refunds::FailureMessage,
            Refunds::FailureCode,
        ] {
            drop_column(m, Refunds::Table, col).await?;
        }
        Ok(())
    }
}
