//! The platform ledger: accounts, postings (one per business event, unique
//! by source) and their entries, append-only on every backend; commission
//! rules with effective dates.

use sea_orm_migration::{prelude::*, schema::*};

use crate::util::{fk, index, unique};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Platforms {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum LedgerAccounts {
    Table,
    Id,
    PlatformId,
    Kind,
    OwnerId,
    Name,
    CreatedAt,
}

#[derive(DeriveIden)]
enum LedgerPostings {
    Table,
    Id,
    PlatformId,
    SourceType,
    SourceId,
    Kind,
    CommissionRuleId,
    Memo,
    CreatedAt,
}

#[derive(DeriveIden)]
enum LedgerEntries {
    Table,
    Id,
    PlatformId,
    PostingId,
    AccountId,
    AmountFen,
    CreatedAt,
}

#[derive(DeriveIden)]
enum CommissionRules {
    Table,
    Id,
    PlatformId,
    Category,
    RateBp,
    EffectiveFrom,
    CreatedAt,
}

/// Triggers that refuse UPDATE and DELETE on the ledger's tables.
fn append_only(backend: sea_orm::DatabaseBackend, table: &str) -> Vec<String> {
    match backend {
        sea_orm::DatabaseBackend::Postgres => vec![format!(
            "CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} \
             FOR EACH ROW EXECUTE FUNCTION ledger_append_only()"
        )],
        _ => ["UPDATE", "DELETE"]
            .iter()
            .map(|op| {
                format!(
                    "CREATE TRIGGER {table}_no_{} BEFORE {op} ON {table} \
                     BEGIN SELECT RAISE(ABORT, 'the ledger is append-only'); END",
                    op.to_lowercase()
                )
            })
            .collect(),
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(LedgerAccounts::Table)
                .col(big_pk_auto(LedgerAccounts::Id))
                .col(big_integer(LedgerAccounts::PlatformId))
                .col(string_len(LedgerAccounts::Kind, 32))
                // 0 for the platform's own accounts (NULLs would not be unique).
                .col(big_integer(LedgerAccounts::OwnerId))
                .col(string_len(LedgerAccounts::Name, 64))
                .col(timestamp_with_time_zone(LedgerAccounts::CreatedAt))
                .foreign_key(&mut fk(
                    LedgerAccounts::Table,
                    LedgerAccounts::PlatformId,
                    Platforms::Table,
                    Platforms::Id,
                ))
                .to_owned(),
        )
        .await?;
        unique(
            m,
            "ux_ledger_accounts_kind_owner",
            LedgerAccounts::Table,
            vec![
                LedgerAccounts::PlatformId.into_iden(),
                LedgerAccounts::Kind.into_iden(),
                LedgerAccounts::OwnerId.into_iden(),
            ],
        )
        .await?;

        m.create_table(
            Table::create()
                .table(CommissionRules::Table)
                .col(big_pk_auto(CommissionRules::Id))
                .col(big_integer(CommissionRules::PlatformId))
                .col(string_len(CommissionRules::Category, 32))
                .col(integer(CommissionRules::RateBp))
                .col(timestamp_with_time_zone(CommissionRules::EffectiveFrom))
                .col(timestamp_with_time_zone(CommissionRules::CreatedAt))
                .foreign_key(&mut fk(
                    CommissionRules::Table,
                    CommissionRules::PlatformId,
                    Platforms::Table,
                    Platforms::Id,
                ))
                .to_owned(),
        )
        .await?;
        index(
            m,
            "ix_commission_rules_lookup",
            CommissionRules::Table,
            vec![
                CommissionRules::PlatformId.into_iden(),
                CommissionRules::Category.into_iden(),
                CommissionRules::EffectiveFrom.into_iden(),
            ],
        )
        .await?;

        m.create_table(
            Table::create()
                .table(LedgerPostings::Table)
                .col(big_pk_auto(LedgerPostings::Id))
                .col(big_integer(LedgerPostings::PlatformId))
                .col(string_len(LedgerPostings::SourceType, 32))
                .col(big_integer(LedgerPostings::SourceId))
                .col(string_len(LedgerPostings::Kind, 32))
                .col(big_integer_null(LedgerPostings::CommissionRuleId))
                .col(text(LedgerPostings::Memo))
                .col(timestamp_with_time_zone(LedgerPostings::CreatedAt))
                .foreign_key(&mut fk(
                    LedgerPostings::Table,
                    LedgerPostings::PlatformId,
                    Platforms::Table,
                    Platforms::Id,
                ))
                .to_owned(),
        )
        .await?;
        // The same business event is booked once, whatever retries do.
        unique(
            m,
            "ux_ledger_postings_source",
            LedgerPostings::Table,
            vec![
                LedgerPostings::SourceType.into_iden(),
                LedgerPostings::SourceId.into_iden(),
                LedgerPostings::Kind.into_iden(),
            ],
        )
        .await?;

        m.create_table(
            Table::create()
                .table(LedgerEntries::Table)
                .col(big_pk_auto(LedgerEntries::Id))
                .col(big_integer(LedgerEntries::PlatformId))
                .col(big_integer(LedgerEntries::PostingId))
                .col(big_integer(LedgerEntries::AccountId))
                .col(big_integer(LedgerEntries::AmountFen))
                .col(timestamp_with_time_zone(LedgerEntries::CreatedAt))
                .foreign_key(&mut fk(
                    LedgerEntries::Table,
                    LedgerEntries::PostingId,
                    LedgerPostings::Table,
                    LedgerPostings::Id,
                ))
                .foreign_key(&mut fk(
                    LedgerEntries::Table,
                    LedgerEntries::AccountId,
                    LedgerAccounts::Table,
                    LedgerAccounts::Id,
                ))
                .to_owned(),
        )
        .await?;
        index(
            m,
            "ix_ledger_entries_account",
            LedgerEntries::Table,
            vec![
                LedgerEntries::AccountId.into_iden(),
                LedgerEntries::Id.into_iden(),
            ],
        )
        .await?;
        // Settlement reads an account's entries of a period.
        index(
            m,
            "ix_ledger_entries_account_time",
            LedgerEntries::Table,
            vec![
                LedgerEntries::AccountId.into_iden(),
                LedgerEntries::CreatedAt.into_iden(),
            ],
        )
        .await?;
        index(
            m,
            "ix_ledger_entries_posting",
            LedgerEntries::Table,
            vec![LedgerEntries::PostingId.into_iden()],
        )
        .await?;

        let db = m.get_connection();
        let backend = m.get_database_backend();
        if backend == sea_orm::DatabaseBackend::Postgres {
            db.execute_unprepared(
                "CREATE FUNCTION ledger_append_only() RETURNS trigger LANGUAGE plpgsql AS \
                 $$ BEGIN RAISE EXCEPTION 'the ledger is append-only'; END $$",
            )
            .await?;
        }
        for table in ["ledger_postings", "ledger_entries"] {
            for sql in append_only(backend, table) {
                db.execute_unprepared(&sql).await?;
            }
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            LedgerEntries::Table.into_iden(),
            LedgerPostings::Table.into_iden(),
            CommissionRules::Table.into_iden(),
            LedgerAccounts::Table.into_iden(),
        ] {
            m.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        if m.get_database_backend() == sea_orm::DatabaseBackend::Postgres {
            m.get_connection()
                .execute_unprepared("DROP FUNCTION IF EXISTS ledger_append_only()")
                .await?;
        }
        Ok(())
    }
}
