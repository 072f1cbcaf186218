//! Encoding and decoding of the wire types round-trip, limits are enforced, and
//! malformed bytes give errors.

use ssv_protocol::wire::{
    DecodeError, MessageId, QbftMessage, Role, SignedSsvMessage, SsvMessage, SsvMsgType,
};

fn sample_qbft() -> QbftMessage {
    QbftMessage {
        msg_type: 3,
        height: 77,
        round: 2,
        identifier: vec![9; 56],
        root: [4; 32],
        data_round: 1,
        round_change_justification: vec![vec![1, 2, 3], vec![]],
        prepare_justification: vec![vec![5; 10]],
    }
}

fn sample_signed() -> SignedSsvMessage {
    SignedSsvMessage {
        signatures: vec![vec![7; 256], vec![8; 256]],
        operator_ids: vec![1, 3],
        ssv_message: SsvMessage {
            msg_type: SsvMsgType::Consensus,
            msg_id: MessageId::for_committee([0, 0, 3, 1], Role::Committee, &[2; 32]),
            data: sample_qbft().encode(),
        },
        full_data: vec![1, 2, 3, 4, 5],
    }
}

#[test]
fn qbft_message_round_trips() {
    let m = sample_qbft();
    let bytes = m.encode();
    assert_eq!(&bytes[..8], &3u64.to_le_bytes());
    assert_eq!(QbftMessage::decode(&bytes).unwrap(), m);
}

#[test]
fn ssv_message_round_trips() {
    let m = sample_signed().ssv_message;
    assert_eq!(SsvMessage::decode(&m.encode()).unwrap(), m);
}

#[test]
fn signed_ssv_message_round_trips() {
    let m = sample_signed();
    assert_eq!(SignedSsvMessage::decode(&m.encode()).unwrap(), m);
}

#[test]
fn too_many_signers_is_refused() {
    let mut m = sample_signed();
    m.operator_ids = (1..=14).collect();
    assert!(matches!(
        SignedSsvMessage::decode(&m.encode()),
        Err(DecodeError::TooLong { .. })
    ));
}

#[test]
fn oversized_signature_is_refused() {
    let mut m = sample_signed();
    m.signatures[0] = vec![0; 257];
    assert!(matches!(
        SignedSsvMessage::decode(&m.encode()),
        Err(DecodeError::TooLong { .. })
    ));
}

#[test]
fn truncated_bytes_are_refused_at_every_length() {
    let m = sample_signed();
    let bytes = m.encode();
    // Cutting into the last field (the full data) still leaves valid SSZ with a
    // shorter value; every shorter prefix must be refused.
    let last_field_start = bytes.len() - m.full_data.len();
    for len in 0..last_field_start {
        assert!(
            SignedSsvMessage::decode(&bytes[..len]).is_err(),
            "prefix of {len} bytes decoded"
        );
    }
    for len in last_field_start..=bytes.len() {
        assert_eq!(
            SignedSsvMessage::decode(&bytes[..len]).unwrap().full_data,
            m.full_data[..len - last_field_start]
        );
    }
}

#[test]
fn message_id_layout() {
    let id = MessageId::for_validator([1, 2, 3, 4], Role::Proposer, &[0xAB; 48]);
    assert_eq!(id.domain(), [1, 2, 3, 4]);
    assert_eq!(&id.as_bytes()[4..8], &2u32.to_le_bytes());
    assert_eq!(id.role(), Role::Proposer);
    assert_eq!(id.duty_executor(), &[0xAB; 48][..]);
    let c = MessageId::for_committee([0; 4], Role::Committee, &[0xCD; 32]);
    assert_eq!(&c.as_bytes()[8..24], &[0; 16]);
    assert_eq!(&c.as_bytes()[24..], &[0xCD; 32]);
}
