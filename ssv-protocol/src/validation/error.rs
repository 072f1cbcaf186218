//! Why a gossip message is dropped, and whether the sender is penalised.

/// The action gossipsub takes on a message that failed validation.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Action {
    /// Drop it; the sender is not penalised (it may be honest but early, late, or
    /// ahead of our view).
    Ignore,
    /// Drop it and lower the sender's score (no honest node sends it).
    Reject,
}

/// A broken validation rule. Each variant says its action in `action()`; the
/// names follow the Go node's errors where one exists.
#[derive(Copy, Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ValidationError {
    // --- A: pubsub and syntax
    /// Empty pubsub data.
    #[error("pubsub message has no data")]
    PubSubNoData,
    /// Pubsub data larger than the maximum encoded message size.
    #[error("pubsub data too big")]
    PubSubDataTooBig,
    /// Not an SSZ `SignedSSVMessage`.
    #[error("malformed pubsub message")]
    MalformedPubSubMessage,
    /// No signers.
    #[error("no signers")]
    NoSigners,
    /// No signatures.
    #[error("no signatures")]
    NoSignatures,
    /// A signature that is not 256 bytes.
    #[error("wrong RSA signature size")]
    WrongRsaSignatureSize,
    /// Signers not sorted.
    #[error("signers not sorted")]
    SignersNotSorted,
    /// Signers and signatures differ in number.
    #[error("signers and signatures differ in number")]
    SignersAndSignaturesMismatch,
    /// Operator 0 signed.
    #[error("zero signer")]
    ZeroSigner,
    /// A signer appears twice.
    #[error("duplicated signer")]
    DuplicatedSigner,
    /// A signer is not a registered operator.
    #[error("unknown operator")]
    UnknownOperator,
    /// Empty SSV message data.
    #[error("empty data")]
    EmptyData,
    /// SSV message data too big.
    #[error("ssv data too big")]
    SsvDataTooBig,
    /// SSV message type neither consensus nor partial signature.
    #[error("unknown SSV message type")]
    UnknownSsvMessageType,
    /// Another network's domain.
    #[error("wrong domain")]
    WrongDomain,
    /// Role outside 0-5.
    #[error("invalid role")]
    InvalidRole,

    // --- B: semantic lookup
    /// Unknown committee.
    #[error("non-existent committee ID")]
    NonExistentCommitteeId,
    /// Committee without validators.
    #[error("committee has no validators")]
    NoValidators,
    /// Unknown validator.
    #[error("unknown validator")]
    UnknownValidator,
    /// Liquidated validator.
    #[error("validator liquidated")]
    ValidatorLiquidated,
    /// Share without beacon metadata.
    #[error("no share metadata")]
    NoShareMetadata,
    /// Validator not active.
    #[error("validator not attesting")]
    ValidatorNotAttesting,
    /// A signer outside the committee.
    #[error("signer not in committee")]
    SignerNotInCommittee,
    /// Published on the wrong subnet.
    #[error("incorrect topic")]
    IncorrectTopic,

    // --- C: consensus
    /// QBFT message does not decode.
    #[error("undecodable message data")]
    UndecodableMessageData,
    /// More than one signer on a non-commit message.
    #[error("non-decided message with multiple signers")]
    NonDecidedWithMultipleSigners,
    /// A decided message below quorum.
    #[error("decided message with too few signers")]
    DecidedNotEnoughSigners,
    /// Full data on a prepare or single-signer commit.
    #[error("prepare or commit with full data")]
    PrepareOrCommitWithFullData,
    /// sha256(full data) differs from the root.
    #[error("invalid hash")]
    InvalidHash,
    /// QBFT message type outside 0-3.
    #[error("unknown QBFT message type")]
    UnknownQbftMessageType,
    /// Round 0.
    #[error("zero round")]
    ZeroRound,
    /// Consensus for a role that has none.
    #[error("unexpected consensus message")]
    UnexpectedConsensusMessage,
    /// Round past the role's cut-off.
    #[error("round too high")]
    RoundTooHigh,
    /// QBFT identifier differs from the message ID.
    #[error("mismatched identifier")]
    MismatchedIdentifier,
    /// Justifications that do not decode.
    #[error("malformed justifications")]
    MalformedJustifications,
    /// Prepare justifications on a non-proposal.
    #[error("unexpected prepare justifications")]
    UnexpectedPrepareJustifications,
    /// Round-change justifications on a prepare or commit.
    #[error("unexpected round-change justifications")]
    UnexpectedRoundChangeJustifications,
    /// Proposal not from the round's leader.
    #[error("signer not leader")]
    SignerNotLeader,
    /// A second message of a kind from a signer in a round.
    #[error("duplicated message")]
    DuplicatedMessage,
    /// A second proposal with other data.
    #[error("different proposal data")]
    DifferentProposalData,
    /// Round below the signer's latest.
    #[error("round already advanced")]
    RoundAlreadyAdvanced,
    /// A decided message with a signer set already seen.
    #[error("decided with same signers")]
    DecidedWithSameSigners,
    /// Round beyond the estimate for the time in the slot.
    #[error("estimated round not in allowed spread")]
    EstimatedRoundNotInAllowedSpread,

    // --- D: partial signatures
    /// Partial-signature data too big.
    #[error("partial signature data too big")]
    PartialSigDataTooBig,
    /// Partial-signature message does not decode.
    #[error("undecodable partial signature message")]
    UndecodablePartialSig,
    /// Not exactly one signer.
    #[error("partial signature message must have one signer")]
    PartialSigOneSigner,
    /// Full data on a partial-signature message.
    #[error("partial signature message with full data")]
    PartialSigWithFullData,
    /// Unknown partial-signature type.
    #[error("unknown partial signature type")]
    UnknownPartialSigType,
    /// Type not allowed for the role.
    #[error("partial signature type not allowed for role")]
    PartialSigTypeRoleMismatch,
    /// No partial signatures.
    #[error("no partial signature messages")]
    NoPartialSignatureMessages,
    /// Inner signer differs from the outer one.
    #[error("inconsistent signers")]
    InconsistentSigners,
    /// Validator index differs from the message's validator.
    #[error("validator index mismatch")]
    ValidatorIndexMismatch,
    /// A second pre- or post-consensus message from a signer at a slot.
    #[error("invalid partial signature type count")]
    InvalidPartialSignatureTypeCount,
    /// Too many partial signatures for the committee or role.
    #[error("too many partial signature messages")]
    TooManyPartialSignatureMessages,
    /// A validator index more than twice.
    #[error("triple validator index in partial signatures")]
    TripleValidatorIndexInPartialSignatures,

    // --- E: duty and timing
    /// Slot below the signer's latest (non-committee roles).
    #[error("slot already advanced")]
    SlotAlreadyAdvanced,
    /// No known duty for the proposal or contribution.
    #[error("no duty")]
    NoDuty,
    /// Before the slot (with tolerance).
    #[error("early slot message")]
    EarlySlotMessage,
    /// After the role's deadline.
    #[error("late slot message")]
    LateSlotMessage,
    /// More duties in the epoch than the role allows.
    #[error("too many duties per epoch")]
    TooManyDutiesPerEpoch,

    // --- last
    /// An RSA signature did not verify.
    #[error("signature verification failed")]
    SignatureVerification,
}

impl ValidationError {
    /// Ignore or reject, as the Go node does.
    pub fn action(&self) -> Action {
        use ValidationError::*;
        match self {
            PubSubDataTooBig
            | UnknownOperator
            | WrongDomain
            | NonExistentCommitteeId
            | UnknownValidator
            | ValidatorLiquidated
            | NoShareMetadata
            | ValidatorNotAttesting
            | IncorrectTopic
            | RoundTooHigh
            | RoundAlreadyAdvanced
            | DecidedWithSameSigners
            | EstimatedRoundNotInAllowedSpread
            | ValidatorIndexMismatch
            | SlotAlreadyAdvanced
            | NoDuty
            | EarlySlotMessage
            | LateSlotMessage
            | TooManyDutiesPerEpoch => Action::Ignore,
            _ => Action::Reject,
        }
    }
}
