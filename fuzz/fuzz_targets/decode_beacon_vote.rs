//! Any bytes: a `BeaconVote` or a typed error, never a panic; what decodes re-encodes
//! to the same bytes.
#![no_main]
use libfuzzer_sys::fuzz_target;
use ssv_protocol::wire::BeaconVote;

fuzz_target!(|data: &[u8]| {
    if let Ok(m) = BeaconVote::decode(data) {
        assert_eq!(m.encode(), data, "decoding is not canonical");
        let _ = m.tree_hash_root();
    }
});
