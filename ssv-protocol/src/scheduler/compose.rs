//! Building one slot's duties from the fetched beacon duties, grouped by the SSV
//! committee that runs them (ssv-node `operator/duties/` handlers, per role).

use std::collections::BTreeMap;

use crate::beacon::consensus_data::ValidatorDuty;
use crate::beacon::signed::fixed;
use crate::identifiers::CommitteeId;
use crate::roles::BeaconRole;
use crate::runner::duty::{AggregatorCommitteeDuty, CommitteeDuty};
use crate::scheduler::beacon_duties::{AttesterDuty, ScheduledValidator, SyncDuty};

/// A validator duty with only the fields every role has.
pub(crate) fn plain_duty(role: BeaconRole, v: &ScheduledValidator, slot: u64) -> ValidatorDuty {
    ValidatorDuty {
        role: role.as_u64(),
        pubkey: fixed(&v.pubkey),
        slot,
        validator_index: v.index,
        committee_index: 0,
        committee_length: 0,
        committees_at_slot: 0,
        validator_committee_index: 0,
        validator_sync_committee_indices: Default::default(),
    }
}

fn attester_duty(role: BeaconRole, v: &ScheduledValidator, a: &AttesterDuty) -> ValidatorDuty {
    ValidatorDuty {
        committee_index: a.committee_index,
        committee_length: a.committee_length,
        committees_at_slot: a.committees_at_slot,
        validator_committee_index: a.validator_committee_index,
        ..plain_duty(role, v, a.slot)
    }
}

fn sync_duty(role: BeaconRole, v: &ScheduledValidator, s: &SyncDuty, slot: u64) -> ValidatorDuty {
    // The SSZ list holds 13 positions (the spec's bound); more are dropped, and
    // with 13 or fewer `new` cannot fail.
    let positions: Vec<u64> = s
        .validator_sync_committee_indices
        .iter()
        .copied()
        .take(13)
        .collect();
    ValidatorDuty {
        validator_sync_committee_indices: ssz_types::VariableList::new(positions)
            .unwrap_or_default(),
        ..plain_duty(role, v, slot)
    }
}

/// One slot's committee duties (attestations and sync-committee messages) and
/// aggregator-committee duties (aggregates and contributions), by committee.
#[derive(Debug, Default)]
pub(crate) struct SlotDuties {
    pub committee: BTreeMap<CommitteeId, CommitteeDuty>,
    pub aggregator: BTreeMap<CommitteeId, AggregatorCommitteeDuty>,
}

/// Groups the slot's attester duties and the period's sync memberships of our
/// validators by committee. Duties come out sorted by (validator, role), so the
/// same fetches always give the same duties.
pub(crate) fn slot_duties<'a>(
    slot: u64,
    validators: &BTreeMap<u64, ScheduledValidator>,
    attesters: impl Iterator<Item = &'a AttesterDuty>,
    syncs: impl Iterator<Item = &'a SyncDuty>,
) -> SlotDuties {
    let mut out = SlotDuties::default();
    let mut push =
        |v: &ScheduledValidator, committee: ValidatorDuty, aggregation: ValidatorDuty| {
            out.committee
                .entry(v.committee)
                .or_insert_with(|| CommitteeDuty {
                    slot,
                    validator_duties: Vec::new(),
                })
                .validator_duties
                .push(committee);
            out.aggregator
                .entry(v.committee)
                .or_insert_with(|| AggregatorCommitteeDuty {
                    slot,
                    validator_duties: Vec::new(),
                })
                .validator_duties
                .push(aggregation);
        };
    for a in attesters.filter(|a| a.slot == slot) {
        if let Some(v) = validators.get(&a.validator_index) {
            push(
                v,
                attester_duty(BeaconRole::Attester, v, a),
                attester_duty(BeaconRole::Aggregator, v, a),
            );
        }
    }
    for s in syncs {
        if let Some(v) = validators.get(&s.validator_index) {
            push(
                v,
                sync_duty(BeaconRole::SyncCommittee, v, s, slot),
                sync_duty(BeaconRole::SyncCommitteeContribution, v, s, slot),
            );
        }
    }
    let lists = out.committee.values_mut().map(|d| &mut d.validator_duties);
    let lists = lists.chain(out.aggregator.values_mut().map(|d| &mut d.validator_duties));
    for list in lists {
        list.sort_by_key(|d| (d.validator_index, d.role));
        list.dedup_by_key(|d| (d.validator_index, d.role));
    }
    out
}
