//! The foundation: county platforms, service area, users and their identities,
//! roles, sessions, operator accounts, the first merchants, and the job tables.

use sea_orm_migration::{prelude::*, schema::*};

use crate::util::fk;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Platforms {
    Table,
    Id,
    Code,
    Name,
    Region,
    CenterLat,
    CenterLng,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Communities {
    Table,
    Id,
    PlatformId,
    Name,
    CenterLat,
    CenterLng,
    RadiusM,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Villages {
    Table,
    Id,
    PlatformId,
    Name,
    Township,
    Lat,
    Lng,
    CreatedAt,
}

#[derive(DeriveIden)]
enum AgentPoints {
    Table,
    Id,
    PlatformId,
    VillageId,
    Name,
    KeeperName,
    Phone,
    Lat,
    Lng,
    OpeningHours,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
    PlatformId,
    DisplayName,
    Disabled,
    CreatedAt,
}

#[derive(DeriveIden)]
enum WechatIdentities {
    Table,
    Id,
    PlatformId,
    UserId,
    Appid,
    Openid,
    Unionid,
    CreatedAt,
}

#[derive(DeriveIden)]
enum RoleMemberships {
    Table,
    Id,
    PlatformId,
    UserId,
    Role,
    CreatedAt,
}

#[derive(DeriveIden)]
enum RefreshTokens {
    Table,
    Id,
    PlatformId,
    UserId,
    FamilyId,
    TokenHash,
    ExpiresAt,
    CreatedAt,
    UsedAt,
    RevokedAt,
}

#[derive(DeriveIden)]
enum OperatorAccounts {
    Table,
    Id,
    PlatformId,
    UserId,
    Username,
    PasswordHash,
    CreatedAt,
}

#[derive(DeriveIden)]
enum LoginThrottles {
    Table,
    Username,
    FailedAttempts,
    LockedUntil,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Merchants {
    Table,
    Id,
    PlatformId,
    OwnerUserId,
    Name,
    Category,
    Status,
    LicenceNo,
    ContactPhone,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Stores {
    Table,
    Id,
    PlatformId,
    MerchantId,
    Name,
    Address,
    Lat,
    Lng,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Jobs {
    Table,
    Id,
    PlatformId,
    Kind,
    Payload,
    DedupeKey,
    State,
    Attempts,
    MaxAttempts,
    RunAt,
    LockedUntil,
    LockedBy,
    LastError,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum PeriodicRuns {
    Table,
    Name,
    LastStartedAt,
    LastFinishedAt,
    LastError,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(Platforms::Table)
                .col(big_pk_auto(Platforms::Id))
                .col(string_len_uniq(Platforms::Code, 32))
                .col(string_len(Platforms::Name, 64))
                .col(string_len(Platforms::Region, 128))
                .col(double(Platforms::CenterLat))
                .col(double(Platforms::CenterLng))
                .col(timestamp_with_time_zone(Platforms::CreatedAt))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(Communities::Table)
                .col(big_pk_auto(Communities::Id))
                .col(big_integer(Communities::PlatformId))
                .col(string_len(Communities::Name, 64))
                .col(double(Communities::CenterLat))
                .col(double(Communities::CenterLng))
                .col(integer(Communities::RadiusM))
                .col(timestamp_with_time_zone(Communities::CreatedAt))
                .foreign_key(&mut fk(
                    Communities::Table,
                    Communities::PlatformId,
                    Platforms::Table,
                    Platforms::Id,
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ux_communities_platform_name")
                .table(Communities::Table)
                .col(Communities::PlatformId)
                .col(Communities::Name)
                .unique()
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(Villages::Table)
                .col(big_pk_auto(Villages::Id))
                .col(big_integer(Villages::PlatformId))
                .col(string_len(Villages::Name, 64))
                .col(string_len(Villages::Township, 64))
                .col(double(Villages::Lat))
                .col(double(Villages::Lng))
                .col(timestamp_with_time_zone(Villages::CreatedAt))
                .foreign_key(&mut fk(
                    Villages::Table,
                    Villages::PlatformId,
                    Platforms::Table,
                    Platforms::Id,
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ux_villages_platform_township_name")
                .table(Villages::Table)
                .col(Villages::PlatformId)
                .col(Villages::Township)
                .col(Villages::Name)
                .unique()
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(AgentPoints::Table)
                .col(big_pk_auto(AgentPoints::Id))
                .col(big_integer(AgentPoints::PlatformId))
                .col(big_integer(AgentPoints::VillageId))
                .col(string_len(AgentPoints::Name, 64))
                .col(string_len(AgentPoints::KeeperName, 64))
                .col(string_len(AgentPoints::Phone, 32))
                .col(double(AgentPoints::Lat))
                .col(double(AgentPoints::Lng))
                .col(string_len(AgentPoints::OpeningHours, 64))
                .col(timestamp_with_time_zone(AgentPoints::CreatedAt))
                .foreign_key(&mut fk(
                    AgentPoints::Table,
                    AgentPoints::PlatformId,
                    Platforms::Table,
                    Platforms::Id,
                ))
                .foreign_key(&mut fk(
                    AgentPoints::Table,
                    AgentPoints::VillageId,
                    Villages::Table,
                    Villages::Id,
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ux_agent_points_platform_village_name")
                .table(AgentPoints::Table)
                .col(AgentPoints::PlatformId)
                .col(AgentPoints::VillageId)
                .col(AgentPoints::Name)
                .unique()
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(Users::Table)
                .col(big_pk_auto(Users::Id))
                .col(big_integer(Users::PlatformId))
                .col(string_len(Users::DisplayName, 64))
                .col(boolean(Users::Disabled).default(false))
                .col(timestamp_with_time_zone(Users::CreatedAt))
                .foreign_key(&mut fk(
                    Users::Table,
                    Users::PlatformId,
                    Platforms::Table,
                    Platforms::Id,
                ))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(WechatIdentities::Table)
                .col(big_pk_auto(WechatIdentities::Id))
                .col(big_integer(WechatIdentities::PlatformId))
                .col(big_integer(WechatIdentities::UserId))
                .col(string_len(WechatIdentities::Appid, 64))
                .col(string_len(WechatIdentities::Openid, 128))
                .col(string_len_null(WechatIdentities::Unionid, 128))
                .col(timestamp_with_time_zone(WechatIdentities::CreatedAt))
                .foreign_key(&mut fk(
                    WechatIdentities::Table,
                    WechatIdentities::PlatformId,
                    Platforms::Table,
                    Platforms::Id,
                ))
                .foreign_key(&mut fk(
                    WechatIdentities::Table,
                    WechatIdentities::UserId,
                    Users::Table,
                    Users::Id,
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ux_wechat_identities_appid_openid")
                .table(WechatIdentities::Table)
                .col(WechatIdentities::Appid)
                .col(WechatIdentities::Openid)
                .unique()
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_wechat_identities_unionid")
                .table(WechatIdentities::Table)
                .col(WechatIdentities::Unionid)
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(RoleMemberships::Table)
                .col(big_pk_auto(RoleMemberships::Id))
                .col(big_integer(RoleMemberships::PlatformId))
                .col(big_integer(RoleMemberships::UserId))
                .col(string_len(RoleMemberships::Role, 32))
                .col(timestamp_with_time_zone(RoleMemberships::CreatedAt))
                .foreign_key(&mut fk(
                    RoleMemberships::Table,
                    RoleMemberships::PlatformId,
                    Platforms::Table,
                    Platforms::Id,
                ))
                .foreign_key(&mut fk(
                    RoleMemberships::Table,
                    RoleMemberships::UserId,
                    Users::Table,
                    Users::Id,
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ux_role_memberships_platform_user_role")
                .table(RoleMemberships::Table)
                .col(RoleMemberships::PlatformId)
                .col(RoleMemberships::UserId)
                .col(RoleMemberships::Role)
                .unique()
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(RefreshTokens::Table)
                .col(big_pk_auto(RefreshTokens::Id))
                .col(big_integer(RefreshTokens::PlatformId))
                .col(big_integer(RefreshTokens::UserId))
                .col(string_len(RefreshTokens::FamilyId, 64))
                .col(string_len_uniq(RefreshTokens::TokenHash, 64))
                .col(timestamp_with_time_zone(RefreshTokens::ExpiresAt))
                .col(timestamp_with_time_zone(RefreshTokens::CreatedAt))
                .col(timestamp_with_time_zone_null(RefreshTokens::UsedAt))
                .col(timestamp_with_time_zone_null(RefreshTokens::RevokedAt))
                .foreign_key(&mut fk(
                    RefreshTokens::Table,
                    RefreshTokens::PlatformId,
                    Platforms::Table,
                    Platforms::Id,
                ))
                .foreign_key(&mut fk(
                    RefreshTokens::Table,
                    RefreshTokens::UserId,
                    Users::Table,
                    Users::Id,
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_refresh_tokens_family")
                .table(RefreshTokens::Table)
                .col(RefreshTokens::FamilyId)
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_refresh_tokens_expires_at")
                .table(RefreshTokens::Table)
                .col(RefreshTokens::ExpiresAt)
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(OperatorAccounts::Table)
                .col(big_pk_auto(OperatorAccounts::Id))
                .col(big_integer(OperatorAccounts::PlatformId))
                .col(big_integer_uniq(OperatorAccounts::UserId))
                .col(string_len_uniq(OperatorAccounts::Username, 64))
                .col(string_len(OperatorAccounts::PasswordHash, 256))
                .col(timestamp_with_time_zone(OperatorAccounts::CreatedAt))
                .foreign_key(&mut fk(
                    OperatorAccounts::Table,
                    OperatorAccounts::PlatformId,
                    Platforms::Table,
                    Platforms::Id,
                ))
                .foreign_key(&mut fk(
                    OperatorAccounts::Table,
                    OperatorAccounts::UserId,
                    Users::Table,
                    Users::Id,
                ))
                .to_owned(),
        )
        .await?;

        // Keyed by the username as typed, whether or not an account has it,
        // so that locking out behaves the same for unknown usernames.
        m.create_table(
            Table::create()
                .table(LoginThrottles::Table)
                .col(string_len(LoginThrottles::Username, 64).primary_key())
                .col(integer(LoginThrottles::FailedAttempts).default(0))
                .col(timestamp_with_time_zone_null(LoginThrottles::LockedUntil))
                .col(timestamp_with_time_zone(LoginThrottles::UpdatedAt))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(Merchants::Table)
                .col(big_pk_auto(Merchants::Id))
                .col(big_integer(Merchants::PlatformId))
                .col(big_integer(Merchants::OwnerUserId))
                .col(string_len(Merchants::Name, 64))
                .col(string_len(Merchants::Category, 32))
                .col(string_len(Merchants::Status, 16))
                .col(string_len(Merchants::LicenceNo, 64))
                .col(string_len(Merchants::ContactPhone, 32))
                .col(timestamp_with_time_zone(Merchants::CreatedAt))
                .foreign_key(&mut fk(
                    Merchants::Table,
                    Merchants::PlatformId,
                    Platforms::Table,
                    Platforms::Id,
                ))
                .foreign_key(&mut fk(
                    Merchants::Table,
                    Merchants::OwnerUserId,
                    Users::Table,
                    Users::Id,
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ux_merchants_platform_name")
                .table(Merchants::Table)
                .col(Merchants::PlatformId)
                .col(Merchants::Name)
                .unique()
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(Stores::Table)
                .col(big_pk_auto(Stores::Id))
                .col(big_integer(Stores::PlatformId))
                .col(big_integer(Stores::MerchantId))
                .col(string_len(Stores::Name, 64))
                .col(string_len(Stores::Address, 128))
                .col(double(Stores::Lat))
                .col(double(Stores::Lng))
                .col(timestamp_with_time_zone(Stores::CreatedAt))
                .foreign_key(&mut fk(
                    Stores::Table,
                    Stores::PlatformId,
                    Platforms::Table,
                    Platforms::Id,
                ))
                .foreign_key(&mut fk(
                    Stores::Table,
                    Stores::MerchantId,
                    Merchants::Table,
                    Merchants::Id,
                ))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(Jobs::Table)
                .col(big_pk_auto(Jobs::Id))
                .col(big_integer_null(Jobs::PlatformId))
                .col(string_len(Jobs::Kind, 64))
                .col(text(Jobs::Payload))
                .col(string_len_null(Jobs::DedupeKey, 128))
                .col(string_len(Jobs::State, 16))
                .col(integer(Jobs::Attempts).default(0))
                .col(integer(Jobs::MaxAttempts))
                .col(timestamp_with_time_zone(Jobs::RunAt))
                .col(timestamp_with_time_zone_null(Jobs::LockedUntil))
                .col(string_len_null(Jobs::LockedBy, 64))
                .col(text_null(Jobs::LastError))
                .col(timestamp_with_time_zone(Jobs::CreatedAt))
                .col(timestamp_with_time_zone(Jobs::UpdatedAt))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ux_jobs_dedupe_key")
                .table(Jobs::Table)
                .col(Jobs::DedupeKey)
                .unique()
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_jobs_state_run_at")
                .table(Jobs::Table)
                .col(Jobs::State)
                .col(Jobs::RunAt)
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(PeriodicRuns::Table)
                .col(string_len(PeriodicRuns::Name, 64).primary_key())
                .col(timestamp_with_time_zone_null(PeriodicRuns::LastStartedAt))
                .col(timestamp_with_time_zone_null(PeriodicRuns::LastFinishedAt))
                .col(text_null(PeriodicRuns::LastError))
                .to_owned(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            PeriodicRuns::Table.into_iden(),
            Jobs::Table.into_iden(),
            Stores::Table.into_iden(),
            Merchants::Table.into_iden(),
            LoginThrottles::Table.into_iden(),
            OperatorAccounts::Table.into_iden(),
            RefreshTokens::Table.into_iden(),
            RoleMemberships::Table.into_iden(),
            WechatIdentities::Table.into_iden(),
            Users::Table.into_iden(),
            AgentPoints::Table.into_iden(),
            Villages::Table.into_iden(),
            Communities::Table.into_iden(),
            Platforms::Table.into_iden(),
        ] {
            m.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        Ok(())
    }
}
