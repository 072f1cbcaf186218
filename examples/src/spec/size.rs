//! `maxmsgsize.StructureSizeTest`: build the object from its JSON (its type is
//! inferred from its keys), SSZ-encode it and compare the length, and check every
//! tagged field against its SSZ tag: `ssz-size` fields must have exactly that
//! size; `ssz-max` lists (and nested lists) must not exceed it, and must equal it
//! when the test says `IsMaxSize`.

use serde_json::Value;
use ssv_protocol::wire::{
    BeaconVote, Checkpoint, MessageId, PartialSigKind, PartialSignature, PartialSignatureMessages,
    QbftMessage, SignedSsvMessage, SsvMessage, SsvMsgType,
};

use super::json::{b64, bytes32, field, fixed_bytes, list, uint, Shape};
use super::Verdict;

/// One tagged field: its name, the lengths of the list and of each nested list
/// (outermost first), and the tag's sizes.
struct Tagged {
    name: &'static str,
    lengths: Vec<Vec<usize>>,
    sizes: Vec<usize>,
    fixed: bool,
}

fn max(name: &'static str, lengths: Vec<Vec<usize>>, sizes: &[usize]) -> Tagged {
    Tagged {
        name,
        lengths,
        sizes: sizes.to_vec(),
        fixed: false,
    }
}

fn size(name: &'static str, len: usize, size: usize) -> Tagged {
    Tagged {
        name,
        lengths: vec![vec![len]],
        sizes: vec![size],
        fixed: true,
    }
}

fn byte_lists(v: &Value) -> Result<Vec<Vec<u8>>, Shape> {
    list(v)?.iter().map(b64).collect()
}

fn ssv_message(v: &Value) -> Result<(SsvMessage, Vec<Tagged>), Shape> {
    let id = fixed_bytes(field(v, "MsgID")?)?;
    let data = b64(field(v, "Data")?)?;
    let tags = vec![
        size("MsgID", id.len(), 56),
        max("Data", vec![vec![data.len()]], &[726_932]),
    ];
    let m = SsvMessage {
        msg_type: SsvMsgType::from_u64(uint(field(v, "MsgType")?)?),
        msg_id: MessageId::from_slice(&id),
        data,
    };
    Ok((m, tags))
}

/// An object's SSZ encoding and its tagged fields.
type Built = (Vec<u8>, Vec<Tagged>);

fn build(obj: &Value) -> Result<Option<Built>, Shape> {
    let has = |k: &str| obj.get(k).is_some();
    if has("Signatures") && has("OperatorIDs") {
        let sigs = byte_lists(field(obj, "Signatures")?)?;
        let ids: Vec<u64> = list(field(obj, "OperatorIDs")?)?
            .iter()
            .map(uint)
            .collect::<Result<_, _>>()?;
        let (ssv, _) = ssv_message(field(obj, "SSVMessage")?)?;
        let full = b64(obj.get("FullData").unwrap_or(&Value::Null))?;
        let tags = vec![
            max(
                "Signatures",
                vec![vec![sigs.len()], sigs.iter().map(Vec::len).collect()],
                &[13, 256],
            ),
            max("OperatorIDs", vec![vec![ids.len()]], &[13]),
            max("FullData", vec![vec![full.len()]], &[8_388_836]),
        ];
        let m = SignedSsvMessage {
            signatures: sigs,
            operator_ids: ids,
            ssv_message: ssv,
            full_data: full,
        };
        return Ok(Some((m.encode(), tags)));
    }
    if has("MsgType") && has("MsgID") {
        let (m, tags) = ssv_message(obj)?;
        return Ok(Some((m.encode(), tags)));
    }
    if has("Round") && has("Height") {
        let identifier = b64(field(obj, "Identifier")?)?;
        let root = fixed_bytes(field(obj, "Root")?)?;
        let rcj = byte_lists(field(obj, "RoundChangeJustification")?)?;
        let pj = byte_lists(field(obj, "PrepareJustification")?)?;
        let tags = vec![
            max("Identifier", vec![vec![identifier.len()]], &[56]),
            size("Root", root.len(), 32),
            max(
                "RoundChangeJustification",
                vec![vec![rcj.len()], rcj.iter().map(Vec::len).collect()],
                &[13, 51_852],
            ),
            max(
                "PrepareJustification",
                vec![vec![pj.len()], pj.iter().map(Vec::len).collect()],
                &[13, 3_700],
            ),
        ];
        let m = QbftMessage {
            msg_type: uint(field(obj, "MsgType")?)?,
            height: uint(field(obj, "Height")?)?,
            round: uint(field(obj, "Round")?)?,
            identifier,
            root: root
                .as_slice()
                .try_into()
                .map_err(|_| "Root is not 32 bytes")?,
            data_round: uint(field(obj, "DataRound")?)?,
            round_change_justification: rcj,
            prepare_justification: pj,
        };
        return Ok(Some((m.encode(), tags)));
    }
    let partial = |v: &Value| -> Result<(PartialSignature, Vec<Tagged>), Shape> {
        let sig = fixed_bytes(field(v, "PartialSignature")?)?;
        let root = fixed_bytes(field(v, "SigningRoot")?)?;
        let tags = vec![
            size("PartialSignature", sig.len(), 96),
            size("SigningRoot", root.len(), 32),
        ];
        let p = PartialSignature {
            signature: sig
                .as_slice()
                .try_into()
                .map_err(|_| "PartialSignature is not 96 bytes")?,
            signing_root: root
                .as_slice()
                .try_into()
                .map_err(|_| "SigningRoot is not 32 bytes")?,
            signer: uint(field(v, "Signer")?)?,
            validator_index: uint(field(v, "ValidatorIndex")?)?,
        };
        Ok((p, tags))
    };
    if has("Messages") && has("Slot") {
        let messages: Vec<PartialSignature> = list(field(obj, "Messages")?)?
            .iter()
            .map(|m| partial(m).map(|(p, _)| p))
            .collect::<Result<_, _>>()?;
        let tags = vec![max("Messages", vec![vec![messages.len()]], &[5_048])];
        let m = PartialSignatureMessages {
            kind: PartialSigKind::from_u64(uint(field(obj, "Type")?)?),
            slot: uint(field(obj, "Slot")?)?,
            messages,
        };
        return Ok(Some((m.encode(), tags)));
    }
    if has("PartialSignature") && has("SigningRoot") {
        let (p, tags) = partial(obj)?;
        let m = PartialSignatureMessages {
            kind: PartialSigKind::PostConsensus,
            slot: 0,
            messages: vec![p],
        };
        // One entry of a list: its encoding is the list's, less the container's 20 bytes.
        let bytes = m.encode().get(20..).map(<[u8]>::to_vec).unwrap_or_default();
        return Ok(Some((bytes, tags)));
    }
    if has("BlockRoot") && has("Source") {
        let cp = |v: &Value| -> Result<Checkpoint, Shape> {
            // go-eth2-client writes checkpoints in lower case.
            Ok(Checkpoint {
                epoch: uint(field(v, "epoch")?)?,
                root: bytes32(field(v, "root")?)?,
            })
        };
        let block_root = fixed_bytes(field(obj, "BlockRoot")?)?;
        let tags = vec![size("BlockRoot", block_root.len(), 32)];
        let m = BeaconVote {
            block_root: block_root
                .as_slice()
                .try_into()
                .map_err(|_| "BlockRoot is not 32 bytes")?,
            source: cp(field(obj, "Source")?)?,
            target: cp(field(obj, "Target")?)?,
        };
        return Ok(Some((m.encode(), tags)));
    }
    Ok(None)
}

/// `maxmsgsize.StructureSizeTest`.
pub fn structure_size(test: &Value) -> Result<Verdict, Shape> {
    let obj = field(test, "Object")?;
    let must_equal = field(test, "IsMaxSize")?.as_bool().unwrap_or(false);
    let want = uint(field(test, "ExpectedEncodedLength")?)? as usize;
    let Some((encoded, tags)) = build(obj)? else {
        if obj.get("aggregation_bits").is_some() {
            return Ok(
                match super::consensus_data::attestation_size(obj, must_equal)? {
                    Ok(len) if len == want => Verdict::Pass,
                    Ok(len) => Verdict::Fail(format!("encoded length {len}, expected {want}")),
                    Err(problem) => Verdict::Fail(problem),
                },
            );
        }
        return Ok(Verdict::Fail("structure of unknown type".into()));
    };
    for tag in &tags {
        for (level, lengths) in tag.lengths.iter().enumerate() {
            let Some(&limit) = tag.sizes.get(level) else {
                continue;
            };
            for &len in lengths {
                let exact = tag.fixed || must_equal;
                if (exact && len != limit) || len > limit {
                    return Ok(Verdict::Fail(format!(
                        "{}: length {len} against tag size {limit} (must equal: {exact})",
                        tag.name
                    )));
                }
            }
        }
    }
    Ok(if encoded.len() == want {
        Verdict::Pass
    } else {
        Verdict::Fail(format!("encoded length {}, expected {want}", encoded.len()))
    })
}
