//! Platform statistics: an operator sees their county, a city's bureau
//! every county of the city. JSON, or CSV with `format=csv`.

use actix_web::{HttpResponse, get, web};
use entity::Role;
use entity::platform_end::stats;
use entity::platform_end::stats::Stats;
use serde::Serialize;
use utoipa::ToSchema;

use crate::auth::Principal;
use crate::csv::{Csv, yuan};
use crate::error::{ApiResult, ErrorBody};
use crate::routes::supply_end::households::Period;
use crate::state::AppState;

/// Statistics rows as CSV.
pub(crate) fn stats_csv(rows: &[(&str, &Stats)], file: &str) -> HttpResponse {
    let mut c = Csv::new(&[
        "platform",
        "merchants",
        "products_listed",
        "orders_delivered",
        "city_orders",
        "village_orders",
        "gmv_yuan",
        "residents_served",
        "service_count",
        "communities_served",
        "villages_served",
        "trips",
        "riders_active",
        "cold_batches",
        "cold_compliance_pct",
        "household_income_yuan",
        "agent_point_fees_yuan",
    ]);
    for (name, s) in rows {
        c.row([
            (*name).to_owned(),
            s.merchants.to_string(),
            s.products_listed.to_string(),
            s.orders_delivered.to_string(),
            s.city_orders.to_string(),
            s.village_orders.to_string(),
            yuan(s.gmv_fen),
            s.residents_served.to_string(),
            s.service_count.to_string(),
            s.communities_served.to_string(),
            s.villages_served.to_string(),
            s.trips.to_string(),
            s.riders_active.to_string(),
            s.cold_batches.to_string(),
            // Basis points as a percentage with two decimals.
            yuan(s.cold_compliance_bp),
            yuan(s.household_income_fen),
            yuan(s.agent_point_fen),
        ]);
    }
    c.response(file)
}

/// The county's statistics over a period (closed days from the worker's
/// daily rollups, today counted live).
#[utoipa::path(tag = "admin", security(("bearer" = ["operator"])), params(Period), responses(
    (status = 200, description = "The statistics (`format=json`, the default) or their CSV (`format=csv`)", content((Stats = "application/json"), (String = "text/csv"))),
    (status = 422, description = "VALIDATION_FAILED: period or format", body = ErrorBody),
))]
#[get("/admin/stats")]
pub async fn admin_stats(
    state: web::Data<AppState>,
    who: Principal,
    q: web::Query<Period>,
) -> ApiResult<HttpResponse> {
    who.require(Role::Operator)?;
    let csv = q.csv()?;
    let p = entity::platform_end::platforms::platform_of(&state.db, who.platform_id).await?;
    let s = stats::stats(&state.db, std::slice::from_ref(&p), q.from, q.to).await?;
    if csv {
        return Ok(stats_csv(
            &[(p.name.as_str(), &s)],
            &format!("stats-{}-{}-{}.csv", p.code, q.from, q.to),
        ));
    }
    Ok(HttpResponse::Ok().json(s))
}

/// One county in the bureau's view.
#[derive(Debug, Serialize, ToSchema)]
pub struct PlatformStats {
    /// The platform.
    pub platform_id: i64,
    /// Its name.
    pub name: String,
    /// Its figures.
    pub stats: Stats,
}

/// The city's view: the total and each county.
#[derive(Debug, Serialize, ToSchema)]
pub struct CityStats {
    /// The city (region up to 市).
    pub city: String,
    /// Every county together.
    pub total: Stats,
    /// Each county.
    pub platforms: Vec<PlatformStats>,
}

/// Every county of the bureau's city over a period.
#[utoipa::path(tag = "admin", security(("bearer" = ["bureau"])), params(Period), responses(
    (status = 200, description = "The statistics (`format=json`, the default) or their CSV (`format=csv`)", content((CityStats = "application/json"), (String = "text/csv"))),
    (status = 403, description = "FORBIDDEN: not a bureau", body = ErrorBody),
))]
#[get("/bureau/stats")]
pub async fn bureau_stats(
    state: web::Data<AppState>,
    who: Principal,
    q: web::Query<Period>,
) -> ApiResult<HttpResponse> {
    who.require(Role::Bureau)?;
    let csv = q.csv()?;
    let home = entity::platform_end::platforms::platform_of(&state.db, who.platform_id).await?;
    let platforms = stats::city_platforms(&state.db, &home).await?;
    let total = stats::stats(&state.db, &platforms, q.from, q.to).await?;
    let mut each = Vec::new();
    for p in &platforms {
        each.push(PlatformStats {
            platform_id: p.id,
            name: p.name.clone(),
            stats: stats::stats(&state.db, std::slice::from_ref(p), q.from, q.to).await?,
        });
    }
    let city = stats::city_of(&home.region).to_owned();
    if csv {
        let mut rows: Vec<(&str, &Stats)> =
            each.iter().map(|p| (p.name.as_str(), &p.stats)).collect();
        rows.push((city.as_str(), &total));
        return Ok(stats_csv(
            &rows,
            &format!("stats-city-{}-{}.csv", q.from, q.to),
        ));
    }
    Ok(HttpResponse::Ok().json(CityStats {
        city,
        total,
        platforms: each,
    }))
}
