//! Load generator for `bench/orders.py`: drives the paid-order flow
//! (quote, create, demo pay, demo confirm) from N concurrent keep-alive
//! connections on a single thread, so that it takes as little of the
//! machine as possible from the server it measures.
//!
//! Reads the setup (`{"port", "store", "sku", "people": [[token, address]]}`)
//! from standard input and writes the latencies (microseconds) as JSON to
//! standard output.
//!
//!     order_load <concurrency> <seconds> <run-id>  < setup.json

use std::time::{Duration, Instant};

use serde::Deserialize;
use serde_json::{Value, json};

#[derive(Deserialize)]
struct Setup {
    port: u16,
    store: i64,
    sku: i64,
    people: Vec<(String, i64)>,
}

#[derive(Default)]
struct Sample {
    flows: Vec<u64>,
    steps: [Vec<u64>; 4],
    errors: u64,
    error_samples: Vec<String>,
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let [_, concurrency, seconds, run_id] = args.as_slice() else {
        return Err("usage: order_load <concurrency> <seconds> <run-id> < setup.json".into());
    };
    let concurrency: usize = concurrency.parse()?;
    let seconds: f64 = seconds.parse()?;
    let setup: Setup = serde_json::from_reader(std::io::stdin())?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let started = Instant::now();
    let stop_at = started + Duration::from_secs_f64(seconds);
    let samples = runtime.block_on(async {
        let setup = std::sync::Arc::new(setup);
        let tasks: Vec<_> = (0..concurrency)
            .map(|k| {
                let setup = setup.clone();
                let run_id = run_id.clone();
                tokio::spawn(async move { drive(&setup, k, stop_at, &run_id).await })
            })
            .collect();
        let mut all = Vec::new();
        for t in tasks {
            all.push(t.await);
        }
        all
    });
    let elapsed = started.elapsed().as_secs_f64();
    let mut total = Sample::default();
    for s in samples {
        let s = s?;
        total.flows.extend(s.flows);
        for (a, b) in total.steps.iter_mut().zip(s.steps) {
            a.extend(b);
        }
        total.errors += s.errors;
        total.error_samples.extend(s.error_samples);
    }
    total.error_samples.sort();
    total.error_samples.dedup();
    total.error_samples.truncate(5);
    let out = json!({
        "elapsed_s": elapsed,
        "flows_us": total.flows,
        "steps_us": {
            "quote": total.steps[0], "create": total.steps[1],
            "pay": total.steps[2], "confirm": total.steps[3],
        },
        "errors": total.errors,
        "error_samples": total.error_samples,
    });
    println!("{out}");
    Ok(())
}

async fn drive(setup: &Setup, k: usize, stop_at: Instant, run_id: &str) -> Sample {
    let mut sample = Sample::default();
    let Ok(client) = reqwest::Client::builder()
        .pool_max_idle_per_host(1)
        .timeout(Duration::from_secs(10))
        .build()
    else {
        sample.errors += 1;
        return sample;
    };
    let base = format!("http://127.0.0.1:{}", setup.port);
    let (token, address) = &setup.people[k % setup.people.len()];
    let auth = format!("Bearer {token}");
    let order = json!({
        "store_id": setup.store, "address_id": address,
        "items": [{"sku_id": setup.sku, "qty": 2}],
    });
    let mut n = 0u64;
    while Instant::now() < stop_at {
        n += 1;
        let t0 = Instant::now();
        let mut marks = [t0; 5];
        let key = format!("bench-{run_id}-{k}-{n}");
        let result: Result<(), String> = async {
            let quote = client
                .post(format!("{base}/api/v1/orders/quote"))
                .header("authorization", &auth)
                .json(&order);
            expect(quote, 200).await?;
            marks[1] = Instant::now();
            let create = client
                .post(format!("{base}/api/v1/orders"))
                .header("authorization", &auth)
                .header("idempotency-key", &key)
                .json(&order);
            let created = expect(create, 201).await?;
            marks[2] = Instant::now();
            let id = created["id"].as_i64().ok_or("no order id")?;
            let pay = client
                .post(format!("{base}/api/v1/orders/{id}/pay"))
                .header("authorization", &auth)
                .json(&json!({}));
            let paid = expect(pay, 200).await?;
            marks[3] = Instant::now();
            let confirm = paid["confirm_path"].as_str().ok_or("no confirm_path")?;
            let confirm = client
                .post(format!("{base}{confirm}"))
                .header("authorization", &auth)
                .json(&json!({}));
            expect(confirm, 200).await?;
            marks[4] = Instant::now();
            Ok(())
        }
        .await;
        match result {
            Ok(()) => {
                for (i, step) in sample.steps.iter_mut().enumerate() {
                    step.push(micros(marks[i + 1] - marks[i]));
                }
                sample.flows.push(micros(marks[4] - t0));
            }
            Err(e) => {
                sample.errors += 1;
                sample.error_samples.push(e);
            }
        }
    }
    sample
}

async fn expect(req: reqwest::RequestBuilder, status: u16) -> Result<Value, String> {
    let res = req.send().await.map_err(|e| e.to_string())?;
    let got = res.status().as_u16();
    let body: Value = res.json().await.map_err(|e| e.to_string())?;
    if got == status {
        Ok(body)
    } else {
        Err(format!("{got} {}", body["code"]))
    }
}

fn micros(d: Duration) -> u64 {
    u64::try_from(d.as_micros()).unwrap_or(u64::MAX)
}
