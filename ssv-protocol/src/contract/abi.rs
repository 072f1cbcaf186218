//! A strict reader for the Solidity ABI encoding of event data: 32-byte head
//! words, offsets to dynamic values, nothing read past the end, and every
//! word's unused high bytes checked to be zero. Only the types the SSV
//! contract's events use are supported.
//!
//! Hand-written rather than taken from `alloy-sol-types`: it is about a hundred
//! lines, it keeps proc-macro crates out of the protocol crate, and every way
//! the bytes can be wrong has its own typed error, which the fuzz target and
//! the skipped-event log line both use.

use super::EventError;

/// A cursor over the head words of one ABI-encoded tuple.
pub(crate) struct AbiReader<'a> {
    data: &'a [u8],
    /// The next head word's offset.
    head: usize,
}

/// One 32-byte word at `offset`, or an error naming what was being read.
fn word_at<'a>(
    data: &'a [u8],
    offset: usize,
    what: &'static str,
) -> Result<&'a [u8; 32], EventError> {
    offset
        .checked_add(32)
        .and_then(|end| data.get(offset..end))
        .and_then(|w| <&[u8; 32]>::try_from(w).ok())
        .ok_or(EventError::Truncated(what))
}

/// The low 8 bytes of a word whose high 24 bytes are zero.
fn word_u64(word: &[u8; 32], what: &'static str) -> Result<u64, EventError> {
    if word[..24].iter().any(|b| *b != 0) {
        return Err(EventError::OutOfRange(what));
    }
    let mut low = [0u8; 8];
    low.copy_from_slice(&word[24..]);
    Ok(u64::from_be_bytes(low))
}

/// A word as a length or offset that fits in memory.
fn word_usize(word: &[u8; 32], what: &'static str) -> Result<usize, EventError> {
    usize::try_from(word_u64(word, what)?).map_err(|_| EventError::OutOfRange(what))
}

impl<'a> AbiReader<'a> {
    /// A reader over `data`, starting at its first head word.
    pub(crate) fn new(data: &'a [u8]) -> Self {
        AbiReader { data, head: 0 }
    }

    fn next_word(&mut self, what: &'static str) -> Result<&'a [u8; 32], EventError> {
        let word = word_at(self.data, self.head, what)?;
        self.head += 32;
        Ok(word)
    }

    /// A `uint64` (or smaller unsigned integer that must fit in 64 bits).
    pub(crate) fn u64(&mut self, what: &'static str) -> Result<u64, EventError> {
        word_u64(self.next_word(what)?, what)
    }

    /// A `uint32`.
    pub(crate) fn u32(&mut self, what: &'static str) -> Result<u32, EventError> {
        u32::try_from(self.u64(what)?).map_err(|_| EventError::OutOfRange(what))
    }

    /// A `uint256`, as its 32 big-endian bytes.
    pub(crate) fn u256(&mut self, what: &'static str) -> Result<[u8; 32], EventError> {
        Ok(*self.next_word(what)?)
    }

    /// A `bool`: exactly 0 or 1.
    pub(crate) fn bool(&mut self, what: &'static str) -> Result<bool, EventError> {
        match self.u64(what)? {
            0 => Ok(false),
            1 => Ok(true),
            _ => Err(EventError::OutOfRange(what)),
        }
    }

    /// An `address`: 12 zero bytes then 20.
    pub(crate) fn address(&mut self, what: &'static str) -> Result<[u8; 20], EventError> {
        word_address(self.next_word(what)?, what)
    }

    /// The tail position a dynamic value's head word points to.
    fn tail(&mut self, what: &'static str) -> Result<usize, EventError> {
        let offset = word_usize(self.next_word(what)?, what)?;
        if offset > self.data.len() {
            return Err(EventError::Truncated(what));
        }
        Ok(offset)
    }

    /// A dynamic `bytes` value.
    pub(crate) fn bytes(&mut self, what: &'static str) -> Result<&'a [u8], EventError> {
        let at = self.tail(what)?;
        bytes_at(self.data, at, what)
    }

    /// A dynamic `uint64[]` value.
    pub(crate) fn u64_array(&mut self, what: &'static str) -> Result<Vec<u64>, EventError> {
        let at = self.tail(what)?;
        let len = word_usize(word_at(self.data, at, what)?, what)?;
        // Each element takes a word: a length beyond the data is truncated input,
        // refused before anything is allocated for it.
        if len > (self.data.len() - at) / 32 {
            return Err(EventError::Truncated(what));
        }
        (0..len)
            .map(|i| word_u64(word_at(self.data, at + 32 + 32 * i, what)?, what))
            .collect()
    }
}

/// A `bytes` value whose length word is at `at`.
fn bytes_at<'a>(data: &'a [u8], at: usize, what: &'static str) -> Result<&'a [u8], EventError> {
    let len = word_usize(word_at(data, at, what)?, what)?;
    let start = at + 32;
    start
        .checked_add(len)
        .and_then(|end| data.get(start..end))
        .ok_or(EventError::Truncated(what))
}

/// An address held in a 32-byte word (an indexed topic or a head word).
pub(crate) fn word_address(word: &[u8; 32], what: &'static str) -> Result<[u8; 20], EventError> {
    if word[..12].iter().any(|b| *b != 0) {
        return Err(EventError::OutOfRange(what));
    }
    let mut out = [0u8; 20];
    out.copy_from_slice(&word[12..]);
    Ok(out)
}

/// A `uint64` held in a 32-byte word (an indexed topic).
pub(crate) fn topic_u64(word: &[u8; 32], what: &'static str) -> Result<u64, EventError> {
    word_u64(word, what)
}

/// The value of a lone ABI-encoded dynamic `bytes` (the SSV contract's operator
/// public key is a `bytes` whose content is itself `abi.encode(bytes)`).
pub(crate) fn decode_nested_bytes<'a>(
    data: &'a [u8],
    what: &'static str,
) -> Result<&'a [u8], EventError> {
    let mut reader = AbiReader::new(data);
    reader.bytes(what)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn word(v: u64) -> [u8; 32] {
        let mut w = [0u8; 32];
        w[24..].copy_from_slice(&v.to_be_bytes());
        w
    }

    #[test]
    fn reads_static_and_dynamic_values() {
        // (uint64 7, bytes "abc", uint64[] [4, 5])
        let mut data = Vec::new();
        data.extend(word(7));
        data.extend(word(96));
        data.extend(word(160));
        data.extend(word(3));
        let mut abc = [0u8; 32];
        abc[..3].copy_from_slice(b"abc");
        data.extend(abc);
        data.extend(word(2));
        data.extend(word(4));
        data.extend(word(5));
        let mut r = AbiReader::new(&data);
        assert_eq!(r.u64("a").unwrap(), 7);
        assert_eq!(r.bytes("b").unwrap(), b"abc");
        assert_eq!(r.u64_array("c").unwrap(), vec![4, 5]);
        // A head word cut short.
        assert!(matches!(
            AbiReader::new(&data[..31]).u64("d"),
            Err(EventError::Truncated("d"))
        ));
    }

    #[test]
    fn refuses_dirty_high_bytes_and_huge_lengths() {
        let mut w = word(1);
        w[0] = 1;
        assert!(matches!(
            AbiReader::new(&w).u64("x"),
            Err(EventError::OutOfRange("x"))
        ));
        assert!(matches!(
            AbiReader::new(&word(2)).bool("x"),
            Err(EventError::OutOfRange("x"))
        ));
        let mut data = Vec::new();
        data.extend(word(32));
        data.extend(word(u32::MAX as u64));
        assert!(matches!(
            AbiReader::new(&data).u64_array("x"),
            Err(EventError::Truncated("x"))
        ));
        assert!(matches!(
            AbiReader::new(&data).bytes("x"),
            Err(EventError::Truncated("x"))
        ));
    }
}
