//! One test per message-validation rule, named after it (the table in
//! `ssv_protocol::validation`). Each starts from a valid message and breaks one
//! thing. This file: consensus (C), partial-signature (D) and timing (E) rules.

mod common;

use std::collections::BTreeSet;
use std::sync::Arc;

use common::*;
use sha2::{Digest, Sha256};
use ssv_protocol::validation::{KnownDuties, MessageValidator, ValidationError as E};
use ssv_protocol::wire::{
    PartialSigKind, PartialSignatureMessages, QbftMessage, Role, SignedSsvMessage, SsvMsgType,
};

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
    // Other signer sets of the same slot are new, each once.
    for signers in [&[1, 2, 4][..], &[1, 2, 3, 4], &[2, 3, 4]] {
        let other = consensus_with(qbft(2, 1, value_root()), signers, VALUE.to_vec());
        assert!(
            accepted(&judge(&mut v, NOW, &topic(), &other)),
            "{signers:?}"
        );
        expect(
            judge(&mut v, NOW, &topic(), &other),
            E::DecidedWithSameSigners,
        );
    }
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

fn committee_prepare_at(slot: u64, signer: u64) -> SignedSsvMessage {
    let mut q = qbft(1, 1, value_root());
    q.height = slot;
    sign(
        committee_id_msg(),
        SsvMsgType::Consensus,
        q.encode(),
        &[signer],
        vec![],
    )
}
#[test]
fn too_many_duties_per_epoch_for_a_small_committee_follows_the_sync_committee() {
    // Two validators: 2 x 2 = 4 duty slots an epoch, or 32 while one of them
    // has a sync-committee duty (the shared view has one for INDEX).
    let last = SLOT + 4;
    let now = last * SLOT_MS + 1_000;
    let run = |in_sync: bool| {
        let mut view = view();
        if !in_sync {
            view.duties.sync_contribution.clear();
        }
        let mut v = MessageValidator::new(Arc::new(view));
        (SLOT..=last)
            .map(|slot| judge(&mut v, now, &topic(), &committee_prepare_at(slot, 1)))
            .collect::<Vec<_>>()
    };
    assert!(run(true).iter().all(accepted));
    let mut without = run(false);
    let fifth = without.pop().expect("five verdicts");
    assert!(without.iter().all(accepted), "{without:?}");
    expect(fifth, E::TooManyDutiesPerEpoch);
}
#[test]
fn a_validator_duty_signer_keeps_the_count_of_its_newest_epoch_only() {
    let agg = |slot: u64| {
        let mut p = partial_msgs(PartialSigKind::SelectionProof, 1, &[INDEX]);
        p.slot = slot;
        partial_with(Role::Aggregator, &p, &[1], vec![])
    };
    let at = |slot: u64| slot * SLOT_MS + 1_000;
    let mut v = validator();
    for slot in [SLOT, SLOT + 1] {
        assert!(accepted(&judge(&mut v, at(slot), &topic(), &agg(slot))));
    }
    assert_eq!(v.slot_state_len(), (2, 2));
    // The next epoch: the signer's slots cannot go back, so the last epoch's
    // count is never read again and is dropped; slot states stay their TTL.
    let next = SLOT + 32;
    assert!(accepted(&judge(&mut v, at(next), &topic(), &agg(next))));
    assert_eq!(v.slot_state_len(), (3, 1));
    // The new epoch is counted as before.
    assert!(accepted(&judge(
        &mut v,
        at(next + 1),
        &topic(),
        &agg(next + 1)
    )));
    expect(
        judge(&mut v, at(next + 2), &topic(), &agg(next + 2)),
        E::TooManyDutiesPerEpoch,
    );
    expect(
        judge(&mut v, at(next + 2), &topic(), &agg(SLOT + 1)),
        E::SlotAlreadyAdvanced,
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

#[test]
fn aggregator_committee_exists_only_under_the_pinned_spec_roles() {
    let m = partial(
        Role::AggregatorCommittee,
        PartialSigKind::AggregatorCommittee,
        &[7],
    );
    // The live network (Alan) has no role 6.
    expect(judge(&mut validator(), NOW, &topic(), &m), E::InvalidRole);
    let mut boole = view();
    boole.roles = ssv_protocol::roles::RoleFork::Boole;
    let mut v = MessageValidator::new(Arc::new(boole.clone()));
    assert!(accepted(&judge(&mut v, NOW, &topic(), &m)));
    // Type 6 on another role, and the Alan roles, are refused under Boole.
    let wrong = partial(Role::Committee, PartialSigKind::AggregatorCommittee, &[7]);
    let mut v = MessageValidator::new(Arc::new(boole.clone()));
    expect(
        judge(&mut v, NOW, &topic(), &wrong),
        E::UnknownPartialSigType,
    );
    let alan_role = partial(Role::Aggregator, PartialSigKind::SelectionProof, &[7]);
    let mut v = MessageValidator::new(Arc::new(boole));
    expect(judge(&mut v, NOW, &topic(), &alan_role), E::InvalidRole);
}
