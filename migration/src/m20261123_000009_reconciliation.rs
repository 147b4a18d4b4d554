//! Reconciliation reports: a platform's clearing account against WeChat
//! Pay's trade bill, one report per business day (the latest import).

use sea_orm_migration::{prelude::*, schema::*};

use crate::util::{fk, unique};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Platforms {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum ReconciliationReports {
    Table,
    Id,
    PlatformId,
    BillDate,
    Matched,
    Problems,
    Report,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(ReconciliationReports::Table)
                .col(big_pk_auto(ReconciliationReports::Id))
                .col(big_integer(ReconciliationReports::PlatformId))
                .col(date(ReconciliationReports::BillDate))
                .col(integer(ReconciliationReports::Matched))
                .col(integer(ReconciliationReports::Problems))
                .col(text(ReconciliationReports::Report))
                .col(timestamp_with_time_zone(ReconciliationReports::CreatedAt))
                .foreign_key(&mut fk(
                    ReconciliationReports::Table,
                    ReconciliationReports::PlatformId,
                    Platforms::Table,
                    Platforms::Id,
                ))
                .to_owned(),
        )
        .await?;
        unique(
            m,
            "ux_reconciliation_reports_day",
            ReconciliationReports::Table,
            vec![
                ReconciliationReports::PlatformId.into_iden(),
                ReconciliationReports::BillDate.into_iden(),
            ],
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(ReconciliationReports::Table).to_owned())
            .await
    }
}
