//! Wrong pickup codes at an agent point are counted per package; after
//! three the package waits for an operator to lift the lock.

use sea_orm_migration::{prelude::*, schema::*};

use crate::util::{add_column, drop_column};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum TripPackages {
    Table,
    CodeFailures,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        add_column(
            m,
            TripPackages::Table,
            integer(TripPackages::CodeFailures).default(0).to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        drop_column(m, TripPackages::Table, TripPackages::CodeFailures).await
    }
}
