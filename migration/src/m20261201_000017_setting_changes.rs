//! Settings an operator changes without a release are recorded: who, when,
//! the old value and the new. The platform also gets its service hours and
//! a contact phone.

use sea_orm_migration::{prelude::*, schema::*};

use crate::util::{add_column, drop_column};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum SettingChanges {
    Table,
    Id,
    PlatformId,
    UserId,
    Setting,
    OldValue,
    NewValue,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Platforms {
    Table,
    ServiceHours,
    ContactPhone,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(SettingChanges::Table)
                .col(big_pk_auto(SettingChanges::Id))
                .col(big_integer(SettingChanges::PlatformId))
                .col(big_integer(SettingChanges::UserId))
                .col(string_len(SettingChanges::Setting, 64))
                .col(text(SettingChanges::OldValue))
                .col(text(SettingChanges::NewValue))
                .col(timestamp_with_time_zone(SettingChanges::CreatedAt))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_setting_changes_platform")
                .table(SettingChanges::Table)
                .col(SettingChanges::PlatformId)
                .col(SettingChanges::Id)
                .to_owned(),
        )
        .await?;
        add_column(
            m,
            Platforms::Table,
            string_len(Platforms::ServiceHours, 128)
                .default("")
                .to_owned(),
        )
        .await?;
        add_column(
            m,
            Platforms::Table,
            string_len(Platforms::ContactPhone, 32)
                .default("")
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        drop_column(m, Platforms::Table, Platforms::ContactPhone).await?;
        drop_column(m, Platforms::Table, Platforms::ServiceHours).await?;
        m.drop_table(Table::drop().table(SettingChanges::Table).to_owned())
            .await
    }
}
