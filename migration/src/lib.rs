//! Tongcheng's schema, one source for SQLite and PostgreSQL.
//!
//! Migrations only add: a released migration is never edited, a change is a
//! new migration. Every business table carries `platform_id`, the tenant key.

pub use sea_orm_migration::prelude::*;

mod m20261123_000001_foundation;
mod m20261123_000002_listing;
mod m20261123_000003_orders;
mod m20261123_000004_job_claims;
mod m20261123_000005_city_delivery;
mod m20261123_000006_ledger;
mod m20261123_000007_settlement;
mod m20261123_000008_payouts;
mod m20261123_000009_reconciliation;
mod m20261123_000010_village_trips;
mod m20261123_000011_cold_settlement;
mod m20261123_000012_linkage_trace;
mod m20261123_000013_console;
mod m20261130_000014_cold_no_data;
mod m20261130_000015_pickup_code_tries;
mod m20261201_000016_host_admins;
mod m20261201_000017_setting_changes;
mod m20261201_000018_mini_programs;
mod m20261201_000019_refund_attention;
mod m20261201_000020_payment_accounts;
mod m20261201_000021_payment_sub_merchant;
mod m20261201_000022_profit_sharing;
mod m20261202_000023_sharing_returns;
mod util;

/// Runs Tongcheng's migrations in order.
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261123_000001_foundation::Migration),
            Box::new(m20261123_000002_listing::Migration),
            Box::new(m20261123_000003_orders::Migration),
            Box::new(m20261123_000004_job_claims::Migration),
            Box::new(m20261123_000005_city_delivery::Migration),
            Box::new(m20261123_000006_ledger::Migration),
            Box::new(m20261123_000007_settlement::Migration),
            Box::new(m20261123_000008_payouts::Migration),
            Box::new(m20261123_000009_reconciliation::Migration),
            Box::new(m20261123_000010_village_trips::Migration),
            Box::new(m20261123_000011_cold_settlement::Migration),
            Box::new(m20261123_000012_linkage_trace::Migration),
            Box::new(m20261123_000013_console::Migration),
            Box::new(m20261130_000014_cold_no_data::Migration),
            Box::new(m20261130_000015_pickup_code_tries::Migration),
            Box::new(m20261201_000016_host_admins::Migration),
            Box::new(m20261201_000017_setting_changes::Migration),
            Box::new(m20261201_000018_mini_programs::Migration),
            Box::new(m20261201_000019_refund_attention::Migration),
            Box::new(m20261201_000020_payment_accounts::Migration),
            Box::new(m20261201_000021_payment_sub_merchant::Migration),
            Box::new(m20261201_000022_profit_sharing::Migration),
            Box::new(m20261202_000023_sharing_returns::Migration),
        ]
    }
}
