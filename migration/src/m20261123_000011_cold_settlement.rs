//! Cold-chain batch settlement: the class rules and their money stored per
//! platform with effective dates, one immutable settlement record per
//! batch, compensation refunds told apart from full refunds, carrier
//! managers, and the exception queue of orders left at agent points.

use sea_orm_migration::{prelude::*, schema::*};

use crate::util::{add_column, fk, index, unique};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Platforms {
    Table,
    Id,
    CollectWithinDays,
}

#[derive(DeriveIden)]
enum Refunds {
    Table,
    Kind,
}

#[derive(DeriveIden)]
enum Trips {
    Table,
    Id,
    ColdSettledAt,
}

#[derive(DeriveIden)]
enum TripPackages {
    Table,
    OverdueAt,
}

#[derive(DeriveIden)]
enum Drivers {
    Table,
    Manager,
}

#[derive(DeriveIden)]
enum ColdBatches {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum ColdChainPolicies {
    Table,
    Id,
    PlatformId,
    Class,
    Rule,
    CarrierFeeFen,
    PenaltyFen,
    CompensationBp,
    EffectiveFrom,
    CreatedBy,
    CreatedAt,
}

#[derive(DeriveIden)]
enum ColdSettlements {
    Table,
    Id,
    PlatformId,
    BatchId,
    TripId,
    CarrierId,
    Class,
    PolicyId,
    Policy,
    Compliant,
    Verdict,
    MaxC,
    Coverage,
    ExcursionSecs,
    WindowFrom,
    WindowTo,
    CarrierFeeFen,
    PenaltyFen,
    CompensationFen,
    Compensations,
    CreatedAt,
}

/// Statements that make `table` refuse UPDATE and DELETE.
fn immutable(backend: sea_orm::DatabaseBackend, table: &str) -> Vec<String> {
    match backend {
        sea_orm::DatabaseBackend::Postgres => vec![format!(
            "CREATE TRIGGER {table}_immutable BEFORE UPDATE OR DELETE ON {table} \
             FOR EACH ROW EXECUTE FUNCTION record_immutable()"
        )],
        _ => ["UPDATE", "DELETE"]
            .iter()
            .map(|op| {
                format!(
                    "CREATE TRIGGER {table}_no_{} BEFORE {op} ON {table} \
                     BEGIN SELECT RAISE(ABORT, 'settlement records are immutable'); END",
                    op.to_lowercase()
                )
            })
            .collect(),
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        add_column(
            m,
            Platforms::Table,
            integer(Platforms::CollectWithinDays).default(3).to_owned(),
        )
        .await?;
        add_column(
            m,
            Refunds::Table,
            string_len(Refunds::Kind, 16).default("full").to_owned(),
        )
        .await?;
        add_column(
            m,
            Trips::Table,
            timestamp_with_time_zone_null(Trips::ColdSettledAt).to_owned(),
        )
        .await?;
        add_column(
            m,
            TripPackages::Table,
            timestamp_with_time_zone_null(TripPackages::OverdueAt).to_owned(),
        )
        .await?;
        add_column(
            m,
            Drivers::Table,
            boolean(Drivers::Manager).default(false).to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(ColdChainPolicies::Table)
                .col(big_pk_auto(ColdChainPolicies::Id))
                .col(big_integer(ColdChainPolicies::PlatformId))
                .col(string_len(ColdChainPolicies::Class, 16))
                .col(text(ColdChainPolicies::Rule))
                .col(big_integer(ColdChainPolicies::CarrierFeeFen))
                .col(big_integer(ColdChainPolicies::PenaltyFen))
                .col(integer(ColdChainPolicies::CompensationBp))
                .col(timestamp_with_time_zone(ColdChainPolicies::EffectiveFrom))
                .col(big_integer_null(ColdChainPolicies::CreatedBy))
                .col(timestamp_with_time_zone(ColdChainPolicies::CreatedAt))
                .foreign_key(&mut fk(
                    ColdChainPolicies::Table,
                    ColdChainPolicies::PlatformId,
                    Platforms::Table,
                    Platforms::Id,
                ))
                .to_owned(),
        )
        .await?;
        index(
            m,
            "ix_cold_chain_policies_lookup",
            ColdChainPolicies::Table,
            vec![
                ColdChainPolicies::PlatformId.into_iden(),
                ColdChainPolicies::Class.into_iden(),
                ColdChainPolicies::EffectiveFrom.into_iden(),
            ],
        )
        .await?;
        m.create_table(
            Table::create()
                .table(ColdSettlements::Table)
                .col(big_pk_auto(ColdSettlements::Id))
                .col(big_integer(ColdSettlements::PlatformId))
                .col(big_integer(ColdSettlements::BatchId))
                .col(big_integer(ColdSettlements::TripId))
                .col(big_integer(ColdSettlements::CarrierId))
                .col(string_len(ColdSettlements::Class, 16))
                .col(big_integer_null(ColdSettlements::PolicyId))
                .col(text(ColdSettlements::Policy))
                .col(boolean(ColdSettlements::Compliant))
                .col(text(ColdSettlements::Verdict))
                .col(double_null(ColdSettlements::MaxC))
                .col(double(ColdSettlements::Coverage))
                .col(big_integer(ColdSettlements::ExcursionSecs))
                .col(timestamp_with_time_zone(ColdSettlements::WindowFrom))
                .col(timestamp_with_time_zone(ColdSettlements::WindowTo))
                .col(big_integer(ColdSettlements::CarrierFeeFen))
                .col(big_integer(ColdSettlements::PenaltyFen))
                .col(big_integer(ColdSettlements::CompensationFen))
                .col(text(ColdSettlements::Compensations))
                .col(timestamp_with_time_zone(ColdSettlements::CreatedAt))
                .foreign_key(&mut fk(
                    ColdSettlements::Table,
                    ColdSettlements::BatchId,
                    ColdBatches::Table,
                    ColdBatches::Id,
                ))
                .foreign_key(&mut fk(
                    ColdSettlements::Table,
                    ColdSettlements::TripId,
                    Trips::Table,
                    Trips::Id,
                ))
                .to_owned(),
        )
        .await?;
        unique(
            m,
            "ux_cold_settlements_batch",
            ColdSettlements::Table,
            vec![ColdSettlements::BatchId.into_iden()],
        )
        .await?;
        index(
            m,
            "ix_cold_settlements_platform",
            ColdSettlements::Table,
            vec![
                ColdSettlements::PlatformId.into_iden(),
                ColdSettlements::CreatedAt.into_iden(),
            ],
        )
        .await?;
        let db = m.get_connection();
        let backend = m.get_database_backend();
        if backend == sea_orm::DatabaseBackend::Postgres {
            db.execute_unprepared(
                "CREATE FUNCTION record_immutable() RETURNS trigger LANGUAGE plpgsql AS \
                 $$ BEGIN RAISE EXCEPTION 'settlement records are immutable'; END $$",
            )
            .await?;
        }
        for sql in immutable(backend, "cold_settlements") {
            db.execute_unprepared(&sql).await?;
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            ColdSettlements::Table.into_iden(),
            ColdChainPolicies::Table.into_iden(),
        ] {
            m.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        if m.get_database_backend() == sea_orm::DatabaseBackend::Postgres {
            m.get_connection()
                .execute_unprepared("DROP FUNCTION IF EXISTS record_immutable()")
                .await?;
        }
        let drops: [(DynIden, DynIden); 5] = [
            (
                Platforms::Table.into_iden(),
                Platforms::CollectWithinDays.into_iden(),
            ),
            (Refunds::Table.into_iden(), Refunds::Kind.into_iden()),
            (Trips::Table.into_iden(), Trips::ColdSettledAt.into_iden()),
            (
                TripPackages::Table.into_iden(),
                TripPackages::OverdueAt.into_iden(),
            ),
            (Drivers::Table.into_iden(), Drivers::Manager.into_iden()),
        ];
        for (table, col) in drops {
            m.alter_table(Table::alter().table(table).drop_column(col).to_owned())
                .await?;
        }
        Ok(())
    }
}
