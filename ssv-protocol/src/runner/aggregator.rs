//! The aggregator committee runner (ssv-spec `AggregatorCommitteeRunner`): the
//! committee's aggregators and sync contributors exchange selection proofs; the
//! validators selected get their aggregates and contributions from the beacon
//! node; QBFT decides the set; each operator signs the aggregate-and-proofs and
//! contribution-and-proofs; at quorum the signatures are rebuilt and submitted.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use ssz::{Decode, Encode};
use tree_hash::TreeHash;

use crate::beacon::aggregator_data::{AggregatorCommitteeConsensusData, AssignedAggregator};
use crate::beacon::altair::SyncCommitteeContribution;
use crate::beacon::consensus_data::DataVersion;
use crate::beacon::signed::{bls_signature, ContributionAndProof, VersionedAggregateAndProof};
use crate::consensus::SsvSignedMessage;
use crate::duty::value_check::ValueCheckError;
use crate::roles::BeaconRole;
use crate::runner::aggregation_objects::{
    aggregate_and_proof, aggregate_submission, contribution_submission, sync_selection_root,
};
use crate::runner::base::{Base, Phase, Step};
use crate::runner::chain::{
    ChainSpec, DOMAIN_AGGREGATE_AND_PROOF, DOMAIN_CONTRIBUTION_AND_PROOF, DOMAIN_SELECTION_PROOF,
    DOMAIN_SYNC_COMMITTEE_SELECTION_PROOF,
};
use crate::runner::committee::CommitteeRunner;
use crate::runner::duty::{AggregatorCommitteeDuty, Duty};
use crate::runner::error::RunnerError;
use crate::runner::io::{AggregationNeeds, Request, RequestId, Response, SignItem, Submission};
use crate::runner::{find_duty, Output};
use crate::wire::merkle::u64_root;
use crate::wire::{PartialSigKind, PartialSignatureMessages, Role};

/// Selection-proof roots of aggregators, by validator.
type AggregatorRoots = BTreeMap<u64, [u8; 32]>;
/// Selection-proof roots of sync contributors, by validator and sync position.
type ContributorRoots = BTreeMap<u64, BTreeMap<u64, [u8; 32]>>;

const AGGREGATOR: u64 = 1;
const CONTRIBUTOR: u64 = 4;

/// A validator found to aggregate, in the order the consensus data lists them.
#[derive(Clone, Debug)]
enum Selected {
    Aggregator {
        validator: u64,
        proof: [u8; 96],
        committee_index: u64,
    },
    Contributor {
        validator: u64,
        proof: [u8; 96],
        subnet: u64,
    },
}

#[derive(Clone, Debug)]
enum Waiting {
    Nothing,
    PreSignatures(RequestId, Vec<SignItem>),
    Aggregation(RequestId, Vec<Selected>),
    PostSignatures(RequestId, Vec<SignItem>),
}

/// What a post-consensus root is for.
#[derive(Clone, Debug)]
enum PostObject {
    Aggregate(DataVersion, Box<VersionedAggregateAndProof>),
    Contribution(Box<ContributionAndProof>),
}

#[derive(Clone, Debug)]
pub(crate) struct AggregatorRunner {
    pub base: Base,
    waiting: Waiting,
    submitted: BTreeSet<(u64, u64, [u8; 32])>,
    seen_signers: BTreeSet<u64>,
    checked: BTreeSet<(u64, [u8; 32])>,
}

impl AggregatorRunner {
    pub fn new(base: Base) -> Self {
        AggregatorRunner {
            base,
            waiting: Waiting::Nothing,
            submitted: BTreeSet::new(),
            seen_signers: BTreeSet::new(),
            checked: BTreeSet::new(),
        }
    }

    fn duty(&self) -> Option<&AggregatorCommitteeDuty> {
        match self.base.state.as_ref().map(|s| &s.duty) {
            Some(Duty::AggregatorCommittee(d)) => Some(d),
            _ => None,
        }
    }

    fn chain(&self) -> Arc<ChainSpec> {
        Arc::clone(&self.base.setup.chain)
    }

    /// ssv-spec `StartNewDuty` and `executeDuty`: signs the selection proofs.
    pub fn start(
        &mut self,
        step: &mut Step<'_>,
        duty: AggregatorCommitteeDuty,
    ) -> Result<(), RunnerError> {
        self.base.should_process_duty(duty.slot)?;
        let slot = duty.slot;
        self.base
            .setup_duty(Duty::AggregatorCommittee(duty.clone()));
        self.submitted.clear();
        self.seen_signers.clear();
        self.checked.clear();
        duty.validate(|v| self.base.shares.contains_key(&v))?;
        let epoch = self.chain().epoch(slot);
        let mut items = Vec::new();
        for vd in &duty.validator_duties {
            if !self.base.shares.contains_key(&vd.validator_index) {
                continue;
            }
            match vd.role {
                AGGREGATOR => items.extend(self.base.sign_item(
                    vd.validator_index,
                    DOMAIN_SELECTION_PROOF,
                    epoch,
                    u64_root(slot),
                )),
                _ => {
                    let mut seen = BTreeSet::new();
                    for index in vd.validator_sync_committee_indices.iter() {
                        let subnet = self.base.setup.chain.sync_subnet(*index);
                        if !seen.insert(subnet) {
                            continue;
                        }
                        items.extend(self.base.sign_item(
                            vd.validator_index,
                            DOMAIN_SYNC_COMMITTEE_SELECTION_PROOF,
                            epoch,
                            sync_selection_root(slot, subnet),
                        ));
                    }
                }
            }
        }
        if items.is_empty() {
            if let Some(s) = self.base.state.as_mut() {
                s.finished = true;
            }
            return Ok(());
        }
        let id = step.request(Request::Sign(items.clone()));
        self.waiting = Waiting::PreSignatures(id, items);
        Ok(())
    }

    fn consensus_started(&self) -> bool {
        self.base
            .state
            .as_ref()
            .is_some_and(|s| s.instance.is_some() || s.decided.is_some())
    }

    fn seen_all_signers(&self) -> bool {
        self.seen_signers.len() >= self.base.setup.members().len()
    }

    /// The expected selection-proof roots: aggregators by validator, and
    /// contributors by validator and sync-committee position.
    fn expected_pre_roots(&self) -> (AggregatorRoots, ContributorRoots) {
        let mut aggregators = BTreeMap::new();
        let mut contributors: BTreeMap<u64, BTreeMap<u64, [u8; 32]>> = BTreeMap::new();
        let Some(duty) = self.duty() else {
            return (aggregators, contributors);
        };
        let epoch = self.chain().epoch(duty.slot);
        for vd in &duty.validator_duties {
            if vd.role == AGGREGATOR {
                aggregators.insert(
                    vd.validator_index,
                    self.base
                        .signing_root(DOMAIN_SELECTION_PROOF, epoch, u64_root(duty.slot)),
                );
            } else {
                let entry = contributors.entry(vd.validator_index).or_default();
                for index in vd.validator_sync_committee_indices.iter() {
                    let subnet = self.base.setup.chain.sync_subnet(*index);
                    entry.insert(
                        *index,
                        self.base.signing_root(
                            DOMAIN_SYNC_COMMITTEE_SELECTION_PROOF,
                            epoch,
                            sync_selection_root(duty.slot, subnet),
                        ),
                    );
                }
            }
        }
        (aggregators, contributors)
    }

    /// ssv-spec `ProcessPreConsensus`.
    pub fn process_pre(
        &mut self,
        step: &mut Step<'_>,
        msgs: &PartialSignatureMessages,
    ) -> Result<(), RunnerError> {
        // In the spec the aggregation fetch and the consensus start happen at
        // once on quorum; here the fetch is answered later (at 2/3 of the slot),
        // and a late selection proof meanwhile must neither finish the duty nor
        // ask again.
        if self.consensus_started() || matches!(self.waiting, Waiting::Aggregation(..)) {
            return Ok(());
        }
        if let Some(m) = msgs.messages.first() {
            self.seen_signers.insert(m.signer);
        }
        if !self.base.has_running_duty() {
            return Err(RunnerError::NoRunningDuty);
        }
        let slot = self.duty().map_or(0, |d| d.slot);
        self.base.validate_partial_slot(msgs, slot)?;
        let roots: BTreeSet<[u8; 32]> = self
            .base
            .add_partials(Phase::Pre, msgs)
            .into_iter()
            .collect();
        if roots.is_empty() {
            if self.seen_all_signers() {
                self.finish_quietly();
            }
            return Ok(());
        }
        let (aggregators, contributors) = self.expected_pre_roots();
        let Some(duty) = self.duty().cloned() else {
            return Ok(());
        };
        let mut selected = Vec::new();
        let mut any_err = None;
        for root in &roots {
            let mut found: Vec<(u64, Option<u64>)> = aggregators
                .iter()
                .filter(|(_, r)| *r == root)
                .map(|(v, _)| (*v, None))
                .collect();
            for (v, by_index) in &contributors {
                for (index, r) in by_index {
                    if r == root {
                        found.push((*v, Some(*index)));
                    }
                }
            }
            found.sort_by_key(|(v, _)| *v);
            for (v, position) in found {
                if !self.base.shares.contains_key(&v) || !self.base.has_quorum(Phase::Pre, v, root)
                {
                    continue;
                }
                let proof = match self.base.reconstruct(Phase::Pre, v, root, &roots) {
                    Ok(sig) => sig,
                    Err(e) => {
                        any_err = Some(RunnerError::Reconstruct(e));
                        continue;
                    }
                };
                match position {
                    None => {
                        let Some(vd) = find_duty(&duty.validator_duties, v, AGGREGATOR) else {
                            continue;
                        };
                        self.checked.insert((v, *root));
                        if self.base.setup.selection.is_aggregator(
                            vd.slot,
                            vd.committee_index,
                            vd.committee_length,
                            &proof,
                        ) {
                            selected.push(Selected::Aggregator {
                                validator: v,
                                proof,
                                committee_index: vd.committee_index,
                            });
                        }
                    }
                    Some(index) => {
                        if find_duty(&duty.validator_duties, v, CONTRIBUTOR).is_none() {
                            continue;
                        }
                        self.checked.insert((v, *root));
                        if self.base.setup.selection.is_sync_aggregator(&proof) {
                            selected.push(Selected::Contributor {
                                validator: v,
                                proof,
                                subnet: self.base.setup.chain.sync_subnet(index),
                            });
                        }
                    }
                }
            }
        }
        if selected.is_empty() {
            let all_checked = aggregators
                .iter()
                .filter(|(v, _)| self.base.shares.contains_key(v))
                .all(|(v, r)| self.checked.contains(&(*v, *r)))
                && contributors
                    .iter()
                    .filter(|(v, _)| self.base.shares.contains_key(v))
                    .all(|(v, m)| m.values().all(|r| self.checked.contains(&(*v, *r))));
            if all_checked || self.seen_all_signers() {
                self.finish_quietly();
            }
            return any_err.map_or(Ok(()), Err);
        }
        let mut committee_indexes = Vec::new();
        let mut sync_subnets = Vec::new();
        for s in &selected {
            match s {
                Selected::Aggregator {
                    committee_index, ..
                } if !committee_indexes.contains(committee_index) => {
                    committee_indexes.push(*committee_index)
                }
                Selected::Contributor { subnet, .. } if !sync_subnets.contains(subnet) => {
                    sync_subnets.push(*subnet)
                }
                _ => {}
            }
        }
        let id = step.request(Request::Aggregation(AggregationNeeds {
            slot,
            committee_indexes,
            sync_subnets,
        }));
        self.waiting = Waiting::Aggregation(id, selected);
        any_err.map_or(Ok(()), Err)
    }

    /// Ends a duty with nothing to aggregate.
    fn finish_quietly(&mut self) {
        if let Some(s) = self.base.state.as_mut() {
            s.finished = true;
        }
    }

    /// Builds the consensus data from the selected validators and the beacon data.
    fn consensus_data(
        &self,
        selected: &[Selected],
        attestations: &[(u64, Vec<u8>)],
        contributions: &[SyncCommitteeContribution],
    ) -> Result<AggregatorCommitteeConsensusData, RunnerError> {
        let slot = self.duty().map_or(0, |d| d.slot);
        let chain = self.chain();
        let version = chain.data_version(chain.epoch(slot));
        let mut aggregators = Vec::new();
        let mut committee_indexes: Vec<u64> = Vec::new();
        let mut aggregated = Vec::new();
        let mut contributors = Vec::new();
        let mut sync: Vec<SyncCommitteeContribution> = Vec::new();
        for s in selected {
            match s {
                Selected::Aggregator {
                    validator,
                    proof,
                    committee_index,
                } => {
                    let assigned = AssignedAggregator {
                        validator_index: *validator,
                        selection_proof: bls_signature(proof),
                        committee_index: *committee_index,
                    };
                    if committee_indexes.contains(committee_index) {
                        aggregators.push(assigned);
                        continue;
                    }
                    let att = attestations
                        .iter()
                        .find(|(c, _)| c == committee_index)
                        .ok_or(RunnerError::BadBeaconData("no aggregate attestation"))?;
                    aggregators.push(assigned);
                    committee_indexes.push(*committee_index);
                    aggregated.push(
                        ssz_types::VariableList::new(att.1.clone())
                            .map_err(|_| RunnerError::BadBeaconData("aggregate too large"))?,
                    );
                }
                Selected::Contributor {
                    validator,
                    proof,
                    subnet,
                } => {
                    let assigned = AssignedAggregator {
                        validator_index: *validator,
                        selection_proof: bls_signature(proof),
                        committee_index: *subnet,
                    };
                    if sync.iter().any(|c| c.subcommittee_index == *subnet) {
                        contributors.push(assigned);
                        continue;
                    }
                    for c in contributions
                        .iter()
                        .filter(|c| c.subcommittee_index == *subnet)
                    {
                        contributors.push(assigned.clone());
                        sync.push(c.clone());
                    }
                }
            }
        }
        let bad = |_| RunnerError::BadBeaconData("consensus data list too long");
        Ok(AggregatorCommitteeConsensusData {
            version: version.to_u64(),
            aggregators: ssz_types::VariableList::new(aggregators).map_err(bad)?,
            aggregators_committee_indexes: ssz_types::VariableList::new(committee_indexes)
                .map_err(bad)?,
            aggregated_attestations: ssz_types::VariableList::new(aggregated).map_err(bad)?,
            contributors: ssz_types::VariableList::new(contributors).map_err(bad)?,
            sync_committee_contributions: ssz_types::VariableList::new(sync).map_err(bad)?,
        })
    }

    pub fn on_response(
        &mut self,
        step: &mut Step<'_>,
        id: RequestId,
        response: Response,
    ) -> Result<(), RunnerError> {
        let waiting = std::mem::replace(&mut self.waiting, Waiting::Nothing);
        let slot = self.duty().map_or(0, |d| d.slot);
        match (waiting, response) {
            (Waiting::PreSignatures(w, items), Response::Signatures(sigs))
                if w == id && sigs.len() == items.len() =>
            {
                self.base.broadcast_partials(
                    step,
                    PartialSigKind::AggregatorCommittee,
                    slot,
                    &items,
                    &sigs,
                );
                Ok(())
            }
            (Waiting::PostSignatures(w, items), Response::Signatures(sigs))
                if w == id && sigs.len() == items.len() =>
            {
                self.base.broadcast_partials(
                    step,
                    PartialSigKind::PostConsensus,
                    slot,
                    &items,
                    &sigs,
                );
                Ok(())
            }
            (
                Waiting::Aggregation(w, selected),
                Response::Aggregation {
                    attestations,
                    contributions,
                },
            ) if w == id => {
                if self.consensus_started() {
                    return Ok(());
                }
                let data = self.consensus_data(&selected, &attestations, &contributions)?;
                data.validate().map_err(|e| {
                    RunnerError::ValueCheck(ValueCheckError::InvalidAggregatorData(e))
                })?;
                self.base.decide(step, slot, data.as_ssz_bytes())
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

    /// The post-consensus objects of the decided value, by validator and root.
    fn post_objects(&self) -> Result<Vec<(u64, [u8; 32], PostObject)>, RunnerError> {
        let Some(value) = self.base.state.as_ref().and_then(|s| s.decided.clone()) else {
            return Ok(Vec::new());
        };
        let data = AggregatorCommitteeConsensusData::from_ssz_bytes(&value)
            .map_err(|_| RunnerError::ValueCheck(ValueCheckError::DecodeAggregatorData))?;
        let slot = self.duty().map_or(0, |d| d.slot);
        let epoch = self.chain().epoch(slot);
        let version = DataVersion::from_u64(data.version).unwrap_or(DataVersion::Phase0);
        let mut out = Vec::new();
        for a in data.aggregators.iter() {
            let pos = data
                .aggregators_committee_indexes
                .iter()
                .position(|c| *c == a.committee_index)
                .ok_or(RunnerError::BadBeaconData(
                    "aggregator committee not listed",
                ))?;
            let bytes = data
                .aggregated_attestations
                .get(pos)
                .ok_or(RunnerError::BadBeaconData(
                    "aggregator committee not listed",
                ))?;
            let mut proof = [0u8; 96];
            proof.copy_from_slice(&a.selection_proof[..]);
            let obj = aggregate_and_proof(version, a.validator_index, bytes, &proof)?;
            let root = self
                .base
                .signing_root(DOMAIN_AGGREGATE_AND_PROOF, epoch, obj.root());
            out.push((
                a.validator_index,
                root,
                PostObject::Aggregate(version, Box::new(obj)),
            ));
        }
        for c in data.contributors.iter() {
            let contribution = data
                .sync_committee_contributions
                .iter()
                .find(|s| s.subcommittee_index == c.committee_index)
                .ok_or(RunnerError::BadBeaconData("contributor subnet not listed"))?;
            let obj = ContributionAndProof {
                aggregator_index: c.validator_index,
                contribution: contribution.clone(),
                selection_proof: c.selection_proof.clone(),
            };
            let root = self.base.signing_root(
                DOMAIN_CONTRIBUTION_AND_PROOF,
                epoch,
                obj.tree_hash_root().0,
            );
            out.push((
                c.validator_index,
                root,
                PostObject::Contribution(Box::new(obj)),
            ));
        }
        Ok(out)
    }

    /// ssv-spec `ProcessConsensus`: signs the objects of our validators.
    pub fn process_consensus(
        &mut self,
        step: &mut Step<'_>,
        msg: Arc<SsvSignedMessage>,
    ) -> Result<(), RunnerError> {
        if self.base.process_consensus(step, msg)?.is_none() {
            return Ok(());
        }
        self.after_decided(step)
    }

    pub fn after_decided(&mut self, step: &mut Step<'_>) -> Result<(), RunnerError> {
        let Some(duty) = self.duty().cloned() else {
            return Ok(());
        };
        let epoch = self.chain().epoch(duty.slot);
        let mut items = Vec::new();
        for (v, _, obj) in self.post_objects()? {
            let (role, domain, root) = match &obj {
                PostObject::Aggregate(_, a) => (AGGREGATOR, DOMAIN_AGGREGATE_AND_PROOF, a.root()),
                PostObject::Contribution(c) => (
                    CONTRIBUTOR,
                    DOMAIN_CONTRIBUTION_AND_PROOF,
                    c.tree_hash_root().0,
                ),
            };
            if find_duty(&duty.validator_duties, v, role).is_none() {
                continue;
            }
            items.extend(self.base.sign_item(v, domain, epoch, root));
        }
        if items.is_empty() {
            return Ok(());
        }
        let id = step.request(Request::Sign(items.clone()));
        self.waiting = Waiting::PostSignatures(id, items);
        Ok(())
    }

    /// ssv-spec `ProcessPostConsensus`.
    pub fn process_post(
        &mut self,
        step: &mut Step<'_>,
        msgs: &PartialSignatureMessages,
    ) -> Result<(), RunnerError> {
        CommitteeRunner::validate_post(&self.base, msgs)?;
        let roots: BTreeSet<[u8; 32]> = self
            .base
            .add_partials(Phase::Post, msgs)
            .into_iter()
            .collect();
        if roots.is_empty() {
            return Ok(());
        }
        let objects = self.post_objects()?;
        let mut any_err = None;
        let mut to_submit = Vec::new();
        for root in &roots {
            let aggregators: Vec<&(u64, [u8; 32], PostObject)> = objects
                .iter()
                .filter(|(_, r, o)| r == root && matches!(o, PostObject::Aggregate(..)))
                .collect();
            let matching: Vec<&(u64, [u8; 32], PostObject)> = if aggregators.is_empty() {
                objects
                    .iter()
                    .filter(|(_, r, o)| r == root && matches!(o, PostObject::Contribution(_)))
                    .collect()
            } else {
                aggregators
            };
            let mut seen = BTreeSet::new();
            for (v, r, obj) in matching {
                let role = match obj {
                    PostObject::Aggregate(..) => AGGREGATOR,
                    PostObject::Contribution(_) => CONTRIBUTOR,
                };
                if !seen.insert(*v)
                    || !self.base.has_quorum(Phase::Post, *v, r)
                    || self.submitted.contains(&(role, *v, *r))
                    || !self.base.shares.contains_key(v)
                {
                    continue;
                }
                let sig = match self.base.reconstruct(Phase::Post, *v, r, &roots) {
                    Ok(sig) => sig,
                    Err(e) => {
                        any_err = Some(RunnerError::PostConsensusInvalidSignatures(e));
                        continue;
                    }
                };
                to_submit.push(((role, *v, *r), submission(*v, obj, &sig)));
            }
        }
        to_submit.sort_by_key(|a| a.0);
        for (key, s) in to_submit {
            step.out.push_back(Output::Submit(s));
            self.submitted.insert(key);
        }
        if let Some(e) = any_err {
            return Err(e);
        }
        if self.submitted_all(&objects) {
            let slot = self.duty().map_or(0, |d| d.slot);
            if let Some(s) = self.base.state.as_mut() {
                s.finished = true;
            }
            step.out.push_back(Output::DutyFinished {
                role: Role::AggregatorCommittee,
                slot,
            });
        }
        Ok(())
    }

    /// ssv-spec `HasSubmittedAllDuties`.
    fn submitted_all(&self, objects: &[(u64, [u8; 32], PostObject)]) -> bool {
        let Some(duty) = self.duty() else {
            return false;
        };
        duty.validator_duties.iter().all(|vd| {
            if !self.base.shares.contains_key(&vd.validator_index) {
                return true;
            }
            let want = match BeaconRole::from_u64(vd.role) {
                BeaconRole::Aggregator => AGGREGATOR,
                BeaconRole::SyncCommitteeContribution => CONTRIBUTOR,
                _ => return false,
            };
            let roots: Vec<[u8; 32]> = objects
                .iter()
                .filter(|(v, _, o)| {
                    *v == vd.validator_index
                        && matches!(
                            (o, want),
                            (PostObject::Aggregate(..), AGGREGATOR)
                                | (PostObject::Contribution(_), CONTRIBUTOR)
                        )
                })
                .map(|(_, r, _)| *r)
                .collect();
            !roots.is_empty()
                && roots
                    .iter()
                    .all(|r| self.submitted.contains(&(want, vd.validator_index, *r)))
        })
    }
}

fn submission(validator: u64, obj: &PostObject, sig: &[u8; 96]) -> Submission {
    match obj {
        PostObject::Aggregate(version, a) => aggregate_submission(validator, *version, a, sig),
        PostObject::Contribution(c) => contribution_submission(validator, c, sig),
    }
}

fn waiting_id(w: &Waiting) -> Option<RequestId> {
    match w {
        Waiting::Nothing => None,
        Waiting::PreSignatures(id, _)
        | Waiting::Aggregation(id, _)
        | Waiting::PostSignatures(id, _) => Some(*id),
    }
}
