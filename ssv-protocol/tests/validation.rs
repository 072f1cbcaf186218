//! One test per message-validation rule, named after it (the table in
//! `ssv_protocol::validation`). Each starts from a valid message and breaks one
//! thing.

use std::collections::{BTreeMap, BTreeSet};
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

const DOMAIN: [u8; 4] = [0, 0, 5, 2];
const PK: [u8; 48] = [0xAA; 48];
const INDEX: u64 = 7;
const SLOT: u64 = 100;
const SLOT_MS: u64 = 12_000;
/// One second into `SLOT`.
const NOW: u64 = SLOT * SLOT_MS + 1_000;

fn signers() -> &'static BTreeMap<u64, OperatorSigner> {
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

fn cid() -> [u8; 32] {
    committee_id(&[1, 2, 3, 4])
}

fn topic() -> String {
    subnet_topic(committee_subnet(&cid()))
}

fn view() -> NetworkView {
    let mut committees = BTreeMap::new();
    committees.insert(
        cid(),
        CommitteeInfo {
            operators: vec![1, 2, 3, 4],
            validator_indices: vec![7, 8],
            in_sync_committee: false,
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
        clock: SlotClock {
            genesis_ms: 0,
            slot_ms: SLOT_MS,
            slots_per_epoch: 32,
        },
        operators: signers()
            .iter()
            .map(|(id, s)| (*id, s.public_key()))
            .collect(),
        committees,
        validators,
        duties,
    }
}

fn validator() -> MessageValidator {
    MessageValidator::new(Arc::new(view()))
}

fn committee_id_msg() -> MessageId {
    MessageId::for_committee(DOMAIN, Role::Committee, &cid())
}

/// A signed message from `signers` (each signs), with these parts.
fn sign(
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

fn qbft(msg_type: u64, round: u64, root: [u8; 32]) -> QbftMessage {
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

const VALUE: &[u8] = b"a beacon vote, 112 bytes in life";

fn value_root() -> [u8; 32] {
    Sha256::digest(VALUE).into()
}

/// The leader of (SLOT, round) in the committee.
fn leader(round: u64) -> u64 {
    qbft_core::round_robin_proposer(
        &qbft_core::Committee::new([1, 2, 3, 4]).unwrap(),
        SLOT,
        round,
    )
}

fn prepare(signer: u64) -> SignedSsvMessage {
    sign(
        committee_id_msg(),
        SsvMsgType::Consensus,
        qbft(1, 1, value_root()).encode(),
        &[signer],
        vec![],
    )
}

fn proposal(round: u64) -> SignedSsvMessage {
    sign(
        committee_id_msg(),
        SsvMsgType::Consensus,
        qbft(0, round, value_root()).encode(),
        &[leader(round)],
        VALUE.to_vec(),
    )
}

fn partial_msgs(kind: PartialSigKind, signer: u64, indices: &[u64]) -> PartialSignatureMessages {
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

fn validator_msg_id(role: Role) -> MessageId {
    MessageId::for_validator(DOMAIN, role, &PK)
}

fn partial(role: Role, kind: PartialSigKind, indices: &[u64]) -> SignedSsvMessage {
    let id = if role == Role::Committee {
        committee_id_msg()
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

fn judge(v: &mut MessageValidator, now: u64, topic: &str, m: &SignedSsvMessage) -> Verdict {
    v.validate(now, b"peer", topic, &m.encode())
}

fn expect(verdict: Verdict, want: E) {
    assert_eq!(verdict.error(), Some(want), "{verdict:?}");
    let action = want.action();
    match (&verdict, action) {
        (Verdict::Ignore(_), Action::Ignore) | (Verdict::Reject(_), Action::Reject) => {}
        _ => panic!("{want:?} must be {action:?}, got {verdict:?}"),
    }
}

fn accepted(verdict: &Verdict) -> bool {
    matches!(verdict, Verdict::Accept(_))
}

/// Breaks `m` with `f`, re-signs nothing: for envelope rules.
fn bad(m: &SignedSsvMessage, f: impl FnOnce(&mut SignedSsvMessage)) -> SignedSsvMessage {
    let mut m = m.clone();
    f(&mut m);
    m
}

#[test]
fn valid_messages_are_accepted() {
    let mut v = validator();
    assert!(accepted(&judge(&mut v, NOW, &topic(), &proposal(1))));
    assert!(accepted(&judge(&mut v, NOW, &topic(), &prepare(1))));
    assert!(accepted(&judge(
        &mut v,
        NOW,
        &topic(),
        &partial(Role::Committee, PartialSigKind::PostConsensus, &[7, 8])
    )));
    assert!(accepted(&judge(
        &mut v,
        NOW,
        &topic(),
        &partial(Role::Proposer, PartialSigKind::Randao, &[INDEX])
    )));
}

// --- A
#[test]
fn pubsub_no_data() {
    expect(
        validator().validate(NOW, b"p", &topic(), &[]),
        E::PubSubNoData,
    );
}
#[test]
fn pubsub_data_too_big() {
    expect(
        validator().validate(NOW, b"p", &topic(), &vec![0; 9_589_484]),
        E::PubSubDataTooBig,
    );
}
#[test]
fn malformed_pubsub_message() {
    expect(
        validator().validate(NOW, b"p", &topic(), &[1, 2, 3]),
        E::MalformedPubSubMessage,
    );
}
#[test]
fn no_signers() {
    expect(
        judge(
            &mut validator(),
            NOW,
            &topic(),
            &bad(&prepare(1), |m| m.operator_ids.clear()),
        ),
        E::NoSigners,
    );
}
#[test]
fn no_signatures() {
    expect(
        judge(
            &mut validator(),
            NOW,
            &topic(),
            &bad(&prepare(1), |m| m.signatures.clear()),
        ),
        E::NoSignatures,
    );
}
#[test]
fn wrong_rsa_signature_size() {
    expect(
        judge(
            &mut validator(),
            NOW,
            &topic(),
            &bad(&prepare(1), |m| m.signatures[0].truncate(255)),
        ),
        E::WrongRsaSignatureSize,
    );
}
#[test]
fn signers_not_sorted() {
    let m = bad(&prepare(1), |m| {
        m.operator_ids = vec![2, 1];
        m.signatures.push(m.signatures[0].clone());
    });
    expect(
        judge(&mut validator(), NOW, &topic(), &m),
        E::SignersNotSorted,
    );
}
#[test]
fn signers_and_signatures_mismatch() {
    let m = bad(&prepare(1), |m| m.signatures.push(m.signatures[0].clone()));
    expect(
        judge(&mut validator(), NOW, &topic(), &m),
        E::SignersAndSignaturesMismatch,
    );
}
#[test]
fn zero_signer() {
    expect(
        judge(
            &mut validator(),
            NOW,
            &topic(),
            &bad(&prepare(1), |m| m.operator_ids = vec![0]),
        ),
        E::ZeroSigner,
    );
}
#[test]
fn duplicated_signer() {
    let m = bad(&prepare(1), |m| {
        m.operator_ids = vec![1, 1];
        m.signatures.push(m.signatures[0].clone());
    });
    expect(
        judge(&mut validator(), NOW, &topic(), &m),
        E::DuplicatedSigner,
    );
}
#[test]
fn unknown_operator() {
    expect(
        judge(
            &mut validator(),
            NOW,
            &topic(),
            &bad(&prepare(1), |m| m.operator_ids = vec![9]),
        ),
        E::UnknownOperator,
    );
}
#[test]
fn empty_data() {
    expect(
        judge(
            &mut validator(),
            NOW,
            &topic(),
            &bad(&prepare(1), |m| m.ssv_message.data.clear()),
        ),
        E::EmptyData,
    );
}
#[test]
fn ssv_data_too_big() {
    // The SSZ limit of SSVMessage.Data (726,932 B) is tighter than this rule's
    // 740,506 B, so oversized data never decodes: it is rejected as malformed, as
    // the Go node's decoder does too. The rule stays as a guard.
    let m = bad(&prepare(1), |m| m.ssv_message.data = vec![0; 740_507]);
    expect(
        judge(&mut validator(), NOW, &topic(), &m),
        E::MalformedPubSubMessage,
    );
    let m = bad(&prepare(1), |m| m.ssv_message.data = vec![0; 726_933]);
    expect(
        judge(&mut validator(), NOW, &topic(), &m),
        E::MalformedPubSubMessage,
    );
}
#[test]
fn unknown_ssv_message_type() {
    expect(
        judge(
            &mut validator(),
            NOW,
            &topic(),
            &bad(&prepare(1), |m| m.ssv_message.msg_type = SsvMsgType::Dkg),
        ),
        E::UnknownSsvMessageType,
    );
}
#[test]
fn wrong_domain() {
    let m = bad(&prepare(1), |m| {
        m.ssv_message.msg_id = MessageId::for_committee([0, 0, 0, 1], Role::Committee, &cid())
    });
    expect(judge(&mut validator(), NOW, &topic(), &m), E::WrongDomain);
}
#[test]
fn invalid_role() {
    let m = bad(&prepare(1), |m| {
        m.ssv_message.msg_id = MessageId::for_committee(DOMAIN, Role::Unknown(9), &cid())
    });
    expect(judge(&mut validator(), NOW, &topic(), &m), E::InvalidRole);
}

// --- B
#[test]
fn non_existent_committee_id() {
    let m = bad(&prepare(1), |m| {
        m.ssv_message.msg_id = MessageId::for_committee(DOMAIN, Role::Committee, &[9; 32])
    });
    expect(
        judge(&mut validator(), NOW, &topic(), &m),
        E::NonExistentCommitteeId,
    );
}
#[test]
fn no_validators() {
    let mut view = view();
    view.committees
        .get_mut(&cid())
        .unwrap()
        .validator_indices
        .clear();
    expect(
        judge(
            &mut MessageValidator::new(Arc::new(view)),
            NOW,
            &topic(),
            &prepare(1),
        ),
        E::NoValidators,
    );
}
#[test]
fn unknown_validator() {
    let m = bad(
        &partial(Role::Proposer, PartialSigKind::Randao, &[INDEX]),
        |m| m.ssv_message.msg_id = MessageId::for_validator(DOMAIN, Role::Proposer, &[0xBB; 48]),
    );
    expect(
        judge(&mut validator(), NOW, &topic(), &m),
        E::UnknownValidator,
    );
}
fn with_validator(f: impl FnOnce(&mut ValidatorInfo)) -> MessageValidator {
    let mut view = view();
    f(view.validators.get_mut(&PK).unwrap());
    MessageValidator::new(Arc::new(view))
}
#[test]
fn validator_liquidated() {
    let m = partial(Role::Proposer, PartialSigKind::Randao, &[INDEX]);
    expect(
        judge(
            &mut with_validator(|v| v.liquidated = true),
            NOW,
            &topic(),
            &m,
        ),
        E::ValidatorLiquidated,
    );
}
#[test]
fn no_share_metadata() {
    let m = partial(Role::Proposer, PartialSigKind::Randao, &[INDEX]);
    expect(
        judge(&mut with_validator(|v| v.index = None), NOW, &topic(), &m),
        E::NoShareMetadata,
    );
}
#[test]
fn validator_not_attesting() {
    let m = partial(Role::Proposer, PartialSigKind::Randao, &[INDEX]);
    expect(
        judge(
            &mut with_validator(|v| v.attesting = false),
            NOW,
            &topic(),
            &m,
        ),
        E::ValidatorNotAttesting,
    );
}
#[test]
fn signer_not_in_committee() {
    let mut view = view();
    view.committees.get_mut(&cid()).unwrap().operators = vec![2, 3, 4];
    expect(
        judge(
            &mut MessageValidator::new(Arc::new(view)),
            NOW,
            &topic(),
            &prepare(1),
        ),
        E::SignerNotInCommittee,
    );
}
#[test]
fn incorrect_topic() {
    let other = subnet_topic(committee_subnet(&cid()) + 1);
    expect(
        judge(&mut validator(), NOW, &other, &prepare(1)),
        E::IncorrectTopic,
    );
}

// --- C
fn consensus_with(q: QbftMessage, ids: &[u64], full: Vec<u8>) -> SignedSsvMessage {
    sign(
        committee_id_msg(),
        SsvMsgType::Consensus,
        q.encode(),
        ids,
        full,
    )
}
#[test]
fn undecodable_message_data() {
    let m = sign(
        committee_id_msg(),
        SsvMsgType::Consensus,
        vec![1, 2, 3],
        &[1],
        vec![],
    );
    expect(
        judge(&mut validator(), NOW, &topic(), &m),
        E::UndecodableMessageData,
    );
}
#[test]
fn non_decided_with_multiple_signers() {
    expect(
        judge(
            &mut validator(),
            NOW,
            &topic(),
            &consensus_with(qbft(1, 1, value_root()), &[1, 2], vec![]),
        ),
        E::NonDecidedWithMultipleSigners,
    );
}
#[test]
fn decided_not_enough_signers() {
    expect(
        judge(
            &mut validator(),
            NOW,
            &topic(),
            &consensus_with(qbft(2, 1, value_root()), &[1, 2], VALUE.to_vec()),
        ),
        E::DecidedNotEnoughSigners,
    );
}
#[test]
fn prepare_or_commit_with_full_data() {
    expect(
        judge(
            &mut validator(),
            NOW,
            &topic(),
            &consensus_with(qbft(1, 1, value_root()), &[1], VALUE.to_vec()),
        ),
        E::PrepareOrCommitWithFullData,
    );
}
#[test]
fn invalid_hash() {
    let q = qbft(0, 1, [7; 32]);
    expect(
        judge(
            &mut validator(),
            NOW,
            &topic(),
            &consensus_with(q, &[leader(1)], VALUE.to_vec()),
        ),
        E::InvalidHash,
    );
}
#[test]
fn unknown_qbft_message_type() {
    expect(
        judge(
            &mut validator(),
            NOW,
            &topic(),
            &consensus_with(qbft(7, 1, value_root()), &[1], vec![]),
        ),
        E::UnknownQbftMessageType,
    );
}
#[test]
fn zero_round() {
    expect(
        judge(
            &mut validator(),
            NOW,
            &topic(),
            &consensus_with(qbft(1, 0, value_root()), &[1], vec![]),
        ),
        E::ZeroRound,
    );
}
#[test]
fn unexpected_consensus_message() {
    let mut q = qbft(1, 1, value_root());
    let id = validator_msg_id(Role::ValidatorRegistration);
    q.identifier = id.as_bytes().to_vec();
    let m = sign(id, SsvMsgType::Consensus, q.encode(), &[1], vec![]);
    expect(
        judge(&mut validator(), NOW, &topic(), &m),
        E::UnexpectedConsensusMessage,
    );
}
#[test]
fn round_too_high() {
    expect(
        judge(
            &mut validator(),
            NOW,
            &topic(),
            &consensus_with(qbft(1, 13, value_root()), &[1], vec![]),
        ),
        E::RoundTooHigh,
    );
}
#[test]
fn mismatched_identifier() {
    let mut q = qbft(1, 1, value_root());
    q.identifier = vec![1; 56];
    expect(
        judge(
            &mut validator(),
            NOW,
            &topic(),
            &consensus_with(q, &[1], vec![]),
        ),
        E::MismatchedIdentifier,
    );
}
#[test]
fn malformed_justifications() {
    let mut q = qbft(3, 1, [0; 32]);
    q.round_change_justification = vec![vec![1, 2, 3]];
    expect(
        judge(
            &mut validator(),
            NOW,
            &topic(),
            &consensus_with(q, &[1], vec![]),
        ),
        E::MalformedJustifications,
    );
}
#[test]
fn unexpected_prepare_justifications() {
    let mut q = qbft(3, 1, [0; 32]);
    q.prepare_justification = vec![prepare(2).encode()];
    expect(
        judge(
            &mut validator(),
            NOW,
            &topic(),
            &consensus_with(q, &[1], vec![]),
        ),
        E::UnexpectedPrepareJustifications,
    );
}
#[test]
fn unexpected_round_change_justifications() {
    let mut q = qbft(1, 1, value_root());
    q.round_change_justification = vec![prepare(2).encode()];
    expect(
        judge(
            &mut validator(),
            NOW,
            &topic(),
            &consensus_with(q, &[1], vec![]),
        ),
        E::UnexpectedRoundChangeJustifications,
    );
}
#[test]
fn signer_not_leader() {
    let not_leader = if leader(1) == 1 { 2 } else { 1 };
    let m = consensus_with(qbft(0, 1, value_root()), &[not_leader], VALUE.to_vec());
    expect(
        judge(&mut validator(), NOW, &topic(), &m),
        E::SignerNotLeader,
    );
}
#[test]
fn duplicated_message() {
    let mut v = validator();
    assert!(accepted(&judge(&mut v, NOW, &topic(), &prepare(1))));
    expect(
        judge(&mut v, NOW, &topic(), &prepare(1)),
        E::DuplicatedMessage,
    );
}
#[test]
fn different_proposal_data() {
    let mut v = validator();
    assert!(accepted(&judge(&mut v, NOW, &topic(), &proposal(1))));
    let other = b"another value";
    let root: [u8; 32] = Sha256::digest(other).into();
    let m = consensus_with(qbft(0, 1, root), &[leader(1)], other.to_vec());
    expect(judge(&mut v, NOW, &topic(), &m), E::DifferentProposalData);
}
#[test]
fn round_already_advanced() {
    let mut v = validator();
    assert!(accepted(&judge(
        &mut v,
        NOW + 3_000,
        &topic(),
        &consensus_with(qbft(1, 2, value_root()), &[1], vec![])
    )));
    expect(
        judge(&mut v, NOW + 3_000, &topic(), &prepare(1)),
        E::RoundAlreadyAdvanced,
    );
}
#[test]
fn decided_with_same_signers() {
    let mut v = validator();
    let decided = consensus_with(qbft(2, 1, value_root()), &[1, 2, 3], VALUE.to_vec());
    assert!(accepted(&judge(&mut v, NOW, &topic(), &decided)));
    expect(
        judge(&mut v, NOW, &topic(), &decided),
        E::DecidedWithSameSigners,
    );
}
#[test]
fn estimated_round_not_in_allowed_spread() {
    // One second into the slot the estimate is round 1: rounds up to 2 pass.
    assert!(accepted(&judge(
        &mut validator(),
        NOW,
        &topic(),
        &consensus_with(qbft(1, 2, value_root()), &[1], vec![])
    )));
    expect(
        judge(
            &mut validator(),
            NOW,
            &topic(),
            &consensus_with(qbft(1, 3, value_root()), &[1], vec![]),
        ),
        E::EstimatedRoundNotInAllowedSpread,
    );
}

// --- D
fn partial_with(
    role: Role,
    p: &PartialSignatureMessages,
    ids: &[u64],
    full: Vec<u8>,
) -> SignedSsvMessage {
    let id = if role == Role::Committee {
        committee_id_msg()
    } else {
        validator_msg_id(role)
    };
    sign(id, SsvMsgType::PartialSignature, p.encode(), ids, full)
}
#[test]
fn partial_sig_data_too_big() {
    let p = partial_msgs(PartialSigKind::PostConsensus, 1, &vec![7; 1051]);
    expect(
        judge(
            &mut validator(),
            NOW,
            &topic(),
            &partial_with(Role::Committee, &p, &[1], vec![]),
        ),
        E::PartialSigDataTooBig,
    );
}
#[test]
fn undecodable_partial_sig() {
    let m = sign(
        committee_id_msg(),
        SsvMsgType::PartialSignature,
        vec![1, 2, 3],
        &[1],
        vec![],
    );
    expect(
        judge(&mut validator(), NOW, &topic(), &m),
        E::UndecodablePartialSig,
    );
}
#[test]
fn partial_sig_one_signer() {
    let p = partial_msgs(PartialSigKind::PostConsensus, 1, &[7]);
    expect(
        judge(
            &mut validator(),
            NOW,
            &topic(),
            &partial_with(Role::Committee, &p, &[1, 2], vec![]),
        ),
        E::PartialSigOneSigner,
    );
}
#[test]
fn partial_sig_with_full_data() {
    let p = partial_msgs(PartialSigKind::PostConsensus, 1, &[7]);
    expect(
        judge(
            &mut validator(),
            NOW,
            &topic(),
            &partial_with(Role::Committee, &p, &[1], vec![1]),
        ),
        E::PartialSigWithFullData,
    );
}
#[test]
fn unknown_partial_sig_type() {
    let p = partial_msgs(PartialSigKind::Unknown(9), 1, &[7]);
    expect(
        judge(
            &mut validator(),
            NOW,
            &topic(),
            &partial_with(Role::Committee, &p, &[1], vec![]),
        ),
        E::UnknownPartialSigType,
    );
}
#[test]
fn partial_sig_type_role_mismatch() {
    let p = partial_msgs(PartialSigKind::Randao, 1, &[7]);
    expect(
        judge(
            &mut validator(),
            NOW,
            &topic(),
            &partial_with(Role::Committee, &p, &[1], vec![]),
        ),
        E::PartialSigTypeRoleMismatch,
    );
}
#[test]
fn no_partial_signature_messages() {
    let p = partial_msgs(PartialSigKind::PostConsensus, 1, &[]);
    expect(
        judge(
            &mut validator(),
            NOW,
            &topic(),
            &partial_with(Role::Committee, &p, &[1], vec![]),
        ),
        E::NoPartialSignatureMessages,
    );
}
#[test]
fn inconsistent_signers() {
    let p = partial_msgs(PartialSigKind::PostConsensus, 2, &[7]);
    expect(
        judge(
            &mut validator(),
            NOW,
            &topic(),
            &partial_with(Role::Committee, &p, &[1], vec![]),
        ),
        E::InconsistentSigners,
    );
}
#[test]
fn validator_index_mismatch() {
    let p = partial_msgs(PartialSigKind::Randao, 1, &[INDEX + 1]);
    expect(
        judge(
            &mut validator(),
            NOW,
            &topic(),
            &partial_with(Role::Proposer, &p, &[1], vec![]),
        ),
        E::ValidatorIndexMismatch,
    );
}
#[test]
fn invalid_partial_signature_type_count() {
    let mut v = validator();
    let m = partial(Role::Committee, PartialSigKind::PostConsensus, &[7]);
    assert!(accepted(&judge(&mut v, NOW, &topic(), &m)));
    let again = partial(Role::Committee, PartialSigKind::PostConsensus, &[8]);
    expect(
        judge(&mut v, NOW, &topic(), &again),
        E::InvalidPartialSignatureTypeCount,
    );
}
#[test]
fn too_many_partial_signature_messages() {
    // Two validators allow four signatures; five is too many.
    let p = partial_msgs(PartialSigKind::PostConsensus, 1, &[7, 7, 8, 8, 8]);
    expect(
        judge(
            &mut validator(),
            NOW,
            &topic(),
            &partial_with(Role::Committee, &p, &[1], vec![]),
        ),
        E::TooManyPartialSignatureMessages,
    );
    let p = partial_msgs(PartialSigKind::Randao, 1, &[INDEX, INDEX]);
    expect(
        judge(
            &mut validator(),
            NOW,
            &topic(),
            &partial_with(Role::Proposer, &p, &[1], vec![]),
        ),
        E::TooManyPartialSignatureMessages,
    );
}
#[test]
fn triple_validator_index_in_partial_signatures() {
    let p = partial_msgs(PartialSigKind::PostConsensus, 1, &[7, 7, 7]);
    expect(
        judge(
            &mut validator(),
            NOW,
            &topic(),
            &partial_with(Role::Committee, &p, &[1], vec![]),
        ),
        E::TripleValidatorIndexInPartialSignatures,
    );
}

// --- E
#[test]
fn slot_already_advanced() {
    let mut v = validator();
    assert!(accepted(&judge(
        &mut v,
        NOW,
        &topic(),
        &partial(Role::Aggregator, PartialSigKind::SelectionProof, &[INDEX])
    )));
    let mut p = partial_msgs(PartialSigKind::SelectionProof, 1, &[INDEX]);
    p.slot = SLOT - 1;
    expect(
        judge(
            &mut v,
            NOW,
            &topic(),
            &partial_with(Role::Aggregator, &p, &[1], vec![]),
        ),
        E::SlotAlreadyAdvanced,
    );
}
#[test]
fn no_duty() {
    let mut view = view();
    view.duties = KnownDuties::default();
    view.duties.proposer_epochs_fetched = BTreeSet::from([SLOT / 32]);
    let m = partial(Role::Proposer, PartialSigKind::Randao, &[INDEX]);
    expect(
        judge(
            &mut MessageValidator::new(Arc::new(view)),
            NOW,
            &topic(),
            &m,
        ),
        E::NoDuty,
    );
}
#[test]
fn early_slot_message() {
    let start = SLOT * SLOT_MS;
    assert!(accepted(&judge(
        &mut validator(),
        start - 50,
        &topic(),
        &prepare(1)
    )));
    expect(
        judge(&mut validator(), start - 51, &topic(), &prepare(1)),
        E::EarlySlotMessage,
    );
}
#[test]
fn late_slot_message() {
    let m = partial(Role::Proposer, PartialSigKind::Randao, &[INDEX]);
    let deadline = (SLOT + 3) * SLOT_MS + 3_000 + 50;
    assert!(accepted(&judge(&mut validator(), deadline, &topic(), &m)));
    expect(
        judge(&mut validator(), deadline + 1, &topic(), &m),
        E::LateSlotMessage,
    );
}
#[test]
fn too_many_duties_per_epoch() {
    // Aggregators get two duties per epoch.
    let mut v = validator();
    for slot in [SLOT, SLOT + 1] {
        let mut p = partial_msgs(PartialSigKind::SelectionProof, 1, &[INDEX]);
        p.slot = slot;
        assert!(accepted(&judge(
            &mut v,
            slot * SLOT_MS + 1_000,
            &topic(),
            &partial_with(Role::Aggregator, &p, &[1], vec![])
        )));
    }
    let mut p = partial_msgs(PartialSigKind::SelectionProof, 1, &[INDEX]);
    p.slot = SLOT + 2;
    expect(
        judge(
            &mut v,
            (SLOT + 2) * SLOT_MS + 1_000,
            &topic(),
            &partial_with(Role::Aggregator, &p, &[1], vec![]),
        ),
        E::TooManyDutiesPerEpoch,
    );
}

// --- last
#[test]
fn signature_verification() {
    let m = bad(&prepare(1), |m| {
        m.signatures[0] = signers()[&2].sign(&m.ssv_message).unwrap()
    });
    expect(
        judge(&mut validator(), NOW, &topic(), &m),
        E::SignatureVerification,
    );
}

#[test]
fn refused_messages_leave_no_state_and_state_is_pruned() {
    let mut v = validator();
    let _ = judge(
        &mut v,
        NOW,
        &topic(),
        &bad(&prepare(1), |m| m.signatures[0][0] ^= 1),
    );
    assert_eq!(v.state_len(), 0);
    assert!(accepted(&judge(&mut v, NOW, &topic(), &prepare(1))));
    assert_eq!(v.state_len(), 1);
    // 35 slots on, the slot is gone but the epoch's duty count stays while that
    // epoch's late messages may still come.
    v.prune((SLOT + 35) * SLOT_MS);
    assert_eq!(v.state_len(), 1);
    v.prune((SLOT + 100) * SLOT_MS);
    assert_eq!(v.state_len(), 0);
}
