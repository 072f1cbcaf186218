//! `bench-node`: one node's real processing path at scale. Traffic is made
//! beforehand (never timed): our committees' messages from a simulation of all
//! their operators as full `Node`s ([`generate::CommitteeSim`]), and foreign
//! committees' messages on our subnets at the network rate
//! ([`generate::foreign_slot`]). The timed part ([`timed::Harness`]) feeds it
//! slot by slot through decode, the runtime's prioritised RSA pool and `Node`,
//! and measures process CPU time, memory and per-stage time; [`measure`] holds
//! the crypto floor.

pub mod generate;
pub mod heap;
pub mod measure;
pub mod timed;
pub mod traffic;
pub mod world;

use std::collections::BTreeMap;

use ssv_protocol::operator_key::OperatorSigner;

use traffic::SlotTraffic;
use world::{World, FIRST_SLOT};

/// What to run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Params {
    /// Our validators.
    pub validators: u64,
    /// Our committees (4 operators each, us among them).
    pub committees: u64,
    /// Network-wide gossip messages per second (foreign traffic on our subnets
    /// is this times our subnets over 128).
    pub network_rate: u64,
    /// Slots to run.
    pub slots: u64,
    /// Seeds duties, keys and timings.
    pub seed: u64,
    /// Operators other than us that foreign committees are made of (at least
    /// our peers).
    pub foreign_operators: u64,
}

impl Default for Params {
    fn default() -> Self {
        Params {
            validators: 10_000,
            committees: 500,
            network_rate: 4_333,
            slots: 32,
            seed: 1,
            foreign_operators: 22,
        }
    }
}

/// Operator keys for a run: us and every other operator (fresh RSA-2048).
pub fn operator_pems(params: &Params) -> BTreeMap<u64, String> {
    let n = 1 + world::other_operators(params).len() as u64;
    crate::generate_operator_pems(n)
}

/// Parses PEM keys (a bad key is the caller's bug: they come from
/// [`operator_pems`]).
pub fn signers(pems: &BTreeMap<u64, String>) -> BTreeMap<u64, OperatorSigner> {
    pems.iter()
        .map(|(id, pem)| {
            let s = OperatorSigner::from_pkcs1_pem(pem).expect("a PKCS#1 PEM key");
            (*id, s)
        })
        .collect()
}

/// Generates every slot's traffic, handing each to `sink` in order; `threads`
/// sign the foreign traffic. Reports progress with `progress(slot)`.
pub fn generate(
    world: &World,
    threads: usize,
    mut sink: impl FnMut(SlotTraffic),
    mut progress: impl FnMut(u64),
) {
    let mut sim = generate::CommitteeSim::new(world, FIRST_SLOT);
    for slot in FIRST_SLOT..FIRST_SLOT + world.params.slots {
        let ours = sim.run_slot(slot);
        let foreign = generate::foreign_slot(world, slot, threads);
        sink(generate::merge(slot, ours, foreign));
        progress(slot);
    }
}

/// Generates and runs in one process, traffic held in memory (tests and small
/// runs; memory figures then include the generator).
pub fn run_in_memory(params: Params, workers: usize, verify: bool) -> (World, timed::Stats) {
    let pems = operator_pems(&params);
    let world = World::new(params, signers(&pems));
    let mut slots = Vec::new();
    generate(&world, 1, |t| slots.push(t), |_| {});
    let stats = {
        let mut h = timed::Harness::new(&world, FIRST_SLOT, workers);
        h.verify_submissions = verify;
        for t in slots {
            h.run_slot(t);
        }
        h.stats.clone()
    };
    (world, stats)
}

/// Our validators' committee duties in the run: (committee duties, validator
/// duties) by slot, from the stub's duty assignment.
pub fn expected_duties(world: &World) -> BTreeMap<u64, (u64, u64)> {
    let stub = world::Stub::new(world);
    let mut out: BTreeMap<u64, (u64, u64)> = BTreeMap::new();
    let range = FIRST_SLOT..FIRST_SLOT + world.params.slots;
    for c in &world.ours {
        let mut slots = std::collections::BTreeSet::new();
        for &i in &c.validators {
            for epoch in [world.chain.epoch(range.start), world.chain.epoch(range.end)] {
                let d = stub.attester(i, epoch);
                if range.contains(&d.slot) && slots.insert((d.slot, i)) {
                    out.entry(d.slot).or_default().1 += 1;
                }
            }
        }
        let committee_slots: std::collections::BTreeSet<u64> =
            slots.iter().map(|(s, _)| *s).collect();
        for s in committee_slots {
            out.entry(s).or_default().0 += 1;
        }
    }
    out
}
