//! What every runner shares (ssv-spec `BaseRunner`, `runner_validations.go`,
//! `runner_signatures.go`): the duty's state, partial-signature collection with
//! the spec's duplicate rule, the consensus step and the rules partial-signature
//! messages must follow.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::sync::Arc;

use qbft_core::{Controller, ControllerConfig, Timestamp};

use crate::consensus::{encode_outgoing, to_wire, FullData, SsvQbft, SsvSignedMessage, ValueCheck};
use crate::duty::partial_sigs::{AddOutcome, PartialSigContainer, ReconstructError};
use crate::runner::duty::Duty;
use crate::runner::error::RunnerError;
use crate::runner::io::{Request, RequestId, SignItem};
use crate::runner::{Output, Setup};
use crate::signature_check::verify_checked_key;
use crate::threshold::{public_key_from_bytes, signature_from_bytes, PublicKey};
use crate::wire::{
    MessageId, PartialSigKind, PartialSignature, PartialSignatureMessages, Role, Share, SsvMessage,
    SsvMsgType,
};

/// Where a call's outputs go, with the clock and the request-id counter.
pub(crate) struct Step<'a> {
    pub now: Timestamp,
    pub next_id: &'a mut RequestId,
    pub out: &'a mut VecDeque<Output>,
}

impl Step<'_> {
    /// Emits a request and returns its id.
    pub fn request(&mut self, request: Request) -> RequestId {
        let id = *self.next_id;
        *self.next_id += 1;
        self.out.push_back(Output::Request { id, request });
        id
    }
}

/// Rebuilt signatures by (validator, signing root).
pub(crate) type Rebuilt = BTreeMap<(u64, [u8; 32]), [u8; 96]>;

/// Which partial-signature container.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub(crate) enum Phase {
    Pre,
    Post,
}

/// The state of the running (or last) duty (ssv-spec `State`).
#[derive(Clone, Debug)]
pub(crate) struct RunState {
    pub duty: Duty,
    pub pre: PartialSigContainer,
    pub post: PartialSigContainer,
    /// The height of the QBFT instance this duty started, once started.
    pub instance: Option<u64>,
    pub decided: Option<FullData>,
    pub finished: bool,
    /// When our QBFT instance started (for the start-to-decided time).
    pub started_at: Option<Timestamp>,
}

/// ssv-spec `BaseRunner`.
#[derive(Clone)]
pub(crate) struct Base {
    pub role: Role,
    pub setup: Arc<Setup>,
    pub shares: Arc<BTreeMap<u64, Share>>,
    pub msg_id: MessageId,
    pub controller: Option<Controller<SsvQbft>>,
    pub value_check: Option<ValueCheck>,
    pub state: Option<RunState>,
    pub highest_decided_slot: u64,
    /// Validator keys already parsed and group-checked, sorted by their bytes
    /// (a memo of `public_key_from_bytes`: the same bytes always give the same
    /// key). A sorted list: most runners hold one key, and a map's first tree
    /// node would take 1.6 kB.
    parsed_keys: Vec<([u8; 48], PublicKey)>,
}

impl std::fmt::Debug for Base {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Base")
            .field("role", &self.role)
            .field("validators", &self.shares.keys().collect::<Vec<_>>())
            .field("state", &self.state)
            .finish_non_exhaustive()
    }
}

impl Base {
    pub fn new(
        role: Role,
        setup: Arc<Setup>,
        shares: impl Into<Arc<BTreeMap<u64, Share>>>,
        msg_id: MessageId,
        value_check: Option<ValueCheck>,
    ) -> Self {
        let controller = value_check.as_ref().map(|vc| {
            let ctx = setup.qbft.clone().with_value_check(Arc::clone(vc));
            Controller::new(
                ctx,
                ControllerConfig {
                    instance: setup.instance.clone(),
                    identifier: msg_id.as_bytes().to_vec(),
                    max_instances: setup.max_instances,
                    pending_limit: setup.pending_limit,
                },
            )
        });
        Base {
            role,
            setup,
            shares: shares.into(),
            msg_id,
            controller,
            value_check,
            state: None,
            highest_decided_slot: 0,
            parsed_keys: Vec::new(),
        }
    }

    /// `validator`'s public key, parsed and group-checked once per runner.
    fn validator_key(&mut self, validator: u64) -> Result<PublicKey, ReconstructError> {
        let bytes = self
            .shares
            .get(&validator)
            .map(|s| s.validator_pubkey)
            .ok_or(ReconstructError::Missing)?;
        match self.parsed_keys.binary_search_by(|(b, _)| b.cmp(&bytes)) {
            Ok(i) => Ok(self.parsed_keys[i].1),
            Err(i) => {
                let pk = public_key_from_bytes(&bytes).map_err(ReconstructError::Threshold)?;
                self.parsed_keys.insert(i, (bytes, pk));
                Ok(pk)
            }
        }
    }

    pub fn has_running_duty(&self) -> bool {
        self.state.as_ref().is_some_and(|s| !s.finished)
    }

    pub fn state_mut(&mut self) -> Result<&mut RunState, RunnerError> {
        self.state.as_mut().ok_or(RunnerError::NoRunningDuty)
    }

    /// ssv-spec `ShouldProcessDuty`: the controller must not be past the slot.
    pub fn should_process_duty(&self, slot: u64) -> Result<(), RunnerError> {
        let height = self.controller.as_ref().map_or(0, Controller::height);
        if height >= slot && height != 0 {
            return Err(RunnerError::DutyAlreadyPassed {
                slot,
                current: height,
            });
        }
        Ok(())
    }

    /// ssv-spec `ShouldProcessNonBeaconDuty`: the last duty's slot must be earlier.
    pub fn should_process_non_beacon_duty(&self, slot: u64) -> Result<(), RunnerError> {
        if let Some(s) = &self.state {
            if s.duty.slot() >= slot {
                return Err(RunnerError::DutyAlreadyPassed {
                    slot,
                    current: s.duty.slot(),
                });
            }
        }
        Ok(())
    }

    pub fn setup_duty(&mut self, duty: Duty) {
        let q = self.setup.quorum();
        self.state = Some(RunState {
            duty,
            pre: PartialSigContainer::new(q),
            post: PartialSigContainer::new(q),
            instance: None,
            decided: None,
            finished: false,
            started_at: None,
        });
    }

    /// Forwards what the controller produced; returns a decision, if one came.
    fn drain_controller(&mut self, step: &mut Step<'_>) -> Option<(u64, FullData)> {
        let mut decided = None;
        let c = self.controller.as_mut()?;
        while let Some(o) = c.poll_output() {
            match o {
                qbft_core::ControllerOutput::Broadcast { message, .. } => {
                    step.out.push_back(Output::Broadcast {
                        message: encode_outgoing(&message),
                        full_data: message
                            .full_data
                            .as_deref()
                            .map(<[u8]>::to_vec)
                            .unwrap_or_default(),
                    });
                }
                qbft_core::ControllerOutput::BroadcastDecided(m) => {
                    step.out
                        .push_back(Output::BroadcastSigned(Box::new(to_wire(&m))));
                }
                qbft_core::ControllerOutput::Decided { height, value, .. } => {
                    decided = Some((height, value));
                }
                qbft_core::ControllerOutput::RoundTimerSet { .. } => {}
            }
        }
        decided
    }

    /// Round timers.
    pub fn tick(&mut self, step: &mut Step<'_>) -> Option<(u64, FullData)> {
        let now = step.now;
        if let Some(c) = self.controller.as_mut() {
            if c.poll_timeout().is_some_and(|d| d <= now) {
                let _ = c.handle(now, qbft_core::ControllerInput::Tick);
            }
        }
        self.drain_controller(step)
    }

    pub fn poll_timeout(&self) -> Option<Timestamp> {
        self.controller.as_ref().and_then(Controller::poll_timeout)
    }

    /// ssv-spec `decide`: checks our value and starts the instance at `slot`.
    pub fn decide(
        &mut self,
        step: &mut Step<'_>,
        slot: u64,
        value: Vec<u8>,
    ) -> Result<(), RunnerError> {
        let value: FullData = Arc::from(value);
        if let Some(vc) = &self.value_check {
            vc(&value).map_err(value_check_error)?;
        }
        let c = self
            .controller
            .as_mut()
            .ok_or(RunnerError::NoConsensusPhase)?;
        c.handle(
            step.now,
            qbft_core::ControllerInput::Start {
                height: slot,
                value,
            },
        )
        .map_err(RunnerError::Qbft)?;
        let state = self.state_mut()?;
        state.instance = Some(slot);
        state.started_at = Some(step.now);
        // Our own start cannot decide (a decision needs others' commits).
        let _ = self.drain_controller(step);
        Ok(())
    }

    fn running_instance_decided(&self) -> bool {
        let (Some(s), Some(c)) = (&self.state, &self.controller) else {
            return false;
        };
        s.instance
            .and_then(|h| c.instance(h))
            .is_some_and(|i| i.decided().is_some())
    }

    /// ssv-spec `baseConsensusMsgProcessing`: returns the decided value when this
    /// message decided the running duty's instance.
    pub fn process_consensus(
        &mut self,
        step: &mut Step<'_>,
        msg: Arc<SsvSignedMessage>,
    ) -> Result<Option<FullData>, RunnerError> {
        if self.has_running_duty() && self.running_instance_decided() {
            return Err(RunnerError::ConsensusFinished);
        }
        let c = self
            .controller
            .as_mut()
            .ok_or(RunnerError::NoConsensusPhase)?;
        c.handle(step.now, qbft_core::ControllerInput::Message(msg))
            .map_err(RunnerError::Qbft)?;
        let decided = self.drain_controller(step);
        if !self.has_running_duty() {
            return Ok(None);
        }
        let Some((height, value)) = decided else {
            return Ok(None);
        };
        let state = self.state_mut()?;
        if state.instance != Some(height) {
            return Err(RunnerError::DecidedWrongInstance);
        }
        if let Some(vc) = &self.value_check {
            vc(&value).map_err(value_check_error)?;
        }
        let state = self.state_mut()?;
        state.decided = Some(Arc::clone(&value));
        let slot = state.duty.slot();
        let elapsed_ms = state.started_at.map(|t| step.now.0.saturating_sub(t.0));
        self.highest_decided_slot = slot;
        step.out.push_back(Output::Decided {
            role: self.role,
            slot,
            elapsed_ms,
        });
        Ok(Some(value))
    }

    /// ssv-spec `validatePartialSigMsgForSlot`.
    pub fn validate_partial_slot(
        &self,
        msgs: &PartialSignatureMessages,
        slot: u64,
    ) -> Result<(), RunnerError> {
        msgs.validate()?;
        if msgs.slot < slot {
            return Err(RunnerError::PartialSigPastSlot {
                got: msgs.slot,
                want: slot,
            });
        }
        if msgs.slot > slot {
            return Err(RunnerError::PartialSigFutureSlot {
                got: msgs.slot,
                want: slot,
            });
        }
        let signer = msgs.messages.first().map_or(0, |m| m.signer);
        let committee = self
            .shares
            .values()
            .next()
            .map(|s| &s.committee)
            .ok_or(RunnerError::NoValidatorShares)?;
        if !committee.iter().any(|m| m.signer == signer) {
            return Err(RunnerError::UnknownSigner);
        }
        Ok(())
    }

    /// ssv-spec `validateValidatorIndexInPartialSigMsg`.
    pub fn validate_indices(&self, msgs: &PartialSignatureMessages) -> Result<(), RunnerError> {
        if msgs
            .messages
            .iter()
            .any(|m| !self.shares.contains_key(&m.validator_index))
        {
            return Err(RunnerError::UnknownValidatorIndex);
        }
        Ok(())
    }

    /// ssv-spec `verifyExpectedRoot`: the message's roots, sorted, equal the
    /// expected signing roots, sorted.
    pub fn verify_expected_roots(
        msgs: &PartialSignatureMessages,
        mut expected: Vec<[u8; 32]>,
    ) -> Result<(), RunnerError> {
        if expected.len() != msgs.messages.len() {
            return Err(RunnerError::WrongRootsCount);
        }
        expected.sort_unstable();
        let mut got: Vec<[u8; 32]> = msgs.messages.iter().map(|m| m.signing_root).collect();
        got.sort_unstable();
        if got != expected {
            return Err(RunnerError::WrongSigningRoot);
        }
        Ok(())
    }

    fn container(&mut self, phase: Phase) -> Option<&mut PartialSigContainer> {
        let s = self.state.as_mut()?;
        Some(match phase {
            Phase::Pre => &mut s.pre,
            Phase::Post => &mut s.post,
        })
    }

    fn member_key(&self, validator: u64, signer: u64) -> Option<[u8; 48]> {
        self.shares
            .get(&validator)?
            .committee
            .iter()
            .find(|m| m.signer == signer)
            .map(|m| m.share_pubkey)
    }

    /// Whether `sig` is `signer`'s valid partial signature of `root` for `validator`.
    fn partial_valid(&self, validator: u64, signer: u64, root: &[u8; 32], sig: &[u8; 96]) -> bool {
        let Some(pk) = self.member_key(validator, signer) else {
            return false;
        };
        match (public_key_from_bytes(&pk), signature_from_bytes(sig)) {
            (Ok(pk), Ok(sig)) => verify_checked_key(&pk, root, &sig),
            _ => false,
        }
    }

    /// ssv-spec `basePartialSigMsgProcessing`: adds each partial signature (a
    /// repeated one replaces the stored one only if the stored one is invalid and
    /// the new one valid) and returns the roots that reached quorum with it.
    pub fn add_partials(&mut self, phase: Phase, msgs: &PartialSignatureMessages) -> Vec<[u8; 32]> {
        let mut roots = Vec::new();
        for m in &msgs.messages {
            let Some(c) = self.container(phase) else {
                return roots;
            };
            let before = c.has_quorum(m.validator_index, &m.signing_root);
            let outcome = c.add(m.validator_index, m.signing_root, m.signer, m.signature);
            if outcome != AddOutcome::Added {
                self.resolve_duplicate(phase, m);
            }
            let Some(c) = self.container(phase) else {
                return roots;
            };
            if c.has_quorum(m.validator_index, &m.signing_root) && !before {
                roots.push(m.signing_root);
            }
        }
        roots
    }

    /// ssv-spec `resolveDuplicateSignature`.
    fn resolve_duplicate(&mut self, phase: Phase, m: &PartialSignature) {
        let (v, root, signer) = (m.validator_index, m.signing_root, m.signer);
        let previous = self
            .container(phase)
            .and_then(|c| c.signatures(v, &root).and_then(|s| s.get(&signer).copied()));
        if let Some(prev) = previous {
            if self.partial_valid(v, signer, &root, &prev) {
                return;
            }
        }
        let valid = self.partial_valid(v, signer, &root, &m.signature);
        if let Some(c) = self.container(phase) {
            c.remove(v, &root, signer);
            if valid {
                c.add(v, root, signer, m.signature);
            }
        }
    }

    /// ssv-spec `FallBackAndVerifyEachSignature`: drops the invalid partials.
    pub fn drop_invalid(&mut self, phase: Phase, validator: u64, root: &[u8; 32]) {
        let stored: Vec<(u64, [u8; 96])> = self
            .container(phase)
            .and_then(|c| c.signatures(validator, root))
            .map(|s| s.iter().map(|(k, v)| (*k, *v)).collect())
            .unwrap_or_default();
        for (signer, sig) in stored {
            if !self.partial_valid(validator, signer, root, &sig) {
                if let Some(c) = self.container(phase) {
                    c.remove(validator, root, signer);
                }
            }
        }
    }

    pub fn has_quorum(&mut self, phase: Phase, validator: u64, root: &[u8; 32]) -> bool {
        self.container(phase)
            .is_some_and(|c| c.has_quorum(validator, root))
    }

    /// Rebuilds the signatures of several `(validator, root)` at once, checked
    /// in one batch ([`PartialSigContainer::reconstruct_batch`]). `None` when
    /// there are fewer than two, or any fails: the caller then rebuilds one by
    /// one with [`Self::reconstruct`], which gives the same results and errors
    /// as before (a batch that holds means each would have verified alone).
    pub fn reconstruct_batch(
        &mut self,
        phase: Phase,
        items: &[(u64, [u8; 32])],
    ) -> Option<Rebuilt> {
        if items.len() < 2 {
            return None;
        }
        let pks: Vec<_> = items
            .iter()
            .map(|(v, _)| self.validator_key(*v).ok())
            .collect::<Option<_>>()?;
        let batch: Vec<(u64, [u8; 32], &_)> = items
            .iter()
            .zip(&pks)
            .map(|((v, root), pk)| (*v, *root, pk))
            .collect();
        let sigs = self.container(phase)?.reconstruct_batch(&batch)?;
        Some(
            items
                .iter()
                .zip(sigs)
                .map(|(key, sig)| (*key, sig.to_bytes()))
                .collect(),
        )
    }

    /// Rebuilds `validator`'s signature of `root`; on failure drops the invalid
    /// partials of every root in `fallback_roots`.
    pub fn reconstruct(
        &mut self,
        phase: Phase,
        validator: u64,
        root: &[u8; 32],
        fallback_roots: &BTreeSet<[u8; 32]>,
    ) -> Result<[u8; 96], ReconstructError> {
        let pk = self.validator_key(validator)?;
        let result = self
            .container(phase)
            .ok_or(ReconstructError::Missing)
            .and_then(|c| c.reconstruct(validator, root, &pk));
        match result {
            Ok(sig) => Ok(sig.to_bytes()),
            Err(e) => {
                for r in fallback_roots {
                    self.drop_invalid(phase, validator, r);
                }
                Err(e)
            }
        }
    }

    /// Our operator ID.
    pub fn operator_id(&self) -> u64 {
        self.setup.operator_id
    }

    /// Emits our partial signatures as a partial-signature message.
    pub fn broadcast_partials(
        &self,
        step: &mut Step<'_>,
        kind: PartialSigKind,
        slot: u64,
        items: &[SignItem],
        signatures: &[[u8; 96]],
    ) {
        let msgs = PartialSignatureMessages {
            kind,
            slot,
            messages: items
                .iter()
                .zip(signatures)
                .map(|(item, sig)| PartialSignature {
                    signature: *sig,
                    signing_root: item.signing_root,
                    signer: self.operator_id(),
                    validator_index: item.validator_index,
                })
                .collect(),
        };
        step.out.push_back(Output::Broadcast {
            message: SsvMessage {
                msg_type: SsvMsgType::PartialSignature,
                msg_id: self.msg_id,
                data: msgs.encode(),
            },
            full_data: Vec::new(),
        });
    }

    /// A signing item for `validator`'s share.
    pub fn sign_item(
        &self,
        validator: u64,
        domain_type: crate::runner::chain::DomainType,
        epoch: u64,
        object_root: [u8; 32],
    ) -> Option<SignItem> {
        let share = self.shares.get(&validator)?;
        let domain = self.setup.chain.domain(domain_type, epoch);
        Some(SignItem {
            validator_index: validator,
            share_pubkey: share.share_pubkey,
            domain_type,
            object_root,
            signing_root: crate::signing::signing_root(object_root, domain),
        })
    }

    /// The signing root of `object_root` in `domain_type` at `epoch`.
    pub fn signing_root(
        &self,
        domain_type: crate::runner::chain::DomainType,
        epoch: u64,
        object_root: [u8; 32],
    ) -> [u8; 32] {
        crate::signing::signing_root(object_root, self.setup.chain.domain(domain_type, epoch))
    }
}

/// Maps a value-check refusal back to the runner's error.
pub(crate) fn value_check_error(e: qbft_core::External) -> RunnerError {
    match e
        .0
        .downcast_ref::<crate::duty::value_check::ValueCheckError>()
    {
        Some(v) => RunnerError::ValueCheck(*v),
        None => RunnerError::Qbft(qbft_core::Error::InvalidValue(e)),
    }
}
