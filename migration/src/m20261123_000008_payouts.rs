//! Payouts: a payee's withdrawal of settled money, reviewed above a
//! platform threshold, sent through WeChat Pay's merchant transfer.

use sea_orm_migration::{prelude::*, schema::*};

use crate::util::{add_column, fk, index, unique};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Platforms {
    Table,
    Id,
    PayoutReviewFen,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Payouts {
    Table,
    Id,
    PlatformId,
    PayeeKind,
    OwnerId,
    UserId,
    AmountFen,
    Status,
    Provider,
    OutBatchNo,
    BatchId,
    FailReason,
    ReviewedBy,
    IdempotencyKey,
    CreatedAt,
    UpdatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        add_column(
            m,
            Platforms::Table,
            big_integer(Platforms::PayoutReviewFen)
                .default(50_000)
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(Payouts::Table)
                .col(big_pk_auto(Payouts::Id))
                .col(big_integer(Payouts::PlatformId))
                .col(string_len(Payouts::PayeeKind, 16))
                .col(big_integer(Payouts::OwnerId))
                .col(big_integer(Payouts::UserId))
                .col(big_integer(Payouts::AmountFen))
                .col(string_len(Payouts::Status, 16))
                .col(string_len(Payouts::Provider, 16))
                .col(string_len_uniq(Payouts::OutBatchNo, 32))
                .col(string_len_null(Payouts::BatchId, 64))
                .col(text_null(Payouts::FailReason))
                .col(big_integer_null(Payouts::ReviewedBy))
                .col(string_len_null(Payouts::IdempotencyKey, 64))
                .col(timestamp_with_time_zone(Payouts::CreatedAt))
                .col(timestamp_with_time_zone(Payouts::UpdatedAt))
                .foreign_key(&mut fk(
                    Payouts::Table,
                    Payouts::PlatformId,
                    Platforms::Table,
                    Platforms::Id,
                ))
                .foreign_key(&mut fk(
                    Payouts::Table,
                    Payouts::UserId,
                    Users::Table,
                    Users::Id,
                ))
                .to_owned(),
        )
        .await?;
        unique(
            m,
            "ux_payouts_user_idempotency_key",
            Payouts::Table,
            vec![
                Payouts::UserId.into_iden(),
                Payouts::IdempotencyKey.into_iden(),
            ],
        )
        .await?;
        index(
            m,
            "ix_payouts_payee",
            Payouts::Table,
            vec![
                Payouts::PlatformId.into_iden(),
                Payouts::PayeeKind.into_iden(),
                Payouts::OwnerId.into_iden(),
            ],
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(Payouts::Table).to_owned())
            .await?;
        m.alter_table(
            Table::alter()
                .table(Platforms::Table)
                .drop_column(Platforms::PayoutReviewFen)
                .to_owned(),
        )
        .await
    }
}
