//! One node's real processing path at scale (issue 11).
//!
//! `cargo run --release -p examples --bin bench-node -- [--validators N]
//! [--committees C] [--network-rate R] [--slots S] [--workers W] [--seed X]
//! [--foreign-operators F] [--traffic FILE]`
//!
//! Traffic is generated first by a child process (this binary with
//! `--generate FILE`) into `target/bench-node/` and reused by later runs with
//! the same parameters; generation is never timed and its memory never counts.
//! The timed run feeds it slot by slot (12 s virtual slots) through decode, the
//! runtime's prioritised RSA pool and `Node`, then times the crypto floor (the
//! same number of RSA and BLS verifications, bare) in the same process. Last
//! line: `cpu: X cores, floor: Y cores, ratio: Z, rss: M MB`.

use std::fs::File;
use std::path::PathBuf;
use std::time::Instant;

use examples::bench_node::measure::{bls_floor, peak_rss_kb, reset_peak_rss, rsa_floor};
use examples::bench_node::timed::Harness;
use examples::bench_node::traffic::{TrafficReader, TrafficWriter};
use examples::bench_node::world::{World, FIRST_SLOT, SLOT_MS};
use examples::bench_node::{generate, operator_pems, signers, Params};

/// Counts live heap bytes, reported beside RSS.
#[global_allocator]
static ALLOCATOR: examples::bench_node::heap::CountingAllocator =
    examples::bench_node::heap::CountingAllocator;

/// `slot: MB` for every `step`-th slot and the last one, from kB per slot.
fn mb_every(kb_by_slot: &[u64], step: usize) -> String {
    kb_by_slot
        .iter()
        .enumerate()
        .filter(|(i, _)| (i + 1) % step == 0 || i + 1 == kb_by_slot.len())
        .map(|(i, kb)| format!("{}: {:.1}", i + 1, *kb as f64 / 1024.0))
        .collect::<Vec<_>>()
        .join(", ")
}

fn arg(args: &[String], name: &str) -> Option<String> {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .cloned()
}

fn num(args: &[String], name: &str, default: u64) -> u64 {
    match arg(args, name) {
        Some(v) => v.parse().unwrap_or_else(|_| {
            eprintln!("{name}: not a number: {v}");
            std::process::exit(2)
        }),
        None => default,
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let d = Params::default();
    let params = Params {
        validators: num(&args, "--validators", d.validators),
        committees: num(&args, "--committees", d.committees),
        network_rate: num(&args, "--network-rate", d.network_rate),
        slots: num(&args, "--slots", d.slots),
        seed: num(&args, "--seed", d.seed),
        foreign_operators: num(&args, "--foreign-operators", d.foreign_operators),
    };
    if params.committees == 0 || params.validators < params.committees {
        eprintln!("need at least one validator per committee");
        std::process::exit(2);
    }
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    if let Some(path) = arg(&args, "--generate") {
        generate_file(&params, &PathBuf::from(path), cores);
        return;
    }
    let workers = num(&args, "--workers", cores as u64) as usize;
    let path = arg(&args, "--traffic").map_or_else(|| default_path(&params), PathBuf::from);
    if !path.exists() {
        eprintln!("generating traffic into {} (not timed)...", path.display());
        let exe = std::env::current_exe().expect("the running binary's path");
        let mut child_args: Vec<String> = args[1..].to_vec();
        child_args.extend(["--generate".into(), path.display().to_string()]);
        let status = std::process::Command::new(exe)
            .args(&child_args)
            .status()
            .expect("start the generator");
        if !status.success() {
            eprintln!("generation failed: {status}");
            std::process::exit(1);
        }
    }
    run(&params, &path, workers);
}

/// Bumped whenever the traffic the generator makes changes (2: validators'
/// own duties' messages reach the other operators of their committee).
const GENERATOR_VERSION: u32 = 2;

fn default_path(p: &Params) -> PathBuf {
    // target/release/bench-node -> target/bench-node/
    let target = std::env::current_exe()
        .ok()
        .and_then(|e| Some(e.parent()?.parent()?.to_path_buf()))
        .unwrap_or_else(|| PathBuf::from("target"));
    // The generator's version is in the name: traffic made by an older
    // generator is never reused.
    target.join("bench-node").join(format!(
        "traffic-g{GENERATOR_VERSION}-v{}-c{}-r{}-s{}-seed{}-f{}.bin",
        p.validators, p.committees, p.network_rate, p.slots, p.seed, p.foreign_operators
    ))
}

fn generate_file(params: &Params, path: &PathBuf, threads: usize) {
    let start = Instant::now();
    eprintln!("generating operator keys...");
    let pems = operator_pems(params);
    let world = World::new(params.clone(), signers(&pems));
    eprintln!(
        "{} committees of ours, {} foreign committees on our subnets; keys and shares in {:.1} s",
        world.ours.len(),
        world.foreign.len(),
        start.elapsed().as_secs_f64()
    );
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).expect("create the traffic directory");
    }
    let tmp = path.with_extension("tmp");
    let file = File::create(&tmp).expect("create the traffic file");
    let mut w = TrafficWriter::new(file, params, &pems).expect("write the header");
    let messages = std::cell::Cell::new(0usize);
    generate(
        &world,
        threads,
        |t| {
            messages.set(messages.get() + t.msgs.len());
            w.slot(&t).expect("write a slot");
        },
        |slot| {
            eprintln!(
                "  slot {} of {}: {} messages, {:.0} s",
                slot - FIRST_SLOT + 1,
                params.slots,
                messages.get(),
                start.elapsed().as_secs_f64()
            );
        },
    );
    w.finish().expect("flush the traffic file");
    std::fs::rename(&tmp, path).expect("move the traffic file into place");
}

/// Our signing's CPU time: the node thread's CPU time times signing's share
/// of that thread's wall time.
fn share_sign(s: &examples::bench_node::timed::Stats) -> u64 {
    let main_wall = (s.decode_ns + s.node_ns + s.bls_signs.1 + s.rsa_signs.1).max(1) as f64;
    (s.main_cpu_ns as f64 * (s.bls_signs.1 + s.rsa_signs.1) as f64 / main_wall) as u64
}

fn secs(ns: u64) -> f64 {
    ns as f64 / 1e9
}

fn run(params: &Params, path: &PathBuf, workers: usize) {
    let file = File::open(path).expect("open the traffic file");
    let mut reader = TrafficReader::new(file, params).expect("read the traffic header");
    let world = World::new(params.clone(), signers(&reader.pems));
    let world_kb = examples::bench_node::measure::rss_kb();
    let mut h = Harness::new(&world, FIRST_SLOT, workers);
    let setup_kb = examples::bench_node::measure::rss_kb();
    let peak_reset = reset_peak_rss();
    let mut buffered = 0u64;
    while let Some(t) = reader.next_slot().expect("read a slot") {
        buffered = buffered.max(t.msgs.iter().map(|m| m.data.len() as u64 + 48).sum());
        h.run_slot(t);
    }
    let s = h.stats.clone();
    let peak_kb = peak_rss_kb();
    let submissions: u64 = s.submissions.values().sum();
    let (rsa_floor_t, rsa_ok) = rsa_floor(&h.rsa_samples, s.rsa_verifications);
    // One BLS verification per rebuilt signature: every submission, and the
    // selection proof of every aggregation duty.
    let rebuilt = submissions + s.selections;
    let (bls_floor_t, bls_ok) = bls_floor(rebuilt);
    let virtual_ns = s.slots * SLOT_MS * 1_000_000;
    let per = |ns: u64| ns as f64 / virtual_ns.max(1) as f64;
    let bls_each = bls_floor_t.as_nanos() as f64 / rebuilt.max(1) as f64;
    let bls_est = (bls_each * rebuilt as f64) as u64;
    let verify_floor = rsa_floor_t.as_nanos() as u64 + bls_floor_t.as_nanos() as u64;
    let floor_ns = verify_floor + share_sign(&s);
    let cpu = per(s.cpu_ns);
    let floor = per(floor_ns);

    println!(
        "validators: {}, committees: {} (subnets: {}), foreign committees: {}, slots: {} ({} s virtual), pool workers: {workers}",
        params.validators,
        world.ours.len(),
        world.ours.iter().map(|c| c.subnet).collect::<std::collections::BTreeSet<_>>().len(),
        world.foreign.len(),
        s.slots,
        s.slots * SLOT_MS / 1000
    );
    println!(
        "messages: {} ({:.0}/s of virtual time), handled at {:.0} messages/s (wall {:.2} s)",
        s.messages,
        s.messages as f64 / (virtual_ns as f64 / 1e9),
        s.messages as f64 / secs(s.wall_ns).max(1e-9),
        secs(s.wall_ns)
    );
    println!("verdicts: {:?}", s.verdicts);
    let expected = examples::bench_node::expected_duties(&world);
    let by_slot: Vec<String> = expected
        .iter()
        .map(|(slot, (committees, validators))| {
            format!(
                "{slot}: {}/{committees} decided, {}/{validators} submitted",
                s.decided.get(slot).copied().unwrap_or(0),
                s.submissions.get(slot).copied().unwrap_or(0)
            )
        })
        .collect();
    println!(
        "duties by slot (ours of every role, aggregations included / committee duties expected): {}",
        by_slot.join("; ")
    );
    if !s.refused.is_empty() {
        println!("runner refusals: {:?}", s.refused);
    }
    if !s.events.is_empty() {
        println!("other events: {:?}", s.events);
    }
    println!(
        "our duties: {} started, {} decided, {} finished; {} submissions and {} selection proofs (reconstructed and verified); {} published",
        s.started.values().sum::<u64>(),
        s.decided.values().sum::<u64>(),
        s.finished,
        submissions,
        s.selections,
        s.published
    );
    // Stage times: the pool's threads do only RSA; the node thread's CPU time
    // is split between decode, Node and our signing by their wall-time shares
    // (wall times alone count other processes' time on a busy machine).
    let main_wall = (s.decode_ns + s.node_ns + s.bls_signs.1 + s.rsa_signs.1).max(1) as f64;
    let share = |ns: u64| (s.main_cpu_ns as f64 * ns as f64 / main_wall) as u64;
    let node_cpu = share(s.node_ns);
    println!(
        "stages (CPU core-seconds): decode {:.3}, RSA verify {:.3} ({} in the pool), BLS verify {:.3} (estimated: {rebuilt} x {:.0} us bare), machine {:.3}, own BLS signing {:.3} ({}), own RSA signing {:.3} ({})",
        secs(share(s.decode_ns)),
        secs(s.pool_cpu_ns),
        s.rsa_verifications,
        secs(bls_est),
        bls_each / 1e3,
        secs(node_cpu.saturating_sub(bls_est)),
        secs(share(s.bls_signs.1)),
        s.bls_signs.0,
        secs(share(s.rsa_signs.1)),
        s.rsa_signs.0
    );
    println!(
        "process CPU: {:.3} core-seconds in {:.3} s wall = {:.3} cores while busy; over virtual time {cpu:.4} cores",
        secs(s.cpu_ns),
        secs(s.wall_ns),
        secs(s.cpu_ns) / secs(s.wall_ns).max(1e-9)
    );
    println!(
        "floor: {} RSA verifications {:.3} s ({rsa_ok} valid), {rebuilt} BLS verifications {:.3} s ({bls_ok} valid), own signing {:.3} s = {:.3} core-seconds ({floor:.4} cores; verifications alone {:.4})",
        s.rsa_verifications,
        rsa_floor_t.as_secs_f64(),
        bls_floor_t.as_secs_f64(),
        secs(share_sign(&s)),
        secs(floor_ns),
        per(verify_floor)
    );
    let rss = &s.rss_kb;
    let five_min = (300_000 / SLOT_MS) as usize;
    if rss.len() > five_min {
        let a = rss[five_min - 1];
        let b = rss[rss.len() - 1];
        println!(
            "rss after slot {five_min} (5 min): {:.1} MB, at the end (slot {}): {:.1} MB ({:+.1}%)",
            a as f64 / 1024.0,
            rss.len(),
            b as f64 / 1024.0,
            (b as f64 - a as f64) * 100.0 / a.max(1) as f64
        );
        println!("rss MB by slot: {}", mb_every(rss, five_min));
        if s.heap_kb.len() == rss.len() {
            println!("live heap MB by slot: {}", mb_every(&s.heap_kb, five_min));
        }
        // What the node holds every five minutes and at the end, where it changed.
        let marks: Vec<usize> = (1..)
            .map(|k| k * five_min)
            .take_while(|m| *m < s.census.len())
            .chain([s.census.len()])
            .collect();
        for pair in marks.windows(2) {
            let (then, end) = (&s.census[pair[0] - 1], &s.census[pair[1] - 1]);
            let changed: Vec<String> = then
                .iter()
                .zip(end)
                .filter(|(a, b)| a.1 != b.1)
                .map(|(a, b)| format!("{} {} -> {}", a.0, a.1, b.1))
                .collect();
            println!(
                "node census, slot {} -> {}: {}",
                pair[0],
                pair[1],
                changed.join(", ")
            );
        }
    }
    println!(
        "rss after the bench's world (keys, shares, traffic reader): {:.1} MB, after the node took its registry: {:.1} MB; after each slot: {}",
        world_kb as f64 / 1024.0,
        setup_kb as f64 / 1024.0,
        rss.iter()
            .take(8)
            .map(|kb| format!("{:.1}", *kb as f64 / 1024.0))
            .collect::<Vec<_>>()
            .join(", ")
    );
    if let Some(end) = s.census.last() {
        let parts: Vec<String> = end.iter().map(|(k, v)| format!("{k} {v}")).collect();
        println!("node census at the end: {}", parts.join(", "));
    }
    println!(
        "peak rss {:.1} MB ({}; includes one slot of traffic buffered, {:.1} MB)",
        peak_kb as f64 / 1024.0,
        if peak_reset {
            "since the end of setup"
        } else {
            "whole process"
        },
        buffered as f64 / 1048576.0
    );
    println!(
        "cpu: {cpu:.3} cores, floor: {floor:.3} cores, ratio: {:.2}, rss: {} MB",
        cpu / floor.max(1e-12),
        peak_kb / 1024
    );
}
