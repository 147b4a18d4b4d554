//! Reading the ledger: a merchant's account, the operator's trial balance,
//! and the commission rules with their effective dates.

use actix_web::{HttpResponse, get, post, web};
use chrono::{DateTime, Utc};
use entity::platform_end::ledger;
use entity::platform_end::ledger::{AccountBalance, AccountKind, StatementLine};
use entity::{Role, commission_rule};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::merchant::my_store;
use crate::auth::Principal;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::ApiJson;
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
#[utoipa::path(tag = "merchant", security(("bearer" = [])), responses(
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
#[utoipa::path(tag = "carrier", security(("bearer" = [])), responses(
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

/// A carrier's account, for the operator.
#[utoipa::path(tag = "admin", security(("bearer" = [])), responses(
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
    let c = entity::carrier::Entity::find_by_id(*id)
        .one(&state.db)
        .await?
        .filter(|c| c.platform_id == who.platform_id)
        .ok_or_else(|| ApiError::not_found("carrier"))?;
    Ok(web::Json(
        payee(&state, who.platform_id, AccountKind::CarrierPayable, c.id).await?,
    ))
}

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
#[utoipa::path(tag = "admin", security(("bearer" = [])), request_body = SettleDay, responses(
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
    let txn = entity::tx::begin_write(&state.db).await?;
    let res = entity::platform_end::settlement::run(
        &txn,
        who.platform_id,
        body.date,
        state.clock.now(),
        None,
    )
    .await;
    let r = super::finish(txn, res).await?;
    Ok(web::Json(SettlementReport {
        run_id: r.run_id,
        written: r.written,
        total: r.total,
    }))
}

/// Settlement runs, newest first.
#[utoipa::path(tag = "admin", security(("bearer" = [])), responses(
    (status = 200, description = "Runs"),
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
#[utoipa::path(tag = "admin", security(("bearer" = [])), responses(
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
#[utoipa::path(tag = "admin", security(("bearer" = [])), request_body = NewCommissionRule, responses(
    (status = 201, description = "The new version"),
    (status = 422, description = "VALIDATION_FAILED", body = ErrorBody),
))]
#[post("/admin/commission-rules")]
pub async fn add_commission_rule(
    state: web::Data<AppState>,
    who: Principal,
    body: ApiJson<NewCommissionRule>,
) -> ApiResult<HttpResponse> {
    who.require(Role::Operator)?;
    let category = super::required_text("category", &body.category, 32)?;
    if !(0..=3_000).contains(&body.rate_bp) {
        return Err(ApiError::field("rate_bp", "0 to 3,000 basis points"));
    }
    let now = state.clock.now();
    if body.effective_from < now - chrono::Duration::minutes(1) {
        return Err(ApiError::field(
            "effective_from",
            "must not be in the past: orders already placed keep their rule",
        ));
    }
    let row = commission_rule::ActiveModel {
        platform_id: Set(who.platform_id),
        category: Set(category),
        rate_bp: Set(body.rate_bp),
        effective_from: Set(body.effective_from),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(&state.db)
    .await?;
    Ok(HttpResponse::Created().json(row))
}

/// Every commission rule version of the platform, newest first.
#[utoipa::path(tag = "admin", security(("bearer" = [])), responses(
    (status = 200, description = "Rule versions"),
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

/// Reconciles a business day against a trade bill uploaded as CSV text
/// (the file WeChat Pay's merchant platform or bill API gives), up to the
/// configured body limit (`http.json_limit_bytes`; larger bills: `/fetch`);
/// the report replaces an earlier one of that day.
#[utoipa::path(tag = "admin", security(("bearer" = [])),
    request_body(content = String, description = "The trade bill (bill_type=ALL) as CSV", content_type = "text/csv"),
    responses(
        (status = 200, body = entity::platform_end::reconciliation::Report),
        (status = 422, description = "VALIDATION_FAILED: bill", body = ErrorBody),
    ))]
#[post("/admin/reconciliation/{date}")]
pub async fn reconcile_upload(
    state: web::Data<AppState>,
    who: Principal,
    date: web::Path<chrono::NaiveDate>,
    body: web::Bytes,
) -> ApiResult<web::Json<entity::platform_end::reconciliation::Report>> {
    who.require(Role::Operator)?;
    let csv = std::str::from_utf8(&body).map_err(|_| ApiError::field("bill", "not UTF-8 text"))?;
    let txn = entity::tx::begin_write(&state.db).await?;
    let res = entity::platform_end::reconciliation::reconcile(
        &txn,
        who.platform_id,
        *date,
        csv,
        state.clock.now(),
    )
    .await;
    Ok(web::Json(super::finish(txn, res).await?))
}

/// Downloads the day's trade bill from WeChat Pay and reconciles it.
#[utoipa::path(tag = "admin", security(("bearer" = [])), responses(
    (status = 200, body = entity::platform_end::reconciliation::Report),
    (status = 404, description = "NOT_FOUND: WeChat Pay is not configured", body = ErrorBody),
    (status = 503, description = "PAYMENT_UNAVAILABLE: the bill could not be fetched", body = ErrorBody),
))]
#[post("/admin/reconciliation/{date}/fetch")]
pub async fn reconcile_fetch(
    state: web::Data<AppState>,
    who: Principal,
    date: web::Path<chrono::NaiveDate>,
) -> ApiResult<web::Json<entity::platform_end::reconciliation::Report>> {
    who.require(Role::Operator)?;
    let Some(pay) = state.wechatpay.clone() else {
        return Err(ApiError::not_found("WeChat Pay trade bills"));
    };
    let now = state.clock.now();
    let csv = pay.trade_bill(*date, now.timestamp()).await.map_err(|e| {
        tracing::warn!(error = %e, "trade bill download failed");
        ApiError::new(
            crate::error::ErrorCode::PAYMENT_UNAVAILABLE,
            format!("the trade bill could not be fetched ({e}); retry later"),
        )
        .retry_after(60)
    })?;
    let txn = entity::tx::begin_write(&state.db).await?;
    let res =
        entity::platform_end::reconciliation::reconcile(&txn, who.platform_id, *date, &csv, now)
            .await;
    Ok(web::Json(super::finish(txn, res).await?))
}

/// The stored reconciliation report of a day.
#[utoipa::path(tag = "admin", security(("bearer" = [])), responses(
    (status = 200, body = entity::platform_end::reconciliation::Report),
    (status = 404, description = "NOT_FOUND: not reconciled yet", body = ErrorBody),
))]
#[get("/admin/reconciliation/{date}")]
pub async fn reconciliation_report(
    state: web::Data<AppState>,
    who: Principal,
    date: web::Path<chrono::NaiveDate>,
) -> ApiResult<web::Json<entity::platform_end::reconciliation::Report>> {
    use entity::reconciliation_report as rr;
    who.require(Role::Operator)?;
    let row = rr::Entity::find()
        .filter(rr::Column::PlatformId.eq(who.platform_id))
        .filter(rr::Column::BillDate.eq(*date))
        .one(&state.db)
        .await?
        .ok_or_else(|| ApiError::not_found("reconciliation report"))?;
    Ok(web::Json(
        serde_json::from_str(&row.report).map_err(ApiError::internal)?,
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
#[utoipa::path(tag = "admin", security(("bearer" = [])), params(RevenueQuery), responses(
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
        .filter(la::Column::Kind.eq(AccountKind::PlatformRevenue.as_str()))
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
