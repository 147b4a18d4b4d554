//! What residents browse: the stores that deliver to an address, a store's
//! menu, and product search within a platform.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Duration, NaiveDateTime, Utc};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use serde::Serialize;

use crate::error::{DomainError, DomainResult};
use crate::geo::Coordinates;
use crate::merchant::MerchantStatus;
use crate::order::DeliveryKind;
use crate::product::ProductStatus;
use crate::supply_end::hours::WeeklyHours;
use crate::supply_end::menu::{Content, visible};
use crate::{
    address, category, merchant, platform, product, route, route_stop, sku, store, store_route,
};

/// A store counts as "opening soon" when it opens within this window.
pub const OPENING_SOON: Duration = Duration::hours(2);

/// Open status of a store.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OpenStatus {
    /// Taking orders now.
    Open,
    /// Opens within two hours.
    OpeningSoon,
    /// Closed (manual switch, or not open soon).
    Closed,
}

/// The platform's local time at `now`.
pub fn local_time(p: &platform::Model, now: DateTime<Utc>) -> NaiveDateTime {
    (now + Duration::minutes(i64::from(p.utc_offset_minutes))).naive_utc()
}

/// Open status of a store at local time `local`, and its next opening.
pub fn open_status(s: &store::Model, local: NaiveDateTime) -> (OpenStatus, Option<NaiveDateTime>) {
    if s.closed_now {
        return (OpenStatus::Closed, None);
    }
    let hours: WeeklyHours = serde_json::from_str(&s.opening_hours).unwrap_or_default();
    match hours.next_open(local) {
        Some(t) if t == local => (OpenStatus::Open, Some(t)),
        Some(t) if t - local <= OPENING_SOON => (OpenStatus::OpeningSoon, Some(t)),
        other => (OpenStatus::Closed, other),
    }
}

/// A store in a resident's list.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct StoreCard {
    /// Store id.
    pub id: i64,
    /// Name.
    pub name: String,
    /// Merchant category.
    pub category: String,
    /// Address.
    pub address: String,
    /// Great-circle distance to the delivery address (or agent point), metres.
    pub distance_m: i64,
    /// Open now, opening soon or closed.
    pub open_status: OpenStatus,
    /// Local time of the next opening, when not open.
    pub opens_at: Option<String>,
    /// Minimum order in fen.
    pub min_order_fen: i64,
    /// Packing fee in fen.
    pub packing_fee_fen: i64,
    /// Delivery fee hint in fen (the quote prices the real fee).
    pub delivery_fee_hint_fen: i64,
    /// How the order travels: `city` (rider) or `village` (scheduled trip).
    pub delivery: &'static str,
    /// Logo URL.
    pub logo_url: Option<String>,
}

/// The stores that can deliver to an address, nearest first.
///
/// City: the merchant delivers in town and the address is within the
/// store's radius, and the store is open or opening soon. Village: the store
/// serves an active route that stops at the address's agent point (village
/// orders ride the next scheduled trip, so hours only inform).
pub async fn stores_for_address(
    db: &impl ConnectionTrait,
    addr: &address::Model,
    now: DateTime<Utc>,
) -> DomainResult<Vec<StoreCard>> {
    let p = crate::platform_end::platforms::platform_of(db, addr.platform_id).await?;
    let local = local_time(&p, now);
    let stores = store::Entity::find()
        .filter(store::Column::PlatformId.eq(addr.platform_id))
        .all(db)
        .await?;
    let merchants: HashMap<i64, merchant::Model> = merchant::Entity::find()
        .filter(merchant::Column::PlatformId.eq(addr.platform_id))
        .filter(merchant::Column::Status.eq(MerchantStatus::Approved))
        .all(db)
        .await?
        .into_iter()
        .map(|m| (m.id, m))
        .collect();
    let (Some(lat), Some(lng)) = (addr.lat, addr.lng) else {
        return Err(DomainError::invalid(
            "address_id",
            "address has no location",
        ));
    };
    let here = Coordinates::new(lat, lng).map_err(|e| DomainError::invalid("address_id", e))?;
    let village_stores: Option<HashSet<i64>> = match (addr.kind, addr.agent_point_id) {
        (DeliveryKind::Village, Some(point)) => Some(stores_serving_point(db, point).await?),
        _ => None,
    };
    let mut cards = Vec::new();
    for s in stores {
        let Some(m) = merchants.get(&s.merchant_id) else {
            continue;
        };
        let Ok(at) = Coordinates::new(s.lat, s.lng) else {
            continue;
        };
        let distance = at.distance_m(here);
        let (status, opens) = open_status(&s, local);
        let (delivery, fee) = match &village_stores {
            Some(serving) => {
                if !serving.contains(&s.id) || m.delivery_modes == "city" {
                    continue;
                }
                ("village", p.fee_hint_village_fen)
            }
            None => {
                if m.delivery_modes == "village"
                    || distance > f64::from(s.delivery_radius_m)
                    || status == OpenStatus::Closed
                {
                    continue;
                }
                ("city", p.fee_hint_city_fen)
            }
        };
        cards.push(StoreCard {
            id: s.id,
            name: s.name,
            category: m.category.clone(),
            address: s.address,
            distance_m: distance.round() as i64,
            open_status: status,
            opens_at: opens
                .filter(|_| status != OpenStatus::Open)
                .map(|t| t.format("%Y-%m-%d %H:%M").to_string()),
            min_order_fen: s.min_order_fen,
            packing_fee_fen: s.packing_fee_fen,
            delivery_fee_hint_fen: fee,
            delivery,
            logo_url: s.logo_url,
        });
    }
    cards.sort_by_key(|c| (c.distance_m, c.id));
    Ok(cards)
}

/// Stores serving an active route that stops at the agent point.
async fn stores_serving_point(db: &impl ConnectionTrait, point: i64) -> DomainResult<HashSet<i64>> {
    let route_ids: Vec<i64> = route_stop::Entity::find()
        .filter(route_stop::Column::AgentPointId.eq(point))
        .all(db)
        .await?
        .into_iter()
        .map(|s| s.route_id)
        .collect();
    let active: Vec<i64> = route::Entity::find()
        .filter(route::Column::Id.is_in(route_ids))
        .filter(route::Column::Active.eq(true))
        .all(db)
        .await?
        .into_iter()
        .map(|r| r.id)
        .collect();
    Ok(store_route::Entity::find()
        .filter(store_route::Column::RouteId.is_in(active))
        .all(db)
        .await?
        .into_iter()
        .map(|s| s.store_id)
        .collect())
}

/// A SKU on the menu.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct MenuSku {
    /// SKU id.
    pub id: i64,
    /// Spec name.
    pub name: String,
    /// Price in fen.
    pub price_fen: i64,
    /// No stock left.
    pub sold_out: bool,
}

/// A product on the menu, as last approved.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct MenuProduct {
    /// Product id.
    pub id: i64,
    /// Approved content.
    #[serde(flatten)]
    pub content: Content,
    /// Unit.
    pub unit: String,
    /// Weight in grams.
    pub weight_g: i32,
    /// Origin.
    pub origin: String,
    /// On-shelf SKUs.
    pub skus: Vec<MenuSku>,
}

/// A category of the menu with its products.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct MenuCategory {
    /// Category id (`None` for uncategorised products).
    pub id: Option<i64>,
    /// Name.
    pub name: String,
    /// Products.
    pub products: Vec<MenuProduct>,
}

/// A store's menu.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Menu {
    /// Store id.
    pub store_id: i64,
    /// Store name.
    pub store_name: String,
    /// Categories in order; empty ones are left out.
    pub categories: Vec<MenuCategory>,
}

/// The menu residents see: listed products (their approved content) with
/// on-shelf SKUs, sold-out SKUs marked; nothing else.
pub async fn menu(
    db: &impl ConnectionTrait,
    platform_id: i64,
    store_id: i64,
) -> DomainResult<Menu> {
    let (s, _) = crate::supply_end::stores::selling(db, platform_id, store_id).await?;
    let cats = category::Entity::find()
        .filter(category::Column::StoreId.eq(s.id))
        .order_by_asc(category::Column::Position)
        .order_by_asc(category::Column::Id)
        .all(db)
        .await?;
    let products: Vec<product::Model> = product::Entity::find()
        .filter(product::Column::StoreId.eq(s.id))
        .filter(product::Column::Live.is_not_null())
        .order_by_asc(product::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .filter(visible)
        .collect();
    let ids: Vec<i64> = products.iter().map(|p| p.id).collect();
    let mut skus_by_product: HashMap<i64, Vec<MenuSku>> = HashMap::new();
    for k in sku::Entity::find()
        .filter(sku::Column::ProductId.is_in(ids))
        .filter(sku::Column::OnShelf.eq(true))
        .order_by_asc(sku::Column::Position)
        .order_by_asc(sku::Column::Id)
        .all(db)
        .await?
    {
        skus_by_product
            .entry(k.product_id)
            .or_default()
            .push(MenuSku {
                id: k.id,
                name: k.name,
                price_fen: k.price_fen,
                sold_out: k.stock == Some(0),
            });
    }
    let mut by_cat: HashMap<Option<i64>, Vec<MenuProduct>> = HashMap::new();
    for p in products {
        let Some(skus) = skus_by_product.remove(&p.id) else {
            continue;
        };
        let Some(content) = p.live.as_deref().and_then(|l| serde_json::from_str(l).ok()) else {
            continue;
        };
        by_cat.entry(p.category_id).or_default().push(MenuProduct {
            id: p.id,
            content,
            unit: p.unit,
            weight_g: p.weight_g,
            origin: p.origin,
            skus,
        });
    }
    let mut categories: Vec<MenuCategory> = cats
        .into_iter()
        .filter_map(|c| {
            by_cat.remove(&Some(c.id)).map(|products| MenuCategory {
                id: Some(c.id),
                name: c.name,
                products,
            })
        })
        .collect();
    let rest: Vec<MenuProduct> = by_cat.into_values().flatten().collect();
    if !rest.is_empty() {
        categories.push(MenuCategory {
            id: None,
            name: "其他".into(),
            products: rest,
        });
    }
    Ok(Menu {
        store_id: s.id,
        store_name: s.name,
        categories,
    })
}

/// A search hit.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SearchHit {
    /// Product id.
    pub product_id: i64,
    /// Store id.
    pub store_id: i64,
    /// Approved name.
    pub name: String,
    /// Cold-chain class.
    pub cold_chain: String,
}

/// Listed products of the platform whose approved name contains `q`.
pub async fn search(
    db: &impl ConnectionTrait,
    platform_id: i64,
    q: &str,
    limit: u64,
) -> DomainResult<Vec<SearchHit>> {
    use sea_orm::sea_query::ExprTrait;
    let q = q.trim();
    if q.is_empty() || q.chars().count() > 32 {
        return Err(DomainError::invalid("q", "must be 1 to 32 characters"));
    }
    // Escape LIKE wildcards so they match literally.
    let pattern = format!(
        "%{}%",
        q.replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_")
    );
    let rows = product::Entity::find()
        .filter(product::Column::PlatformId.eq(platform_id))
        .filter(product::Column::Status.ne(ProductStatus::Delisted))
        .filter(
            sea_orm::sea_query::Expr::col(product::Column::LiveName)
                .like(sea_orm::sea_query::LikeExpr::new(pattern).escape('\\')),
        )
        .order_by_asc(product::Column::Id)
        .limit(Ord::clamp(limit, 1, 100))
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|p| {
            let content: Content = serde_json::from_str(p.live.as_deref()?).ok()?;
            Some(SearchHit {
                product_id: p.id,
                store_id: p.store_id,
                name: content.name,
                cold_chain: content.cold_chain,
            })
        })
        .collect())
}
