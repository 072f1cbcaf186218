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
        "share.EncodingTest" => codec_share,
        "proposerconsensusdata.EncodingTest" => codec_proposer_data,
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

/// `signedssvmsg.SignedSSVMessageTest`: validate each message, then verify
/// signature i with key i of `RSAPublicKey`; the last outcome counts per message.
pub fn signed_ssv_message(test: &Value) -> Result<Verdict, Shape> {
    use super::codes::{check, message_code};
    use super::json::{list, signed_ssv_message as parse, uint};
    use ssv_protocol::operator_key::OperatorPublicKey;
    use ssv_protocol::wire::validate_signers;
    let keys: Vec<OperatorPublicKey> = list(test.get("RSAPublicKey").unwrap_or(&Value::Null))?
        .iter()
        .map(|k| OperatorPublicKey::from_pem(&b64(k)?).map_err(|e| e.to_string()))
        .collect::<Result<_, _>>()?;
    let expected = uint(field(test, "ExpectedErrorCode")?)?;
    for (i, msg) in list(field(test, "Messages")?)?.iter().enumerate() {
        let outcome = if field(msg, "SSVMessage")?.is_null() {
            // Signer and signature rules come before the nil check.
            let ids = list(field(msg, "OperatorIDs")?)?
                .iter()
                .map(uint)
                .collect::<Result<Vec<_>, _>>()?;
            let sigs = list(field(msg, "Signatures")?)?
                .iter()
                .map(b64)
                .collect::<Result<Vec<_>, _>>()?;
            Some(
                validate_signers(&ids, &sigs)
                    .err()
                    .map_or(14, |e| message_code(&e)),
            )
        } else {
            let wire = parse(msg)?;
            match wire.validate() {
                Err(e) => Some(message_code(&e)),
                Ok(()) => {
                    let mut outcome = None;
                    for (k, key) in keys.iter().enumerate() {
                        let sig = wire.signatures.get(k).map(Vec::as_slice).unwrap_or(&[]);
                        outcome = (!key.verify(&wire.ssv_message, sig)).then_some(0);
                    }
                    outcome
                }
            }
        };
        if let Err(e) = check(expected, outcome) {
            return Ok(Verdict::Fail(format!("message {i}: {e}")));
        }
    }
    Ok(Verdict::Pass)
}

/// `ssvmsg.SSVMessageTest`: whether each message ID's duty executor is the test
/// validator's public key.
pub fn ssv_message_belongs(test: &Value, file: &std::path::Path) -> Result<Verdict, Shape> {
    use super::json::{fixed_bytes, list};
    let pk = super::keys::testing_validator_pubkey(file)?;
    let want = field(test, "BelongsToValidator")?
        .as_bool()
        .ok_or("BelongsToValidator is not a bool")?;
    for id in list(field(test, "MessageIDs")?)? {
        let id = fixed_bytes(id)?;
        let belongs = id.get(8..56) == Some(pk.as_slice());
        if belongs != want {
            return Ok(Verdict::Fail(format!(
                "{}: belongs = {belongs}",
                hex::encode(&id)
            )));
        }
    }
    Ok(Verdict::Pass)
}

fn partial_messages(v: &Value) -> Result<PartialSignatureMessages, Shape> {
    use super::json::{fixed_bytes, list, uint};
    use ssv_protocol::wire::{PartialSigKind, PartialSignature};
    let messages = list(field(v, "Messages")?)?
        .iter()
        .map(|m| {
            let sig = fixed_bytes(field(m, "PartialSignature")?)?;
            Ok(PartialSignature {
                // An empty signature ("" in the JSON) reads as zeros.
                signature: <[u8; 96]>::try_from(sig.as_slice()).unwrap_or([0; 96]),
                signing_root: bytes32(field(m, "SigningRoot")?)?,
                signer: uint(field(m, "Signer")?)?,
                validator_index: uint(field(m, "ValidatorIndex")?)?,
            })
        })
        .collect::<Result<Vec<_>, Shape>>()?;
    Ok(PartialSignatureMessages {
        kind: PartialSigKind::from_u64(uint(field(v, "Type")?)?),
        slot: uint(field(v, "Slot")?)?,
        messages,
    })
}

/// `partialsigmessage.MsgSpecTest`: validate each message; encodings and roots
/// when listed.
pub fn partial_sig_msg_spec(test: &Value) -> Result<Verdict, Shape> {
    use super::codes::{check, message_code};
    use super::json::{list, uint};
    let encoded = list(field(test, "EncodedMessages")?)?;
    let roots = list(field(test, "ExpectedRoots")?)?;
    let mut last = None;
    for (i, m) in list(field(test, "Messages")?)?.iter().enumerate() {
        let msg = partial_messages(m)?;
        if let Err(e) = msg.validate() {
            last = Some(message_code(&e));
        }
        if let Some(want) = encoded.get(i) {
            let want = b64(want)?;
            if msg.encode() != want
                || PartialSignatureMessages::decode(&want).ok().as_ref() != Some(&msg)
            {
                return Ok(Verdict::Fail(format!("message {i}: encoding differs")));
            }
        }
        if let Some(want) = roots.get(i) {
            if bytes32(want)? != msg.tree_hash_root() {
                return Ok(Verdict::Fail(format!("message {i}: root differs")));
            }
        }
    }
    Ok(check(uint(field(test, "ExpectedErrorCode")?)?, last)
        .map_or_else(Verdict::Fail, |()| Verdict::Pass))
}

/// `committeemember.CommitteeMemberTest`: the message's validity, whether its
/// distinct signers are a quorum, and whether they are the whole committee.
pub fn committee_member(test: &Value) -> Result<Verdict, Shape> {
    use super::codes::{check, message_code};
    use super::json::{list, signed_ssv_message as parse, uint};
    let member = field(test, "CommitteeMember")?;
    let faulty = uint(field(member, "FaultyNodes")?)?;
    let size = list(field(member, "Committee")?)?.len();
    let msg = parse(field(test, "Message")?)?;
    let outcome = msg.validate().err().map(|e| message_code(&e));
    let mut distinct = msg.operator_ids.clone();
    distinct.sort_unstable();
    distinct.dedup();
    // A quorum is 2f + 1 distinct signers.
    let has_quorum = distinct.len() as u64 > 2 * faulty;
    let full = distinct.len() == size;
    let verdict = (|| {
        check(uint(field(test, "ExpectedErrorCode")?)?, outcome)?;
        let want_quorum = field(test, "ExpectedHasQuorum")?
            .as_bool()
            .ok_or("ExpectedHasQuorum")?;
        let want_full = field(test, "ExpectedFullCommittee")?
            .as_bool()
            .ok_or("ExpectedFullCommittee")?;
        if (has_quorum, full) != (want_quorum, want_full) {
            return Err(format!(
                "quorum {has_quorum}, full {full}; expected {want_quorum}, {want_full}"
            ));
        }
        Ok(())
    })();
    Ok(verdict.map_or_else(Verdict::Fail, |()| Verdict::Pass))
}

/// `duty.DutySpecTest`: the runner role of a beacon role (pinned spec: Boole).
pub fn duty_role(test: &Value) -> Result<Verdict, Shape> {
    use super::json::uint;
    use ssv_protocol::roles::{runner_role, BeaconRole, RoleFork};
    let beacon = BeaconRole::from_u64(uint(field(test, "BeaconRole")?)?);
    let want = field(test, "RunnerRole")?
        .as_i64()
        .ok_or("RunnerRole is not an integer")?;
    let got = runner_role(beacon, RoleFork::Boole).map_or(-1, |r| i64::from(r.to_u32()));
    Ok(if got == want {
        Verdict::Pass
    } else {
        Verdict::Fail(format!("{beacon:?} maps to {got}, expected {want}"))
    })
}

/// `encryption.EncryptionSpecTest`: the private key's public PEM is `PKPem`, and
/// PKCS#1 v1.5 encryption to `PKPem` decrypts back to `PlainText`.
pub fn encryption(test: &Value) -> Result<Verdict, Shape> {
    use aws_lc_rs::rsa::{Pkcs1PublicEncryptingKey, PublicEncryptingKey};
    use ssv_protocol::operator_key::{OperatorPublicKey, OperatorSigner};
    let sk_pem = String::from_utf8(b64(field(test, "SKPem")?)?).map_err(|e| e.to_string())?;
    let pk_pem = b64(field(test, "PKPem")?)?;
    let plain = b64(field(test, "PlainText")?)?;
    let signer = OperatorSigner::from_pkcs1_pem(&sk_pem).map_err(|e| e.to_string())?;
    if signer.public_key().to_pem().as_bytes() != pk_pem.as_slice() {
        return Ok(Verdict::Fail(
            "public PEM derived from the private key differs from PKPem".into(),
        ));
    }
    let public = OperatorPublicKey::from_pem(&pk_pem).map_err(|e| e.to_string())?;
    let spki = {
        use base64::Engine;
        let body: String = public
            .to_pem()
            .lines()
            .filter(|l| !l.starts_with("-----"))
            .collect();
        base64::engine::general_purpose::STANDARD
            .decode(body)
            .map_err(|e| e.to_string())?
    };
    let key = PublicEncryptingKey::from_der(&spki)
        .map_err(|e| e.to_string())
        .and_then(|k| Pkcs1PublicEncryptingKey::new(k).map_err(|e| e.to_string()))?;
    let mut ct = vec![0u8; key.ciphertext_size()];
    let ct = key
        .encrypt(&plain, &mut ct)
        .map_err(|e| e.to_string())?
        .to_vec();
    Ok(match signer.decrypt(&ct) {
        Ok(back) if back == plain => Verdict::Pass,
        Ok(_) => Verdict::Fail("decrypted text differs".into()),
        Err(e) => Verdict::Fail(format!("decryption failed: {e}")),
    })
}

/// `beacon.DepositDataSpecTest`: the deposit's signing root.
pub fn deposit_data(test: &Value) -> Result<Verdict, Shape> {
    use super::json::fixed_bytes;
    let pk: [u8; 48] = fixed_bytes(field(test, "ValidatorPK")?)?
        .try_into()
        .map_err(|_| "ValidatorPK size")?;
    let wc = bytes32(field(test, "WithdrawalCredentials")?)?;
    let fork: [u8; 4] = fixed_bytes(field(test, "ForkVersion")?)?
        .try_into()
        .map_err(|_| "ForkVersion size")?;
    let got = ssv_protocol::signing::deposit_signing_root(&pk, wc, fork);
    let want = bytes32(field(test, "ExpectedSigningRoot")?)?;
    Ok(if got == want {
        Verdict::Pass
    } else {
        Verdict::Fail(format!("signing root {}", hex::encode(got)))
    })
}

/// `proposerconsensusdata.EncodingTest`.
pub fn codec_proposer_data(b: &[u8]) -> Result<(Vec<u8>, [u8; 32]), String> {
    use ssz::{Decode, Encode};
    use tree_hash::TreeHash;
    let m = ssv_protocol::beacon::consensus_data::ProposerConsensusData::from_ssz_bytes(b)
        .map_err(|e| format!("{e:?}"))?;
    Ok((m.as_ssz_bytes(), m.tree_hash_root().0))
}

/// `share.EncodingTest`.
pub fn codec_share(b: &[u8]) -> Result<(Vec<u8>, [u8; 32]), String> {
    let m = ssv_protocol::wire::Share::decode(b).map_err(|e| e.to_string())?;
    Ok((m.encode(), m.tree_hash_root()))
}
