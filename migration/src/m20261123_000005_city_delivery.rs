//! The to-door line, part 2: riders, delivery jobs, dispatch offers, rider
//! tracks, the platform's dispatch settings and the order's ready time.

use sea_orm_migration::{prelude::*, schema::*};

use crate::util::{add_column, fk, index, unique};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Platforms {
    Table,
    Id,
    DispatchMode,
    HybridWaitSecs,
    RiderMaxJobs,
    OfferTimeoutSecs,
    UnassignedAlertSecs,
    PickupGeofenceM,
}

#[derive(DeriveIden)]
enum Orders {
    Table,
    Id,
    ReadyAt,
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

#[derive(DeriveIden)]
enum Riders {
    Table,
    Id,
    PlatformId,
    UserId,
    RealName,
    Phone,
    IdNumberHash,
    IdNumberLast4,
    Vehicle,
    HealthCertNo,
    HealthCertExpires,
    PoorHousehold,
    Status,
    ReviewReason,
    ReviewedBy,
    ReviewedAt,
    OnDuty,
    Lat,
    Lng,
    LocatedAt,
    ActiveJobs,
    GiveUps,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum DeliveryJobs {
    Table,
    Id,
    PlatformId,
    OrderId,
    StoreId,
    PickupLat,
    PickupLng,
    DropLat,
    DropLng,
    DistanceM,
    ReadyBy,
    ColdChain,
    RiderFeeFen,
    FeeRuleId,
    Status,
    RiderId,
    Code,
    CodeFailures,
    AssignedAt,
    PickedUpAt,
    DeliveredAt,
    AlertedAt,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum DispatchOffers {
    Table,
    Id,
    PlatformId,
    JobId,
    RiderId,
    Status,
    CostSecs,
    CreatedAt,
    ExpiresAt,
    DecidedAt,
}

#[derive(DeriveIden)]
enum RiderPositions {
    Table,
    Id,
    PlatformId,
    RiderId,
    Lat,
    Lng,
    At,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for col in [
            string_len(Platforms::DispatchMode, 16)
                .default("hybrid")
                .to_owned(),
            integer(Platforms::HybridWaitSecs).default(60).to_owned(),
            integer(Platforms::RiderMaxJobs).default(3).to_owned(),
            integer(Platforms::OfferTimeoutSecs).default(45).to_owned(),
            integer(Platforms::UnassignedAlertSecs)
                .default(300)
                .to_owned(),
            integer(Platforms::PickupGeofenceM).default(200).to_owned(),
        ] {
            add_column(m, Platforms::Table, col).await?;
        }
        add_column(
            m,
            Orders::Table,
            timestamp_with_time_zone_null(Orders::ReadyAt).to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(Riders::Table)
                .col(big_pk_auto(Riders::Id))
                .col(big_integer(Riders::PlatformId))
                .col(big_integer(Riders::UserId))
                .col(string_len(Riders::RealName, 32))
                .col(string_len(Riders::Phone, 20))
                .col(string_len(Riders::IdNumberHash, 64))
                .col(string_len(Riders::IdNumberLast4, 4))
                .col(string_len(Riders::Vehicle, 16))
                .col(string_len(Riders::HealthCertNo, 32))
                .col(date(Riders::HealthCertExpires))
                .col(boolean(Riders::PoorHousehold))
                .col(string_len(Riders::Status, 16))
                .col(text_null(Riders::ReviewReason))
                .col(big_integer_null(Riders::ReviewedBy))
                .col(timestamp_with_time_zone_null(Riders::ReviewedAt))
                .col(boolean(Riders::OnDuty))
                .col(double_null(Riders::Lat))
                .col(double_null(Riders::Lng))
                .col(timestamp_with_time_zone_null(Riders::LocatedAt))
                .col(integer(Riders::ActiveJobs))
                .col(integer(Riders::GiveUps))
                .col(timestamp_with_time_zone(Riders::CreatedAt))
                .col(timestamp_with_time_zone(Riders::UpdatedAt))
                .foreign_key(&mut fk(
                    Riders::Table,
                    Riders::UserId,
                    Users::Table,
                    Users::Id,
                ))
                .foreign_key(&mut fk(
                    Riders::Table,
                    Riders::PlatformId,
                    Platforms::Table,
                    Platforms::Id,
                ))
                .to_owned(),
        )
        .await?;
        unique(
            m,
            "ux_riders_user",
            Riders::Table,
            vec![Riders::PlatformId.into_iden(), Riders::UserId.into_iden()],
        )
        .await?;
        unique(
            m,
            "ux_riders_id_number",
            Riders::Table,
            vec![
                Riders::PlatformId.into_iden(),
                Riders::IdNumberHash.into_iden(),
            ],
        )
        .await?;
        index(
            m,
            "ix_riders_platform_status",
            Riders::Table,
            vec![
                Riders::PlatformId.into_iden(),
                Riders::Status.into_iden(),
                Riders::OnDuty.into_iden(),
            ],
        )
        .await?;

        m.create_table(
            Table::create()
                .table(DeliveryJobs::Table)
                .col(big_pk_auto(DeliveryJobs::Id))
                .col(big_integer(DeliveryJobs::PlatformId))
                .col(big_integer_uniq(DeliveryJobs::OrderId))
                .col(big_integer(DeliveryJobs::StoreId))
                .col(double(DeliveryJobs::PickupLat))
                .col(double(DeliveryJobs::PickupLng))
                .col(double(DeliveryJobs::DropLat))
                .col(double(DeliveryJobs::DropLng))
                .col(big_integer(DeliveryJobs::DistanceM))
                .col(timestamp_with_time_zone(DeliveryJobs::ReadyBy))
                .col(string_len(DeliveryJobs::ColdChain, 16))
                .col(big_integer(DeliveryJobs::RiderFeeFen))
                .col(big_integer(DeliveryJobs::FeeRuleId))
                .col(string_len(DeliveryJobs::Status, 16))
                .col(big_integer_null(DeliveryJobs::RiderId))
                .col(string_len(DeliveryJobs::Code, 8))
                .col(integer(DeliveryJobs::CodeFailures))
                .col(timestamp_with_time_zone_null(DeliveryJobs::AssignedAt))
                .col(timestamp_with_time_zone_null(DeliveryJobs::PickedUpAt))
                .col(timestamp_with_time_zone_null(DeliveryJobs::DeliveredAt))
                .col(timestamp_with_time_zone_null(DeliveryJobs::AlertedAt))
                .col(timestamp_with_time_zone(DeliveryJobs::CreatedAt))
                .col(timestamp_with_time_zone(DeliveryJobs::UpdatedAt))
                .foreign_key(&mut fk(
                    DeliveryJobs::Table,
                    DeliveryJobs::OrderId,
                    Orders::Table,
                    Orders::Id,
                ))
                .foreign_key(&mut fk(
                    DeliveryJobs::Table,
                    DeliveryJobs::StoreId,
                    Stores::Table,
                    Stores::Id,
                ))
                .foreign_key(&mut fk(
                    DeliveryJobs::Table,
                    DeliveryJobs::RiderId,
                    Riders::Table,
                    Riders::Id,
                ))
                .to_owned(),
        )
        .await?;
        index(
            m,
            "ix_delivery_jobs_platform_status",
            DeliveryJobs::Table,
            vec![
                DeliveryJobs::PlatformId.into_iden(),
                DeliveryJobs::Status.into_iden(),
            ],
        )
        .await?;
        index(
            m,
            "ix_delivery_jobs_rider",
            DeliveryJobs::Table,
            vec![
                DeliveryJobs::RiderId.into_iden(),
                DeliveryJobs::Status.into_iden(),
            ],
        )
        .await?;

        m.create_table(
            Table::create()
                .table(DispatchOffers::Table)
                .col(big_pk_auto(DispatchOffers::Id))
                .col(big_integer(DispatchOffers::PlatformId))
                .col(big_integer(DispatchOffers::JobId))
                .col(big_integer(DispatchOffers::RiderId))
                .col(string_len(DispatchOffers::Status, 16))
                .col(big_integer(DispatchOffers::CostSecs))
                .col(timestamp_with_time_zone(DispatchOffers::CreatedAt))
                .col(timestamp_with_time_zone(DispatchOffers::ExpiresAt))
                .col(timestamp_with_time_zone_null(DispatchOffers::DecidedAt))
                .foreign_key(&mut fk(
                    DispatchOffers::Table,
                    DispatchOffers::JobId,
                    DeliveryJobs::Table,
                    DeliveryJobs::Id,
                ))
                .foreign_key(&mut fk(
                    DispatchOffers::Table,
                    DispatchOffers::RiderId,
                    Riders::Table,
                    Riders::Id,
                ))
                .to_owned(),
        )
        .await?;
        // A job is offered to a rider once: a declined or expired offer
        // keeps that rider out of the job's later rounds.
        unique(
            m,
            "ux_dispatch_offers_job_rider",
            DispatchOffers::Table,
            vec![
                DispatchOffers::JobId.into_iden(),
                DispatchOffers::RiderId.into_iden(),
            ],
        )
        .await?;
        index(
            m,
            "ix_dispatch_offers_status",
            DispatchOffers::Table,
            vec![
                DispatchOffers::Status.into_iden(),
                DispatchOffers::ExpiresAt.into_iden(),
            ],
        )
        .await?;

        m.create_table(
            Table::create()
                .table(RiderPositions::Table)
                .col(big_pk_auto(RiderPositions::Id))
                .col(big_integer(RiderPositions::PlatformId))
                .col(big_integer(RiderPositions::RiderId))
                .col(double(RiderPositions::Lat))
                .col(double(RiderPositions::Lng))
                .col(timestamp_with_time_zone(RiderPositions::At))
                .foreign_key(&mut fk(
                    RiderPositions::Table,
                    RiderPositions::RiderId,
                    Riders::Table,
                    Riders::Id,
                ))
                .to_owned(),
        )
        .await?;
        // A resent batch adds nothing: one point per rider and instant.
        unique(
            m,
            "ux_rider_positions_rider_at",
            RiderPositions::Table,
            vec![
                RiderPositions::RiderId.into_iden(),
                RiderPositions::At.into_iden(),
            ],
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            RiderPositions::Table.into_iden(),
            DispatchOffers::Table.into_iden(),
            DeliveryJobs::Table.into_iden(),
            Riders::Table.into_iden(),
        ] {
            m.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        m.alter_table(
            Table::alter()
                .table(Orders::Table)
                .drop_column(Orders::ReadyAt)
                .to_owned(),
        )
        .await?;
        for col in [
            Platforms::DispatchMode.into_iden(),
            Platforms::HybridWaitSecs.into_iden(),
            Platforms::RiderMaxJobs.into_iden(),
            Platforms::OfferTimeoutSecs.into_iden(),
            Platforms::UnassignedAlertSecs.into_iden(),
            Platforms::PickupGeofenceM.into_iden(),
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
