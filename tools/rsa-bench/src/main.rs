//! RSA-2048 PKCS#1 v1.5 / SHA-256 over a 200-byte message (the size of an SSZ
//! `SSVMessage` carrying a prepare): verifications and signatures per second on
//! one core, for each candidate implementation, on the same key and message.
//! Run: `cargo run --release --manifest-path tools/rsa-bench/Cargo.toml`.

use std::time::{Duration, Instant};

use rsa::pkcs1::{EncodeRsaPrivateKey, EncodeRsaPublicKey};
use rsa::pkcs1v15::{Signature, SigningKey, VerifyingKey};
use rsa::signature::{Signer, Verifier};

fn rate(name: &str, what: &str, mut f: impl FnMut()) -> f64 {
    for _ in 0..50 {
        f();
    }
    let budget = Duration::from_secs(3);
    let start = Instant::now();
    let mut n = 0u64;
    while start.elapsed() < budget {
        for _ in 0..50 {
            f();
        }
        n += 50;
    }
    let per_sec = n as f64 / start.elapsed().as_secs_f64();
    println!("| {name} | {what} | {per_sec:>10.0}/s | {:>7.1} µs |", 1e6 / per_sec);
    per_sec
}

fn main() {
    let key = rsa::PrivateKey::new(&mut getrandom::rand_core::UnwrapErr(getrandom::SysRng), 2048).unwrap();
    let pkcs1_priv = key.to_pkcs1_der().unwrap();
    let pkcs1_pub = key.to_public_key().to_pkcs1_der().unwrap();
    let msg = vec![0x5Au8; 200];

    println!("| implementation | operation | rate (1 core) | per op |");
    println!("|---|---|---|---|");

    // RustCrypto rsa (pure Rust)
    let signer = SigningKey::<sha2::Sha256>::new(key.clone());
    let verifier = VerifyingKey::<sha2::Sha256>::new(key.to_public_key());
    let sig: Signature = signer.sign(&msg);
    let sig_bytes: Box<[u8]> = sig.clone().into();
    rate("rsa 0.10 (pure Rust)", "verify", || assert!(verifier.verify(&msg, &sig).is_ok()));
    rate("rsa 0.10 (pure Rust)", "sign", || {
        let _ = signer.sign(&msg);
    });

    // ring
    let ring_pub = ring::signature::UnparsedPublicKey::new(&ring::signature::RSA_PKCS1_2048_8192_SHA256, pkcs1_pub.as_bytes().to_vec());
    rate("ring 0.17", "verify", || assert!(ring_pub.verify(&msg, &sig_bytes).is_ok()));
    let ring_pair = ring::signature::RsaKeyPair::from_der(pkcs1_priv.as_bytes()).unwrap();
    let ring_rng = ring::rand::SystemRandom::new();
    let mut out = vec![0u8; ring_pair.public().modulus_len()];
    rate("ring 0.17", "sign", || ring_pair.sign(&ring::signature::RSA_PKCS1_SHA256, &ring_rng, &msg, &mut out).unwrap());
    assert_eq!(&out[..], &sig_bytes[..], "PKCS#1 v1.5 is deterministic: ring must match rsa");

    // aws-lc-rs
    let aws_pub = aws_lc_rs::signature::UnparsedPublicKey::new(&aws_lc_rs::signature::RSA_PKCS1_2048_8192_SHA256, pkcs1_pub.as_bytes().to_vec());
    rate("aws-lc-rs 1", "verify", || assert!(aws_pub.verify(&msg, &sig_bytes).is_ok()));
    let parsed = aws_lc_rs::signature::ParsedPublicKey::new(&aws_lc_rs::signature::RSA_PKCS1_2048_8192_SHA256, pkcs1_pub.as_bytes()).unwrap();
    rate("aws-lc-rs 1, pre-parsed key", "verify", || assert!(parsed.verify_sig(&msg, &sig_bytes).is_ok()));
    let aws_pair = aws_lc_rs::signature::RsaKeyPair::from_der(pkcs1_priv.as_bytes()).unwrap();
    let aws_rng = aws_lc_rs::rand::SystemRandom::new();
    let mut out = vec![0u8; aws_pair.public_modulus_len()];
    rate("aws-lc-rs 1", "sign", || aws_pair.sign(&aws_lc_rs::signature::RSA_PKCS1_SHA256, &aws_rng, &msg, &mut out).unwrap());
    assert_eq!(&out[..], &sig_bytes[..], "aws-lc-rs must match rsa");

    // openssl (system OpenSSL, as the Go node uses)
    let pkey = openssl::pkey::PKey::from_rsa(openssl::rsa::Rsa::private_key_from_der(pkcs1_priv.as_bytes()).unwrap()).unwrap();
    let pubkey = openssl::pkey::PKey::from_rsa(openssl::rsa::Rsa::public_key_from_der_pkcs1(pkcs1_pub.as_bytes()).unwrap()).unwrap();
    rate("openssl crate (OpenSSL 3.0)", "verify", || {
        let mut v = openssl::sign::Verifier::new(openssl::hash::MessageDigest::sha256(), &pubkey).unwrap();
        v.update(&msg).unwrap();
        assert!(v.verify(&sig_bytes).unwrap());
    });
    rate("openssl crate (OpenSSL 3.0)", "sign", || {
        let mut s = openssl::sign::Signer::new(openssl::hash::MessageDigest::sha256(), &pkey).unwrap();
        s.update(&msg).unwrap();
        let _ = s.sign_to_vec().unwrap();
    });
}
