//! Duty runners (ssv-spec `ssv/`): for each duty, the pre-consensus partial
//! signatures, the QBFT instance deciding what to sign, the post-consensus partial
//! signatures, and reconstruction and submission of the validator's signature.
//!
//! Two machines own the runners, as in the spec:
//! - [`CommitteeMachine`] (ssv-spec `Committee`): one committee's attestation and
//!   sync-committee duties ([`Role::Committee`]) and its aggregation duties
//!   ([`Role::AggregatorCommittee`]), one runner per slot.
//! - [`ValidatorMachine`] (ssv-spec `Validator`): one validator's proposals,
//!   builder registrations and voluntary exits, and the live network's (Alan,
//!   ssv-spec v1.2) per-validator aggregation ([`Role::Aggregator`]) and
//!   sync-committee contribution ([`Role::SyncCommitteeContribution`]) duties.
//!
//! Both take one [`Input`] at a time and queue [`Output`]s. They hold no key
//! material and do no IO: outgoing messages are handed over unsigned (the embedder
//! signs them with the operator key), share signatures are [`Request::Sign`]
//! requests, beacon data comes back as [`Response`]s, and attestation and block
//! signatures are only requested after [`Request::RecordSlashing`] was answered
//! [`Response::Recorded`] (the record is durable).
//!
//! ```
//! # use ssv_protocol::runner::{CommitteeMachine, Input, Output};
//! fn drive(m: &mut CommitteeMachine, now: u64, input: Input) {
//!     let _ = m.handle(qbft_core::Timestamp(now), input); // a refused input changes nothing
//!     while let Some(out) = m.poll_output() {
//!         match out {
//!             Output::Broadcast { .. } => { /* sign with the operator key, publish */ }
//!             Output::BroadcastSigned(_) => { /* publish as is */ }
//!             Output::Request { .. } => { /* answer later with Input::Response */ }
//!             Output::Submit(_) => { /* hand to the beacon node */ }
//!             Output::Decided { .. } | Output::DutyFinished { .. } => { /* count */ }
//!         }
//!     }
//!     let _next_tick = m.poll_timeout(); // feed Input::Tick then
//! }
//! ```

mod aggregation_objects;
mod aggregator;
mod alan_aggregator;
mod alan_contribution;
mod base;
pub mod chain;
mod committee;
mod committee_machine;
pub mod duty;
pub mod error;
mod inspect;
pub mod io;
mod objects;
mod proposer;
mod single_phase;
mod snapshot;
mod validator_machine;

use std::sync::Arc;

pub use committee_machine::CommitteeMachine;
pub use inspect::{DutyView, RunnerView};
pub use snapshot::{DutySnapshot, RunnerSnapshot};
pub use validator_machine::ValidatorMachine;

use qbft_core::{InstanceConfig, Round};

use crate::beacon::consensus_data::ValidatorDuty;
use crate::consensus::{SsvQbft, ValueCheck};
use crate::runner::chain::ChainSpec;
use crate::runner::duty::{CommitteeDuty, Duty};
use crate::runner::io::{Request, RequestId, Response, Submission};
use crate::wire::{Role, Share, SignedSsvMessage, SsvMessage};

/// Builds the value check QBFT runs for a duty (ssv-spec `ProposedValueCheckF`).
/// The node builds them from its slashing-protection view; tests use the spec's.
pub trait ValueChecks: Send + Sync {
    /// The committee role's check of a `BeaconVote`.
    fn committee(&self, duty: &CommitteeDuty, shares: &[&Share]) -> ValueCheck;
    /// The proposer's check of `ProposerConsensusData`.
    fn proposer(&self, share: &Share) -> ValueCheck;
    /// The aggregator committee's check of its consensus data.
    fn aggregator_committee(&self) -> ValueCheck;
    /// The Alan aggregator's check of its `ValidatorConsensusData`. By
    /// default the spec's check with the duty's own epoch as the current one
    /// (the runner's duty-slot rules bound the epoch).
    fn aggregator(&self, share: &Share) -> ValueCheck {
        crate::node::checks::alan_aggregator_check(share)
    }
    /// The Alan sync-contribution runner's check; the default as for
    /// [`ValueChecks::aggregator`].
    fn sync_contribution(&self, share: &Share) -> ValueCheck {
        crate::node::checks::alan_contribution_check(share)
    }
}

/// Whether a selection proof makes a validator an aggregator.
pub trait AggregatorSelection: Send + Sync {
    /// consensus-specs `is_aggregator`.
    fn is_aggregator(
        &self,
        slot: u64,
        committee_index: u64,
        committee_length: u64,
        proof: &[u8; 96],
    ) -> bool;
    /// consensus-specs `is_sync_committee_aggregator`.
    fn is_sync_aggregator(&self, proof: &[u8; 96]) -> bool;
}

/// consensus-specs aggregator selection: the first 8 bytes of the proof's hash,
/// modulo the committee's share of aggregators.
#[derive(Copy, Clone, Debug, Default)]
pub struct SpecSelection;

fn hash_mod(proof: &[u8; 96], modulo: u64) -> bool {
    use sha2::{Digest as _, Sha256};
    let h = Sha256::digest(proof);
    let mut first = [0u8; 8];
    first.copy_from_slice(&h[..8]);
    u64::from_le_bytes(first) % modulo.max(1) == 0
}

impl AggregatorSelection for SpecSelection {
    fn is_aggregator(
        &self,
        _slot: u64,
        _committee: u64,
        committee_length: u64,
        proof: &[u8; 96],
    ) -> bool {
        hash_mod(
            proof,
            committee_length / chain::TARGET_AGGREGATORS_PER_COMMITTEE,
        )
    }

    fn is_sync_aggregator(&self, proof: &[u8; 96]) -> bool {
        hash_mod(
            proof,
            chain::SYNC_COMMITTEE_SIZE
                / chain::SYNC_COMMITTEE_SUBNET_COUNT
                / chain::TARGET_AGGREGATORS_PER_SYNC_SUBCOMMITTEE,
        )
    }
}

/// What every runner of one operator in one committee shares.
#[derive(Clone)]
pub struct Setup {
    /// Our operator ID.
    pub operator_id: u64,
    /// The SSV network domain.
    pub network_domain: [u8; 4],
    /// The beacon chain.
    pub chain: Arc<ChainSpec>,
    /// The QBFT context template: operator keys, proposer rule, round timeouts.
    /// Each runner replaces its value check.
    pub qbft: SsvQbft,
    /// Our place in the committee and the cut-off round.
    pub instance: InstanceConfig,
    /// QBFT instances kept per runner.
    pub max_instances: usize,
    /// Early QBFT messages held per runner (0: the spec's behaviour).
    pub pending_limit: usize,
    /// The value checks.
    pub value_checks: Arc<dyn ValueChecks>,
    /// Aggregator selection.
    pub selection: Arc<dyn AggregatorSelection>,
    /// The gas limit in builder registrations.
    pub gas_limit: u64,
    /// Whether to verify operator signatures of incoming messages. A node that
    /// passes only gossip-validated messages (already verified) turns it off.
    pub verify_signatures: bool,
}

impl std::fmt::Debug for Setup {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Setup")
            .field("operator_id", &self.operator_id)
            .field("committee", &self.instance.committee)
            .finish_non_exhaustive()
    }
}

impl Setup {
    /// Signers needed for a quorum (2f+1).
    pub fn quorum(&self) -> usize {
        self.instance.committee.quorum()
    }

    /// The committee's operator IDs, sorted.
    pub fn members(&self) -> &[u64] {
        self.instance.committee.members()
    }

    /// The default cut-off round.
    pub const CUT_OFF_ROUND: Round = 12;
}

/// What a runner machine takes.
#[derive(Clone, Debug)]
pub enum Input {
    /// Start a duty.
    StartDuty(Duty),
    /// A message for this committee or validator.
    Message(Arc<SignedSsvMessage>),
    /// The answer to a request.
    Response {
        /// The request's id.
        id: RequestId,
        /// The answer.
        response: Response,
    },
    /// Time has passed (feed at or after `poll_timeout`).
    Tick,
}

/// What a runner machine asks of its embedder.
#[derive(Clone, Debug)]
pub enum Output {
    /// Sign this message with our operator key and broadcast it (and loop it back).
    Broadcast {
        /// The message to sign.
        message: SsvMessage,
        /// Full data to attach (QBFT proposals and round changes).
        full_data: Vec<u8>,
    },
    /// Broadcast this already-signed message (a decided message) as it is.
    BroadcastSigned(Box<SignedSsvMessage>),
    /// Answer this request with [`Input::Response`].
    Request {
        /// Its id.
        id: RequestId,
        /// What is asked.
        request: Request,
    },
    /// Submit this signed object to the beacon node.
    Submit(Submission),
    /// The duty's QBFT instance decided.
    Decided {
        /// Its runner role.
        role: Role,
        /// Its slot.
        slot: u64,
        /// Milliseconds from our instance's start to the decision (`None` when
        /// the instance was started before a restore from a snapshot).
        elapsed_ms: Option<u64>,
    },
    /// A duty completed every submission it had (none, for an aggregation or
    /// contribution duty whose validator was not selected).
    DutyFinished {
        /// Its runner role.
        role: Role,
        /// Its slot.
        slot: u64,
    },
}

/// The validator duty of `validator` with `role` in a list.
pub(crate) fn find_duty(
    duties: &[ValidatorDuty],
    validator: u64,
    role: u64,
) -> Option<&ValidatorDuty> {
    duties
        .iter()
        .find(|d| d.validator_index == validator && d.role == role)
}
