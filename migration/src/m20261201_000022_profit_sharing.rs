//! Profit sharing (分账) in partner mode: one sharing order per delivered
//! order (`profit_shares`), its receivers' lines and their results
//! (`profit_share_lines`), the receivers already added for a sub-merchant
//! (`sharing_receivers`), and on the county's merchant the provider's
//! registered name (its receiver name) and the refund window after which
//! a delivered order is shared.

use sea_orm_migration::{prelude::*, schema::*};

use crate::util::{add_column, drop_column, fk, index, unique};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum ProfitShares {
    Table,
    Id,
    PlatformId,
    OrderId,
    PaymentId,
    MerchantId,
    SubMchid,
    TransactionId,
    OutOrderNo,
    Status,
    KitchenFen,
    PlatformFen,
    CourierRole,
    CourierId,
    CourierFen,
    DueAt,
    WxOrderId,
    FailReason,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum ProfitShareLines {
    Table,
    Id,
    ShareId,
    PlatformId,
    Role,
    OwnerId,
    ReceiverType,
    Account,
    AmountFen,
    Result,
    FailReason,
    DetailId,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum SharingReceivers {
    Table,
    Id,
    PlatformId,
    SubMchid,
    ReceiverType,
    Account,
    CreatedAt,
}

#[derive(DeriveIden)]
enum PaymentAccounts {
    Table,
    ReceiverName,
    RefundWindowMinutes,
}

#[derive(DeriveIden)]
enum Platforms {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Orders {
    Table,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        add_column(
            m,
            PaymentAccounts::Table,
            string_len(PaymentAccounts::ReceiverName, 128)
                .default("")
                .to_owned(),
        )
        .await?;
        add_column(
            m,
            PaymentAccounts::Table,
            integer(PaymentAccounts::RefundWindowMinutes)
                .default(1440)
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(ProfitShares::Table)
                .col(big_pk_auto(ProfitShares::Id))
                .col(big_integer(ProfitShares::PlatformId))
                .col(big_integer(ProfitShares::OrderId))
                .col(big_integer(ProfitShares::PaymentId))
                .col(big_integer(ProfitShares::MerchantId))
                .col(string_len(ProfitShares::SubMchid, 32))
                .col(string_len(ProfitShares::TransactionId, 64))
                .col(string_len(ProfitShares::OutOrderNo, 64))
                .col(string_len(ProfitShares::Status, 16))
                .col(big_integer(ProfitShares::KitchenFen))
                .col(big_integer(ProfitShares::PlatformFen))
                .col(string_len_null(ProfitShares::CourierRole, 16))
                .col(big_integer(ProfitShares::CourierId))
                .col(big_integer(ProfitShares::CourierFen))
                .col(timestamp_with_time_zone(ProfitShares::DueAt))
                .col(string_len_null(ProfitShares::WxOrderId, 64))
                .col(text_null(ProfitShares::FailReason))
                .col(timestamp_with_time_zone(ProfitShares::CreatedAt))
                .col(timestamp_with_time_zone(ProfitShares::UpdatedAt))
                .foreign_key(&mut fk(
                    ProfitShares::Table,
                    ProfitShares::PlatformId,
                    Platforms::Table,
                    Platforms::Id,
                ))
                .foreign_key(&mut fk(
                    ProfitShares::Table,
                    ProfitShares::OrderId,
                    Orders::Table,
                    Orders::Id,
                ))
                .to_owned(),
        )
        .await?;
        unique(
            m,
            "ux_profit_shares_order",
            ProfitShares::Table,
            vec![ProfitShares::OrderId.into_iden()],
        )
        .await?;
        unique(
            m,
            "ux_profit_shares_out_order_no",
            ProfitShares::Table,
            vec![ProfitShares::OutOrderNo.into_iden()],
        )
        .await?;
        index(
            m,
            "ix_profit_shares_status",
            ProfitShares::Table,
            vec![
                ProfitShares::PlatformId.into_iden(),
                ProfitShares::Status.into_iden(),
            ],
        )
        .await?;
        m.create_table(
            Table::create()
                .table(ProfitShareLines::Table)
                .col(big_pk_auto(ProfitShareLines::Id))
                .col(big_integer(ProfitShareLines::ShareId))
                .col(big_integer(ProfitShareLines::PlatformId))
                .col(string_len(ProfitShareLines::Role, 16))
                .col(big_integer(ProfitShareLines::OwnerId))
                .col(string_len(ProfitShareLines::ReceiverType, 32))
                .col(string_len(ProfitShareLines::Account, 64))
                .col(big_integer(ProfitShareLines::AmountFen))
                .col(string_len(ProfitShareLines::Result, 16))
                .col(text_null(ProfitShareLines::FailReason))
                .col(string_len_null(ProfitShareLines::DetailId, 64))
                .col(timestamp_with_time_zone(ProfitShareLines::CreatedAt))
                .col(timestamp_with_time_zone(ProfitShareLines::UpdatedAt))
                .foreign_key(&mut fk(
                    ProfitShareLines::Table,
                    ProfitShareLines::ShareId,
                    ProfitShares::Table,
                    ProfitShares::Id,
                ))
                .to_owned(),
        )
        .await?;
        unique(
            m,
            "ux_profit_share_lines_receiver",
            ProfitShareLines::Table,
            vec![
                ProfitShareLines::ShareId.into_iden(),
                ProfitShareLines::ReceiverType.into_iden(),
                ProfitShareLines::Account.into_iden(),
            ],
        )
        .await?;
        m.create_table(
            Table::create()
                .table(SharingReceivers::Table)
                .col(big_pk_auto(SharingReceivers::Id))
                .col(big_integer(SharingReceivers::PlatformId))
                .col(string_len(SharingReceivers::SubMchid, 32))
                .col(string_len(SharingReceivers::ReceiverType, 32))
                .col(string_len(SharingReceivers::Account, 64))
                .col(timestamp_with_time_zone(SharingReceivers::CreatedAt))
                .foreign_key(&mut fk(
                    SharingReceivers::Table,
                    SharingReceivers::PlatformId,
                    Platforms::Table,
                    Platforms::Id,
                ))
                .to_owned(),
        )
        .await?;
        unique(
            m,
            "ux_sharing_receivers",
            SharingReceivers::Table,
            vec![
                SharingReceivers::PlatformId.into_iden(),
                SharingReceivers::SubMchid.into_iden(),
                SharingReceivers::ReceiverType.into_iden(),
                SharingReceivers::Account.into_iden(),
            ],
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in [
            SharingReceivers::Table.into_iden(),
            ProfitShareLines::Table.into_iden(),
            ProfitShares::Table.into_iden(),
        ] {
            m.drop_table(Table::drop().table(t).to_owned()).await?;
        }
        drop_column(
            m,
            PaymentAccounts::Table,
            PaymentAccounts::RefundWindowMinutes,
        )
        .await?;
        drop_column(m, PaymentAccounts::Table, PaymentAccounts::ReceiverName).await
    }
}
