//! Operator keys: both public-key encodings, signatures that verify only for the
//! right key and message, and refusal of malformed keys.

use rsa::pkcs1::{EncodeRsaPrivateKey, EncodeRsaPublicKey};
use rsa::pkcs8::EncodePublicKey;
use ssv_protocol::operator_key::{KeyError, OperatorPublicKey, OperatorSigner};
use ssv_protocol::wire::{MessageId, Role, SsvMessage, SsvMsgType};

fn fresh_key() -> rsa::PrivateKey {
    rsa::PrivateKey::new(
        &mut getrandom::rand_core::UnwrapErr(getrandom::SysRng),
        2048,
    )
    .unwrap()
}

fn msg(data: &[u8]) -> SsvMessage {
    SsvMessage {
        msg_type: SsvMsgType::Consensus,
        msg_id: MessageId::for_committee([0, 0, 5, 2], Role::Committee, &[1; 32]),
        data: data.to_vec(),
    }
}

/// The network's public-key form: PEM labelled "RSA PUBLIC KEY" around a PKIX body.
fn network_pem(key: &rsa::PrivateKey) -> String {
    let spki = key
        .to_public_key()
        .to_public_key_pem(Default::default())
        .unwrap();
    spki.replace("BEGIN PUBLIC KEY", "BEGIN RSA PUBLIC KEY")
        .replace("END PUBLIC KEY", "END RSA PUBLIC KEY")
}

#[test]
fn signature_verifies_with_the_networks_key_form_and_pkcs1() {
    let key = fresh_key();
    let signer =
        OperatorSigner::from_pkcs1_pem(&key.to_pkcs1_pem(Default::default()).unwrap()).unwrap();
    let m = msg(b"prepare");
    let sig = signer.sign(&m).unwrap();
    assert_eq!(sig.len(), 256);
    assert_eq!(
        sig,
        signer.sign(&m).unwrap(),
        "PKCS#1 v1.5 signatures are deterministic"
    );

    let from_network = OperatorPublicKey::from_pem(network_pem(&key).as_bytes()).unwrap();
    let from_pkcs1 =
        OperatorPublicKey::from_der(key.to_public_key().to_pkcs1_der().unwrap().as_bytes())
            .unwrap();
    for public in [&from_network, &from_pkcs1, &signer.public_key()] {
        assert!(public.verify(&m, &sig));
        assert!(!public.verify(&msg(b"commit"), &sig), "another message");
        let mut bad = sig.clone();
        bad[17] ^= 1;
        assert!(!public.verify(&m, &bad), "a flipped bit");
        assert!(!public.verify(&m, &sig[..255]), "a short signature");
    }
    let other = fresh_key();
    let other_public = OperatorPublicKey::from_pem(network_pem(&other).as_bytes()).unwrap();
    assert!(!other_public.verify(&m, &sig), "another key");
}

#[test]
fn base64_of_pem_is_the_contract_form() {
    use base64::Engine;
    let key = fresh_key();
    let b64 = base64::engine::general_purpose::STANDARD.encode(network_pem(&key));
    let public = OperatorPublicKey::from_base64_pem(b64.as_bytes()).unwrap();
    assert_eq!(
        public,
        OperatorPublicKey::from_pem(network_pem(&key).as_bytes()).unwrap()
    );
}

#[test]
fn malformed_keys_are_refused() {
    assert!(matches!(
        OperatorPublicKey::from_pem(b"not a key"),
        Err(KeyError::Encoding(_))
    ));
    assert!(matches!(
        OperatorPublicKey::from_pem(
            b"-----BEGIN RSA PUBLIC KEY-----\nAAAA\n-----END RSA PUBLIC KEY-----\n"
        ),
        Err(KeyError::Key(_))
    ));
    assert!(OperatorPublicKey::from_base64_pem(b"%%%").is_err());
    assert!(OperatorSigner::from_pkcs1_pem(
        "-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END RSA PRIVATE KEY-----"
    )
    .is_err());
}

#[test]
fn debug_output_shows_no_key_material() {
    let key = fresh_key();
    let signer =
        OperatorSigner::from_pkcs1_pem(&key.to_pkcs1_pem(Default::default()).unwrap()).unwrap();
    assert_eq!(format!("{signer:?}"), "OperatorSigner(..)");
}

#[test]
fn public_key_pem_is_the_networks_form_from_either_encoding() {
    let key = fresh_key();
    let want = network_pem(&key);
    let from_network = OperatorPublicKey::from_pem(want.as_bytes()).unwrap();
    assert_eq!(from_network.to_pem(), want);
    let signer =
        OperatorSigner::from_pkcs1_pem(&key.to_pkcs1_pem(Default::default()).unwrap()).unwrap();
    assert_eq!(
        signer.public_key().to_pem(),
        want,
        "PKCS#1 public keys are wrapped as PKIX"
    );
}

/// Encrypts as the contract's registrant does: PKCS#1 v1.5 with the operator's key.
fn encrypt_for(public: &OperatorPublicKey, plain: &[u8]) -> Vec<u8> {
    use aws_lc_rs::rsa::{Pkcs1PublicEncryptingKey, PublicEncryptingKey};
    let spki = {
        use base64::Engine;
        let pem = public.to_pem();
        let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
        base64::engine::general_purpose::STANDARD
            .decode(body)
            .unwrap()
    };
    let key = Pkcs1PublicEncryptingKey::new(PublicEncryptingKey::from_der(&spki).unwrap()).unwrap();
    let mut out = vec![0u8; key.ciphertext_size()];
    key.encrypt(plain, &mut out).unwrap().to_vec()
}

#[test]
fn shares_decrypt_from_pkcs1_v15_hex_plaintext() {
    let key = fresh_key();
    let signer =
        OperatorSigner::from_pkcs1_pem(&key.to_pkcs1_pem(Default::default()).unwrap()).unwrap();
    let secret = [0x5Fu8; 32];
    let ct = encrypt_for(&signer.public_key(), hex::encode(secret).as_bytes());
    assert_eq!(signer.decrypt_share(&ct).unwrap(), secret);
    let ct0x = encrypt_for(
        &signer.public_key(),
        format!("0x{}", hex::encode(secret)).as_bytes(),
    );
    assert_eq!(signer.decrypt_share(&ct0x).unwrap(), secret);
    // Not hex, or the wrong length: refused.
    let bad = encrypt_for(&signer.public_key(), b"hello world");
    assert_eq!(signer.decrypt(&bad).unwrap(), b"hello world");
    assert_eq!(signer.decrypt_share(&bad), Err(KeyError::ShareFormat));
    // Another operator cannot decrypt it.
    let other =
        OperatorSigner::from_pkcs1_pem(&fresh_key().to_pkcs1_pem(Default::default()).unwrap())
            .unwrap();
    assert_eq!(other.decrypt(&ct), Err(KeyError::Decrypt));
    assert_eq!(signer.decrypt(&ct[..100]), Err(KeyError::Decrypt));
}
