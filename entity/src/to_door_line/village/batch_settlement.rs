//! Settling a trip's cold-chain batches once the trip is complete.
//!
//! Each batch is judged over its window (departure to its last handover)
//! with the platform's policy for its class; each order is judged over its
//! own window (departure to its drop), so an excursion after an order left
//! the van does not count against it. Compliant: the carrier earns the
//! cold-chain fee per order. Breached: each affected order gets part of
//! its cold goods refunded (a `compensation` refund; the order keeps its
//! status) and the carrier pays a penalty per affected order. The record
//! is written once (a unique batch key; triggers refuse changes), and the
//! ledger posting has its own unique key, so running it again does
//! nothing.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    Set,
};
use serde::{Deserialize, Serialize};

use crate::delivery_end::cold_chain::{ClassRule, Reading, Verdict, judge};
use crate::error::{DomainError, DomainResult};
use crate::platform_end::ledger;
use crate::platform_end::ledger::{AccountKind, Leg, Source};
use crate::refund::RefundKind;
use crate::refund::RefundStatus;
use crate::to_door_line::transitions::OrderActor;
use crate::to_door_line::{refunds, transitions};
use crate::trip::TripStatus;
use crate::trip_package::PackageStatus;
use crate::{
    cold_batch, cold_chain_policy, cold_settlement, order, order_item, refund, temperature_reading,
    trip, trip_package, trip_stop,
};

/// A class's rule and money, as applied.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Policy {
    /// The stored version (none: the built-in default).
    pub id: Option<i64>,
    /// `chilled` or `frozen`.
    pub class: String,
    /// Band, tolerance and limits.
    pub rule: ClassRule,
    /// Earned by the carrier per order of a compliant batch, fen.
    pub carrier_fee_fen: i64,
    /// Charged to the carrier per affected order of a breached batch, fen.
    pub penalty_fen: i64,
    /// Share of an affected order's cold goods refunded, basis points.
    pub compensation_bp: i32,
    /// A batch with no readings at all proves nothing: compensate the
    /// residents and penalise the carrier as for a breach (`true`), or pay
    /// and charge nothing and leave it to the operator (`false`, the default).
    #[serde(default)]
    pub no_data_compensates: bool,
}

impl Policy {
    /// The built-in policy of a class, used until an operator stores one.
    pub fn default_for(class: &str) -> Option<Policy> {
        let (fee, penalty) = match class {
            "frozen" => (200, 1_000),
            "chilled" => (150, 800),
            _ => return None,
        };
        Some(Policy {
            id: None,
            class: class.into(),
            rule: ClassRule::default_for(class)?,
            carrier_fee_fen: fee,
            penalty_fen: penalty,
            compensation_bp: 5_000,
            no_data_compensates: false,
        })
    }

    /// Checks the numbers an operator sends.
    pub fn validate(&self) -> DomainResult<()> {
        let r = &self.rule;
        let ordered =
            r.tolerated_low_c <= r.low_c && r.low_c <= r.high_c && r.high_c <= r.tolerated_high_c;
        let sane = [r.low_c, r.high_c, r.tolerated_low_c, r.tolerated_high_c]
            .iter()
            .all(|c| crate::delivery_end::cold_chain::plausible(*c));
        if !ordered || !sane {
            return Err(DomainError::invalid(
                "rule",
                "needs tolerated_low_c ≤ low_c ≤ high_c ≤ tolerated_high_c, all within ±60 °C",
            ));
        }
        if !(0..=86_400).contains(&r.max_excursion_secs) || !(60..=86_400).contains(&r.max_gap_secs)
        {
            return Err(DomainError::invalid(
                "rule",
                "max_excursion_secs is 0 to 86,400 and max_gap_secs 60 to 86,400",
            ));
        }
        if !(0..=100_000).contains(&self.carrier_fee_fen)
            || !(0..=100_000).contains(&self.penalty_fen)
        {
            return Err(DomainError::invalid(
                "carrier_fee_fen",
                "fees and penalties are 0 to 100,000 fen",
            ));
        }
        if !(0..=10_000).contains(&self.compensation_bp) {
            return Err(DomainError::invalid(
                "compensation_bp",
                "0 to 10,000 basis points",
            ));
        }
        Ok(())
    }

    fn of(m: &cold_chain_policy::Model) -> DomainResult<Policy> {
        let rule: ClassRule = serde_json::from_str(&m.rule)
            .map_err(|e| DomainError::invalid("rule", format!("stored rule unreadable: {e}")))?;
        Ok(Policy {
            id: Some(m.id),
            class: m.class.clone(),
            rule,
            carrier_fee_fen: m.carrier_fee_fen,
            penalty_fen: m.penalty_fen,
            compensation_bp: m.compensation_bp,
            no_data_compensates: m.no_data_compensates,
        })
    }
}

/// The policy of `class` in force on the platform at `at`.
pub async fn policy(
    db: &impl ConnectionTrait,
    platform_id: i64,
    class: &str,
    at: DateTime<Utc>,
) -> DomainResult<Policy> {
    let stored = cold_chain_policy::Entity::find()
        .filter(cold_chain_policy::Column::PlatformId.eq(platform_id))
        .filter(cold_chain_policy::Column::Class.eq(class))
        .filter(cold_chain_policy::Column::EffectiveFrom.lte(at))
        .order_by_desc(cold_chain_policy::Column::EffectiveFrom)
        .order_by_desc(cold_chain_policy::Column::Id)
        .one(db)
        .await?;
    match stored {
        Some(m) => Policy::of(&m),
        None => Policy::default_for(class)
            .ok_or_else(|| DomainError::invalid("class", "chilled or frozen")),
    }
}

/// Stores a new version of a class's policy from `effective_from` on (not
/// in the past: settled batches keep the policy they were judged by).
pub async fn add_policy(
    db: &impl ConnectionTrait,
    platform_id: i64,
    p: &Policy,
    effective_from: DateTime<Utc>,
    created_by: i64,
    now: DateTime<Utc>,
) -> DomainResult<cold_chain_policy::Model> {
    if Policy::default_for(&p.class).is_none() {
        return Err(DomainError::invalid("class", "chilled or frozen"));
    }
    p.validate()?;
    if effective_from < now - chrono::Duration::minutes(1) {
        return Err(DomainError::invalid(
            "effective_from",
            "a policy cannot start in the past",
        ));
    }
    let rule =
        serde_json::to_string(&p.rule).map_err(|e| DomainError::invalid("rule", e.to_string()))?;
    Ok(cold_chain_policy::ActiveModel {
        platform_id: Set(platform_id),
        class: Set(p.class.clone()),
        rule: Set(rule),
        carrier_fee_fen: Set(p.carrier_fee_fen),
        penalty_fen: Set(p.penalty_fen),
        compensation_bp: Set(p.compensation_bp),
        no_data_compensates: Set(p.no_data_compensates),
        effective_from: Set(effective_from.max(now)),
        created_by: Set(Some(created_by)),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?)
}

/// An order in a batch, as the money rule sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Carried {
    /// The order.
    pub order_id: i64,
    /// What the resident paid for the batch's class of goods, fen.
    pub class_goods_fen: i64,
    /// What is still refundable on its payment, fen.
    pub refundable_fen: i64,
    /// Whether its own window breached the rule.
    pub breached: bool,
}

/// The money of one batch's settlement.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Outcome {
    /// The carrier's cold-chain fee (compliant batches).
    pub carrier_fee_fen: i64,
    /// The carrier's penalty (breached batches).
    pub penalty_fen: i64,
    /// `(order, amount)` refunded to the residents of affected orders.
    pub compensations: Vec<(i64, i64)>,
}

/// The money of a batch from its verdict. Pure.
///
/// A breached batch with no order breached over its own window cannot
/// happen (the last order's window is the batch's); if it did, the carrier
/// would be penalised for nothing, so only affected orders count. A batch
/// with no readings (`no_data`) earns nothing, and costs only if the policy
/// says so.
pub fn outcome(p: &Policy, v: &Verdict, orders: &[Carried]) -> Outcome {
    if v.no_data && !p.no_data_compensates {
        return Outcome::default();
    }
    if v.compliant {
        return Outcome {
            carrier_fee_fen: p.carrier_fee_fen * orders.len() as i64,
            ..Outcome::default()
        };
    }
    let mut out = Outcome::default();
    for o in orders.iter().filter(|o| o.breached) {
        out.penalty_fen += p.penalty_fen;
        let due = o.class_goods_fen * i64::from(p.compensation_bp) / 10_000;
        let amount = due.min(o.refundable_fen).max(0);
        if amount > 0 {
            out.compensations.push((o.order_id, amount));
        }
    }
    out
}

/// One compensation as recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Compensation {
    /// The affected order.
    pub order_id: i64,
    /// The refund that pays it.
    pub out_refund_no: String,
    /// Fen.
    pub amount_fen: i64,
}

/// What settling a trip wrote: the new records and the refunds to execute.
#[derive(Debug, Default)]
pub struct Settled {
    /// Records written now (batches settled before are not repeated).
    pub records: Vec<cold_settlement::Model>,
    /// Compensation refunds created now, to run through the payments module.
    pub refunds: Vec<refund::Model>,
}

/// Settles every unsettled batch of a completed trip and marks the trip
/// settled. Run in a transaction; running it again writes nothing.
pub async fn settle_trip(
    db: &impl ConnectionTrait,
    t: &trip::Model,
    now: DateTime<Utc>,
) -> DomainResult<Settled> {
    if t.status != TripStatus::Completed {
        return Err(DomainError::TripState(t.status.to_string()));
    }
    let departed = t.departed_at.unwrap_or(t.departs_at);
    let end = t.completed_at.unwrap_or(now);
    let packages = trip_package::Entity::find()
        .filter(trip_package::Column::TripId.eq(t.id))
        .all(db)
        .await?;
    let stops = trip_stop::Entity::find()
        .filter(trip_stop::Column::TripId.eq(t.id))
        .all(db)
        .await?;
    // When each travelling order left the van.
    let dropped_at = |order_id: i64| -> Option<DateTime<Utc>> {
        let p = packages.iter().find(|p| {
            p.order_id == order_id
                && matches!(
                    p.status,
                    PackageStatus::AtAgentPoint | PackageStatus::Collected
                )
        })?;
        let s = stops.iter().find(|s| s.seq == p.drop_seq)?;
        Some(s.handed_over_at.or(s.arrived_at).unwrap_or(end).min(end))
    };
    let mut settled = Settled::default();
    for b in cold_batch::Entity::find()
        .filter(cold_batch::Column::TripId.eq(t.id))
        .order_by_asc(cold_batch::Column::Id)
        .all(db)
        .await?
    {
        let order_ids: Vec<i64> = serde_json::from_str(&b.order_ids).unwrap_or_default();
        let travelled: Vec<(i64, DateTime<Utc>)> = order_ids
            .iter()
            .filter_map(|id| dropped_at(*id).map(|at| (*id, at)))
            .collect();
        let to = travelled.iter().map(|(_, at)| *at).max().unwrap_or(end);
        let readings: Vec<Reading> = temperature_reading::Entity::find()
            .filter(temperature_reading::Column::BatchId.eq(b.id))
            .all(db)
            .await?
            .into_iter()
            .map(|r| Reading {
                at: r.at,
                celsius: r.celsius,
            })
            .collect();
        let p = policy(db, t.platform_id, &b.class, departed).await?;
        let mut verdict = judge(&p.rule, departed, to, &readings);
        if verdict.no_data {
            verdict.missing_sensor = Some(b.sensor_id.clone());
        }
        let mut carried = Vec::new();
        // Each travelling order's paid payment number, read once.
        let mut trade_nos = std::collections::BTreeMap::new();
        for (order_id, at) in &travelled {
            let own: Verdict = judge(&p.rule, departed, *at, &readings);
            let goods: i64 = order_item::Entity::find()
                .filter(order_item::Column::OrderId.eq(*order_id))
                .filter(order_item::Column::ColdChain.eq(b.class.as_str()))
                .all(db)
                .await?
                .iter()
                .map(|i| i.line_total_fen)
                .sum();
            let paid = refunds::refundable(db, *order_id).await?;
            let left = paid.as_ref().map_or(0, |(_, left)| *left);
            if let Some((pay, _)) = paid {
                trade_nos.insert(*order_id, pay.out_trade_no);
            }
            carried.push(Carried {
                order_id: *order_id,
                class_goods_fen: goods,
                refundable_fen: left,
                breached: !own.compliant,
            });
        }
        let money = outcome(&p, &verdict, &carried);
        let mut compensations = Vec::new();
        for (order_id, amount) in &money.compensations {
            let Some(trade_no) = trade_nos.get(order_id) else {
                continue;
            };
            compensations.push(Compensation {
                order_id: *order_id,
                out_refund_no: format!("{trade_no}C{}", b.id),
                amount_fen: *amount,
            });
        }
        let compensation_fen = compensations.iter().map(|c| c.amount_fen).sum();
        let inserted = cold_settlement::Entity::insert(cold_settlement::ActiveModel {
            platform_id: Set(t.platform_id),
            batch_id: Set(b.id),
            trip_id: Set(t.id),
            carrier_id: Set(t.carrier_id),
            class: Set(b.class.clone()),
            policy_id: Set(p.id),
            policy: Set(json(&p)),
            compliant: Set(verdict.compliant),
            verdict: Set(json(&verdict)),
            max_c: Set(verdict.max_c),
            coverage: Set(verdict.coverage),
            excursion_secs: Set(verdict.excursion_secs),
            window_from: Set(departed),
            window_to: Set(to),
            carrier_fee_fen: Set(money.carrier_fee_fen),
            penalty_fen: Set(money.penalty_fen),
            compensation_fen: Set(compensation_fen),
            compensations: Set(json(&compensations)),
            created_at: Set(now),
            ..Default::default()
        })
        .on_conflict(
            OnConflict::column(cold_settlement::Column::BatchId)
                .do_nothing()
                .to_owned(),
        )
        .exec_without_returning(db)
        .await;
        match inserted {
            Ok(n) if n > 0 => {}
            Ok(_) | Err(DbErr::RecordNotInserted) => continue,
            Err(e) => return Err(e.into()),
        }
        let record = cold_settlement::Entity::find()
            .filter(cold_settlement::Column::BatchId.eq(b.id))
            .one(db)
            .await?
            .ok_or(DomainError::NotFound("cold settlement"))?;
        book(db, &record, now).await?;
        for c in &compensations {
            if let Some(r) = compensate(db, c, &b.class, now).await? {
                settled.refunds.push(r);
            }
        }
        settled.records.push(record);
    }
    trip::Entity::update_many()
        .col_expr(trip::Column::ColdSettledAt, Expr::value(Some(now)))
        .filter(trip::Column::Id.eq(t.id))
        .filter(trip::Column::ColdSettledAt.is_null())
        .exec(db)
        .await?;
    Ok(settled)
}

/// The carrier's fee or penalty, booked once per batch.
async fn book(
    db: &impl ConnectionTrait,
    s: &cold_settlement::Model,
    now: DateTime<Utc>,
) -> DomainResult<()> {
    let (legs, memo) = if s.compliant {
        (
            [
                Leg::debit(AccountKind::PlatformRevenue, s.carrier_fee_fen),
                Leg::credit(AccountKind::CarrierPayable, s.carrier_fee_fen).of(s.carrier_id),
            ],
            format!("cold-chain fee, {} batch {}", s.class, s.batch_id),
        )
    } else {
        (
            [
                Leg::debit(AccountKind::CarrierPayable, s.penalty_fen).of(s.carrier_id),
                Leg::credit(AccountKind::PlatformRevenue, s.penalty_fen),
            ],
            format!(
                "cold-chain penalty, {} batch {} breached",
                s.class, s.batch_id
            ),
        )
    };
    if legs[0].amount_fen == 0 {
        return Ok(());
    }
    ledger::post(
        db,
        s.platform_id,
        Source {
            kind_of_source: "cold_batch",
            id: s.batch_id,
            event: "settled",
        },
        &legs,
        None,
        &memo,
        now,
    )
    .await?;
    Ok(())
}

/// Creates the compensation refund of an affected order (once, by its
/// number) and notes it on the order's timeline.
async fn compensate(
    db: &impl ConnectionTrait,
    c: &Compensation,
    class: &str,
    now: DateTime<Utc>,
) -> DomainResult<Option<refund::Model>> {
    if refund::Entity::find()
        .filter(refund::Column::OutRefundNo.eq(&c.out_refund_no))
        .one(db)
        .await?
        .is_some()
    {
        return Ok(None);
    }
    let Some((pay, left)) = refunds::refundable(db, c.order_id).await? else {
        return Ok(None);
    };
    let amount = c.amount_fen.min(left);
    if amount <= 0 {
        return Ok(None);
    }
    let class_zh = if class == "frozen" {
        "冷冻"
    } else {
        "冷藏"
    };
    let r = refund::ActiveModel {
        platform_id: Set(pay.platform_id),
        order_id: Set(c.order_id),
        payment_id: Set(pay.id),
        out_refund_no: Set(c.out_refund_no.clone()),
        amount_fen: Set(amount),
        reason: Set(format!("{class_zh}温控未达标补偿")),
        status: Set(RefundStatus::Requested),
        kind: Set(RefundKind::Compensation),
        created_at: Set(now),
        completed_at: Set(None),
        ..Default::default()
    };
    let r = refunds::request(db, r, now).await?;
    let o = crate::scope::get::<order::Entity>(db, c.order_id, "order").await?;
    transitions::note(
        db,
        &o,
        "cold_chain_compensation",
        OrderActor::SYSTEM,
        Some(format!(
            "the {class} chain was broken on the way: {amount} fen refunded"
        )),
        now,
    )
    .await?;
    Ok(Some(r))
}

/// Completed trips whose batches are not settled yet, completed before
/// `before` (late gateway uploads get that long to arrive).
pub async fn due_trips(
    db: &impl ConnectionTrait,
    before: DateTime<Utc>,
    limit: u64,
) -> DomainResult<Vec<trip::Model>> {
    use sea_orm::QuerySelect;
    Ok(trip::Entity::find()
        .filter(trip::Column::Status.eq(TripStatus::Completed))
        .filter(trip::Column::ColdSettledAt.is_null())
        .filter(trip::Column::CompletedAt.lte(before))
        .order_by_asc(trip::Column::CompletedAt)
        .limit(limit)
        .all(db)
        .await?)
}

/// A resident's view of their order's cold chain, per class.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ColdRecord {
    /// `chilled` or `frozen`.
    pub class: String,
    /// `in_transit` (not settled yet), `compliant`, `breached`, or `no_data`
    /// (no reading at all: nothing proves the class either way).
    pub status: String,
    /// The warmest reading so far, °C.
    pub max_c: Option<f64>,
    /// Minutes counted against the rule (settled batches).
    pub excursion_minutes: Option<i64>,
    /// Share of the journey covered by readings (settled batches).
    pub coverage: Option<f64>,
    /// What this order was refunded for it, fen.
    pub compensation_fen: i64,
    /// When it was settled.
    pub settled_at: Option<DateTime<Utc>>,
}

/// The cold-chain record of an order's journey (empty until it is on a
/// trip, and for orders without cold goods).
pub async fn record_of_order(
    db: &impl ConnectionTrait,
    order_id: i64,
) -> DomainResult<Vec<ColdRecord>> {
    let Some(p) = trip_package::Entity::find()
        .filter(trip_package::Column::OrderId.eq(order_id))
        .filter(trip_package::Column::Status.is_in([
            PackageStatus::Loaded,
            PackageStatus::AtAgentPoint,
            PackageStatus::Collected,
        ]))
        .one(db)
        .await?
    else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    for b in cold_batch::Entity::find()
        .filter(cold_batch::Column::TripId.eq(p.trip_id))
        .order_by_asc(cold_batch::Column::Id)
        .all(db)
        .await?
    {
        let ids: Vec<i64> = serde_json::from_str(&b.order_ids).unwrap_or_default();
        if !ids.contains(&order_id) {
            continue;
        }
        let settled = cold_settlement::Entity::find()
            .filter(cold_settlement::Column::BatchId.eq(b.id))
            .one(db)
            .await?;
        out.push(match settled {
            Some(s) => {
                let comps: Vec<Compensation> =
                    serde_json::from_str(&s.compensations).unwrap_or_default();
                let no_data = serde_json::from_str::<Verdict>(&s.verdict).is_ok_and(|v| v.no_data);
                ColdRecord {
                    class: b.class.clone(),
                    status: match (s.compliant, no_data) {
                        (true, _) => "compliant",
                        (false, true) => "no_data",
                        (false, false) => "breached",
                    }
                    .into(),
                    max_c: s.max_c,
                    excursion_minutes: Some(s.excursion_secs / 60),
                    coverage: Some(s.coverage),
                    compensation_fen: comps
                        .iter()
                        .filter(|c| c.order_id == order_id)
                        .map(|c| c.amount_fen)
                        .sum(),
                    settled_at: Some(s.created_at),
                }
            }
            None => {
                let max_c = temperature_reading::Entity::find()
                    .filter(temperature_reading::Column::BatchId.eq(b.id))
                    .all(db)
                    .await?
                    .iter()
                    .map(|r| r.celsius)
                    .fold(None, |m: Option<f64>, c| Some(m.map_or(c, |m| m.max(c))));
                ColdRecord {
                    class: b.class.clone(),
                    status: "in_transit".into(),
                    max_c,
                    excursion_minutes: None,
                    coverage: None,
                    compensation_fen: 0,
                    settled_at: None,
                }
            }
        });
    }
    Ok(out)
}

/// Plain data as JSON (it cannot fail to serialise).
fn json<T: Serialize>(v: &T) -> String {
    serde_json::to_string(v).unwrap_or_else(|_| "null".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frozen() -> Policy {
        Policy::default_for("frozen").unwrap()
    }

    /// A verdict that is compliant or breached, or says no data.
    fn verdict(compliant: bool, no_data: bool) -> Verdict {
        Verdict {
            compliant,
            excursions: Vec::new(),
            excursion_secs: 0,
            max_c: None,
            coverage: if no_data { 0.0 } else { 1.0 },
            no_data,
            missing_sensor: None,
        }
    }

    fn carried(order_id: i64, goods: i64, left: i64, breached: bool) -> Carried {
        Carried {
            order_id,
            class_goods_fen: goods,
            refundable_fen: left,
            breached,
        }
    }

    #[test]
    fn a_compliant_batch_pays_the_carrier_per_order() {
        let o = outcome(
            &frozen(),
            &verdict(true, false),
            &[
                carried(1, 3_000, 3_500, false),
                carried(2, 1_000, 1_500, false),
            ],
        );
        assert_eq!(o.carrier_fee_fen, 400);
        assert_eq!(o.penalty_fen, 0);
        assert!(o.compensations.is_empty());
    }

    #[test]
    fn a_breach_compensates_and_penalises_only_the_affected_orders() {
        let o = outcome(
            &frozen(),
            &verdict(false, false),
            &[
                carried(1, 3_001, 3_500, false),
                carried(2, 3_001, 3_500, true),
            ],
        );
        assert_eq!(o.carrier_fee_fen, 0);
        assert_eq!(o.penalty_fen, 1_000);
        // Half of 30.01 yuan, rounded down to the fen.
        assert_eq!(o.compensations, vec![(2, 1_500)]);
    }

    #[test]
    fn compensation_never_exceeds_what_is_left_to_refund() {
        let o = outcome(
            &frozen(),
            &verdict(false, false),
            &[carried(1, 3_000, 900, true)],
        );
        assert_eq!(o.compensations, vec![(1, 900)]);
        let none = outcome(
            &frozen(),
            &verdict(false, false),
            &[carried(1, 3_000, 0, true)],
        );
        assert!(none.compensations.is_empty());
        assert_eq!(none.penalty_fen, 1_000, "the carrier still broke the chain");
    }

    #[test]
    fn no_data_pays_and_costs_nothing_unless_the_policy_says_so() {
        let orders = [
            carried(1, 3_000, 3_500, true),
            carried(2, 1_000, 1_500, true),
        ];
        let o = outcome(&frozen(), &verdict(false, true), &orders);
        assert_eq!(o, Outcome::default());
        let strict = Policy {
            no_data_compensates: true,
            ..frozen()
        };
        let o = outcome(&strict, &verdict(false, true), &orders);
        assert_eq!(o.carrier_fee_fen, 0);
        assert_eq!(o.penalty_fen, 2_000);
        assert_eq!(o.compensations, vec![(1, 1_500), (2, 500)]);
    }

    #[test]
    fn policies_are_validated() {
        let mut p = frozen();
        assert!(p.validate().is_ok());
        p.rule.tolerated_high_c = -20.0;
        assert!(p.validate().is_err());
        let mut p = frozen();
        p.compensation_bp = 10_001;
        assert!(p.validate().is_err());
        let mut p = frozen();
        p.rule.max_gap_secs = 10;
        assert!(p.validate().is_err());
    }
}
