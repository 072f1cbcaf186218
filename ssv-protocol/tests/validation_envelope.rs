//! One test per message-validation rule, named after it (the table in
//! `ssv_protocol::validation`). Each starts from a valid message and breaks one
//! thing. This file: the envelope (stage A) and lookup (stage B) rules.

mod common;

use std::sync::Arc;

use common::*;
use ssv_protocol::identifiers::{committee_subnet, subnet_topic};
use ssv_protocol::validation::{MessageValidator, ValidationError as E, ValidatorInfo};
use ssv_protocol::wire::{MessageId, PartialSigKind, Role, SsvMsgType};

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
    std::sync::Arc::make_mut(&mut view.committees)
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
    f(std::sync::Arc::make_mut(&mut view.validators)
        .get_mut(&PK)
        .unwrap());
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
    std::sync::Arc::make_mut(&mut view.committees)
        .get_mut(&cid())
        .unwrap()
        .operators = vec![2, 3, 4];
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
