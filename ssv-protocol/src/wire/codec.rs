//! Decoding helpers shared by the wire types: SSZ container decoding with the
//! spec's list limits enforced, and one error type.

use ssz::{Decode, SszDecoder, SszDecoderBuilder};

/// Why bytes did not decode into a wire type.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DecodeError {
    /// The bytes are not valid SSZ for the type.
    #[error("invalid SSZ in {what}: {detail}")]
    Ssz {
        /// The type or field being decoded.
        what: &'static str,
        /// The decoder's complaint.
        detail: String,
    },
    /// A list is longer than its SSZ limit.
    #[error("{what} has {len} items, limit {limit}")]
    TooLong {
        /// The field.
        what: &'static str,
        /// Its length.
        len: usize,
        /// The limit.
        limit: usize,
    },
    /// A fixed-size field has the wrong size.
    #[error("{what} must be {expected} bytes, got {got}")]
    WrongSize {
        /// The field.
        what: &'static str,
        /// The required size.
        expected: usize,
        /// The size found.
        got: usize,
    },
    /// Justifications nest deeper than a QBFT message can legitimately need.
    #[error("justifications nested too deep")]
    TooDeep,
}

pub(crate) fn ssz_err(what: &'static str) -> impl Fn(ssz::DecodeError) -> DecodeError {
    move |e| DecodeError::Ssz {
        what,
        detail: format!("{e:?}"),
    }
}

/// A container decoder: register the field types, then read them in order.
pub(crate) struct Fields<'a> {
    what: &'static str,
    dec: SszDecoder<'a>,
}

/// Field layout of a container: `true` for variable-size fields, with the fixed
/// sizes of the others.
pub(crate) enum Field {
    Fixed(usize),
    Variable,
}

impl<'a> Fields<'a> {
    pub(crate) fn new(
        what: &'static str,
        bytes: &'a [u8],
        layout: &[Field],
    ) -> Result<Self, DecodeError> {
        let mut b = SszDecoderBuilder::new(bytes);
        for f in layout {
            match f {
                Field::Fixed(n) => b.register_type_parameterized(true, *n),
                Field::Variable => b.register_anonymous_variable_length_item(),
            }
            .map_err(ssz_err(what))?;
        }
        Ok(Fields {
            what,
            dec: b.build().map_err(ssz_err(what))?,
        })
    }

    pub(crate) fn next<T: Decode>(&mut self) -> Result<T, DecodeError> {
        self.dec.decode_next::<T>().map_err(ssz_err(self.what))
    }

    /// Decodes the next field from its bytes in place, without copying them.
    pub(crate) fn nested<T>(
        &mut self,
        f: impl FnOnce(&[u8]) -> Result<T, DecodeError>,
    ) -> Result<T, DecodeError> {
        let mut out: Option<Result<T, DecodeError>> = None;
        self.dec
            .decode_next_with(|b| {
                out = Some(f(b));
                Ok(())
            })
            .map_err(ssz_err(self.what))?;
        out.unwrap_or(Err(DecodeError::Ssz {
            what: self.what,
            detail: "field not decoded".into(),
        }))
    }

    pub(crate) fn bytes(
        &mut self,
        what: &'static str,
        limit: usize,
    ) -> Result<Vec<u8>, DecodeError> {
        let v: Vec<u8> = self.next()?;
        check_len(what, v.len(), limit)?;
        Ok(v)
    }

    pub(crate) fn array<const N: usize>(
        &mut self,
        what: &'static str,
    ) -> Result<[u8; N], DecodeError> {
        self.dec
            .decode_next_with(|b| {
                <[u8; N]>::try_from(b).map_err(|_| ssz::DecodeError::InvalidByteLength {
                    len: b.len(),
                    expected: N,
                })
            })
            .map_err(|_| DecodeError::WrongSize {
                what,
                expected: N,
                got: 0,
            })
    }

    pub(crate) fn byte_lists(
        &mut self,
        what: &'static str,
        limit: usize,
        inner_limit: usize,
    ) -> Result<Vec<Vec<u8>>, DecodeError> {
        let v: Vec<Vec<u8>> = self.next()?;
        check_len(what, v.len(), limit)?;
        for item in &v {
            check_len(what, item.len(), inner_limit)?;
        }
        Ok(v)
    }

    pub(crate) fn u64s(
        &mut self,
        what: &'static str,
        limit: usize,
    ) -> Result<Vec<u64>, DecodeError> {
        let v: Vec<u64> = self.next()?;
        check_len(what, v.len(), limit)?;
        Ok(v)
    }
}

pub(crate) fn check_len(what: &'static str, len: usize, limit: usize) -> Result<(), DecodeError> {
    if len > limit {
        Err(DecodeError::TooLong { what, len, limit })
    } else {
        Ok(())
    }
}
