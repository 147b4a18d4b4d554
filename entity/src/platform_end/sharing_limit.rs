//! The service provider's sharing limit (分账比例上限) in partner mode.
//! WeChat Pay lets a service provider split at most a share of each
//! payment (30 % unless it agreed a higher one), and sharing splits off
//! the platform's commission and the whole delivery fee (the courier's fee
//! and the platform's margin on it). So a commission rate at or above the
//! limit can never be shared, and a small order with a large delivery fee
//! cannot either: the first is refused when the rule is saved, the second
//! when the order is quoted, with the goods total it would need — before
//! any money moves, never found out at sharing time.

use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

use crate::commission_rule;
use crate::error::{DomainError, DomainResult};
use crate::payment_account;
use crate::platform_end::commission::commission_of;

/// Whether an order's shared part — the commission on its goods (and
/// packing) plus its delivery fee (and surcharge) — fits in `max_bp` of
/// what the resident pays, as WeChat Pay reckons it (rounded down). Pure.
pub fn fits(goods_fen: i64, delivery_fen: i64, commission_bp: i32, max_bp: i32) -> bool {
    let paid = goods_fen + delivery_fen;
    let shared = commission_of(goods_fen, commission_bp) + delivery_fen;
    shared <= paid * i64::from(max_bp.clamp(0, 10_000)) / 10_000
}

/// The smallest goods total (with packing) at which a delivery fee's
/// order fits ([`fits`]); `None` when none does (the commission alone
/// reaches the limit). Pure.
pub fn min_goods_fen(delivery_fen: i64, commission_bp: i32, max_bp: i32) -> Option<i64> {
    let (c, l) = (
        i64::from(commission_bp.clamp(0, 10_000)),
        i64::from(max_bp.clamp(0, 10_000)),
    );
    let d = delivery_fen.max(0);
    if d == 0 {
        return Some(0);
    }
    if c >= l {
        return None;
    }
    // c·g + d ≤ l·(g + d)  ⇔  g ≥ d·(1 − l) / (l − c); then step over the
    // rounding of the commission and of the limit.
    let mut g = (d * (10_000 - l) + (l - c) - 1) / (l - c);
    while !fits(g, d, commission_bp, max_bp) {
        g += 1;
    }
    Some(g)
}

/// The county's sharing limit, when it takes payments in partner mode.
pub async fn partner_limit(
    db: &impl ConnectionTrait,
    platform_id: i64,
) -> DomainResult<Option<i32>> {
    Ok(payment_account::Entity::find()
        .filter(payment_account::Column::PlatformId.eq(platform_id))
        .one(db)
        .await?
        .filter(|a| a.mode == "partner")
        .map(|a| a.sharing_max_bp))
}

/// A commission rate against a limit: refused when it alone reaches it.
pub fn check_rate(category: &str, rate_bp: i32, max_bp: i32) -> DomainResult<()> {
    if rate_bp >= max_bp {
        return Err(DomainError::OverSharingLimit(format!(
            "a commission of {rate_bp} bp on `{category}` reaches the sharing limit of \
             {max_bp} bp, leaving nothing of it for the delivery fee: lower it, or agree a \
             higher limit with WeChat Pay first"
        )));
    }
    Ok(())
}

/// The commission rules in force at `now` or later, per category: what
/// partner mode with a limit of `max_bp` would have to share.
pub async fn check_rules(
    db: &impl ConnectionTrait,
    platform_id: i64,
    max_bp: i32,
    now: DateTime<Utc>,
) -> DomainResult<()> {
    let rules = commission_rule::Entity::find()
        .filter(commission_rule::Column::PlatformId.eq(platform_id))
        .all(db)
        .await?;
    let mut in_force: std::collections::HashMap<&str, &commission_rule::Model> =
        std::collections::HashMap::new();
    for r in &rules {
        if r.effective_from > now {
            check_rate(&r.category, r.rate_bp, max_bp)?;
            continue;
        }
        let cur = in_force.entry(r.category.as_str()).or_insert(r);
        if (r.effective_from, r.id) > (cur.effective_from, cur.id) {
            *cur = r;
        }
    }
    for r in in_force.values() {
        check_rate(&r.category, r.rate_bp, max_bp)?;
    }
    Ok(())
}

/// An order's quote against the county's limit: refused, with the goods
/// total it would need, when its shared part would pass it.
pub fn check_order(
    goods_fen: i64,
    delivery_fen: i64,
    commission_bp: i32,
    max_bp: i32,
) -> DomainResult<()> {
    if fits(goods_fen, delivery_fen, commission_bp, max_bp) {
        return Ok(());
    }
    Err(DomainError::OverSharingLimit(
        match min_goods_fen(delivery_fen, commission_bp, max_bp) {
            Some(min) => format!(
                "with a delivery fee of {delivery_fen} fen this order needs at least {min} fen \
                 of goods (it has {goods_fen}) for the fee to be paid out within the sharing \
                 limit of {max_bp} bp"
            ),
            None => format!(
                "the commission of {commission_bp} bp reaches the sharing limit of {max_bp} bp"
            ),
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_order_fits_when_commission_and_delivery_stay_within_the_limit() {
        // 30 yuan of goods at 5 %, 5 yuan delivery: 6.5 of 35 yuan = 18.6 %.
        assert!(fits(3_000, 500, 500, 3_000));
        // 5 yuan of goods, 5 yuan delivery: 5.25 of 10 yuan.
        assert!(!fits(500, 500, 500, 3_000));
        assert!(fits(500, 0, 500, 3_000));
    }

    #[test]
    fn the_minimum_goods_is_the_first_total_that_fits() {
        for (d, c, l) in [
            (500, 500, 3_000),
            (1_000, 500, 3_000),
            (300, 0, 3_000),
            (700, 1_500, 3_000),
            (999, 2_999, 3_000),
            (1_000, 500, 10_000),
        ] {
            let g = min_goods_fen(d, c, l).expect("some total fits");
            assert!(fits(g, d, c, l), "{d} {c} {l}: {g} fits");
            assert!(
                g == 0 || !fits(g - 1, d, c, l),
                "{d} {c} {l}: {g} is the first"
            );
        }
        // 5 yuan delivery at 5 % and 30 %: 14 yuan of goods.
        assert_eq!(min_goods_fen(500, 500, 3_000), Some(1_400));
        assert_eq!(min_goods_fen(0, 500, 3_000), Some(0));
        assert_eq!(min_goods_fen(500, 3_000, 3_000), None);
    }

    #[test]
    fn a_rate_reaching_the_limit_is_refused() {
        assert!(check_rate("*", 2_999, 3_000).is_ok());
        assert!(matches!(
            check_rate("*", 3_000, 3_000),
            Err(DomainError::OverSharingLimit(_))
        ));
        assert!(matches!(
            check_order(500, 500, 500, 3_000),
            Err(DomainError::OverSharingLimit(m)) if m.contains("1400 fen")
        ));
    }
}
