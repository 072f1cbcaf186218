//! Bytes through the whole consensus path: wire decoding, justification decoding,
//! and an SSV controller (with no operator keys, so signature checks fail as they
//! would for strangers). Nothing may panic.
#![no_main]
use std::collections::BTreeMap;
use std::sync::{Arc, OnceLock};

use libfuzzer_sys::fuzz_target;
use qbft_core::{Committee, Controller, ControllerConfig, ControllerInput, InstanceConfig, Timestamp};
use ssv_protocol::consensus::{decode_consensus, SsvQbft};
use ssv_protocol::wire::SignedSsvMessage;

fn controller() -> Controller<SsvQbft> {
    static CTX: OnceLock<SsvQbft> = OnceLock::new();
    let ctx = CTX.get_or_init(|| SsvQbft::new(BTreeMap::new(), Arc::new(|_: &[u8]| Ok(())))).clone();
    let mut id = vec![0u8; 56];
    id[..4].copy_from_slice(&[1, 2, 3, 4]);
    let mut c = Controller::new(
        ctx,
        ControllerConfig {
            instance: InstanceConfig { self_id: 1, committee: Committee::new([1, 2, 3, 4]).unwrap(), cut_off_round: 12 },
            identifier: id,
            max_instances: 4,
            pending_limit: 16,
        },
    );
    let _ = c.handle(Timestamp(0), ControllerInput::Start { height: 0, value: Arc::from(&b"value"[..]) });
    c
}

fuzz_target!(|data: &[u8]| {
    let mut c = controller();
    // Several messages back to back: each a length-prefixed chunk.
    let mut rest = data;
    let mut now = 0;
    while rest.len() >= 2 {
        let len = u16::from_le_bytes([rest[0], rest[1]]) as usize;
        rest = &rest[2..];
        let (chunk, tail) = rest.split_at(len.min(rest.len()));
        rest = tail;
        now += 500;
        if let Ok(wire) = SignedSsvMessage::decode(chunk) {
            if let Ok(msg) = decode_consensus(&wire) {
                let _ = c.handle(Timestamp(now), ControllerInput::Message(Arc::new(msg)));
            }
        }
        let _ = c.handle(Timestamp(now), ControllerInput::Tick);
        while c.poll_output().is_some() {}
        assert!(c.pending_len() <= 16);
    }
});
