//! A resident's delivery addresses, classified by the server as city (a
//! point inside a community) or village (an agent point).

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set,
};
use serde::{Deserialize, Serialize};

use crate::error::{DomainError, DomainResult};
use crate::geo::Coordinates;
use crate::platform_end::service_area::{Place, classify};
use crate::validate::{phone as check_phone, text};
use crate::{address, agent_point, community, village};

/// What a resident sends: either `location` (city) or `agent_point_id` (village).
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AddressInput {
    /// A short label, e.g. 家 or 单位.
    #[serde(default)]
    pub label: String,
    /// Who receives the order.
    pub contact_name: String,
    /// Their phone.
    pub contact_phone: String,
    /// Building, unit, room (city) or a note (village).
    #[serde(default)]
    pub detail: String,
    /// Where a city address is.
    pub location: Option<Coordinates>,
    /// The agent point a village order is collected from.
    pub agent_point_id: Option<i64>,
}

/// An address with the name of the place that serves it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AddressView {
    /// The address.
    #[serde(flatten)]
    pub address: address::Model,
    /// The community of a city address (e.g. 东关社区), or the village and
    /// agent point of a village address (e.g. 花桥村 · 花桥村便民服务点).
    pub area: String,
}

/// Names the places that serve these addresses (two or three queries,
/// however many addresses).
pub async fn with_areas(
    db: &impl ConnectionTrait,
    platform_id: i64,
    list: Vec<address::Model>,
) -> DomainResult<Vec<AddressView>> {
    let community_ids: Vec<i64> = list.iter().filter_map(|a| a.community_id).collect();
    let point_ids: Vec<i64> = list.iter().filter_map(|a| a.agent_point_id).collect();
    let communities: HashMap<i64, String> = if community_ids.is_empty() {
        HashMap::new()
    } else {
        community::Entity::find()
            .filter(community::Column::PlatformId.eq(platform_id))
            .filter(community::Column::Id.is_in(community_ids))
            .all(db)
            .await?
            .into_iter()
            .map(|c| (c.id, c.name))
            .collect()
    };
    let mut points: HashMap<i64, String> = HashMap::new();
    if !point_ids.is_empty() {
        let found = agent_point::Entity::find()
            .filter(agent_point::Column::PlatformId.eq(platform_id))
            .filter(agent_point::Column::Id.is_in(point_ids))
            .all(db)
            .await?;
        let villages: HashMap<i64, String> = village::Entity::find()
            .filter(village::Column::Id.is_in(found.iter().map(|p| p.village_id)))
            .all(db)
            .await?
            .into_iter()
            .map(|v| (v.id, v.name))
            .collect();
        for p in found {
            let name = match villages.get(&p.village_id) {
                Some(v) => format!("{v} · {}", p.name),
                None => p.name,
            };
            points.insert(p.id, name);
        }
    }
    Ok(list
        .into_iter()
        .map(|a| {
            let area = a
                .community_id
                .and_then(|id| communities.get(&id))
                .or_else(|| a.agent_point_id.and_then(|id| points.get(&id)))
                .cloned()
                .unwrap_or_default();
            AddressView { address: a, area }
        })
        .collect())
}

/// Saves a new address after checking the platform serves it.
pub async fn create(
    db: &impl ConnectionTrait,
    platform_id: i64,
    user_id: i64,
    input: &AddressInput,
    now: DateTime<Utc>,
) -> DomainResult<address::Model> {
    let place = match (input.location, input.agent_point_id) {
        (Some(point), None) => Place::City(point),
        (None, Some(id)) => Place::Village(id),
        _ => {
            return Err(DomainError::invalid(
                "location",
                "give either location (city) or agent_point_id (village), not both",
            ));
        }
    };
    let contact_name = text("contact_name", &input.contact_name, 1, 16)?;
    let contact_phone = check_phone("contact_phone", &input.contact_phone)?;
    let label = text("label", &input.label, 0, 8)?;
    let detail = text(
        "detail",
        &input.detail,
        if matches!(place, Place::City(_)) {
            2
        } else {
            0
        },
        64,
    )?;
    let classified = classify(db, platform_id, &place).await?;
    Ok(address::ActiveModel {
        platform_id: Set(platform_id),
        user_id: Set(user_id),
        kind: Set(classified.kind),
        label: Set(label),
        contact_name: Set(contact_name),
        contact_phone: Set(contact_phone),
        detail: Set(detail),
        lat: Set(Some(classified.location.lat)),
        lng: Set(Some(classified.location.lng)),
        community_id: Set(classified.community_id),
        agent_point_id: Set(classified.agent_point_id),
        deleted_at: Set(None),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?)
}

/// The user's live addresses on the platform, newest first.
pub async fn list(
    db: &impl ConnectionTrait,
    platform_id: i64,
    user_id: i64,
) -> DomainResult<Vec<address::Model>> {
    Ok(address::Entity::find()
        .filter(address::Column::PlatformId.eq(platform_id))
        .filter(address::Column::UserId.eq(user_id))
        .filter(address::Column::DeletedAt.is_null())
        .order_by_desc(address::Column::Id)
        .all(db)
        .await?)
}

/// One of the user's live addresses (404 for anyone else's).
pub async fn get(
    db: &impl ConnectionTrait,
    platform_id: i64,
    user_id: i64,
    id: i64,
) -> DomainResult<address::Model> {
    address::Entity::find_by_id(id)
        .filter(address::Column::PlatformId.eq(platform_id))
        .filter(address::Column::UserId.eq(user_id))
        .filter(address::Column::DeletedAt.is_null())
        .one(db)
        .await?
        .ok_or(DomainError::NotFound("address"))
}

/// Removes an address from the user's list; orders keep their snapshot.
pub async fn delete(
    db: &impl ConnectionTrait,
    platform_id: i64,
    user_id: i64,
    id: i64,
    now: DateTime<Utc>,
) -> DomainResult<()> {
    let a = get(db, platform_id, user_id, id).await?;
    let mut m: address::ActiveModel = a.into();
    m.deleted_at = Set(Some(now));
    m.update(db).await?;
    Ok(())
}
