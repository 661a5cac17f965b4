//! An open-loop load generator for `bench/complaints.sh`: sends complaint
//! filings at a fixed rate whatever the server's latency, and measures each
//! from the moment it was due (so a slow answer cannot hide the requests
//! queued behind it, which a closed-loop tool like wrk would not send).
//!
//!   cargo run --release --example fixed_rate -- BASE_URL TOKENS_FILE RATE SECONDS
//!
//! Prints one JSON line: sent, ok, errors, achieved rate, p50/p90/p99/max ms.

use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::Mutex;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let [_, base, tokens_file, rate, seconds] = args.as_slice() else {
        return Err("usage: fixed_rate BASE_URL TOKENS_FILE RATE SECONDS".into());
    };
    let tokens: Vec<String> = std::fs::read_to_string(tokens_file)?
        .lines()
        .map(str::to_owned)
        .filter(|l| !l.is_empty())
        .collect();
    if tokens.is_empty() {
        return Err("no tokens".into());
    }
    let rate: u64 = rate.parse()?;
    let total = rate * seconds.parse::<u64>()?;
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(1024)
        .timeout(Duration::from_secs(30))
        .build()?;
    let url = format!("{base}/api/v1/complaints");
    let latencies = Arc::new(Mutex::new(Vec::with_capacity(total as usize)));
    let errors = Arc::new(std::sync::atomic::AtomicU64::new(0));
    let interval = Duration::from_nanos(1_000_000_000 / rate);
    let started = Instant::now();
    let mut tasks = Vec::with_capacity(total as usize);
    for i in 0..total {
        let due = started + interval * i as u32;
        tokio::time::sleep_until(due.into()).await;
        let client = client.clone();
        let url = url.clone();
        let token = tokens[i as usize % tokens.len()].clone();
        let latencies = latencies.clone();
        let errors = errors.clone();
        tasks.push(tokio::spawn(async move {
            let body = filing(i);
            let answer = client
                .post(&url)
                .bearer_auth(token)
                .header(
                    "Idempotency-Key",
                    format!("fixed-rate-{}-{i}", std::process::id()),
                )
                .json(&body)
                .send()
                .await;
            let ok = matches!(&answer, Ok(r) if r.status().is_success());
            if ok {
                latencies.lock().await.push(due.elapsed());
            } else {
                errors.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            }
        }));
    }
    let sending = started.elapsed();
    for task in tasks {
        task.await?;
    }
    let mut latencies = latencies.lock().await.clone();
    latencies.sort();
    let at = |q: f64| -> f64 {
        if latencies.is_empty() {
            return 0.0;
        }
        let i = ((latencies.len() as f64 * q).ceil() as usize).clamp(1, latencies.len()) - 1;
        latencies[i].as_secs_f64() * 1000.0
    };
    println!(
        "{{\"target_rate\": {rate}, \"sent\": {total}, \"ok\": {}, \"errors\": {}, \"achieved_rate\": {:.0}, \"p50_ms\": {:.3}, \"p90_ms\": {:.3}, \"p99_ms\": {:.3}, \"max_ms\": {:.3}}}",
        latencies.len(),
        errors.load(std::sync::atomic::Ordering::Relaxed),
        total as f64 / sending.as_secs_f64(),
        at(0.50),
        at(0.90),
        at(0.99),
        at(1.0),
    );
    Ok(())
}

fn filing(i: u64) -> serde_json::Value {
    serde_json::json!({
        "merchant_id": "01936d4a-0000-7000-8000-000000000001",
        "category_code": "service",
        "title": format!("定速基准投诉 {i}"),
        "facts": "基准测试：结账时被多收费用，店员拒绝退还。",
        "demand": "退还多收费用",
        "amount_fen": 3800,
        "occurred_on": "2026-11-20",
        "contact_name": "测试用户",
        "contact_phone": "13912345678",
        "contact_address": "重庆市渝中区民族路 88 号",
        "publish_consent": false,
    })
}
