//! A county's own mini-program: its appid, its secret sealed with the
//! instance's secrets key, and its subscription-message template ids.

use sea_orm_migration::{prelude::*, schema::*};

use crate::util::{fk, unique};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum MiniPrograms {
    Table,
    Id,
    PlatformId,
    Appid,
    SecretSealed,
    Templates,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Platforms {
    Table,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(MiniPrograms::Table)
                .col(big_pk_auto(MiniPrograms::Id))
                .col(big_integer(MiniPrograms::PlatformId))
                .col(string_len(MiniPrograms::Appid, 32))
                .col(text(MiniPrograms::SecretSealed))
                .col(text(MiniPrograms::Templates))
                .col(timestamp_with_time_zone(MiniPrograms::CreatedAt))
                .col(timestamp_with_time_zone(MiniPrograms::UpdatedAt))
                .foreign_key(&mut fk(
                    MiniPrograms::Table,
                    MiniPrograms::PlatformId,
                    Platforms::Table,
                    Platforms::Id,
                ))
                .to_owned(),
        )
        .await?;
        unique(
            m,
            "ux_mini_programs_platform",
            MiniPrograms::Table,
            vec![MiniPrograms::PlatformId.into_iden()],
        )
        .await?;
        unique(
            m,
            "ux_mini_programs_appid",
            MiniPrograms::Table,
            vec![MiniPrograms::Appid.into_iden()],
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(MiniPrograms::Table).to_owned())
            .await
    }
}
