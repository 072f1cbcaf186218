//! Reading the vectors' Go-flavoured JSON: base64 byte strings, hex or number-array
//! fixed arrays, string-keyed maps.

use base64::Engine;
use serde_json::Value;
use ssv_protocol::wire::{MessageId, SignedSsvMessage, SsvMessage, SsvMsgType};

/// A vector that does not have the shape we expect.
pub type Shape = String;

/// The field `key` of an object.
pub fn field<'a>(v: &'a Value, key: &str) -> Result<&'a Value, Shape> {
    v.get(key).ok_or_else(|| format!("missing field {key}"))
}

/// A base64 byte string; `null` reads as empty.
pub fn b64(v: &Value) -> Result<Vec<u8>, Shape> {
    match v {
        Value::Null => Ok(Vec::new()),
        Value::String(s) => base64::engine::general_purpose::STANDARD
            .decode(s)
            .map_err(|e| format!("bad base64: {e}")),
        other => Err(format!("expected base64 string, got {other}")),
    }
}

/// A base64 byte string, keeping `null` apart.
pub fn b64_opt(v: &Value) -> Result<Option<Vec<u8>>, Shape> {
    match v {
        Value::Null => Ok(None),
        other => b64(other).map(Some),
    }
}

/// A fixed byte array written as lowercase hex (optionally `0x`) or as a JSON
/// array of numbers.
pub fn fixed_bytes(v: &Value) -> Result<Vec<u8>, Shape> {
    match v {
        Value::String(s) => {
            hex::decode(s.trim_start_matches("0x")).map_err(|e| format!("bad hex: {e}"))
        }
        Value::Array(items) => items
            .iter()
            .map(|i| {
                i.as_u64()
                    .and_then(|n| u8::try_from(n).ok())
                    .ok_or_else(|| "bad byte".to_string())
            })
            .collect(),
        other => Err(format!("expected bytes, got {other}")),
    }
}

/// A 32-byte array.
pub fn bytes32(v: &Value) -> Result<[u8; 32], Shape> {
    let b = fixed_bytes(v)?;
    <[u8; 32]>::try_from(b.as_slice()).map_err(|_| format!("expected 32 bytes, got {}", b.len()))
}

/// An unsigned integer, as a number or a quoted decimal.
pub fn uint(v: &Value) -> Result<u64, Shape> {
    match v {
        Value::Number(n) => n.as_u64().ok_or_else(|| format!("bad integer {n}")),
        Value::String(s) => s.parse().map_err(|_| format!("bad integer {s}")),
        other => Err(format!("expected integer, got {other}")),
    }
}

/// A list, `null` reading as empty.
pub fn list(v: &Value) -> Result<&[Value], Shape> {
    match v {
        Value::Null => Ok(&[]),
        Value::Array(a) => Ok(a),
        other => Err(format!("expected list, got {other}")),
    }
}

/// A `SignedSSVMessage` in the vectors' JSON.
pub fn signed_ssv_message(v: &Value) -> Result<SignedSsvMessage, Shape> {
    let signatures = list(field(v, "Signatures")?)?
        .iter()
        .map(b64)
        .collect::<Result<Vec<_>, _>>()?;
    let operator_ids = list(field(v, "OperatorIDs")?)?
        .iter()
        .map(uint)
        .collect::<Result<Vec<_>, _>>()?;
    let inner = field(v, "SSVMessage")?;
    let ssv_message = if inner.is_null() {
        return Err("nil SSVMessage".into());
    } else {
        let id = fixed_bytes(field(inner, "MsgID")?)?;
        if id.len() != 56 {
            return Err(format!("MsgID of {} bytes", id.len()));
        }
        SsvMessage {
            msg_type: SsvMsgType::from_u64(uint(field(inner, "MsgType")?)?),
            msg_id: MessageId::from_slice(&id),
            data: b64(field(inner, "Data")?)?,
        }
    };
    Ok(SignedSsvMessage {
        signatures,
        operator_ids,
        ssv_message,
        full_data: b64(v.get("FullData").unwrap_or(&Value::Null))?,
    })
}
