//! Gossipsub as the SSV network runs it (p2p facts §1): the `ssv.v2.<n>` topics
//! taken as raw strings, message IDs from xxhash64 of the data, messages with
//! an author and sequence number but no signature, the Go node's mesh and
//! timing parameters, and validation by the node (accept, ignore, reject).

use std::time::Duration;

use libp2p::gossipsub::{self, IdentTopic, MessageAuthenticity, ValidationMode};
use libp2p::identity::Keypair;
use ssv_protocol::identifiers::{gossip_message_id, subnet_topic};

/// The largest message: the Go node's bound on an encoded SignedSSVMessage.
pub const MAX_MESSAGE_SIZE: usize = 9_589_483;
/// How long a message ID is remembered: 550 heartbeats of 700 ms.
pub const SEEN_TTL: Duration = Duration::from_secs(385);

/// The topic of a subnet.
pub fn topic(subnet: u64) -> IdentTopic {
    IdentTopic::new(subnet_topic(subnet))
}

/// The SSV gossipsub configuration.
pub fn config() -> Result<gossipsub::Config, String> {
    gossipsub::ConfigBuilder::default()
        .mesh_n(8)
        .mesh_n_low(6)
        .mesh_n_high(12)
        .gossip_lazy(6)
        .heartbeat_interval(Duration::from_millis(700))
        .history_length(6)
        .history_gossip(4)
        .max_ihave_messages_heartbeat(32)
        .fanout_ttl(Duration::from_secs(60))
        .max_transmit_size(MAX_MESSAGE_SIZE)
        .duplicate_cache_time(SEEN_TTL)
        .flood_publish(false)
        .idontwant_message_size_threshold(1024)
        // The Go node publishes with `from` and a sequence number but no
        // signature, and rejects signed messages.
        .validation_mode(ValidationMode::Permissive)
        .validate_messages()
        .message_id_fn(|m: &gossipsub::Message| {
            gossipsub::MessageId::from(gossip_message_id(&m.data).to_vec())
        })
        .build()
        .map_err(|e| e.to_string())
}

/// The gossipsub behaviour: our peer ID as author, no signature.
pub fn behaviour(key: &Keypair) -> Result<gossipsub::Behaviour, String> {
    gossipsub::Behaviour::new(
        MessageAuthenticity::Author(key.public().to_peer_id()),
        config()?,
    )
    .map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use ssv_protocol::identifiers::{committee_id, committee_subnet};

    #[test]
    fn topics_and_ids_match_the_network() {
        // Operators {1,2,3,4} map to subnet 114.
        let subnet = committee_subnet(&committee_id(&[4, 3, 2, 1]));
        assert_eq!(subnet, 114);
        assert_eq!(topic(subnet).hash().as_str(), "ssv.v2.114");
        // xxhash64("hello"), little-endian, then four zero bytes.
        assert_eq!(
            hex::encode(gossip_message_id(b"hello")),
            "a36d9f887d82c72600000000"
        );
        let c = config().unwrap();
        assert_eq!((c.mesh_n(), c.mesh_n_low(), c.mesh_n_high()), (8, 6, 12));
        assert_eq!(c.max_transmit_size(), MAX_MESSAGE_SIZE);
        assert!(!c.flood_publish());
    }
}
