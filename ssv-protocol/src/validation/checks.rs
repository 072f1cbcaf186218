//! The rules of stages A (syntax), B (lookup), C (consensus), D (partial
//! signatures) and E (timing), as pure functions of the message, the view and the
//! signer state. Stateful checks only read the state; the machine records an
//! accepted message afterwards.

use std::collections::BTreeMap;

use sha2::{Digest as _, Sha256};

use super::error::ValidationError as E;
use super::state::{SignerState, SlotState};
use super::view::{CommitteeInfo, NetworkView};
use crate::identifiers::{committee_subnet, is_subnet_topic};
use crate::roles::RoleFork;
use crate::wire::{
    PartialSigKind, PartialSignatureMessages, QbftMessage, Role, SignedSsvMessage, SsvMsgType,
};

/// Largest pubsub message (ssv `MaxEncodedMsgSize`).
pub const MAX_ENCODED_MSG_SIZE: usize = 9_589_483;
/// Largest SSV message data the node accepts.
pub const MAX_SSV_DATA_SIZE: usize = 740_506;
/// Largest partial-signature message data.
pub const MAX_PARTIAL_DATA_SIZE: usize = 151_220;
/// An RSA-2048 signature's size.
pub const RSA_SIGNATURE_SIZE: usize = 256;
/// Tolerance for clock skew at slot boundaries, in milliseconds.
pub const CLOCK_TOLERANCE_MS: u64 = 50;
/// Extra time after a role's last slot, in milliseconds.
pub const LATE_MESSAGE_MARGIN_MS: u64 = 3_000;

/// Stage A on the signed envelope, after it decoded.
pub fn signed_message(m: &SignedSsvMessage, view: &NetworkView) -> Result<Role, E> {
    if m.operator_ids.is_empty() {
        return Err(E::NoSigners);
    }
    if m.signatures.is_empty() {
        return Err(E::NoSignatures);
    }
    if m.signatures.iter().any(|s| s.len() != RSA_SIGNATURE_SIZE) {
        return Err(E::WrongRsaSignatureSize);
    }
    if m.operator_ids.windows(2).any(|w| w.first() > w.last()) {
        return Err(E::SignersNotSorted);
    }
    if m.operator_ids.len() != m.signatures.len() {
        return Err(E::SignersAndSignaturesMismatch);
    }
    if m.operator_ids.contains(&0) {
        return Err(E::ZeroSigner);
    }
    if m.operator_ids.windows(2).any(|w| w.first() == w.last()) {
        return Err(E::DuplicatedSigner);
    }
    if m.operator_ids
        .iter()
        .any(|id| !view.operators.contains_key(id))
    {
        return Err(E::UnknownOperator);
    }
    let ssv = &m.ssv_message;
    if ssv.data.is_empty() {
        return Err(E::EmptyData);
    }
    if ssv.data.len() > MAX_SSV_DATA_SIZE {
        return Err(E::SsvDataTooBig);
    }
    if !matches!(
        ssv.msg_type,
        SsvMsgType::Consensus | SsvMsgType::PartialSignature
    ) {
        return Err(E::UnknownSsvMessageType);
    }
    if ssv.msg_id.domain() != view.domain {
        return Err(E::WrongDomain);
    }
    match (ssv.msg_id.role(), view.roles) {
        (
            r @ (Role::Committee
            | Role::Proposer
            | Role::ValidatorRegistration
            | Role::VoluntaryExit),
            _,
        )
        | (r @ (Role::Aggregator | Role::SyncCommitteeContribution), RoleFork::Alan)
        | (r @ Role::AggregatorCommittee, RoleFork::Boole) => Ok(r),
        _ => Err(E::InvalidRole),
    }
}

/// The duty executor, resolved through the view (stage B).
pub struct Executor<'v> {
    /// The committee running the duty.
    pub committee: &'v CommitteeInfo,
    /// The validator's index, for validator roles.
    pub validator_index: Option<u64>,
}

/// Stage B: the committee or validator exists and is active, every signer is a
/// member, and the topic is the committee's subnet.
pub fn lookup<'v>(
    m: &SignedSsvMessage,
    role: Role,
    topic: &str,
    view: &'v NetworkView,
) -> Result<Executor<'v>, E> {
    let executor = m.ssv_message.msg_id.duty_executor();
    let (committee_id, validator_index) = if role.is_committee_role() {
        let mut id = [0u8; 32];
        id.copy_from_slice(executor.get(16..48).unwrap_or(&[0; 32]));
        (id, None)
    } else {
        let mut pk = [0u8; 48];
        pk.copy_from_slice(executor.get(..48).unwrap_or(&[0; 48]));
        let v = view.validators.get(&pk).ok_or(E::UnknownValidator)?;
        if v.liquidated {
            return Err(E::ValidatorLiquidated);
        }
        let index = v.index.ok_or(E::NoShareMetadata)?;
        if !v.attesting {
            return Err(E::ValidatorNotAttesting);
        }
        (v.committee, Some(index))
    };
    let committee = view
        .committees
        .get(&committee_id)
        .ok_or(E::NonExistentCommitteeId)?;
    if role.is_committee_role() && committee.validator_indices.is_empty() {
        return Err(E::NoValidators);
    }
    if m.operator_ids
        .iter()
        .any(|id| committee.operators.binary_search(id).is_err())
    {
        return Err(E::SignerNotInCommittee);
    }
    if !is_subnet_topic(topic, committee_subnet(&committee_id)) {
        return Err(E::IncorrectTopic);
    }
    Ok(Executor {
        committee,
        validator_index,
    })
}

/// The round past which a role's consensus is ignored.
pub fn round_cut_off(role: Role) -> u64 {
    match role {
        Role::Proposer | Role::SyncCommitteeContribution => 6,
        _ => 12,
    }
}

/// The latest round plausible `elapsed_ms` after slot start: 2 s rounds for the
/// first 8, then 2 min rounds.
pub fn estimated_round(elapsed_ms: u64) -> u64 {
    if elapsed_ms < 16_000 {
        1 + elapsed_ms / 2_000
    } else {
        9 + (elapsed_ms - 16_000) / 120_000
    }
}

/// The decoded QBFT message and what the syntax checks established.
pub struct Consensus {
    /// The message.
    pub msg: QbftMessage,
    /// Whether it is a decided (multi-signer commit) message.
    pub decided: bool,
    /// SHA-256 of the message's full data, computed once here.
    pub full_data_root: [u8; 32],
}

/// Stage C, stateless rules.
pub fn consensus_syntax(
    m: &SignedSsvMessage,
    role: Role,
    committee: &CommitteeInfo,
) -> Result<Consensus, E> {
    let q = QbftMessage::decode(&m.ssv_message.data).map_err(|_| E::UndecodableMessageData)?;
    let signers = m.operator_ids.len();
    let is_commit = q.msg_type == 2;
    if !is_commit && signers > 1 {
        return Err(E::NonDecidedWithMultipleSigners);
    }
    let n = committee.operators.len() as u64;
    let quorum = 2 * (n.saturating_sub(1) / 3) + 1;
    let decided = is_commit && signers > 1;
    if decided && (signers as u64) < quorum {
        return Err(E::DecidedNotEnoughSigners);
    }
    if !m.full_data.is_empty() && (q.msg_type == 1 || (is_commit && !decided)) {
        return Err(E::PrepareOrCommitWithFullData);
    }
    let full_data_root: [u8; 32] = Sha256::digest(&m.full_data).into();
    if !m.full_data.is_empty() && full_data_root != q.root {
        return Err(E::InvalidHash);
    }
    if q.msg_type > 3 {
        return Err(E::UnknownQbftMessageType);
    }
    if q.round == 0 {
        return Err(E::ZeroRound);
    }
    if matches!(role, Role::ValidatorRegistration | Role::VoluntaryExit) {
        return Err(E::UnexpectedConsensusMessage);
    }
    if q.round > round_cut_off(role) {
        return Err(E::RoundTooHigh);
    }
    if q.identifier != m.ssv_message.msg_id.as_bytes() {
        return Err(E::MismatchedIdentifier);
    }
    for j in q
        .round_change_justification
        .iter()
        .chain(&q.prepare_justification)
    {
        SignedSsvMessage::decode(j).map_err(|_| E::MalformedJustifications)?;
    }
    if !q.prepare_justification.is_empty() && q.msg_type != 0 {
        return Err(E::UnexpectedPrepareJustifications);
    }
    if !q.round_change_justification.is_empty() && !matches!(q.msg_type, 0 | 3) {
        return Err(E::UnexpectedRoundChangeJustifications);
    }
    if q.msg_type == 0 {
        let members = qbft_core::Committee::new(committee.operators.iter().copied())
            .map_err(|_| E::SignerNotInCommittee)?;
        let leader = qbft_core::round_robin_proposer(&members, q.height, q.round);
        if m.operator_ids.first() != Some(&leader) {
            return Err(E::SignerNotLeader);
        }
    }
    Ok(Consensus {
        msg: q,
        decided,
        full_data_root,
    })
}

/// Stage C, stateful rules, for one signer's state at the message's slot.
pub fn consensus_state(
    c: &Consensus,
    signer_set: u64,
    slot: Option<&SlotState>,
    full_data_root: [u8; 32],
) -> Result<(), E> {
    let Some(s) = slot else { return Ok(()) };
    let q = &c.msg;
    if q.round < s.round {
        return Err(E::RoundAlreadyAdvanced);
    }
    if c.decided {
        return if s.decided.contains(signer_set) {
            Err(E::DecidedWithSameSigners)
        } else {
            Ok(())
        };
    }
    if q.round > s.round {
        return Ok(());
    }
    match q.msg_type {
        0 => match s.proposal.as_deref() {
            Some(root) if *root != full_data_root => Err(E::DifferentProposalData),
            Some(_) => Err(E::DuplicatedMessage),
            None => Ok(()),
        },
        1 if s.prepare => Err(E::DuplicatedMessage),
        2 if s.commit => Err(E::DuplicatedMessage),
        3 if s.round_change => Err(E::DuplicatedMessage),
        _ => Ok(()),
    }
}

/// Whether a partial-signature type is allowed for a role, and whether it is a
/// pre-consensus one.
fn allowed(role: Role, kind: PartialSigKind) -> Option<bool> {
    use PartialSigKind as K;
    match (role, kind) {
        (_, K::PostConsensus)
            if !matches!(role, Role::ValidatorRegistration | Role::VoluntaryExit) =>
        {
            Some(false)
        }
        (Role::Proposer, K::Randao)
        | (Role::AggregatorCommittee, K::AggregatorCommittee)
        | (Role::Aggregator, K::SelectionProof)
        | (Role::SyncCommitteeContribution, K::ContributionProofs)
        | (Role::ValidatorRegistration, K::ValidatorRegistration)
        | (Role::VoluntaryExit, K::VoluntaryExit) => Some(true),
        _ => None,
    }
}

/// Stage D, stateless rules. Returns the message and whether it is pre-consensus.
pub fn partial_syntax(
    m: &SignedSsvMessage,
    role: Role,
    exec: &Executor<'_>,
) -> Result<(PartialSignatureMessages, bool), E> {
    if m.ssv_message.data.len() > MAX_PARTIAL_DATA_SIZE {
        return Err(E::PartialSigDataTooBig);
    }
    let p = PartialSignatureMessages::decode(&m.ssv_message.data)
        .map_err(|_| E::UndecodablePartialSig)?;
    if m.operator_ids.len() != 1 {
        return Err(E::PartialSigOneSigner);
    }
    if !m.full_data.is_empty() {
        return Err(E::PartialSigWithFullData);
    }
    // Type 6 exists only where the aggregator-committee role does (Boole).
    if let PartialSigKind::Unknown(_) = p.kind {
        return Err(E::UnknownPartialSigType);
    }
    if p.kind == PartialSigKind::AggregatorCommittee && role != Role::AggregatorCommittee {
        return Err(E::UnknownPartialSigType);
    }
    let pre = allowed(role, p.kind).ok_or(E::PartialSigTypeRoleMismatch)?;
    if p.messages.is_empty() {
        return Err(E::NoPartialSignatureMessages);
    }
    let signer = m.operator_ids.first().copied().unwrap_or_default();
    if p.messages.iter().any(|x| x.signer != signer) {
        return Err(E::InconsistentSigners);
    }
    if let Some(index) = exec.validator_index {
        if p.messages.iter().any(|x| x.validator_index != index) {
            return Err(E::ValidatorIndexMismatch);
        }
    }
    let count = p.messages.len();
    let too_many = match role {
        Role::Committee => {
            let v = exec.committee.validator_indices.len();
            count > (2 * v).min(v + 512)
        }
        Role::SyncCommitteeContribution => count > 13,
        // Per validator: one aggregation and at most 13 sync positions.
        Role::AggregatorCommittee => count > exec.committee.validator_indices.len() * 14,
        _ => count != 1,
    };
    if too_many {
        return Err(E::TooManyPartialSignatureMessages);
    }
    if role == Role::Committee {
        let mut seen: BTreeMap<u64, u8> = BTreeMap::new();
        for x in &p.messages {
            let n = seen.entry(x.validator_index).or_default();
            *n += 1;
            if *n > 2 {
                return Err(E::TripleValidatorIndexInPartialSignatures);
            }
        }
    }
    Ok((p, pre))
}

/// Stage D, stateful rule: one pre- and one post-consensus message per slot.
pub fn partial_state(pre: bool, slot: Option<&SlotState>) -> Result<(), E> {
    match slot {
        Some(s) if (pre && s.pre_consensus >= 1) || (!pre && s.post_consensus >= 1) => {
            Err(E::InvalidPartialSignatureTypeCount)
        }
        _ => Ok(()),
    }
}

/// Whether a signer's messages under a message ID of `role` must not go back
/// in slot (every role but the committee's).
pub fn slot_order_enforced(role: Role) -> bool {
    role != Role::Committee
}

/// Stage E: slot order, known duty, early and late windows, duties per epoch.
#[allow(clippy::too_many_arguments)]
pub fn timing(
    role: Role,
    slot: u64,
    now_ms: u64,
    view: &NetworkView,
    exec: &Executor<'_>,
    signer: Option<&SignerState>,
    randao: bool,
) -> Result<(), E> {
    if slot_order_enforced(role) {
        if let Some(max) = signer.and_then(SignerState::max_slot) {
            if slot < max {
                return Err(E::SlotAlreadyAdvanced);
            }
        }
    }
    let epoch = view.clock.epoch(slot);
    let index = exec.validator_index.unwrap_or_default();
    match role {
        Role::Proposer => {
            let first_slot_unfetched = randao
                && slot.is_multiple_of(view.clock.slots_per_epoch.max(1))
                && !view.duties.proposer_epochs_fetched.contains(&epoch);
            if !view.duties.proposer.contains(&(slot, index)) && !first_slot_unfetched {
                return Err(E::NoDuty);
            }
        }
        Role::SyncCommitteeContribution
            if !view.duties.sync_contribution.contains(&(slot, index)) =>
        {
            return Err(E::NoDuty);
        }
        _ => {}
    }
    let start = view.clock.slot_start(slot);
    if now_ms.saturating_add(CLOCK_TOLERANCE_MS) < start {
        return Err(E::EarlySlotMessage);
    }
    let late_slots = match role {
        Role::Committee | Role::Aggregator | Role::AggregatorCommittee => Some(34),
        Role::Proposer | Role::SyncCommitteeContribution => Some(3),
        _ => None,
    };
    if let Some(late) = late_slots {
        let deadline =
            view.clock.slot_start(slot + late) + LATE_MESSAGE_MARGIN_MS + CLOCK_TOLERANCE_MS;
        if now_ms > deadline {
            return Err(E::LateSlotMessage);
        }
    }
    let limit = match role {
        Role::Aggregator | Role::ValidatorRegistration => Some(2),
        Role::VoluntaryExit => Some(
            view.duties
                .voluntary_exits
                .get(&(index, epoch))
                .copied()
                .unwrap_or(0),
        ),
        Role::Committee | Role::AggregatorCommittee => {
            let v = exec.committee.validator_indices.len() as u64;
            let indices = &exec.committee.validator_indices;
            Some(if v < 16 && view.duties.in_sync_committee(indices) {
                32
            } else {
                (2 * v).min(32)
            })
        }
        _ => None,
    };
    if let (Some(limit), Some(s)) = (limit, signer) {
        let slots = s.duty_slots.get(epoch);
        let already = slots.is_some_and(|set| set.contains(slot));
        if !already && slots.map_or(0, |set| set.len() as u64) >= limit {
            return Err(E::TooManyDutiesPerEpoch);
        }
    }
    Ok(())
}
