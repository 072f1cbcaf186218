//! The fixture of the validation tests: four operators with real RSA keys, one
//! committee serving two validators, and builders of valid messages.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::sync::{Arc, OnceLock};

use rsa::pkcs1::EncodeRsaPrivateKey;
use sha2::{Digest, Sha256};
use ssv_protocol::identifiers::{committee_id, committee_subnet, subnet_topic};
use ssv_protocol::operator_key::OperatorSigner;
use ssv_protocol::validation::{
    Action, CommitteeInfo, KnownDuties, MessageValidator, NetworkView, SlotClock,
    ValidationError as E, ValidatorInfo, Verdict,
};
use ssv_protocol::wire::{
    MessageId, PartialSigKind, PartialSignature, PartialSignatureMessages, QbftMessage, Role,
    SignedSsvMessage, SsvMessage, SsvMsgType,
};

pub const DOMAIN: [u8; 4] = [0, 0, 5, 2];
pub const PK: [u8; 48] = [0xAA; 48];
pub const INDEX: u64 = 7;
pub const SLOT: u64 = 100;
pub const SLOT_MS: u64 = 12_000;
/// One second into `SLOT`.
pub const NOW: u64 = SLOT * SLOT_MS + 1_000;

pub fn signers() -> &'static BTreeMap<u64, OperatorSigner> {
    static KEYS: OnceLock<BTreeMap<u64, OperatorSigner>> = OnceLock::new();
    KEYS.get_or_init(|| {
        (1..=4u64)
            .map(|id| {
                let key = rsa::PrivateKey::new(
                    &mut getrandom::rand_core::UnwrapErr(getrandom::SysRng),
                    2048,
                )
                .unwrap();
                (
                    id,
                    OperatorSigner::from_pkcs1_pem(&key.to_pkcs1_pem(Default::default()).unwrap())
                        .unwrap(),
                )
            })
            .collect()
    })
}

pub fn cid() -> [u8; 32] {
    committee_id(&[1, 2, 3, 4])
}

pub fn topic() -> String {
    subnet_topic(committee_subnet(&cid()))
}

pub fn view() -> NetworkView {
    let mut committees = BTreeMap::new();
    committees.insert(
        cid(),
        CommitteeInfo {
            operators: vec![1, 2, 3, 4],
            validator_indices: vec![7, 8],
        },
    );
    let mut validators = BTreeMap::new();
    validators.insert(
        PK,
        ValidatorInfo {
            index: Some(INDEX),
            committee: cid(),
            liquidated: false,
            attesting: true,
        },
    );
    let mut duties = KnownDuties::default();
    duties.proposer.insert((SLOT, INDEX));
    duties.sync_contribution.insert((SLOT, INDEX));
    duties.voluntary_exits.insert((INDEX, SLOT / 32), 1);
    NetworkView {
        domain: DOMAIN,
        roles: ssv_protocol::roles::RoleFork::Alan,
        clock: SlotClock {
            genesis_ms: 0,
            slot_ms: SLOT_MS,
            slots_per_epoch: 32,
        },
        operators: std::sync::Arc::new(
            signers()
                .iter()
                .map(|(id, s)| (*id, s.public_key()))
                .collect(),
        ),
        committees: std::sync::Arc::new(committees),
        validators: std::sync::Arc::new(validators),
        duties,
    }
}

pub fn validator() -> MessageValidator {
    MessageValidator::new(Arc::new(view()))
}

pub fn committee_id_msg() -> MessageId {
    MessageId::for_committee(DOMAIN, Role::Committee, &cid())
}

/// A signed message from `signers` (each signs), with these parts.
pub fn sign(
    msg_id: MessageId,
    msg_type: SsvMsgType,
    data: Vec<u8>,
    ids: &[u64],
    full_data: Vec<u8>,
) -> SignedSsvMessage {
    let ssv = SsvMessage {
        msg_type,
        msg_id,
        data,
    };
    SignedSsvMessage {
        signatures: ids
            .iter()
            .map(|id| signers()[id].sign(&ssv).unwrap())
            .collect(),
        operator_ids: ids.to_vec(),
        ssv_message: ssv,
        full_data,
    }
}

pub fn qbft(msg_type: u64, round: u64, root: [u8; 32]) -> QbftMessage {
    QbftMessage {
        msg_type,
        height: SLOT,
        round,
        identifier: committee_id_msg().as_bytes().to_vec(),
        root,
        data_round: 0,
        round_change_justification: vec![],
        prepare_justification: vec![],
    }
}

pub const VALUE: &[u8] = b"a beacon vote, 112 bytes in life";

pub fn value_root() -> [u8; 32] {
    Sha256::digest(VALUE).into()
}

/// The leader of (SLOT, round) in the committee.
pub fn leader(round: u64) -> u64 {
    qbft_core::round_robin_proposer(
        &qbft_core::Committee::new([1, 2, 3, 4]).unwrap(),
        SLOT,
        round,
    )
}

pub fn prepare(signer: u64) -> SignedSsvMessage {
    sign(
        committee_id_msg(),
        SsvMsgType::Consensus,
        qbft(1, 1, value_root()).encode(),
        &[signer],
        vec![],
    )
}

pub fn proposal(round: u64) -> SignedSsvMessage {
    sign(
        committee_id_msg(),
        SsvMsgType::Consensus,
        qbft(0, round, value_root()).encode(),
        &[leader(round)],
        VALUE.to_vec(),
    )
}

pub fn partial_msgs(
    kind: PartialSigKind,
    signer: u64,
    indices: &[u64],
) -> PartialSignatureMessages {
    PartialSignatureMessages {
        kind,
        slot: SLOT,
        messages: indices
            .iter()
            .map(|i| PartialSignature {
                signature: [1; 96],
                signing_root: [2; 32],
                signer,
                validator_index: *i,
            })
            .collect(),
    }
}

pub fn validator_msg_id(role: Role) -> MessageId {
    MessageId::for_validator(DOMAIN, role, &PK)
}

pub fn partial(role: Role, kind: PartialSigKind, indices: &[u64]) -> SignedSsvMessage {
    let id = if role.is_committee_role() {
        MessageId::for_committee(DOMAIN, role, &cid())
    } else {
        validator_msg_id(role)
    };
    sign(
        id,
        SsvMsgType::PartialSignature,
        partial_msgs(kind, 1, indices).encode(),
        &[1],
        vec![],
    )
}

pub fn judge(v: &mut MessageValidator, now: u64, topic: &str, m: &SignedSsvMessage) -> Verdict {
    v.validate(now, b"peer", topic, &m.encode())
}

pub fn expect(verdict: Verdict, want: E) {
    assert_eq!(verdict.error(), Some(want), "{verdict:?}");
    let action = want.action();
    match (&verdict, action) {
        (Verdict::Ignore(_), Action::Ignore) | (Verdict::Reject(_), Action::Reject) => {}
        _ => panic!("{want:?} must be {action:?}, got {verdict:?}"),
    }
}

pub fn accepted(verdict: &Verdict) -> bool {
    matches!(verdict, Verdict::Accept(_))
}

/// Breaks `m` with `f`, re-signs nothing: for envelope rules.
pub fn bad(m: &SignedSsvMessage, f: impl FnOnce(&mut SignedSsvMessage)) -> SignedSsvMessage {
    let mut m = m.clone();
    f(&mut m);
    m
}
