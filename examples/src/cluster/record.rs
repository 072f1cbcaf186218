//! Recording one operator's `Node` in the demo cluster as a trace
//! ([`ssv_protocol::trace`]), in memory: its first input (the registry) goes
//! into the header, every later input into a record with its outputs' digest.

use std::sync::Arc;

use ssv_protocol::node::{Input, NodeConfig, Output};
use ssv_protocol::trace::{OutputDigest, SelectionKind, TraceHeader, TraceWriter, ValueChecksKind};

/// The trace being written for one operator.
pub struct Recording {
    /// The recorded operator.
    pub op: u64,
    config: NodeConfig,
    writer: Option<TraceWriter<Vec<u8>>>,
    digest: OutputDigest,
    error: Option<std::io::Error>,
}

impl Recording {
    /// Records operator `op`, whose node runs with `config`.
    pub fn new(op: u64, config: NodeConfig) -> Self {
        Recording {
            op,
            config,
            writer: None,
            digest: OutputDigest::default(),
            error: None,
        }
    }

    /// One input the operator's node took at `now`, and what it produced.
    pub fn observe(&mut self, now: u64, input: &Input, outputs: &[Output]) {
        for o in outputs {
            self.digest.push(o);
        }
        let result = match (&mut self.writer, input) {
            (Some(w), _) => w.record(now, input, outputs.len() as u64, self.digest.short()),
            (None, Input::Registry(registry)) => {
                let c = &self.config;
                let header = TraceHeader {
                    software: format!("examples local-cluster {}", env!("CARGO_PKG_VERSION")),
                    network: "local-cluster".into(),
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
            // Nothing reaches a node before its registry in the demo.
            (None, _) => Ok(()),
        };
        if let Err(e) = result {
            self.error.get_or_insert(e);
        }
    }

    /// The trace's bytes.
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
