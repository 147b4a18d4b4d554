//! A lived-in demo: the past month of the demo county, generated through
//! the same domain operations that real traffic uses (placing and paying
//! orders, the kitchen's steps, offers and grabs, pickups and handovers,
//! village departures planned by the worker's planner, gateway readings,
//! cold-chain settlement, refunds, nightly settlement, withdrawals, the
//! kitchen's purchases and production batches, the statistics rollup), so
//! the books balance and the statistics equal a recount.
//!
//! The month is one transaction: it is there entirely or not at all, and
//! a second run on a platform that has orders does nothing. The same seed
//! gives the same month.

mod books;
mod cast;
mod city;
mod rng;
mod shop;
mod village;

use std::time::Instant;

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveTime, Utc, Weekday};
use entity::error::{DomainError, DomainResult};
use entity::order::{self, OrderStatus};
use entity::order_event::ActorKind;
use entity::to_door_line::order_states::OrderEvent;
use entity::to_door_line::transitions::{self, OrderActor};
use entity::{departure, operator_account, platform, route_stop};
use sea_orm::{
    ColumnTrait, DatabaseConnection, DatabaseTransaction, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder,
};

use cast::{Cast, Kitchen, Resident};
use rng::Rng;

/// The seed `serve --demo` uses.
pub const DEFAULT_SEED: u64 = 2020;

/// How much of a past to make up.
#[derive(Debug, Clone, Copy)]
pub struct MonthOptions {
    /// The generator's seed: the same seed, the same month.
    pub seed: u64,
    /// Days before today (the month ends yesterday).
    pub days: u32,
}

impl Default for MonthOptions {
    fn default() -> Self {
        Self {
            seed: DEFAULT_SEED,
            days: 30,
        }
    }
}

/// What the month holds.
#[derive(Debug, Default, Clone, serde::Serialize)]
pub struct MonthReport {
    /// Days generated.
    pub days: u32,
    /// Orders placed.
    pub orders: usize,
    /// City orders delivered at the door.
    pub city_delivered: usize,
    /// Village orders collected at agent points.
    pub village_collected: usize,
    /// Orders left unpaid and cancelled by the resident.
    pub cancelled_unpaid: usize,
    /// Paid orders the kitchen refused (refunded).
    pub refused: usize,
    /// Refunds paid back (refusals and cold-chain compensation).
    pub refunds: usize,
    /// Village trips run.
    pub trips: usize,
    /// Cold-chain batches settled.
    pub cold_batches: usize,
    /// Batches out of range, compensated.
    pub cold_breaches: usize,
    /// Purchases from supplier households.
    pub purchases: usize,
    /// Production batches with trace codes.
    pub production_batches: usize,
    /// Payouts requested.
    pub payouts: usize,
    /// Settlement statements written.
    pub statements: usize,
    /// Milliseconds the generation took.
    pub elapsed_ms: u128,
}

/// Generates the month before `now` on the demo platform `pid`, unless the
/// platform has orders already (then `None`).
pub async fn seed_month(
    db: &DatabaseConnection,
    pid: i64,
    opts: MonthOptions,
    now: DateTime<Utc>,
) -> DomainResult<Option<MonthReport>> {
    let started = Instant::now();
    let txn = entity::tx::begin_write(db).await?;
    let lived_in = order::Entity::find()
        .filter(order::Column::PlatformId.eq(pid))
        .count(&txn)
        .await?
        > 0;
    if lived_in {
        txn.rollback().await?;
        return Ok(None);
    }
    let p = platform::Entity::find_by_id(pid)
        .one(&txn)
        .await?
        .ok_or(DomainError::NotFound("platform"))?;
    let mut month = Month::start(&txn, &p, opts, now).await?;
    let today = entity::calendar::local_day(now, p.utc_offset_minutes);
    let first = today - Duration::days(i64::from(opts.days));
    for d in 0..opts.days {
        let day = first + Duration::days(i64::from(d));
        month.live(&txn, day).await?;
    }
    books::drain_queue(&txn, now).await?;
    entity::platform_end::stats::rollup_due(&txn, now, 400).await?;
    txn.commit().await?;
    month.report.days = opts.days;
    month.report.elapsed_ms = started.elapsed().as_millis();
    Ok(Some(month.report))
}

/// The month under way.
struct Month {
    platform: platform::Model,
    cast: Cast,
    shelves: Vec<shop::Shelf>,
    /// Departures with the residents whose agent point they serve.
    departures: Vec<(departure::Model, Vec<Resident>)>,
    operator_user: i64,
    rng: Rng,
    report: MonthReport,
    /// From which village departure on a trip runs warm (the month's one
    /// breach), until one with frozen goods has.
    warm_departure: usize,
    departures_run: usize,
    warmed: bool,
    /// Today's menus by store, as residents read them.
    menus: std::collections::HashMap<i64, Vec<shop::Offer>>,
}

impl Month {
    async fn start(
        db: &DatabaseTransaction,
        p: &platform::Model,
        opts: MonthOptions,
        now: DateTime<Utc>,
    ) -> DomainResult<Self> {
        let mut rng = Rng::new(opts.seed);
        let first = entity::calendar::local_day(now, p.utc_offset_minutes)
            - Duration::days(i64::from(opts.days));
        let joined = local(p, first, 7, 0);
        let cast = cast::assemble(db, p.id, p.utc_offset_minutes, &mut rng, joined).await?;
        let shelves = shop::shelves(db, &cast.kitchens).await?;
        let mut departures = Vec::new();
        for d in departure::Entity::find()
            .filter(departure::Column::PlatformId.eq(p.id))
            .filter(departure::Column::Active.eq(true))
            .order_by_asc(departure::Column::Id)
            .all(db)
            .await?
        {
            let points: Vec<i64> = route_stop::Entity::find()
                .filter(route_stop::Column::RouteId.eq(d.route_id))
                .all(db)
                .await?
                .into_iter()
                .map(|s| s.agent_point_id)
                .collect();
            let served: Vec<Resident> = cast
                .village
                .iter()
                .filter(|r| {
                    r.address
                        .agent_point_id
                        .is_some_and(|a| points.contains(&a))
                })
                .cloned()
                .collect();
            departures.push((d, served));
        }
        let operator_user = operator_account::Entity::find()
            .filter(operator_account::Column::PlatformId.eq(p.id))
            .order_by_asc(operator_account::Column::Id)
            .one(db)
            .await?
            .map(|a| a.user_id)
            .ok_or(DomainError::NotFound("operator"))?;
        // About the middle of the month.
        let trips_in_month = departures.len() * opts.days as usize;
        let warm_departure = trips_in_month / 2 + rng.below(3) as usize;
        Ok(Self {
            platform: p.clone(),
            cast,
            shelves,
            departures,
            operator_user,
            rng,
            report: MonthReport::default(),
            warm_departure,
            departures_run: 0,
            warmed: false,
            menus: Default::default(),
        })
    }

    fn at(&self, day: NaiveDate, h: u32, m: u32) -> DateTime<Utc> {
        local(&self.platform, day, h, m)
    }

    /// One day of the county.
    async fn live(&mut self, db: &DatabaseTransaction, day: NaiveDate) -> DomainResult<()> {
        let offset = self.platform.utc_offset_minutes;
        let pid = self.platform.id;
        if day.weekday() == Weekday::Mon {
            let at = self.at(day, 9, 0);
            self.report.payouts +=
                books::withdraw_all(db, &self.cast, self.operator_user, at, &mut self.rng).await?;
        }
        let morning = self.at(day, 6, 0);
        // Stock is taken on Mondays and Thursdays.
        if matches!(day.weekday(), Weekday::Mon | Weekday::Thu) {
            shop::restock(db, &self.shelves, morning).await?;
        }
        self.menus.clear();
        for k in self.cast.kitchens.clone() {
            let (purchases, batches) =
                books::kitchen_morning(db, &k, day, morning, &mut self.rng).await?;
            self.report.purchases += purchases;
            self.report.production_batches += batches;
        }
        let shift = self.at(day, 7, 30);
        for r in self.cast.riders.iter_mut() {
            *r = city::on_duty(db, r, shift, offset).await?;
        }
        let weekend = matches!(day.weekday(), Weekday::Sat | Weekday::Sun);
        // The 09:30 departures close at 08:30, the 15:00 ones at 14:00.
        for slot in 0..2 {
            self.village_slot(db, day, slot, weekend).await?;
        }
        let city_orders = self.rng.between(6, 10) + if weekend { 2 } else { 0 };
        let mut times: Vec<i64> = (0..city_orders)
            .map(|_| self.rng.between(8 * 60 + 10, 17 * 60 + 30))
            .collect();
        times.sort_unstable();
        let last = times.len().saturating_sub(1);
        for (i, minute) in times.into_iter().enumerate() {
            let at = self.at(day, 0, 0) + Duration::minutes(minute);
            // Every Sunday someone leaves an order unpaid; every Saturday
            // the day's last order finds the kitchen sold out.
            let unpaid = i == 0 && day.weekday() == Weekday::Sun;
            let sold_out = i == last && day.weekday() == Weekday::Sat;
            self.city_order(db, at, unpaid, sold_out).await?;
        }
        let night = self.at(day, 23, 0);
        let drained = books::drain_queue(db, night).await?;
        self.report.refunds += drained.refunds;
        let settle_at = self.at(day + Duration::days(1), 2, 0);
        self.report.statements += books::settle_day(db, pid, day, settle_at).await?;
        Ok(())
    }

    /// A city order from a random resident to a random store.
    async fn city_order(
        &mut self,
        db: &DatabaseTransaction,
        at: DateTime<Utc>,
        unpaid: bool,
        sold_out: bool,
    ) -> DomainResult<()> {
        let Some(who) = self.rng.pick(&self.cast.city).cloned() else {
            return Ok(());
        };
        let weights: Vec<u64> = self
            .cast
            .kitchens
            .iter()
            .enumerate()
            .map(|(i, _)| if i == 0 { 5 } else { 3 })
            .collect();
        let Some(k) = self.cast.kitchens.get(self.rng.weighted(&weights)).cloned() else {
            return Ok(());
        };
        let Some(o) = self.placed(db, &who, &k, at, false, unpaid).await? else {
            return Ok(());
        };
        if o.status != OrderStatus::Paid {
            return Ok(());
        }
        let ending = if self.rng.chance(10) || sold_out {
            city::Ending::Refused
        } else {
            city::Ending::Delivered
        };
        let Some(rider) = self.rng.pick(&self.cast.riders).cloned() else {
            return Ok(());
        };
        match city::deliver(db, o, &k, &rider, ending, &mut self.rng).await? {
            Some(_) => self.report.city_delivered += 1,
            None => self.report.refused += 1,
        }
        Ok(())
    }

    /// Places an order (and pays it, or cancels it unpaid): `None` when it
    /// was refused at the counter or left unpaid.
    async fn placed(
        &mut self,
        db: &DatabaseTransaction,
        who: &Resident,
        k: &Kitchen,
        at: DateTime<Utc>,
        village: bool,
        unpaid: bool,
    ) -> DomainResult<Option<order::Model>> {
        let offers = match self.menus.get(&k.store.id) {
            Some(o) => o.clone(),
            None => {
                let o = shop::offers(db, self.platform.id, k.store.id).await?;
                self.menus.insert(k.store.id, o.clone());
                o
            }
        };
        let items = shop::basket(&mut self.rng, &offers, k.store.min_order_fen, village);
        let pays = !unpaid && !self.rng.chance(20);
        let offset = self.platform.utc_offset_minutes;
        let placed = shop::place_and_pay(
            db,
            self.platform.id,
            who,
            k,
            items,
            pays,
            &mut self.rng,
            at,
            offset,
        )
        .await?;
        let Some(o) = placed else {
            return Ok(None);
        };
        self.report.orders += 1;
        if pays {
            return Ok(Some(o));
        }
        let actor = OrderActor {
            kind: ActorKind::Resident,
            user_id: Some(who.user_id),
        };
        let gave_up = at + Duration::minutes(self.rng.between(3, 12));
        let reason = Some("不想要了".to_owned());
        transitions::apply(db, o, OrderEvent::ResidentCancel, actor, reason, gave_up).await?;
        self.report.cancelled_unpaid += 1;
        Ok(None)
    }

    /// The village orders of one departure slot, then the departures.
    async fn village_slot(
        &mut self,
        db: &DatabaseTransaction,
        day: NaiveDate,
        slot: usize,
        weekend: bool,
    ) -> DomainResult<()> {
        let village_kitchens: Vec<Kitchen> = self
            .cast
            .kitchens
            .iter()
            .filter(|k| k.villages)
            .cloned()
            .collect();
        let departures: Vec<(departure::Model, Vec<Resident>)> = self
            .departures
            .iter()
            .filter(|(d, _)| is_slot(d, slot))
            .cloned()
            .collect();
        for (d, served) in &departures {
            let Some(departs) = departs_at(&self.platform, d, day) else {
                continue;
            };
            let cutoff = departs - Duration::minutes(i64::from(d.cutoff_minutes));
            let n = self.rng.between(0, 2) + i64::from(weekend);
            for _ in 0..n {
                let Some(who) = self.rng.pick(served).cloned() else {
                    break;
                };
                let weights: Vec<u64> = (0..village_kitchens.len())
                    .map(|i| if i == 0 { 3 } else { 1 })
                    .collect();
                let Some(k) = village_kitchens.get(self.rng.weighted(&weights)).cloned() else {
                    break;
                };
                // Orders come in the hour and a half before the cut-off.
                let at = cutoff - Duration::minutes(self.rng.between(12, 90));
                if let Some(o) = self.placed(db, &who, &k, at, true, false).await?
                    && o.status == OrderStatus::Paid
                {
                    let seen = at + Duration::minutes(self.rng.between(3, 8));
                    let step = entity::to_door_line::kitchen::KitchenStep::Accept;
                    entity::to_door_line::kitchen::step(
                        db,
                        k.store.id,
                        k.owner_user_id,
                        o.id,
                        step,
                        seen,
                    )
                    .await?;
                }
            }
        }
        for (d, _) in &departures {
            let Some(departs) = departs_at(&self.platform, d, day) else {
                continue;
            };
            let warm = !self.warmed && self.departures_run >= self.warm_departure;
            self.departures_run += 1;
            let carried = village::run(
                db,
                &self.cast,
                d.id,
                departs,
                i64::from(d.cutoff_minutes),
                warm,
                &mut self.rng,
            )
            .await?;
            self.report.trips += carried.trips;
            self.report.village_collected += carried.collected;
            self.report.cold_batches += carried.batches;
            self.report.cold_breaches += carried.breaches;
            self.warmed |= carried.warmed;
        }
        Ok(())
    }
}

/// Slot 0 is the morning departures (before noon), slot 1 the afternoon.
fn is_slot(d: &departure::Model, slot: usize) -> bool {
    let morning = NaiveTime::parse_from_str(&d.depart_at, "%H:%M")
        .is_ok_and(|t| t < NaiveTime::from_hms_opt(12, 0, 0).unwrap_or_default());
    morning == (slot == 0)
}

/// When the departure leaves on `day` (UTC), if it runs that weekday.
fn departs_at(p: &platform::Model, d: &departure::Model, day: NaiveDate) -> Option<DateTime<Utc>> {
    let runs = d.weekdays & (1 << day.weekday().num_days_from_monday()) != 0;
    let t = NaiveTime::parse_from_str(&d.depart_at, "%H:%M").ok()?;
    runs.then(|| (day.and_time(t) - Duration::minutes(i64::from(p.utc_offset_minutes))).and_utc())
}

/// `h:m` local time on `day`, in UTC.
fn local(p: &platform::Model, day: NaiveDate, h: u32, m: u32) -> DateTime<Utc> {
    let t = NaiveTime::from_hms_opt(h, m, 0).unwrap_or_default();
    (day.and_time(t) - Duration::minutes(i64::from(p.utc_offset_minutes))).and_utc()
}
