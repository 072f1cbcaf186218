//! The registry machine against the Go node's rules (protocol facts §5), with
//! logs ABI-encoded here independently of the crate's decoder.

use std::sync::Arc;

use aws_lc_rs::rsa::{KeySize, Pkcs1PublicEncryptingKey, PublicEncryptingKey};
use aws_lc_rs::signature::KeyPair;
use ssv_protocol::contract::{
    cluster_id, decode_log, event_topics, keccak256, ownership_message, Address, Change,
    ContractEvent, ContractState, Input, LogEntry, Output, RegistryMachine, SharesBlob, SkipReason,
    EVENT_SIGNATURES,
};
use ssv_protocol::operator_key::OperatorSigner;
use ssv_protocol::threshold::{self, SecretKey};

// ---- an ABI encoder, written for the test ----

enum Val {
    U64(u64),
    Addr(Address),
    Bytes(Vec<u8>),
    U64s(Vec<u64>),
    /// The Cluster tuple (static: inline words).
    Cluster(u32, u64, u64, bool),
}

fn word(v: u64) -> [u8; 32] {
    let mut w = [0u8; 32];
    w[24..].copy_from_slice(&v.to_be_bytes());
    w
}

fn addr_word(a: &Address) -> [u8; 32] {
    let mut w = [0u8; 32];
    w[12..].copy_from_slice(&a.0);
    w
}

fn encode(vals: &[Val]) -> Vec<u8> {
    let head_len: usize = vals
        .iter()
        .map(|v| {
            if matches!(v, Val::Cluster(..)) {
                5 * 32
            } else {
                32
            }
        })
        .sum();
    let mut head = Vec::new();
    let mut tail = Vec::new();
    for v in vals {
        match v {
            Val::U64(x) => head.extend(word(*x)),
            Val::Addr(a) => head.extend(addr_word(a)),
            Val::Cluster(count, fee, index, active) => {
                head.extend(word(u64::from(*count)));
                head.extend(word(*fee));
                head.extend(word(*index));
                head.extend(word(u64::from(*active)));
                head.extend([0u8; 32]);
            }
            Val::Bytes(b) => {
                head.extend(word((head_len + tail.len()) as u64));
                tail.extend(word(b.len() as u64));
                tail.extend(b);
                tail.resize(tail.len().div_ceil(32) * 32, 0);
            }
            Val::U64s(xs) => {
                head.extend(word((head_len + tail.len()) as u64));
                tail.extend(word(xs.len() as u64));
                for x in xs {
                    tail.extend(word(*x));
                }
            }
        }
    }
    head.extend(tail);
    head
}

fn topic(sig: &str) -> [u8; 32] {
    keccak256(sig.as_bytes())
}

// ---- a small world: operators with RSA keys, validators split among them ----

struct Op {
    id: u64,
    signer: Arc<OperatorSigner>,
    encrypt: Pkcs1PublicEncryptingKey,
}

fn new_operator(id: u64) -> Op {
    let pair = aws_lc_rs::rsa::KeyPair::generate(KeySize::Rsa2048).unwrap();
    let pkcs8 =
        aws_lc_rs::encoding::AsDer::<aws_lc_rs::encoding::Pkcs8V1Der>::as_der(&pair).unwrap();
    let pkcs1 = {
        use rsa::pkcs1::EncodeRsaPrivateKey;
        use rsa::pkcs8::DecodePrivateKey;
        rsa::PrivateKey::from_pkcs8_der(pkcs8.as_ref())
            .unwrap()
            .to_pkcs1_der()
            .unwrap()
    };
    let signer = Arc::new(OperatorSigner::from_pkcs1_der(pkcs1.as_bytes()).unwrap());
    let spki = signer.public_key().spki_der().to_vec();
    let encrypt =
        Pkcs1PublicEncryptingKey::new(PublicEncryptingKey::from_der(&spki).unwrap()).unwrap();
    let _ = pair.public_key();
    Op {
        id,
        signer,
        encrypt,
    }
}

fn owner(n: u8) -> Address {
    Address([n; 20])
}

struct World {
    ops: Vec<Op>,
    machine: RegistryMachine,
    block: u64,
}

impl World {
    fn new(n_ops: u64, own: Option<usize>) -> Self {
        let ops: Vec<Op> = (1..=n_ops).map(new_operator).collect();
        let key = own.map(|i| ops[i].signer.clone());
        World {
            ops,
            machine: RegistryMachine::new(ContractState::default(), None, key),
            block: 100,
        }
    }

    /// Feeds one log in its own block; returns the outputs.
    fn feed(&mut self, topics: Vec<[u8; 32]>, data: Vec<u8>) -> Vec<Output> {
        self.block += 1;
        let log = LogEntry {
            block: self.block,
            log_index: 0,
            topics,
            data,
        };
        self.machine.handle(Input::Log(log)).unwrap();
        std::iter::from_fn(|| self.machine.poll_output()).collect()
    }

    fn add_operator(&mut self, i: usize, by: Address) -> Vec<Output> {
        let b64 = self.ops[i].signer.public_key().to_base64_pem();
        let inner = encode(&[Val::Bytes(b64.into_bytes())]);
        let id = self.ops[i].id;
        self.feed(
            vec![topic(EVENT_SIGNATURES[0]), word(id), addr_word(&by)],
            encode(&[Val::Bytes(inner), Val::U64(0)]),
        )
    }

    /// A shares blob for validator key `sk`, split among `ids`, signed for
    /// (owner, nonce).
    fn blob(&self, sk: &SecretKey, ids: &[u64], owner: &Address, nonce: u64) -> Vec<u8> {
        let shares = threshold::split(sk, ids, (ids.len() - 1) / 3 * 2 + 1, &[7u8; 32]).unwrap();
        let pubs: Vec<_> = shares.iter().map(|(_, s)| s.sk_to_pk()).collect();
        let enc: Vec<Vec<u8>> = shares
            .iter()
            .map(|(id, s)| {
                let Some(op) = self.ops.iter().find(|o| o.id == *id) else {
                    return vec![0u8; 256]; // an operator the world does not have
                };
                let plain = hex::encode(s.to_bytes());
                let mut out = vec![0u8; 256];
                op.encrypt
                    .encrypt(plain.as_bytes(), &mut out)
                    .unwrap()
                    .to_vec()
            })
            .collect();
        SharesBlob::build(sk, owner, nonce, &pubs, &enc)
    }

    fn add_validator(
        &mut self,
        owner: Address,
        ids: &[u64],
        pk: &[u8],
        blob: Vec<u8>,
    ) -> Vec<Output> {
        self.feed(
            vec![topic(EVENT_SIGNATURES[2]), addr_word(&owner)],
            encode(&[
                Val::U64s(ids.to_vec()),
                Val::Bytes(pk.to_vec()),
                Val::Bytes(blob),
                Val::Cluster(1, 0, 0, true),
            ]),
        )
    }

    fn cluster_event(&mut self, kind: usize, owner: Address, ids: &[u64]) -> Vec<Output> {
        self.feed(
            vec![topic(EVENT_SIGNATURES[kind]), addr_word(&owner)],
            encode(&[Val::U64s(ids.to_vec()), Val::Cluster(0, 0, 0, kind == 5)]),
        )
    }

    fn validator_event(
        &mut self,
        kind: usize,
        owner: Address,
        ids: &[u64],
        pk: &[u8],
    ) -> Vec<Output> {
        let mut vals = vec![Val::U64s(ids.to_vec()), Val::Bytes(pk.to_vec())];
        if kind == 3 {
            vals.push(Val::Cluster(0, 0, 0, true));
        }
        self.feed(
            vec![topic(EVENT_SIGNATURES[kind]), addr_word(&owner)],
            encode(&vals),
        )
    }
}

fn skipped(outputs: &[Output]) -> Vec<SkipReason> {
    outputs
        .iter()
        .filter_map(|o| match o {
            Output::Skipped(s) => Some(s.reason.clone()),
            _ => None,
        })
        .collect()
}

fn validator_key(n: u64) -> SecretKey {
    threshold::interop_secret_key(n).unwrap()
}

// ---- tests ----

#[test]
fn topics_match_the_contract_abi() {
    // The keccak256 of each canonical signature, as computed independently
    // (protocol notes, eth-facts §2).
    let want = [
        "d839f31c14bd632f424e307b36abff63ca33684f77f28e35dc13718ef338f7f4",
        "0e0ba6c2b04de36d6d509ec5bd155c43a9fe862f8052096dd54f3902a74cca3e",
        "48a3ea0796746043948f6341d17ff8200937b99262a0b48c2663b951ed7114e5",
        "ccf4370403e5fbbde0cd3f13426479dcd8a5916b05db424b7a2c04978cf8ce6e",
        "1fce24c373e07f89214e9187598635036111dbb363e99f4ce498488cdc66e688",
        "c803f8c01343fcdaf32068f4c283951623ef2b3fa0c547551931356f456b6859",
        "259235c230d57def1521657e7c7951d3b385e76193378bc87ef6b56bc2ec3548",
        "b4b20ffb2eb1f020be3df600b2287914f50c07003526d3a9d89a9dd12351828c",
    ];
    for (t, w) in event_topics().iter().zip(want) {
        assert_eq!(hex::encode(t), w);
    }
}

#[test]
fn cluster_id_and_ownership_signature_match_mainnet_values() {
    let owner = Address::from_hex("0xE1b2308852F0e85D9F23278A6A80131ac8901dBF").unwrap();
    assert_eq!(
        hex::encode(cluster_id(&owner, &[259, 62, 282, 256])),
        "a3d1e25b31cb6da1b9636568a221b0d7ae1a57a7f14ace5c97d1093ebf6b786c"
    );
    // A ValidatorAdded signature from mainnet: owner 0x382f…Df6, nonce 8.
    let owner = Address::from_hex("0x382f6ff5b9a29fcf1dd2bf8b86c3234dc7ed2df6").unwrap();
    assert_eq!(
        hex::encode(ownership_message(&owner, 8)),
        "32b2772a6daac6532a21a0b4f01e3728099abab56f9e135c9ff6122b44fd74fa"
    );
    let pk = hex::decode("94cbce91137bfda4a7638941a68d6b156712bd1ce80e5dc580adc74a445099cbbfb9f97a6c7c89c6a87e28e0657821ac").unwrap();
    let sig = hex::decode("9720bfb2aa152d512232dc255f9565b226800bc362f1e2462e08a8856317497e3d21c5e2690b86f8e27f3c6c666d9487104c72847bba9493aa8fcc2d473b4c83dcc7b3db2f732da2a8a3df6e2609a65222e335321f694a7ab3ac16f55920d645").unwrap();
    let mut blob = sig.clone();
    blob.extend(vec![0u8; 4 * (48 + 256)]);
    let parsed = SharesBlob::parse(&blob, 4).unwrap();
    assert!(parsed.verify(&pk, &owner, 8).is_ok());
    assert!(parsed.verify(&pk, &owner, 9).is_err());
}

#[test]
fn registry_follows_every_event_with_the_go_node_rules() {
    let mut w = World::new(5, Some(0));
    let alice = owner(0xa1);
    let bob = owner(0xb0);
    for i in 0..4 {
        assert!(skipped(&w.add_operator(i, alice)).is_empty());
    }
    assert_eq!(
        w.machine.state().own_operator,
        Some(1),
        "our key registered as operator 1"
    );
    // The same key again under a new ID, and the same ID again: skipped.
    let register = |w: &mut World, id: u64, key_of: usize| {
        let b64 = w.ops[key_of].signer.public_key().to_base64_pem();
        w.feed(
            vec![topic(EVENT_SIGNATURES[0]), word(id), addr_word(&alice)],
            encode(&[
                Val::Bytes(encode(&[Val::Bytes(b64.into_bytes())])),
                Val::U64(0),
            ]),
        )
    };
    assert_eq!(
        skipped(&register(&mut w, 9, 1)),
        vec![SkipReason::OperatorKeyExists]
    );
    assert_eq!(
        skipped(&register(&mut w, 2, 4)),
        vec![SkipReason::OperatorExists(2)]
    );

    let ids = [1, 2, 3, 4];
    let (sk1, sk2, sk3) = (validator_key(1), validator_key(2), validator_key(3));
    let pk1 = sk1.sk_to_pk().to_bytes();
    let pk2 = sk2.sk_to_pk().to_bytes();
    let pk3 = sk3.sk_to_pk().to_bytes();

    // Nonce 0: good.
    let blob = w.blob(&sk1, &ids, &alice, 0);
    assert!(skipped(&w.add_validator(alice, &ids, &pk1, blob)).is_empty());
    let v1 = &w.machine.state().validators[&pk1];
    assert!(v1.own_encrypted_share.is_some());
    assert_eq!(v1.cluster_id, cluster_id(&alice, &ids));

    // Signed for nonce 0 again while the next is 1: skipped, but it uses nonce 1.
    let blob = w.blob(&sk2, &ids, &alice, 0);
    let out = w.add_validator(alice, &ids, &pk2, blob);
    assert!(matches!(skipped(&out)[..], [SkipReason::Shares(_)]));
    assert_eq!(w.machine.state().owners[&alice].nonce, Some(1));
    // So the next good one must be signed for nonce 2.
    let blob = w.blob(&sk2, &ids, &alice, 1);
    assert!(!skipped(&w.add_validator(alice, &ids, &pk2, blob)).is_empty());
    let blob = w.blob(&sk2, &ids, &alice, 3);
    assert!(skipped(&w.add_validator(alice, &ids, &pk2, blob)).is_empty());

    // An undecodable ValidatorAdded does not use a nonce.
    let out = w.feed(
        vec![topic(EVENT_SIGNATURES[2]), addr_word(&alice)],
        vec![1, 2, 3],
    );
    assert!(matches!(skipped(&out)[..], [SkipReason::Decode(_)]));
    assert_eq!(w.machine.state().owners[&alice].nonce, Some(3));

    // Committee rules.
    let blob = w.blob(&sk3, &[1, 2, 3, 9], &bob, 0);
    assert_eq!(
        skipped(&w.add_validator(bob, &[1, 2, 3, 9], &pk3, blob)),
        vec![SkipReason::UnknownOperator(9)]
    );
    let out = w.add_validator(bob, &[1, 2, 3], &pk3, vec![]);
    assert_eq!(skipped(&out), vec![SkipReason::CommitteeSize(3)]);
    let out = w.add_validator(bob, &[1, 2, 2, 3], &pk3, vec![]);
    assert_eq!(skipped(&out), vec![SkipReason::DuplicateOperator(2)]);
    // Bob's nonce is now 2 (three parseable events); an existing validator under
    // another owner is refused.
    let blob = w.blob(&sk1, &ids, &bob, 3);
    assert_eq!(
        skipped(&w.add_validator(bob, &ids, &pk1, blob)),
        vec![SkipReason::OtherOwner]
    );

    // Bob's fee recipient: the record exists (made by the nonce bumps) and keeps its nonce.
    let out = w.feed(
        vec![topic(EVENT_SIGNATURES[6]), addr_word(&bob)],
        encode(&[Val::Addr(owner(0xfe))]),
    );
    assert_eq!(out.len(), 1);
    assert_eq!(w.machine.state().owners[&bob].fee_recipient, owner(0xfe));
    assert_eq!(w.machine.state().owners[&bob].nonce, Some(3));
    // A fee recipient for a new owner creates a record with no nonce.
    let carol = owner(0xca);
    w.feed(
        vec![topic(EVENT_SIGNATURES[6]), addr_word(&carol)],
        encode(&[Val::Addr(owner(1))]),
    );
    assert_eq!(w.machine.state().owners[&carol].nonce, None);
    assert_eq!(w.machine.state().next_nonce(&carol), 0);

    // Liquidation touches the cluster's validators only, and reactivation undoes it.
    w.cluster_event(4, alice, &[4, 3, 2, 1]);
    assert!(w.machine.state().validators[&pk1].liquidated);
    assert!(w.machine.state().validators[&pk2].liquidated);
    let out = w.cluster_event(4, bob, &ids);
    assert!(out.is_empty(), "bob has no cluster on 1..4");
    w.cluster_event(5, alice, &ids);
    assert!(!w.machine.state().validators[&pk1].liquidated);

    // Exit and removal, owner-checked.
    assert_eq!(
        skipped(&w.validator_event(7, bob, &ids, &pk1)),
        vec![SkipReason::OtherOwner]
    );
    let block = w.block + 1;
    w.validator_event(7, alice, &ids, &pk1);
    assert_eq!(w.machine.state().exit_requests, vec![(pk1, block)]);
    assert!(skipped(&w.validator_event(3, alice, &ids, &pk1)).is_empty());
    assert!(!w.machine.state().validators.contains_key(&pk1));
    assert_eq!(
        skipped(&w.validator_event(3, alice, &ids, &pk1)),
        vec![SkipReason::ValidatorNotFound]
    );

    // Operator removal leaves validators alone.
    let out = w.feed(vec![topic(EVENT_SIGNATURES[1]), word(4)], vec![]);
    assert!(matches!(
        out[..],
        [Output::Change {
            change: Change::RemoveOperator { id: 4 },
            ..
        }]
    ));
    assert!(w.machine.state().validators.contains_key(&pk2));
    let out = w.feed(vec![topic(EVENT_SIGNATURES[1]), word(4)], vec![]);
    assert_eq!(skipped(&out), vec![SkipReason::OperatorNotFound(4)]);
}

#[test]
fn our_share_must_decrypt_to_its_listed_key() {
    let mut w = World::new(4, Some(2));
    let alice = owner(1);
    for i in 0..4 {
        w.add_operator(i, alice);
    }
    let ids = [1, 2, 3, 4];
    let sk = validator_key(5);
    let pk = sk.sk_to_pk().to_bytes();
    let mut blob = w.blob(&sk, &ids, &alice, 0);
    // Swap operator 3's (ours) and operator 4's ciphertexts.
    let at = 96 + 4 * 48 + 2 * 256;
    let (a, b) = blob[at..at + 512].split_at_mut(256);
    a.swap_with_slice(b);
    let out = w.add_validator(alice, &ids, &pk, blob);
    assert!(matches!(skipped(&out)[..], [SkipReason::OwnShare(_)]));
    assert!(w.machine.state().validators.is_empty());
    assert_eq!(
        w.machine.state().owners[&alice].nonce,
        Some(0),
        "the nonce is used anyway"
    );
}

#[test]
fn out_of_order_logs_are_refused_and_change_nothing() {
    let mut w = World::new(1, None);
    w.add_operator(0, owner(1));
    let before = w.machine.state().clone();
    let log = LogEntry {
        block: w.block,
        log_index: 0,
        topics: vec![topic(EVENT_SIGNATURES[1]), word(1)],
        data: vec![],
    };
    assert!(w.machine.handle(Input::Log(log)).is_err());
    assert_eq!(w.machine.state(), &before);
    assert!(w.machine.poll_output().is_none());
}

#[test]
fn decoder_reads_what_the_encoder_wrote() {
    let alice = owner(3);
    let data = encode(&[
        Val::U64s(vec![1, 2, 3, 4]),
        Val::Bytes(vec![9; 48]),
        Val::Bytes(vec![8; 100]),
        Val::Cluster(7, 5, 6, true),
    ]);
    let event = decode_log(&[topic(EVENT_SIGNATURES[2]), addr_word(&alice)], &data)
        .unwrap()
        .unwrap();
    match event {
        ContractEvent::ValidatorAdded {
            owner,
            operator_ids,
            public_key,
            shares,
            cluster,
        } => {
            assert_eq!(owner, alice);
            assert_eq!(operator_ids, vec![1, 2, 3, 4]);
            assert_eq!(public_key, vec![9; 48]);
            assert_eq!(shares, vec![8; 100]);
            assert_eq!(
                (
                    cluster.validator_count,
                    cluster.network_fee_index,
                    cluster.index,
                    cluster.active
                ),
                (7, 5, 6, true)
            );
        }
        other => panic!("decoded as {other:?}"),
    }
    // Every truncation that cuts into a value is an error (only the last value's
    // 28 bytes of padding may go).
    for cut in 0..data.len() - 28 {
        assert!(
            decode_log(
                &[topic(EVENT_SIGNATURES[2]), addr_word(&alice)],
                &data[..cut]
            )
            .is_err(),
            "cut at {cut}"
        );
    }
    // An event the node does not act on.
    assert_eq!(
        decode_log(
            &[topic("OperatorFeeExecuted(address,uint64,uint256,uint256)")],
            &[]
        ),
        Ok(None)
    );
}

#[test]
fn node_registry_from_the_contract_carries_our_share_once_beacon_knows_the_index() {
    use ssv_protocol::node::{BeaconMetadata, Registry};
    use std::collections::BTreeMap;
    let mut w = World::new(5, Some(1));
    let alice = owner(1);
    for i in 0..5 {
        w.add_operator(i, alice);
    }
    let (sk_a, sk_b) = (validator_key(11), validator_key(12));
    let (pk_a, pk_b) = (sk_a.sk_to_pk().to_bytes(), sk_b.sk_to_pk().to_bytes());
    let blob = w.blob(&sk_a, &[1, 2, 3, 4], &alice, 0);
    w.add_validator(alice, &[1, 2, 3, 4], &pk_a, blob);
    let blob = w.blob(&sk_b, &[1, 3, 4, 5], &alice, 1);
    w.add_validator(alice, &[1, 3, 4, 5], &pk_b, blob);
    w.feed(
        vec![topic(EVENT_SIGNATURES[6]), addr_word(&alice)],
        encode(&[Val::Addr(owner(9))]),
    );
    let state = w.machine.state();
    let mut beacon = BTreeMap::new();
    beacon.insert(
        pk_a,
        BeaconMetadata {
            index: 40,
            active: true,
        },
    );
    let reg = Registry::from_contract(state, &beacon, [0, 0, 4, 2], [0; 32]);
    assert_eq!(reg.operators.len(), 5);
    let a = reg.validators.iter().find(|v| v.pubkey == pk_a).unwrap();
    let share = a.share.as_ref().unwrap();
    assert_eq!(share.validator_index, 40);
    assert_eq!(
        share.share_pubkey, state.validators[&pk_a].share_pubkeys[1],
        "operator 2 is second"
    );
    assert_eq!(share.fee_recipient, owner(9).0);
    assert_eq!(share.committee.len(), 4);
    assert!(a.runs());
    // Not in our committee: no share. Unknown to the beacon node: no index.
    let b = reg.validators.iter().find(|v| v.pubkey == pk_b).unwrap();
    assert!(b.share.is_none() && b.index.is_none() && !b.runs());
    assert_eq!(reg.scheduled().len(), 1);
}
