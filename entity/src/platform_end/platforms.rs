//! The county platforms: loading one by id.

use sea_orm::ConnectionTrait;

use crate::error::DomainResult;
use crate::platform;

/// The platform of a rider.
pub async fn platform_of(db: &impl ConnectionTrait, id: i64) -> DomainResult<platform::Model> {
    crate::scope::get::<platform::Entity>(db, id, "platform").await
}
