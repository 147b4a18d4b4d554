//! Refunds after sharing, carriers and agent points as receivers: a share
//! returned from the service provider to the kitchen's sub-merchant before
//! a refund (`profit_share_returns`, one per refund); the WeChat Pay
//! merchant number and registered name a village carrier receives its
//! share under; the agent point's fee in a sharing order and in the daily
//! statistics.

use sea_orm_migration::{prelude::*, schema::*};

use crate::util::{add_column, drop_column, fk, unique};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum ProfitShareReturns {
    Table,
    Id,
    PlatformId,
    ShareId,
    RefundId,
    OutReturnNo,
    ReturnMchid,
    AmountFen,
    Status,
    ReturnId,
    FailReason,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum ProfitShares {
    Table,
    Id,
    AgentPointId,
    AgentFen,
}

#[derive(DeriveIden)]
enum DailyStats {
    Table,
    AgentPointFen,
}

#[derive(DeriveIden)]
enum Carriers {
    Table,
    ReceiverMchid,
    ReceiverName,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(ProfitShareReturns::Table)
                .col(big_pk_auto(ProfitShareReturns::Id))
                .col(big_integer(ProfitShareReturns::PlatformId))
                .col(big_integer(ProfitShareReturns::ShareId))
                .col(big_integer(ProfitShareReturns::RefundId))
                .col(string_len(ProfitShareReturns::OutReturnNo, 64))
                .col(string_len(ProfitShareReturns::ReturnMchid, 32))
                .col(big_integer(ProfitShareReturns::AmountFen))
                .col(string_len(ProfitShareReturns::Status, 16))
                .col(string_len_null(ProfitShareReturns::ReturnId, 64))
                .col(text_null(ProfitShareReturns::FailReason))
                .col(timestamp_with_time_zone(ProfitShareReturns::CreatedAt))
                .col(timestamp_with_time_zone(ProfitShareReturns::UpdatedAt))
                .foreign_key(&mut fk(
                    ProfitShareReturns::Table,
                    ProfitShareReturns::ShareId,
                    ProfitShares::Table,
                    ProfitShares::Id,
                ))
                .to_owned(),
        )
        .await?;
        unique(
            m,
            "ux_profit_share_returns_refund",
            ProfitShareReturns::Table,
            vec![ProfitShareReturns::RefundId.into_iden()],
        )
        .await?;
        unique(
            m,
            "ux_profit_share_returns_no",
            ProfitShareReturns::Table,
            vec![ProfitShareReturns::OutReturnNo.into_iden()],
        )
        .await?;
        add_column(
            m,
            Carriers::Table,
            string_len_null(Carriers::ReceiverMchid, 32),
        )
        .await?;
        add_column(
            m,
            Carriers::Table,
            string_len_null(Carriers::ReceiverName, 128),
        )
        .await?;
        add_column(
            m,
            ProfitShares::Table,
            big_integer(ProfitShares::AgentPointId)
                .default(0)
                .to_owned(),
        )
        .await?;
        add_column(
            m,
            ProfitShares::Table,
            big_integer(ProfitShares::AgentFen).default(0).to_owned(),
        )
        .await?;
        add_column(
            m,
            DailyStats::Table,
            big_integer(DailyStats::AgentPointFen).default(0).to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        drop_column(m, DailyStats::Table, DailyStats::AgentPointFen).await?;
        drop_column(m, ProfitShares::Table, ProfitShares::AgentFen).await?;
        drop_column(m, ProfitShares::Table, ProfitShares::AgentPointId).await?;
        drop_column(m, Carriers::Table, Carriers::ReceiverName).await?;
        drop_column(m, Carriers::Table, Carriers::ReceiverMchid).await?;
        m.drop_table(Table::drop().table(ProfitShareReturns::Table).to_owned())
            .await
    }
}
