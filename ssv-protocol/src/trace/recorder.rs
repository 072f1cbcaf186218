//! Recording one `Node` in memory, for embeddings that drive the machine
//! themselves (the demo cluster, the duty-level simulator): the first input,
//! which must be the registry, goes into the header; every later input into a
//! record with the count and rolling digest of what it produced.

use std::sync::Arc;

use super::{OutputDigest, SelectionKind, TraceHeader, TraceWriter, ValueChecksKind};
use crate::node::{Input, NodeConfig, Output};

/// A trace being written to memory.
///
/// The header names the value checks and aggregator selection as
/// [`ValueChecksKind::Chain`] and [`SelectionKind::Spec`]: a node recorded with
/// other ones does not replay to the same outputs.
pub struct MemoryRecorder {
    software: String,
    network: String,
    config: NodeConfig,
    writer: Option<TraceWriter<Vec<u8>>>,
    digest: OutputDigest,
    error: Option<std::io::Error>,
}

impl MemoryRecorder {
    /// Records a node that runs with `config`; `software` and `network` go into
    /// the header as they are.
    pub fn new(
        software: impl Into<String>,
        network: impl Into<String>,
        config: NodeConfig,
    ) -> Self {
        MemoryRecorder {
            software: software.into(),
            network: network.into(),
            config,
            writer: None,
            digest: OutputDigest::default(),
            error: None,
        }
    }

    /// One input the node took at `now` (Unix milliseconds, or the embedding's
    /// virtual clock), and everything the node produced for it. Inputs before
    /// the first registry are not recorded (the replay starts from a registry).
    pub fn observe(&mut self, now: u64, input: &Input, outputs: &[Output]) {
        for o in outputs {
            self.digest.push(o);
        }
        let result = match (&mut self.writer, input) {
            (Some(w), _) => w.record(now, input, outputs.len() as u64, self.digest.short()),
            (None, Input::Registry(registry)) => {
                let c = &self.config;
                let header = TraceHeader {
                    software: self.software.clone(),
                    network: self.network.clone(),
                    operator_id: c.operator_id,
                    network_domain: c.network_domain,
                    chain: (*c.chain).clone(),
                    roles: c.roles,
                    value_checks: ValueChecksKind::Chain,
                    selection: SelectionKind::Spec,
                    gas_limit: c.gas_limit,
                    proposer_delay_ms: c.proposer_delay_ms,
                    max_instances: c.max_instances as u64,
                    pending_limit: c.pending_limit as u64,
                    start_ms: now,
                    registry: Arc::clone(registry),
                    start_outputs: outputs.len() as u64,
                    start_digest: self.digest.short(),
                };
                TraceWriter::new(Vec::new(), &header).map(|w| self.writer = Some(w))
            }
            (None, _) => Ok(()),
        };
        if let Err(e) = result {
            self.error.get_or_insert(e);
        }
    }

    /// The trace's bytes, or the first write error, or an error if the node
    /// never got its registry.
    pub fn finish(self) -> std::io::Result<Vec<u8>> {
        if let Some(e) = self.error {
            return Err(e);
        }
        match self.writer {
            Some(w) => w.finish(),
            None => Err(std::io::Error::other(
                "the recorded node never got its registry",
            )),
        }
    }
}
