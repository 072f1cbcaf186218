//! The SSV contract's registry, as pure code: its events decoded from logs,
//! the shares blob, and the [`RegistryMachine`] that applies each event's rules
//! exactly as the Go node does (protocol facts §5) and turns them into
//! [`Change`]s for the driver to store, one transaction per block.
//!
//! ```
//! use ssv_protocol::contract::{ContractState, Input, LogEntry, Output, RegistryMachine};
//!
//! // Resume from what the store holds (here: nothing), following the registry
//! // without an operator key of our own.
//! let mut machine = RegistryMachine::new(ContractState::default(), None, None);
//! let log = LogEntry { block: 10, log_index: 0, topics: vec![[0u8; 32]], data: vec![] };
//! machine.handle(Input::Log(log)).expect("logs in order");
//! let mut block_changes = Vec::new();
//! while let Some(output) = machine.poll_output() {
//!     match output {
//!         Output::Change { change, .. } => block_changes.push(change),
//!         Output::Skipped(skipped) => eprintln!("skipped: {}", skipped.reason),
//!     }
//! }
//! // An unknown event is ignored: nothing to store for block 10 but its number.
//! assert!(block_changes.is_empty());
//! ```

mod abi;
mod address;
mod events;
mod machine;
mod shares_blob;
mod state;

pub use address::Address;
pub use events::{
    decode_log, event_name, event_topics, keccak256, ClusterSnapshot, ContractEvent,
    EVENT_SIGNATURES,
};
pub use machine::{DriveError, Input, LogEntry, Output, RegistryMachine, SkipReason, Skipped};
pub use shares_blob::{
    ownership_message, SharesBlob, SharesError, ENCRYPTED_SHARE_LEN, SHARE_PUBKEY_LEN,
    SIGNATURE_LEN,
};
pub use state::{cluster_id, Change, ContractState, OperatorRecord, OwnerRecord, ValidatorRecord};

/// Why a log could not be decoded as the event its first topic names.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EventError {
    /// The log has no topics.
    #[error("log has no topics")]
    NoTopics,
    /// The wrong number of indexed topics for the event.
    #[error("{event}: {got} indexed topics")]
    TopicCount {
        /// The event.
        event: &'static str,
        /// How many it had.
        got: usize,
    },
    /// The data ends before this value.
    #[error("data ends inside {0}")]
    Truncated(&'static str),
    /// This value does not fit its type (dirty high bytes, a bool not 0 or 1).
    #[error("{0} out of range for its type")]
    OutOfRange(&'static str),
}
