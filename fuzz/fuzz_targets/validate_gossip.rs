//! Arbitrary gossip through the message validator: each input is a sequence of
//! messages (sending peer, topic, time step, bytes). Nothing may panic, every
//! message gets a verdict, and the state stays bounded. Both role sets (the live
//! network's and the pinned spec's) are exercised.
#![no_main]
use std::collections::BTreeMap;
use std::sync::{Arc, OnceLock};

use libfuzzer_sys::fuzz_target;
use ssv_protocol::identifiers::{committee_id, committee_subnet, subnet_topic};
use ssv_protocol::operator_key::OperatorPublicKey;
use ssv_protocol::roles::RoleFork;
use ssv_protocol::validation::{CommitteeInfo, KnownDuties, MessageValidator, NetworkView, SlotClock, ValidatorInfo};

fn view() -> Arc<NetworkView> {
    static VIEW: OnceLock<Arc<NetworkView>> = OnceLock::new();
    Arc::clone(VIEW.get_or_init(|| {
        use aws_lc_rs::signature::KeyPair;
        let pair = aws_lc_rs::rsa::KeyPair::generate(aws_lc_rs::rsa::KeySize::Rsa2048).unwrap();
        let public = OperatorPublicKey::from_der(pair.public_key().as_ref()).unwrap();
        let cid = committee_id(&[1, 2, 3, 4]);
        let mut committees = BTreeMap::new();
        committees.insert(cid, CommitteeInfo { operators: vec![1, 2, 3, 4], validator_indices: vec![1, 2] });
        let mut validators = BTreeMap::new();
        validators.insert([0xAA; 48], ValidatorInfo { index: Some(1), committee: cid, liquidated: false, attesting: true });
        Arc::new(NetworkView {
            domain: [0, 0, 5, 2],
            roles: RoleFork::Alan,
            clock: SlotClock { genesis_ms: 0, slot_ms: 12_000, slots_per_epoch: 32 },
            operators: Arc::new((1..=4).map(|id| (id, public.clone())).collect()),
            committees: Arc::new(committees),
            validators: Arc::new(validators),
            duties: KnownDuties::default(),
        })
    }))
}

fuzz_target!(|data: &[u8]| {
    // An odd first byte validates under the pinned spec's roles (Boole).
    let mut view = view();
    if data.first().is_some_and(|b| b % 2 == 1) {
        let mut boole = (*view).clone();
        boole.roles = RoleFork::Boole;
        view = Arc::new(boole);
    }
    let mut v = MessageValidator::new(view);
    let topic = subnet_topic(committee_subnet(&committee_id(&[1, 2, 3, 4])));
    let mut now = 1_200_000u64;
    let mut rest = data;
    while rest.len() >= 5 {
        let peer = [rest[0] % 4];
        now += u64::from(u16::from_le_bytes([rest[1], rest[2]]));
        let len = usize::from(u16::from_le_bytes([rest[3], rest[4]]));
        rest = &rest[5..];
        let (msg, tail) = rest.split_at(len.min(rest.len()));
        rest = tail;
        let t = if peer[0] == 3 { "ssv.v2.1" } else { topic.as_str() };
        let _ = v.validate(now, &peer, t, msg);
        v.prune(now);
        // Only accepted messages create state, one per (peer, message ID, signer).
        assert!(v.state_len() <= 4 * 64 * 13);
    }
});
