//! Any bytes as a proposer consensus value, then its block by version: a value,
//! a block, or a typed error; never a panic.
#![no_main]
use libfuzzer_sys::fuzz_target;
use ssv_protocol::beacon::consensus_data::ProposerConsensusData;
use ssv_protocol::beacon::proposer_data::validate_proposer_data;
use ssz::{Decode, Encode};

fuzz_target!(|data: &[u8]| {
    if let Ok(cd) = ProposerConsensusData::from_ssz_bytes(data) {
        assert_eq!(cd.as_ssz_bytes(), data, "decoding is not canonical");
        if let Ok(block) = validate_proposer_data(&cd) {
            let _ = block.block_root();
        }
    }
});
