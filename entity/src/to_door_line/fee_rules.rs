//! The platform's delivery-fee rules in force, as stored per platform (the
//! rules themselves are [`super::pricing::FeeRules`]).

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set,
};

use crate::error::{DomainError, DomainResult};
use crate::fee_rule;
use crate::to_door_line::pricing::FeeRules;

/// The platform's fee rules in force at `now` (the default rules are
/// stored on first use, so every order can name the rules that priced it).
pub async fn fee_rules(
    db: &impl ConnectionTrait,
    platform_id: i64,
    now: DateTime<Utc>,
) -> DomainResult<(i64, FeeRules)> {
    let current = fee_rule::Entity::find()
        .filter(fee_rule::Column::PlatformId.eq(platform_id))
        .filter(fee_rule::Column::EffectiveFrom.lte(now))
        .order_by_desc(fee_rule::Column::EffectiveFrom)
        .order_by_desc(fee_rule::Column::Id)
        .one(db)
        .await?;
    if let Some(r) = current {
        let rules = serde_json::from_str(&r.rules)
            .map_err(|e| DomainError::invalid("fee_rules", e.to_string()))?;
        return Ok((r.id, rules));
    }
    let rules = FeeRules::default();
    let row = fee_rule::ActiveModel {
        platform_id: Set(platform_id),
        rules: Set(serde_json::to_string(&rules)
            .map_err(|e| DomainError::invalid("fee_rules", e.to_string()))?),
        effective_from: Set(DateTime::<Utc>::UNIX_EPOCH),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok((row.id, rules))
}

/// The fee rules an order was priced with (by the id it records).
pub async fn fee_rules_of(db: &impl ConnectionTrait, id: i64) -> DomainResult<FeeRules> {
    let r = crate::scope::get::<fee_rule::Entity>(db, id, "fee rules").await?;
    serde_json::from_str(&r.rules).map_err(|e| DomainError::invalid("fee_rules", e.to_string()))
}

/// Stores a new version of the fee rules, in force from `effective_from`
/// (not in the past); orders already priced keep the rules they name.
/// Records the change against the rules that were to apply then.
pub async fn add_version(
    db: &impl ConnectionTrait,
    platform_id: i64,
    user_id: i64,
    rules: &FeeRules,
    effective_from: DateTime<Utc>,
    now: DateTime<Utc>,
) -> DomainResult<fee_rule::Model> {
    rules
        .validate()
        .map_err(|m| DomainError::invalid("rules", m))?;
    if effective_from < now - chrono::Duration::minutes(1) {
        return Err(DomainError::invalid(
            "effective_from",
            "must not be in the past",
        ));
    }
    let (_, old) = fee_rules(db, platform_id, effective_from).await?;
    let row = fee_rule::ActiveModel {
        platform_id: Set(platform_id),
        rules: Set(serde_json::to_string(rules)
            .map_err(|e| DomainError::invalid("rules", e.to_string()))?),
        effective_from: Set(effective_from),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?;
    crate::platform_end::settings::record(db, platform_id, user_id, "fee_rules", &old, rules, now)
        .await?;
    Ok(row)
}

/// The platform's fee-rule versions, newest effective time first.
pub async fn versions(
    db: &impl ConnectionTrait,
    platform_id: i64,
    limit: u64,
) -> DomainResult<Vec<(fee_rule::Model, FeeRules)>> {
    use sea_orm::QuerySelect;
    fee_rule::Entity::find()
        .filter(fee_rule::Column::PlatformId.eq(platform_id))
        .order_by_desc(fee_rule::Column::EffectiveFrom)
        .order_by_desc(fee_rule::Column::Id)
        .limit(limit)
        .all(db)
        .await?
        .into_iter()
        .map(|r| {
            let rules = serde_json::from_str(&r.rules)
                .map_err(|e| DomainError::invalid("fee_rules", e.to_string()))?;
            Ok((r, rules))
        })
        .collect()
}

/// What an order to one place would be charged: the delivery fee (none
/// beyond the last city band), the cold-chain surcharge, what the rider
/// earns (city) and the carrier's share (village).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct Charges {
    /// Delivery fee, or none where the rules do not deliver.
    pub delivery_fee_fen: Option<i64>,
    /// Cold-chain surcharge (village).
    pub surcharge_fen: i64,
    /// The rider's fee for the job (city).
    pub rider_fee_fen: Option<i64>,
    /// The carrier's share of the delivery fee (village).
    pub carrier_share_fen: Option<i64>,
    /// In partner mode: the goods total (with packing) an order needs for
    /// this fee and the store's commission to be shared within the
    /// county's limit (smaller orders are refused at checkout). None in
    /// direct mode, or where nothing would fit.
    pub sharing_min_goods_fen: Option<i64>,
}

/// A sample place priced under the rules in force and under new ones.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct Preview {
    /// `city` or `village`.
    pub kind: crate::tables::order::DeliveryKind,
    /// Store to door, metres (city).
    pub distance_m: Option<i64>,
    /// The route serving the agent point (village).
    pub route_id: Option<i64>,
    /// Under the rules in force now.
    pub current: Charges,
    /// Under the proposed rules.
    pub proposed: Charges,
}

/// Prices a delivery from `store_id` to `place` (a point in town or an
/// agent point) with `cold_chain` goods under the rules in force and under
/// `proposed`, before they take effect.
pub async fn preview(
    db: &impl ConnectionTrait,
    platform_id: i64,
    store_id: i64,
    place: &crate::platform_end::service_area::Place,
    cold_chain: &str,
    proposed: &FeeRules,
    now: DateTime<Utc>,
) -> DomainResult<Preview> {
    use crate::tables::order::DeliveryKind;
    proposed
        .validate()
        .map_err(|m| DomainError::invalid("rules", m))?;
    if !["ambient", "chilled", "frozen"].contains(&cold_chain) {
        return Err(DomainError::invalid(
            "cold_chain",
            "ambient, chilled or frozen",
        ));
    }
    let store = crate::scope::on_platform::<crate::tables::store::Entity>(
        db,
        platform_id,
        store_id,
        "store",
    )
    .await?;
    let (_, current) = fee_rules(db, platform_id, now).await?;
    let where_ = crate::platform_end::service_area::classify(db, platform_id, place).await?;
    let mut p = match where_.kind {
        DeliveryKind::Village => {
            let point = where_
                .agent_point_id
                .ok_or(DomainError::NotFound("agent point"))?;
            let route_id = route_serving(db, store.id, point).await?;
            let charges = |r: &FeeRules| {
                let fee = route_id.map(|id| r.village_fee(id));
                Charges {
                    delivery_fee_fen: fee,
                    surcharge_fen: r.surcharge([cold_chain]),
                    rider_fee_fen: None,
                    carrier_share_fen: fee.map(|f| f * i64::from(r.carrier_share_bp) / 10_000),
                    sharing_min_goods_fen: None,
                }
            };
            Preview {
                kind: DeliveryKind::Village,
                distance_m: None,
                route_id,
                current: charges(&current),
                proposed: charges(proposed),
            }
        }
        _ => {
            let at = crate::geo::Coordinates::new(store.lat, store.lng)
                .map_err(|e| DomainError::invalid("store", e))?;
            let distance = at.distance_m(where_.location).round() as i64;
            let charges = |r: &FeeRules| {
                let fee = r.city_fee(distance);
                Charges {
                    delivery_fee_fen: fee,
                    surcharge_fen: 0,
                    rider_fee_fen: fee.map(|_| r.rider.fee(distance, cold_chain, false)),
                    carrier_share_fen: None,
                    sharing_min_goods_fen: None,
                }
            };
            Preview {
                kind: DeliveryKind::City,
                distance_m: Some(distance),
                route_id: None,
                current: charges(&current),
                proposed: charges(proposed),
            }
        }
    };
    if let Some(max_bp) = crate::platform_end::sharing_limit::partner_limit(db, platform_id).await?
    {
        let m =
            crate::scope::get::<crate::tables::merchant::Entity>(db, store.merchant_id, "merchant")
                .await?;
        let rate =
            crate::platform_end::commission::rate_at(db, platform_id, &m.category, now).await?;
        for c in [&mut p.current, &mut p.proposed] {
            c.sharing_min_goods_fen = c.delivery_fee_fen.and_then(|fee| {
                crate::platform_end::sharing_limit::min_goods_fen(
                    fee + c.surcharge_fen,
                    rate,
                    max_bp,
                )
            });
        }
    }
    Ok(p)
}

/// The store's active route (the first by id) that stops at the agent point.
async fn route_serving(
    db: &impl ConnectionTrait,
    store_id: i64,
    agent_point_id: i64,
) -> DomainResult<Option<i64>> {
    use crate::tables::{route, route_stop, store_route};
    let served: Vec<i64> = store_route::Entity::find()
        .filter(store_route::Column::StoreId.eq(store_id))
        .all(db)
        .await?
        .into_iter()
        .map(|r| r.route_id)
        .collect();
    let stopping: Vec<i64> = route_stop::Entity::find()
        .filter(route_stop::Column::AgentPointId.eq(agent_point_id))
        .filter(route_stop::Column::RouteId.is_in(served))
        .all(db)
        .await?
        .into_iter()
        .map(|s| s.route_id)
        .collect();
    Ok(route::Entity::find()
        .filter(route::Column::Id.is_in(stopping))
        .filter(route::Column::Active.eq(true))
        .order_by_asc(route::Column::Id)
        .one(db)
        .await?
        .map(|r| r.id))
}
