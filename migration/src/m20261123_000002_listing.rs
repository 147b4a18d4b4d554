//! The listing line: service-area routes and departures, resident
//! addresses, merchant applications, store settings and staff, menus
//! (categories, products, SKUs), uploaded media and review decisions.

use sea_orm_migration::{prelude::*, schema::*};

use crate::util::{add_column, fk, index, unique};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Platforms {
    Table,
    UtcOffsetMinutes,
    FeeHintCityFen,
    FeeHintVillageFen,
}

#[derive(DeriveIden)]
enum Routes {
    Table,
    Id,
    PlatformId,
    Name,
    HubName,
    HubLat,
    HubLng,
    Active,
    CreatedAt,
}

#[derive(DeriveIden)]
enum RouteStops {
    Table,
    Id,
    PlatformId,
    RouteId,
    AgentPointId,
    Seq,
}

#[derive(DeriveIden)]
enum Departures {
    Table,
    Id,
    PlatformId,
    RouteId,
    Weekdays,
    DepartAt,
    CutoffMinutes,
    Active,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Addresses {
    Table,
    Id,
    PlatformId,
    UserId,
    Kind,
    Label,
    ContactName,
    ContactPhone,
    Detail,
    Lat,
    Lng,
    CommunityId,
    AgentPointId,
    DeletedAt,
    CreatedAt,
}

#[derive(DeriveIden)]
enum MerchantApplications {
    Table,
    Id,
    PlatformId,
    UserId,
    BusinessName,
    Category,
    LicenceNo,
    FoodPermitNo,
    ContactName,
    ContactPhone,
    Address,
    Lat,
    Lng,
    DeliveryModes,
    Status,
    Reason,
    DecidedBy,
    DecidedAt,
    MerchantId,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Merchants {
    Table,
    FoodPermitNo,
    DeliveryModes,
}

#[derive(DeriveIden)]
enum Stores {
    Table,
    Id,
    OpeningHours,
    ClosedNow,
    DeliveryRadiusM,
    MinOrderFen,
    PackingFeeFen,
    PrepMinutes,
    LogoUrl,
    CoverUrl,
    Version,
}

#[derive(DeriveIden)]
enum StoreStaff {
    Table,
    Id,
    PlatformId,
    StoreId,
    UserId,
    CreatedAt,
}

#[derive(DeriveIden)]
enum StoreRoutes {
    Table,
    Id,
    PlatformId,
    StoreId,
    RouteId,
}

#[derive(DeriveIden)]
enum Categories {
    Table,
    Id,
    PlatformId,
    StoreId,
    Name,
    Position,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Products {
    Table,
    Id,
    PlatformId,
    StoreId,
    CategoryId,
    Status,
    Name,
    Description,
    Images,
    Unit,
    ColdChain,
    WeightG,
    Origin,
    Live,
    LiveName,
    RejectReason,
    Version,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Skus {
    Table,
    Id,
    PlatformId,
    ProductId,
    Name,
    PriceFen,
    Stock,
    OnShelf,
    Position,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Media {
    Table,
    Id,
    PlatformId,
    OwnerUserId,
    FileName,
    ContentType,
    SizeBytes,
    CreatedAt,
}

#[derive(DeriveIden)]
enum ListingDecisions {
    Table,
    Id,
    PlatformId,
    ProductId,
    Decision,
    Reason,
    ActorUserId,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum AgentPoints {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Communities {
    Table,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // China Standard Time; one county platform has one local time.
        add_column(
            m,
            Platforms::Table,
            integer(Platforms::UtcOffsetMinutes).default(480).to_owned(),
        )
        .await?;
        add_column(
            m,
            Platforms::Table,
            big_integer(Platforms::FeeHintCityFen)
                .default(300)
                .to_owned(),
        )
        .await?;
        add_column(
            m,
            Platforms::Table,
            big_integer(Platforms::FeeHintVillageFen)
                .default(500)
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(Routes::Table)
                .col(big_pk_auto(Routes::Id))
                .col(big_integer(Routes::PlatformId))
                .col(string_len(Routes::Name, 64))
                .col(string_len(Routes::HubName, 64))
                .col(double(Routes::HubLat))
                .col(double(Routes::HubLng))
                .col(boolean(Routes::Active).default(true))
                .col(timestamp_with_time_zone(Routes::CreatedAt))
                .foreign_key(&mut fk(
                    Routes::Table,
                    Routes::PlatformId,
                    Alias::new("platforms"),
                    Alias::new("id"),
                ))
                .to_owned(),
        )
        .await?;
        unique(
            m,
            "ux_routes_platform_name",
            Routes::Table,
            vec![Routes::PlatformId.into_iden(), Routes::Name.into_iden()],
        )
        .await?;

        m.create_table(
            Table::create()
                .table(RouteStops::Table)
                .col(big_pk_auto(RouteStops::Id))
                .col(big_integer(RouteStops::PlatformId))
                .col(big_integer(RouteStops::RouteId))
                .col(big_integer(RouteStops::AgentPointId))
                .col(integer(RouteStops::Seq))
                .foreign_key(&mut fk(
                    RouteStops::Table,
                    RouteStops::RouteId,
                    Routes::Table,
                    Routes::Id,
                ))
                .foreign_key(&mut fk(
                    RouteStops::Table,
                    RouteStops::AgentPointId,
                    AgentPoints::Table,
                    AgentPoints::Id,
                ))
                .to_owned(),
        )
        .await?;
        unique(
            m,
            "ux_route_stops_route_point",
            RouteStops::Table,
            vec![
                RouteStops::RouteId.into_iden(),
                RouteStops::AgentPointId.into_iden(),
            ],
        )
        .await?;
        index(
            m,
            "ix_route_stops_point",
            RouteStops::Table,
            vec![RouteStops::AgentPointId.into_iden()],
        )
        .await?;

        m.create_table(
            Table::create()
                .table(Departures::Table)
                .col(big_pk_auto(Departures::Id))
                .col(big_integer(Departures::PlatformId))
                .col(big_integer(Departures::RouteId))
                .col(integer(Departures::Weekdays))
                .col(string_len(Departures::DepartAt, 5))
                .col(integer(Departures::CutoffMinutes))
                .col(boolean(Departures::Active).default(true))
                .col(timestamp_with_time_zone(Departures::CreatedAt))
                .foreign_key(&mut fk(
                    Departures::Table,
                    Departures::RouteId,
                    Routes::Table,
                    Routes::Id,
                ))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(Addresses::Table)
                .col(big_pk_auto(Addresses::Id))
                .col(big_integer(Addresses::PlatformId))
                .col(big_integer(Addresses::UserId))
                .col(string_len(Addresses::Kind, 16))
                .col(string_len(Addresses::Label, 32))
                .col(string_len(Addresses::ContactName, 32))
                .col(string_len(Addresses::ContactPhone, 20))
                .col(string_len(Addresses::Detail, 128))
                .col(double_null(Addresses::Lat))
                .col(double_null(Addresses::Lng))
                .col(big_integer_null(Addresses::CommunityId))
                .col(big_integer_null(Addresses::AgentPointId))
                .col(timestamp_with_time_zone_null(Addresses::DeletedAt))
                .col(timestamp_with_time_zone(Addresses::CreatedAt))
                .foreign_key(&mut fk(
                    Addresses::Table,
                    Addresses::UserId,
                    Users::Table,
                    Users::Id,
                ))
                .foreign_key(&mut fk(
                    Addresses::Table,
                    Addresses::CommunityId,
                    Communities::Table,
                    Communities::Id,
                ))
                .foreign_key(&mut fk(
                    Addresses::Table,
                    Addresses::AgentPointId,
                    AgentPoints::Table,
                    AgentPoints::Id,
                ))
                .to_owned(),
        )
        .await?;
        index(
            m,
            "ix_addresses_user",
            Addresses::Table,
            vec![Addresses::UserId.into_iden()],
        )
        .await?;

        m.create_table(
            Table::create()
                .table(MerchantApplications::Table)
                .col(big_pk_auto(MerchantApplications::Id))
                .col(big_integer(MerchantApplications::PlatformId))
                .col(big_integer(MerchantApplications::UserId))
                .col(string_len(MerchantApplications::BusinessName, 64))
                .col(string_len(MerchantApplications::Category, 32))
                .col(string_len(MerchantApplications::LicenceNo, 32))
                .col(string_len(MerchantApplications::FoodPermitNo, 32))
                .col(string_len(MerchantApplications::ContactName, 32))
                .col(string_len(MerchantApplications::ContactPhone, 20))
                .col(string_len(MerchantApplications::Address, 128))
                .col(double(MerchantApplications::Lat))
                .col(double(MerchantApplications::Lng))
                .col(string_len(MerchantApplications::DeliveryModes, 16))
                .col(string_len(MerchantApplications::Status, 16))
                .col(text_null(MerchantApplications::Reason))
                .col(big_integer_null(MerchantApplications::DecidedBy))
                .col(timestamp_with_time_zone_null(
                    MerchantApplications::DecidedAt,
                ))
                .col(big_integer_null(MerchantApplications::MerchantId))
                .col(timestamp_with_time_zone(MerchantApplications::CreatedAt))
                .foreign_key(&mut fk(
                    MerchantApplications::Table,
                    MerchantApplications::UserId,
                    Users::Table,
                    Users::Id,
                ))
                .to_owned(),
        )
        .await?;
        index(
            m,
            "ix_merchant_applications_queue",
            MerchantApplications::Table,
            vec![
                MerchantApplications::PlatformId.into_iden(),
                MerchantApplications::Status.into_iden(),
            ],
        )
        .await?;
        // One pending application per user and platform; the database decides,
        // so two simultaneous submissions cannot both pass. Same SQL on both.
        m.get_connection()
            .execute_unprepared(
                "CREATE UNIQUE INDEX ux_merchant_applications_one_pending \
                 ON merchant_applications (platform_id, user_id) WHERE status = 'pending'",
            )
            .await?;

        add_column(
            m,
            Merchants::Table,
            string_len(Merchants::FoodPermitNo, 32)
                .default("")
                .to_owned(),
        )
        .await?;
        add_column(
            m,
            Merchants::Table,
            string_len(Merchants::DeliveryModes, 16)
                .default("city")
                .to_owned(),
        )
        .await?;

        add_column(
            m,
            Stores::Table,
            text(Stores::OpeningHours).default("[]").to_owned(),
        )
        .await?;
        add_column(
            m,
            Stores::Table,
            boolean(Stores::ClosedNow).default(false).to_owned(),
        )
        .await?;
        add_column(
            m,
            Stores::Table,
            integer(Stores::DeliveryRadiusM).default(3000).to_owned(),
        )
        .await?;
        add_column(
            m,
            Stores::Table,
            big_integer(Stores::MinOrderFen).default(0).to_owned(),
        )
        .await?;
        add_column(
            m,
            Stores::Table,
            big_integer(Stores::PackingFeeFen).default(0).to_owned(),
        )
        .await?;
        add_column(
            m,
            Stores::Table,
            integer(Stores::PrepMinutes).default(20).to_owned(),
        )
        .await?;
        add_column(
            m,
            Stores::Table,
            string_len_null(Stores::LogoUrl, 256).to_owned(),
        )
        .await?;
        add_column(
            m,
            Stores::Table,
            string_len_null(Stores::CoverUrl, 256).to_owned(),
        )
        .await?;
        add_column(
            m,
            Stores::Table,
            integer(Stores::Version).default(1).to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(StoreStaff::Table)
                .col(big_pk_auto(StoreStaff::Id))
                .col(big_integer(StoreStaff::PlatformId))
                .col(big_integer(StoreStaff::StoreId))
                .col(big_integer(StoreStaff::UserId))
                .col(timestamp_with_time_zone(StoreStaff::CreatedAt))
                .foreign_key(&mut fk(
                    StoreStaff::Table,
                    StoreStaff::StoreId,
                    Stores::Table,
                    Stores::Id,
                ))
                .foreign_key(&mut fk(
                    StoreStaff::Table,
                    StoreStaff::UserId,
                    Users::Table,
                    Users::Id,
                ))
                .to_owned(),
        )
        .await?;
        unique(
            m,
            "ux_store_staff_store_user",
            StoreStaff::Table,
            vec![
                StoreStaff::StoreId.into_iden(),
                StoreStaff::UserId.into_iden(),
            ],
        )
        .await?;
        index(
            m,
            "ix_store_staff_user",
            StoreStaff::Table,
            vec![StoreStaff::UserId.into_iden()],
        )
        .await?;

        m.create_table(
            Table::create()
                .table(StoreRoutes::Table)
                .col(big_pk_auto(StoreRoutes::Id))
                .col(big_integer(StoreRoutes::PlatformId))
                .col(big_integer(StoreRoutes::StoreId))
                .col(big_integer(StoreRoutes::RouteId))
                .foreign_key(&mut fk(
                    StoreRoutes::Table,
                    StoreRoutes::StoreId,
                    Stores::Table,
                    Stores::Id,
                ))
                .foreign_key(&mut fk(
                    StoreRoutes::Table,
                    StoreRoutes::RouteId,
                    Routes::Table,
                    Routes::Id,
                ))
                .to_owned(),
        )
        .await?;
        unique(
            m,
            "ux_store_routes",
            StoreRoutes::Table,
            vec![
                StoreRoutes::StoreId.into_iden(),
                StoreRoutes::RouteId.into_iden(),
            ],
        )
        .await?;

        m.create_table(
            Table::create()
                .table(Categories::Table)
                .col(big_pk_auto(Categories::Id))
                .col(big_integer(Categories::PlatformId))
                .col(big_integer(Categories::StoreId))
                .col(string_len(Categories::Name, 32))
                .col(integer(Categories::Position))
                .col(timestamp_with_time_zone(Categories::CreatedAt))
                .foreign_key(&mut fk(
                    Categories::Table,
                    Categories::StoreId,
                    Stores::Table,
                    Stores::Id,
                ))
                .to_owned(),
        )
        .await?;
        unique(
            m,
            "ux_categories_store_name",
            Categories::Table,
            vec![
                Categories::StoreId.into_iden(),
                Categories::Name.into_iden(),
            ],
        )
        .await?;

        m.create_table(
            Table::create()
                .table(Products::Table)
                .col(big_pk_auto(Products::Id))
                .col(big_integer(Products::PlatformId))
                .col(big_integer(Products::StoreId))
                .col(big_integer_null(Products::CategoryId))
                .col(string_len(Products::Status, 16))
                .col(string_len(Products::Name, 64))
                .col(text(Products::Description))
                .col(text(Products::Images))
                .col(string_len(Products::Unit, 16))
                .col(string_len(Products::ColdChain, 16))
                .col(integer(Products::WeightG))
                .col(string_len(Products::Origin, 128))
                .col(text_null(Products::Live))
                .col(string_len_null(Products::LiveName, 64))
                .col(text_null(Products::RejectReason))
                .col(integer(Products::Version))
                .col(timestamp_with_time_zone(Products::CreatedAt))
                .col(timestamp_with_time_zone(Products::UpdatedAt))
                .foreign_key(&mut fk(
                    Products::Table,
                    Products::StoreId,
                    Stores::Table,
                    Stores::Id,
                ))
                .foreign_key(&mut fk(
                    Products::Table,
                    Products::CategoryId,
                    Categories::Table,
                    Categories::Id,
                ))
                .to_owned(),
        )
        .await?;
        index(
            m,
            "ix_products_store",
            Products::Table,
            vec![Products::StoreId.into_iden()],
        )
        .await?;
        index(
            m,
            "ix_products_platform_status",
            Products::Table,
            vec![
                Products::PlatformId.into_iden(),
                Products::Status.into_iden(),
            ],
        )
        .await?;

        m.create_table(
            Table::create()
                .table(Skus::Table)
                .col(big_pk_auto(Skus::Id))
                .col(big_integer(Skus::PlatformId))
                .col(big_integer(Skus::ProductId))
                .col(string_len(Skus::Name, 64))
                .col(big_integer(Skus::PriceFen))
                .col(big_integer_null(Skus::Stock))
                .col(boolean(Skus::OnShelf).default(true))
                .col(integer(Skus::Position))
                .col(timestamp_with_time_zone(Skus::CreatedAt))
                .foreign_key(&mut fk(
                    Skus::Table,
                    Skus::ProductId,
                    Products::Table,
                    Products::Id,
                ))
                .to_owned(),
        )
        .await?;
        index(
            m,
            "ix_skus_product",
            Skus::Table,
            vec![Skus::ProductId.into_iden()],
        )
        .await?;

        m.create_table(
            Table::create()
                .table(Media::Table)
                .col(big_pk_auto(Media::Id))
                .col(big_integer(Media::PlatformId))
                .col(big_integer(Media::OwnerUserId))
                .col(string_len_uniq(Media::FileName, 96))
                .col(string_len(Media::ContentType, 32))
                .col(big_integer(Media::SizeBytes))
                .col(timestamp_with_time_zone(Media::CreatedAt))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(ListingDecisions::Table)
                .col(big_pk_auto(ListingDecisions::Id))
                .col(big_integer(ListingDecisions::PlatformId))
                .col(big_integer(ListingDecisions::ProductId))
                .col(string_len(ListingDecisions::Decision, 16))
                .col(text_null(ListingDecisions::Reason))
                .col(big_integer(ListingDecisions::ActorUserId))
                .col(timestamp_with_time_zone(ListingDecisions::CreatedAt))
                .foreign_key(&mut fk(
                    ListingDecisions::Table,
                    ListingDecisions::ProductId,
                    Products::Table,
                    Products::Id,
                ))
                .to_owned(),
        )
        .await?;
        index(
            m,
            "ix_listing_decisions_product",
            ListingDecisions::Table,
            vec![ListingDecisions::ProductId.into_iden()],
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            ListingDecisions::Table.into_iden(),
            Media::Table.into_iden(),
            Skus::Table.into_iden(),
            Products::Table.into_iden(),
            Categories::Table.into_iden(),
            StoreRoutes::Table.into_iden(),
            StoreStaff::Table.into_iden(),
            MerchantApplications::Table.into_iden(),
            Addresses::Table.into_iden(),
            Departures::Table.into_iden(),
            RouteStops::Table.into_iden(),
            Routes::Table.into_iden(),
        ] {
            m.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        for col in [
            Stores::OpeningHours.into_iden(),
            Stores::ClosedNow.into_iden(),
            Stores::DeliveryRadiusM.into_iden(),
            Stores::MinOrderFen.into_iden(),
            Stores::PackingFeeFen.into_iden(),
            Stores::PrepMinutes.into_iden(),
            Stores::LogoUrl.into_iden(),
            Stores::CoverUrl.into_iden(),
            Stores::Version.into_iden(),
        ] {
            m.alter_table(
                Table::alter()
                    .table(Stores::Table)
                    .drop_column(col)
                    .to_owned(),
            )
            .await?;
        }
        for col in [
            Merchants::FoodPermitNo.into_iden(),
            Merchants::DeliveryModes.into_iden(),
        ] {
            m.alter_table(
                Table::alter()
                    .table(Merchants::Table)
                    .drop_column(col)
                    .to_owned(),
            )
            .await?;
        }
        for col in [
            Platforms::UtcOffsetMinutes.into_iden(),
            Platforms::FeeHintCityFen.into_iden(),
            Platforms::FeeHintVillageFen.into_iden(),
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
