//! A merchant's store settings: hours, the "closed now" switch, delivery
//! radius, minimum order, packing fee, preparation time, village routes.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set,
};
use serde::{Deserialize, Serialize};

use crate::error::{DomainError, DomainResult};
use crate::merchant::MerchantStatus;
use crate::supply_end::hours::WeeklyHours;
use crate::{merchant, store, store_route};

/// A store as its staff see it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct StoreView {
    /// The store row.
    #[serde(flatten)]
    pub store: store::Model,
    /// Parsed opening hours.
    pub hours: WeeklyHours,
    /// Village routes the store serves.
    pub village_routes: Vec<i64>,
}

/// A partial update; `version` must be the version the editor read.
#[derive(Debug, Clone, Deserialize, Default, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StorePatch {
    /// The version the editor read (optimistic concurrency).
    pub version: i32,
    /// Store name.
    pub name: Option<String>,
    /// Weekly opening hours.
    pub hours: Option<WeeklyHours>,
    /// The manual "closed now" switch.
    pub closed_now: Option<bool>,
    /// City delivery radius in metres (100 to 20000).
    pub delivery_radius_m: Option<i32>,
    /// Minimum order in fen.
    pub min_order_fen: Option<i64>,
    /// Packing fee in fen.
    pub packing_fee_fen: Option<i64>,
    /// Preparation minutes (1 to 240).
    pub prep_minutes: Option<i32>,
    /// Village routes served (replaces the list).
    pub village_routes: Option<Vec<i64>>,
    /// Logo image URL (from an upload).
    pub logo_url: Option<String>,
    /// Cover image URL (from an upload).
    pub cover_url: Option<String>,
}

/// The store with its parsed hours and routes.
pub async fn view(db: &impl ConnectionTrait, store: store::Model) -> DomainResult<StoreView> {
    let hours = serde_json::from_str(&store.opening_hours).unwrap_or_default();
    let village_routes = store_route::Entity::find()
        .filter(store_route::Column::StoreId.eq(store.id))
        .order_by_asc(store_route::Column::RouteId)
        .all(db)
        .await?
        .into_iter()
        .map(|r| r.route_id)
        .collect();
    Ok(StoreView {
        store,
        hours,
        village_routes,
    })
}

fn check_url(field: &'static str, url: &str) -> DomainResult<String> {
    if url.len() > 256 || !(url.starts_with("/media/") || url.starts_with("https://")) {
        return Err(DomainError::invalid(
            field,
            "must be an uploaded /media/ URL or https://",
        ));
    }
    Ok(url.to_owned())
}

fn fen(field: &'static str, v: i64) -> DomainResult<i64> {
    if !(0..=10_000_000).contains(&v) {
        return Err(DomainError::invalid(field, "must be 0 to 10,000,000 fen"));
    }
    Ok(v)
}

/// Applies a patch if nobody changed the store since `patch.version`. Run in a transaction.
pub async fn update(
    db: &impl ConnectionTrait,
    current: store::Model,
    patch: StorePatch,
    _now: DateTime<Utc>,
) -> DomainResult<StoreView> {
    let mut m: store::ActiveModel = current.clone().into();
    if let Some(name) = &patch.name {
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 32 {
            return Err(DomainError::invalid("name", "must be 1 to 32 characters"));
        }
        m.name = Set(name.to_owned());
    }
    if let Some(hours) = &patch.hours {
        hours
            .validate()
            .map_err(|e| DomainError::invalid("hours", e))?;
        m.opening_hours = Set(serde_json::to_string(hours)
            .map_err(|e| DomainError::invalid("hours", e.to_string()))?);
    }
    if let Some(v) = patch.closed_now {
        m.closed_now = Set(v);
    }
    if let Some(v) = patch.delivery_radius_m {
        if !(100..=20_000).contains(&v) {
            return Err(DomainError::invalid(
                "delivery_radius_m",
                "must be 100 to 20000 metres",
            ));
        }
        m.delivery_radius_m = Set(v);
    }
    if let Some(v) = patch.min_order_fen {
        m.min_order_fen = Set(fen("min_order_fen", v)?);
    }
    if let Some(v) = patch.packing_fee_fen {
        m.packing_fee_fen = Set(fen("packing_fee_fen", v)?);
    }
    if let Some(v) = patch.prep_minutes {
        if !(1..=240).contains(&v) {
            return Err(DomainError::invalid("prep_minutes", "must be 1 to 240"));
        }
        m.prep_minutes = Set(v);
    }
    if let Some(url) = &patch.logo_url {
        m.logo_url = Set(Some(check_url("logo_url", url)?));
    }
    if let Some(url) = &patch.cover_url {
        m.cover_url = Set(Some(check_url("cover_url", url)?));
    }
    m.version = Set(current.version + 1);
    // Conditional on the version the editor read: a concurrent edit wins
    // the race and this one is refused instead of silently overwriting it.
    let res = store::Entity::update_many()
        .set(m)
        .filter(store::Column::Id.eq(current.id))
        .filter(store::Column::Version.eq(patch.version))
        .exec(db)
        .await?;
    if res.rows_affected != 1 {
        return Err(DomainError::StaleVersion {
            what: "store",
            expected: patch.version,
        });
    }
    if let Some(routes) = &patch.village_routes {
        for r in routes {
            crate::scope::on_platform::<crate::route::Entity>(db, current.platform_id, *r, "route")
                .await?;
        }
        store_route::Entity::delete_many()
            .filter(store_route::Column::StoreId.eq(current.id))
            .exec(db)
            .await?;
        let mut unique = routes.clone();
        unique.sort_unstable();
        unique.dedup();
        for r in unique {
            store_route::ActiveModel {
                platform_id: Set(current.platform_id),
                store_id: Set(current.id),
                route_id: Set(r),
                ..Default::default()
            }
            .insert(db)
            .await?;
        }
    }
    let fresh = crate::scope::get::<store::Entity>(db, current.id, "store").await?;
    view(db, fresh).await
}

/// A store of the platform whose merchant may sell, with that merchant;
/// any other (missing, another county's, a suspended merchant's) is not
/// found, so residents can neither see nor order from it.
pub async fn selling(
    db: &impl ConnectionTrait,
    platform_id: i64,
    store_id: i64,
) -> DomainResult<(store::Model, merchant::Model)> {
    let s = crate::scope::on_platform::<store::Entity>(db, platform_id, store_id, "store").await?;
    let m = merchant::Entity::find_by_id(s.merchant_id)
        .filter(merchant::Column::Status.eq(MerchantStatus::Approved))
        .one(db)
        .await?
        .ok_or(DomainError::NotFound("store"))?;
    Ok((s, m))
}
