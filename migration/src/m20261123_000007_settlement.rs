//! Daily settlement: one run per platform and business day, one statement
//! per payee account and run.

use sea_orm_migration::{prelude::*, schema::*};

use crate::util::{fk, index, unique};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Platforms {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum LedgerAccounts {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum SettlementRuns {
    Table,
    Id,
    PlatformId,
    BusinessDate,
    Status,
    Statements,
    CreatedAt,
    FinishedAt,
}

#[derive(DeriveIden)]
enum Statements {
    Table,
    Id,
    PlatformId,
    RunId,
    BusinessDate,
    AccountId,
    Kind,
    OwnerId,
    OpeningFen,
    DebitsFen,
    CreditsFen,
    ClosingFen,
    PayableFen,
    Entries,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(SettlementRuns::Table)
                .col(big_pk_auto(SettlementRuns::Id))
                .col(big_integer(SettlementRuns::PlatformId))
                .col(date(SettlementRuns::BusinessDate))
                .col(string_len(SettlementRuns::Status, 16))
                .col(integer(SettlementRuns::Statements))
                .col(timestamp_with_time_zone(SettlementRuns::CreatedAt))
                .col(timestamp_with_time_zone_null(SettlementRuns::FinishedAt))
                .foreign_key(&mut fk(
                    SettlementRuns::Table,
                    SettlementRuns::PlatformId,
                    Platforms::Table,
                    Platforms::Id,
                ))
                .to_owned(),
        )
        .await?;
        unique(
            m,
            "ux_settlement_runs_day",
            SettlementRuns::Table,
            vec![
                SettlementRuns::PlatformId.into_iden(),
                SettlementRuns::BusinessDate.into_iden(),
            ],
        )
        .await?;
        m.create_table(
            Table::create()
                .table(Statements::Table)
                .col(big_pk_auto(Statements::Id))
                .col(big_integer(Statements::PlatformId))
                .col(big_integer(Statements::RunId))
                .col(date(Statements::BusinessDate))
                .col(big_integer(Statements::AccountId))
                .col(string_len(Statements::Kind, 32))
                .col(big_integer(Statements::OwnerId))
                .col(big_integer(Statements::OpeningFen))
                .col(big_integer(Statements::DebitsFen))
                .col(big_integer(Statements::CreditsFen))
                .col(big_integer(Statements::ClosingFen))
                .col(big_integer(Statements::PayableFen))
                .col(integer(Statements::Entries))
                .col(timestamp_with_time_zone(Statements::CreatedAt))
                .foreign_key(&mut fk(
                    Statements::Table,
                    Statements::RunId,
                    SettlementRuns::Table,
                    SettlementRuns::Id,
                ))
                .foreign_key(&mut fk(
                    Statements::Table,
                    Statements::AccountId,
                    LedgerAccounts::Table,
                    LedgerAccounts::Id,
                ))
                .to_owned(),
        )
        .await?;
        unique(
            m,
            "ux_statements_run_account",
            Statements::Table,
            vec![
                Statements::RunId.into_iden(),
                Statements::AccountId.into_iden(),
            ],
        )
        .await?;
        // The previous statement of an account is the next one's checkpoint.
        index(
            m,
            "ix_statements_account_date",
            Statements::Table,
            vec![
                Statements::AccountId.into_iden(),
                Statements::BusinessDate.into_iden(),
            ],
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            Statements::Table.into_iden(),
            SettlementRuns::Table.into_iden(),
        ] {
            m.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        Ok(())
    }
}
