//! The SSV fields of a node record (ENR) and the filter the Go node applies to
//! discovered peers (p2p facts §3): `ssv` = true, `domaintype` and
//! `next_domaintype` (4 bytes each), `subnets` (a 128-bit vector, bit i in byte
//! i / 8, lowest bit first). Discovery speaks the `ssvdv5` protocol ID.

use std::collections::BTreeSet;
use std::net::Ipv4Addr;

use discv5::ProtocolIdentity;
use enr::{CombinedKey, Enr};

/// The SSV discovery protocol identity: `ssvdv5`, version 1.
pub const SSV_DISCOVERY: ProtocolIdentity = ProtocolIdentity {
    protocol_id: *b"ssvdv5",
    protocol_version: [0, 1],
};

/// Number of gossip subnets.
pub const SUBNETS: u64 = 128;

/// The `subnets` bit vector of a set of subnets (those of 128 and above are
/// ignored).
pub fn subnets_bitvector(subnets: &BTreeSet<u64>) -> [u8; 16] {
    let mut bits = [0u8; 16];
    for s in subnets.iter().filter(|s| **s < SUBNETS) {
        bits[(*s / 8) as usize] |= 1 << (s % 8);
    }
    bits
}

/// The subnets set in a bit vector.
pub fn subnets_of(bits: &[u8; 16]) -> BTreeSet<u64> {
    (0..SUBNETS)
        .filter(|s| bits[(*s / 8) as usize] & (1 << (s % 8)) != 0)
        .collect()
}

/// Why a record could not be built.
#[derive(Debug, thiserror::Error)]
#[error("node record: {0}")]
pub struct EnrError(String);

/// Our node record: address, ports and the SSV fields.
pub fn build_enr(
    key: &CombinedKey,
    ip: Ipv4Addr,
    tcp: u16,
    udp: u16,
    domain: [u8; 4],
    subnets: &BTreeSet<u64>,
) -> Result<Enr<CombinedKey>, EnrError> {
    let bits = subnets_bitvector(subnets);
    Enr::builder()
        .ip4(ip)
        .tcp4(tcp)
        .udp4(udp)
        .add_value("ssv", &true)
        .add_value("domaintype", &domain.as_slice())
        .add_value("next_domaintype", &domain.as_slice())
        .add_value("subnets", &bits.as_slice())
        .build(key)
        .map_err(|e| EnrError(e.to_string()))
}

/// A peer's SSV fields, when it has them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SsvRecord {
    /// Its `domaintype`.
    pub domain: [u8; 4],
    /// Its subnets.
    pub subnets: BTreeSet<u64>,
}

/// The SSV fields of a record, or `None` when it is not an SSV node's.
pub fn ssv_record(enr: &Enr<CombinedKey>) -> Option<SsvRecord> {
    let is_ssv: bool = enr.get_decodable("ssv")?.ok()?;
    if !is_ssv {
        return None;
    }
    let domain: alloy::primitives::Bytes = enr.get_decodable("domaintype")?.ok()?;
    let subnets: alloy::primitives::Bytes = enr.get_decodable("subnets")?.ok()?;
    Some(SsvRecord {
        domain: <[u8; 4]>::try_from(domain.as_ref()).ok()?,
        subnets: subnets_of(&<[u8; 16]>::try_from(subnets.as_ref()).ok()?),
    })
}

/// Whether to dial a discovered peer, as the Go node decides: an SSV node of
/// our domain with at least one subnet in common with ours (any subnet when we
/// have none).
pub fn worth_dialing(enr: &Enr<CombinedKey>, domain: [u8; 4], ours: &BTreeSet<u64>) -> bool {
    let Some(record) = ssv_record(enr) else {
        return false;
    };
    record.domain == domain
        && !record.subnets.is_empty()
        && (ours.is_empty() || record.subnets.intersection(ours).next().is_some())
        && enr.tcp4().is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subnet_bits_are_lowest_bit_first() {
        // Subnets {0, 9, 114}: byte 0 bit 0, byte 1 bit 1, byte 14 bit 2.
        let set = BTreeSet::from([0, 9, 114]);
        assert_eq!(
            hex::encode(subnets_bitvector(&set)),
            "01020000000000000000000000000400"
        );
        assert_eq!(subnets_of(&subnets_bitvector(&set)), set);
    }

    #[test]
    fn record_fields_encode_as_the_go_node_writes_them() {
        let key = CombinedKey::generate_secp256k1();
        let enr = build_enr(
            &key,
            Ipv4Addr::LOCALHOST,
            13001,
            12001,
            [0, 0, 0, 1],
            &BTreeSet::from([114]),
        )
        .unwrap();
        // RLP as raw bytes: `ssv` is 0x01, `domaintype` a 4-byte string (0x84 …),
        // `subnets` a 16-byte string (0x90 …).
        assert_eq!(enr.get_raw_rlp("ssv").unwrap(), [0x01]);
        assert_eq!(enr.get_raw_rlp("domaintype").unwrap(), [0x84, 0, 0, 0, 1]);
        assert_eq!(
            enr.get_raw_rlp("next_domaintype").unwrap(),
            [0x84, 0, 0, 0, 1]
        );
        let mut subnets = vec![0x90];
        subnets.extend(subnets_bitvector(&BTreeSet::from([114])));
        assert_eq!(enr.get_raw_rlp("subnets").unwrap(), subnets.as_slice());
        // The text form round-trips.
        let parsed: Enr<CombinedKey> = enr.to_base64().parse().unwrap();
        assert_eq!(ssv_record(&parsed).unwrap().subnets, BTreeSet::from([114]));
        assert!(worth_dialing(
            &parsed,
            [0, 0, 0, 1],
            &BTreeSet::from([114, 3])
        ));
        assert!(
            !worth_dialing(&parsed, [0, 0, 5, 2], &BTreeSet::from([114])),
            "other domain"
        );
        assert!(
            !worth_dialing(&parsed, [0, 0, 0, 1], &BTreeSet::from([3])),
            "no shared subnet"
        );
        let plain = Enr::builder()
            .ip4(Ipv4Addr::LOCALHOST)
            .tcp4(1)
            .build(&key)
            .unwrap();
        assert!(
            !worth_dialing(&plain, [0, 0, 0, 1], &BTreeSet::new()),
            "not an SSV node"
        );
    }
}
