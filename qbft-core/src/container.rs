//! Per-round message stores (ssv-spec `MsgContainer`).

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::context::Context;
use crate::message::SignedMessage;
use crate::types::{Digest, OperatorId, Round};

/// Messages of one type, by round, in arrival order within a round.
#[derive(Clone, Debug)]
pub struct MsgContainer<C: Context> {
    msgs: BTreeMap<Round, Vec<Arc<SignedMessage<C>>>>,
}

impl<C: Context> Default for MsgContainer<C> {
    fn default() -> Self {
        MsgContainer {
            msgs: BTreeMap::new(),
        }
    }
}

impl<C: Context> MsgContainer<C> {
    /// All messages by round.
    pub fn rounds(&self) -> &BTreeMap<Round, Vec<Arc<SignedMessage<C>>>> {
        &self.msgs
    }

    /// The messages of `round`, in arrival order.
    pub fn for_round(&self, round: Round) -> &[Arc<SignedMessage<C>>] {
        self.msgs.get(&round).map(Vec::as_slice).unwrap_or(&[])
    }

    /// All messages, rounds ascending.
    pub fn all(&self) -> impl Iterator<Item = &Arc<SignedMessage<C>>> {
        self.msgs.values().flatten()
    }

    /// Whether `msg` would be the first from its signer set in its round
    /// (ssv-spec `AddFirstMsgForSignerAndRound`, without the insertion).
    pub fn is_first_for_signers(&self, msg: &SignedMessage<C>) -> bool {
        !self
            .for_round(msg.message.round)
            .iter()
            .any(|m| m.matched_signers(&msg.signers))
    }

    /// Adds `msg` if it is the first from its signer set in its round. Returns
    /// whether it was added.
    pub fn add_first_for_signers(&mut self, msg: Arc<SignedMessage<C>>) -> bool {
        if !self.is_first_for_signers(&msg) {
            return false;
        }
        self.add(msg);
        true
    }

    /// Adds `msg` unconditionally (ssv-spec `AddMsg`).
    pub fn add(&mut self, msg: Arc<SignedMessage<C>>) {
        self.msgs.entry(msg.message.round).or_default().push(msg);
    }

    /// The largest set of messages with pairwise-disjoint signers for `round` and
    /// `root`, and its signers, found greedily from each starting message in
    /// arrival order (ssv-spec `LongestUniqueSignersForRoundAndRoot`).
    pub fn longest_unique_signers(
        &self,
        round: Round,
        root: &Digest,
    ) -> (Vec<OperatorId>, Vec<Arc<SignedMessage<C>>>) {
        let msgs: Vec<&Arc<SignedMessage<C>>> = self
            .for_round(round)
            .iter()
            .filter(|m| &m.message.root == root)
            .collect();
        let mut best: (Vec<OperatorId>, Vec<Arc<SignedMessage<C>>>) = (Vec::new(), Vec::new());
        for (i, first) in msgs.iter().enumerate() {
            let mut signers = first.signers.clone();
            let mut chosen = vec![Arc::clone(first)];
            for next in msgs.iter().skip(i + 1) {
                if !next.common_signers(&signers) {
                    signers.extend_from_slice(&next.signers);
                    chosen.push(Arc::clone(next));
                }
            }
            if best.0.len() < signers.len() {
                best = (signers, chosen);
            }
        }
        best
    }
}

/// The number of distinct signers across `msgs` (ssv-spec `HasQuorum` counting).
pub fn unique_signers<'a, C: Context + 'a>(
    msgs: impl IntoIterator<Item = &'a Arc<SignedMessage<C>>>,
) -> usize {
    let mut seen: Vec<OperatorId> = msgs
        .into_iter()
        .flat_map(|m| m.signers.iter().copied())
        .collect();
    seen.sort_unstable();
    seen.dedup();
    seen.len()
}
