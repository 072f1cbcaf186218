//! Any bytes as a `Share`: a value or a typed error; what decodes re-encodes
//! exactly.
#![no_main]
use libfuzzer_sys::fuzz_target;
use ssv_protocol::wire::Share;

fuzz_target!(|data: &[u8]| {
    if let Ok(m) = Share::decode(data) {
        assert_eq!(m.encode(), data, "decoding is not canonical");
        let _ = m.tree_hash_root();
    }
});
