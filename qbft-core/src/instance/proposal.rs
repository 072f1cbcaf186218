//! The proposal rules (ssv-spec `qbft/proposal.go`).

use std::sync::Arc;

use super::Instance;
use crate::context::Context;
use crate::error::Error;
use crate::message::{MessageKind, SignedMessage};
use crate::types::Timestamp;

impl<C: Context> Instance<C> {
    /// ssv-spec `isValidProposal`.
    pub(super) fn validate_proposal(&self, msg: &SignedMessage<C>) -> Result<(), Error> {
        let m = &msg.message;
        if m.kind != MessageKind::Proposal {
            return Err(Error::UnexpectedKind {
                expected: MessageKind::Proposal,
                got: m.kind,
            });
        }
        if m.height != self.state.height {
            return Err(Error::WrongHeight);
        }
        if msg.signers.len() != 1 {
            return Err(Error::OneSignerOnly);
        }
        if !self.config.committee.contains_all(&msg.signers) {
            return Err(Error::SignerNotInCommittee);
        }
        if !msg.matched_signers(&[self.proposer(m.round)]) {
            return Err(Error::WrongProposer);
        }
        msg.validate(&self.ctx)
            .map_err(|_| Error::ProposalInvalid)?;
        let value = msg.full_data.as_ref().ok_or(Error::MissingValue)?;
        if self.digest(value) != m.root {
            return Err(Error::RootMismatch);
        }
        self.proposal_justified(
            &m.round_change_justification,
            &m.prepare_justification,
            self.state.height,
            m.round,
            Some(value),
        )?;
        let current_round_open =
            self.state.proposal_accepted_for_current_round.is_none() && m.round == self.state.round;
        if current_round_open || m.round > self.state.round {
            Ok(())
        } else {
            Err(Error::ProposalInvalid)
        }
    }

    /// ssv-spec `uponProposal`: accept the first proposal of the round, move to its
    /// round if it is ahead, and prepare its value.
    pub(super) fn upon_proposal(&mut self, now: Timestamp, msg: Arc<SignedMessage<C>>) {
        if !self
            .state
            .propose_container
            .add_first_for_signers(Arc::clone(&msg))
        {
            return;
        }
        let new_round = msg.message.round;
        self.state.proposal_accepted_for_current_round = Some(Arc::clone(&msg));
        if new_round > self.state.round {
            // A justified future proposal moves us to its round and resets the timer.
            self.set_timer(now, new_round);
        }
        self.state.round = new_round;
        // `validate_proposal` checked that the value is present.
        let root = msg
            .full_data
            .as_ref()
            .map(|v| self.digest(v))
            .unwrap_or(msg.message.root);
        let prepare = self.create_prepare(new_round, root);
        self.broadcast(prepare);
    }
}
