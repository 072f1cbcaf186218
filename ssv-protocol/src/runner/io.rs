//! What runners ask of the world and what they hand to it: beacon-node fetches,
//! slashing-protection records, share signatures, beacon submissions. Each request
//! carries an id; its answer comes back as an input with the same id.

use crate::beacon::altair::SyncCommitteeContribution;
use crate::beacon::consensus_data::DataVersion;
use crate::beacon::phase0::AttestationData;
use crate::runner::chain::DomainType;

/// Identifies a request until its response arrives. Ids are assigned in order by
/// the machine that asks, so they are deterministic.
pub type RequestId = u64;

/// One root to sign with one validator's share.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignItem {
    /// The validator.
    pub validator_index: u64,
    /// Our share's public key for that validator.
    pub share_pubkey: [u8; 48],
    /// The domain type, for signers that check what they sign.
    pub domain_type: DomainType,
    /// The object's hash-tree-root.
    pub object_root: [u8; 32],
    /// The root to sign: `compute_signing_root(object_root, domain)`.
    pub signing_root: [u8; 32],
}

/// A slashing-protection record to make durable before its signature is released.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum SlashingRecord {
    /// An attestation by a share.
    Attestation {
        /// The share's public key.
        share_pubkey: [u8; 48],
        /// Source epoch.
        source_epoch: u64,
        /// Target epoch.
        target_epoch: u64,
        /// The attestation data's signing root.
        signing_root: [u8; 32],
    },
    /// A block proposal by a share.
    Proposal {
        /// The share's public key.
        share_pubkey: [u8; 48],
        /// The block's slot.
        slot: u64,
        /// The block's signing root.
        signing_root: [u8; 32],
    },
}

/// Aggregation inputs the aggregator committee needs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AggregationNeeds {
    /// The duty's slot.
    pub slot: u64,
    /// Committees whose aggregate attestation is needed.
    pub committee_indexes: Vec<u64>,
    /// Sync subnets whose contribution is needed, with the selection proof of the
    /// first aggregator for each.
    pub sync_subnets: Vec<u64>,
}

/// What a runner asks for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Request {
    /// The beacon node's attestation data for a slot (committee duty).
    AttestationData {
        /// The slot.
        slot: u64,
    },
    /// A block to propose (proposer duty, after the RANDAO reveal is rebuilt).
    Block {
        /// The slot.
        slot: u64,
        /// The validator's RANDAO reveal.
        randao_reveal: [u8; 96],
        /// The graffiti of the share.
        graffiti: [u8; 32],
    },
    /// Aggregate attestations and sync contributions (aggregator committee duty).
    Aggregation(AggregationNeeds),
    /// Make these records durable in slashing protection, or refuse if any would
    /// be slashable. Signing waits for the answer.
    RecordSlashing(Vec<SlashingRecord>),
    /// Sign these roots with our shares.
    Sign(Vec<SignItem>),
}

/// A block as the beacon node returned it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FetchedBlock {
    /// Its fork.
    pub version: DataVersion,
    /// Whether it is blinded (payload header only).
    pub blinded: bool,
    /// Its SSZ bytes in the form ProposerConsensusData carries.
    pub ssz: Vec<u8>,
}

/// The answer to a request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Response {
    /// Answers [`Request::AttestationData`].
    AttestationData(AttestationData),
    /// Answers [`Request::Block`].
    Block(FetchedBlock),
    /// Answers [`Request::Aggregation`]: SSZ attestations by committee index, and
    /// contributions.
    Aggregation {
        /// `(committee index, aggregate attestation SSZ)`.
        attestations: Vec<(u64, Vec<u8>)>,
        /// Contributions, one or more per subnet asked.
        contributions: Vec<SyncCommitteeContribution>,
    },
    /// Answers [`Request::RecordSlashing`]: every record is durable.
    Recorded,
    /// Answers [`Request::RecordSlashing`]: a record would be slashable; nothing
    /// is signed.
    Slashable,
    /// Answers [`Request::Sign`]: one signature per item, in order.
    Signatures(Vec<[u8; 96]>),
    /// The request failed.
    Failed(String),
}

/// Which beacon object a submission is.
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum SubmissionKind {
    /// An attestation (phase0 form, or Electra's).
    Attestation,
    /// A sync-committee message.
    SyncCommitteeMessage,
    /// A signed block (full or blinded).
    Block,
    /// A signed aggregate and proof.
    AggregateAndProof,
    /// A signed contribution and proof.
    ContributionAndProof,
    /// A signed builder registration.
    ValidatorRegistration,
    /// A signed voluntary exit.
    VoluntaryExit,
}

/// A signed beacon object to submit to the beacon node.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Submission {
    /// What it is.
    pub kind: SubmissionKind,
    /// Its fork.
    pub version: DataVersion,
    /// The validator it is for.
    pub validator_index: u64,
    /// Its hash-tree-root.
    pub root: [u8; 32],
    /// Its SSZ bytes.
    pub ssz: Vec<u8>,
}
