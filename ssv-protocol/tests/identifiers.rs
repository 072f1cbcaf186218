//! Derived identifiers against values computed by hand from the protocol facts
//! (with Python's hashlib, xxhash and pycryptodome, independently of this code).

use ssv_protocol::identifiers::{
    cluster_id, committee_id, committee_subnet, gossip_message_id, subnet_topic, Network,
};

fn hex32(s: &str) -> [u8; 32] {
    hex::decode(s).unwrap().try_into().unwrap()
}

#[test]
fn committee_id_is_sha256_of_sorted_u32_le_ids() {
    // sha256(01000000 02000000 03000000 04000000)
    let want = hex32("cf97adeedb59e05bfd73a2b4c2a8885708c4f4f70c84c64b27120e72ab733b72");
    assert_eq!(committee_id(&[1, 2, 3, 4]), want);
    assert_eq!(
        committee_id(&[4, 3, 2, 1]),
        want,
        "order of the input must not matter"
    );
    let other = hex32("129f2c9238d2c96bc9b52866b7e1d0c5510566301815adfb6191f73d8438b47b");
    assert_eq!(committee_id(&[100, 9, 7, 5]), other);
}

#[test]
fn subnet_is_the_id_as_big_endian_integer_mod_128() {
    assert_eq!(committee_subnet(&committee_id(&[1, 2, 3, 4])), 114);
    assert_eq!(committee_subnet(&committee_id(&[5, 7, 9, 100])), 123);
    assert_eq!(subnet_topic(114), "ssv.v2.114");
}

#[test]
fn gossip_message_id_is_xxhash64_le_then_four_zero_bytes() {
    let want = hex::decode("efafaf81669c50a600000000").unwrap();
    assert_eq!(gossip_message_id(b"hello ssv").to_vec(), want);
}

#[test]
fn cluster_id_is_keccak_of_owner_and_sorted_be_ids() {
    let owner: [u8; 20] = hex::decode("00112233445566778899aabbccddeeff00112233")
        .unwrap()
        .try_into()
        .unwrap();
    let want = hex32("22690ef37681dd4f14c593b8cd640c7f8f1cfa96dadbf47c09bec7818257413c");
    assert_eq!(cluster_id(&owner, &[4, 1, 3, 2]), want);
}

#[test]
fn domain_types_of_the_public_networks() {
    let table = [
        (Network::Mainnet, "00000001"),
        (Network::Holesky, "00000502"),
        (Network::Hoodi, "00000503"),
        (Network::Sepolia, "00000569"),
    ];
    for (network, domain) in table {
        assert_eq!(hex::encode(network.domain_type()), domain, "{network:?}");
        assert_eq!(Network::from_name(network.name()), Some(network));
    }
}

#[test]
fn topic_match_accepts_only_the_canonical_name() {
    use ssv_protocol::identifiers::is_subnet_topic;
    assert!(is_subnet_topic("ssv.v2.114", 114));
    assert!(is_subnet_topic("ssv.v2.0", 0));
    for other in [
        "ssv.v2.115",
        "ssv.v2.0114",
        "ssv.v2.+114",
        "ssv.v1.114",
        "ssv.v2.",
        "ssv.v2.114 ",
    ] {
        assert!(!is_subnet_topic(other, 114), "{other}");
    }
}
