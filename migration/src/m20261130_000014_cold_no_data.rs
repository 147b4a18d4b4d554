//! A cold-chain batch with no readings proves nothing: the platform's policy
//! says whether residents are compensated then (default: no; the operator
//! follows the missing sensor up).

use sea_orm_migration::{prelude::*, schema::*};

use crate::util::{add_column, drop_column};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum ColdChainPolicies {
    Table,
    NoDataCompensates,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        add_column(
            m,
            ColdChainPolicies::Table,
            boolean(ColdChainPolicies::NoDataCompensates)
                .default(false)
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        drop_column(
            m,
            ColdChainPolicies::Table,
            ColdChainPolicies::NoDataCompensates,
        )
        .await
    }
}
