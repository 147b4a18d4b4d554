//! Statistics benchmark: how fast a year of a county's (and of a city's
//! counties') statistics answers from the daily rollups.
//!
//! ```sh
//! cargo run --release -p tests --example stats_bench -- [sqlite|postgres] [counties]
//! ```
//! Defaults: PostgreSQL, 10 counties. Each county gets a Longnan-sized
//! year of rollups: 365 days of figures (160 deliveries a day: 3.9 M
//! orders over 66 platforms is about 59,000 a platform-year) and the ids
//! each day reached — 120 residents of 6,000, 12 of 20 communities, 25 of
//! 200 villages, 15 of 40 riders. Prints the figures and writes them as
//! JSON to `bench/results/stats.json`.

use std::time::Instant;

use chrono::{Duration, NaiveDate, TimeZone, Utc};
use entity::daily_reach::ReachKind;
use entity::runtime::settings::DatabaseSettings;
use sea_orm::{ActiveModelTrait, EntityTrait, Set};
use serde_json::json;

struct Lcg(u64);

impl Lcg {
    fn next(&mut self, n: u64) -> i64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        ((self.0 >> 33) % n) as i64
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let backend = match args.first().map(String::as_str) {
        Some("sqlite") => tests::Backend::Sqlite,
        _ => tests::Backend::Postgres,
    };
    let counties: i64 = args.get(1).map(|a| a.parse()).transpose()?.unwrap_or(10);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    rt.block_on(run(backend, counties.max(1)))
}

async fn run(backend: tests::Backend, counties: i64) -> Result<(), Box<dyn std::error::Error>> {
    let (url, _dir) = tests::app::fresh_database(backend).await;
    let db = entity::runtime::database::connect_migrated(&DatabaseSettings {
        url,
        max_connections: 4,
        acquire_timeout_ms: 30_000,
    })
    .await?;
    let now = Utc
        .with_ymd_and_hms(2026, 11, 23, 2, 0, 0)
        .single()
        .ok_or("date")?;
    api::demo::seed(&db, now).await?;
    let mut platforms = vec![
        entity::platform::Entity::find_by_id(1)
            .one(&db)
            .await?
            .ok_or("platform")?,
    ];
    for i in 1..counties {
        platforms.push(
            entity::platform::ActiveModel {
                code: Set(format!("county{i}")),
                name: Set(format!("第{i}县同城")),
                region: Set(format!("甘肃省陇南市第{i}县")),
                center_lat: Set(33.3),
                center_lng: Set(105.6),
                created_at: Set(now),
                ..Default::default()
            }
            .insert(&db)
            .await?,
        );
    }
    let first = NaiveDate::from_ymd_opt(2025, 11, 23).ok_or("date")?;
    let last = first + Duration::days(364);
    let mut rng = Lcg(7);
    let loaded = Instant::now();
    let mut reach_rows = 0usize;
    for p in &platforms {
        let mut stats = Vec::new();
        let mut reach = Vec::new();
        for d in 0..365 {
            let day = first + Duration::days(d);
            let orders = 120 + rng.next(80);
            stats.push(entity::daily_stat::ActiveModel {
                platform_id: Set(p.id),
                day: Set(day),
                orders_delivered: Set(orders),
                city_orders: Set(orders * 2 / 3),
                village_orders: Set(orders - orders * 2 / 3),
                gmv_fen: Set(orders * 8_800),
                trips: Set(4 + rng.next(4)),
                cold_batches: Set(4),
                cold_compliant: Set(3 + rng.next(2)),
                rider_household_fen: Set(rng.next(5_000)),
                created_at: Set(now),
                ..Default::default()
            });
            for (kind, per_day, pool) in [
                (ReachKind::Resident, 120, 6_000),
                (ReachKind::Community, 12, 20),
                (ReachKind::Village, 25, 200),
                (ReachKind::Rider, 15, 40),
            ] {
                let mut ids = std::collections::BTreeSet::new();
                while ids.len() < per_day {
                    ids.insert(p.id * 100_000 + rng.next(pool));
                }
                for id in ids {
                    reach.push(entity::daily_reach::ActiveModel {
                        platform_id: Set(p.id),
                        day: Set(day),
                        kind: Set(kind),
                        ref_id: Set(id),
                        ..Default::default()
                    });
                }
            }
        }
        reach_rows += reach.len();
        for chunk in stats.chunks(500) {
            entity::daily_stat::Entity::insert_many(chunk.to_vec())
                .exec_without_returning(&db)
                .await?;
        }
        for chunk in reach.chunks(2_000) {
            entity::daily_reach::Entity::insert_many(chunk.to_vec())
                .exec_without_returning(&db)
                .await?;
        }
    }
    let load_secs = loaded.elapsed().as_secs_f64();
    if backend == tests::Backend::Postgres {
        use sea_orm::ConnectionTrait;
        db.execute_unprepared("ANALYZE").await?;
    }
    let time = |ps: Vec<entity::platform::Model>| {
        let db = db.clone();
        async move {
            let mut ms = Vec::new();
            let mut out = None;
            for _ in 0..15 {
                let t = Instant::now();
                let s = entity::platform_end::stats::stats(&db, &ps, first, last).await?;
                ms.push(t.elapsed().as_secs_f64() * 1_000.0);
                out = Some(s);
            }
            ms.sort_by(f64::total_cmp);
            Ok::<_, entity::error::DomainError>((ms[ms.len() / 2], ms[ms.len() - 1], out))
        }
    };
    let (county_ms, county_max, county) = time(vec![platforms[0].clone()]).await?;
    let (city_ms, city_max, city) = time(platforms.clone()).await?;
    let county = county.ok_or("no stats")?;
    let city = city.ok_or("no stats")?;
    let result = json!({
        "backend": format!("{backend:?}"),
        "counties": counties,
        "days": 365,
        "reach_rows": reach_rows,
        "load_secs": load_secs,
        "county_year_median_ms": county_ms,
        "county_year_max_ms": county_max,
        "city_year_median_ms": city_ms,
        "city_year_max_ms": city_max,
        "county_orders": county.orders_delivered,
        "county_residents": county.residents_served,
        "city_orders": city.orders_delivered,
        "city_residents": city.residents_served,
    });
    println!("{}", serde_json::to_string_pretty(&result)?);
    std::fs::create_dir_all("bench/results")?;
    std::fs::write(
        format!(
            "bench/results/stats-{}.json",
            format!("{backend:?}").to_lowercase()
        ),
        serde_json::to_string_pretty(&result)?,
    )?;
    Ok(())
}
