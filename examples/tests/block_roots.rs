//! Block roots of the valid proposer vectors, Capella to Fulu, full and blinded.
//!
//! The `types` vectors check Capella and Deneb block roots directly but hash no
//! Electra or Fulu block, so a wrong Electra list limit would pass them. These
//! expected root prefixes were computed independently (a separate Python SSZ
//! implementation, cross-checked against signing roots in the ssv runner vectors).
//! A full block and its blinded form have the same root.

use base64::Engine;
use ssv_protocol::beacon::consensus_data::ProposerConsensusData;
use ssv_protocol::beacon::proposer_data::validate_proposer_data;
use ssz_types::VariableList;

fn data_of(file: &str) -> ProposerConsensusData {
    let path = examples::spec::vectors_dir()
        .join("types/spectest/generate/tests")
        .join(file);
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).expect("vector")).unwrap();
    let cd = &v["ConsensusData"];
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(cd["DataSSZ"].as_str().unwrap())
        .unwrap();
    let version = match cd["Version"].as_str().unwrap() {
        "capella" => 4,
        "deneb" => 5,
        "electra" => 6,
        "fulu" => 7,
        other => panic!("{other}"),
    };
    // Only the role matters to validation: a proposer duty.
    let duty = ssv_protocol::beacon::consensus_data::ValidatorDuty {
        role: 2,
        pubkey: ssz_types::FixedVector::new(vec![0; 48]).unwrap(),
        slot: 0,
        validator_index: 0,
        committee_index: 0,
        committee_length: 0,
        committees_at_slot: 0,
        validator_committee_index: 0,
        validator_sync_committee_indices: VariableList::new(vec![]).unwrap(),
    };
    ProposerConsensusData {
        duty,
        version,
        data_ssz: VariableList::new(bytes).unwrap(),
    }
}

#[test]
fn proposal_block_roots_from_capella_to_fulu() {
    let cases = [
        ("capella", "92a0d124"),
        ("deneb", "a8097859"),
        ("electra", "85fb813f"),
        ("fulu", "0e39f5b6"),
    ];
    for (fork, prefix) in cases {
        for blinded in [false, true] {
            let file = if blinded {
                format!("proposerconsensusdata.ProposerConsensusDataTest_proposerconsensusdata_valid_{fork}_blinded_block.json")
            } else {
                format!("proposerconsensusdata.ProposerConsensusDataTest_proposerconsensusdata_valid_{fork}_block.json")
            };
            let block =
                validate_proposer_data(&data_of(&file)).unwrap_or_else(|e| panic!("{fork}: {e}"));
            assert_eq!(block.is_blinded(), blinded, "{fork}");
            let root = hex::encode(block.block_root());
            assert!(
                root.starts_with(prefix),
                "{fork} (blinded: {blinded}): root {root}, expected {prefix}…"
            );
        }
    }
}
