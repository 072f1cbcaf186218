//! The SSV wire types and their SSZ encoding, decoding and hash-tree-roots,
//! byte for byte as ssv-spec defines them.

mod beacon_vote;
mod codec;
pub mod merkle;
mod message_id;
mod partial_sig;
mod qbft_message;
mod share;
mod ssv_message;
mod validate;

pub use beacon_vote::{BeaconVote, Checkpoint, BEACON_VOTE_SIZE};
pub use codec::DecodeError;
pub use message_id::{DomainType, MessageId, Role};
pub use partial_sig::{
    PartialSigKind, PartialSignature, PartialSignatureMessages, MAX_PARTIAL_SIGNATURES,
    PARTIAL_SIGNATURE_SIZE,
};
pub use qbft_message::{
    QbftMessage, MAX_IDENTIFIER, MAX_JUSTIFICATIONS, MAX_PREPARE_JUSTIFICATION,
    MAX_ROUND_CHANGE_JUSTIFICATION,
};
pub use share::{Share, ShareMember, MAX_SHARE_MEMBERS};
pub use ssv_message::{
    SignedSsvMessage, SsvMessage, SsvMsgType, MAX_FULL_DATA, MAX_SIGNATURE_SIZE, MAX_SIGNERS,
    MAX_SSV_DATA,
};
pub use validate::{validate_signers, MessageError};
