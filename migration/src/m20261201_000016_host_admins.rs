//! Host administrators: the company that runs many counties. Their accounts
//! are made only from the command line, and every call they make over HTTP
//! is written to an audit log.

use sea_orm_migration::{prelude::*, schema::*};

use crate::util::{fk, unique};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum HostAdmins {
    Table,
    Id,
    Username,
    PasswordHash,
    CreatedAt,
}

#[derive(DeriveIden)]
enum HostAudit {
    Table,
    Id,
    HostAdminId,
    Action,
    Target,
    Detail,
    Outcome,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(HostAdmins::Table)
                .col(big_pk_auto(HostAdmins::Id))
                .col(string_len(HostAdmins::Username, 64))
                .col(string_len(HostAdmins::PasswordHash, 255))
                .col(timestamp_with_time_zone(HostAdmins::CreatedAt))
                .to_owned(),
        )
        .await?;
        unique(
            m,
            "ux_host_admins_username",
            HostAdmins::Table,
            vec![HostAdmins::Username.into_iden()],
        )
        .await?;
        m.create_table(
            Table::create()
                .table(HostAudit::Table)
                .col(big_pk_auto(HostAudit::Id))
                .col(big_integer(HostAudit::HostAdminId))
                .col(string_len(HostAudit::Action, 64))
                .col(string_len(HostAudit::Target, 128))
                .col(text(HostAudit::Detail))
                .col(string_len(HostAudit::Outcome, 64))
                .col(timestamp_with_time_zone(HostAudit::CreatedAt))
                .foreign_key(&mut fk(
                    HostAudit::Table,
                    HostAudit::HostAdminId,
                    HostAdmins::Table,
                    HostAdmins::Id,
                ))
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(HostAudit::Table).to_owned())
            .await?;
        m.drop_table(Table::drop().table(HostAdmins::Table).to_owned())
            .await
    }
}
