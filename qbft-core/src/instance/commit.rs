//! The commit rules (ssv-spec `qbft/commit.go`).

use std::sync::Arc;

use super::{Instance, Output};
use crate::context::Context;
use crate::error::Error;
use crate::message::{MessageKind, SignedMessage};
use crate::types::Height;

impl<C: Context> Instance<C> {
    /// ssv-spec `validateCommit`: a single-signer commit for the accepted proposal
    /// of the current round.
    pub(super) fn validate_commit(&self, msg: &SignedMessage<C>) -> Result<(), Error> {
        let proposal = self
            .state
            .proposal_accepted_for_current_round
            .as_ref()
            .ok_or(Error::NoProposalForRound)?;
        base_commit_validation(&self.ctx, &self.config.committee, msg, self.state.height)?;
        if msg.signers.len() != 1 {
            return Err(Error::OneSignerOnly);
        }
        if msg.message.round != self.state.round {
            return Err(Error::WrongRound);
        }
        if msg.message.root != proposal.message.root {
            return Err(Error::ProposedDataMismatch);
        }
        Ok(())
    }

    /// ssv-spec `UponCommit`: on a quorum of commits for one round and root, decide
    /// the accepted proposal's value.
    pub(super) fn upon_commit(&mut self, msg: Arc<SignedMessage<C>>) -> Result<(), Error> {
        if !self.state.commit_container.is_first_for_signers(&msg) {
            return Ok(());
        }
        let mut container = self.state.commit_container.clone();
        container.add(Arc::clone(&msg));
        let (signers, commits) =
            container.longest_unique_signers(msg.message.round, &msg.message.root);
        if signers.len() < self.quorum() {
            self.state.commit_container = container;
            return Ok(());
        }
        let value = self
            .state
            .proposal_accepted_for_current_round
            .as_ref()
            .and_then(|p| p.full_data.clone())
            .ok_or(Error::NoProposalForRound)?;
        let aggregated = aggregate_commits(&commits, value.clone())?;
        self.state.commit_container = container;
        let first_decision = !self.state.decided;
        self.state.decided = true;
        self.state.decided_value = Some(value.clone());
        if first_decision {
            self.outputs.push_back(Output::Decided {
                round: msg.message.round,
                value,
                aggregated_commit: Arc::new(aggregated),
            });
        }
        Ok(())
    }
}

/// ssv-spec `baseCommitValidationIgnoreSignature`: structure, type, height and
/// membership of a commit or decided message.
pub(crate) fn base_commit_validation<C: Context>(
    ctx: &C,
    committee: &crate::types::Committee,
    msg: &SignedMessage<C>,
    height: Height,
) -> Result<(), Error> {
    msg.validate(ctx)
        .map_err(|e| Error::CommitInvalid(Box::new(e)))?;
    if msg.message.kind != MessageKind::Commit {
        return Err(Error::UnexpectedKind {
            expected: MessageKind::Commit,
            got: msg.message.kind,
        });
    }
    if msg.message.height != height {
        return Err(Error::WrongHeight);
    }
    if !committee.contains_all(&msg.signers) {
        return Err(Error::SignerNotInCommittee);
    }
    Ok(())
}

/// ssv-spec `aggregateCommitMsgs`: one message with every signer and signature,
/// sorted by operator ID, carrying the decided value.
fn aggregate_commits<C: Context>(
    commits: &[Arc<SignedMessage<C>>],
    value: C::Value,
) -> Result<SignedMessage<C>, Error> {
    let (first, rest) = commits.split_first().ok_or(Error::NoSigners)?;
    let mut pairs: Vec<(u64, Vec<u8>)> = first
        .signers
        .iter()
        .copied()
        .zip(first.signatures.iter().cloned())
        .collect();
    for other in rest {
        if other.envelope != first.envelope || other.message != first.message {
            return Err(Error::ProposedDataMismatch);
        }
        pairs.extend(
            other
                .signers
                .iter()
                .copied()
                .zip(other.signatures.iter().cloned()),
        );
    }
    pairs.sort_by_key(|(id, _)| *id);
    let mut out = SignedMessage::clone(first);
    out.signers = pairs.iter().map(|(id, _)| *id).collect();
    out.signatures = pairs.into_iter().map(|(_, sig)| sig).collect();
    out.full_data = Some(value);
    Ok(out)
}
