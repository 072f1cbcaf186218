//! Arbitrary bytes as a trace file, and as the record and header encodings
//! inside a frame (past the checksum a fuzzer rarely forges): every failure
//! is a typed error, nothing panics.
#![no_main]
use libfuzzer_sys::fuzz_target;
use ssv_protocol::trace::bytes::Dec;
use ssv_protocol::trace::input::decode_input;
use ssv_protocol::trace::{TraceHeader, TraceReader};

fuzz_target!(|data: &[u8]| {
    let mut file = b"SSVTRACE\x01\x00".to_vec();
    file.extend_from_slice(data);
    if let Ok(mut r) = TraceReader::open(&file[..]) {
        while let Ok(Some(_)) = r.next_record() {}
    }
    let _ = TraceReader::open(data);
    let mut d = Dec::new(data);
    while let Ok(_) = decode_input(&mut d) {}
    let _ = TraceHeader::decode(&mut Dec::new(data));
});
