//! A local SSV devnet on real components: Lodestar 1.5.1 (dev chain of 64
//! interop validators, the first 4 not run by it), anvil with the test SSV
//! contract, and 4 `anchor-runtime node` processes holding 3-of-4 shares of
//! those 4 validators, talking libp2p on loopback.
//!
//! `cargo run --release -p examples --bin devnet` runs until Ctrl-C, printing
//! a status line per slot. With `--check` it runs a bounded time (about 4.5
//! minutes with 4 s slots), SIGKILLs one operator half way, reads back from the beacon chain
//! which of the shared validators' attestations and sync-committee messages
//! were included after the warm-up, prints the QBFT start-to-decided p50 and
//! p99 from the nodes' metrics and the aggregates and sync contributions
//! submitted, and exits 0 only when at least 90% of the duties were included
//! and both kinds of aggregation were submitted. Its last line: `duties: X/Y
//! included`.
//!
//! `--record DIR` has operator 1's node record a trace of its inputs to
//! `DIR/operator-1.trace` (`anchor-runtime node --record`); at the end the
//! devnet prints the trace's size per slot and each node's CPU time, so the
//! recording node can be compared with the others.

use std::process::ExitCode;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use anchor_runtime::beacon::BeaconClient;
use anchor_runtime::devnet::target_dir;
use examples::devnet::inclusion::{fetch_blocks, tally};
use examples::devnet::latency::{self, decided_buckets};
use examples::devnet::watch::{head_slot, metric_sum, scrape, status_line, Duties};
use examples::devnet::{setup, OPERATORS};

/// Slots before measuring (2 epochs: the nodes connect and load the registry).
const WARMUP_SLOTS: u64 = 16;
/// The last measured slot.
const MEASURE_END: u64 = 52;
/// Slots run in `--check` (inclusion of the last measured slots needs blocks
/// after them).
const RUN_END: u64 = 56;
/// The operator killed half way (0-based).
const KILLED: usize = 3;

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    let check = args.iter().any(|a| a == "--check");
    let record = args
        .iter()
        .position(|a| a == "--record")
        .and_then(|i| args.get(i + 1))
        .map(|d| std::path::PathBuf::from(d).join("operator-1.trace"));
    match run(check, record).await {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("devnet: {e}");
            ExitCode::FAILURE
        }
    }
}

/// CPU seconds (user + system) a process used, from `/proc/PID/stat`.
fn cpu_seconds(pid: u32) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let rest = stat.rsplit_once(')')?.1;
    let f: Vec<&str> = rest.split_whitespace().collect();
    // After the name: state is field 3, utime 14 and stime 15 (1-based).
    let utime: f64 = f.get(11)?.parse().ok()?;
    let stime: f64 = f.get(12)?.parse().ok()?;
    Some((utime + stime) / 100.0)
}

async fn run(check: bool, record: Option<std::path::PathBuf>) -> Result<bool, String> {
    let bin = setup::build_node_binary()?;
    let work = target_dir().join("devnet");
    if let Some(dir) = record.as_ref().and_then(|p| p.parent()) {
        std::fs::create_dir_all(dir).map_err(|e| format!("--record {}: {e}", dir.display()))?;
    }
    let mut net = setup::start(&bin, &work, record.as_deref()).await?;
    let first_second = now_ms().saturating_sub(net.genesis_time * 1000) / 1000;
    let beacon = BeaconClient::new(vec![net.lodestar.url()]);
    let spec = beacon
        .call(reqwest::Method::GET, "/eth/v1/config/spec", None)
        .await
        .map_err(|e| e.to_string())?;
    let num = |k: &str| -> Result<u64, String> {
        spec["data"][k]
            .as_str()
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| format!("spec: no {k}"))
    };
    let (sps, spe, epp) = (
        num("SECONDS_PER_SLOT")?,
        num("SLOTS_PER_EPOCH")?,
        num("EPOCHS_PER_SYNC_COMMITTEE_PERIOD")?,
    );
    let genesis_ms = net.genesis_time * 1000;
    let slot_ms = sps * 1000;
    let kill_slot = (WARMUP_SLOTS + MEASURE_END) / 2;
    let mut duties = Duties::default();
    let mut killed_scrape = String::new();
    let mut healthy = std::collections::BTreeMap::new();
    let ctrl_c = tokio::signal::ctrl_c();
    tokio::pin!(ctrl_c);
    let mut slot = now_ms().saturating_sub(genesis_ms) / slot_ms;
    loop {
        // Report each slot near its end.
        let at = genesis_ms + slot * slot_ms + slot_ms * 9 / 10;
        let wait = Duration::from_millis(at.saturating_sub(now_ms()));
        tokio::select! {
            _ = tokio::time::sleep(wait) => {}
            _ = &mut ctrl_c => {
                println!("stopping (Ctrl-C)");
                return Ok(true);
            }
        }
        let epoch = slot / spe;
        if now_ms() >= genesis_ms {
            for e in [epoch, epoch + 1] {
                duties.collect(&beacon, e, &net.shared, epp).await;
            }
        }
        let mut scrapes = Vec::new();
        for op in &net.operators {
            scrapes.push(if op.child.is_some() {
                scrape(op.metrics_port).await
            } else {
                String::new()
            });
        }
        println!("{}", status_line(slot, head_slot(&beacon).await, &scrapes));
        if check && slot == kill_slot {
            killed_scrape = scrapes[KILLED].clone();
            for text in &scrapes {
                latency::add(&mut healthy, &decided_buckets(text));
            }
            net.kill(KILLED);
            println!(
                "SIGKILLed operator {} (the other 3 are a quorum)",
                KILLED + 1
            );
        }
        if check && slot >= RUN_END {
            break;
        }
        slot += 1;
    }

    // Inclusion, read back from the chain.
    let blocks = fetch_blocks(&beacon, WARMUP_SLOTS..=RUN_END).await;
    let t = tally(&duties, &blocks, WARMUP_SLOTS, MEASURE_END, spe, epp);
    // QBFT latency over the 4 processes (the killed one as last scraped).
    let mut buckets = decided_buckets(&killed_scrape);
    let mut finals = vec![killed_scrape.clone()];
    for (k, op) in net.operators.iter().enumerate() {
        if k != KILLED {
            let s = scrape(op.metrics_port).await;
            latency::add(&mut buckets, &decided_buckets(&s));
            finals.push(s);
        }
    }
    let summed = |name: &str, labels: &[&str]| -> f64 {
        finals.iter().map(|s| metric_sum(s, name, labels)).sum()
    };
    let contributions = summed(
        "ssv_submissions_total",
        &["kind=\"ContributionAndProof\"", "outcome=\"ok\""],
    );
    let aggregates = summed(
        "ssv_submissions_total",
        &["kind=\"AggregateAndProof\"", "outcome=\"ok\""],
    );
    let failed_aggregation = summed("ssv_requests_failed_total", &["kind=\"aggregation\""]);
    let cpu: Vec<String> = net
        .operators
        .iter()
        .map(|op| {
            op.child
                .as_ref()
                .and_then(|c| cpu_seconds(c.id()))
                .map_or(format!("operator {}: stopped", op.id), |s| {
                    format!("operator {}: {s:.2} s", op.id)
                })
        })
        .collect();
    net.stop_nodes();
    if let Some(path) = &record {
        let bytes = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
        let slots = (slot + 1).saturating_sub(first_second / sps.max(1)).max(1);
        println!(
            "recording (operator 1): {} = {bytes} bytes over about {slots} slots, {} bytes/slot; node CPU time: {}",
            path.display(),
            bytes / slots,
            cpu.join(", ")
        );
    }
    let ms = |b: &std::collections::BTreeMap<u64, f64>, q: f64| {
        latency::quantile(b, q).map_or("n/a".into(), |s| format!("{:.1} ms", s * 1000.0))
    };
    println!(
        "blocks {}/{} slots {WARMUP_SLOTS}..={} present",
        blocks.len(),
        RUN_END - WARMUP_SLOTS + 1,
        RUN_END
    );
    println!(
        "attestations {}/{} included, sync-committee messages {}/{} included (slots {WARMUP_SLOTS}..={MEASURE_END}; operator {} killed at slot {kill_slot})",
        t.attestations_included,
        t.attestations,
        t.sync_included,
        t.sync,
        KILLED + 1
    );
    println!(
        "qbft start-to-decided over {OPERATORS} nodes, all {OPERATORS} up (slots ..{kill_slot}): p50 {}, p99 {} ({} decisions)",
        ms(&healthy, 0.5),
        ms(&healthy, 0.99),
        latency::count(&healthy)
    );
    println!(
        "qbft start-to-decided over {OPERATORS} nodes, whole run (a quarter of the rounds after the kill wait out the dead leader's round timer): p50 {}, p99 {} ({} decisions)",
        ms(&buckets, 0.5),
        ms(&buckets, 0.99),
        latency::count(&buckets)
    );
    println!(
        "aggregation over the run, summed over the nodes: {aggregates} aggregates and {contributions} sync contributions submitted, {failed_aggregation} aggregation fetches failed"
    );
    if !t.missed.is_empty() {
        println!("not included: {}", t.missed.join(", "));
    }
    println!("duties: {}/{} included", t.included(), t.total());
    // Every role the devnet runs must have worked: the aggregators' too.
    Ok(t.total() > 0
        && t.included() * 10 >= t.total() * 9
        && aggregates > 0.0
        && contributions > 0.0)
}
