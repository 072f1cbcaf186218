//! The spec's test key sets, rebuilt from each vector's `PrivateKeys`.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::{Arc, Mutex, OnceLock};

use serde_json::Value;
use ssv_protocol::operator_key::{OperatorPublicKey, OperatorSigner};

use super::json::{field, Shape};

/// Operator RSA keys by operator ID.
#[derive(Debug)]
pub struct KeySet {
    /// Private keys.
    pub signers: BTreeMap<u64, OperatorSigner>,
    /// Public keys.
    pub public: BTreeMap<u64, OperatorPublicKey>,
}

impl KeySet {
    /// The signer of operator `id`.
    pub fn signer(&self, id: u64) -> Result<&OperatorSigner, Shape> {
        self.signers
            .get(&id)
            .ok_or_else(|| format!("no key for operator {id}"))
    }
}

fn parsed_keys() -> &'static Mutex<HashMap<String, Arc<KeySet>>> {
    static CACHE: OnceLock<Mutex<HashMap<String, Arc<KeySet>>>> = OnceLock::new();
    CACHE.get_or_init(|| Mutex::new(HashMap::new()))
}

/// The key set of a vector: its `PrivateKeys.OperatorKeys`, or, for the few
/// vectors without keys, the 4-operator set of another vector in the same folder.
pub fn key_set(test: &Value, file: &Path) -> Result<Arc<KeySet>, Shape> {
    if let Some(keys) = test.get("PrivateKeys").filter(|k| !k.is_null()) {
        return parse(field(keys, "OperatorKeys")?);
    }
    let dir = file.parent().ok_or("vector has no folder")?;
    let keys = first_in_folder(dir, |v| {
        v.get("PrivateKeys")
            .filter(|k| k.get("ShareCount").and_then(Value::as_u64) == Some(4))
            .and_then(|k| k.get("OperatorKeys"))
            .cloned()
    })?;
    match keys {
        Some(keys) => parse(&keys),
        None => Err("no 4-operator key set found beside the vector".into()),
    }
}

/// The first vector in `dir` (in name order) for which `pick` finds something.
fn first_in_folder<T>(dir: &Path, pick: impl Fn(&Value) -> Option<T>) -> Result<Option<T>, Shape> {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .map_err(|e| e.to_string())?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .collect();
    entries.sort();
    for path in entries {
        let Ok(text) = std::fs::read_to_string(&path) else {
            continue;
        };
        let Ok(v) = serde_json::from_str::<Value>(&text) else {
            continue;
        };
        if let Some(found) = pick(&v) {
            return Ok(Some(found));
        }
    }
    Ok(None)
}

fn parse(keys: &Value) -> Result<Arc<KeySet>, Shape> {
    let cache_key = keys.to_string();
    if let Some(hit) = parsed_keys()
        .lock()
        .map_err(|_| "key cache poisoned")?
        .get(&cache_key)
    {
        return Ok(Arc::clone(hit));
    }
    let obj = keys.as_object().ok_or("OperatorKeys is not an object")?;
    let mut signers = BTreeMap::new();
    let mut public = BTreeMap::new();
    for (id, pem_hex) in obj {
        let id: u64 = id.parse().map_err(|_| format!("bad operator id {id}"))?;
        let pem = hex::decode(pem_hex.as_str().ok_or("key is not a string")?)
            .map_err(|e| e.to_string())?;
        let pem = String::from_utf8(pem).map_err(|e| e.to_string())?;
        let signer = OperatorSigner::from_pkcs1_pem(&pem).map_err(|e| e.to_string())?;
        public.insert(id, signer.public_key());
        signers.insert(id, signer);
    }
    let set = Arc::new(KeySet { signers, public });
    parsed_keys()
        .lock()
        .map_err(|_| "key cache poisoned")?
        .insert(cache_key, Arc::clone(&set));
    Ok(set)
}

/// The validator public key every spec key set shares (`PrivateKeys.ValidatorPK`),
/// found in the first QBFT vector that carries keys.
pub fn testing_validator_pubkey(file: &Path) -> Result<Vec<u8>, Shape> {
    let root = file
        .ancestors()
        .find(|d| d.join("qbft").is_dir())
        .ok_or("cannot find the vectors' root above the vector")?;
    let dir = root.join("qbft/spectest/generate/tests");
    let pk = first_in_folder(&dir, |v| {
        v.pointer("/PrivateKeys/ValidatorPK")
            .and_then(Value::as_str)
            .map(str::to_string)
    })?;
    match pk {
        Some(pk) => hex::decode(pk).map_err(|e| e.to_string()),
        None => Err("no vector carries PrivateKeys.ValidatorPK".into()),
    }
}
