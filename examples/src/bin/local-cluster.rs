//! The local demo cluster, needing nothing installed: four operators run the
//! composite `Node` machine on virtual time against a simulated beacon chain
//! (8-slot epochs) and an in-memory gossip network, for a few epochs of
//! committee (attestations, sync-committee messages), aggregation (aggregates,
//! sync contributions), proposer, registration and exit duties. It
//! prints what each duty did and checks every submitted signature the way a
//! beacon node would. It exits non-zero if a submission does not verify or a
//! duty kind never completed
//! (checked from 24 slots on, where the simulated chain has every kind).
//!
//! Aggregation runs with the live network's roles by default (`--roles alan`:
//! per-validator aggregator and sync-contribution runners, roles 1 and 3), or
//! with the pinned spec's aggregator committee (`--roles boole`, role 6).
//!
//! `cargo run --release -p examples --bin local-cluster -- [--slots N] [--validators V] [--seed S] [--roles alan|boole] [--record FILE]`
//!
//! `--record FILE` writes operator 1's trace (for `anchor-runtime replay`).

use std::collections::BTreeMap;

use examples::cluster::{self, ClusterConfig, Report};
use ssv_protocol::roles::RoleFork;
use ssv_protocol::runner::io::SubmissionKind;

fn args() -> (ClusterConfig, Option<String>) {
    let mut record = None;
    let mut c = ClusterConfig {
        slots: 24,
        validators: 4,
        seed: 1,
        roles: RoleFork::Alan,
    };
    let argv: Vec<String> = std::env::args().skip(1).collect();
    let mut it = argv.iter();
    let usage = || -> ! {
        eprintln!(
            "usage: local-cluster [--slots N] [--validators V] [--seed S] [--roles alan|boole] [--record FILE]"
        );
        std::process::exit(2);
    };
    while let Some(flag) = it.next() {
        if flag == "--record" {
            record = it.next().cloned();
            continue;
        }
        let text = it.next().map(String::as_str);
        if flag == "--roles" {
            c.roles = match text {
                Some("alan") => RoleFork::Alan,
                Some("boole") => RoleFork::Boole,
                _ => usage(),
            };
            continue;
        }
        let value = text.and_then(|v| v.parse::<u64>().ok());
        match (flag.as_str(), value) {
            ("--slots", Some(v)) => c.slots = v.max(1),
            ("--validators", Some(v)) => c.validators = v.clamp(1, 64),
            ("--seed", Some(v)) => c.seed = v,
            _ => usage(),
        }
    }
    (c, record)
}

fn print_slots(r: &Report) {
    let mut by_slot: BTreeMap<u64, Vec<String>> = BTreeMap::new();
    for ((slot, role), (started, finished)) in &r.duties {
        by_slot.entry(*slot).or_default().push(format!(
            "{role} started {}/4 finished {}/4",
            started.len(),
            finished.len()
        ));
    }
    let mut kinds: BTreeMap<(u64, SubmissionKind), (usize, usize, usize)> = BTreeMap::new();
    for ((kind, _, _), s) in &r.submissions {
        let e = kinds.entry((s.slot, *kind)).or_default();
        e.0 += 1;
        e.1 += usize::from(s.verified);
        e.2 = e.2.max(s.by.len());
    }
    for ((slot, kind), (n, ok, by)) in kinds {
        by_slot.entry(slot).or_default().push(format!(
            "  submitted {n} {kind:?} ({ok} verify, by {by} operators)"
        ));
    }
    for (slot, lines) in by_slot {
        println!(
            "slot {slot:>3} (epoch {}):",
            slot / cluster::SLOTS_PER_EPOCH
        );
        for l in lines {
            println!("    {l}");
        }
    }
}

fn main() {
    let (cfg, record) = args();
    eprintln!("generating 4 RSA-2048 operator keys...");
    let pems = examples::generate_operator_pems(4);
    println!(
        "4 operators, {} validators, {} slots of 12 s from slot {} ({}-slot epochs), seed {}, roles {:?}",
        cfg.validators,
        cfg.slots,
        cluster::SLOTS_PER_EPOCH,
        cluster::SLOTS_PER_EPOCH,
        cfg.seed,
        cfg.roles
    );
    let r = match &record {
        None => cluster::run(&cfg, &pems),
        Some(path) => {
            let (r, bytes) = cluster::run_recorded(&cfg, &pems, 1);
            let written = bytes.and_then(|b| std::fs::write(path, &b).map(|()| b.len()));
            match written {
                Ok(n) => println!("recorded operator 1: {path}, {n} bytes"),
                Err(e) => {
                    eprintln!("--record {path}: {e}");
                    std::process::exit(1);
                }
            }
            r
        }
    };
    print_slots(&r);

    let mut totals: BTreeMap<SubmissionKind, (usize, usize)> = BTreeMap::new();
    for ((kind, _, _), s) in &r.submissions {
        let e = totals.entry(*kind).or_default();
        e.0 += 1;
        e.1 += usize::from(s.verified);
    }
    println!("\nsubmissions (distinct objects; every operator submits each):");
    for (kind, (n, ok)) in &totals {
        println!("  {kind:?}: {n}, {ok} verify under the validator key");
    }
    println!("events:");
    for (name, n) in &r.events {
        println!("  {name}: {n}");
    }
    println!("gossip verdicts:");
    for (name, n) in &r.verdicts {
        println!("  {name}: {n}");
    }
    println!(
        "published {} messages, {} bytes; slashing records refused: {}",
        r.published.0, r.published.1, r.slashable_refused
    );
    println!("output digest: {}", hex::encode(r.digest));

    let unverified = r.submissions.values().filter(|s| !s.verified).count();
    let missing: Vec<_> = cluster::EVERY_KIND
        .iter()
        .filter(|k| !totals.contains_key(k))
        .collect();
    if unverified > 0 || (cfg.slots >= 24 && !missing.is_empty()) {
        eprintln!("FAILED: {unverified} submissions do not verify; never submitted: {missing:?}");
        std::process::exit(1);
    }
}
