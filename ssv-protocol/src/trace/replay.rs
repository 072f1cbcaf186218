//! Replay: a [`Node`] rebuilt from a trace header, fed every record at its
//! receive time, its outputs digested as the recorder digested them and
//! compared after every input.

use qbft_core::Timestamp;

use super::digest::{bytes_summary, cut, describe, hex8, OutputDigest};
use super::file::Record;
use super::header::TraceHeader;
use crate::node::{Input, Node, NodeResponse, Output};

/// Where replayed outputs first differ from the recorded ones.
#[derive(Clone, Debug)]
pub struct Divergence {
    /// The record's index; `None` for the header's start input.
    pub index: Option<u64>,
    /// Its receive time (Unix milliseconds).
    pub at: u64,
    /// The input, readable.
    pub input: String,
    /// Outputs the recording node produced.
    pub recorded_outputs: u64,
    /// Its digest after them.
    pub recorded_digest: [u8; 8],
    /// The replay's digest after its outputs.
    pub replayed_digest: [u8; 8],
    /// The outputs the replay produced, readable.
    pub replayed: Vec<String>,
}

impl std::fmt::Display for Divergence {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.index {
            Some(i) => writeln!(f, "divergence at input {i} (t = {} ms)", self.at)?,
            None => writeln!(f, "divergence at the start input (t = {} ms)", self.at)?,
        }
        writeln!(f, "  input: {}", self.input)?;
        writeln!(
            f,
            "  recorded: {} outputs, digest {}",
            self.recorded_outputs,
            hex8(&self.recorded_digest)
        )?;
        writeln!(
            f,
            "  replayed: {} outputs, digest {}",
            self.replayed.len(),
            hex8(&self.replayed_digest)
        )?;
        for (i, o) in self.replayed.iter().enumerate() {
            writeln!(f, "    [{i}] {o}")?;
        }
        Ok(())
    }
}

/// Replays a trace's records into a fresh [`Node`].
#[derive(Debug)]
pub struct Replayer {
    node: Node,
    digest: OutputDigest,
    inputs: u64,
}

impl Replayer {
    /// Builds the node from the header and feeds it the start registry; a
    /// divergence there is returned too.
    pub fn start(header: &TraceHeader) -> (Self, Option<Divergence>) {
        let mut r = Replayer {
            node: Node::new(header.node_config()),
            digest: OutputDigest::default(),
            inputs: 0,
        };
        let input = Input::Registry(std::sync::Arc::clone(&header.registry));
        let described = describe_input(&input);
        let div = r.feed(
            header.start_ms,
            input,
            header.start_outputs,
            header.start_digest,
        );
        let div = div.map(|replayed| Divergence {
            index: None,
            at: header.start_ms,
            input: described,
            recorded_outputs: header.start_outputs,
            recorded_digest: header.start_digest,
            replayed_digest: r.digest.short(),
            replayed,
        });
        (r, div)
    }

    /// Feeds one record; its divergence, if its outputs differ.
    pub fn step(&mut self, rec: Record) -> Option<Divergence> {
        let described = describe_input(&rec.input);
        let replayed = self.feed(rec.at, rec.input, rec.outputs, rec.digest)?;
        Some(Divergence {
            index: Some(rec.index),
            at: rec.at,
            input: described,
            recorded_outputs: rec.outputs,
            recorded_digest: rec.digest,
            replayed_digest: self.digest.short(),
            replayed,
        })
    }

    /// The node, for inspection.
    pub fn node(&self) -> &Node {
        &self.node
    }

    /// Inputs fed, the start input included.
    pub fn inputs(&self) -> u64 {
        self.inputs
    }

    /// Feeds an input; the replayed outputs, readable, when they differ.
    fn feed(
        &mut self,
        at: u64,
        input: Input,
        outputs: u64,
        digest: [u8; 8],
    ) -> Option<Vec<String>> {
        self.node.handle(Timestamp(at), input);
        self.inputs += 1;
        let mut outs: Vec<Output> = Vec::new();
        while let Some(o) = self.node.poll_output() {
            self.digest.push(&o);
            outs.push(o);
        }
        if outs.len() as u64 == outputs && self.digest.short() == digest {
            return None;
        }
        Some(outs.iter().map(describe).collect())
    }
}

/// A one-line readable form of an input.
pub fn describe_input(input: &Input) -> String {
    match input {
        Input::Registry(r) => format!(
            "Registry {{ operators: {}, validators: {}, ours: {} }}",
            r.operators.len(),
            r.validators.len(),
            r.validators.iter().filter(|v| v.share.is_some()).count()
        ),
        Input::Gossip {
            id,
            peer,
            topic,
            data,
            signatures,
        } => format!(
            "Gossip {{ id: {id}, peer: 0x{}, topic: {topic}, data: {}, signatures: {signatures:?} }}",
            hex8(peer),
            bytes_summary(data)
        ),
        Input::Response {
            id,
            response: NodeResponse::OperatorSignature(s),
        } => format!("Response {{ id: {id}, OperatorSignature({}) }}", bytes_summary(s)),
        other => cut(format!("{other:?}"), 400),
    }
}
