//! Any bytes: a QBFT message or a typed error; what decodes re-encodes exactly.
#![no_main]
use libfuzzer_sys::fuzz_target;
use ssv_protocol::wire::QbftMessage;

fuzz_target!(|data: &[u8]| {
    if let Ok(m) = QbftMessage::decode(data) {
        assert_eq!(m.encode(), data, "decoding is not canonical");
        let _ = m.tree_hash_root();
    }
});
