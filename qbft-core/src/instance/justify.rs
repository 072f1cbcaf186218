//! Pure predicates shared by the upon-rules: the validity of prepares and round
//! changes (with and without their signatures), and proposal justification.

use std::sync::Arc;

use super::Instance;
use crate::container::unique_signers;
use crate::context::Context;
use crate::error::Error;
use crate::message::{MessageKind, SignedMessage};
use crate::types::{Digest, Height, Round, FIRST_ROUND};

impl<C: Context> Instance<C> {
    /// ssv-spec `validSignedPrepareForHeightRoundAndRootIgnoreSignature`.
    pub(super) fn valid_prepare(
        &self,
        msg: &SignedMessage<C>,
        height: Height,
        round: Round,
        root: &Digest,
    ) -> Result<(), Error> {
        let m = &msg.message;
        if m.kind != MessageKind::Prepare {
            return Err(Error::UnexpectedKind {
                expected: MessageKind::Prepare,
                got: m.kind,
            });
        }
        if m.height != height {
            return Err(Error::WrongHeight);
        }
        if m.round != round {
            return Err(Error::WrongRound);
        }
        msg.validate(&self.ctx)?;
        if &m.root != root {
            return Err(Error::ProposedDataMismatch);
        }
        if msg.signers.len() != 1 {
            return Err(Error::OneSignerOnly);
        }
        if !self.config.committee.contains_all(&msg.signers) {
            return Err(Error::SignerNotInCommittee);
        }
        Ok(())
    }

    /// ssv-spec `validSignedPrepareForHeightRoundAndRootVerifySignature`.
    pub(super) fn valid_prepare_signed(
        &self,
        msg: &SignedMessage<C>,
        height: Height,
        round: Round,
        root: &Digest,
    ) -> Result<(), Error> {
        self.valid_prepare(msg, height, round, root)?;
        self.verify(msg)
    }

    pub(super) fn verify(&self, msg: &SignedMessage<C>) -> Result<(), Error> {
        if self.ctx.verify_signatures(msg) {
            Ok(())
        } else {
            Err(Error::InvalidSignature)
        }
    }

    /// ssv-spec `validRoundChangeForDataIgnoreSignature`: a round change for
    /// `round`, whose prepared claim (if any) is justified and matches `value`.
    pub(super) fn valid_round_change(
        &self,
        msg: &SignedMessage<C>,
        height: Height,
        round: Round,
        value: Option<&C::Value>,
    ) -> Result<(), Error> {
        let m = &msg.message;
        if m.kind != MessageKind::RoundChange {
            return Err(Error::UnexpectedKind {
                expected: MessageKind::RoundChange,
                got: m.kind,
            });
        }
        if m.height != height {
            return Err(Error::WrongHeight);
        }
        if m.round != round {
            return Err(Error::WrongRound);
        }
        if msg.signers.len() != 1 {
            return Err(Error::OneSignerOnly);
        }
        msg.validate(&self.ctx)?;
        if !self.config.committee.contains_all(&msg.signers) {
            return Err(Error::SignerNotInCommittee);
        }
        if m.round_change_prepared() {
            // Addition to the formal spec: the prepared claim is checked before the
            // message enters a container.
            for prepare in &m.round_change_justification {
                self.valid_prepare_signed(prepare, self.state.height, m.data_round, &m.root)?;
            }
            let value = value.ok_or(Error::MissingValue)?;
            if self.digest(value) != m.root {
                return Err(Error::RootMismatch);
            }
            if unique_signers(&m.round_change_justification) < self.quorum() {
                return Err(Error::JustificationNoQuorum);
            }
            if m.data_round > round {
                return Err(Error::PreparedRoundTooHigh);
            }
        }
        Ok(())
    }

    /// ssv-spec `validRoundChangeForDataVerifySignature`.
    pub(super) fn valid_round_change_signed(
        &self,
        msg: &SignedMessage<C>,
        height: Height,
        round: Round,
        value: Option<&C::Value>,
    ) -> Result<(), Error> {
        self.valid_round_change(msg, height, round, value)?;
        self.verify(msg)
    }

    /// ssv-spec `isProposalJustification`: `value` may be proposed in `round` with
    /// these round changes and prepares as justification.
    pub(super) fn proposal_justified(
        &self,
        round_changes: &[Arc<SignedMessage<C>>],
        prepares: &[Arc<SignedMessage<C>>],
        height: Height,
        round: Round,
        value: Option<&C::Value>,
    ) -> Result<(), Error> {
        let value = value.ok_or(Error::MissingValue)?;
        self.ctx.check_value(value).map_err(Error::InvalidValue)?;
        if round == FIRST_ROUND {
            return Ok(());
        }
        for rc in round_changes {
            self.valid_round_change_signed(rc, height, round, Some(value))?;
        }
        if unique_signers(round_changes) < self.quorum() {
            return Err(Error::RoundChangeNoQuorum);
        }
        // The highest prepared round change; the first one wins a tie.
        let mut highest: Option<&Arc<SignedMessage<C>>> = None;
        for rc in round_changes
            .iter()
            .filter(|rc| rc.message.round_change_prepared())
        {
            if highest.is_none_or(|h| h.message.data_round < rc.message.data_round) {
                highest = Some(rc);
            }
        }
        let Some(highest) = highest else {
            return Ok(());
        };
        if unique_signers(prepares) < self.quorum() {
            return Err(Error::PreparesNoQuorum);
        }
        if self.digest(value) != highest.message.root {
            return Err(Error::NotHighestPrepared);
        }
        for prepare in prepares {
            self.valid_prepare_signed(
                prepare,
                height,
                highest.message.data_round,
                &highest.message.root,
            )
            .map_err(|_| Error::PrepareJustificationInvalid)?;
        }
        Ok(())
    }
}
