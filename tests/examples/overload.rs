//! Load generator for `bench/overload.py`: places orders (`POST /orders`)
//! either from N keep-alive connections as fast as the server answers
//! (`closed`, to find what it carries) or at a fixed arrival rate whatever
//! the server does (`open`, to push it past that), on a single thread.
//!
//! Reads the setup (`{"port", "store", "sku", "people": [[token, address]]}`)
//! from standard input and writes a summary as JSON to standard output:
//! answers by status, latencies of the 201s and of the 503s, how many 503s
//! carried `Retry-After`, and how many requests the client gave up on.
//!
//!     overload closed <connections> <seconds> < setup.json
//!     overload open <requests-per-second> <seconds> < setup.json

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::Deserialize;
use serde_json::json;

#[derive(Deserialize)]
struct Setup {
    port: u16,
    store: i64,
    sku: i64,
    people: Vec<(String, i64)>,
}

/// One answer: status (0 when the client gave up), latency, `Retry-After`.
type Answer = (u16, u64, bool);

/// The client's patience: what a phone would wait at most.
const CLIENT_TIMEOUT: Duration = Duration::from_secs(15);

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let [_, mode, amount, seconds] = args.as_slice() else {
        return Err("usage: overload closed|open <connections|rate> <seconds> < setup.json".into());
    };
    let amount: f64 = amount.parse()?;
    let seconds: f64 = seconds.parse()?;
    let setup: Arc<Setup> = Arc::new(serde_json::from_reader(std::io::stdin())?);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let client = reqwest::Client::builder()
        .timeout(CLIENT_TIMEOUT)
        .pool_max_idle_per_host(4096)
        .build()?;
    let started = Instant::now();
    let answers: Vec<Answer> = runtime.block_on(async {
        match mode.as_str() {
            "closed" => closed(&client, &setup, amount as usize, seconds).await,
            "open" => open(&client, &setup, amount, seconds).await,
            _ => Vec::new(),
        }
    });
    let elapsed = started.elapsed().as_secs_f64();
    println!("{}", summary(mode, amount, elapsed, &answers));
    Ok(())
}

async fn closed(
    client: &reqwest::Client,
    setup: &Arc<Setup>,
    connections: usize,
    seconds: f64,
) -> Vec<Answer> {
    let stop_at = Instant::now() + Duration::from_secs_f64(seconds);
    let tasks: Vec<_> = (0..connections)
        .map(|k| {
            let (client, setup) = (client.clone(), setup.clone());
            tokio::spawn(async move {
                let mut answers = Vec::new();
                while Instant::now() < stop_at {
                    answers.push(place(&client, &setup, k).await);
                }
                answers
            })
        })
        .collect();
    let mut all = Vec::new();
    for task in tasks {
        all.extend(task.await.unwrap_or_default());
    }
    all
}

async fn open(
    client: &reqwest::Client,
    setup: &Arc<Setup>,
    rate: f64,
    seconds: f64,
) -> Vec<Answer> {
    let start = tokio::time::Instant::now();
    let total = (rate * seconds) as usize;
    let mut tasks = tokio::task::JoinSet::new();
    for k in 0..total {
        tokio::time::sleep_until(start + Duration::from_secs_f64(k as f64 / rate)).await;
        let (client, setup) = (client.clone(), setup.clone());
        tasks.spawn(async move { place(&client, &setup, k).await });
    }
    let mut all = Vec::new();
    while let Some(answer) = tasks.join_next().await {
        all.extend(answer.ok());
    }
    all
}

async fn place(client: &reqwest::Client, setup: &Setup, k: usize) -> Answer {
    let (token, address) = &setup.people[k % setup.people.len()];
    let order = json!({
        "store_id": setup.store, "address_id": address,
        "items": [{"sku_id": setup.sku, "qty": 2}],
    });
    let t0 = Instant::now();
    let sent = client
        .post(format!("http://127.0.0.1:{}/api/v1/orders", setup.port))
        .bearer_auth(token)
        .json(&order)
        .send()
        .await;
    match sent {
        Ok(res) => {
            let status = res.status().as_u16();
            let retry_after = res.headers().contains_key("retry-after");
            let _ = res.bytes().await;
            (status, micros(t0.elapsed()), retry_after)
        }
        Err(_) => (0, micros(t0.elapsed()), false),
    }
}

fn summary(mode: &str, amount: f64, elapsed: f64, answers: &[Answer]) -> serde_json::Value {
    let mut by_status: BTreeMap<String, usize> = BTreeMap::new();
    for (status, _, _) in answers {
        let key = if *status == 0 {
            "gave_up".to_owned()
        } else {
            status.to_string()
        };
        *by_status.entry(key).or_default() += 1;
    }
    let latencies = |wanted: u16| {
        let mut l: Vec<u64> = answers
            .iter()
            .filter(|(s, _, _)| *s == wanted)
            .map(|(_, us, _)| *us)
            .collect();
        l.sort_unstable();
        l
    };
    let pct = |l: &[u64], p: f64| -> Option<f64> {
        (!l.is_empty())
            .then(|| l[(((p / 100.0) * l.len() as f64) as usize).min(l.len() - 1)] as f64 / 1000.0)
    };
    let (ok, busy) = (latencies(201), latencies(503));
    let busy_with_retry = answers.iter().filter(|(s, _, r)| *s == 503 && *r).count();
    json!({
        "mode": mode,
        "amount": amount,
        "elapsed_s": elapsed,
        "requests": answers.len(),
        "by_status": by_status,
        "placed_per_s": ok.len() as f64 / elapsed,
        "placed_p50_ms": pct(&ok, 50.0),
        "placed_p99_ms": pct(&ok, 99.0),
        "placed_max_ms": ok.last().map(|us| *us as f64 / 1000.0),
        "busy_p50_ms": pct(&busy, 50.0),
        "busy_p99_ms": pct(&busy, 99.0),
        "busy_max_ms": busy.last().map(|us| *us as f64 / 1000.0),
        "busy_with_retry_after": busy_with_retry,
    })
}

fn micros(d: Duration) -> u64 {
    u64::try_from(d.as_micros()).unwrap_or(u64::MAX)
}
