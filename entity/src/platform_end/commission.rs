//! Commission: the platform's cut of a kitchen's goods and packing, by
//! merchant category, in rule versions with an effective time (stored by
//! [`crate::platform_end::ledger::add_commission_rule`]), and how much
//! it is on an amount.

use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};

use crate::commission_rule;
use crate::error::DomainResult;

/// The commission a platform starts with: 5 %.
pub const DEFAULT_COMMISSION_BP: i32 = 500;

/// `amount × bp / 10,000`, rounded half up (amounts are not negative).
pub fn commission_of(amount_fen: i64, rate_bp: i32) -> i64 {
    (amount_fen.max(0) * i64::from(rate_bp.clamp(0, 10_000)) + 5_000) / 10_000
}

/// The stored commission rule for a category at `at` (the category's own,
/// else `*`), if any.
pub async fn stored_rule(
    db: &impl ConnectionTrait,
    platform_id: i64,
    category: &str,
    at: DateTime<Utc>,
) -> DomainResult<Option<commission_rule::Model>> {
    for cat in [category, "*"] {
        let found = commission_rule::Entity::find()
            .filter(commission_rule::Column::PlatformId.eq(platform_id))
            .filter(commission_rule::Column::Category.eq(cat))
            .filter(commission_rule::Column::EffectiveFrom.lte(at))
            .order_by_desc(commission_rule::Column::EffectiveFrom)
            .order_by_desc(commission_rule::Column::Id)
            .one(db)
            .await?;
        if found.is_some() {
            return Ok(found);
        }
    }
    Ok(None)
}

/// The commission rate for a merchant category at `at`, without storing
/// anything (for quotes).
pub async fn rate_at(
    db: &impl ConnectionTrait,
    platform_id: i64,
    category: &str,
    at: DateTime<Utc>,
) -> DomainResult<i32> {
    Ok(stored_rule(db, platform_id, category, at)
        .await?
        .map_or(DEFAULT_COMMISSION_BP, |r| r.rate_bp))
}
