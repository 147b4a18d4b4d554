//! Poverty-alleviation linkage and traceability: the registry of supplier
//! households and cooperatives, merchants' purchases from them and the
//! wages of staff from registered households, product ingredients by
//! supplier, production batches with trace codes tied to order items, and
//! the daily statistics rollups.

use sea_orm_migration::{prelude::*, schema::*};

use crate::util::{add_column, fk, index, unique};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Platforms {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Villages {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Merchants {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Products {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum OrderItems {
    Table,
    BatchId,
}

#[derive(DeriveIden)]
enum Riders {
    Table,
    HouseholdId,
}

#[derive(DeriveIden)]
enum StoreStaff {
    Table,
    Id,
    HouseholdId,
}

#[derive(DeriveIden)]
enum Suppliers {
    Table,
    Id,
    PlatformId,
    Kind,
    RegisteredPoor,
    Name,
    VillageId,
    MemberCount,
    Phone,
    IdNumberHash,
    IdNumberLast4,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Purchases {
    Table,
    Id,
    PlatformId,
    MerchantId,
    SupplierId,
    Item,
    Quantity,
    Unit,
    UnitPriceFen,
    AmountFen,
    PurchasedOn,
    CreatedBy,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Wages {
    Table,
    Id,
    PlatformId,
    MerchantId,
    StaffId,
    SupplierId,
    Month,
    AmountFen,
    CreatedAt,
}

#[derive(DeriveIden)]
enum ProductIngredients {
    Table,
    Id,
    PlatformId,
    ProductId,
    SupplierId,
    Ingredient,
    CreatedAt,
}

#[derive(DeriveIden)]
enum ProductionBatches {
    Table,
    Id,
    PlatformId,
    MerchantId,
    StoreId,
    ProductId,
    ProducedOn,
    Quantity,
    Remaining,
    TraceCode,
    CreatedBy,
    CreatedAt,
}

#[derive(DeriveIden)]
enum BatchSources {
    Table,
    Id,
    BatchId,
    SupplierId,
    Ingredient,
}

#[derive(DeriveIden)]
enum DailyStats {
    Table,
    Id,
    PlatformId,
    Day,
    OrdersDelivered,
    CityOrders,
    VillageOrders,
    GmvFen,
    Trips,
    ColdBatches,
    ColdCompliant,
    RiderHouseholdFen,
    CreatedAt,
}

#[derive(DeriveIden)]
enum DailyReach {
    Table,
    Id,
    PlatformId,
    Day,
    Kind,
    RefId,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(Suppliers::Table)
                .col(big_pk_auto(Suppliers::Id))
                .col(big_integer(Suppliers::PlatformId))
                .col(string_len(Suppliers::Kind, 16))
                .col(boolean(Suppliers::RegisteredPoor))
                .col(string_len(Suppliers::Name, 64))
                .col(big_integer_null(Suppliers::VillageId))
                .col(integer(Suppliers::MemberCount))
                .col(string_len(Suppliers::Phone, 20))
                .col(string_len_null(Suppliers::IdNumberHash, 64))
                .col(string_len_null(Suppliers::IdNumberLast4, 4))
                .col(timestamp_with_time_zone(Suppliers::CreatedAt))
                .col(timestamp_with_time_zone(Suppliers::UpdatedAt))
                .foreign_key(&mut fk(
                    Suppliers::Table,
                    Suppliers::PlatformId,
                    Platforms::Table,
                    Platforms::Id,
                ))
                .foreign_key(&mut fk(
                    Suppliers::Table,
                    Suppliers::VillageId,
                    Villages::Table,
                    Villages::Id,
                ))
                .to_owned(),
        )
        .await?;
        index(
            m,
            "ix_suppliers_platform",
            Suppliers::Table,
            vec![Suppliers::PlatformId.into_iden()],
        )
        .await?;
        m.create_table(
            Table::create()
                .table(Purchases::Table)
                .col(big_pk_auto(Purchases::Id))
                .col(big_integer(Purchases::PlatformId))
                .col(big_integer(Purchases::MerchantId))
                .col(big_integer(Purchases::SupplierId))
                .col(string_len(Purchases::Item, 64))
                .col(double(Purchases::Quantity))
                .col(string_len(Purchases::Unit, 16))
                .col(big_integer(Purchases::UnitPriceFen))
                .col(big_integer(Purchases::AmountFen))
                .col(date(Purchases::PurchasedOn))
                .col(big_integer(Purchases::CreatedBy))
                .col(timestamp_with_time_zone(Purchases::CreatedAt))
                .foreign_key(&mut fk(
                    Purchases::Table,
                    Purchases::MerchantId,
                    Merchants::Table,
                    Merchants::Id,
                ))
                .foreign_key(&mut fk(
                    Purchases::Table,
                    Purchases::SupplierId,
                    Suppliers::Table,
                    Suppliers::Id,
                ))
                .to_owned(),
        )
        .await?;
        index(
            m,
            "ix_purchases_platform_day",
            Purchases::Table,
            vec![
                Purchases::PlatformId.into_iden(),
                Purchases::PurchasedOn.into_iden(),
            ],
        )
        .await?;
        m.create_table(
            Table::create()
                .table(Wages::Table)
                .col(big_pk_auto(Wages::Id))
                .col(big_integer(Wages::PlatformId))
                .col(big_integer(Wages::MerchantId))
                .col(big_integer(Wages::StaffId))
                .col(big_integer(Wages::SupplierId))
                .col(date(Wages::Month))
                .col(big_integer(Wages::AmountFen))
                .col(timestamp_with_time_zone(Wages::CreatedAt))
                .foreign_key(&mut fk(
                    Wages::Table,
                    Wages::StaffId,
                    StoreStaff::Table,
                    StoreStaff::Id,
                ))
                .foreign_key(&mut fk(
                    Wages::Table,
                    Wages::SupplierId,
                    Suppliers::Table,
                    Suppliers::Id,
                ))
                .to_owned(),
        )
        .await?;
        unique(
            m,
            "ux_wages_staff_month",
            Wages::Table,
            vec![Wages::StaffId.into_iden(), Wages::Month.into_iden()],
        )
        .await?;
        m.create_table(
            Table::create()
                .table(ProductIngredients::Table)
                .col(big_pk_auto(ProductIngredients::Id))
                .col(big_integer(ProductIngredients::PlatformId))
                .col(big_integer(ProductIngredients::ProductId))
                .col(big_integer(ProductIngredients::SupplierId))
                .col(string_len(ProductIngredients::Ingredient, 32))
                .col(timestamp_with_time_zone(ProductIngredients::CreatedAt))
                .foreign_key(&mut fk(
                    ProductIngredients::Table,
                    ProductIngredients::ProductId,
                    Products::Table,
                    Products::Id,
                ))
                .foreign_key(&mut fk(
                    ProductIngredients::Table,
                    ProductIngredients::SupplierId,
                    Suppliers::Table,
                    Suppliers::Id,
                ))
                .to_owned(),
        )
        .await?;
        unique(
            m,
            "ux_product_ingredients",
            ProductIngredients::Table,
            vec![
                ProductIngredients::ProductId.into_iden(),
                ProductIngredients::SupplierId.into_iden(),
                ProductIngredients::Ingredient.into_iden(),
            ],
        )
        .await?;
        m.create_table(
            Table::create()
                .table(ProductionBatches::Table)
                .col(big_pk_auto(ProductionBatches::Id))
                .col(big_integer(ProductionBatches::PlatformId))
                .col(big_integer(ProductionBatches::MerchantId))
                .col(big_integer(ProductionBatches::StoreId))
                .col(big_integer(ProductionBatches::ProductId))
                .col(date(ProductionBatches::ProducedOn))
                .col(integer(ProductionBatches::Quantity))
                .col(integer(ProductionBatches::Remaining))
                .col(string_len(ProductionBatches::TraceCode, 16))
                .col(big_integer(ProductionBatches::CreatedBy))
                .col(timestamp_with_time_zone(ProductionBatches::CreatedAt))
                .foreign_key(&mut fk(
                    ProductionBatches::Table,
                    ProductionBatches::ProductId,
                    Products::Table,
                    Products::Id,
                ))
                .to_owned(),
        )
        .await?;
        unique(
            m,
            "ux_production_batches_code",
            ProductionBatches::Table,
            vec![ProductionBatches::TraceCode.into_iden()],
        )
        .await?;
        index(
            m,
            "ix_production_batches_fifo",
            ProductionBatches::Table,
            vec![
                ProductionBatches::ProductId.into_iden(),
                ProductionBatches::ProducedOn.into_iden(),
            ],
        )
        .await?;
        m.create_table(
            Table::create()
                .table(BatchSources::Table)
                .col(big_pk_auto(BatchSources::Id))
                .col(big_integer(BatchSources::BatchId))
                .col(big_integer(BatchSources::SupplierId))
                .col(string_len(BatchSources::Ingredient, 32))
                .foreign_key(&mut fk(
                    BatchSources::Table,
                    BatchSources::BatchId,
                    ProductionBatches::Table,
                    ProductionBatches::Id,
                ))
                .foreign_key(&mut fk(
                    BatchSources::Table,
                    BatchSources::SupplierId,
                    Suppliers::Table,
                    Suppliers::Id,
                ))
                .to_owned(),
        )
        .await?;
        add_column(
            m,
            OrderItems::Table,
            big_integer_null(OrderItems::BatchId).to_owned(),
        )
        .await?;
        add_column(
            m,
            Riders::Table,
            big_integer_null(Riders::HouseholdId).to_owned(),
        )
        .await?;
        add_column(
            m,
            StoreStaff::Table,
            big_integer_null(StoreStaff::HouseholdId).to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(DailyStats::Table)
                .col(big_pk_auto(DailyStats::Id))
                .col(big_integer(DailyStats::PlatformId))
                .col(date(DailyStats::Day))
                .col(big_integer(DailyStats::OrdersDelivered))
                .col(big_integer(DailyStats::CityOrders))
                .col(big_integer(DailyStats::VillageOrders))
                .col(big_integer(DailyStats::GmvFen))
                .col(big_integer(DailyStats::Trips))
                .col(big_integer(DailyStats::ColdBatches))
                .col(big_integer(DailyStats::ColdCompliant))
                .col(big_integer(DailyStats::RiderHouseholdFen))
                .col(timestamp_with_time_zone(DailyStats::CreatedAt))
                .to_owned(),
        )
        .await?;
        unique(
            m,
            "ux_daily_stats_day",
            DailyStats::Table,
            vec![
                DailyStats::PlatformId.into_iden(),
                DailyStats::Day.into_iden(),
            ],
        )
        .await?;
        m.create_table(
            Table::create()
                .table(DailyReach::Table)
                .col(big_pk_auto(DailyReach::Id))
                .col(big_integer(DailyReach::PlatformId))
                .col(date(DailyReach::Day))
                .col(string_len(DailyReach::Kind, 16))
                .col(big_integer(DailyReach::RefId))
                .to_owned(),
        )
        .await?;
        unique(
            m,
            "ux_daily_reach",
            DailyReach::Table,
            vec![
                DailyReach::PlatformId.into_iden(),
                DailyReach::Kind.into_iden(),
                DailyReach::Day.into_iden(),
                DailyReach::RefId.into_iden(),
            ],
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            DailyReach::Table.into_iden(),
            DailyStats::Table.into_iden(),
            BatchSources::Table.into_iden(),
            ProductionBatches::Table.into_iden(),
            ProductIngredients::Table.into_iden(),
            Wages::Table.into_iden(),
            Purchases::Table.into_iden(),
        ] {
            m.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        let drops: [(DynIden, DynIden); 3] = [
            (
                OrderItems::Table.into_iden(),
                OrderItems::BatchId.into_iden(),
            ),
            (Riders::Table.into_iden(), Riders::HouseholdId.into_iden()),
            (
                StoreStaff::Table.into_iden(),
                StoreStaff::HouseholdId.into_iden(),
            ),
        ];
        for (table, col) in drops {
            m.alter_table(Table::alter().table(table).drop_column(col).to_owned())
                .await?;
        }
        m.drop_table(Table::drop().table(Suppliers::Table).to_owned())
            .await?;
        Ok(())
    }
}
