//! The to-door line, part 1: fee rules, orders with their items and event
//! timeline, idempotency keys, payments and refunds.

use sea_orm_migration::{prelude::*, schema::*};

use crate::util::{add_column, fk, index, unique};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Platforms {
    Table,
    Id,
    PaymentTimeoutSecs,
    AcceptanceTimeoutSecs,
}

#[derive(DeriveIden)]
enum FeeRules {
    Table,
    Id,
    PlatformId,
    Rules,
    EffectiveFrom,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Orders {
    Table,
    Id,
    PlatformId,
    OrderNo,
    UserId,
    StoreId,
    AddressId,
    AddressSnapshot,
    DeliveryKind,
    Status,
    ItemsTotalFen,
    PackingFeeFen,
    DeliveryFeeFen,
    SurchargeFen,
    DiscountFen,
    PayableFen,
    FeeRuleId,
    Note,
    DeliveryPlan,
    IdempotencyKey,
    RequestHash,
    PaidAt,
    AcceptedAt,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum OrderItems {
    Table,
    Id,
    PlatformId,
    OrderId,
    SkuId,
    ProductId,
    ProductName,
    SkuName,
    UnitPriceFen,
    Qty,
    LineTotalFen,
    ColdChain,
    StockReserved,
}

#[derive(DeriveIden)]
enum OrderEvents {
    Table,
    Id,
    PlatformId,
    OrderId,
    FromStatus,
    ToStatus,
    Event,
    ActorKind,
    ActorUserId,
    Reason,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Payments {
    Table,
    Id,
    PlatformId,
    OrderId,
    Provider,
    OutTradeNo,
    AmountFen,
    Status,
    PrepayId,
    TransactionId,
    CreatedAt,
    PaidAt,
}

#[derive(DeriveIden)]
enum Refunds {
    Table,
    Id,
    PlatformId,
    OrderId,
    PaymentId,
    OutRefundNo,
    AmountFen,
    Reason,
    Status,
    CreatedAt,
    CompletedAt,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Stores {
    Table,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        add_column(
            m,
            Platforms::Table,
            integer(Platforms::PaymentTimeoutSecs)
                .default(900)
                .to_owned(),
        )
        .await?;
        add_column(
            m,
            Platforms::Table,
            integer(Platforms::AcceptanceTimeoutSecs)
                .default(300)
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(FeeRules::Table)
                .col(big_pk_auto(FeeRules::Id))
                .col(big_integer(FeeRules::PlatformId))
                .col(text(FeeRules::Rules))
                .col(timestamp_with_time_zone(FeeRules::EffectiveFrom))
                .col(timestamp_with_time_zone(FeeRules::CreatedAt))
                .foreign_key(&mut fk(
                    FeeRules::Table,
                    FeeRules::PlatformId,
                    Platforms::Table,
                    Platforms::Id,
                ))
                .to_owned(),
        )
        .await?;
        index(
            m,
            "ix_fee_rules_platform_effective",
            FeeRules::Table,
            vec![
                FeeRules::PlatformId.into_iden(),
                FeeRules::EffectiveFrom.into_iden(),
            ],
        )
        .await?;

        m.create_table(
            Table::create()
                .table(Orders::Table)
                .col(big_pk_auto(Orders::Id))
                .col(big_integer(Orders::PlatformId))
                .col(string_len_uniq(Orders::OrderNo, 32))
                .col(big_integer(Orders::UserId))
                .col(big_integer(Orders::StoreId))
                .col(big_integer(Orders::AddressId))
                .col(text(Orders::AddressSnapshot))
                .col(string_len(Orders::DeliveryKind, 16))
                .col(string_len(Orders::Status, 24))
                .col(big_integer(Orders::ItemsTotalFen))
                .col(big_integer(Orders::PackingFeeFen))
                .col(big_integer(Orders::DeliveryFeeFen))
                .col(big_integer(Orders::SurchargeFen))
                .col(big_integer(Orders::DiscountFen))
                .col(big_integer(Orders::PayableFen))
                .col(big_integer(Orders::FeeRuleId))
                .col(string_len(Orders::Note, 200))
                .col(text(Orders::DeliveryPlan))
                .col(string_len_null(Orders::IdempotencyKey, 64))
                .col(string_len_null(Orders::RequestHash, 64))
                .col(timestamp_with_time_zone_null(Orders::PaidAt))
                .col(timestamp_with_time_zone_null(Orders::AcceptedAt))
                .col(timestamp_with_time_zone(Orders::CreatedAt))
                .col(timestamp_with_time_zone(Orders::UpdatedAt))
                .foreign_key(&mut fk(
                    Orders::Table,
                    Orders::UserId,
                    Users::Table,
                    Users::Id,
                ))
                .foreign_key(&mut fk(
                    Orders::Table,
                    Orders::StoreId,
                    Stores::Table,
                    Stores::Id,
                ))
                .foreign_key(&mut fk(
                    Orders::Table,
                    Orders::FeeRuleId,
                    FeeRules::Table,
                    FeeRules::Id,
                ))
                .to_owned(),
        )
        .await?;
        unique(
            m,
            "ux_orders_user_idempotency_key",
            Orders::Table,
            vec![
                Orders::UserId.into_iden(),
                Orders::IdempotencyKey.into_iden(),
            ],
        )
        .await?;
        index(
            m,
            "ix_orders_user",
            Orders::Table,
            vec![Orders::UserId.into_iden(), Orders::Id.into_iden()],
        )
        .await?;
        index(
            m,
            "ix_orders_store_status",
            Orders::Table,
            vec![Orders::StoreId.into_iden(), Orders::Status.into_iden()],
        )
        .await?;
        index(
            m,
            "ix_orders_platform_status",
            Orders::Table,
            vec![Orders::PlatformId.into_iden(), Orders::Status.into_iden()],
        )
        .await?;

        m.create_table(
            Table::create()
                .table(OrderItems::Table)
                .col(big_pk_auto(OrderItems::Id))
                .col(big_integer(OrderItems::PlatformId))
                .col(big_integer(OrderItems::OrderId))
                .col(big_integer(OrderItems::SkuId))
                .col(big_integer(OrderItems::ProductId))
                .col(string_len(OrderItems::ProductName, 64))
                .col(string_len(OrderItems::SkuName, 64))
                .col(big_integer(OrderItems::UnitPriceFen))
                .col(integer(OrderItems::Qty))
                .col(big_integer(OrderItems::LineTotalFen))
                .col(string_len(OrderItems::ColdChain, 16))
                .col(boolean(OrderItems::StockReserved))
                .foreign_key(&mut fk(
                    OrderItems::Table,
                    OrderItems::OrderId,
                    Orders::Table,
                    Orders::Id,
                ))
                .to_owned(),
        )
        .await?;
        index(
            m,
            "ix_order_items_order",
            OrderItems::Table,
            vec![OrderItems::OrderId.into_iden()],
        )
        .await?;

        m.create_table(
            Table::create()
                .table(OrderEvents::Table)
                .col(big_pk_auto(OrderEvents::Id))
                .col(big_integer(OrderEvents::PlatformId))
                .col(big_integer(OrderEvents::OrderId))
                .col(string_len_null(OrderEvents::FromStatus, 24))
                .col(string_len(OrderEvents::ToStatus, 24))
                .col(string_len(OrderEvents::Event, 32))
                .col(string_len(OrderEvents::ActorKind, 16))
                .col(big_integer_null(OrderEvents::ActorUserId))
                .col(text_null(OrderEvents::Reason))
                .col(timestamp_with_time_zone(OrderEvents::CreatedAt))
                .foreign_key(&mut fk(
                    OrderEvents::Table,
                    OrderEvents::OrderId,
                    Orders::Table,
                    Orders::Id,
                ))
                .to_owned(),
        )
        .await?;
        index(
            m,
            "ix_order_events_order",
            OrderEvents::Table,
            vec![
                OrderEvents::OrderId.into_iden(),
                OrderEvents::Id.into_iden(),
            ],
        )
        .await?;

        m.create_table(
            Table::create()
                .table(Payments::Table)
                .col(big_pk_auto(Payments::Id))
                .col(big_integer(Payments::PlatformId))
                .col(big_integer(Payments::OrderId))
                .col(string_len(Payments::Provider, 16))
                .col(string_len_uniq(Payments::OutTradeNo, 32))
                .col(big_integer(Payments::AmountFen))
                .col(string_len(Payments::Status, 16))
                .col(string_len_null(Payments::PrepayId, 64))
                .col(string_len_null(Payments::TransactionId, 64))
                .col(timestamp_with_time_zone(Payments::CreatedAt))
                .col(timestamp_with_time_zone_null(Payments::PaidAt))
                .foreign_key(&mut fk(
                    Payments::Table,
                    Payments::OrderId,
                    Orders::Table,
                    Orders::Id,
                ))
                .to_owned(),
        )
        .await?;
        index(
            m,
            "ix_payments_order",
            Payments::Table,
            vec![Payments::OrderId.into_iden()],
        )
        .await?;

        m.create_table(
            Table::create()
                .table(Refunds::Table)
                .col(big_pk_auto(Refunds::Id))
                .col(big_integer(Refunds::PlatformId))
                .col(big_integer(Refunds::OrderId))
                .col(big_integer(Refunds::PaymentId))
                .col(string_len_uniq(Refunds::OutRefundNo, 40))
                .col(big_integer(Refunds::AmountFen))
                .col(text(Refunds::Reason))
                .col(string_len(Refunds::Status, 16))
                .col(timestamp_with_time_zone(Refunds::CreatedAt))
                .col(timestamp_with_time_zone_null(Refunds::CompletedAt))
                .foreign_key(&mut fk(
                    Refunds::Table,
                    Refunds::OrderId,
                    Orders::Table,
                    Orders::Id,
                ))
                .foreign_key(&mut fk(
                    Refunds::Table,
                    Refunds::PaymentId,
                    Payments::Table,
                    Payments::Id,
                ))
                .to_owned(),
        )
        .await?;
        index(
            m,
            "ix_refunds_order",
            Refunds::Table,
            vec![Refunds::OrderId.into_iden()],
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            Refunds::Table.into_iden(),
            Payments::Table.into_iden(),
            OrderEvents::Table.into_iden(),
            OrderItems::Table.into_iden(),
            Orders::Table.into_iden(),
            FeeRules::Table.into_iden(),
        ] {
            m.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        for col in [
            Platforms::PaymentTimeoutSecs.into_iden(),
            Platforms::AcceptanceTimeoutSecs.into_iden(),
        ] {
            m.alter_table(
                Table::alter()
                    .table(Platforms::Table)
                    .drop_column(col)
                    .to_owned(),
            )
            .await?;
        }
        Ok(())
    }
}
