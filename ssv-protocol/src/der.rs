//! The few DER wrappers RSA keys need: PKCS#1 inside PKCS#8 (private) and inside
//! SubjectPublicKeyInfo (public). Only building, never parsing: parsing is left to
//! aws-lc-rs.

/// The AlgorithmIdentifier of rsaEncryption (OID 1.2.840.113549.1.1.1, NULL).
const RSA_ALGORITHM: [u8; 15] = [
    0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01, 0x05, 0x00,
];

/// A DER TLV with a definite length.
fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    let len = content.len();
    let mut out = vec![tag];
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes = len.to_be_bytes();
        let skip = bytes.iter().take_while(|b| **b == 0).count();
        let significant = bytes.get(skip..).unwrap_or(&[]);
        out.push(0x80 | significant.len() as u8);
        out.extend_from_slice(significant);
    }
    out.extend_from_slice(content);
    out
}

/// PKCS#1 RSAPrivateKey DER → PKCS#8 PrivateKeyInfo DER.
pub(crate) fn pkcs8_from_pkcs1(pkcs1: &[u8]) -> Vec<u8> {
    let mut body = vec![0x02, 0x01, 0x00]; // version 0
    body.extend_from_slice(&RSA_ALGORITHM);
    body.extend(tlv(0x04, pkcs1));
    tlv(0x30, &body)
}

/// PKCS#1 RSAPublicKey DER → SubjectPublicKeyInfo DER.
pub(crate) fn spki_from_pkcs1(pkcs1: &[u8]) -> Vec<u8> {
    let mut bits = vec![0x00]; // no unused bits
    bits.extend_from_slice(pkcs1);
    let mut body = RSA_ALGORITHM.to_vec();
    body.extend(tlv(0x03, &bits));
    tlv(0x30, &body)
}
