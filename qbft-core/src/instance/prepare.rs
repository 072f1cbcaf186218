//! The prepare rules (ssv-spec `qbft/prepare.go`).

use std::sync::Arc;

use super::Instance;
use crate::container::unique_signers;
use crate::context::Context;
use crate::error::Error;
use crate::message::SignedMessage;

impl<C: Context> Instance<C> {
    /// A prepare for the accepted proposal of the current round.
    pub(super) fn validate_prepare(&self, msg: &SignedMessage<C>) -> Result<(), Error> {
        let proposal = self
            .state
            .proposal_accepted_for_current_round
            .as_ref()
            .ok_or(Error::NoProposalForRound)?;
        self.valid_prepare(
            msg,
            self.state.height,
            self.state.round,
            &proposal.message.root,
        )
    }

    /// ssv-spec `uponPrepare`: on the prepare that completes a quorum, record the
    /// prepared round and value and commit.
    pub(super) fn upon_prepare(&mut self, msg: Arc<SignedMessage<C>>) {
        let round = self.state.round;
        let quorum = self.quorum();
        let had_quorum = unique_signers(self.state.prepare_container.for_round(round)) >= quorum;
        if !self.state.prepare_container.add_first_for_signers(msg) {
            return;
        }
        if had_quorum || unique_signers(self.state.prepare_container.for_round(round)) < quorum {
            return;
        }
        let Some(proposal) = self.state.proposal_accepted_for_current_round.clone() else {
            return; // `validate_prepare` checked it is there
        };
        self.state.last_prepared_value = proposal.full_data.clone();
        self.state.last_prepared_round = round;
        let commit = self.create_commit(proposal.message.root);
        self.broadcast(commit);
    }

    /// ssv-spec `getRoundChangeJustification`: the prepares of the last prepared
    /// round for `value`, if they form a quorum.
    pub(super) fn round_change_justification(
        &self,
        value: &C::Value,
    ) -> Vec<Arc<SignedMessage<C>>> {
        let root = self.digest(value);
        let round = self.state.last_prepared_round;
        let prepares: Vec<Arc<SignedMessage<C>>> = self
            .state
            .prepare_container
            .for_round(round)
            .iter()
            .filter(|m| {
                self.valid_prepare(m, self.state.height, round, &root)
                    .is_ok()
            })
            .cloned()
            .collect();
        if unique_signers(&prepares) < self.quorum() {
            return Vec::new();
        }
        prepares
    }
}
