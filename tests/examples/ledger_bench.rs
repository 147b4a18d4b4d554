//! Ledger benchmark on a throwaway PostgreSQL 15 cluster (the test
//! cluster of `tests::pg`): posting throughput — each order's payment
//! captured and its delivered split booked as two postings, each in its own
//! transaction like the real paths — then the daily settlement of one day
//! after a simulated history.
//!
//! ```sh
//! cargo run --release -p tests --example ledger_bench -- [orders] [concurrency] [days]
//! ```
//! Defaults: 60,000 orders over 30 days at 8 concurrent writers, 200
//! merchants and 300 riders. Prints the figures and writes them as JSON to
//! `bench/results/ledger.json`.

use std::sync::Arc;
use std::time::Instant;

use chrono::{Duration, TimeZone, Utc};
use entity::platform_end::ledger::{AccountKind, Leg, Source};
use entity::runtime::settings::DatabaseSettings;
use serde_json::json;

const MERCHANTS: i64 = 200;
const RIDERS: i64 = 300;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<i64> = std::env::args()
        .skip(1)
        .map(|a| a.parse())
        .collect::<Result<_, _>>()?;
    let orders = args.first().copied().unwrap_or(60_000);
    let concurrency = args.get(1).copied().unwrap_or(8).max(1);
    let days = args.get(2).copied().unwrap_or(30).max(1);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    rt.block_on(run(orders, concurrency, days))
}

async fn run(orders: i64, concurrency: i64, days: i64) -> Result<(), Box<dyn std::error::Error>> {
    let (url, _dir) = tests::app::fresh_database(tests::Backend::Postgres).await;
    let settings = DatabaseSettings {
        url,
        max_connections: concurrency as u32 + 2,
        acquire_timeout_ms: 30_000,
    };
    let db = entity::runtime::database::connect_migrated(&settings).await?;
    let first_day = Utc
        .with_ymd_and_hms(2026, 10, 1, 0, 0, 0)
        .single()
        .ok_or("date")?;
    api::demo::seed(&db, first_day).await?;
    let platform = 1;

    // Postings: order i happens on day i * days / orders, spread over 14 h.
    let per_day = (orders + days - 1) / days;
    let started = Instant::now();
    let next = Arc::new(std::sync::atomic::AtomicI64::new(0));
    let tasks: Vec<_> = (0..concurrency)
        .map(|_| {
            let db = db.clone();
            let next = next.clone();
            tokio::spawn(async move {
                loop {
                    let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    if i >= orders {
                        return Ok::<_, entity::error::DomainError>(());
                    }
                    let day = i / per_day;
                    // 00:00–14:00 UTC is 08:00–22:00 in the demo county (UTC+8).
                    let at = first_day
                        + Duration::days(day)
                        + Duration::seconds((i % per_day) * 50_400 / per_day);
                    let paid = 2_000 + (i % 40) * 100;
                    let goods = paid - 600;
                    let merchant = goods - goods * 5 / 100;
                    let rider_fee = 400 + (i % 5) * 100;
                    let txn = entity::tx::begin_write(&db).await?;
                    entity::platform_end::ledger::post(
                        &txn,
                        platform,
                        Source {
                            kind_of_source: "bench_payment",
                            id: i,
                            event: "captured",
                        },
                        &[
                            Leg::debit(AccountKind::Clearing, paid),
                            Leg::credit(AccountKind::Escrow, paid),
                        ],
                        None,
                        "bench",
                        at,
                    )
                    .await?;
                    txn.commit().await?;
                    let txn = entity::tx::begin_write(&db).await?;
                    entity::platform_end::ledger::post(
                        &txn,
                        platform,
                        Source {
                            kind_of_source: "bench_order",
                            id: i,
                            event: "delivered",
                        },
                        &[
                            Leg::debit(AccountKind::Escrow, paid),
                            Leg::credit(AccountKind::MerchantPayable, merchant)
                                .of(1_000 + i % MERCHANTS),
                            Leg::credit(AccountKind::RiderPayable, rider_fee)
                                .of(5_000 + i % RIDERS),
                            Leg::credit(AccountKind::PlatformRevenue, paid - merchant - rider_fee),
                        ],
                        Some(1),
                        "bench",
                        at + Duration::minutes(30),
                    )
                    .await?;
                    txn.commit().await?;
                }
            })
        })
        .collect();
    for t in tasks {
        t.await??;
    }
    let post_secs = started.elapsed().as_secs_f64();
    let postings = orders * 2;

    // Settle every day in order (as the worker does), timing each.
    let mut settle_ms = Vec::new();
    let now = first_day + Duration::days(days + 1);
    for d in 0..days {
        let date = (first_day + Duration::days(d)).date_naive();
        let t = Instant::now();
        let txn = entity::tx::begin_write(&db).await?;
        let r = entity::platform_end::settlement::run(&txn, platform, date, now, None).await?;
        txn.commit().await?;
        settle_ms.push((t.elapsed().as_secs_f64() * 1000.0, r.total));
    }
    let total_ms: f64 = settle_ms.iter().map(|(ms, _)| ms).sum();
    let last = settle_ms.last().copied().unwrap_or_default();
    let statements: usize = settle_ms.iter().map(|(_, n)| n).sum();

    // A Longnan year: 3.9 M orders over 66 county platforms.
    let longnan_postings = 3_900_000.0 * 2.0;
    let out = json!({
        "orders": orders,
        "postings": postings,
        "concurrency": concurrency,
        "days": days,
        "post_seconds": post_secs,
        "postings_per_s": postings as f64 / post_secs,
        "settle_total_ms": total_ms,
        "settle_mean_ms_per_day": total_ms / days as f64,
        "settle_last_day_ms": last.0,
        "statements": statements,
        "longnan_year_postings": longnan_postings,
        "longnan_year_posting_hours_at_this_rate": longnan_postings / (postings as f64 / post_secs) / 3600.0,
    });
    println!("{}", serde_json::to_string_pretty(&out)?);
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../bench/results");
    std::fs::create_dir_all(&dir)?;
    std::fs::write(dir.join("ledger.json"), serde_json::to_string_pretty(&out)?)?;
    Ok(())
}
