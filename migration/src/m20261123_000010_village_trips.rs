//! The to-door line, part 3: village fleet (carriers, vehicles with cold
//! compartments, drivers), SKU weights and volumes, and the planned trips
//! of each departure with their stops and packages.

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
enum Users {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Orders {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Skus {
    Table,
    WeightG,
    VolumeMl,
}

#[derive(DeriveIden)]
enum Carriers {
    Table,
    Id,
    PlatformId,
    Name,
    ContactPhone,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Vehicles {
    Table,
    Id,
    PlatformId,
    CarrierId,
    Plate,
    CapacityG,
    CapacityMl,
    ChilledMl,
    FrozenMl,
    SensorIds,
    Active,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Drivers {
    Table,
    Id,
    PlatformId,
    CarrierId,
    UserId,
    Name,
    Phone,
    CreatedAt,
}

#[derive(DeriveIden)]
enum DeparturePlans {
    Table,
    Id,
    PlatformId,
    DepartureId,
    DepartsAt,
    Trips,
    RolledOver,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Trips {
    Table,
    Id,
    PlatformId,
    PlanId,
    RouteId,
    DepartureId,
    DepartsAt,
    Seq,
    VehicleId,
    CarrierId,
    Status,
    LoadG,
    LoadMl,
    ChilledMl,
    FrozenMl,
    LengthM,
    NaiveLengthM,
    CreatedAt,
    DepartedAt,
    CompletedAt,
}

#[derive(DeriveIden)]
enum TripStops {
    Table,
    Id,
    PlatformId,
    TripId,
    Seq,
    Kind,
    PlaceId,
    Lat,
    Lng,
    Eta,
    ArrivedAt,
    HandedOverAt,
}

#[derive(DeriveIden)]
enum ColdBatches {
    Table,
    Id,
    PlatformId,
    TripId,
    Class,
    SensorId,
    OrderIds,
    CreatedAt,
}

#[derive(DeriveIden)]
enum TemperatureReadings {
    Table,
    Id,
    PlatformId,
    TripId,
    BatchId,
    SensorId,
    At,
    Celsius,
    OutOfBand,
    CreatedAt,
}

#[derive(DeriveIden)]
enum AgentPoints {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum AgentKeepers {
    Table,
    Id,
    PlatformId,
    AgentPointId,
    UserId,
    CreatedAt,
}

#[derive(DeriveIden)]
enum TripPackages {
    Table,
    Id,
    PlatformId,
    TripId,
    OrderId,
    PickupSeq,
    DropSeq,
    HandoverCode,
    PickupCode,
    Status,
    Reason,
    CreatedAt,
    UpdatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        add_column(
            m,
            Skus::Table,
            integer(Skus::WeightG).default(500).to_owned(),
        )
        .await?;
        add_column(
            m,
            Skus::Table,
            integer(Skus::VolumeMl).default(750).to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(Carriers::Table)
                .col(big_pk_auto(Carriers::Id))
                .col(big_integer(Carriers::PlatformId))
                .col(string_len(Carriers::Name, 64))
                .col(string_len(Carriers::ContactPhone, 20))
                .col(timestamp_with_time_zone(Carriers::CreatedAt))
                .foreign_key(&mut fk(
                    Carriers::Table,
                    Carriers::PlatformId,
                    Platforms::Table,
                    Platforms::Id,
                ))
                .to_owned(),
        )
        .await?;
        unique(
            m,
            "ux_carriers_name",
            Carriers::Table,
            vec![Carriers::PlatformId.into_iden(), Carriers::Name.into_iden()],
        )
        .await?;

        m.create_table(
            Table::create()
                .table(Vehicles::Table)
                .col(big_pk_auto(Vehicles::Id))
                .col(big_integer(Vehicles::PlatformId))
                .col(big_integer(Vehicles::CarrierId))
                .col(string_len(Vehicles::Plate, 16))
                .col(big_integer(Vehicles::CapacityG))
                .col(big_integer(Vehicles::CapacityMl))
                .col(big_integer(Vehicles::ChilledMl))
                .col(big_integer(Vehicles::FrozenMl))
                .col(text(Vehicles::SensorIds))
                .col(boolean(Vehicles::Active))
                .col(timestamp_with_time_zone(Vehicles::CreatedAt))
                .foreign_key(&mut fk(
                    Vehicles::Table,
                    Vehicles::CarrierId,
                    Carriers::Table,
                    Carriers::Id,
                ))
                .to_owned(),
        )
        .await?;
        unique(
            m,
            "ux_vehicles_plate",
            Vehicles::Table,
            vec![
                Vehicles::PlatformId.into_iden(),
                Vehicles::Plate.into_iden(),
            ],
        )
        .await?;

        m.create_table(
            Table::create()
                .table(Drivers::Table)
                .col(big_pk_auto(Drivers::Id))
                .col(big_integer(Drivers::PlatformId))
                .col(big_integer(Drivers::CarrierId))
                .col(big_integer(Drivers::UserId))
                .col(string_len(Drivers::Name, 32))
                .col(string_len(Drivers::Phone, 20))
                .col(timestamp_with_time_zone(Drivers::CreatedAt))
                .foreign_key(&mut fk(
                    Drivers::Table,
                    Drivers::CarrierId,
                    Carriers::Table,
                    Carriers::Id,
                ))
                .foreign_key(&mut fk(
                    Drivers::Table,
                    Drivers::UserId,
                    Users::Table,
                    Users::Id,
                ))
                .to_owned(),
        )
        .await?;
        unique(
            m,
            "ux_drivers_user",
            Drivers::Table,
            vec![Drivers::PlatformId.into_iden(), Drivers::UserId.into_iden()],
        )
        .await?;

        m.create_table(
            Table::create()
                .table(DeparturePlans::Table)
                .col(big_pk_auto(DeparturePlans::Id))
                .col(big_integer(DeparturePlans::PlatformId))
                .col(big_integer(DeparturePlans::DepartureId))
                .col(timestamp_with_time_zone(DeparturePlans::DepartsAt))
                .col(integer(DeparturePlans::Trips))
                .col(integer(DeparturePlans::RolledOver))
                .col(timestamp_with_time_zone(DeparturePlans::CreatedAt))
                .to_owned(),
        )
        .await?;
        // A departure is planned once, whatever workers race for it.
        unique(
            m,
            "ux_departure_plans_instance",
            DeparturePlans::Table,
            vec![
                DeparturePlans::DepartureId.into_iden(),
                DeparturePlans::DepartsAt.into_iden(),
            ],
        )
        .await?;

        m.create_table(
            Table::create()
                .table(Trips::Table)
                .col(big_pk_auto(Trips::Id))
                .col(big_integer(Trips::PlatformId))
                .col(big_integer(Trips::PlanId))
                .col(big_integer(Trips::RouteId))
                .col(big_integer(Trips::DepartureId))
                .col(timestamp_with_time_zone(Trips::DepartsAt))
                .col(integer(Trips::Seq))
                .col(big_integer(Trips::VehicleId))
                .col(big_integer(Trips::CarrierId))
                .col(string_len(Trips::Status, 16))
                .col(big_integer(Trips::LoadG))
                .col(big_integer(Trips::LoadMl))
                .col(big_integer(Trips::ChilledMl))
                .col(big_integer(Trips::FrozenMl))
                .col(double(Trips::LengthM))
                .col(double(Trips::NaiveLengthM))
                .col(timestamp_with_time_zone(Trips::CreatedAt))
                .col(timestamp_with_time_zone_null(Trips::DepartedAt))
                .col(timestamp_with_time_zone_null(Trips::CompletedAt))
                .foreign_key(&mut fk(
                    Trips::Table,
                    Trips::PlanId,
                    DeparturePlans::Table,
                    DeparturePlans::Id,
                ))
                .foreign_key(&mut fk(
                    Trips::Table,
                    Trips::VehicleId,
                    Vehicles::Table,
                    Vehicles::Id,
                ))
                .to_owned(),
        )
        .await?;
        unique(
            m,
            "ux_trips_plan_seq",
            Trips::Table,
            vec![Trips::PlanId.into_iden(), Trips::Seq.into_iden()],
        )
        .await?;
        index(
            m,
            "ix_trips_vehicle_time",
            Trips::Table,
            vec![Trips::VehicleId.into_iden(), Trips::DepartsAt.into_iden()],
        )
        .await?;
        index(
            m,
            "ix_trips_carrier_time",
            Trips::Table,
            vec![Trips::CarrierId.into_iden(), Trips::DepartsAt.into_iden()],
        )
        .await?;

        m.create_table(
            Table::create()
                .table(TripStops::Table)
                .col(big_pk_auto(TripStops::Id))
                .col(big_integer(TripStops::PlatformId))
                .col(big_integer(TripStops::TripId))
                .col(integer(TripStops::Seq))
                .col(string_len(TripStops::Kind, 16))
                .col(big_integer(TripStops::PlaceId))
                .col(double(TripStops::Lat))
                .col(double(TripStops::Lng))
                .col(timestamp_with_time_zone(TripStops::Eta))
                .col(timestamp_with_time_zone_null(TripStops::ArrivedAt))
                .col(timestamp_with_time_zone_null(TripStops::HandedOverAt))
                .foreign_key(&mut fk(
                    TripStops::Table,
                    TripStops::TripId,
                    Trips::Table,
                    Trips::Id,
                ))
                .to_owned(),
        )
        .await?;
        unique(
            m,
            "ux_trip_stops_seq",
            TripStops::Table,
            vec![TripStops::TripId.into_iden(), TripStops::Seq.into_iden()],
        )
        .await?;

        m.create_table(
            Table::create()
                .table(TripPackages::Table)
                .col(big_pk_auto(TripPackages::Id))
                .col(big_integer(TripPackages::PlatformId))
                .col(big_integer(TripPackages::TripId))
                .col(big_integer(TripPackages::OrderId))
                .col(integer(TripPackages::PickupSeq))
                .col(integer(TripPackages::DropSeq))
                .col(string_len(TripPackages::HandoverCode, 8))
                .col(string_len(TripPackages::PickupCode, 8))
                .col(string_len(TripPackages::Status, 16))
                .col(text_null(TripPackages::Reason))
                .col(timestamp_with_time_zone(TripPackages::CreatedAt))
                .col(timestamp_with_time_zone(TripPackages::UpdatedAt))
                .foreign_key(&mut fk(
                    TripPackages::Table,
                    TripPackages::TripId,
                    Trips::Table,
                    Trips::Id,
                ))
                .foreign_key(&mut fk(
                    TripPackages::Table,
                    TripPackages::OrderId,
                    Orders::Table,
                    Orders::Id,
                ))
                .to_owned(),
        )
        .await?;
        index(
            m,
            "ix_trip_packages_trip",
            TripPackages::Table,
            vec![TripPackages::TripId.into_iden()],
        )
        .await?;
        index(
            m,
            "ix_trip_packages_order",
            TripPackages::Table,
            vec![TripPackages::OrderId.into_iden()],
        )
        .await?;

        m.create_table(
            Table::create()
                .table(AgentKeepers::Table)
                .col(big_pk_auto(AgentKeepers::Id))
                .col(big_integer(AgentKeepers::PlatformId))
                .col(big_integer(AgentKeepers::AgentPointId))
                .col(big_integer(AgentKeepers::UserId))
                .col(timestamp_with_time_zone(AgentKeepers::CreatedAt))
                .foreign_key(&mut fk(
                    AgentKeepers::Table,
                    AgentKeepers::AgentPointId,
                    AgentPoints::Table,
                    AgentPoints::Id,
                ))
                .foreign_key(&mut fk(
                    AgentKeepers::Table,
                    AgentKeepers::UserId,
                    Users::Table,
                    Users::Id,
                ))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(ColdBatches::Table)
                .col(big_pk_auto(ColdBatches::Id))
                .col(big_integer(ColdBatches::PlatformId))
                .col(big_integer(ColdBatches::TripId))
                .col(string_len(ColdBatches::Class, 16))
                .col(string_len(ColdBatches::SensorId, 64))
                .col(text(ColdBatches::OrderIds))
                .col(timestamp_with_time_zone(ColdBatches::CreatedAt))
                .foreign_key(&mut fk(
                    ColdBatches::Table,
                    ColdBatches::TripId,
                    Trips::Table,
                    Trips::Id,
                ))
                .to_owned(),
        )
        .await?;
        unique(
            m,
            "ux_cold_batches_trip_class",
            ColdBatches::Table,
            vec![
                ColdBatches::TripId.into_iden(),
                ColdBatches::Class.into_iden(),
            ],
        )
        .await?;
        m.create_table(
            Table::create()
                .table(TemperatureReadings::Table)
                .col(big_pk_auto(TemperatureReadings::Id))
                .col(big_integer(TemperatureReadings::PlatformId))
                .col(big_integer(TemperatureReadings::TripId))
                .col(big_integer(TemperatureReadings::BatchId))
                .col(string_len(TemperatureReadings::SensorId, 64))
                .col(timestamp_with_time_zone(TemperatureReadings::At))
                .col(double(TemperatureReadings::Celsius))
                .col(boolean(TemperatureReadings::OutOfBand))
                .col(timestamp_with_time_zone(TemperatureReadings::CreatedAt))
                .foreign_key(&mut fk(
                    TemperatureReadings::Table,
                    TemperatureReadings::BatchId,
                    ColdBatches::Table,
                    ColdBatches::Id,
                ))
                .to_owned(),
        )
        .await?;
        // A gateway resending a reading adds nothing.
        unique(
            m,
            "ux_temperature_readings_sensor_at",
            TemperatureReadings::Table,
            vec![
                TemperatureReadings::TripId.into_iden(),
                TemperatureReadings::SensorId.into_iden(),
                TemperatureReadings::At.into_iden(),
            ],
        )
        .await?;
        unique(
            m,
            "ux_agent_keepers_user",
            AgentKeepers::Table,
            vec![
                AgentKeepers::PlatformId.into_iden(),
                AgentKeepers::UserId.into_iden(),
            ],
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            TemperatureReadings::Table.into_iden(),
            ColdBatches::Table.into_iden(),
            AgentKeepers::Table.into_iden(),
            TripPackages::Table.into_iden(),
            TripStops::Table.into_iden(),
            Trips::Table.into_iden(),
            DeparturePlans::Table.into_iden(),
            Drivers::Table.into_iden(),
            Vehicles::Table.into_iden(),
            Carriers::Table.into_iden(),
        ] {
            m.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        for col in [Skus::WeightG.into_iden(), Skus::VolumeMl.into_iden()] {
            m.alter_table(
                Table::alter()
                    .table(Skus::Table)
                    .drop_column(col)
                    .to_owned(),
            )
            .await?;
        }
        Ok(())
    }
}
