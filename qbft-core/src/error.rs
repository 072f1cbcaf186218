//! The typed errors of the QBFT machines.
//!
//! Each variant names the ssv-spec rule it comes from; the conformance runner maps
//! them to the spec's numeric error codes.

use std::fmt;
use std::sync::Arc;

use crate::message::MessageKind;

/// An error raised by embedder-supplied code (the value check, or the envelope
/// check), carried through the QBFT machine unchanged so the embedder can
/// downcast it.
#[derive(Clone)]
pub struct External(pub Arc<dyn std::error::Error + Send + Sync + 'static>);

impl External {
    /// Wraps any error.
    pub fn new(err: impl std::error::Error + Send + Sync + 'static) -> Self {
        External(Arc::new(err))
    }
}

impl fmt::Debug for External {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&*self.0, f)
    }
}

impl fmt::Display for External {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&*self.0, f)
    }
}

/// Why an input was refused. A refused input leaves the machine's state unchanged.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    // --- structure of a signed message (ssv-spec SignedSSVMessage.Validate, Message.Validate)
    /// The message names no signer.
    #[error("no signers")]
    NoSigners,
    /// A signer appears twice.
    #[error("non unique signer")]
    NonUniqueSigner,
    /// Operator ID 0 signed.
    #[error("signer ID 0 not allowed")]
    ZeroSigner,
    /// The message carries no signature.
    #[error("no signatures")]
    NoSignatures,
    /// One of the signatures is empty.
    #[error("empty signature")]
    EmptySignature,
    /// Signatures and signers differ in number.
    #[error("number of signatures is different than number of signers")]
    SignatureCountMismatch,
    /// The embedder's envelope check failed.
    #[error("invalid envelope: {0}")]
    InvalidEnvelope(External),
    /// The instance identifier has the wrong length, or belongs to another instance.
    #[error("message identifier is invalid")]
    InvalidIdentifier,
    /// The message type is not one of the four QBFT types.
    #[error("message type is invalid")]
    InvalidMessageType,
    /// The message is for round 0.
    #[error("message round is invalid")]
    InvalidRound,

    // --- instance rules
    /// The instance was stopped or reached its cut-off round.
    #[error("instance stopped processing messages")]
    InstanceStopped,
    /// A round timeout reached an instance that no longer runs.
    #[error("instance stopped processing timeouts")]
    TimeoutAfterStop,
    /// The message is for a round before the current one.
    #[error("past round")]
    PastRound,
    /// The message is for another height.
    #[error("wrong msg height")]
    WrongHeight,
    /// The message is for another round than the one required.
    #[error("wrong msg round")]
    WrongRound,
    /// The message type is not the one this rule takes.
    #[error("unexpected message type {got:?}, expected {expected:?}")]
    UnexpectedKind {
        /// What the rule takes.
        expected: MessageKind,
        /// What arrived.
        got: MessageKind,
    },
    /// The message must have exactly one signer.
    #[error("msg allows 1 signer")]
    OneSignerOnly,
    /// A signer is not a member of the committee.
    #[error("signer not in committee")]
    SignerNotInCommittee,
    /// The proposal's signer is not the round's leader.
    #[error("proposal leader invalid")]
    WrongProposer,
    /// A proposal for the current round when one was already accepted, or a
    /// proposal that fails its own structure check.
    #[error("proposal is not valid with current state")]
    ProposalInvalid,
    /// The digest of the carried value is not the message's root.
    #[error("H(data) != root")]
    RootMismatch,
    /// A message that must carry a value carries none.
    #[error("message carries no value")]
    MissingValue,
    /// The embedder's value check refused the value.
    #[error("value invalid: {0}")]
    InvalidValue(External),
    /// A prepare or commit arrived before any proposal was accepted in this round.
    #[error("did not receive proposal for this round")]
    NoProposalForRound,
    /// The root differs from the accepted proposal's or the justified one.
    #[error("proposed data mismatch")]
    ProposedDataMismatch,
    /// A proposal for a round above the first lacks a quorum of round changes.
    #[error("change round has no quorum")]
    RoundChangeNoQuorum,
    /// A proposal's prepare justification has no quorum.
    #[error("prepares has no quorum")]
    PreparesNoQuorum,
    /// A prepare in a proposal's justification is invalid.
    #[error("signed prepare not valid")]
    PrepareJustificationInvalid,
    /// A prepared round change's justification has no quorum of prepares.
    #[error("no justifications quorum")]
    JustificationNoQuorum,
    /// The proposed value is not the highest prepared one.
    #[error("proposed data doesn't match highest prepared")]
    NotHighestPrepared,
    /// A round change claims a prepared round above its own round.
    #[error("prepared round > round")]
    PreparedRoundTooHigh,
    /// A signature did not verify.
    #[error("msg signature invalid")]
    InvalidSignature,
    /// A commit (or decided message) failed its structure check (ssv-spec wraps
    /// the cause as CommitMessageInvalid).
    #[error("signed commit invalid: {0}")]
    CommitInvalid(Box<Error>),

    // --- controller rules
    /// The message is for a height the controller has not reached.
    #[error("future msg from height, could not process")]
    FutureMessage,
    /// No instance runs at the message's height.
    #[error("instance not found")]
    InstanceNotFound,
    /// The instance at that height already decided.
    #[error("not processing consensus message since instance is already decided")]
    InstanceDecided,
    /// `Start` asked for a height below the controller's.
    #[error("attempting to start an instance with a past height")]
    StartPastHeight,
    /// `Start` asked for a height that already has an instance.
    #[error("instance already running")]
    InstanceAlreadyRunning,
    /// `Start` reached an instance that was already started.
    #[error("instance already started")]
    AlreadyStarted,

    // --- configuration
    /// The committee is malformed.
    #[error("invalid committee: {0}")]
    InvalidCommittee(&'static str),
}

impl Error {
    /// Whether an error can mean "too early" rather than "wrong": a prepare or
    /// commit before its round's proposal, a message for a round or height not
    /// reached yet. The controller decides per message (see its `pending_limit`),
    /// since the same error can also come from inside a proposal's justification.
    pub fn may_be_early(&self) -> bool {
        matches!(
            self,
            Error::NoProposalForRound | Error::FutureMessage | Error::WrongRound
        )
    }

    /// The innermost cause, looking through [`Error::CommitInvalid`].
    pub fn root_cause(&self) -> &Error {
        match self {
            Error::CommitInvalid(inner) => inner.root_cause(),
            other => other,
        }
    }
}
