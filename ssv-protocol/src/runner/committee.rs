//! The committee runner (ssv-spec `CommitteeRunner`): one QBFT instance per
//! committee and slot decides a `BeaconVote`; every operator then signs the
//! attestation or sync-committee message of each validator duty and sends them in
//! one post-consensus message; at quorum each signature is rebuilt and submitted.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use tree_hash::TreeHash;

use crate::consensus::SsvSignedMessage;
use crate::roles::BeaconRole;
use crate::runner::base::{Base, Phase, Step};
use crate::runner::chain::{DOMAIN_ATTESTER, DOMAIN_SYNC_COMMITTEE};
use crate::runner::duty::{CommitteeDuty, Duty};
use crate::runner::error::RunnerError;
use crate::runner::io::{Request, RequestId, Response, SignItem, SlashingRecord, Submission};
use crate::runner::objects::{attestation_data, attestation_submission, sync_message_submission};
use crate::runner::proposer::validate_post_decided;
use crate::runner::Output;
use crate::wire::{BeaconVote, Checkpoint, PartialSigKind, PartialSignatureMessages, Role};

/// What a committee runner waits for.
#[derive(Clone, Debug)]
enum Waiting {
    Nothing,
    AttestationData(RequestId),
    Recorded(RequestId, Vec<SignItem>),
    Signatures(RequestId, Vec<SignItem>),
}

/// What a post-consensus root is for.
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    Attestation,
    Sync,
}

/// Post-consensus signing roots: by root, what they sign for which validators.
type ExpectedRoots = BTreeMap<[u8; 32], Vec<(Kind, u64)>>;

#[derive(Clone, Debug)]
pub(crate) struct CommitteeRunner {
    pub base: Base,
    waiting: Waiting,
    submitted: BTreeSet<(Kind, u64)>,
}

impl CommitteeRunner {
    pub fn new(base: Base) -> Self {
        CommitteeRunner {
            base,
            waiting: Waiting::Nothing,
            submitted: BTreeSet::new(),
        }
    }

    fn duty(&self) -> Option<&CommitteeDuty> {
        match self.base.state.as_ref().map(|s| &s.duty) {
            Some(Duty::Committee(d)) => Some(d),
            _ => None,
        }
    }

    /// ssv-spec `StartNewDuty` and `executeDuty`: asks for attestation data.
    pub fn start(&mut self, step: &mut Step<'_>, duty: CommitteeDuty) -> Result<(), RunnerError> {
        self.base.should_process_duty(duty.slot)?;
        let slot = duty.slot;
        self.base.setup_duty(Duty::Committee(duty));
        self.submitted.clear();
        let id = step.request(Request::AttestationData { slot });
        self.waiting = Waiting::AttestationData(id);
        Ok(())
    }

    pub fn on_response(
        &mut self,
        step: &mut Step<'_>,
        id: RequestId,
        response: Response,
    ) -> Result<(), RunnerError> {
        let waiting = std::mem::replace(&mut self.waiting, Waiting::Nothing);
        match (waiting, response) {
            (Waiting::AttestationData(w), Response::AttestationData(data)) if w == id => {
                let vote = BeaconVote {
                    block_root: fixed32(&data.beacon_block_root),
                    source: Checkpoint {
                        epoch: data.source.epoch,
                        root: fixed32(&data.source.root),
                    },
                    target: Checkpoint {
                        epoch: data.target.epoch,
                        root: fixed32(&data.target.root),
                    },
                };
                let slot = self.duty().map_or(0, |d| d.slot);
                self.base.decide(step, slot, vote.encode())
            }
            (Waiting::Recorded(w, items), Response::Recorded) if w == id => {
                let id = step.request(Request::Sign(items.clone()));
                self.waiting = Waiting::Signatures(id, items);
                Ok(())
            }
            (Waiting::Recorded(w, _), Response::Slashable) if w == id => {
                Err(RunnerError::Slashable)
            }
            (Waiting::Signatures(w, items), Response::Signatures(sigs))
                if w == id && sigs.len() == items.len() =>
            {
                let slot = self.duty().map_or(0, |d| d.slot);
                self.base.broadcast_partials(
                    step,
                    PartialSigKind::PostConsensus,
                    slot,
                    &items,
                    &sigs,
                );
                Ok(())
            }
            (w, Response::Failed(reason)) if waiting_id(&w) == Some(id) => {
                Err(RunnerError::RequestFailed { id, reason })
            }
            (w, _) => {
                self.waiting = w;
                Err(RunnerError::UnexpectedResponse(id))
            }
        }
    }

    /// ssv-spec `ProcessConsensus`: after the decision, signs every duty's object.
    pub fn process_consensus(
        &mut self,
        step: &mut Step<'_>,
        msg: Arc<SsvSignedMessage>,
    ) -> Result<(), RunnerError> {
        let Some(value) = self.base.process_consensus(step, msg)? else {
            return Ok(());
        };
        self.after_decided(step, &value)
    }

    pub fn after_decided(&mut self, step: &mut Step<'_>, value: &[u8]) -> Result<(), RunnerError> {
        let vote = BeaconVote::decode(value).map_err(|_| {
            RunnerError::ValueCheck(crate::duty::value_check::ValueCheckError::DecodeBeaconVote)
        })?;
        let Some(duty) = self.duty().cloned() else {
            return Ok(());
        };
        let chain = Arc::clone(&self.base.setup.chain);
        let version = chain.data_version(chain.epoch(duty.slot));
        let mut items = Vec::new();
        let mut records = Vec::new();
        for vd in &duty.validator_duties {
            let epoch = chain.epoch(vd.slot);
            let item = match BeaconRole::from_u64(vd.role) {
                BeaconRole::Attester => {
                    let data = attestation_data(&vote, vd, version);
                    let item = self.base.sign_item(
                        vd.validator_index,
                        DOMAIN_ATTESTER,
                        epoch,
                        data.tree_hash_root().0,
                    );
                    if let Some(i) = &item {
                        records.push(SlashingRecord::Attestation {
                            share_pubkey: i.share_pubkey,
                            source_epoch: vote.source.epoch,
                            target_epoch: vote.target.epoch,
                            signing_root: i.signing_root,
                        });
                    }
                    item
                }
                BeaconRole::SyncCommittee => self.base.sign_item(
                    vd.validator_index,
                    DOMAIN_SYNC_COMMITTEE,
                    epoch,
                    vote.block_root,
                ),
                _ => None,
            };
            items.extend(item);
        }
        if records.is_empty() {
            let id = step.request(Request::Sign(items.clone()));
            self.waiting = Waiting::Signatures(id, items);
        } else {
            let id = step.request(Request::RecordSlashing(records));
            self.waiting = Waiting::Recorded(id, items);
        }
        Ok(())
    }

    /// The expected post-consensus roots: by root, the validators and what for.
    fn expected_roots(&self) -> Result<ExpectedRoots, RunnerError> {
        let mut map: BTreeMap<[u8; 32], Vec<(Kind, u64)>> = BTreeMap::new();
        let (Some(duty), Some(value)) = (
            self.duty(),
            self.base.state.as_ref().and_then(|s| s.decided.clone()),
        ) else {
            return Ok(map);
        };
        let vote = BeaconVote::decode(&value).map_err(|_| RunnerError::NoDecidedValue)?;
        let chain = &self.base.setup.chain;
        let epoch = chain.epoch(duty.slot);
        let version = chain.data_version(epoch);
        for vd in &duty.validator_duties {
            match BeaconRole::from_u64(vd.role) {
                BeaconRole::Attester => {
                    let data = attestation_data(&vote, vd, version);
                    let r = self
                        .base
                        .signing_root(DOMAIN_ATTESTER, epoch, data.tree_hash_root().0);
                    map.entry(r)
                        .or_default()
                        .push((Kind::Attestation, vd.validator_index));
                }
                BeaconRole::SyncCommittee => {
                    let r = self
                        .base
                        .signing_root(DOMAIN_SYNC_COMMITTEE, epoch, vote.block_root);
                    map.entry(r)
                        .or_default()
                        .push((Kind::Sync, vd.validator_index));
                }
                _ => {}
            }
        }
        Ok(map)
    }

    /// ssv-spec `ValidatePostConsensusMsg` for the committee roles.
    pub fn validate_post(base: &Base, msgs: &PartialSignatureMessages) -> Result<(), RunnerError> {
        validate_post_decided(base)?;
        let slot = base.state.as_ref().map_or(0, |s| s.duty.slot());
        base.validate_partial_slot(msgs, slot)
    }

    /// The validators whose signature `root` completes, and their kind:
    /// attestations take precedence over sync messages with the same root, as in
    /// ssv-spec `findValidators`. Sorted; none for a root not expected.
    fn targets(expected: &ExpectedRoots, root: &[u8; 32]) -> (Kind, Vec<u64>) {
        let Some(targets) = expected.get(root) else {
            return (Kind::Attestation, Vec::new());
        };
        let kind = if targets.iter().any(|(k, _)| *k == Kind::Attestation) {
            Kind::Attestation
        } else {
            Kind::Sync
        };
        let mut validators: Vec<u64> = targets
            .iter()
            .filter(|(k, _)| *k == kind)
            .map(|(_, v)| *v)
            .collect();
        validators.sort_unstable();
        (kind, validators)
    }

    /// ssv-spec `ProcessPostConsensus`.
    pub fn process_post(
        &mut self,
        step: &mut Step<'_>,
        msgs: &PartialSignatureMessages,
    ) -> Result<(), RunnerError> {
        Self::validate_post(&self.base, msgs)?;
        let roots: BTreeSet<[u8; 32]> = self
            .base
            .add_partials(Phase::Post, msgs)
            .into_iter()
            .collect();
        if roots.is_empty() {
            return Ok(());
        }
        let expected = self.expected_roots()?;
        let Some(duty) = self.duty().cloned() else {
            return Ok(());
        };
        let value = self
            .base
            .state
            .as_ref()
            .and_then(|s| s.decided.clone())
            .ok_or(RunnerError::NoDecidedValue)?;
        let vote = BeaconVote::decode(&value).map_err(|_| RunnerError::NoDecidedValue)?;
        let chain = Arc::clone(&self.base.setup.chain);
        let version = chain.data_version(chain.epoch(duty.slot));
        let mut any_err = None;
        let mut to_submit: BTreeMap<(Kind, u64), Submission> = BTreeMap::new();
        // Every signature this message completes, checked in one batch first; a
        // batch that does not hold leaves the one-by-one path below as it was.
        let mut wanted = Vec::new();
        for root in &roots {
            let (kind, validators) = Self::targets(&expected, root);
            for v in validators {
                if self.base.has_quorum(Phase::Post, v, root)
                    && !self.submitted.contains(&(kind, v))
                {
                    wanted.push((v, *root));
                }
            }
        }
        let batch = self.base.reconstruct_batch(Phase::Post, &wanted);
        for root in &roots {
            let (kind, validators) = Self::targets(&expected, root);
            for v in validators {
                if !self.base.has_quorum(Phase::Post, v, root)
                    || self.submitted.contains(&(kind, v))
                {
                    continue;
                }
                let rebuilt = match batch.as_ref().and_then(|b| b.get(&(v, *root))) {
                    Some(sig) => Ok(*sig),
                    None => self.base.reconstruct(Phase::Post, v, root, &roots),
                };
                let sig = match rebuilt {
                    Ok(sig) => sig,
                    Err(e) => {
                        any_err = Some(RunnerError::Reconstruct(e));
                        continue;
                    }
                };
                let submission = match kind {
                    Kind::Attestation => {
                        let Some(vd) = crate::runner::find_duty(&duty.validator_duties, v, 0)
                        else {
                            continue;
                        };
                        let Some(s) = attestation_submission(
                            attestation_data(&vote, vd, version),
                            vd,
                            version,
                            &sig,
                        ) else {
                            continue;
                        };
                        s
                    }
                    Kind::Sync => {
                        sync_message_submission(duty.slot, vote.block_root, v, version, &sig)
                    }
                };
                to_submit.insert((kind, v), submission);
            }
        }
        for (key, submission) in to_submit {
            step.out.push_back(Output::Submit(submission));
            self.submitted.insert(key);
        }
        if let Some(e) = any_err {
            return Err(e);
        }
        let all = expected
            .values()
            .flatten()
            .all(|k| self.submitted.contains(k));
        if all {
            if let Some(s) = self.base.state.as_mut() {
                s.finished = true;
            }
            step.out.push_back(Output::DutyFinished {
                role: Role::Committee,
                slot: duty.slot,
            });
        }
        Ok(())
    }
}

fn waiting_id(w: &Waiting) -> Option<RequestId> {
    match w {
        Waiting::Nothing => None,
        Waiting::AttestationData(id) | Waiting::Recorded(id, _) | Waiting::Signatures(id, _) => {
            Some(*id)
        }
    }
}

/// A 32-byte SSZ vector as an array.
pub(crate) fn fixed32(v: &[u8]) -> [u8; 32] {
    let mut out = [0u8; 32];
    if v.len() == 32 {
        out.copy_from_slice(v);
    }
    out
}
