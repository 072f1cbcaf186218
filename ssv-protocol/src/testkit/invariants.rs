//! The properties the simulator checks, each broken one a named [`Violation`].
//! Safety properties are checked as the observation that could break them
//! happens (after every step); liveness once the run ends.

use std::collections::{BTreeMap, BTreeSet};

use crate::wire::Role;

/// A broken property.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Violation {
    /// Two honest operators decided different values for one duty.
    Agreement {
        /// The runner role.
        role: Role,
        /// The duty's slot.
        slot: u64,
        /// One operator and the SHA-256 of its value.
        first: (u64, [u8; 32]),
        /// Another operator and the SHA-256 of its different value.
        second: (u64, [u8; 32]),
    },
    /// An honest operator decided a value no honest operator could propose.
    Validity {
        /// The duty's slot.
        slot: u64,
        /// The operator.
        operator: u64,
        /// Why the value is invalid.
        reason: &'static str,
    },
    /// An honest operator asked to sign two different roots for one validator in
    /// one signing domain and epoch.
    DoubleSign {
        /// The operator.
        operator: u64,
        /// The validator.
        validator_index: u64,
        /// The signing domain type.
        domain: [u8; 4],
        /// The epoch.
        epoch: u64,
        /// The first root it signed and the conflicting one.
        roots: ([u8; 32], [u8; 32]),
    },
    /// An honest node asked its slashing protection to record a slashable
    /// attestation or block.
    SlashableRecord {
        /// The operator.
        operator: u64,
        /// The slot at which it asked.
        slot: u64,
    },
    /// A submission whose signature does not verify under the validator key.
    BadSignature {
        /// The operator.
        operator: u64,
        /// The validator.
        validator_index: u64,
    },
    /// A submission made before the node had received partial signatures over
    /// its root from a quorum of distinct signers.
    SubQuorum {
        /// The operator.
        operator: u64,
        /// The validator.
        validator_index: u64,
        /// Distinct signers seen (the node's own included).
        signers: usize,
        /// Signers needed.
        quorum: usize,
    },
    /// A duty of a slot after GST that an honest operator did not decide or did
    /// not submit.
    Liveness {
        /// The duty's slot.
        slot: u64,
        /// The operator.
        operator: u64,
        /// `"decided"` or `"submitted"`: what it did not do.
        missing: &'static str,
    },
    /// A node panicked while handling an input.
    Crash {
        /// The operator.
        operator: u64,
        /// The panic message.
        message: String,
    },
}

impl Violation {
    /// The property's short name: `agreement`, `validity`, `double-sign`,
    /// `slashable-record`, `bad-signature`, `sub-quorum`, `liveness`, `crash`.
    pub fn name(&self) -> &'static str {
        match self {
            Violation::Agreement { .. } => "agreement",
            Violation::Validity { .. } => "validity",
            Violation::DoubleSign { .. } => "double-sign",
            Violation::SlashableRecord { .. } => "slashable-record",
            Violation::BadSignature { .. } => "bad-signature",
            Violation::SubQuorum { .. } => "sub-quorum",
            Violation::Liveness { .. } => "liveness",
            Violation::Crash { .. } => "crash",
        }
    }
}

/// Each deciding node's operator and the SHA-256 of its decided value.
pub type Decisions = BTreeMap<usize, (u64, [u8; 32])>;

/// Distinct signers by (validator, signing root).
type Signers = BTreeMap<(u64, [u8; 32]), BTreeSet<u64>>;

/// What the checker has seen, per node (nodes are indices: a twin is a second
/// node of one operator).
#[derive(Debug, Default)]
pub struct Checker {
    /// Decided values: (role, slot) → node → (operator, value digest).
    pub decided: BTreeMap<(Role, u64), Decisions>,
    /// Signed roots: (operator, validator, domain, epoch) → first root.
    signed: BTreeMap<(u64, u64, [u8; 4], u64), [u8; 32]>,
    /// Partial signatures a node has seen: node → (validator, signing root) →
    /// distinct signers.
    partials: BTreeMap<usize, Signers>,
    /// Attestations submitted: (slot, validator) → nodes.
    pub submitted: BTreeMap<(u64, u64), BTreeSet<usize>>,
    /// Violations found, without repeats.
    pub violations: BTreeSet<Violation>,
}

impl Checker {
    /// An honest node decided `value_digest` for (role, slot).
    pub fn decided(&mut self, node: usize, operator: u64, role: Role, slot: u64, digest: [u8; 32]) {
        let per = self.decided.entry((role, slot)).or_default();
        if let Some((other_op, other)) = per
            .iter()
            .filter(|(n, _)| **n != node)
            .map(|(_, v)| *v)
            .find(|(_, d)| *d != digest)
        {
            self.violations.insert(Violation::Agreement {
                role,
                slot,
                first: (other_op, other),
                second: (operator, digest),
            });
        }
        per.insert(node, (operator, digest));
    }

    /// An honest operator asked for a share signature over `root`.
    pub fn signs(
        &mut self,
        operator: u64,
        validator_index: u64,
        domain: [u8; 4],
        epoch: u64,
        root: [u8; 32],
    ) {
        let key = (operator, validator_index, domain, epoch);
        match self.signed.get(&key) {
            Some(first) if *first != root => {
                self.violations.insert(Violation::DoubleSign {
                    operator,
                    validator_index,
                    domain,
                    epoch,
                    roots: (*first, root),
                });
            }
            Some(_) => {}
            None => {
                self.signed.insert(key, root);
            }
        }
    }

    /// Node `node` saw (or made) a partial signature of `signer`.
    pub fn partial(&mut self, node: usize, validator_index: u64, root: [u8; 32], signer: u64) {
        self.partials
            .entry(node)
            .or_default()
            .entry((validator_index, root))
            .or_default()
            .insert(signer);
    }

    /// Distinct signers node `node` has seen over (validator, root).
    pub fn signers(&self, node: usize, validator_index: u64, root: &[u8; 32]) -> usize {
        self.partials
            .get(&node)
            .and_then(|m| m.get(&(validator_index, *root)))
            .map_or(0, BTreeSet::len)
    }

    /// Records a violation.
    pub fn violation(&mut self, v: Violation) {
        self.violations.insert(v);
    }
}
