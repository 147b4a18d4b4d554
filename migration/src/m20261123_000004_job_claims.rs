//! Job claims walk an index in order: one for due jobs by `(state, run_at,
//! id)`, one for abandoned leases by `(state, locked_until)`.

use sea_orm_migration::prelude::*;

use crate::util::index;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Jobs {
    Table,
    Id,
    State,
    RunAt,
    LockedUntil,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_index(
            Index::drop()
                .name("ix_jobs_state_run_at")
                .table(Jobs::Table)
                .to_owned(),
        )
        .await?;
        index(
            m,
            "ix_jobs_due",
            Jobs::Table,
            vec![
                Jobs::State.into_iden(),
                Jobs::RunAt.into_iden(),
                Jobs::Id.into_iden(),
            ],
        )
        .await?;
        index(
            m,
            "ix_jobs_lease",
            Jobs::Table,
            vec![Jobs::State.into_iden(), Jobs::LockedUntil.into_iden()],
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for name in ["ix_jobs_lease", "ix_jobs_due"] {
            m.drop_index(Index::drop().name(name).table(Jobs::Table).to_owned())
                .await?;
        }
        index(
            m,
            "ix_jobs_state_run_at",
            Jobs::Table,
            vec![Jobs::State.into_iden(), Jobs::RunAt.into_iden()],
        )
        .await
    }
}
