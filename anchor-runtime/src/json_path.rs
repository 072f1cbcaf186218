//! Reading values out of JSON documents by path with errors that name the
//! path: the Beacon API's quoted integers and `0x` hex byte strings, and the
//! keystore's fields.

use serde_json::Value;

/// Why a JSON document could not be read.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("{0}")]
pub struct JsonError(pub String);

/// The field at `path`, or an error naming it.
pub fn field<'a>(v: &'a Value, path: &[&str]) -> Result<&'a Value, JsonError> {
    path.iter()
        .try_fold(v, |v, k| v.get(k))
        .ok_or_else(|| JsonError(format!("missing {}", path.join("."))))
}

/// A quoted (or bare) unsigned integer.
pub fn uint(v: &Value, path: &[&str]) -> Result<u64, JsonError> {
    let f = field(v, path)?;
    f.as_str()
        .and_then(|s| s.parse().ok())
        .or_else(|| f.as_u64())
        .ok_or_else(|| JsonError(format!("{} is not an unsigned integer", path.join("."))))
}

/// Hex (with or without `0x`) of any length.
pub fn hex_vec(v: &Value, path: &[&str]) -> Result<Vec<u8>, JsonError> {
    let text = field(v, path)?
        .as_str()
        .ok_or_else(|| JsonError(format!("{} is not a string", path.join("."))))?;
    hex::decode(text.trim_start_matches("0x"))
        .map_err(|_| JsonError(format!("{} is not hex", path.join("."))))
}

/// `0x` hex of exactly N bytes.
pub fn bytes<const N: usize>(v: &Value, path: &[&str]) -> Result<[u8; N], JsonError> {
    let text = field(v, path)?
        .as_str()
        .ok_or_else(|| JsonError(format!("{} is not a string", path.join("."))))?;
    hex::decode(text.trim_start_matches("0x"))
        .ok()
        .and_then(|b| <[u8; N]>::try_from(b).ok())
        .ok_or_else(|| JsonError(format!("{} is not {N} hex bytes", path.join("."))))
}

/// An array of quoted integers.
pub fn uints(v: &Value, path: &[&str]) -> Result<Vec<u64>, JsonError> {
    field(v, path)?
        .as_array()
        .ok_or_else(|| JsonError(format!("{} is not an array", path.join("."))))?
        .iter()
        .map(|x| uint(x, &[]))
        .collect()
}

/// The `data` array of an answer.
pub fn data_array(v: &Value) -> Result<&Vec<Value>, JsonError> {
    field(v, &["data"])?
        .as_array()
        .ok_or_else(|| JsonError("data is not an array".into()))
}
