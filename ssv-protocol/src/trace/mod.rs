//! Traces: everything a [`crate::node::Node`] was given, with receive times,
//! so a run can be replayed to the same outputs, step by step.
//!
//! A trace is a header ([`TraceHeader`]: software, network, operator, the
//! node's configuration and the registry at start) and then one [`Record`] per
//! input the machine received: raw gossip bytes before validation (with the
//! embedder's signature verdict), head events, exit events, registry updates,
//! every answer (duties, beacon data, slashing verdicts, share and operator
//! signatures, failures) and ticks. Each record carries the count and rolling
//! digest ([`OutputDigest`]) of the outputs its input produced, so replay
//! finds the first input whose outputs differ. No key material is ever
//! written: the machine never holds a secret, and only its inputs are
//! recorded.
//!
//! This module is pure: it encodes and decodes over `std::io::Read`/`Write`
//! and byte slices, opens no file and reads no clock, so a fuzzer can drive
//! [`TraceReader`] over arbitrary bytes. Every malformed input is a
//! [`TraceError`] naming the byte offset or the version, never a panic.
//!
//! ```
//! use ssv_protocol::trace::{TraceReader, TraceError};
//! let err = TraceReader::open(&b"SSVTRACE\x07\x00"[..]).unwrap_err();
//! assert!(matches!(err, TraceError::NewerVersion { found: 7, .. }));
//! ```

pub mod bytes;
pub mod digest;
mod file;
pub mod header;
pub mod input;
mod prepare;
mod recorder;
mod replay;

pub use digest::OutputDigest;
pub use file::{frame_payloads, Record, TraceReader, TraceWriter};
pub use header::{SelectionKind, TraceHeader, ValueChecksKind};
pub use prepare::{prepare, Preparer, RebuildCheck};
pub use recorder::MemoryRecorder;
pub use replay::{describe_input, Divergence, Replayer};

/// The first bytes of every trace file.
pub const MAGIC: &[u8; 8] = b"SSVTRACE";
/// The format version this build writes and the newest it reads (2: the
/// chain's sync subcommittee size is in the header; 1 is still read).
pub const FORMAT_VERSION: u16 = 2;
/// The largest frame, raw or compressed (a gossip message is at most 9.6 MB).
pub const MAX_FRAME: usize = 32 * 1024 * 1024;

/// Why a trace cannot be read.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TraceError {
    /// The file does not start with [`MAGIC`].
    #[error("not a trace file (it does not start with SSVTRACE)")]
    NotATrace,
    /// Written by a newer format than this build reads.
    #[error("trace format version {found} is newer than this build reads (up to {supported})")]
    NewerVersion {
        /// The file's version.
        found: u16,
        /// The newest this build reads.
        supported: u16,
    },
    /// The file ends inside something.
    #[error("trace truncated at offset {offset}: {what}")]
    Truncated {
        /// Byte offset in the file.
        offset: u64,
        /// What was being read.
        what: &'static str,
    },
    /// Bytes that do not hold what they must.
    #[error("trace corrupted at offset {offset}: {what}")]
    Corrupt {
        /// Byte offset of the frame in the file.
        offset: u64,
        /// What is wrong.
        what: String,
    },
    /// The source failed.
    #[error("reading the trace at offset {offset}: {message}")]
    Io {
        /// Byte offset in the file.
        offset: u64,
        /// The error.
        message: String,
    },
}
