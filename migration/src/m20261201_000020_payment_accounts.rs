//! A county's own WeChat Pay merchant: `direct` (the county sells) or
//! `partner` (a service provider whose kitchens are sub-merchants), its
//! keys sealed with the instance's secrets key; and each merchant's
//! sub-merchant number for partner mode.

use sea_orm_migration::{prelude::*, schema::*};

use crate::util::{add_column, fk, unique};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum PaymentAccounts {
    Table,
    Id,
    PlatformId,
    Mode,
    Mchid,
    Appid,
    MerchantSerial,
    MerchantKeySealed,
    PlatformKeyId,
    PlatformPublicKey,
    Apiv3KeySealed,
    NotifyBaseUrl,
    SharingMaxBp,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Platforms {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Merchants {
    Table,
    SubMchid,
    SubAppid,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(PaymentAccounts::Table)
                .col(big_pk_auto(PaymentAccounts::Id))
                .col(big_integer(PaymentAccounts::PlatformId))
                .col(string_len(PaymentAccounts::Mode, 16))
                .col(string_len(PaymentAccounts::Mchid, 32))
                .col(string_len(PaymentAccounts::Appid, 32))
                .col(string_len(PaymentAccounts::MerchantSerial, 64))
                .col(text(PaymentAccounts::MerchantKeySealed))
                .col(string_len(PaymentAccounts::PlatformKeyId, 64))
                .col(text(PaymentAccounts::PlatformPublicKey))
                .col(text(PaymentAccounts::Apiv3KeySealed))
                .col(text(PaymentAccounts::NotifyBaseUrl))
                .col(integer(PaymentAccounts::SharingMaxBp).default(3000))
                .col(timestamp_with_time_zone(PaymentAccounts::CreatedAt))
                .col(timestamp_with_time_zone(PaymentAccounts::UpdatedAt))
                .foreign_key(&mut fk(
                    PaymentAccounts::Table,
                    PaymentAccounts::PlatformId,
                    Platforms::Table,
                    Platforms::Id,
                ))
                .to_owned(),
        )
        .await?;
        unique(
            m,
            "ux_payment_accounts_platform",
            PaymentAccounts::Table,
            vec![PaymentAccounts::PlatformId.into_iden()],
        )
        .await?;
        add_column(
            m,
            Merchants::Table,
            string_len_null(Merchants::SubMchid, 32),
        )
        .await?;
        add_column(
            m,
            Merchants::Table,
            string_len_null(Merchants::SubAppid, 32),
        )
        .await?;
        unique(
            m,
            "ux_merchants_sub_mchid",
            Merchants::Table,
            vec![Merchants::SubMchid.into_iden()],
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_index(
            Index::drop()
                .name("ux_merchants_sub_mchid")
                .table(Merchants::Table)
                .to_owned(),
        )
        .await?;
        for col in [Merchants::SubAppid, Merchants::SubMchid] {
            crate::util::drop_column(m, Merchants::Table, col).await?;
        }
        m.drop_table(Table::drop().table(PaymentAccounts::Table).to_owned())
            .await
    }
}
