//! Peer limits as the Go node sets them (`P2P_MAX_PEERS` 60, dynamic: 3 more
//! per subscribed subnet, at most 150; inbound peers at most half of that).

/// The most peers for `subnets` subscribed subnets.
pub fn max_peers(subnets: usize) -> usize {
    (60 + 3 * subnets).min(150)
}

/// Whether a new peer may stay: `inbound` when it dialed us; `peers` and
/// `inbound_peers` are the counts before it.
pub fn admit(inbound: bool, peers: usize, inbound_peers: usize, max: usize) -> bool {
    peers < max && (!inbound || inbound_peers < max / 2)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_follow_the_go_node() {
        assert_eq!(max_peers(0), 60);
        assert_eq!(max_peers(4), 72);
        assert_eq!(max_peers(128), 150);
        assert!(admit(false, 59, 30, 60));
        assert!(!admit(false, 60, 0, 60));
        assert!(admit(true, 40, 29, 60));
        assert!(!admit(true, 40, 30, 60));
    }
}
