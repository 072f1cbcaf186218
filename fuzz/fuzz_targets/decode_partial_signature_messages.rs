//! Any bytes: a `PartialSignatureMessages` or a typed error, never a panic; what decodes re-encodes
//! to the same bytes.
#![no_main]
use libfuzzer_sys::fuzz_target;
use ssv_protocol::wire::PartialSignatureMessages;

fuzz_target!(|data: &[u8]| {
    if let Ok(m) = PartialSignatureMessages::decode(data) {
        assert_eq!(m.encode(), data, "decoding is not canonical");
        let _ = m.tree_hash_root();
    }
});
