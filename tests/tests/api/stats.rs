//! Platform statistics: on generated deliveries over ten days (some at the
//! edges of local days), the rollups plus the live days, the recount and a
//! count made here by hand agree; an operator sees their county, the
//! city's bureau every county of the city and no other.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use entity::delivery_job::DeliveryJobStatus;
use entity::order::{DeliveryKind, OrderStatus};
use entity::order_event::ActorKind;
use entity::rider::RiderStatus;
use entity::supplier::SupplierKind;
use sea_orm::{ActiveModelTrait, EntityTrait, Set};
use serde_json::{Value, json};
use tests::app::{ClockExt, second_platform_operator};
use tests::{Backend, TestApp, both};

/// A small deterministic generator (64-bit LCG).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) % n
    }
}

/// One generated delivery as this test counts it.
#[derive(Debug, Clone)]
struct Delivery {
    platform: i64,
    day: NaiveDate,
    user: i64,
    village: Option<i64>,
    community: Option<i64>,
    rider: Option<i64>,
    payable: i64,
    rider_fee: i64,
}

/// Local midnight of a day in China time, in UTC.
fn midnight(day: NaiveDate) -> DateTime<Utc> {
    day.and_hms_opt(0, 0, 0).unwrap().and_utc() - Duration::hours(8)
}

struct World {
    deliveries: Vec<Delivery>,
    poor_rider: i64,
}

async fn generate(app: &TestApp, platforms: &[i64], first: NaiveDate, days: i64) -> World {
    let db = &app.db;
    let now = app.clock.now_utc();
    let (fee_rule, _) = entity::to_door_line::fee_rules::fee_rules(db, 1, now)
        .await
        .unwrap();
    // Each county's own agent points (with their villages) and communities.
    let mut points: BTreeMap<i64, Vec<(i64, i64)>> = BTreeMap::new();
    for p in entity::agent_point::Entity::find().all(db).await.unwrap() {
        points
            .entry(p.platform_id)
            .or_default()
            .push((p.id, p.village_id));
    }
    let mut communities: BTreeMap<i64, Vec<i64>> = BTreeMap::new();
    for c in entity::community::Entity::find().all(db).await.unwrap() {
        communities.entry(c.platform_id).or_default().push(c.id);
    }
    // A registered household for one of the riders.
    let household = entity::supplier::ActiveModel {
        platform_id: Set(1),
        kind: Set(SupplierKind::Household),
        registered_poor: Set(true),
        name: Set("赵家".into()),
        village_id: Set(None),
        member_count: Set(3),
        phone: Set("13900000009".into()),
        id_number_hash: Set(None),
        id_number_last4: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await
    .unwrap();
    let mut users = BTreeMap::new();
    let mut riders = BTreeMap::new();
    for &p in platforms {
        let mut us = Vec::new();
        for i in 0..8 {
            let u = entity::user::ActiveModel {
                platform_id: Set(p),
                display_name: Set(format!("居民{p}-{i}")),
                disabled: Set(false),
                created_at: Set(now),
                ..Default::default()
            }
            .insert(db)
            .await
            .unwrap();
            us.push(u.id);
        }
        let mut rs = Vec::new();
        for (i, &user) in us.iter().take(3).enumerate() {
            let r = entity::rider::ActiveModel {
                platform_id: Set(p),
                user_id: Set(user),
                real_name: Set("骑手".into()),
                phone: Set("13900000001".into()),
                id_number_hash: Set(format!("h{p}-{i}")),
                id_number_last4: Set("0000".into()),
                vehicle: Set("e_bike".into()),
                health_cert_no: Set("JK0001".into()),
                health_cert_expires: Set(NaiveDate::from_ymd_opt(2027, 6, 30).unwrap()),
                poor_household: Set(p == 1 && i == 0),
                household_id: Set((p == 1 && i == 0).then_some(household.id)),
                status: Set(RiderStatus::Verified),
                on_duty: Set(false),
                active_jobs: Set(0),
                give_ups: Set(0),
                created_at: Set(now),
                updated_at: Set(now),
                ..Default::default()
            }
            .insert(db)
            .await
            .unwrap();
            rs.push(r.id);
        }
        users.insert(p, us);
        riders.insert(p, rs);
    }
    let mut rng = Lcg(42);
    let mut deliveries = Vec::new();
    let mut n = 0;
    for d in 0..days {
        let day = first + Duration::days(d);
        for &p in platforms {
            for _ in 0..(2 + rng.next(5)) {
                n += 1;
                // Minutes into the local day, the day's edges included.
                let minute = match rng.next(6) {
                    0 => 0,
                    1 => 24 * 60 - 1,
                    _ => rng.next(24 * 60) as i64,
                };
                let at = midnight(day) + Duration::minutes(minute);
                let user = users[&p][rng.next(8) as usize];
                let village_kind = rng.next(3) == 0;
                let (ps, cs) = (&points[&p], &communities[&p]);
                let (point, community) = if village_kind {
                    (Some(ps[rng.next(ps.len() as u64) as usize]), None)
                } else {
                    (None, Some(cs[rng.next(cs.len() as u64) as usize]))
                };
                let a = entity::address::ActiveModel {
                    platform_id: Set(p),
                    user_id: Set(user),
                    kind: Set(if village_kind {
                        DeliveryKind::Village
                    } else {
                        DeliveryKind::City
                    }),
                    label: Set(String::new()),
                    contact_name: Set("居民".into()),
                    contact_phone: Set("13900000002".into()),
                    detail: Set(String::new()),
                    lat: Set(None),
                    lng: Set(None),
                    community_id: Set(community),
                    agent_point_id: Set(point.map(|(id, _)| id)),
                    deleted_at: Set(None),
                    created_at: Set(at),
                    ..Default::default()
                }
                .insert(db)
                .await
                .unwrap();
                let payable = 1_000 + rng.next(4_000) as i64;
                // One order in five never gets delivered.
                let delivered = rng.next(5) != 0;
                let o = entity::order::ActiveModel {
                    platform_id: Set(p),
                    order_no: Set(format!("GEN{n:06}")),
                    user_id: Set(user),
                    store_id: Set(1),
                    address_id: Set(a.id),
                    address_snapshot: Set("{}".into()),
                    delivery_kind: Set(if village_kind {
                        DeliveryKind::Village
                    } else {
                        DeliveryKind::City
                    }),
                    status: Set(if delivered {
                        OrderStatus::Delivered
                    } else {
                        OrderStatus::Accepted
                    }),
                    items_total_fen: Set(payable),
                    packing_fee_fen: Set(0),
                    delivery_fee_fen: Set(0),
                    surcharge_fen: Set(0),
                    discount_fen: Set(0),
                    payable_fen: Set(payable),
                    fee_rule_id: Set(fee_rule),
                    note: Set(String::new()),
                    delivery_plan: Set("{}".into()),
                    created_at: Set(at),
                    updated_at: Set(at),
                    ..Default::default()
                }
                .insert(db)
                .await
                .unwrap();
                let (from, to) = if delivered {
                    (
                        if village_kind {
                            OrderStatus::AtAgentPoint
                        } else {
                            OrderStatus::PickedUp
                        },
                        OrderStatus::Delivered,
                    )
                } else {
                    (OrderStatus::Paid, OrderStatus::Accepted)
                };
                entity::order_event::ActiveModel {
                    platform_id: Set(p),
                    order_id: Set(o.id),
                    from_status: Set(Some(from)),
                    to_status: Set(to),
                    event: Set("deliver".into()),
                    actor_kind: Set(ActorKind::System),
                    actor_user_id: Set(None),
                    reason: Set(None),
                    created_at: Set(at),
                    ..Default::default()
                }
                .insert(db)
                .await
                .unwrap();
                if !delivered {
                    continue;
                }
                let mut rider = None;
                let mut rider_fee = 0;
                if !village_kind {
                    let r = riders[&p][rng.next(3) as usize];
                    rider_fee = 400 + rng.next(300) as i64;
                    rider = Some(r);
                    entity::delivery_job::ActiveModel {
                        platform_id: Set(p),
                        order_id: Set(o.id),
                        store_id: Set(1),
                        pickup_lat: Set(33.33),
                        pickup_lng: Set(105.61),
                        drop_lat: Set(33.33),
                        drop_lng: Set(105.61),
                        distance_m: Set(1_000),
                        ready_by: Set(at),
                        cold_chain: Set("ambient".into()),
                        rider_fee_fen: Set(rider_fee),
                        fee_rule_id: Set(fee_rule),
                        status: Set(DeliveryJobStatus::Delivered),
                        rider_id: Set(Some(r)),
                        code: Set("1234".into()),
                        code_failures: Set(0),
                        delivered_at: Set(Some(at)),
                        created_at: Set(at - Duration::minutes(30)),
                        updated_at: Set(at),
                        ..Default::default()
                    }
                    .insert(db)
                    .await
                    .unwrap();
                }
                deliveries.push(Delivery {
                    platform: p,
                    day,
                    user,
                    village: point.map(|(_, v)| v),
                    community,
                    rider,
                    payable,
                    rider_fee,
                });
            }
        }
    }
    World {
        deliveries,
        poor_rider: riders[&1][0],
    }
}

/// What the stats of `platforms` over `from..=to` must say, counted here.
fn expected(w: &World, platforms: &[i64], from: NaiveDate, to: NaiveDate) -> Value {
    let ds: Vec<&Delivery> = w
        .deliveries
        .iter()
        .filter(|d| platforms.contains(&d.platform) && d.day >= from && d.day <= to)
        .collect();
    let distinct = |f: &dyn Fn(&Delivery) -> Option<i64>| {
        ds.iter()
            .filter_map(|d| f(d))
            .collect::<BTreeSet<_>>()
            .len()
    };
    json!({
        "orders_delivered": ds.len(),
        "city_orders": ds.iter().filter(|d| d.village.is_none()).count(),
        "village_orders": ds.iter().filter(|d| d.village.is_some()).count(),
        "gmv_fen": ds.iter().map(|d| d.payable).sum::<i64>(),
        "residents_served": distinct(&|d| Some(d.user)),
        "communities_served": distinct(&|d| d.community),
        "villages_served": distinct(&|d| d.village),
        "riders_active": distinct(&|d| d.rider),
    })
}

fn pick(v: &Value) -> Value {
    let keys = [
        "orders_delivered",
        "city_orders",
        "village_orders",
        "gmv_fen",
        "residents_served",
        "communities_served",
        "villages_served",
        "riders_active",
    ];
    Value::Object(
        keys.iter()
            .map(|k| ((*k).to_owned(), v[*k].clone()))
            .collect(),
    )
}

async fn rollups_equal_a_recount_and_the_bureau_sees_its_city(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let first = NaiveDate::from_ymd_opt(2026, 11, 10).unwrap();
    app.clock
        .set(Utc.with_ymd_and_hms(2026, 11, 10, 2, 0, 0).unwrap());
    let cheng_op = second_platform_operator(&app).await;
    // 成县's own service area: two communities, a village with its agent point.
    for (name, lat) in [("城关社区", 33.74), ("东城社区", 33.75)] {
        let c = app
            .post(
                "/api/v1/admin/communities",
                json!({"name": name, "center": {"lat": lat, "lng": 105.74}, "radius_m": 600}),
                Some(&cheng_op),
            )
            .await;
        assert_eq!(c.status, 201, "{}", c.text);
    }
    let v = app
        .post(
            "/api/v1/admin/villages",
            json!({"name": "黄渚村", "township": "黄渚镇", "location": {"lat": 33.80, "lng": 105.90}}),
            Some(&cheng_op),
        )
        .await;
    let p = app
        .post(
            "/api/v1/admin/agent-points",
            json!({"village_id": v.body["id"], "name": "黄渚村代办点", "keeper_name": "赵", "phone": "13909391011",
                   "location": {"lat": 33.80, "lng": 105.90}, "opening_hours": "08:00-19:00"}),
            Some(&cheng_op),
        )
        .await;
    assert_eq!(p.status, 201, "{}", p.text);
    let w = generate(&app, &[1, 2], first, 10).await;
    assert!(w.deliveries.len() > 40, "{}", w.deliveries.len());
    // 17 Nov, 01:00: the worker rolls up the 10th to the 16th; the rest is live.
    app.clock
        .set(Utc.with_ymd_and_hms(2026, 11, 16, 17, 0, 0).unwrap());
    app.worker().run_pending().await.unwrap();
    assert_eq!(app.count("daily_stats").await, 14, "7 days × 2 counties");
    app.worker().run_pending().await.unwrap();
    assert_eq!(app.count("daily_stats").await, 14, "rolled up once");

    let op = app.operator_token().await;
    let last = first + Duration::days(9);
    for (from, to) in [
        (first, last),
        (first + Duration::days(3), first + Duration::days(8)),
        (last, last),
    ] {
        let r = app
            .get(
                &format!("/api/v1/admin/stats?from={from}&to={to}"),
                Some(&op),
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.text);
        assert_eq!(pick(&r.body), expected(&w, &[1], from, to), "{from}..{to}");
        let platforms: Vec<entity::platform::Model> = entity::platform::Entity::find()
            .all(&app.db)
            .await
            .unwrap()
            .into_iter()
            .filter(|p| p.id == 1)
            .collect();
        let recount = entity::platform_end::stats::recount(&app.db, &platforms, from, to)
            .await
            .unwrap();
        let rolled = entity::platform_end::stats::stats(&app.db, &platforms, from, to)
            .await
            .unwrap();
        assert_eq!(recount, rolled, "{from}..{to}");
    }
    let r = app
        .get(
            &format!("/api/v1/admin/stats?from={first}&to={last}"),
            Some(&op),
        )
        .await;
    // Household income: the household rider's earnings here, plus what the
    // linkage report counts of purchases and wages (the demo seed's).
    let riders_fen: i64 = w
        .deliveries
        .iter()
        .filter(|d| d.platform == 1 && d.rider == Some(w.poor_rider))
        .map(|d| d.rider_fee)
        .sum();
    assert!(riders_fen > 0);
    let report = app
        .get(
            &format!("/api/v1/admin/reports/households?from={first}&to={last}"),
            Some(&op),
        )
        .await;
    assert_eq!(report.body["rider_earnings_fen"], riders_fen);
    assert_eq!(r.body["household_income_fen"], report.body["total_fen"]);
    let daily = r.body["daily"].as_array().unwrap();
    assert_eq!(daily.len(), 10);
    assert_eq!(
        daily
            .iter()
            .map(|d| d["gmv_fen"].as_i64().unwrap())
            .sum::<i64>(),
        r.body["gmv_fen"].as_i64().unwrap()
    );
    // The demo's merchants were onboarded when it was seeded, after the
    // generated days: counted by the end of a period that includes it.
    assert_eq!(r.body["merchants"], 0);
    let later = app
        .get(
            &format!("/api/v1/admin/stats?from={first}&to=2027-12-31"),
            Some(&op),
        )
        .await;
    assert_eq!(later.body["merchants"], 3, "{}", later.text);
    let csv = app
        .get(
            &format!("/api/v1/admin/stats?from={first}&to={last}&format=csv"),
            Some(&op),
        )
        .await;
    assert!(csv.text.contains("康县同城"), "{}", csv.text);
    assert_eq!(csv.text.lines().count(), 2);

    // The bureau of 陇南市 sees both counties; a county in another city is not its.
    let now = app.clock.now_utc();
    entity::platform::ActiveModel {
        code: Set("qinan".into()),
        name: Set("秦安同城".into()),
        region: Set("甘肃省天水市秦安县".into()),
        center_lat: Set(34.86),
        center_lng: Set(105.67),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(&app.db)
    .await
    .unwrap();
    let u = entity::user::ActiveModel {
        platform_id: Set(1),
        display_name: Set("陇南市商务局".into()),
        disabled: Set(false),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(&app.db)
    .await
    .unwrap();
    entity::platform_end::users::grant_role(&app.db, 1, u.id, entity::Role::Bureau, now)
        .await
        .unwrap();
    let bureau = app.token_for(u.id).await;
    let city = app
        .get(
            &format!("/api/v1/bureau/stats?from={first}&to={last}"),
            Some(&bureau),
        )
        .await;
    assert_eq!(city.status, 200, "{}", city.text);
    assert_eq!(city.body["city"], "甘肃省陇南市");
    assert_eq!(city.body["platforms"].as_array().unwrap().len(), 2);
    assert_eq!(
        pick(&city.body["total"]),
        expected(&w, &[1, 2], first, last)
    );
    assert_eq!(
        pick(&city.body["platforms"][1]["stats"]),
        expected(&w, &[2], first, last)
    );
    // Each operator sees only their county; neither reads the bureau's view.
    let cheng_user = entity::operator_account::Entity::find()
        .all(&app.db)
        .await
        .unwrap()
        .into_iter()
        .find(|a| a.platform_id == 2)
        .unwrap()
        .user_id;
    let cheng_op = app.token_for(cheng_user).await;
    let cheng = app
        .get(
            &format!("/api/v1/admin/stats?from={first}&to={last}"),
            Some(&cheng_op),
        )
        .await;
    assert_eq!(pick(&cheng.body), expected(&w, &[2], first, last));
    assert_eq!(
        app.get(
            &format!("/api/v1/bureau/stats?from={first}&to={last}"),
            Some(&op)
        )
        .await
        .status,
        403
    );
    assert_eq!(
        app.get(
            &format!("/api/v1/admin/stats?from={first}&to={last}"),
            Some(&bureau)
        )
        .await
        .status,
        403
    );
    let bad = app
        .get(
            &format!("/api/v1/admin/stats?from={last}&to={first}"),
            Some(&op),
        )
        .await;
    assert_eq!(bad.status, 422);
}

both!(rollups_equal_a_recount_and_the_bureau_sees_its_city);
