//! The platform's double-entry ledger.
//!
//! Every business event that moves money is one posting: a set of entries
//! (debit positive, credit negative) that sums to zero, written in the
//! caller's transaction under a unique source key (`source_type`,
//! `source_id`, `kind`), so the same event is never booked twice whatever
//! retries or concurrent workers do. Entries are never updated or deleted
//! (database triggers refuse it). Balances are sums of entries.
//!
//! Accounts: WeChat Pay clearing (an asset: money the provider holds for
//! the platform), order escrow (owed to nobody yet: paid orders not
//! delivered), merchant / rider / carrier payables (owed to them), platform
//! revenue, refunds and compensation expense (after delivery), payouts in
//! transit.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    Set,
};
use serde::Serialize;

use crate::delivery_job::DeliveryJobStatus;
use crate::error::{DomainError, DomainResult};
pub use crate::ledger_account::AccountKind;
use crate::order::DeliveryKind;
use crate::platform_end::commission::{self, DEFAULT_COMMISSION_BP, commission_of};
use crate::refund::RefundKind;
use crate::refund::RefundStatus;
use crate::to_door_line::pricing::DeliveryPlan;
use crate::trip_package::PackageStatus;
use crate::{
    commission_rule, delivery_job, ledger_account, ledger_entry, ledger_posting, merchant, order,
    payment, refund, store,
};

impl AccountKind {
    /// Assets and expenses grow with debits; the rest with credits.
    pub fn debit_normal(self) -> bool {
        matches!(
            self,
            AccountKind::Clearing
                | AccountKind::PartnerFunds
                | AccountKind::Refunds
                | AccountKind::CompensationExpense
        )
    }

    /// The balance in the account's natural sign from the sum of its entries.
    pub fn balance(self, sum_fen: i64) -> i64 {
        if self.debit_normal() {
            sum_fen
        } else {
            -sum_fen
        }
    }
}

/// One line of a posting to be written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Leg {
    /// The account kind.
    pub kind: AccountKind,
    /// The payee (merchant, rider, carrier id), 0 for platform accounts.
    pub owner_id: i64,
    /// Debit positive, credit negative.
    pub amount_fen: i64,
}

impl Leg {
    /// A debit of a platform account.
    pub fn debit(kind: AccountKind, amount_fen: i64) -> Self {
        Leg {
            kind,
            owner_id: 0,
            amount_fen,
        }
    }

    /// A credit of a platform account.
    pub fn credit(kind: AccountKind, amount_fen: i64) -> Self {
        Leg {
            kind,
            owner_id: 0,
            amount_fen: -amount_fen,
        }
    }

    /// The same leg on a payee's account.
    pub fn of(mut self, owner_id: i64) -> Self {
        self.owner_id = owner_id;
        self
    }
}

/// Drops zero legs and checks the rest sum to zero without overflow.
pub fn balanced(legs: &[Leg]) -> DomainResult<Vec<Leg>> {
    let mut sum: i64 = 0;
    for l in legs {
        sum = sum
            .checked_add(l.amount_fen)
            .ok_or_else(|| DomainError::invalid("ledger", "amounts overflow"))?;
    }
    if sum != 0 {
        return Err(DomainError::invalid(
            "ledger",
            format!("a posting must sum to zero, not {sum}"),
        ));
    }
    Ok(legs.iter().copied().filter(|l| l.amount_fen != 0).collect())
}

/// A business event's identity: booked at most once.
#[derive(Debug, Clone, Copy)]
pub struct Source<'a> {
    /// `payment`, `order`, `refund`, …
    pub kind_of_source: &'a str,
    /// Its id.
    pub id: i64,
    /// What happened to it (`captured`, `delivered`, `refunded`, …).
    pub event: &'a str,
}

/// The account of `kind` and owner, created on first use.
pub async fn account(
    db: &impl ConnectionTrait,
    platform_id: i64,
    kind: AccountKind,
    owner_id: i64,
    now: DateTime<Utc>,
) -> DomainResult<ledger_account::Model> {
    let find = || {
        ledger_account::Entity::find()
            .filter(ledger_account::Column::PlatformId.eq(platform_id))
            .filter(ledger_account::Column::Kind.eq(kind.as_str()))
            .filter(ledger_account::Column::OwnerId.eq(owner_id))
    };
    if let Some(a) = find().one(db).await? {
        return Ok(a);
    }
    let name = if owner_id == 0 {
        kind.as_str().to_owned()
    } else {
        format!("{}:{owner_id}", kind.as_str())
    };
    let res = ledger_account::Entity::insert(ledger_account::ActiveModel {
        platform_id: Set(platform_id),
        kind: Set(kind),
        owner_id: Set(owner_id),
        name: Set(name),
        created_at: Set(now),
        ..Default::default()
    })
    .on_conflict(
        OnConflict::columns([
            ledger_account::Column::PlatformId,
            ledger_account::Column::Kind,
            ledger_account::Column::OwnerId,
        ])
        .do_nothing()
        .to_owned(),
    )
    .exec_without_returning(db)
    .await;
    match res {
        Ok(_) | Err(DbErr::RecordNotInserted) => {}
        Err(e) => return Err(e.into()),
    }
    find()
        .one(db)
        .await?
        .ok_or(DomainError::NotFound("ledger account"))
}

/// Books a posting. `false` when this source was booked before (nothing
/// is written then).
pub async fn post(
    db: &impl ConnectionTrait,
    platform_id: i64,
    source: Source<'_>,
    legs: &[Leg],
    commission_rule_id: Option<i64>,
    memo: &str,
    now: DateTime<Utc>,
) -> DomainResult<bool> {
    let legs = balanced(legs)?;
    let res = ledger_posting::Entity::insert(ledger_posting::ActiveModel {
        platform_id: Set(platform_id),
        source_type: Set(source.kind_of_source.into()),
        source_id: Set(source.id),
        kind: Set(source.event.into()),
        commission_rule_id: Set(commission_rule_id),
        memo: Set(memo.into()),
        created_at: Set(now),
        ..Default::default()
    })
    .on_conflict(
        OnConflict::columns([
            ledger_posting::Column::SourceType,
            ledger_posting::Column::SourceId,
            ledger_posting::Column::Kind,
        ])
        .do_nothing()
        .to_owned(),
    )
    .exec(db)
    .await;
    let posting_id = match res {
        Ok(r) => r.last_insert_id,
        Err(DbErr::RecordNotInserted) => return Ok(false),
        Err(e) => return Err(e.into()),
    };
    let mut rows = Vec::with_capacity(legs.len());
    for l in &legs {
        let a = account(db, platform_id, l.kind, l.owner_id, now).await?;
        rows.push(ledger_entry::ActiveModel {
            platform_id: Set(platform_id),
            posting_id: Set(posting_id),
            account_id: Set(a.id),
            amount_fen: Set(l.amount_fen),
            created_at: Set(now),
            ..Default::default()
        });
    }
    if !rows.is_empty() {
        ledger_entry::Entity::insert_many(rows)
            .exec_without_returning(db)
            .await?;
    }
    Ok(true)
}

/// Stores a new version of a category's commission rate (`*` for every
/// category), effective from now or later: orders already placed keep the
/// rule that priced them. In partner mode a rate that reaches the sharing
/// limit is refused.
pub async fn add_commission_rule(
    db: &impl ConnectionTrait,
    platform_id: i64,
    category: &str,
    rate_bp: i32,
    effective_from: DateTime<Utc>,
    now: DateTime<Utc>,
) -> DomainResult<commission_rule::Model> {
    let category = crate::validate::required("category", category, 32)?;
    if !(0..=3_000).contains(&rate_bp) {
        return Err(DomainError::invalid("rate_bp", "0 to 3,000 basis points"));
    }
    if effective_from < now - chrono::Duration::minutes(1) {
        return Err(DomainError::invalid(
            "effective_from",
            "must not be in the past: orders already placed keep their rule",
        ));
    }
    if let Some(max_bp) = crate::platform_end::sharing_limit::partner_limit(db, platform_id).await?
    {
        crate::platform_end::sharing_limit::check_rate(&category, rate_bp, max_bp)?;
    }
    Ok(commission_rule::ActiveModel {
        platform_id: Set(platform_id),
        category: Set(category),
        rate_bp: Set(rate_bp),
        effective_from: Set(effective_from),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?)
}

/// The commission rule for a merchant category at `at` (the category's own,
/// else `*`); a platform without any starts with 5 % for every category.
pub async fn commission_rule(
    db: &impl ConnectionTrait,
    platform_id: i64,
    category: &str,
    at: DateTime<Utc>,
) -> DomainResult<commission_rule::Model> {
    if let Some(r) = commission::stored_rule(db, platform_id, category, at).await? {
        return Ok(r);
    }
    Ok(commission_rule::ActiveModel {
        platform_id: Set(platform_id),
        category: Set("*".into()),
        rate_bp: Set(DEFAULT_COMMISSION_BP),
        effective_from: Set(DateTime::<Utc>::UNIX_EPOCH),
        created_at: Set(at),
        ..Default::default()
    }
    .insert(db)
    .await?)
}

/// How a delivered order's money is split.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Split {
    /// To the merchant: goods and packing less commission.
    pub merchant_fen: i64,
    /// To the courier: the city rider, or the village carrier.
    pub rider_fen: i64,
    /// To the village agent point where the resident collected it.
    pub agent_fen: i64,
    /// The platform's: commission + delivery fee + surcharge − courier's
    /// fee − agent point's fee − discounts (platform-funded).
    pub platform_fen: i64,
    /// The commission part of the platform's share.
    pub commission_fen: i64,
}

/// Splits what the resident paid. Pure, for the unit tests.
pub fn split(o: &order::Model, rate_bp: i32, rider_fee_fen: i64, agent_fen: i64) -> Split {
    let goods = o.items_total_fen + o.packing_fee_fen;
    let commission = commission_of(goods, rate_bp);
    let merchant = goods - commission;
    Split {
        merchant_fen: merchant,
        rider_fen: rider_fee_fen,
        agent_fen,
        platform_fen: o.payable_fen - merchant - rider_fee_fen - agent_fen,
        commission_fen: commission,
    }
}

/// Payment captured: the money sits at WeChat Pay, owed to the order.
pub async fn book_payment(
    db: &impl ConnectionTrait,
    p: &payment::Model,
    now: DateTime<Utc>,
) -> DomainResult<bool> {
    post(
        db,
        p.platform_id,
        Source {
            kind_of_source: "payment",
            id: p.id,
            event: "captured",
        },
        &[
            // Partner mode: the money is held at the kitchen's sub-merchant.
            Leg::debit(
                if p.sub_mchid.is_some() {
                    AccountKind::PartnerFunds
                } else {
                    AccountKind::Clearing
                },
                p.amount_fen,
            ),
            Leg::credit(AccountKind::Escrow, p.amount_fen),
        ],
        None,
        &format!("payment {} captured", p.out_trade_no),
        now,
    )
    .await
}

/// A delivered order's split: who gets what, by the rules that priced it.
#[derive(Debug, Clone, Copy)]
pub struct DeliverySplit {
    /// The amounts.
    pub split: Split,
    /// The kitchen's merchant.
    pub merchant_id: i64,
    /// The courier's payable and id, when someone carried it.
    pub courier: Option<(AccountKind, i64)>,
    /// The agent point a village order was collected at, when it earns a fee.
    pub agent_point: Option<i64>,
    /// The commission rule applied.
    pub rule_id: i64,
    /// Its rate.
    pub rate_bp: i32,
}

/// Works out how a delivered order's money is split.
pub async fn delivery_split(
    db: &impl ConnectionTrait,
    o: &order::Model,
) -> DomainResult<DeliverySplit> {
    let s = crate::scope::get::<store::Entity>(db, o.store_id, "store").await?;
    let m = crate::scope::get::<merchant::Entity>(db, s.merchant_id, "merchant").await?;
    let rule = commission_rule(db, o.platform_id, &m.category, o.created_at).await?;
    let job = delivery_job::Entity::find()
        .filter(delivery_job::Column::OrderId.eq(o.id))
        .filter(delivery_job::Column::Status.eq(DeliveryJobStatus::Delivered))
        .one(db)
        .await?;
    // The courier: the city rider's fee, or the village carrier's share of
    // the delivery fee (by the fee rules that priced the order); and the
    // agent point's fee for a package collected there.
    let (courier, courier_fee, agent_point, agent_fee) = match &job {
        Some(j) => (
            j.rider_id.map(|r| (AccountKind::RiderPayable, r)),
            j.rider_fee_fen,
            None,
            0,
        ),
        None if o.delivery_kind == DeliveryKind::Village => {
            let rules = crate::to_door_line::fee_rules::fee_rules_of(db, o.fee_rule_id).await?;
            let point = match serde_json::from_str::<DeliveryPlan>(&o.delivery_plan) {
                Ok(DeliveryPlan::Village { agent_point_id, .. })
                    if rules.agent_point_fee_fen > 0 =>
                {
                    Some(agent_point_id)
                }
                _ => None,
            };
            let agent_fee = point.map_or(0, |_| rules.agent_point_fee_fen);
            match village_carrier(db, o.id).await? {
                Some(carrier) => (
                    Some((AccountKind::CarrierPayable, carrier)),
                    carrier_share(o.delivery_fee_fen, rules.carrier_share_bp),
                    point,
                    agent_fee,
                ),
                None => (None, 0, point, agent_fee),
            }
        }
        None => (None, 0, None, 0),
    };
    let courier_fee = if courier.is_some() { courier_fee } else { 0 };
    Ok(DeliverySplit {
        split: split(o, rule.rate_bp, courier_fee, agent_fee),
        merchant_id: m.id,
        courier,
        agent_point,
        rule_id: rule.id,
        rate_bp: rule.rate_bp,
    })
}

/// Order delivered: escrow goes to the merchant, the courier, the agent
/// point and the platform.
pub async fn book_delivery(
    db: &impl ConnectionTrait,
    o: &order::Model,
    now: DateTime<Utc>,
) -> DomainResult<bool> {
    let DeliverySplit {
        split: sp,
        merchant_id,
        courier,
        agent_point,
        rule_id,
        rate_bp,
    } = delivery_split(db, o).await?;
    let mut legs = vec![
        Leg::debit(AccountKind::Escrow, o.payable_fen),
        Leg::credit(AccountKind::MerchantPayable, sp.merchant_fen).of(merchant_id),
        Leg::credit(AccountKind::PlatformRevenue, sp.platform_fen),
    ];
    if let Some((kind, owner)) = courier {
        legs.push(Leg::credit(kind, sp.rider_fen).of(owner));
    }
    if let Some(point) = agent_point {
        legs.push(Leg::credit(AccountKind::AgentPointPayable, sp.agent_fen).of(point));
    }
    post(
        db,
        o.platform_id,
        Source {
            kind_of_source: "order",
            id: o.id,
            event: "delivered",
        },
        &legs,
        Some(rule_id),
        &format!(
            "order {} delivered: commission {} fen at {} bp",
            o.order_no, sp.commission_fen, rate_bp
        ),
        now,
    )
    .await
}

/// The carrier whose van carried a village order to its agent point.
async fn village_carrier(db: &impl ConnectionTrait, order_id: i64) -> DomainResult<Option<i64>> {
    let Some(p) = crate::trip_package::Entity::find()
        .filter(crate::trip_package::Column::OrderId.eq(order_id))
        .filter(
            crate::trip_package::Column::Status
                .is_in([PackageStatus::AtAgentPoint, PackageStatus::Collected]),
        )
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    Ok(crate::trip::Entity::find_by_id(p.trip_id)
        .one(db)
        .await?
        .map(|t| t.carrier_id))
}

/// The carrier's share of a village delivery fee, rounded down. Pure.
pub fn carrier_share(delivery_fee_fen: i64, share_bp: i32) -> i64 {
    delivery_fee_fen * i64::from(share_bp.clamp(0, 10_000)) / 10_000
}

/// Refund succeeded: from escrow before delivery, as a refund expense after.
pub async fn book_refund(
    db: &impl ConnectionTrait,
    r: &refund::Model,
    now: DateTime<Utc>,
) -> DomainResult<bool> {
    let delivered = ledger_posting::Entity::find()
        .filter(ledger_posting::Column::SourceType.eq("order"))
        .filter(ledger_posting::Column::SourceId.eq(r.order_id))
        .filter(ledger_posting::Column::Kind.eq("delivered"))
        .one(db)
        .await?
        .is_some();
    // A compensation is the platform's expense whenever it happens; the
    // order's escrow and split stay whole.
    let from = if r.kind == RefundKind::Compensation {
        AccountKind::CompensationExpense
    } else if delivered {
        AccountKind::Refunds
    } else {
        AccountKind::Escrow
    };
    let mut legs = vec![Leg::debit(from, r.amount_fen), refund_source(db, r).await?];
    if from == AccountKind::Escrow {
        // A full refund before delivery gives back what compensations did
        // not (they were subtracted from it): the order's whole payment
        // leaves escrow, and the compensations are absorbed by it.
        let compensated: i64 = refund::Entity::find()
            .filter(refund::Column::OrderId.eq(r.order_id))
            .filter(refund::Column::Kind.eq(RefundKind::Compensation))
            .filter(refund::Column::Status.ne(RefundStatus::Failed))
            .all(db)
            .await?
            .iter()
            .map(|c| c.amount_fen)
            .sum();
        if compensated > 0 {
            legs.push(Leg::debit(AccountKind::Escrow, compensated));
            legs.push(Leg::credit(AccountKind::CompensationExpense, compensated));
        }
    }
    post(
        db,
        r.platform_id,
        Source {
            kind_of_source: "refund",
            id: r.id,
            event: "refunded",
        },
        &legs,
        None,
        &format!("refund {}", r.out_refund_no),
        now,
    )
    .await
}

/// Where a refund's money comes from: the platform's clearing (direct
/// mode), the payment still held at the sub-merchant (partner mode, not
/// yet shared), or the kitchen's own money once the order was shared and
/// unfrozen (the platform then owes it to the kitchen).
async fn refund_source(db: &impl ConnectionTrait, r: &refund::Model) -> DomainResult<Leg> {
    let p = crate::scope::get::<payment::Entity>(db, r.payment_id, "payment").await?;
    if p.sub_mchid.is_none() {
        return Ok(Leg::credit(AccountKind::Clearing, r.amount_fen));
    }
    let shared = crate::profit_share::Entity::find()
        .filter(crate::profit_share::Column::OrderId.eq(r.order_id))
        .filter(crate::profit_share::Column::Status.eq(crate::profit_share::ShareStatus::Finished))
        .one(db)
        .await?;
    Ok(match shared {
        Some(s) => Leg::credit(AccountKind::MerchantPayable, r.amount_fen).of(s.merchant_id),
        None => Leg::credit(AccountKind::PartnerFunds, r.amount_fen),
    })
}

/// One account's balance.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AccountBalance {
    /// Account id.
    pub account_id: i64,
    /// Kind.
    pub kind: AccountKind,
    /// Payee id, 0 for the platform's own.
    pub owner_id: i64,
    /// Sum of debits.
    pub debits_fen: i64,
    /// Sum of credits (positive).
    pub credits_fen: i64,
    /// In the account's natural sign (what is owed, held or earned).
    pub balance_fen: i64,
}

/// Debits and credits (positive) per account of the matching entries,
/// summed by the database.
async fn debits_and_credits(
    db: &impl ConnectionTrait,
    filter: sea_orm::Condition,
) -> DomainResult<std::collections::HashMap<i64, (i64, i64)>> {
    use sea_orm::QuerySelect;
    use sea_orm::sea_query::Expr;
    let rows: Vec<(i64, i64, i64)> = ledger_entry::Entity::find()
        .select_only()
        .column(ledger_entry::Column::AccountId)
        .column_as(
            Expr::cust(
                "CAST(COALESCE(SUM(CASE WHEN amount_fen > 0 THEN amount_fen ELSE 0 END), 0) AS BIGINT)",
            ),
            "debits",
        )
        .column_as(
            Expr::cust(
                "CAST(COALESCE(SUM(CASE WHEN amount_fen < 0 THEN -amount_fen ELSE 0 END), 0) AS BIGINT)",
            ),
            "credits",
        )
        .filter(filter)
        .group_by(ledger_entry::Column::AccountId)
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows.into_iter().map(|(a, d, c)| (a, (d, c))).collect())
}

/// Every account of the platform with its sums.
pub async fn balances(
    db: &impl ConnectionTrait,
    platform_id: i64,
) -> DomainResult<Vec<AccountBalance>> {
    let accounts = ledger_account::Entity::find()
        .filter(ledger_account::Column::PlatformId.eq(platform_id))
        .order_by_asc(ledger_account::Column::Id)
        .all(db)
        .await?;
    let sums = debits_and_credits(
        db,
        sea_orm::Condition::all().add(ledger_entry::Column::PlatformId.eq(platform_id)),
    )
    .await?;
    Ok(accounts
        .into_iter()
        .map(|a| {
            let (d, c) = sums.get(&a.id).copied().unwrap_or_default();
            AccountBalance {
                account_id: a.id,
                kind: a.kind,
                owner_id: a.owner_id,
                debits_fen: d,
                credits_fen: c,
                balance_fen: a.kind.balance(d - c),
            }
        })
        .collect())
}

/// An entry as a payee sees it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct StatementLine {
    /// Entry id.
    pub id: i64,
    /// What happened (`delivered`, …).
    pub kind: String,
    /// The source (`order`, …) and its id.
    pub source_type: String,
    /// Source id.
    pub source_id: i64,
    /// Positive: owed to the payee grows.
    pub amount_fen: i64,
    /// The posting's memo.
    pub memo: String,
    /// When.
    pub at: DateTime<Utc>,
}

/// A payee account's balance and its latest entries (newest first).
pub async fn payee_account(
    db: &impl ConnectionTrait,
    platform_id: i64,
    kind: AccountKind,
    owner_id: i64,
    limit: u64,
) -> DomainResult<(i64, Vec<StatementLine>)> {
    use sea_orm::QuerySelect;
    let Some(a) = ledger_account::Entity::find()
        .filter(ledger_account::Column::PlatformId.eq(platform_id))
        .filter(ledger_account::Column::Kind.eq(kind.as_str()))
        .filter(ledger_account::Column::OwnerId.eq(owner_id))
        .one(db)
        .await?
    else {
        return Ok((0, Vec::new()));
    };
    let (d, c) = debits_and_credits(
        db,
        sea_orm::Condition::all().add(ledger_entry::Column::AccountId.eq(a.id)),
    )
    .await?
    .get(&a.id)
    .copied()
    .unwrap_or_default();
    let balance = kind.balance(d - c);
    let recent = ledger_entry::Entity::find()
        .filter(ledger_entry::Column::AccountId.eq(a.id))
        .order_by_desc(ledger_entry::Column::Id)
        .limit(limit)
        .all(db)
        .await?;
    let postings: std::collections::HashMap<i64, ledger_posting::Model> =
        ledger_posting::Entity::find()
            .filter(ledger_posting::Column::Id.is_in(recent.iter().map(|e| e.posting_id)))
            .limit(limit)
            .all(db)
            .await?
            .into_iter()
            .map(|p| (p.id, p))
            .collect();
    let lines = recent
        .into_iter()
        .filter_map(|e| {
            let p = postings.get(&e.posting_id)?;
            Some(StatementLine {
                id: e.id,
                kind: p.kind.clone(),
                source_type: p.source_type.clone(),
                source_id: p.source_id,
                amount_fen: kind.balance(e.amount_fen),
                memo: p.memo.clone(),
                at: e.created_at,
            })
        })
        .collect();
    Ok((balance, lines))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::order::OrderStatus;

    #[test]
    fn postings_must_balance() {
        let ok = balanced(&[
            Leg::debit(AccountKind::Clearing, 2_800),
            Leg::credit(AccountKind::Escrow, 2_800),
            Leg::credit(AccountKind::PlatformRevenue, 0),
        ])
        .unwrap();
        assert_eq!(ok.len(), 2, "zero legs are dropped");
        assert!(
            balanced(&[
                Leg::debit(AccountKind::Clearing, 2_800),
                Leg::credit(AccountKind::Escrow, 2_700),
            ])
            .is_err()
        );
        assert!(
            balanced(&[
                Leg::debit(AccountKind::Clearing, i64::MAX),
                Leg::debit(AccountKind::Clearing, 1),
            ])
            .is_err()
        );
    }

    #[test]
    fn commission_rounds_half_up() {
        assert_eq!(commission_of(2_500, 500), 125);
        assert_eq!(commission_of(2_510, 500), 126, "125.5 rounds up");
        assert_eq!(commission_of(2_509, 500), 125);
        assert_eq!(commission_of(2_500, 0), 0, "a zero-commission pilot");
        assert_eq!(commission_of(-5, 500), 0);
    }

    fn order(items: i64, packing: i64, delivery: i64, surcharge: i64) -> order::Model {
        order::Model {
            id: 1,
            platform_id: 1,
            order_no: "TC1".into(),
            user_id: 1,
            store_id: 1,
            address_id: 1,
            address_snapshot: "{}".into(),
            delivery_kind: DeliveryKind::City,
            status: OrderStatus::Delivered,
            items_total_fen: items,
            packing_fee_fen: packing,
            delivery_fee_fen: delivery,
            surcharge_fen: surcharge,
            discount_fen: 0,
            payable_fen: items + packing + delivery + surcharge,
            fee_rule_id: 1,
            note: String::new(),
            delivery_plan: "{}".into(),
            idempotency_key: None,
            request_hash: None,
            paid_at: None,
            accepted_at: None,
            ready_at: None,
            created_at: DateTime::<Utc>::UNIX_EPOCH,
            updated_at: DateTime::<Utc>::UNIX_EPOCH,
        }
    }

    #[test]
    fn a_split_gives_away_exactly_what_was_paid() {
        for (o, bp, rider) in [
            (order(2_400, 100, 300, 0), 500, 400),
            (order(2_400, 100, 300, 0), 0, 0),
            (order(9_999, 0, 1_000, 300), 800, 700),
            (order(1, 0, 0, 0), 500, 0),
        ] {
            let s = split(&o, bp, rider, 0);
            assert_eq!(s.merchant_fen + s.rider_fen + s.platform_fen, o.payable_fen);
            assert_eq!(
                s.merchant_fen + s.commission_fen,
                o.items_total_fen + o.packing_fee_fen
            );
        }
        // The rider earns more than the resident paid for delivery: the
        // platform's share is commission minus the difference.
        let s = split(&order(2_400, 100, 300, 0), 500, 400, 0);
        assert_eq!(
            (s.merchant_fen, s.rider_fen, s.platform_fen),
            (2_375, 400, 25)
        );
    }
}
