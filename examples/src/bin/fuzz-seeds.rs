//! Writes fuzz seed corpora from the reference vectors: every signed message, SSV
//! message, QBFT message and encoding the vectors carry, into
//! `<OUT>/<target>/<n>` for the decoder targets (at most 500 seeds of at most
//! 64 KiB each per target).
//!
//! `cargo run --release -p examples --bin fuzz-seeds -- [OUT] [VECTORS]`
//! (defaults: `fuzz/corpus` and the vectors' usual place).

use std::collections::BTreeSet;
use std::path::PathBuf;

use base64::Engine;
use serde_json::Value;
use ssv_protocol::wire::QbftMessage;

fn b64(s: &str) -> Option<Vec<u8>> {
    base64::engine::general_purpose::STANDARD.decode(s).ok()
}

/// Collects every JSON object that looks like a signed SSV message.
fn walk(v: &Value, out: &mut Vec<Value>) {
    match v {
        Value::Object(map) => {
            if map.contains_key("Signatures") && map.contains_key("SSVMessage") {
                out.push(v.clone());
            }
            for child in map.values() {
                walk(child, out);
            }
        }
        Value::Array(items) => items.iter().for_each(|i| walk(i, out)),
        _ => {}
    }
}

fn main() -> std::io::Result<()> {
    let out = std::env::args()
        .nth(1)
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("fuzz/corpus"));
    let vectors = std::env::args()
        .nth(2)
        .map(PathBuf::from)
        .unwrap_or_else(examples::spec::vectors_dir);
    let mut seeds: Vec<(&str, BTreeSet<Vec<u8>>)> = vec![
        ("decode_signed_ssv_message", BTreeSet::new()),
        ("decode_ssv_message", BTreeSet::new()),
        ("decode_qbft_message", BTreeSet::new()),
        ("decode_partial_signature_messages", BTreeSet::new()),
        ("decode_beacon_vote", BTreeSet::new()),
        ("decode_share", BTreeSet::new()),
        ("decode_proposer_data", BTreeSet::new()),
        ("decode_aggregator_data", BTreeSet::new()),
    ];
    let mut add = |target: &str, bytes: Vec<u8>| {
        if let Some((_, set)) = seeds.iter_mut().find(|(t, _)| *t == target) {
            // Small seeds keep libFuzzer's input-size limit, and so its speed, sane.
            if set.len() < 500 && bytes.len() <= 65_536 {
                set.insert(bytes);
            }
        }
    };
    for file in examples::spec::vector_files(&vectors)? {
        let Ok(text) = std::fs::read_to_string(&file) else {
            continue;
        };
        let Ok(v) = serde_json::from_str::<Value>(&text) else {
            continue;
        };
        let mut msgs = Vec::new();
        walk(&v, &mut msgs);
        for m in msgs {
            let Some(data) = m
                .pointer("/SSVMessage/Data")
                .and_then(Value::as_str)
                .and_then(b64)
            else {
                continue;
            };
            if QbftMessage::decode(&data).is_ok() {
                add("decode_qbft_message", data.clone());
            } else {
                add("decode_partial_signature_messages", data.clone());
            }
            if let Ok(signed) = examples::spec::signed_message_from_json(&m) {
                add("decode_ssv_message", signed.ssv_message.encode());
                add("decode_signed_ssv_message", signed.encode());
            }
        }
        let name = file
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let encoded = v.get("Data").and_then(Value::as_str).and_then(b64);
        if let Some(data) = encoded {
            let target = match name.split('_').next().unwrap_or_default() {
                "signedssvmsg.EncodingTest" => "decode_signed_ssv_message",
                "ssvmsg.EncodingTest" => "decode_ssv_message",
                "partialsigmessage.EncodingTest" => "decode_partial_signature_messages",
                "beaconvote.EncodingTest" => "decode_beacon_vote",
                "share.EncodingTest" => "decode_share",
                "proposerconsensusdata.EncodingTest" | "ssz.SSZSpecTest" => "decode_proposer_data",
                "aggregatorcommitteeconsensusdata.EncodingTest" => "decode_aggregator_data",
                _ => continue,
            };
            add(target, data);
        }
    }
    for (target, set) in &seeds {
        let dir = out.join(target);
        std::fs::create_dir_all(&dir)?;
        for (i, bytes) in set.iter().enumerate() {
            std::fs::write(dir.join(format!("vector-{i:05}")), bytes)?;
        }
        println!("{target}: {} seeds", set.len());
    }
    Ok(())
}
