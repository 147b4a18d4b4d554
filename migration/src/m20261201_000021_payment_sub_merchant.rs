//! The sub-merchant a partner-mode payment was made to, kept with the
//! payment so that its query, close and refunds go to the same kitchen even
//! if the operator later records another number.

use sea_orm_migration::{prelude::*, schema::*};

use crate::util::add_column;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Payments {
    Table,
    SubMchid,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        add_column(m, Payments::Table, string_len_null(Payments::SubMchid, 32)).await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        crate::util::drop_column(m, Payments::Table, Payments::SubMchid).await
    }
}
