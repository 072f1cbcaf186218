//! Shared code of the runnable binaries: the spec-vector conformance runner and
//! the local demo cluster.

pub mod bench_node;
pub mod cluster;
pub mod devnet;
pub mod spec;

use std::collections::BTreeMap;

use rsa::pkcs1::EncodeRsaPrivateKey;
use ssv_protocol::operator_key::OperatorSigner;

/// Fresh RSA-2048 operator keys for operators `1..=n` (demos and benchmarks only:
/// they come from the operating system's random source).
pub fn generate_operator_keys(n: u64) -> BTreeMap<u64, OperatorSigner> {
    generate_operator_pems(n)
        .into_iter()
        .map(|(id, pem)| {
            (
                id,
                OperatorSigner::from_pkcs1_pem(&pem).expect("load a fresh key"),
            )
        })
        .collect()
}

/// Fresh RSA-2048 operator keys for operators `1..=n` as PKCS#1 PEM (demos and
/// tests only: they come from the operating system's random source).
pub fn generate_operator_pems(n: u64) -> BTreeMap<u64, String> {
    (1..=n)
        .map(|id| {
            let key = rsa::PrivateKey::new(
                &mut getrandom::rand_core::UnwrapErr(getrandom::SysRng),
                2048,
            )
            .expect("generate an RSA key");
            let pem = key
                .to_pkcs1_pem(Default::default())
                .expect("encode a fresh key");
            (id, pem.to_string())
        })
        .collect()
}
