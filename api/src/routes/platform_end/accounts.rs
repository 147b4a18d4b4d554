//! Payees' accounts in the ledger: a kitchen's, a rider's, a carrier's and
//! an agent point's balance and statements, and the operator's view of a
//! carrier's.

use actix_web::{get, web};
use entity::Role;
use entity::platform_end::ledger;
use entity::platform_end::ledger::{AccountKind, StatementLine};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde::Serialize;
use utoipa::ToSchema;

use crate::auth::Principal;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::routes::supply_end::store::my_store;
use crate::state::AppState;

/// A payee's account.
#[derive(Debug, Serialize, ToSchema)]
pub struct PayeeAccount {
    /// What the platform owes the payee now, in fen.
    pub balance_fen: i64,
    /// The latest entries, newest first (at most 100).
    pub entries: Vec<StatementLine>,
    /// Daily statements, newest first (at most 31).
    pub statements: Vec<entity::statement::Model>,
}

/// A payee's balance, entries and statements.
async fn payee(
    state: &AppState,
    platform_id: i64,
    kind: AccountKind,
    owner_id: i64,
) -> ApiResult<PayeeAccount> {
    let (balance_fen, entries) =
        ledger::payee_account(&state.db, platform_id, kind, owner_id, 100).await?;
    let statements =
        entity::platform_end::settlement::statements_of(&state.db, platform_id, kind, owner_id, 31)
            .await?;
    Ok(PayeeAccount {
        balance_fen,
        entries,
        statements,
    })
}

/// The merchant's account: balance and latest entries.
#[utoipa::path(tag = "merchant", security(("bearer" = ["merchant_staff"])), responses(
    (status = 200, body = PayeeAccount),
    (status = 403, description = "NOT_STORE_STAFF", body = ErrorBody),
))]
#[get("/merchant/account")]
pub async fn merchant_account(
    state: web::Data<AppState>,
    who: Principal,
) -> ApiResult<web::Json<PayeeAccount>> {
    let s = my_store(&state.db, &who).await?;
    Ok(web::Json(
        payee(
            &state,
            who.platform_id,
            AccountKind::MerchantPayable,
            s.merchant_id,
        )
        .await?,
    ))
}

/// The rider's account: what the platform owes them, entries, statements.
#[utoipa::path(tag = "rider", security(("bearer" = [])), responses(
    (status = 200, body = PayeeAccount),
    (status = 404, description = "NOT_FOUND: not a rider", body = ErrorBody),
))]
#[get("/rider/account")]
pub async fn rider_account(
    state: web::Data<AppState>,
    who: Principal,
) -> ApiResult<web::Json<PayeeAccount>> {
    let r = entity::delivery_end::riders::of_user(&state.db, who.platform_id, who.user_id).await?;
    Ok(web::Json(
        payee(&state, who.platform_id, AccountKind::RiderPayable, r.id).await?,
    ))
}

/// The carrier a manager works for (drivers marked `manager`).
pub(crate) async fn managed_carrier(state: &AppState, who: &Principal) -> ApiResult<i64> {
    entity::driver::Entity::find()
        .filter(entity::driver::Column::PlatformId.eq(who.platform_id))
        .filter(entity::driver::Column::UserId.eq(who.user_id))
        .filter(entity::driver::Column::Manager.eq(true))
        .one(&state.db)
        .await?
        .map(|d| d.carrier_id)
        .ok_or_else(ApiError::forbidden)
}

/// The carrier's account (its managers only): village delivery shares,
/// cold-chain fees and penalties, payouts.
#[utoipa::path(tag = "carrier", security(("bearer" = ["driver"])), responses(
    (status = 200, body = PayeeAccount),
    (status = 403, description = "FORBIDDEN: not a manager of a carrier", body = ErrorBody),
))]
#[get("/carrier/account")]
pub async fn carrier_account(
    state: web::Data<AppState>,
    who: Principal,
) -> ApiResult<web::Json<PayeeAccount>> {
    let carrier = managed_carrier(&state, &who).await?;
    Ok(web::Json(
        payee(
            &state,
            who.platform_id,
            AccountKind::CarrierPayable,
            carrier,
        )
        .await?,
    ))
}

/// The agent point a keeper keeps.
pub(crate) async fn kept_point(state: &AppState, who: &Principal) -> ApiResult<i64> {
    who.require(Role::AgentKeeper)?;
    Ok(
        entity::to_door_line::village::trips::keeper_point(&state.db, who.platform_id, who.user_id)
            .await?,
    )
}

/// The agent point's account (its keepers): the fee earned per package
/// collected there, payouts, daily statements.
#[utoipa::path(tag = "keeper", security(("bearer" = ["agent_keeper"])), responses(
    (status = 200, body = PayeeAccount),
    (status = 403, description = "FORBIDDEN: not a keeper", body = ErrorBody),
    (status = 404, description = "NOT_FOUND: keeps no agent point", body = ErrorBody),
))]
#[get("/keeper/account")]
pub async fn keeper_account(
    state: web::Data<AppState>,
    who: Principal,
) -> ApiResult<web::Json<PayeeAccount>> {
    let point = kept_point(&state, &who).await?;
    Ok(web::Json(
        payee(
            &state,
            who.platform_id,
            AccountKind::AgentPointPayable,
            point,
        )
        .await?,
    ))
}

/// A carrier's account, for the operator.
#[utoipa::path(tag = "admin", security(("bearer" = ["operator"])), responses(
    (status = 200, body = PayeeAccount),
    (status = 404, description = "NOT_FOUND", body = ErrorBody),
))]
#[get("/admin/carriers/{id}/account")]
pub async fn admin_carrier_account(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<i64>,
) -> ApiResult<web::Json<PayeeAccount>> {
    who.require(Role::Operator)?;
    let c = entity::scope::on_platform::<entity::carrier::Entity>(
        &state.db,
        who.platform_id,
        *id,
        "carrier",
    )
    .await?;
    Ok(web::Json(
        payee(&state, who.platform_id, AccountKind::CarrierPayable, c.id).await?,
    ))
}
