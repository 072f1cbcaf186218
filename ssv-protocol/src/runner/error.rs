//! Why a runner refused an input or a duty could not proceed. Variant names follow
//! ssv-spec's error codes where the spec has one; the conformance runner maps them
//! to the numeric codes.

use qbft_core::Error as QbftError;

use crate::duty::partial_sigs::ReconstructError;
use crate::duty::value_check::ValueCheckError;
use crate::wire::{DecodeError, MessageError};

/// A runner error.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum RunnerError {
    /// The signed message breaks a structural rule.
    #[error("invalid message: {0}")]
    Message(#[from] MessageError),
    /// The operator signature does not verify (39).
    #[error("SignedSSVMessage has an invalid signature")]
    InvalidSignature,
    /// The message ID is not this committee's or validator's (28).
    #[error("message ID does not belong to this committee or validator")]
    WrongMessageId,
    /// The role in the message ID is not one this machine runs (85).
    #[error("message role is not handled here")]
    WrongRole,
    /// The message carries no data.
    #[error("message data is empty")]
    EmptyData,
    /// The payload does not decode.
    #[error("payload does not decode: {0}")]
    Decode(#[from] DecodeError),
    /// A partial-signature message with more than one operator signature.
    #[error("partial signature message with more than one signer")]
    PartialSigManySigners,
    /// Partial signatures signed by another operator than the envelope's (42).
    #[error("partial signature signer differs from the message signer")]
    PartialSigSignerMismatch,
    /// An unknown partial-signature type for this runner.
    #[error("unexpected partial signature type")]
    UnexpectedPartialSigType,
    /// No runner for the message's slot (20).
    #[error("no runner for slot {0}")]
    NoRunnerForSlot(u64),
    /// A runner for that slot exists already.
    #[error("a runner for slot {0} already exists")]
    RunnerExists(u64),
    /// The duty lists no validator duties (24).
    #[error("no beacon duties")]
    NoBeaconDuties,
    /// None of the duty's validators has a share here (25).
    #[error("no shares for the duty's validators")]
    NoValidatorShares,
    /// A validator duty breaks a rule (91).
    #[error("invalid validator duty: {0}")]
    InvalidValidatorDuty(&'static str),
    /// A validator duty's slot differs from its committee duty's (10).
    #[error("validator duty slot differs from the committee duty's")]
    DutySlotMismatch,
    /// A validator duty has a role the committee duty cannot hold (51).
    #[error("wrong beacon role for this duty")]
    WrongBeaconRole,
    /// An aggregator committee duty breaks a rule (82).
    #[error("invalid aggregator committee duty: {0}")]
    InvalidAggregatorDuty(&'static str),
    /// The duty is for a role this machine does not run.
    #[error("duty role not supported here")]
    UnsupportedDuty,
    /// The duty's slot is not after the last one started (40).
    #[error("duty for slot {slot} already passed (current {current})")]
    DutyAlreadyPassed {
        /// The duty's slot.
        slot: u64,
        /// The current height or slot.
        current: u64,
    },
    /// No duty is running (4).
    #[error("no running duty")]
    NoRunningDuty,
    /// Consensus finished already; the message is ignored (22).
    #[error("consensus has finished")]
    ConsensusFinished,
    /// The decided message is for another instance (34).
    #[error("decided wrong instance")]
    DecidedWrongInstance,
    /// QBFT refused the message.
    #[error("consensus: {0}")]
    Qbft(QbftError),
    /// The value (ours or the decided one) fails the role's check.
    #[error("value check: {0}")]
    ValueCheck(ValueCheckError),
    /// The partial-signature slot is before the duty's (46).
    #[error("partial signature slot {got} before duty slot {want}")]
    PartialSigPastSlot {
        /// The message's slot.
        got: u64,
        /// The duty's slot.
        want: u64,
    },
    /// The partial-signature slot is after the duty's (47).
    #[error("partial signature slot {got} after duty slot {want}")]
    PartialSigFutureSlot {
        /// The message's slot.
        got: u64,
        /// The duty's slot.
        want: u64,
    },
    /// The partial signatures' signer is not in the committee.
    #[error("unknown signer")]
    UnknownSigner,
    /// A partial signature names a validator without a share here (48).
    #[error("unknown validator index")]
    UnknownValidatorIndex,
    /// As many signing roots as expected were not sent (49).
    #[error("wrong number of signing roots")]
    WrongRootsCount,
    /// A signing root is not an expected one (41).
    #[error("wrong signing root")]
    WrongSigningRoot,
    /// Post-consensus before a value was decided (43).
    #[error("no decided value")]
    NoDecidedValue,
    /// A quorum was reached but the rebuilt signature does not verify (32); the
    /// invalid partial signatures were removed.
    #[error("quorum with invalid partial signatures: {0}")]
    Reconstruct(ReconstructError),
    /// Like [`RunnerError::Reconstruct`], in the aggregator committee's
    /// post-consensus (81).
    #[error("post-consensus quorum with invalid signatures: {0}")]
    PostConsensusInvalidSignatures(ReconstructError),
    /// The role has no consensus phase (35 for registrations, 37 for exits).
    #[error("no consensus phase for this role")]
    NoConsensusPhase,
    /// The role has no post-consensus phase (36 for registrations, 38 for exits).
    #[error("no post-consensus phase for this role")]
    NoPostConsensusPhase,
    /// The committee role has no pre-consensus phase.
    #[error("no pre-consensus phase for this role")]
    NoPreConsensusPhase,
    /// Signing was refused: the record would be slashable (33).
    #[error("slashable: signing refused")]
    Slashable,
    /// A response to a request we did not make, or of the wrong kind.
    #[error("unexpected response to request {0}")]
    UnexpectedResponse(u64),
    /// The beacon node or signer failed a request.
    #[error("request {id} failed: {reason}")]
    RequestFailed {
        /// The request.
        id: u64,
        /// What the answerer said.
        reason: String,
    },
    /// Beacon data from the beacon node does not decode or fit.
    #[error("bad beacon data: {0}")]
    BadBeaconData(&'static str),
}
