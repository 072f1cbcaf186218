//! Recording and replaying the [`ssv_protocol::node::Node`] machine's inputs:
//! the file side of [`ssv_protocol::trace`]. [`Recorder`] writes a trace on
//! its own thread while the node runs (`anchor-runtime node --record FILE`);
//! [`replay_file`] rebuilds the machine from a trace and feeds it every input
//! (`anchor-runtime replay FILE`).

mod recorder;
mod replay;

pub use recorder::Recorder;
pub use replay::{replay_file, ReplayOptions, ReplayOutcome};
