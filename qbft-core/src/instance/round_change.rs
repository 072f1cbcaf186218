//! The round-change rules (ssv-spec `qbft/round_change.go`).

use std::sync::Arc;

use super::Instance;
use crate::container::unique_signers;
use crate::context::Context;
use crate::error::Error;
use crate::message::SignedMessage;
use crate::types::{Round, Timestamp};

impl<C: Context> Instance<C> {
    /// A round change for its own round, with a valid prepared claim.
    pub(super) fn validate_round_change(&self, msg: &SignedMessage<C>) -> Result<(), Error> {
        self.valid_round_change(
            msg,
            self.state.height,
            msg.message.round,
            msg.full_data.as_ref(),
        )
    }

    /// ssv-spec `uponRoundChange`: on the round change that completes a quorum for
    /// a round we lead, propose; otherwise, on f+1 round changes ahead of us, jump
    /// to the lowest of their rounds.
    pub(super) fn upon_round_change(&mut self, now: Timestamp, msg: Arc<SignedMessage<C>>) {
        let round = msg.message.round;
        let quorum = self.quorum();
        let had_quorum =
            unique_signers(self.state.round_change_container.for_round(round)) >= quorum;
        if !self.state.round_change_container.add_first_for_signers(msg) {
            return;
        }
        if had_quorum {
            return;
        }
        if let Some((justified, value)) = self.justified_round_change_for_leading_round(round) {
            let prepares = justified.message.round_change_justification.clone();
            let round_changes = self
                .state
                .round_change_container
                .for_round(self.state.round)
                .to_vec();
            let proposal = self.create_proposal(value, round_changes, prepares);
            self.broadcast(proposal);
            return;
        }
        // Partial quorum (f+1) of round changes ahead of our round.
        let ahead: Vec<Arc<SignedMessage<C>>> = self
            .state
            .round_change_container
            .all()
            .filter(|m| m.message.round > self.state.round)
            .cloned()
            .collect();
        if unique_signers(&ahead) < self.config.committee.partial_quorum() {
            return;
        }
        let Some(new_round) = ahead.iter().map(|m| m.message.round).min() else {
            return;
        };
        if new_round <= self.state.round {
            return;
        }
        self.change_round_on_partial_quorum(now, new_round);
    }

    /// ssv-spec `uponChangeRoundPartialQuorum`.
    fn change_round_on_partial_quorum(&mut self, now: Timestamp, new_round: Round) {
        self.state.round = new_round;
        self.state.proposal_accepted_for_current_round = None;
        self.set_timer(now, new_round);
        let round_change = self.create_round_change(new_round);
        self.broadcast(round_change);
    }

    /// ssv-spec `hasReceivedProposalJustificationForLeadingRound`: with a quorum of
    /// round changes for `round`, find the first one that justifies a proposal by
    /// us, and the value to propose (its prepared value, or our start value).
    fn justified_round_change_for_leading_round(
        &self,
        round: Round,
    ) -> Option<(Arc<SignedMessage<C>>, C::Value)> {
        let round_changes = self.state.round_change_container.for_round(round);
        if unique_signers(round_changes) < self.quorum() {
            return None;
        }
        for rc in round_changes {
            let value = if rc.message.round_change_prepared() {
                rc.full_data.as_ref()
            } else {
                self.start_value.as_ref()
            };
            let justified = self
                .proposal_justified(
                    round_changes,
                    &rc.message.round_change_justification,
                    self.state.height,
                    rc.message.round,
                    value,
                )
                .is_ok();
            if !justified || self.proposer(rc.message.round) != self.config.self_id {
                continue;
            }
            let current = self.state.proposal_accepted_for_current_round.is_none()
                && self.state.round == round;
            if current || round > self.state.round {
                if let Some(value) = value {
                    return Some((Arc::clone(rc), value.clone()));
                }
            }
        }
        None
    }
}
