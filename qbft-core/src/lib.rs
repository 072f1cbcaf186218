//! # qbft-core
//!
//! QBFT consensus as the SSV specification defines it, as a pure state machine:
//! no clock, no randomness, no IO, no threads. It is generic over the decided value
//! and over how signatures are checked, through the [`Context`] trait the embedder
//! implements.
//!
//! Two machines:
//! - [`Instance`]: one height, from start to decision (proposal, prepare, commit and
//!   round change, with their justifications, the f+1 round jump, round timeouts
//!   and the cut-off round).
//! - [`Controller`]: instances across heights, future and late messages, and
//!   decided (aggregated-commit) messages.
//!
//! ## The drive contract
//!
//! Every machine has one `Input` enum and one `Output` enum and is driven the
//! same way:
//! 1. `handle(now, input)` feeds one input stamped with the time it happened. On
//!    `Err` the input was refused and the state is unchanged.
//! 2. `poll_output()` drains what the input caused, in order, until `None`.
//! 3. `poll_timeout()` says when to feed `Input::Tick` next. A tick before the
//!    deadline does nothing, so the embedder never cancels timers.
//!
//! `Output::Broadcast` carries an unsigned message: the embedder signs it, sends
//! it, and feeds the signed copy back as `Input::Message`, the same path peers'
//! messages take. The machine never holds a key.
//!
//! ```
//! use std::collections::VecDeque;
//! use std::sync::Arc;
//! use qbft_core::{
//!     Committee, Context, Controller, ControllerConfig, ControllerInput, ControllerOutput,
//!     Digest, External, InstanceConfig, SignedMessage, Timestamp,
//! };
//!
//! /// A toy embedding: values are numbers, "signatures" are the signer's ID.
//! #[derive(Clone, Debug)]
//! struct Demo;
//!
//! impl Context for Demo {
//!     type Value = u64;
//!     type Envelope = ();
//!     fn digest(&self, value: &u64) -> Digest {
//!         let mut d = [0u8; 32];
//!         d[..8].copy_from_slice(&value.to_le_bytes());
//!         d
//!     }
//!     fn check_value(&self, _value: &u64) -> Result<(), External> {
//!         Ok(())
//!     }
//!     fn verify_signatures(&self, msg: &SignedMessage<Self>) -> bool {
//!         msg.signers.iter().zip(&msg.signatures).all(|(id, sig)| sig == &id.to_le_bytes())
//!     }
//! }
//!
//! let committee = Committee::new([1, 2, 3, 4]).unwrap();
//! let mut nodes: Vec<Controller<Demo>> = committee
//!     .members()
//!     .iter()
//!     .map(|&id| {
//!         let instance = InstanceConfig { self_id: id, committee: committee.clone(), cut_off_round: 12 };
//!         Controller::new(Demo, ControllerConfig {
//!             instance,
//!             identifier: b"demo".to_vec(),
//!             max_instances: 4,
//!             pending_limit: 64,
//!         })
//!     })
//!     .collect();
//!
//! let now = Timestamp(0);
//! let mut wire: VecDeque<Arc<SignedMessage<Demo>>> = VecDeque::new();
//! let mut decided = Vec::new();
//! for (i, node) in nodes.iter_mut().enumerate() {
//!     node.handle(now, ControllerInput::Start { height: 1, value: 40 + i as u64 }).unwrap();
//! }
//! loop {
//!     // Drain every node; "sign" and broadcast what they ask for.
//!     for (i, node) in nodes.iter_mut().enumerate() {
//!         let id = (i + 1) as u64;
//!         while let Some(out) = node.poll_output() {
//!             match out {
//!                 ControllerOutput::Broadcast { message, .. } => wire.push_back(Arc::new(SignedMessage {
//!                     signers: vec![id],
//!                     signatures: vec![id.to_le_bytes().to_vec()],
//!                     message: message.message,
//!                     full_data: message.full_data,
//!                     envelope: (),
//!                 })),
//!                 ControllerOutput::Decided { value, .. } => decided.push((id, value)),
//!                 _ => {}
//!             }
//!         }
//!     }
//!     let Some(msg) = wire.pop_front() else { break };
//!     for node in nodes.iter_mut() {
//!         // Late messages after a decision are refused with an error; that is fine.
//!         let _ = node.handle(now, ControllerInput::Message(Arc::clone(&msg)));
//!     }
//! }
//! // The leader of height 1, round 1 is operator 2; everyone decides its value.
//! assert_eq!(decided.len(), 4);
//! assert!(decided.iter().all(|(_, v)| *v == 41));
//! // Nothing is waiting on a timer any more.
//! assert!(nodes.iter().all(|n| n.poll_timeout().is_none()));
//! ```
//!
//! ## Errors and panics
//!
//! Every refused input returns an [`Error`] naming the spec rule it broke. No input,
//! however malformed, panics.

#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::panic, clippy::indexing_slicing)
)]

mod container;
mod context;
mod controller;
mod error;
pub mod instance;
mod message;
mod state;
#[cfg(feature = "testkit")]
pub mod testkit;
mod types;

pub use container::{unique_signers, MsgContainer};
pub use context::{Context, QuickSlowTimeouts};
pub use controller::{
    Controller, ControllerConfig, Input as ControllerInput, Output as ControllerOutput,
};
pub use error::{Error, External};
pub use instance::{Input as InstanceInput, Instance, InstanceConfig, Output as InstanceOutput};
pub use message::{Message, MessageKind, Outgoing, SignedMessage};
pub use state::State;
pub use types::{
    round_robin_proposer, Committee, Digest, Height, OperatorId, Round, Timestamp, FIRST_HEIGHT,
    FIRST_ROUND, NO_ROUND,
};
