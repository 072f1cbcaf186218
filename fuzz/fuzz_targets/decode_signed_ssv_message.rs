//! Any bytes: a `SignedSSVMessage` or a typed error, never a panic; what decodes
//! re-encodes to the same bytes.
#![no_main]
use libfuzzer_sys::fuzz_target;
use ssv_protocol::wire::SignedSsvMessage;

fuzz_target!(|data: &[u8]| {
    if let Ok(m) = SignedSsvMessage::decode(data) {
        assert_eq!(m.encode(), data, "decoding is not canonical");
        let _ = m.tree_hash_root();
    }
});
