//! A deterministic test embedding: values are numbers, digests and "signatures"
//! are keyed mixes of the message fields. Forging one without the signer's ID is
//! detected, which is what the tests need; it is not cryptography.

use std::sync::Arc;

use super::rng::mix;
use crate::context::Context;
use crate::error::External;
use crate::message::{Message, MessageKind, Outgoing, SignedMessage};
use crate::types::{Digest, Height, OperatorId, Round, NO_ROUND};

/// The value every [`TestContext`] refuses.
pub const INVALID_VALUE: u64 = u64::MAX;

/// The test value check's complaint.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("test value {0} refused")]
pub struct RefusedValue(pub u64);

/// The test embedding. Proposers follow SSV's round robin unless `leader` is set.
#[derive(Clone, Debug, Default)]
pub struct TestContext {
    /// A fixed leader for every round, if set.
    pub leader: Option<OperatorId>,
}

/// A message in the test embedding.
pub type TestMessage = SignedMessage<TestContext>;

impl Context for TestContext {
    type Value = u64;
    type Envelope = ();

    fn digest(&self, value: &u64) -> Digest {
        digest(*value)
    }

    fn check_value(&self, value: &u64) -> Result<(), External> {
        if *value == INVALID_VALUE {
            Err(External::new(RefusedValue(*value)))
        } else {
            Ok(())
        }
    }

    fn verify_signatures(&self, msg: &TestMessage) -> bool {
        msg.signers.len() == msg.signatures.len()
            && msg
                .signers
                .iter()
                .zip(&msg.signatures)
                .all(|(id, sig)| *sig == tag(*id, &msg.message))
    }

    fn proposer(
        &self,
        committee: &crate::types::Committee,
        height: Height,
        round: Round,
    ) -> OperatorId {
        self.leader
            .unwrap_or_else(|| crate::types::round_robin_proposer(committee, height, round))
    }
}

/// The digest of a test value.
pub fn digest(value: u64) -> Digest {
    let mut d = [0u8; 32];
    for (i, chunk) in d.chunks_mut(8).enumerate() {
        chunk.copy_from_slice(
            &mix(value ^ (i as u64).wrapping_mul(0x1234_5678_9ABC_DEF1)).to_le_bytes(),
        );
    }
    d
}

fn message_hash(m: &Message<TestContext>) -> u64 {
    let mut h = mix(m.kind.to_u64() ^ 0xA5A5);
    for x in [m.height, m.round, m.data_round] {
        h = mix(h ^ x);
    }
    for b in m.identifier.iter().chain(m.root.iter()) {
        h = mix(h ^ u64::from(*b));
    }
    for j in m
        .round_change_justification
        .iter()
        .chain(&m.prepare_justification)
    {
        for (id, sig) in j.signers.iter().zip(&j.signatures) {
            h = mix(h ^ id);
            for b in sig {
                h = mix(h ^ u64::from(*b));
            }
        }
        h = mix(h ^ message_hash(&j.message));
    }
    h
}

/// The "signature" of operator `id` over `message`.
pub fn tag(id: OperatorId, message: &Message<TestContext>) -> Vec<u8> {
    mix(message_hash(message) ^ mix(id)).to_le_bytes().to_vec()
}

/// Signs an outgoing message as operator `id`.
pub fn sign(id: OperatorId, out: Outgoing<TestContext>) -> Arc<TestMessage> {
    Arc::new(SignedMessage {
        signers: vec![id],
        signatures: vec![tag(id, &out.message)],
        message: out.message,
        full_data: out.full_data,
        envelope: (),
    })
}

/// A bare message, for building test inputs by hand.
pub fn message(
    kind: MessageKind,
    height: Height,
    round: Round,
    value: u64,
    identifier: &[u8],
) -> Message<TestContext> {
    Message {
        kind,
        height,
        round,
        identifier: identifier.to_vec(),
        root: digest(value),
        data_round: NO_ROUND,
        round_change_justification: Vec::new(),
        prepare_justification: Vec::new(),
    }
}
