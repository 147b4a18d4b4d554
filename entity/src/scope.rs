//! Loading one object by id, the one way: [`get`] for an id the caller
//! already trusts (a job's order), [`on_platform`] for an id a caller sent,
//! where another county's object is "not found" so that ids cannot be probed
//! across platforms.

use sea_orm::{ConnectionTrait, EntityTrait, PrimaryKeyTrait};

use crate::error::{DomainError, DomainResult};

/// A row that belongs to one county platform.
pub trait OnPlatform {
    /// The platform (tenant) it belongs to.
    fn platform_id(&self) -> i64;
}

macro_rules! on_platform_tables {
    ($($table:ident),* $(,)?) => {
        $(impl OnPlatform for crate::$table::Model {
            fn platform_id(&self) -> i64 {
                self.platform_id
            }
        })*
    };
}

on_platform_tables!(
    address,
    agent_keeper,
    agent_point,
    carrier,
    category,
    cold_batch,
    cold_chain_policy,
    cold_settlement,
    commission_rule,
    community,
    console_session,
    daily_reach,
    daily_stat,
    delivery_job,
    departure,
    departure_plan,
    dispatch_offer,
    driver,
    fee_rule,
    ledger_account,
    ledger_entry,
    ledger_posting,
    listing_decision,
    media,
    merchant,
    merchant_application,
    operator_account,
    order,
    order_event,
    order_item,
    payment,
    payout,
    product,
    product_ingredient,
    production_batch,
    profit_share,
    profit_share_line,
    profit_share_return,
    purchase,
    reconciliation_report,
    refresh_token,
    refund,
    rider,
    rider_position,
    role_membership,
    route,
    route_stop,
    settlement_run,
    sku,
    statement,
    store,
    store_route,
    store_staff,
    supplier,
    temperature_reading,
    trip,
    trip_package,
    trip_stop,
    user,
    vehicle,
    village,
    wage,
    wechat_identity,
);

/// The row `id` of `E`, or [`DomainError::NotFound`] naming `what`.
pub async fn get<E>(
    db: &impl ConnectionTrait,
    id: i64,
    what: &'static str,
) -> DomainResult<E::Model>
where
    E: EntityTrait,
    i64: Into<<E::PrimaryKey as PrimaryKeyTrait>::ValueType>,
{
    E::find_by_id(id)
        .one(db)
        .await?
        .ok_or(DomainError::NotFound(what))
}

/// The row `id` of `E` if it belongs to `platform_id`; otherwise (missing,
/// or another platform's) [`DomainError::NotFound`] naming `what`.
pub async fn on_platform<E>(
    db: &impl ConnectionTrait,
    platform_id: i64,
    id: i64,
    what: &'static str,
) -> DomainResult<E::Model>
where
    E: EntityTrait,
    E::Model: OnPlatform,
    i64: Into<<E::PrimaryKey as PrimaryKeyTrait>::ValueType>,
{
    let row = get::<E>(db, id, what).await?;
    if row.platform_id() == platform_id {
        Ok(row)
    } else {
        Err(DomainError::NotFound(what))
    }
}
