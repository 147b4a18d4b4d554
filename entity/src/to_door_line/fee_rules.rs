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
