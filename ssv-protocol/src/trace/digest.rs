//! The rolling digest of the node's outputs and their readable form. Each
//! output is hashed in a canonical form (bytes as bytes: published messages,
//! submissions and messages to sign; everything else by its `Debug` text,
//! which holds no map of unspecified order), chained into one SHA-256:
//! `state = SHA-256(state ‖ len ‖ output)`. A trace stores the state's first
//! 8 bytes and the output count after every input, so replay finds the first
//! input whose outputs differ.

use sha2::{Digest as _, Sha256};

use super::bytes::Enc;
use crate::node::{NodeRequest, Output};

/// The rolling output digest.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OutputDigest {
    state: [u8; 32],
}

impl OutputDigest {
    /// Chains one output in.
    pub fn push(&mut self, out: &Output) {
        let bytes = canonical(out);
        let mut h = Sha256::new();
        h.update(self.state);
        h.update((bytes.len() as u64).to_le_bytes());
        h.update(&bytes);
        self.state = h.finalize().into();
    }

    /// The first 8 bytes of the state, as traces store it.
    pub fn short(&self) -> [u8; 8] {
        let mut out = [0u8; 8];
        out.copy_from_slice(&self.state[..8]);
        out
    }
}

/// The canonical bytes of one output.
pub fn canonical(out: &Output) -> Vec<u8> {
    let mut e = Enc::default();
    match out {
        Output::Verdict { id, verdict } => {
            e.u8(0);
            e.var(*id);
            e.str(&format!("{verdict:?}"));
        }
        Output::Publish { topic, data } => {
            e.u8(1);
            e.str(topic);
            e.bytes(data);
        }
        Output::Request { id, request } => {
            e.u8(2);
            e.var(*id);
            match request {
                NodeRequest::OperatorSign(m) => {
                    e.u8(0);
                    e.bytes(&m.encode());
                }
                other => {
                    e.u8(1);
                    e.str(&format!("{other:?}"));
                }
            }
        }
        Output::Submit(s) => {
            e.u8(3);
            e.str(&format!("{:?}", s.kind));
            e.var(s.version.to_u64());
            e.var(s.validator_index);
            e.fixed(&s.root);
            e.bytes(&s.ssz);
        }
        Output::Event(ev) => {
            e.u8(4);
            e.str(&format!("{ev:?}"));
        }
    }
    e.buf
}

/// A one-line readable form of an output: byte payloads are shown by length and
/// SHA-256 prefix, long texts are cut.
pub fn describe(out: &Output) -> String {
    match out {
        Output::Publish { topic, data } => {
            format!(
                "Publish {{ topic: {topic}, data: {} }}",
                bytes_summary(data)
            )
        }
        Output::Submit(s) => format!(
            "Submit {{ {:?} {:?}, validator {}, root 0x{}, ssz: {} }}",
            s.kind,
            s.version,
            s.validator_index,
            hex8(&s.root),
            bytes_summary(&s.ssz)
        ),
        Output::Request {
            id,
            request: NodeRequest::OperatorSign(m),
        } => format!(
            "Request {{ id: {id}, OperatorSign({:?} {:?}, data: {}) }}",
            m.msg_type,
            m.msg_id,
            bytes_summary(&m.data)
        ),
        other => cut(format!("{other:?}"), 400),
    }
}

/// `N bytes, sha256 0x…` for a byte payload.
pub fn bytes_summary(b: &[u8]) -> String {
    let h: [u8; 32] = Sha256::digest(b).into();
    format!("{} bytes, sha256 0x{}", b.len(), hex8(&h))
}

/// The first 8 bytes in hex.
pub fn hex8(b: &[u8]) -> String {
    b.iter().take(8).map(|x| format!("{x:02x}")).collect()
}

/// `s` cut to at most `max` characters.
pub fn cut(mut s: String, max: usize) -> String {
    if let Some((i, _)) = s.char_indices().nth(max) {
        s.truncate(i);
        s.push('…');
    }
    s
}
