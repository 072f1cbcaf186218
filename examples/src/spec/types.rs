//! The `types` component's vectors: encodings, message validation and the small
//! helpers the spec tests one by one.

use serde_json::Value;
use ssv_protocol::wire::{BeaconVote, PartialSignatureMessages, SignedSsvMessage, SsvMessage};

use super::json::{b64, bytes32, field, Shape};
use super::Verdict;

/// A wire type the encoding tests cover.
type Codec = fn(&[u8]) -> Result<(Vec<u8>, [u8; 32]), String>;

fn codec_signed(b: &[u8]) -> Result<(Vec<u8>, [u8; 32]), String> {
    let m = SignedSsvMessage::decode(b).map_err(|e| e.to_string())?;
    Ok((m.encode(), m.tree_hash_root()))
}

fn codec_ssv(b: &[u8]) -> Result<(Vec<u8>, [u8; 32]), String> {
    let m = SsvMessage::decode(b).map_err(|e| e.to_string())?;
    Ok((m.encode(), m.tree_hash_root()))
}

fn codec_partial(b: &[u8]) -> Result<(Vec<u8>, [u8; 32]), String> {
    let m = PartialSignatureMessages::decode(b).map_err(|e| e.to_string())?;
    Ok((m.encode(), m.tree_hash_root()))
}

fn codec_beacon_vote(b: &[u8]) -> Result<(Vec<u8>, [u8; 32]), String> {
    let m = BeaconVote::decode(b).map_err(|e| e.to_string())?;
    Ok((m.encode(), m.tree_hash_root()))
}

/// The codec of an `*.EncodingTest` by its type prefix, if we have that type.
pub fn encoding_codec(kind: &str) -> Option<Codec> {
    Some(match kind {
        "signedssvmsg.EncodingTest" => codec_signed,
        "ssvmsg.EncodingTest" => codec_ssv,
        "partialsigmessage.EncodingTest" => codec_partial,
        "beaconvote.EncodingTest" => codec_beacon_vote,
        _ => return None,
    })
}

/// `*.EncodingTest`: decode `Data`, re-encode to the same bytes, and compare the
/// hash-tree-root with `ExpectedRoot` when given.
pub fn encoding(test: &Value, codec: Codec) -> Result<Verdict, Shape> {
    let data = b64(field(test, "Data")?)?;
    let (again, root) = match codec(&data) {
        Ok(x) => x,
        Err(e) => return Ok(Verdict::Fail(format!("does not decode: {e}"))),
    };
    if again != data {
        return Ok(Verdict::Fail("re-encoding differs from the input".into()));
    }
    if let Some(want) = test.get("ExpectedRoot").filter(|r| !r.is_null()) {
        if bytes32(want)? != root {
            return Ok(Verdict::Fail(format!("root {} differs", hex::encode(root))));
        }
    }
    Ok(Verdict::Pass)
}
