//! Platform statistics in the case study's categories: merchants,
//! products, orders delivered, GMV, residents and communities and villages
//! served, vehicle trips, riders, cold-chain compliance, household income.
//!
//! Each finished local day is counted once into a rollup row
//! (`daily_stats`) plus the ids it reached (`daily_reach`, for distinct
//! counts over any period); a period's figures sum the rollups and count
//! the days not rolled up yet (today) afresh. [`recount`] counts a period
//! from the raw tables alone; the tests hold the two equal.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Duration, NaiveDate, Utc};
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, FromQueryResult, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect, Set,
};
use serde::Serialize;

use crate::calendar::day_bounds;
use crate::daily_reach::ReachKind;
use crate::delivery_job::DeliveryJobStatus;
use crate::error::DomainResult;
use crate::order::DeliveryKind;
use crate::order::OrderStatus;
use crate::product::ProductStatus;
use crate::trip::TripStatus;
use crate::{
    address, agent_point, cold_settlement, daily_reach, daily_stat, delivery_job, merchant, order,
    order_event, platform, product, rider, supplier, trip,
};

/// What one day adds up to on one platform.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct DayFigures {
    /// The local day.
    pub day: Option<NaiveDate>,
    /// Orders delivered.
    pub orders_delivered: i64,
    /// Of them, city deliveries.
    pub city_orders: i64,
    /// Of them, village deliveries.
    pub village_orders: i64,
    /// What residents paid for them, fen.
    pub gmv_fen: i64,
    /// Village trips completed.
    pub trips: i64,
    /// Cold-chain batches settled.
    pub cold_batches: i64,
    /// Of them, compliant.
    pub cold_compliant: i64,
    /// Earnings of riders from registered households, fen.
    pub rider_household_fen: i64,
    /// Handling fees earned by village agent points, fen.
    pub agent_point_fen: i64,
}

impl DayFigures {
    /// Adds another day's (or county's) figures.
    fn add(&mut self, f: &DayFigures) {
        self.orders_delivered += f.orders_delivered;
        self.city_orders += f.city_orders;
        self.village_orders += f.village_orders;
        self.gmv_fen += f.gmv_fen;
        self.trips += f.trips;
        self.cold_batches += f.cold_batches;
        self.cold_compliant += f.cold_compliant;
        self.rider_household_fen += f.rider_household_fen;
        self.agent_point_fen += f.agent_point_fen;
    }
}

/// The ids a day reached, by kind.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Reach {
    /// Residents served.
    pub residents: BTreeSet<i64>,
    /// Communities delivered to.
    pub communities: BTreeSet<i64>,
    /// Villages delivered to.
    pub villages: BTreeSet<i64>,
    /// Riders who delivered.
    pub riders: BTreeSet<i64>,
}

impl Reach {
    fn kinds(&self) -> [(ReachKind, &BTreeSet<i64>); 4] {
        [
            (ReachKind::Resident, &self.residents),
            (ReachKind::Community, &self.communities),
            (ReachKind::Village, &self.villages),
            (ReachKind::Rider, &self.riders),
        ]
    }

    fn extend(&mut self, other: Reach) {
        self.residents.extend(other.residents);
        self.communities.extend(other.communities);
        self.villages.extend(other.villages);
        self.riders.extend(other.riders);
    }
}

/// Counts a span of time (`start..end`) of one platform from the raw
/// tables.
async fn count_span(
    db: &impl ConnectionTrait,
    platform_id: i64,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
) -> DomainResult<(DayFigures, Reach)> {
    let mut f = DayFigures::default();
    let mut reach = Reach::default();
    let delivered: Vec<i64> = order_event::Entity::find()
        .select_only()
        .column(order_event::Column::OrderId)
        .filter(order_event::Column::PlatformId.eq(platform_id))
        .filter(order_event::Column::ToStatus.eq(OrderStatus::Delivered))
        .filter(order_event::Column::FromStatus.ne(OrderStatus::Delivered))
        .filter(order_event::Column::CreatedAt.gte(start))
        .filter(order_event::Column::CreatedAt.lt(end))
        .into_tuple()
        .all(db)
        .await?;
    let mut address_ids = BTreeSet::new();
    let mut orders = Vec::new();
    for chunk in delivered.chunks(500) {
        for o in order::Entity::find()
            .filter(order::Column::Id.is_in(chunk.to_vec()))
            .all(db)
            .await?
        {
            address_ids.insert(o.address_id);
            orders.push(o);
        }
    }
    let mut addresses: BTreeMap<i64, address::Model> = BTreeMap::new();
    let ids: Vec<i64> = address_ids.into_iter().collect();
    for chunk in ids.chunks(500) {
        for a in address::Entity::find()
            .filter(address::Column::Id.is_in(chunk.to_vec()))
            .all(db)
            .await?
        {
            addresses.insert(a.id, a);
        }
    }
    let point_village: BTreeMap<i64, i64> = agent_point::Entity::find()
        .filter(agent_point::Column::PlatformId.eq(platform_id))
        .all(db)
        .await?
        .into_iter()
        .map(|p| (p.id, p.village_id))
        .collect();
    let mut agent_fees: BTreeMap<i64, i64> = BTreeMap::new();
    for o in &orders {
        f.orders_delivered += 1;
        f.gmv_fen += o.payable_fen;
        reach.residents.insert(o.user_id);
        let a = addresses.get(&o.address_id);
        if o.delivery_kind == DeliveryKind::Village {
            f.village_orders += 1;
            let fee = match agent_fees.get(&o.fee_rule_id) {
                Some(fee) => *fee,
                None => {
                    let fee = crate::to_door_line::fee_rules::fee_rules_of(db, o.fee_rule_id)
                        .await?
                        .agent_point_fee_fen;
                    agent_fees.insert(o.fee_rule_id, fee);
                    fee
                }
            };
            f.agent_point_fen += fee;
            if let Some(v) = a
                .and_then(|a| a.agent_point_id)
                .and_then(|p| point_village.get(&p))
            {
                reach.villages.insert(*v);
            }
        } else {
            f.city_orders += 1;
            if let Some(c) = a.and_then(|a| a.community_id) {
                reach.communities.insert(c);
            }
        }
    }
    f.trips = trip::Entity::find()
        .filter(trip::Column::PlatformId.eq(platform_id))
        .filter(trip::Column::Status.eq(TripStatus::Completed))
        .filter(trip::Column::CompletedAt.gte(start))
        .filter(trip::Column::CompletedAt.lt(end))
        .all(db)
        .await?
        .len() as i64;
    for s in cold_settlement::Entity::find()
        .filter(cold_settlement::Column::PlatformId.eq(platform_id))
        .filter(cold_settlement::Column::CreatedAt.gte(start))
        .filter(cold_settlement::Column::CreatedAt.lt(end))
        .all(db)
        .await?
    {
        f.cold_batches += 1;
        f.cold_compliant += i64::from(s.compliant);
    }
    let poor: BTreeSet<i64> = supplier::Entity::find()
        .filter(supplier::Column::PlatformId.eq(platform_id))
        .filter(supplier::Column::RegisteredPoor.eq(true))
        .all(db)
        .await?
        .into_iter()
        .map(|s| s.id)
        .collect();
    let household_riders: BTreeSet<i64> = rider::Entity::find()
        .filter(rider::Column::PlatformId.eq(platform_id))
        .filter(rider::Column::HouseholdId.is_not_null())
        .all(db)
        .await?
        .into_iter()
        .filter(|r| r.household_id.is_some_and(|h| poor.contains(&h)))
        .map(|r| r.id)
        .collect();
    for j in delivery_job::Entity::find()
        .filter(delivery_job::Column::PlatformId.eq(platform_id))
        .filter(delivery_job::Column::Status.eq(DeliveryJobStatus::Delivered))
        .filter(delivery_job::Column::DeliveredAt.gte(start))
        .filter(delivery_job::Column::DeliveredAt.lt(end))
        .all(db)
        .await?
    {
        if let Some(r) = j.rider_id {
            reach.riders.insert(r);
            if household_riders.contains(&r) {
                f.rider_household_fen += j.rider_fee_fen;
            }
        }
    }
    Ok((f, reach))
}

/// Rolls up a finished local day of a platform (once: a second run finds
/// the row and does nothing). Returns whether it wrote.
pub async fn rollup_day(
    db: &impl ConnectionTrait,
    p: &platform::Model,
    day: NaiveDate,
    now: DateTime<Utc>,
) -> DomainResult<bool> {
    let done = daily_stat::Entity::find()
        .filter(daily_stat::Column::PlatformId.eq(p.id))
        .filter(daily_stat::Column::Day.eq(day))
        .one(db)
        .await?;
    if done.is_some() {
        return Ok(false);
    }
    let (start, end) = day_bounds(day, p.utc_offset_minutes);
    let (f, reach) = count_span(db, p.id, start, end).await?;
    for (kind, ids) in reach.kinds() {
        let rows: Vec<daily_reach::ActiveModel> = ids
            .iter()
            .map(|id| daily_reach::ActiveModel {
                platform_id: Set(p.id),
                day: Set(day),
                kind: Set(kind),
                ref_id: Set(*id),
                ..Default::default()
            })
            .collect();
        for chunk in rows.chunks(500) {
            let res = daily_reach::Entity::insert_many(chunk.to_vec())
                .on_conflict(
                    OnConflict::columns([
                        daily_reach::Column::PlatformId,
                        daily_reach::Column::Kind,
                        daily_reach::Column::Day,
                        daily_reach::Column::RefId,
                    ])
                    .do_nothing()
                    .to_owned(),
                )
                .exec_without_returning(db)
                .await;
            match res {
                Ok(_) | Err(sea_orm::DbErr::RecordNotInserted) => {}
                Err(e) => return Err(e.into()),
            }
        }
    }
    let res = daily_stat::Entity::insert(daily_stat::ActiveModel {
        platform_id: Set(p.id),
        day: Set(day),
        orders_delivered: Set(f.orders_delivered),
        city_orders: Set(f.city_orders),
        village_orders: Set(f.village_orders),
        gmv_fen: Set(f.gmv_fen),
        trips: Set(f.trips),
        cold_batches: Set(f.cold_batches),
        cold_compliant: Set(f.cold_compliant),
        rider_household_fen: Set(f.rider_household_fen),
        agent_point_fen: Set(f.agent_point_fen),
        created_at: Set(now),
        ..Default::default()
    })
    .on_conflict(
        OnConflict::columns([daily_stat::Column::PlatformId, daily_stat::Column::Day])
            .do_nothing()
            .to_owned(),
    )
    .exec_without_returning(db)
    .await;
    match res {
        Ok(n) => Ok(n > 0),
        Err(sea_orm::DbErr::RecordNotInserted) => Ok(false),
        Err(e) => Err(e.into()),
    }
}

/// A period's statistics.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Stats {
    /// The platforms counted.
    pub platforms: Vec<i64>,
    /// First local day.
    pub from: Option<NaiveDate>,
    /// Last local day, inclusive.
    pub to: Option<NaiveDate>,
    /// Merchants onboarded by the end of the period.
    pub merchants: i64,
    /// Products listed now that were created by the end of the period.
    pub products_listed: i64,
    /// Orders delivered.
    pub orders_delivered: i64,
    /// Of them, city deliveries.
    pub city_orders: i64,
    /// Of them, village deliveries.
    pub village_orders: i64,
    /// What residents paid for them, fen.
    pub gmv_fen: i64,
    /// Distinct residents served.
    pub residents_served: i64,
    /// Services (deliveries) to residents.
    pub service_count: i64,
    /// Distinct communities delivered to.
    pub communities_served: i64,
    /// Distinct villages delivered to.
    pub villages_served: i64,
    /// Village trips (车次) completed.
    pub trips: i64,
    /// Distinct riders who delivered.
    pub riders_active: i64,
    /// Cold-chain batches settled.
    pub cold_batches: i64,
    /// Of them, compliant.
    pub cold_compliant: i64,
    /// Compliant share, basis points (10,000 without batches).
    pub cold_compliance_bp: i64,
    /// Income of registered households: purchases, wages, rider earnings.
    pub household_income_fen: i64,
    /// Handling fees earned by village agent points, fen.
    pub agent_point_fen: i64,
    /// Per day, for charts.
    pub daily: Vec<DayFigures>,
}

impl Stats {
    fn add_day(&mut self, f: DayFigures) {
        let mut total = DayFigures {
            day: None,
            orders_delivered: self.orders_delivered,
            city_orders: self.city_orders,
            village_orders: self.village_orders,
            gmv_fen: self.gmv_fen,
            trips: self.trips,
            cold_batches: self.cold_batches,
            cold_compliant: self.cold_compliant,
            rider_household_fen: 0,
            agent_point_fen: self.agent_point_fen,
        };
        total.add(&f);
        self.orders_delivered = total.orders_delivered;
        self.city_orders = total.city_orders;
        self.village_orders = total.village_orders;
        self.gmv_fen = total.gmv_fen;
        self.trips = total.trips;
        self.cold_batches = total.cold_batches;
        self.cold_compliant = total.cold_compliant;
        self.agent_point_fen = total.agent_point_fen;
        match self.daily.iter_mut().find(|d| d.day == f.day) {
            Some(d) => d.add(&f),
            None => self.daily.push(f),
        }
    }

    fn finish(&mut self) {
        self.service_count = self.orders_delivered;
        self.cold_compliance_bp = if self.cold_batches == 0 {
            10_000
        } else {
            self.cold_compliant * 10_000 / self.cold_batches
        };
        self.daily.sort_by_key(|d| d.day);
    }
}

/// Figures that are not per day: merchants and products by the end, and
/// household income from purchases and wages (rider earnings come with
/// the days).
async fn standing(
    db: &impl ConnectionTrait,
    platforms: &[platform::Model],
    from: NaiveDate,
    to: NaiveDate,
    s: &mut Stats,
) -> DomainResult<()> {
    let ids: Vec<i64> = platforms.iter().map(|p| p.id).collect();
    let offset = platforms.first().map_or(480, |p| p.utc_offset_minutes);
    let (_, end) = crate::calendar::utc_bounds(from, to, offset);
    s.merchants = merchant::Entity::find()
        .filter(merchant::Column::PlatformId.is_in(ids.clone()))
        .filter(merchant::Column::CreatedAt.lt(end))
        .count(db)
        .await? as i64;
    s.products_listed = product::Entity::find()
        .filter(product::Column::PlatformId.is_in(ids.clone()))
        .filter(product::Column::Status.eq(ProductStatus::Listed))
        .filter(product::Column::CreatedAt.lt(end))
        .count(db)
        .await? as i64;
    s.household_income_fen =
        crate::supply_end::households::household_income(db, &ids, from, to).await?;
    Ok(())
}

/// Counts a period from the raw tables alone (the reference the rollups
/// are tested against; slow over long periods).
pub async fn recount(
    db: &impl ConnectionTrait,
    platforms: &[platform::Model],
    from: NaiveDate,
    to: NaiveDate,
) -> DomainResult<Stats> {
    let mut s = Stats {
        platforms: platforms.iter().map(|p| p.id).collect(),
        from: Some(from),
        to: Some(to),
        ..Stats::default()
    };
    let mut reach = Reach::default();
    let mut rider_fen = 0;
    for p in platforms {
        let mut day = from;
        while day <= to {
            let (start, end) = day_bounds(day, p.utc_offset_minutes);
            let (mut f, r) = count_span(db, p.id, start, end).await?;
            f.day = Some(day);
            rider_fen += f.rider_household_fen;
            s.add_day(f);
            reach.extend(r);
            day += Duration::days(1);
        }
    }
    standing(db, platforms, from, to, &mut s).await?;
    s.household_income_fen += rider_fen;
    s.residents_served = reach.residents.len() as i64;
    s.communities_served = reach.communities.len() as i64;
    s.villages_served = reach.villages.len() as i64;
    s.riders_active = reach.riders.len() as i64;
    s.finish();
    Ok(s)
}

#[derive(Debug, FromQueryResult)]
struct Distinct {
    n: i64,
}

/// A period's statistics from the rollups, with the days not rolled up
/// yet counted afresh.
pub async fn stats(
    db: &impl ConnectionTrait,
    platforms: &[platform::Model],
    from: NaiveDate,
    to: NaiveDate,
) -> DomainResult<Stats> {
    let ids: Vec<i64> = platforms.iter().map(|p| p.id).collect();
    let mut s = Stats {
        platforms: ids.clone(),
        from: Some(from),
        to: Some(to),
        ..Stats::default()
    };
    let rolled = daily_stat::Entity::find()
        .filter(daily_stat::Column::PlatformId.is_in(ids.clone()))
        .filter(daily_stat::Column::Day.between(from, to))
        .all(db)
        .await?;
    let mut rider_fen = 0;
    let mut have: BTreeSet<(i64, NaiveDate)> = BTreeSet::new();
    for r in rolled {
        have.insert((r.platform_id, r.day));
        rider_fen += r.rider_household_fen;
        s.add_day(DayFigures {
            day: Some(r.day),
            orders_delivered: r.orders_delivered,
            city_orders: r.city_orders,
            village_orders: r.village_orders,
            gmv_fen: r.gmv_fen,
            trips: r.trips,
            cold_batches: r.cold_batches,
            cold_compliant: r.cold_compliant,
            rider_household_fen: r.rider_household_fen,
            agent_point_fen: r.agent_point_fen,
        });
    }
    // Days not rolled up (today, or a worker behind) are counted now.
    let mut live: BTreeMap<i64, Reach> = BTreeMap::new();
    for p in platforms {
        let mut day = from;
        while day <= to {
            if !have.contains(&(p.id, day)) {
                let (start, end) = day_bounds(day, p.utc_offset_minutes);
                let (mut f, r) = count_span(db, p.id, start, end).await?;
                f.day = Some(day);
                rider_fen += f.rider_household_fen;
                s.add_day(f);
                live.entry(p.id).or_default().extend(r);
            }
            day += Duration::days(1);
        }
    }
    let backend = db.get_database_backend();
    let mut distinct = [0i64; 4];
    for (k, kind) in [
        ReachKind::Resident,
        ReachKind::Community,
        ReachKind::Village,
        ReachKind::Rider,
    ]
    .iter()
    .enumerate()
    {
        // Distinct ids in the rollups, per platform (ids are per platform).
        for p in &ids {
            let sql = sea_orm::Statement::from_sql_and_values(
                backend,
                match backend {
                    sea_orm::DatabaseBackend::Postgres => {
                        "SELECT CAST(COUNT(DISTINCT ref_id) AS BIGINT) AS n FROM daily_reach \
                         WHERE platform_id = $1 AND kind = $2 AND day BETWEEN $3 AND $4"
                    }
                    _ => {
                        "SELECT COUNT(DISTINCT ref_id) AS n FROM daily_reach \
                         WHERE platform_id = ? AND kind = ? AND day BETWEEN ? AND ?"
                    }
                },
                [(*p).into(), (*kind).into(), from.into(), to.into()],
            );
            let rolled_n = Distinct::find_by_statement(sql)
                .one(db)
                .await?
                .map_or(0, |d| d.n);
            // Live ids not already counted in the rollups.
            let live_ids: Vec<i64> = live
                .get(p)
                .map(|r| r.kinds()[k].1.iter().copied().collect())
                .unwrap_or_default();
            let mut seen = 0i64;
            for chunk in live_ids.chunks(500) {
                seen += daily_reach::Entity::find()
                    .select_only()
                    .column(daily_reach::Column::RefId)
                    .distinct()
                    .filter(daily_reach::Column::PlatformId.eq(*p))
                    .filter(daily_reach::Column::Kind.eq(*kind))
                    .filter(daily_reach::Column::Day.between(from, to))
                    .filter(daily_reach::Column::RefId.is_in(chunk.to_vec()))
                    .into_tuple::<i64>()
                    .all(db)
                    .await?
                    .len() as i64;
            }
            distinct[k] += rolled_n + live_ids.len() as i64 - seen;
        }
    }
    [
        s.residents_served,
        s.communities_served,
        s.villages_served,
        s.riders_active,
    ] = distinct;
    standing(db, platforms, from, to, &mut s).await?;
    s.household_income_fen += rider_fen;
    s.finish();
    Ok(s)
}

/// Rolls up every finished day of every platform not rolled up yet, at
/// most `catch_up` days back. Returns the platform-days written.
pub async fn rollup_due(
    db: &impl ConnectionTrait,
    now: DateTime<Utc>,
    catch_up: i64,
) -> DomainResult<usize> {
    let mut written = 0;
    for p in platform::Entity::find().all(db).await? {
        // A day is final ten minutes after it ends.
        let last =
            crate::calendar::last_closed_day(now - Duration::minutes(10), p.utc_offset_minutes);
        let latest = daily_stat::Entity::find()
            .filter(daily_stat::Column::PlatformId.eq(p.id))
            .order_by_desc(daily_stat::Column::Day)
            .one(db)
            .await?
            .map(|d| d.day);
        let first = match latest {
            Some(d) => d + Duration::days(1),
            // Nothing rolled up yet: from the platform's first order.
            None => match order::Entity::find()
                .filter(order::Column::PlatformId.eq(p.id))
                .order_by_asc(order::Column::CreatedAt)
                .one(db)
                .await?
            {
                Some(o) => {
                    (o.created_at + Duration::minutes(i64::from(p.utc_offset_minutes))).date_naive()
                }
                None => continue,
            },
        };
        let mut day = first.max(last - Duration::days(catch_up - 1));
        while day <= last {
            written += usize::from(rollup_day(db, &p, day, now).await?);
            day += Duration::days(1);
        }
    }
    Ok(written)
}

/// The platforms a bureau sees: those of its city (the region up to and
/// including 市).
pub async fn city_platforms(
    db: &impl ConnectionTrait,
    home: &platform::Model,
) -> DomainResult<Vec<platform::Model>> {
    let city = city_of(&home.region);
    Ok(platform::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .filter(|p| city_of(&p.region) == city)
        .collect())
}

/// `甘肃省陇南市康县` → `甘肃省陇南市`.
pub fn city_of(region: &str) -> &str {
    match region.find('市') {
        Some(i) => &region[..i + '市'.len_utf8()],
        None => region,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_city_is_the_region_up_to_shi() {
        assert_eq!(city_of("甘肃省陇南市康县"), "甘肃省陇南市");
        assert_eq!(city_of("甘肃省陇南市成县"), "甘肃省陇南市");
        assert_eq!(city_of("某县"), "某县");
    }

    #[test]
    fn compliance_without_batches_is_full() {
        let mut s = Stats::default();
        s.finish();
        assert_eq!(s.cold_compliance_bp, 10_000);
        s.cold_batches = 3;
        s.cold_compliant = 2;
        s.finish();
        assert_eq!(s.cold_compliance_bp, 6_666);
    }
}
