//! Record and replay on the demo cluster: operator 1's node is recorded on
//! virtual time, the trace replays with no divergence, a trace with one gossip
//! message changed diverges exactly there, and no secret (operator key, share
//! secret) appears in the file or its decompressed content.

use std::collections::{BTreeMap, HashSet};

use examples::cluster::beacon_sim::{h, FIRST_INDEX};
use examples::cluster::{run_recorded, ClusterConfig, OPERATORS};
use ssv_protocol::node::Input;
use ssv_protocol::operator_key::OperatorSigner;
use ssv_protocol::roles::RoleFork;
use ssv_protocol::threshold::{interop_secret_key, split};
use ssv_protocol::trace::{frame_payloads, Divergence, Record, Replayer, TraceReader, TraceWriter};

const CFG: ClusterConfig = ClusterConfig {
    slots: 12,
    validators: 2,
    seed: 5,
    roles: RoleFork::Alan,
};

fn records(bytes: &[u8]) -> (ssv_protocol::trace::TraceHeader, Vec<Record>) {
    let mut r = TraceReader::open(bytes).unwrap();
    let mut out = Vec::new();
    while let Some(rec) = r.next_record().unwrap() {
        out.push(rec);
    }
    (r.header().clone(), out)
}

/// Replays and returns the first divergence and the inputs fed.
fn replay(bytes: &[u8]) -> (Option<Divergence>, u64) {
    let (header, recs) = records(bytes);
    let (mut rep, div) = Replayer::start(&header);
    if div.is_some() {
        return (div, rep.inputs());
    }
    for rec in recs {
        if let Some(d) = rep.step(rec) {
            return (Some(d), rep.inputs());
        }
    }
    (None, rep.inputs())
}

fn recorded(pems: &BTreeMap<u64, String>) -> Vec<u8> {
    let (report, bytes) = run_recorded(&CFG, pems, 1);
    assert!(!report.submissions.is_empty());
    bytes.unwrap()
}

#[test]
fn a_recorded_cluster_node_replays_and_a_changed_input_diverges_there() {
    let pems = examples::generate_operator_pems(4);
    let bytes = recorded(&pems);
    let (header, recs) = records(&bytes);
    assert_eq!(header.operator_id, 1);
    assert!(recs.len() > 200, "{} records", recs.len());
    let gossip = recs
        .iter()
        .filter(|r| matches!(r.input, Input::Gossip { .. }))
        .count();
    assert!(gossip > 50);
    let (div, fed) = replay(&bytes);
    assert!(div.is_none(), "{}", div.unwrap());
    assert_eq!(fed, recs.len() as u64 + 1);

    // The same run again records the same bytes.
    assert_eq!(recorded(&pems), bytes);

    // Change one byte of a gossip message half-way: its verdict changes.
    let target = recs
        .iter()
        .filter(|r| matches!(r.input, Input::Gossip { .. }))
        .nth(gossip / 2)
        .map(|r| r.index)
        .unwrap();
    let mut w = TraceWriter::new(Vec::new(), &header).unwrap();
    for mut rec in recs {
        if rec.index == target {
            if let Input::Gossip { data, .. } = &mut rec.input {
                let mid = data.len() / 2;
                data[mid] ^= 0x01;
            }
        }
        w.record(rec.at, &rec.input, rec.outputs, rec.digest)
            .unwrap();
    }
    let mutated = w.finish().unwrap();
    let (div, _) = replay(&mutated);
    let div = div.expect("a changed message changes the verdict");
    assert_eq!(div.index, Some(target));
    assert_ne!(div.recorded_digest, div.replayed_digest);
    assert!(div
        .to_string()
        .contains(&format!("divergence at input {target}")));
    assert!(div.replayed.iter().any(|o| o.starts_with("Verdict")));
}

/// Every 16-byte window of `b`.
fn windows(b: &[u8]) -> HashSet<[u8; 16]> {
    b.windows(16)
        .map(|w| <[u8; 16]>::try_from(w).unwrap())
        .collect()
}

#[test]
fn no_key_material_is_in_a_trace() {
    use base64::Engine as _;
    let pems = examples::generate_operator_pems(4);
    let bytes = recorded(&pems);
    let mut content = windows(&bytes);
    for block in frame_payloads(&bytes[..]).unwrap() {
        content.extend(windows(&block));
    }
    // Operator 1's private key: its PKCS#1 DER from the private exponent on
    // (version, modulus and public exponent come first and are public: the
    // modulus legitimately travels in the registry).
    let pem = &pems[&1];
    let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    let der = base64::engine::general_purpose::STANDARD
        .decode(body)
        .unwrap();
    let e_end = der
        .windows(5)
        .position(|w| w == [0x02, 0x03, 0x01, 0x00, 0x01])
        .unwrap()
        + 5;
    let private = &der[e_end..];
    assert!(private.len() > 900, "d, p, q, dp, dq, qinv");
    let leaked: Vec<usize> = private
        .windows(16)
        .enumerate()
        .filter(|(_, w)| content.contains(&<[u8; 16]>::try_from(*w).unwrap()))
        .map(|(i, _)| i + e_end)
        .collect();
    assert!(
        leaked.is_empty(),
        "operator key bytes in the trace at DER offsets {leaked:?}"
    );
    // The check sees bytes that are there: the modulus is.
    let signer = OperatorSigner::from_pkcs1_pem(pem).unwrap();
    assert!(!windows(signer.public_key().der()).is_disjoint(&content));
    assert!(!content.is_empty());
    // The text form too.
    let pem_text = windows(pem.as_bytes());
    assert!(pem_text.is_disjoint(&content));
    // Operator 1's share secrets, rebuilt as the cluster splits them.
    for i in FIRST_INDEX..FIRST_INDEX + CFG.validators {
        let sk = interop_secret_key(i).unwrap();
        let shares = split(&sk, &OPERATORS, 3, &h("split", i ^ CFG.seed)).unwrap();
        let ours = shares.iter().find(|(id, _)| *id == 1).unwrap();
        let secret = ours.1.to_bytes();
        assert!(
            windows(&secret).is_disjoint(&content),
            "share secret of validator {i} in the trace"
        );
        // The validator's own secret key too.
        assert!(windows(&sk.to_bytes()).is_disjoint(&content));
        // ...and the check is able to see bytes that are there: the share's
        // public key is.
        let pk = ours.1.sk_to_pk().to_bytes();
        assert!(!windows(&pk).is_disjoint(&content));
    }
}
