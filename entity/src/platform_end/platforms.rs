//! The county platforms: loading one by id.

use sea_orm::{ConnectionTrait, EntityTrait};

use crate::error::{DomainError, DomainResult};
use crate::platform;

/// The platform of a rider.
pub async fn platform_of(db: &impl ConnectionTrait, id: i64) -> DomainResult<platform::Model> {
    platform::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(DomainError::NotFound("platform"))
}
