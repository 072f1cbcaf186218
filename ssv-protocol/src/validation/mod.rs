//! Gossip message validation as a pure state machine: the live network's rules
//! (protocol facts §1, stages A to E), with the Go node's verdicts.
//!
//! Every message is judged once: `Accept` (with a [`ValidatedMessage`], the only
//! proof that a message passed, so nothing downstream re-verifies it), `Ignore`
//! (drop, no penalty) or `Reject` (drop and penalise the sending peer). Cheap checks
//! run first and the RSA verification last, once per message. State is keyed by
//! (sending peer, message ID, signer), changes only when a message is accepted, and
//! is pruned after 34 slots.
//!
//! | stage | rule | verdict | test |
//! |---|---|---|---|
//! | A | empty data | reject | `pubsub_no_data` |
//! | A | data over 9,589,483 B | ignore | `pubsub_data_too_big` |
//! | A | not a SignedSSVMessage | reject | `malformed_pubsub_message` |
//! | A | no signers | reject | `no_signers` |
//! | A | no signatures | reject | `no_signatures` |
//! | A | signature not 256 B | reject | `wrong_rsa_signature_size` |
//! | A | signers not sorted | reject | `signers_not_sorted` |
//! | A | signers ≠ signatures | reject | `signers_and_signatures_mismatch` |
//! | A | signer 0 | reject | `zero_signer` |
//! | A | duplicate signer | reject | `duplicated_signer` |
//! | A | unregistered operator | ignore | `unknown_operator` |
//! | A | empty SSV data | reject | `empty_data` |
//! | A | SSV data over 740,506 B (unreachable: the SSZ limit, 726,932 B, rejects first as malformed) | reject | `ssv_data_too_big` |
//! | A | SSV type not 0 or 1 | reject | `unknown_ssv_message_type` |
//! | A | other domain | ignore | `wrong_domain` |
//! | A | role outside 0-5 | reject | `invalid_role` |
//! | B | unknown committee | ignore | `non_existent_committee_id` |
//! | B | committee without validators | reject | `no_validators` |
//! | B | unknown validator | ignore | `unknown_validator` |
//! | B | liquidated validator | ignore | `validator_liquidated` |
//! | B | share without metadata | ignore | `no_share_metadata` |
//! | B | validator not attesting | ignore | `validator_not_attesting` |
//! | B | signer outside committee | reject | `signer_not_in_committee` |
//! | B | wrong subnet | ignore | `incorrect_topic` |
//! | C | QBFT data undecodable | reject | `undecodable_message_data` |
//! | C | several signers, not a commit | reject | `non_decided_with_multiple_signers` |
//! | C | decided below quorum | reject | `decided_not_enough_signers` |
//! | C | full data on prepare or commit | reject | `prepare_or_commit_with_full_data` |
//! | C | sha256(full data) ≠ root | reject | `invalid_hash` |
//! | C | QBFT type outside 0-3 | reject | `unknown_qbft_message_type` |
//! | C | round 0 | reject | `zero_round` |
//! | C | consensus for registration or exit | reject | `unexpected_consensus_message` |
//! | C | round over 12 (6 for proposer, contribution) | ignore | `round_too_high` |
//! | C | identifier ≠ message ID | reject | `mismatched_identifier` |
//! | C | justifications undecodable | reject | `malformed_justifications` |
//! | C | prepare justifications off a proposal | reject | `unexpected_prepare_justifications` |
//! | C | round-change justifications on prepare or commit | reject | `unexpected_round_change_justifications` |
//! | C | proposal not from the leader | reject | `signer_not_leader` |
//! | C | second message of a kind in a round | reject | `duplicated_message` |
//! | C | second proposal, other data | reject | `different_proposal_data` |
//! | C | round below the signer's | ignore | `round_already_advanced` |
//! | C | decided with a seen signer set | ignore | `decided_with_same_signers` |
//! | C | round beyond estimate + 1 | ignore | `estimated_round_not_in_allowed_spread` |
//! | D | partial data over 151,220 B | reject | `partial_sig_data_too_big` |
//! | D | partial data undecodable | reject | `undecodable_partial_sig` |
//! | D | not one signer | reject | `partial_sig_one_signer` |
//! | D | full data | reject | `partial_sig_with_full_data` |
//! | D | unknown type | reject | `unknown_partial_sig_type` |
//! | D | type not for the role | reject | `partial_sig_type_role_mismatch` |
//! | D | no messages | reject | `no_partial_signature_messages` |
//! | D | inner signer ≠ signer | reject | `inconsistent_signers` |
//! | D | validator index ≠ validator's | ignore | `validator_index_mismatch` |
//! | D | second pre or post message in a slot | reject | `invalid_partial_signature_type_count` |
//! | D | too many signatures for role | reject | `too_many_partial_signature_messages` |
//! | D | a validator index thrice | reject | `triple_validator_index_in_partial_signatures` |
//! | E | slot below the signer's (not committee) | ignore | `slot_already_advanced` |
//! | E | no known duty (proposer, contribution) | ignore | `no_duty` |
//! | E | more than 50 ms early | ignore | `early_slot_message` |
//! | E | past the role's deadline | ignore | `late_slot_message` |
//! | E | too many duties in the epoch | ignore | `too_many_duties_per_epoch` |
//! | – | RSA signature invalid | reject | `signature_verification` |

mod checks;
mod error;
mod state;
mod view;

use std::collections::{BTreeMap, VecDeque};
use std::sync::Arc;

pub use checks::{
    estimated_round, round_cut_off, MAX_ENCODED_MSG_SIZE, MAX_PARTIAL_DATA_SIZE, MAX_SSV_DATA_SIZE,
};
pub use error::{Action, ValidationError};
pub use state::{signer_mask, DecidedSets, EpochSlots, SignerState, SlotState, STATE_TTL_SLOTS};
pub use view::{CommitteeInfo, KnownDuties, NetworkView, SlotClock, ValidatorInfo};

use crate::wire::{
    MessageId, PartialSignatureMessages, QbftMessage, Role, SignedSsvMessage, SsvMsgType,
};

/// What was decoded from an accepted message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Payload {
    /// A QBFT message.
    Consensus(QbftMessage),
    /// Partial signatures.
    PartialSignatures(PartialSignatureMessages),
}

/// A message that passed every rule, signatures included. Only the validator
/// makes these (it cannot be built outside this crate).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ValidatedMessage {
    /// The signed message.
    pub signed: SignedSsvMessage,
    /// Its decoded payload.
    pub payload: Payload,
    /// The duty's slot.
    pub slot: u64,
}

/// The judgement on one message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Deliver it and forward it.
    Accept(Box<ValidatedMessage>),
    /// Drop it, no penalty.
    Ignore(ValidationError),
    /// Drop it and penalise the sender.
    Reject(ValidationError),
}

impl Verdict {
    fn of(e: ValidationError) -> Verdict {
        match e.action() {
            Action::Ignore => Verdict::Ignore(e),
            Action::Reject => Verdict::Reject(e),
        }
    }

    /// The broken rule, if any.
    pub fn error(&self) -> Option<ValidationError> {
        match self {
            Verdict::Accept(_) => None,
            Verdict::Ignore(e) | Verdict::Reject(e) => Some(*e),
        }
    }
}

/// What the validator takes.
#[derive(Clone, Debug)]
pub enum Input {
    /// A gossip message as received.
    Gossip {
        /// The caller's handle, echoed in the verdict.
        id: u64,
        /// The sending peer's ID bytes.
        peer: Vec<u8>,
        /// The topic it arrived on.
        topic: String,
        /// The raw message data.
        data: Vec<u8>,
    },
    /// A new view of the network.
    View(Arc<NetworkView>),
    /// Time passed: prune state past its time to live.
    Tick,
}

/// What the validator answers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Output {
    /// The verdict on gossip message `id`: report it to gossipsub.
    Verdict {
        /// The caller's handle.
        id: u64,
        /// The verdict.
        verdict: Verdict,
    },
}

/// Whether every operator signature of `m` (decoded from `data`) verifies
/// with its operator's key in `operators`: the expensive part of validation
/// (one RSA verification per signer), pure, so an embedder can run it on
/// other threads and hand the answer to [`MessageValidator::validate_checked`].
pub fn signatures_valid(
    data: &[u8],
    m: &SignedSsvMessage,
    operators: &BTreeMap<u64, crate::operator_key::OperatorPublicKey>,
) -> Result<bool, ValidationError> {
    let encoded =
        SignedSsvMessage::signed_bytes(data).ok_or(ValidationError::MalformedPubSubMessage)?;
    Ok(m.operator_ids.len() == m.signatures.len()
        && m.operator_ids.iter().zip(&m.signatures).all(|(id, sig)| {
            operators
                .get(id)
                .is_some_and(|k| k.verify_encoded(encoded, sig))
        }))
}

/// Signer states of one peer, by (message ID, signer).
type PeerState = BTreeMap<(MessageId, u64), SignerState>;

/// The validator machine.
#[derive(Debug)]
pub struct MessageValidator {
    view: Arc<NetworkView>,
    /// By sending peer, then (message ID, signer).
    state: BTreeMap<Vec<u8>, PeerState>,
    outputs: VecDeque<Output>,
}

impl MessageValidator {
    /// A validator with this view and no state.
    pub fn new(view: Arc<NetworkView>) -> Self {
        MessageValidator {
            view,
            state: BTreeMap::new(),
            outputs: VecDeque::new(),
        }
    }

    /// Feeds one input (the drive contract of the crate: handle, then drain).
    pub fn handle(&mut self, now_ms: u64, input: Input) {
        match input {
            Input::Gossip {
                id,
                peer,
                topic,
                data,
            } => {
                let verdict = self.validate(now_ms, &peer, &topic, &data);
                self.outputs.push_back(Output::Verdict { id, verdict });
            }
            Input::View(view) => self.view = view,
            Input::Tick => self.prune(now_ms),
        }
    }

    /// The next output.
    pub fn poll_output(&mut self) -> Option<Output> {
        self.outputs.pop_front()
    }

    /// The view validation reads now.
    pub fn view(&self) -> &Arc<NetworkView> {
        &self.view
    }

    /// How many (peer, message ID, signer) states are held.
    pub fn state_len(&self) -> usize {
        self.state.values().map(BTreeMap::len).sum()
    }

    /// How many per-slot states and per-epoch duty-slot entries are held, over
    /// every (peer, message ID, signer) state (diagnostics for memory).
    pub fn slot_state_len(&self) -> (usize, usize) {
        self.state
            .values()
            .flat_map(BTreeMap::values)
            .fold((0, 0), |(a, b), s| {
                (
                    a + s.slots.len(),
                    b + s
                        .duty_slots
                        .values()
                        .map(state::EpochSlots::len)
                        .sum::<usize>(),
                )
            })
    }

    /// How many per-slot states the held signer states have room for, and how
    /// many of those signer states are under committee message IDs
    /// (diagnostics for memory: room beyond the slots held is reserved).
    pub fn slot_capacity(&self) -> (usize, usize) {
        self.state.values().flat_map(BTreeMap::iter).fold(
            (0, 0),
            |(room, committee), ((id, _), s)| {
                (
                    room + s.slots.capacity(),
                    committee + usize::from(id.role() == Role::Committee),
                )
            },
        )
    }

    fn signer_state(&self, peer: &[u8], msg_id: MessageId, signer: u64) -> Option<&SignerState> {
        self.state.get(peer).and_then(|p| p.get(&(msg_id, signer)))
    }

    /// Drops state older than its time to live.
    pub fn prune(&mut self, now_ms: u64) {
        let clock = self.view.clock;
        let current = now_ms.saturating_sub(clock.genesis_ms) / clock.slot_ms.max(1);
        for peer in self.state.values_mut() {
            for s in peer.values_mut() {
                s.prune(current, clock.slots_per_epoch);
            }
            peer.retain(|_, s| !s.is_empty());
        }
        self.state.retain(|_, p| !p.is_empty());
    }

    /// Judges one message received at `now_ms` from `peer` on `topic`.
    pub fn validate(&mut self, now_ms: u64, peer: &[u8], topic: &str, data: &[u8]) -> Verdict {
        self.validate_checked(now_ms, peer, topic, data, None)
    }

    /// [`validate`](Self::validate), with the operator signatures' verdict
    /// already known: `Some(valid)` from an embedder that verified them on its
    /// own threads (see [`signatures_valid`]). Every other rule runs in the
    /// same order, so the verdict is the one `validate` would give.
    pub fn validate_checked(
        &mut self,
        now_ms: u64,
        peer: &[u8],
        topic: &str,
        data: &[u8],
        signatures: Option<bool>,
    ) -> Verdict {
        match self.check(now_ms, peer, topic, data, signatures) {
            Ok(msg) => Verdict::Accept(Box::new(msg)),
            Err(e) => Verdict::of(e),
        }
    }

    fn check(
        &mut self,
        now_ms: u64,
        peer: &[u8],
        topic: &str,
        data: &[u8],
        signatures: Option<bool>,
    ) -> Result<ValidatedMessage, ValidationError> {
        use ValidationError as E;
        if data.is_empty() {
            return Err(E::PubSubNoData);
        }
        if data.len() > MAX_ENCODED_MSG_SIZE {
            return Err(E::PubSubDataTooBig);
        }
        let view = Arc::clone(&self.view);
        let m = SignedSsvMessage::decode(data).map_err(|_| E::MalformedPubSubMessage)?;
        let role = checks::signed_message(&m, &view)?;
        let exec = checks::lookup(&m, role, topic, &view)?;
        let msg_id = m.ssv_message.msg_id;
        let first_signer = m.operator_ids.first().copied().unwrap_or_default();
        // The signers as positions in the committee (decided messages' sets).
        let signer_set = state::signer_mask(&exec.committee.operators, &m.operator_ids);
        let (payload, slot, full_data_root) = match m.ssv_message.msg_type {
            SsvMsgType::Consensus => {
                let c = checks::consensus_syntax(&m, role, exec.committee)?;
                let slot = c.msg.height;
                checks::timing(
                    role,
                    slot,
                    now_ms,
                    &view,
                    &exec,
                    self.signer_state(peer, msg_id, first_signer),
                    false,
                )?;
                let root = c.full_data_root;
                for signer in &m.operator_ids {
                    let s = self
                        .signer_state(peer, msg_id, *signer)
                        .and_then(|s| s.slots.get(slot));
                    checks::consensus_state(&c, signer_set, s, root)?;
                }
                let elapsed = now_ms.saturating_sub(view.clock.slot_start(slot));
                if c.msg.round > checks::estimated_round(elapsed) + 1 {
                    return Err(E::EstimatedRoundNotInAllowedSpread);
                }
                (Payload::Consensus(c.msg), slot, root)
            }
            _ => {
                let (p, pre) = checks::partial_syntax(&m, role, &exec)?;
                let randao = p.kind == crate::wire::PartialSigKind::Randao;
                checks::timing(
                    role,
                    p.slot,
                    now_ms,
                    &view,
                    &exec,
                    self.signer_state(peer, msg_id, first_signer),
                    randao,
                )?;
                let s = self
                    .signer_state(peer, msg_id, first_signer)
                    .and_then(|s| s.slots.get(p.slot));
                checks::partial_state(pre, s)?;
                let slot = p.slot;
                (Payload::PartialSignatures(p), slot, [0; 32])
            }
        };
        // Last and most expensive: one RSA verification per signature, over the
        // signed bytes exactly as received.
        let valid = match signatures {
            Some(valid) => valid,
            None => signatures_valid(data, &m, &view.operators)?,
        };
        if !valid {
            return Err(E::SignatureVerification);
        }
        self.record(&m, &payload, slot, full_data_root, signer_set, peer);
        Ok(ValidatedMessage {
            signed: m,
            payload,
            slot,
        })
    }

    /// Updates the signers' state with an accepted message.
    fn record(
        &mut self,
        m: &SignedSsvMessage,
        payload: &Payload,
        slot: u64,
        full_data_root: [u8; 32],
        signer_set: u64,
        peer: &[u8],
    ) {
        let epoch = self.view.clock.epoch(slot);
        let spe = self.view.clock.slots_per_epoch.max(1);
        let msg_id = m.ssv_message.msg_id;
        let peer_state = match self.state.get_mut(peer) {
            Some(p) => p,
            None => self.state.entry(peer.to_vec()).or_default(),
        };
        for signer in &m.operator_ids {
            let s = peer_state.entry((msg_id, *signer)).or_default();
            if msg_id.role() == Role::Committee
                && s.slots.len() >= 2
                && s.slots.len() == s.slots.capacity()
                && s.slots.get(slot).is_none()
            {
                // The signers of a committee with many validators send in
                // most slots: at a third slot, hold the whole window (as the
                // reference's 34-slot ring does) rather than growing into it
                // slot by slot. One seen in a slot or two of the window (a
                // committee of few validators) keeps room for two.
                s.slots.reserve(STATE_TTL_SLOTS as usize + 2);
            }
            // Duties per epoch are counted for a message's epoch, under its
            // first signer. Where a signer's slots only go forward, epochs
            // before the one of its highest slot are never read again.
            let counted = if checks::slot_order_enforced(msg_id.role()) {
                let newest = s.max_slot().map_or(slot, |m| m.max(slot)) / spe;
                s.duty_slots.retain_keys(|e| e >= newest);
                epoch >= newest
            } else {
                true
            };
            if counted {
                s.duty_slots
                    .get_or_insert_with(epoch, || EpochSlots::new(epoch.saturating_mul(spe)))
                    .insert(slot);
            }
            let slot_state = s.slots.get_or_insert_with(slot, SlotState::default);
            match payload {
                Payload::Consensus(q) => {
                    slot_state.enter_round(q.round);
                    match q.msg_type {
                        2 if m.operator_ids.len() > 1 => {
                            slot_state.decided.insert(signer_set);
                        }
                        0 => slot_state.proposal = Some(Box::new(full_data_root)),
                        1 => slot_state.prepare = true,
                        2 => slot_state.commit = true,
                        _ => slot_state.round_change = true,
                    }
                }
                Payload::PartialSignatures(p) => {
                    if p.kind == crate::wire::PartialSigKind::PostConsensus {
                        slot_state.post_consensus = slot_state.post_consensus.saturating_add(1);
                    } else {
                        slot_state.pre_consensus = slot_state.pre_consensus.saturating_add(1);
                    }
                }
            }
        }
    }
}
