//! What a duty-level simulation runs: committee size, slots, the network model,
//! the Byzantine operators' behaviours, and the test-only hooks that break the
//! protocol on purpose (to prove each invariant checker fires).

use qbft_core::testkit::{mix, SimRng};

/// What a Byzantine operator does with what its own node publishes. Its node
/// runs the real machines; the disrupter sits between that node and the network
/// and holds the operator's real RSA key and BLS shares.
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Behaviour {
    /// Publishes nothing.
    Silent,
    /// Drops each copy with probability 1/2, and every copy to one victim.
    Withhold,
    /// Flips, truncates or extends bytes, or changes a field of the signed
    /// payload and signs it again with its real key.
    Mutate,
    /// Sends what it publishes, and re-sends old messages (its own and others')
    /// late, to random operators.
    Replay,
    /// Sends conflicting proposals, prepares and commits (another valid value)
    /// to one half of the committee and partial signatures over another root
    /// (signed with its real share) to that half, all signed with its real key.
    Equivocate,
    /// As leader, proposes a value that fails the value checks (signed).
    ProposeInvalid,
}

impl Behaviour {
    /// Every behaviour, in the order [`DutySimConfig::random`] draws from.
    pub const ALL: [Behaviour; 6] = [
        Behaviour::Silent,
        Behaviour::Withhold,
        Behaviour::Mutate,
        Behaviour::Replay,
        Behaviour::Equivocate,
        Behaviour::ProposeInvalid,
    ];
}

/// The network model. Before GST messages may be dropped, partitioned and
/// delayed up to `max_delay_before_gst_ms`; from GST on every message arrives
/// within `max_delay_ms`. Duplicates and reordering (from random delays) happen
/// throughout.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NetConfig {
    /// Smallest delivery delay.
    pub min_delay_ms: u64,
    /// Largest delivery delay after GST.
    pub max_delay_ms: u64,
    /// Largest delivery delay before GST.
    pub max_delay_before_gst_ms: u64,
    /// Per-mille of messages dropped before GST.
    pub drop_permille: u64,
    /// Per-mille of messages delivered twice.
    pub dup_permille: u64,
    /// GST, in milliseconds after the first slot's start.
    pub gst_ms: u64,
    /// Before GST the honest nodes are split in two groups (the equivocators'
    /// halves) that cannot talk; Byzantine nodes reach both.
    pub partition: bool,
}

/// Test-only ways to break the protocol, so that each invariant checker can be
/// shown to fire. All off in [`DutySimConfig::random`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Hooks {
    /// Allow more than `f` Byzantine operators (the safety bound no longer holds).
    pub allow_over_f: bool,
    /// Honest nodes accept any value (their value checks are switched off).
    pub accept_any_value: bool,
    /// Validators are split among operators 1 to 4 only (threshold 3), while the
    /// checker still counts the quorum of all `n`: with `n = 7` every
    /// reconstruction uses fewer than `2f + 1 = 5` signers (a weakened quorum).
    pub weak_quorum: bool,
    /// This honest operator runs a second node with the same keys and its own
    /// slashing database, on the other side of the equivocators' split.
    pub twin: Option<u64>,
}

/// A duty-level simulation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DutySimConfig {
    /// The seed every random choice comes from.
    pub seed: u64,
    /// Operators (4 or 7; every validator's committee is all of them).
    pub n: usize,
    /// Slots to run from the first slot of epoch 1; one attester duty per slot.
    pub slots: u64,
    /// Byzantine behaviours, given to the highest operator IDs.
    pub byzantine: Vec<Behaviour>,
    /// The network.
    pub net: NetConfig,
    /// Duties of slots starting at least this long after GST must be decided
    /// and submitted by every honest operator.
    pub liveness_margin_ms: u64,
    /// (operator, ms): that operator's clock runs this far behind its peers',
    /// so it starts every duty this much later than they do and gets some of
    /// their messages before its duty exists (`None` in [`Self::random`]).
    pub clock_lag: Option<(u64, u64)>,
    /// Every attester is also an aggregator (short beacon committees), and the
    /// simulated beacon node serves aggregates: per-validator aggregation
    /// duties run beside the committee duties (off in [`Self::random`]).
    pub aggregators: bool,
    /// Test-only breakage.
    pub hooks: Hooks,
}

impl DutySimConfig {
    /// A configuration drawn from `seed` for `n` operators: up to `f` Byzantine
    /// operators with random behaviours, a random network before GST, 3 slots.
    pub fn random(seed: u64, n: usize) -> Self {
        let mut rng = SimRng::new(mix(seed ^ 0xD07E));
        let f = (n.max(1) as u64 - 1) / 3;
        let faulty = rng.range(0, f);
        let byzantine = (0..faulty)
            .map(|_| {
                let i = rng.below(Behaviour::ALL.len() as u64) as usize;
                Behaviour::ALL.get(i).copied().unwrap_or(Behaviour::Silent)
            })
            .collect();
        DutySimConfig {
            seed,
            n,
            slots: 3,
            byzantine,
            net: NetConfig {
                min_delay_ms: 1,
                max_delay_ms: rng.range(5, 300),
                max_delay_before_gst_ms: rng.range(50, 4_000),
                drop_permille: rng.range(0, 400),
                dup_permille: rng.range(0, 100),
                gst_ms: rng.range(0, 14_000),
                partition: rng.chance(300),
            },
            liveness_margin_ms: 0,
            clock_lag: None,
            aggregators: false,
            hooks: Hooks::default(),
        }
    }

    /// The fault bound `f = (n - 1) / 3`.
    pub fn f(&self) -> usize {
        self.n.saturating_sub(1) / 3
    }

    /// Signers in a quorum, `2f + 1`.
    pub fn quorum(&self) -> usize {
        2 * self.f() + 1
    }

    /// A one-line command that reruns this seed with its event log.
    pub fn reproduce_command(&self) -> String {
        format!(
            "cargo run --release -p examples --bin sim-sweep -- --layer duty --seed {} --n {} --log",
            self.seed, self.n
        )
    }
}
