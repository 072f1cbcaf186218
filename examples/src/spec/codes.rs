//! Our typed errors mapped onto the spec's numeric error codes (`error-codes.tsv`).
//! The mapping lives here, in the test runner, not in the library.

use qbft_core::Error;
use ssv_protocol::consensus::EnvelopeError;

/// The outcome of an operation as the spec's tests see it: no error, or an error
/// with its code (0 when the spec's error carries none).
pub type Outcome = Option<u32>;

/// The value-check error of the spec's test configuration.
#[derive(Debug, thiserror::Error)]
#[error("invalid value (code {0})")]
pub struct CodedValueError(pub u32);

/// The spec code of a QBFT error.
pub fn qbft_code(e: &Error) -> u32 {
    use qbft_core::MessageKind;
    match e {
        Error::NoSigners => 16,
        Error::NonUniqueSigner => 9,
        Error::ZeroSigner => 17,
        Error::NoSignatures => 15,
        Error::EmptySignature => 13,
        Error::SignatureCountMismatch => 12,
        Error::InvalidEnvelope(ext) => match ext.0.downcast_ref::<EnvelopeError>() {
            Some(EnvelopeError::InvalidMsgType) => 29,
            Some(EnvelopeError::InvalidRole) => 87,
            _ => 0,
        },
        Error::InvalidIdentifier => 31,
        Error::InvalidMessageType => 29,
        Error::InvalidRound => 30,
        Error::InstanceStopped => 54,
        Error::TimeoutAfterStop => 70,
        Error::PastRound => 58,
        Error::WrongHeight => 7,
        Error::WrongRound => 55,
        Error::UnexpectedKind {
            expected: MessageKind::Commit,
            ..
        } => 6,
        Error::OneSignerOnly => 56,
        Error::SignerNotInCommittee => 8,
        Error::WrongProposer => 67,
        Error::ProposalInvalid => 61,
        Error::RootMismatch => 62,
        Error::InvalidValue(ext) => ext.0.downcast_ref::<CodedValueError>().map_or(0, |c| c.0),
        Error::NoProposalForRound => 57,
        Error::ProposedDataMismatch => 59,
        Error::RoundChangeNoQuorum => 60,
        Error::PrepareJustificationInvalid => 65,
        Error::JustificationNoQuorum => 66,
        Error::InvalidSignature => 63,
        Error::CommitInvalid(_) => 5,
        Error::FutureMessage => 2,
        Error::InstanceDecided => 21,
        Error::StartPastHeight => 69,
        Error::InstanceAlreadyRunning => 68,
        _ => 0,
    }
}

/// The spec code for an undecodable message (ssv-spec `UnmarshalSSZErrorCode`).
pub const DECODE: u32 = 1;

/// Compares an outcome with a vector's `ExpectedErrorCode`.
pub fn check(expected: u64, got: Outcome) -> Result<(), String> {
    match (expected, got) {
        (0, None) => Ok(()),
        (0, Some(code)) => Err(format!("expected no error, got error code {code}")),
        (want, Some(code)) if u64::from(code) == want => Ok(()),
        (want, got) => Err(format!("expected error code {want}, got {got:?}")),
    }
}

/// The spec code of a wire-level structural error.
pub fn message_code(e: &ssv_protocol::wire::MessageError) -> u32 {
    use ssv_protocol::wire::MessageError as M;
    match e {
        M::NoSigners => 16,
        M::NonUniqueSigner => 9,
        M::ZeroSigner => 17,
        M::NoSignatures => 15,
        M::EmptySignature => 13,
        M::SignatureCountMismatch => 12,
        M::InvalidMsgType => 29,
        M::InvalidRole => 87,
        M::NoPartialSignatures => 19,
        M::InconsistentSigners => 18,
        _ => 0,
    }
}
