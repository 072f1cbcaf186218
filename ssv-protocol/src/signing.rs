//! Beacon-chain signing roots (consensus-specs `compute_domain`,
//! `compute_signing_root`) and the deposit message.

use sha2::{Digest as _, Sha256};

use crate::wire::merkle::{byte_vector_root, container_root, u64_root};

/// The deposit domain type.
pub const DOMAIN_DEPOSIT: [u8; 4] = [3, 0, 0, 0];

/// A validator's full deposit, in Gwei.
pub const FULL_DEPOSIT_GWEI: u64 = 32_000_000_000;

/// `compute_domain(domain_type, fork_version, genesis_validators_root)`.
pub fn compute_domain(
    domain_type: [u8; 4],
    fork_version: [u8; 4],
    genesis_validators_root: [u8; 32],
) -> [u8; 32] {
    let fork_data_root =
        container_root(&[byte_vector_root(&fork_version), genesis_validators_root]);
    let mut domain = [0u8; 32];
    domain[..4].copy_from_slice(&domain_type);
    domain[4..].copy_from_slice(&fork_data_root[..28]);
    domain
}

/// `compute_signing_root(object_root, domain)`: the root of `SigningData`.
pub fn signing_root(object_root: [u8; 32], domain: [u8; 32]) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(object_root);
    h.update(domain);
    h.finalize().into()
}

/// The root of a `DepositMessage { pubkey, withdrawal_credentials, amount }`.
pub fn deposit_message_root(
    pubkey: &[u8; 48],
    withdrawal_credentials: [u8; 32],
    amount_gwei: u64,
) -> [u8; 32] {
    container_root(&[
        byte_vector_root(pubkey),
        withdrawal_credentials,
        u64_root(amount_gwei),
    ])
}

/// The signing root of a deposit: deposits are signed with the genesis fork
/// version and a zero genesis validators root, on every network.
pub fn deposit_signing_root(
    pubkey: &[u8; 48],
    withdrawal_credentials: [u8; 32],
    genesis_fork_version: [u8; 4],
) -> [u8; 32] {
    let domain = compute_domain(DOMAIN_DEPOSIT, genesis_fork_version, [0; 32]);
    signing_root(
        deposit_message_root(pubkey, withdrawal_credentials, FULL_DEPOSIT_GWEI),
        domain,
    )
}
