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
//! p99 from the nodes' metrics, and exits 0 only when at least 90% of the
//! duties were included. Its last line: `duties: X/Y included`.

use std::process::ExitCode;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use anchor_runtime::beacon::BeaconClient;
use anchor_runtime::devnet::target_dir;
use examples::devnet::inclusion::{fetch_blocks, tally};
use examples::devnet::latency::{self, decided_buckets};
use examples::devnet::watch::{head_slot, scrape, status_line, Duties};
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
    let check = std::env::args().any(|a| a == "--check");
    match run(check).await {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("devnet: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run(check: bool) -> Result<bool, String> {
    let bin = setup::build_node_binary()?;
    let work = target_dir().join("devnet");
    let mut net = setup::start(&bin, &work).await?;
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
    for (k, op) in net.operators.iter().enumerate() {
        if k != KILLED {
            latency::add(
                &mut buckets,
                &decided_buckets(&scrape(op.metrics_port).await),
            );
        }
    }
    net.stop_nodes();
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
    if !t.missed.is_empty() {
        println!("not included: {}", t.missed.join(", "));
    }
    println!("duties: {}/{} included", t.included(), t.total());
    Ok(t.total() > 0 && t.included() * 10 >= t.total() * 9)
}
