//! Work a replay can do for an input ahead of feeding it, on another thread:
//! what the machine will compute from the input's bytes alone and remember
//! anyway. Outputs never depend on it, only the replay's speed does.

use crate::node::Input;
use crate::signature_check::{prepare_partial, prepare_root};
use crate::wire::{PartialSignatureMessages, SignedSsvMessage, SsvMsgType};

/// For a gossiped partial-signature message: hashes to G2 the signing roots
/// its partial signatures (and the signatures rebuilt from them) are checked
/// against, and decompresses the partial signatures. Other inputs, and bytes
/// that do not decode, are left alone: the machine refuses those itself.
/// Returns how many distinct roots it hashed or found hashed.
pub fn prepare(input: &Input) -> usize {
    let Input::Gossip { data, .. } = input else {
        return 0;
    };
    let Ok(m) = SignedSsvMessage::decode(data) else {
        return 0;
    };
    if m.ssv_message.msg_type != SsvMsgType::PartialSignature {
        return 0;
    }
    let Ok(p) = PartialSignatureMessages::decode(&m.ssv_message.data) else {
        return 0;
    };
    let mut roots: Vec<[u8; 32]> = p.messages.iter().map(|s| s.signing_root).collect();
    roots.sort_unstable();
    roots.dedup();
    for root in &roots {
        prepare_root(root);
    }
    for s in &p.messages {
        prepare_partial(&s.signature);
    }
    roots.len()
}

#[cfg(test)]
mod tests {
    use super::prepare;
    use crate::node::Input;
    use crate::wire::{
        MessageId, PartialSigKind, PartialSignature, PartialSignatureMessages, Role,
        SignedSsvMessage, SsvMessage, SsvMsgType,
    };

    fn gossip(msg_type: SsvMsgType, data: Vec<u8>) -> Input {
        let m = SignedSsvMessage {
            signatures: vec![vec![0; 256]],
            operator_ids: vec![1],
            ssv_message: SsvMessage {
                msg_type,
                msg_id: MessageId::for_validator([0; 4], Role::Aggregator, &[0xAA; 48]),
                data,
            },
            full_data: vec![],
        };
        Input::Gossip {
            id: 1,
            peer: vec![],
            topic: String::new(),
            data: m.encode(),
            signatures: Some(true),
        }
    }

    #[test]
    fn hashes_the_distinct_roots_of_partial_signatures_only() {
        let partial = |root: u8, index: u64| PartialSignature {
            signature: [1; 96],
            signing_root: [root; 32],
            signer: 1,
            validator_index: index,
        };
        let p = PartialSignatureMessages {
            kind: PartialSigKind::PostConsensus,
            slot: 5,
            messages: vec![partial(7, 1), partial(8, 2), partial(7, 3)],
        };
        assert_eq!(
            prepare(&gossip(SsvMsgType::PartialSignature, p.encode())),
            2
        );
        assert_eq!(prepare(&gossip(SsvMsgType::Consensus, p.encode())), 0);
        assert_eq!(
            prepare(&gossip(SsvMsgType::PartialSignature, vec![1, 2])),
            0
        );
        let mut cut = gossip(SsvMsgType::PartialSignature, p.encode());
        if let Input::Gossip { data, .. } = &mut cut {
            data.truncate(10);
        }
        assert_eq!(prepare(&cut), 0);
        assert_eq!(prepare(&Input::Tick), 0);
    }
}
