//! Any bytes as an aggregator committee consensus value, then its validation
//! (which decodes every attestation): never a panic.
#![no_main]
use libfuzzer_sys::fuzz_target;
use ssv_protocol::beacon::aggregator_data::AggregatorCommitteeConsensusData;
use ssz::{Decode, Encode};

fuzz_target!(|data: &[u8]| {
    if let Ok(cd) = AggregatorCommitteeConsensusData::from_ssz_bytes(data) {
        assert_eq!(cd.as_ssz_bytes(), data, "decoding is not canonical");
        let _ = cd.validate();
    }
});
