//! Poverty-alleviation linkage: the operator's registry of supplier
//! households and cooperatives, merchants' purchases, ingredients and the
//! wages of staff from registered households, and the household income
//! report (JSON or CSV).

use actix_web::{HttpResponse, get, post, put, web};
use chrono::NaiveDate;
use entity::supply_end::households;
use entity::supply_end::households::{
    HouseholdReport, Ingredient, NewPurchase, NewSupplier, NewWage, SupplierView, Viewer,
};
use entity::{Role, product, store_staff, user};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::auth::Principal;
use crate::csv::{Csv, yuan};
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::ApiJson;
use crate::routes::supply_end::store::my_store;
use crate::state::AppState;

/// Registers a supplier household or cooperative. The ID number is kept
/// only as a keyed hash and its last four characters.
#[utoipa::path(tag = "admin", security(("bearer" = ["operator"])), request_body = NewSupplier, responses(
    (status = 201, body = SupplierView),
    (status = 409, description = "CONFLICT: the household is registered", body = ErrorBody),
    (status = 422, description = "VALIDATION_FAILED", body = ErrorBody),
))]
#[post("/admin/suppliers")]
pub async fn add_supplier(
    state: web::Data<AppState>,
    who: Principal,
    body: ApiJson<NewSupplier>,
) -> ApiResult<HttpResponse> {
    who.require(Role::Operator)?;
    let id = households::check(&body)?;
    let hash = id.as_deref().map(|v| state.identity_hash(v));
    let txn = entity::tx::begin_write(&state.writer).await?;
    let res = households::add_supplier(&txn, who.platform_id, &body, hash, state.clock.now()).await;
    let s = crate::routes::finish(txn, res).await?;
    let view = households::suppliers(&state.db, who.platform_id, Viewer::Operator)
        .await?
        .into_iter()
        .find(|v| v.id == s.id)
        .ok_or_else(|| ApiError::not_found("supplier"))?;
    Ok(HttpResponse::Created().json(view))
}

/// The registry, for operators: names, phones and the ID's last four.
#[utoipa::path(tag = "admin", security(("bearer" = ["operator"])), responses((status = 200, body = Vec<SupplierView>)))]
#[get("/admin/suppliers")]
pub async fn admin_suppliers(
    state: web::Data<AppState>,
    who: Principal,
) -> ApiResult<web::Json<Vec<SupplierView>>> {
    who.require(Role::Operator)?;
    Ok(web::Json(
        households::suppliers(&state.db, who.platform_id, Viewer::Operator).await?,
    ))
}

/// The registry, for kitchens recording purchases: no names, masked phones.
#[utoipa::path(tag = "merchant", security(("bearer" = ["merchant_staff"])), responses(
    (status = 200, body = Vec<SupplierView>),
    (status = 403, description = "NOT_STORE_STAFF", body = ErrorBody),
))]
#[get("/merchant/suppliers")]
pub async fn merchant_suppliers(
    state: web::Data<AppState>,
    who: Principal,
) -> ApiResult<web::Json<Vec<SupplierView>>> {
    my_store(&state.db, &who).await?;
    Ok(web::Json(
        households::suppliers(&state.db, who.platform_id, Viewer::Merchant).await?,
    ))
}

/// Records a purchase from a supplier.
#[utoipa::path(tag = "merchant", security(("bearer" = ["merchant_staff"])), request_body = NewPurchase, responses(
    (status = 201, body = entity::purchase::Model, description = "The purchase"),
    (status = 404, description = "NOT_FOUND: supplier", body = ErrorBody),
    (status = 422, description = "VALIDATION_FAILED", body = ErrorBody),
))]
#[post("/merchant/purchases")]
pub async fn add_purchase(
    state: web::Data<AppState>,
    who: Principal,
    body: ApiJson<NewPurchase>,
) -> ApiResult<HttpResponse> {
    let s = my_store(&state.db, &who).await?;
    let today = crate::routes::local_today(&state, who.platform_id).await?;
    let txn = entity::tx::begin_write(&state.writer).await?;
    let res = households::record_purchase(
        &txn,
        who.platform_id,
        s.merchant_id,
        who.user_id,
        &body,
        today,
        state.clock.now(),
    )
    .await;
    Ok(HttpResponse::Created().json(crate::routes::finish(txn, res).await?))
}

/// The merchant's purchases, newest first.
#[utoipa::path(tag = "merchant", security(("bearer" = ["merchant_staff"])), responses((status = 200, body = Vec<entity::purchase::Model>, description = "Purchases")))]
#[get("/merchant/purchases")]
pub async fn purchases(
    state: web::Data<AppState>,
    who: Principal,
) -> ApiResult<web::Json<Vec<entity::purchase::Model>>> {
    let s = my_store(&state.db, &who).await?;
    Ok(web::Json(
        households::merchant_purchases(&state.db, s.merchant_id).await?,
    ))
}

/// A staff member of the store.
#[derive(Debug, Serialize, ToSchema)]
pub struct StaffMember {
    /// Staff id.
    pub id: i64,
    /// The user's display name.
    pub display_name: String,
    /// The registered household they come from.
    pub household_id: Option<i64>,
}

/// The store's staff.
#[utoipa::path(tag = "merchant", security(("bearer" = ["merchant_staff"])), responses((status = 200, body = Vec<StaffMember>)))]
#[get("/merchant/staff")]
pub async fn staff(
    state: web::Data<AppState>,
    who: Principal,
) -> ApiResult<web::Json<Vec<StaffMember>>> {
    let s = my_store(&state.db, &who).await?;
    let mut out = Vec::new();
    for m in store_staff::Entity::find()
        .filter(store_staff::Column::StoreId.eq(s.id))
        .order_by_asc(store_staff::Column::Id)
        .all(&state.db)
        .await?
    {
        let name = user::Entity::find_by_id(m.user_id)
            .one(&state.db)
            .await?
            .map(|u| u.display_name)
            .unwrap_or_default();
        out.push(StaffMember {
            id: m.id,
            display_name: name,
            household_id: m.household_id,
        });
    }
    Ok(web::Json(out))
}

/// A link to a registered household (`null` unlinks).
#[derive(Debug, Deserialize, ToSchema)]
pub struct HouseholdLink {
    /// A registered poor household of the platform.
    pub household_id: Option<i64>,
}

/// Flags a staff member as coming from a registered household (owner).
#[utoipa::path(tag = "merchant", security(("bearer" = ["merchant_staff"])), request_body = HouseholdLink, responses(
    (status = 200, body = store_staff::Model, description = "The staff member"),
    (status = 403, description = "NOT_MERCHANT_OWNER", body = ErrorBody),
    (status = 422, description = "VALIDATION_FAILED: not a registered poor household", body = ErrorBody),
))]
#[put("/merchant/staff/{id}/household")]
pub async fn staff_household(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<i64>,
    body: ApiJson<HouseholdLink>,
) -> ApiResult<web::Json<store_staff::Model>> {
    let m = crate::routes::supply_end::store::owned_merchant(&state.db, &who).await?;
    let txn = entity::tx::begin_write(&state.writer).await?;
    let res =
        households::set_staff_household(&txn, who.platform_id, m.id, *id, body.household_id).await;
    Ok(web::Json(crate::routes::finish(txn, res).await?))
}

/// Records a month's wage of a staff member from a registered household
/// (owner).
#[utoipa::path(tag = "merchant", security(("bearer" = ["merchant_staff"])), request_body = NewWage, responses(
    (status = 201, body = entity::wage::Model, description = "The wage"),
    (status = 403, description = "NOT_MERCHANT_OWNER", body = ErrorBody),
    (status = 409, description = "CONFLICT: the month is recorded", body = ErrorBody),
))]
#[post("/merchant/wages")]
pub async fn add_wage(
    state: web::Data<AppState>,
    who: Principal,
    body: ApiJson<NewWage>,
) -> ApiResult<HttpResponse> {
    let m = crate::routes::supply_end::store::owned_merchant(&state.db, &who).await?;
    let today = crate::routes::local_today(&state, who.platform_id).await?;
    let txn = entity::tx::begin_write(&state.writer).await?;
    let res =
        households::record_wage(&txn, who.platform_id, m.id, &body, today, state.clock.now()).await;
    Ok(HttpResponse::Created().json(crate::routes::finish(txn, res).await?))
}

async fn my_product(state: &AppState, who: &Principal, id: i64) -> ApiResult<product::Model> {
    let s = my_store(&state.db, who).await?;
    product::Entity::find_by_id(id)
        .one(&state.db)
        .await?
        .filter(|p| p.store_id == s.id)
        .ok_or_else(|| ApiError::not_found("product"))
}

/// Sets which suppliers a product's ingredients come from.
#[utoipa::path(tag = "merchant", security(("bearer" = ["merchant_staff"])), request_body = Vec<Ingredient>, responses(
    (status = 200, body = Vec<Ingredient>),
    (status = 404, description = "NOT_FOUND: product or supplier", body = ErrorBody),
    (status = 409, description = "CONFLICT: an ingredient is listed twice", body = ErrorBody),
))]
#[put("/merchant/products/{id}/ingredients")]
pub async fn set_ingredients(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<i64>,
    body: ApiJson<Vec<Ingredient>>,
) -> ApiResult<web::Json<Vec<Ingredient>>> {
    let p = my_product(&state, &who, *id).await?;
    let txn = entity::tx::begin_write(&state.writer).await?;
    let res =
        households::set_ingredients(&txn, who.platform_id, p.id, &body, state.clock.now()).await;
    crate::routes::finish(txn, res).await?;
    Ok(web::Json(households::ingredients(&state.db, p.id).await?))
}

/// A product's ingredients and their suppliers.
#[utoipa::path(tag = "merchant", security(("bearer" = ["merchant_staff"])), responses((status = 200, body = Vec<Ingredient>)))]
#[get("/merchant/products/{id}/ingredients")]
pub async fn ingredients(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<i64>,
) -> ApiResult<web::Json<Vec<Ingredient>>> {
    let p = my_product(&state, &who, *id).await?;
    Ok(web::Json(households::ingredients(&state.db, p.id).await?))
}

/// Flags a rider as coming from a registered household (operators).
#[utoipa::path(tag = "admin", security(("bearer" = ["operator"])), request_body = HouseholdLink, responses(
    (status = 204, description = "Linked"),
    (status = 404, description = "NOT_FOUND: rider or household", body = ErrorBody),
    (status = 422, description = "VALIDATION_FAILED: not a registered poor household", body = ErrorBody),
))]
#[put("/admin/riders/{id}/household")]
pub async fn rider_household(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<i64>,
    body: ApiJson<HouseholdLink>,
) -> ApiResult<HttpResponse> {
    who.require(Role::Operator)?;
    let txn = entity::tx::begin_write(&state.writer).await?;
    let res = households::set_rider_household(&txn, who.platform_id, *id, body.household_id).await;
    crate::routes::finish(txn, res).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// A report period, and `format=csv` for a download.
#[derive(Debug, Deserialize, IntoParams)]
pub struct Period {
    /// First local day.
    pub from: NaiveDate,
    /// Last local day, inclusive.
    pub to: NaiveDate,
    /// `json` (default) or `csv`.
    pub format: Option<String>,
}

impl Period {
    /// Checks the range and the format; `true` for CSV.
    pub fn csv(&self) -> ApiResult<bool> {
        entity::calendar::check_period(self.from, self.to)?;
        match self.format.as_deref() {
            None | Some("json") => Ok(false),
            Some("csv") => Ok(true),
            Some(_) => Err(ApiError::field("format", "json or csv")),
        }
    }
}

/// Household income over a period: purchases from registered households,
/// wages of their members, rider earnings, per capita, and the merchants
/// and products that carry it.
#[utoipa::path(tag = "admin", security(("bearer" = ["operator"])), params(Period), responses(
    (status = 200, description = "The report (`format=json`, the default) or its CSV (`format=csv`)", content((HouseholdReport = "application/json"), (String = "text/csv"))),
    (status = 422, description = "VALIDATION_FAILED: period or format", body = ErrorBody),
))]
#[get("/admin/reports/households")]
pub async fn household_report(
    state: web::Data<AppState>,
    who: Principal,
    q: web::Query<Period>,
) -> ApiResult<HttpResponse> {
    who.require(Role::Operator)?;
    let csv = q.csv()?;
    let p = entity::platform_end::platforms::platform_of(&state.db, who.platform_id).await?;
    let r = households::household_report(&state.db, &[p.id], q.from, q.to, p.utc_offset_minutes)
        .await?;
    if !csv {
        return Ok(HttpResponse::Ok().json(r));
    }
    Ok(household_csv(&r))
}

/// The household income report as CSV.
pub(crate) fn household_csv(r: &HouseholdReport) -> HttpResponse {
    let mut c = Csv::new(&[
        "section",
        "id",
        "name",
        "household_yuan",
        "total_yuan",
        "share_bp",
    ]);
    for (k, v) in [
        ("purchases", r.purchases_fen),
        ("wages", r.wages_fen),
        ("rider_earnings", r.rider_earnings_fen),
        ("total", r.total_fen),
        ("per_capita", r.per_capita_fen),
        ("per_capita_year", r.per_capita_year_fen),
        ("cooperatives", r.cooperatives_fen),
    ] {
        c.row([
            "summary".into(),
            String::new(),
            k.into(),
            yuan(v),
            String::new(),
            String::new(),
        ]);
    }
    for m in &r.top_merchants {
        c.row([
            "merchant".into(),
            m.merchant_id.to_string(),
            m.name.clone(),
            yuan(m.household_fen),
            yuan(m.total_fen),
            m.share_bp.to_string(),
        ]);
    }
    for p in &r.top_products {
        c.row([
            "product".into(),
            p.product_id.to_string(),
            p.name.clone(),
            String::new(),
            yuan(p.sales_fen),
            p.share_bp.to_string(),
        ]);
    }
    c.response(&format!("households-{}-{}.csv", r.from, r.to))
}
