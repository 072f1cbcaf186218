//! Recording one operator's `Node` in the demo cluster as a trace
//! ([`ssv_protocol::trace`]), in memory.

use ssv_protocol::node::{Input, NodeConfig, Output};
use ssv_protocol::trace::MemoryRecorder;

/// The trace being written for one operator.
pub struct Recording {
    /// The recorded operator.
    pub op: u64,
    recorder: MemoryRecorder,
}

impl Recording {
    /// Records operator `op`, whose node runs with `config`.
    pub fn new(op: u64, config: NodeConfig) -> Self {
        let software = format!("examples local-cluster {}", env!("CARGO_PKG_VERSION"));
        Recording {
            op,
            recorder: MemoryRecorder::new(software, "local-cluster", config),
        }
    }

    /// One input the operator's node took at `now`, and what it produced.
    pub fn observe(&mut self, now: u64, input: &Input, outputs: &[Output]) {
        self.recorder.observe(now, input, outputs);
    }

    /// The trace's bytes.
    pub fn finish(self) -> std::io::Result<Vec<u8>> {
        self.recorder.finish()
    }
}
