//! The web console's sessions: a random cookie (stored only as its
//! SHA-256) with the session's CSRF token and expiry.

use sea_orm_migration::{prelude::*, schema::*};

use crate::util::{fk, unique};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum ConsoleSessions {
    Table,
    Id,
    TokenHash,
    UserId,
    PlatformId,
    CsrfToken,
    CreatedAt,
    ExpiresAt,
    RevokedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(ConsoleSessions::Table)
                .col(big_pk_auto(ConsoleSessions::Id))
                .col(string_len(ConsoleSessions::TokenHash, 64))
                .col(big_integer(ConsoleSessions::UserId))
                .col(big_integer(ConsoleSessions::PlatformId))
                .col(string_len(ConsoleSessions::CsrfToken, 64))
                .col(timestamp_with_time_zone(ConsoleSessions::CreatedAt))
                .col(timestamp_with_time_zone(ConsoleSessions::ExpiresAt))
                .col(timestamp_with_time_zone_null(ConsoleSessions::RevokedAt))
                .foreign_key(&mut fk(
                    ConsoleSessions::Table,
                    ConsoleSessions::UserId,
                    Users::Table,
                    Users::Id,
                ))
                .to_owned(),
        )
        .await?;
        unique(
            m,
            "ux_console_sessions_token",
            ConsoleSessions::Table,
            vec![ConsoleSessions::TokenHash.into_iden()],
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(ConsoleSessions::Table).to_owned())
            .await
    }
}
