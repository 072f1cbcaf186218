//! Which duty fetches are done, in flight or to retry, and the duties they
//! brought, per epoch (sync memberships per period).

use std::collections::BTreeMap;

use crate::runner::io::RequestId;
use crate::scheduler::beacon_duties::{AttesterDuty, ProposerDuty, SyncDuty};

/// Epochs per sync-committee period (`EPOCHS_PER_SYNC_COMMITTEE_PERIOD`).
pub const EPOCHS_PER_SYNC_PERIOD: u64 = 256;

/// What a fetch is for.
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum FetchKind {
    /// Attester duties of an epoch.
    Attester,
    /// Proposer duties of an epoch.
    Proposer,
    /// Sync memberships of a period (keyed by the period's first epoch).
    Sync,
}

/// Where one fetch stands.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub(crate) enum FetchState {
    /// Asked, not answered.
    InFlight(RequestId),
    /// Answered, with the root the duties depend on (none for sync).
    Done(Option<[u8; 32]>),
    /// Failed during this slot; asked again from the next.
    Failed(u64),
}

/// Fetch bookkeeping and the fetched duties.
#[derive(Debug, Default)]
pub(crate) struct Fetches {
    pub states: BTreeMap<(FetchKind, u64), FetchState>,
    pub in_flight: BTreeMap<RequestId, (FetchKind, u64)>,
    pub attester: BTreeMap<u64, Vec<AttesterDuty>>,
    pub proposer: BTreeMap<u64, Vec<ProposerDuty>>,
    pub sync: BTreeMap<u64, Vec<SyncDuty>>,
}

impl Fetches {
    /// Whether `(kind, key)` should be asked for at `slot`.
    pub fn wanted(&self, kind: FetchKind, key: u64, slot: u64) -> bool {
        match self.states.get(&(kind, key)) {
            None => true,
            Some(FetchState::Failed(at)) => *at < slot,
            Some(_) => false,
        }
    }

    /// Records that `id` asks for `(kind, key)`.
    pub fn asked(&mut self, id: RequestId, kind: FetchKind, key: u64) {
        if let Some(FetchState::InFlight(old)) =
            self.states.insert((kind, key), FetchState::InFlight(id))
        {
            self.in_flight.remove(&old);
        }
        self.in_flight.insert(id, (kind, key));
    }

    /// Forgets `(kind, key)`, so it is fetched again.
    pub fn invalidate(&mut self, kind: FetchKind, key: u64) {
        if let Some(FetchState::InFlight(id)) = self.states.remove(&(kind, key)) {
            self.in_flight.remove(&id);
        }
    }

    /// The dependent root of a done fetch.
    pub fn dependent_root(&self, kind: FetchKind, key: u64) -> Option<[u8; 32]> {
        match self.states.get(&(kind, key)) {
            Some(FetchState::Done(root)) => *root,
            _ => None,
        }
    }

    /// Drops everything about epochs before `epoch` (and periods that ended).
    pub fn prune(&mut self, epoch: u64) {
        let period_start = epoch - epoch % EPOCHS_PER_SYNC_PERIOD;
        self.states.retain(|(kind, key), _| match kind {
            FetchKind::Sync => *key >= period_start,
            _ => *key >= epoch,
        });
        let states = &self.states;
        self.in_flight.retain(|_, k| states.contains_key(k));
        self.attester.retain(|e, _| *e >= epoch);
        self.proposer.retain(|e, _| *e >= epoch);
        self.sync.retain(|p, _| *p >= period_start);
    }
}

/// The first epoch of the sync period holding `epoch`.
pub fn sync_period_start(epoch: u64) -> u64 {
    epoch - epoch % EPOCHS_PER_SYNC_PERIOD
}
