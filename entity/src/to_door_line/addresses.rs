//! A resident's delivery addresses, classified by the server as city (a
//! point inside a community) or village (an agent point).

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set,
};
use serde::Deserialize;

use crate::address;
use crate::error::{DomainError, DomainResult};
use crate::geo::Coordinates;
use crate::platform_end::service_area::{Place, classify};
use crate::validate::{phone as check_phone, text};

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
