//! The operator's ledger: settlement runs, the trial balance, commission rules
//! and platform revenue.

use actix_web::{HttpResponse, get, post, web};
use chrono::{DateTime, Utc};
use entity::platform_end::ledger;
use entity::platform_end::ledger::{AccountBalance, AccountKind};
use entity::{Role, commission_rule};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::auth::Principal;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::ApiJson;
use crate::state::AppState;

/// Which day to settle.
#[derive(Debug, Deserialize, ToSchema)]
pub struct SettleDay {
    /// A finished local business day.
    pub date: chrono::NaiveDate,
}

/// What a settlement run did.
#[derive(Debug, Serialize, ToSchema)]
pub struct SettlementReport {
    /// The run (one per platform and day).
    pub run_id: i64,
    /// Statements written now (0 when it had run before).
    pub written: usize,
    /// Statements of the run.
    pub total: usize,
}

/// Settles a finished business day now (the worker does it T+1 on its
/// own); running it again writes nothing new.
#[utoipa::path(tag = "admin", security(("bearer" = ["operator"])), request_body = SettleDay, responses(
    (status = 200, body = SettlementReport),
    (status = 422, description = "VALIDATION_FAILED: the day is not over", body = ErrorBody),
))]
#[post("/admin/settlements")]
pub async fn settle(
    state: web::Data<AppState>,
    who: Principal,
    body: ApiJson<SettleDay>,
) -> ApiResult<web::Json<SettlementReport>> {
    who.require(Role::Operator)?;
    let txn = entity::tx::begin_write(&state.writer).await?;
    let res = entity::platform_end::settlement::run(
        &txn,
        who.platform_id,
        body.date,
        state.clock.now(),
        None,
    )
    .await;
    let r = crate::routes::finish(txn, res).await?;
    Ok(web::Json(SettlementReport {
        run_id: r.run_id,
        written: r.written,
        total: r.total,
    }))
}

/// Settlement runs, newest first.
#[utoipa::path(tag = "admin", security(("bearer" = ["operator"])), responses(
    (status = 200, body = Vec<entity::settlement_run::Model>, description = "Runs"),
    (status = 403, description = "FORBIDDEN", body = ErrorBody),
))]
#[get("/admin/settlements")]
pub async fn settlements(
    state: web::Data<AppState>,
    who: Principal,
) -> ApiResult<web::Json<Vec<entity::settlement_run::Model>>> {
    use entity::settlement_run as sr;
    who.require(Role::Operator)?;
    Ok(web::Json(
        sr::Entity::find()
            .filter(sr::Column::PlatformId.eq(who.platform_id))
            .order_by_desc(sr::Column::BusinessDate)
            .all(&state.db)
            .await?,
    ))
}

/// The trial balance of a platform.
#[derive(Debug, Serialize, ToSchema)]
pub struct TrialBalance {
    /// Every account with its debits, credits and balance.
    pub accounts: Vec<AccountBalance>,
    /// Sum of all debits.
    pub total_debits_fen: i64,
    /// Sum of all credits.
    pub total_credits_fen: i64,
    /// Debits equal credits (always, unless the books are broken).
    pub balanced: bool,
}

/// The trial balance: every account's sums; debits must equal credits.
#[utoipa::path(tag = "admin", security(("bearer" = ["operator"])), responses(
    (status = 200, body = TrialBalance),
    (status = 403, description = "FORBIDDEN", body = ErrorBody),
))]
#[get("/admin/ledger/trial-balance")]
pub async fn trial_balance(
    state: web::Data<AppState>,
    who: Principal,
) -> ApiResult<web::Json<TrialBalance>> {
    who.require(Role::Operator)?;
    let accounts = ledger::balances(&state.db, who.platform_id).await?;
    let d: i64 = accounts.iter().map(|a| a.debits_fen).sum();
    let c: i64 = accounts.iter().map(|a| a.credits_fen).sum();
    Ok(web::Json(TrialBalance {
        accounts,
        total_debits_fen: d,
        total_credits_fen: c,
        balanced: d == c,
    }))
}

/// A new commission rule version.
#[derive(Debug, Deserialize, ToSchema)]
pub struct NewCommissionRule {
    /// A merchant category (e.g. `restaurant`), or `*` for all others.
    pub category: String,
    /// Basis points of goods and packing, 0 (a pilot) to 3,000 (30 %).
    pub rate_bp: i32,
    /// From when; not in the past (orders already placed keep their rule).
    pub effective_from: DateTime<Utc>,
}

/// Adds a commission rule version; earlier versions and the postings
/// they priced never change.
#[utoipa::path(tag = "admin", security(("bearer" = ["operator"])), request_body = NewCommissionRule, responses(
    (status = 201, body = entity::commission_rule::Model, description = "The new version"),
    (status = 422, description = "VALIDATION_FAILED", body = ErrorBody),
))]
#[post("/admin/commission-rules")]
pub async fn add_commission_rule(
    state: web::Data<AppState>,
    who: Principal,
    body: ApiJson<NewCommissionRule>,
) -> ApiResult<HttpResponse> {
    who.require(Role::Operator)?;
    let now = state.clock.now();
    let row = ledger::add_commission_rule(
        &state.db,
        who.platform_id,
        &body.category,
        body.rate_bp,
        body.effective_from,
        now,
    )
    .await?;
    Ok(HttpResponse::Created().json(row))
}

/// Every commission rule version of the platform, newest first.
#[utoipa::path(tag = "admin", security(("bearer" = ["operator"])), responses(
    (status = 200, body = Vec<commission_rule::Model>, description = "Rule versions"),
    (status = 403, description = "FORBIDDEN", body = ErrorBody),
))]
#[get("/admin/commission-rules")]
pub async fn commission_rules(
    state: web::Data<AppState>,
    who: Principal,
) -> ApiResult<web::Json<Vec<commission_rule::Model>>> {
    who.require(Role::Operator)?;
    Ok(web::Json(
        commission_rule::Entity::find()
            .filter(commission_rule::Column::PlatformId.eq(who.platform_id))
            .order_by_desc(commission_rule::Column::EffectiveFrom)
            .order_by_desc(commission_rule::Column::Id)
            .all(&state.db)
            .await?,
    ))
}

/// `GET /admin/ledger/revenue` range.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct RevenueQuery {
    /// First local date.
    pub from: chrono::NaiveDate,
    /// Last local date (inclusive; at most a year after `from`).
    pub to: chrono::NaiveDate,
}

/// The platform's revenue of one day.
#[derive(Debug, Serialize, ToSchema)]
pub struct RevenueDay {
    /// Local date.
    pub date: chrono::NaiveDate,
    /// Commission and delivery margin booked that day (net of credits and debits).
    pub revenue_fen: i64,
}

/// Platform revenue by local day.
#[utoipa::path(tag = "admin", security(("bearer" = ["operator"])), params(RevenueQuery), responses(
    (status = 200, body = Vec<RevenueDay>),
    (status = 422, description = "VALIDATION_FAILED: range", body = ErrorBody),
))]
#[get("/admin/ledger/revenue")]
pub async fn revenue(
    state: web::Data<AppState>,
    who: Principal,
    q: web::Query<RevenueQuery>,
) -> ApiResult<web::Json<Vec<RevenueDay>>> {
    use entity::{ledger_account as la, ledger_entry as le};
    who.require(Role::Operator)?;
    if q.from > q.to || (q.to - q.from).num_days() > 366 {
        return Err(ApiError::field("from", "from ≤ to, at most a year apart"));
    }
    let p = entity::platform_end::platforms::platform_of(&state.db, who.platform_id).await?;
    let (start, _) = entity::calendar::day_bounds(q.from, p.utc_offset_minutes);
    let (_, end) = entity::calendar::day_bounds(q.to, p.utc_offset_minutes);
    let Some(account) = la::Entity::find()
        .filter(la::Column::PlatformId.eq(who.platform_id))
        .filter(la::Column::Kind.eq(AccountKind::PlatformRevenue))
        .one(&state.db)
        .await?
    else {
        return Ok(web::Json(Vec::new()));
    };
    let mut days: std::collections::BTreeMap<chrono::NaiveDate, i64> = Default::default();
    let offset = chrono::Duration::minutes(i64::from(p.utc_offset_minutes));
    for e in le::Entity::find()
        .filter(le::Column::AccountId.eq(account.id))
        .filter(le::Column::CreatedAt.gte(start))
        .filter(le::Column::CreatedAt.lt(end))
        .all(&state.db)
        .await?
    {
        *days
            .entry((e.created_at + offset).date_naive())
            .or_default() -= e.amount_fen;
    }
    Ok(web::Json(
        days.into_iter()
            .map(|(date, revenue_fen)| RevenueDay { date, revenue_fen })
            .collect(),
    ))
}
