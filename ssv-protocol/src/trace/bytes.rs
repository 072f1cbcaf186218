//! The trace's primitive encoding: LEB128 varints, fixed byte arrays, byte
//! strings with a varint length, UTF-8 strings, options and booleans. The reader
//! never allocates more than the bytes it still holds, so a hostile length
//! cannot make it reserve gigabytes, and every failure names its position.

/// A position and a reason: what went wrong where, inside one decoded block.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DecodeError {
    /// Byte position inside the block being decoded.
    pub pos: usize,
    /// What could not be read.
    pub what: &'static str,
}

/// Appends encodings to a byte vector.
#[derive(Debug, Default)]
pub struct Enc {
    /// The bytes so far.
    pub buf: Vec<u8>,
}

impl Enc {
    /// One byte.
    pub fn u8(&mut self, v: u8) {
        self.buf.push(v);
    }

    /// A boolean as one byte (0 or 1).
    pub fn bool(&mut self, v: bool) {
        self.buf.push(u8::from(v));
    }

    /// An unsigned LEB128 varint.
    pub fn var(&mut self, mut v: u64) {
        while v >= 0x80 {
            self.buf.push((v as u8) | 0x80);
            v >>= 7;
        }
        self.buf.push(v as u8);
    }

    /// A signed varint (zigzag).
    pub fn ivar(&mut self, v: i64) {
        self.var(((v << 1) ^ (v >> 63)) as u64);
    }

    /// Fixed bytes, no length.
    pub fn fixed(&mut self, v: &[u8]) {
        self.buf.extend_from_slice(v);
    }

    /// Bytes with a varint length.
    pub fn bytes(&mut self, v: &[u8]) {
        self.var(v.len() as u64);
        self.buf.extend_from_slice(v);
    }

    /// A UTF-8 string with a varint length.
    pub fn str(&mut self, v: &str) {
        self.bytes(v.as_bytes());
    }

    /// A list of varints.
    pub fn vars(&mut self, v: &[u64]) {
        self.var(v.len() as u64);
        for x in v {
            self.var(*x);
        }
    }

    /// An optional varint: a presence byte, then the value.
    pub fn opt_var(&mut self, v: Option<u64>) {
        match v {
            None => self.u8(0),
            Some(x) => {
                self.u8(1);
                self.var(x);
            }
        }
    }
}

/// Reads encodings from a byte slice.
#[derive(Debug)]
pub struct Dec<'a> {
    data: &'a [u8],
    pos: usize,
}

impl<'a> Dec<'a> {
    /// A reader at the start of `data`.
    pub fn new(data: &'a [u8]) -> Self {
        Dec { data, pos: 0 }
    }

    /// The current position.
    pub fn pos(&self) -> usize {
        self.pos
    }

    /// Bytes not read yet.
    pub fn remaining(&self) -> usize {
        self.data.len().saturating_sub(self.pos)
    }

    /// Whether everything was read.
    pub fn is_empty(&self) -> bool {
        self.remaining() == 0
    }

    /// An error at the current position.
    pub fn err(&self, what: &'static str) -> DecodeError {
        DecodeError {
            pos: self.pos,
            what,
        }
    }

    /// `n` bytes.
    pub fn take(&mut self, n: usize, what: &'static str) -> Result<&'a [u8], DecodeError> {
        let end = self
            .pos
            .checked_add(n)
            .filter(|e| *e <= self.data.len())
            .ok_or_else(|| self.err(what))?;
        let out = self.data.get(self.pos..end).ok_or_else(|| self.err(what))?;
        self.pos = end;
        Ok(out)
    }

    /// One byte.
    pub fn u8(&mut self, what: &'static str) -> Result<u8, DecodeError> {
        let b = *self.data.get(self.pos).ok_or_else(|| self.err(what))?;
        self.pos += 1;
        Ok(b)
    }

    /// A boolean (0 or 1; anything else is refused).
    pub fn bool(&mut self, what: &'static str) -> Result<bool, DecodeError> {
        let at = self.pos;
        match self.u8(what)? {
            0 => Ok(false),
            1 => Ok(true),
            _ => Err(DecodeError { pos: at, what }),
        }
    }

    /// An unsigned LEB128 varint of at most 10 bytes that fits in a u64.
    pub fn var(&mut self, what: &'static str) -> Result<u64, DecodeError> {
        let start = self.pos;
        let mut v: u64 = 0;
        for i in 0..10u32 {
            let b = self.u8(what)?;
            let part = u64::from(b & 0x7f);
            if i == 9 && part > 1 {
                return Err(DecodeError { pos: start, what });
            }
            v |= part << (7 * i);
            if b & 0x80 == 0 {
                return Ok(v);
            }
        }
        Err(DecodeError { pos: start, what })
    }

    /// A signed (zigzag) varint.
    pub fn ivar(&mut self, what: &'static str) -> Result<i64, DecodeError> {
        let z = self.var(what)?;
        Ok(((z >> 1) as i64) ^ -((z & 1) as i64))
    }

    /// A varint used as a length or count: at most the bytes left (every
    /// element takes at least one byte).
    pub fn len(&mut self, what: &'static str) -> Result<usize, DecodeError> {
        let at = self.pos;
        let n = self.var(what)?;
        usize::try_from(n)
            .ok()
            .filter(|n| *n <= self.remaining())
            .ok_or(DecodeError { pos: at, what })
    }

    /// A fixed-size array.
    pub fn array<const N: usize>(&mut self, what: &'static str) -> Result<[u8; N], DecodeError> {
        let at = self.pos;
        self.take(N, what)?
            .try_into()
            .map_err(|_| DecodeError { pos: at, what })
    }

    /// Bytes with a varint length.
    pub fn bytes(&mut self, what: &'static str) -> Result<&'a [u8], DecodeError> {
        let n = self.len(what)?;
        self.take(n, what)
    }

    /// A UTF-8 string with a varint length.
    pub fn str(&mut self, what: &'static str) -> Result<String, DecodeError> {
        let at = self.pos;
        let b = self.bytes(what)?;
        std::str::from_utf8(b)
            .map(str::to_owned)
            .map_err(|_| DecodeError { pos: at, what })
    }

    /// A list of varints.
    pub fn vars(&mut self, what: &'static str) -> Result<Vec<u64>, DecodeError> {
        let n = self.len(what)?;
        (0..n).map(|_| self.var(what)).collect()
    }

    /// An optional varint.
    pub fn opt_var(&mut self, what: &'static str) -> Result<Option<u64>, DecodeError> {
        if self.bool(what)? {
            self.var(what).map(Some)
        } else {
            Ok(None)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn varints_round_trip_at_their_edges() {
        for v in [
            0,
            1,
            127,
            128,
            300,
            u64::from(u32::MAX),
            u64::MAX - 1,
            u64::MAX,
        ] {
            let mut e = Enc::default();
            e.var(v);
            let mut d = Dec::new(&e.buf);
            assert_eq!(d.var("v"), Ok(v));
            assert!(d.is_empty());
        }
        for v in [0i64, -1, 1, i64::MIN, i64::MAX, -300] {
            let mut e = Enc::default();
            e.ivar(v);
            assert_eq!(Dec::new(&e.buf).ivar("v"), Ok(v));
        }
    }

    #[test]
    fn overlong_varints_and_lengths_past_the_end_are_refused() {
        let eleven = [0xffu8; 11];
        assert_eq!(Dec::new(&eleven).var("v").map_err(|e| e.pos), Err(0));
        // 2^64 does not fit.
        let big = [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02];
        assert!(Dec::new(&big).var("v").is_err());
        let mut e = Enc::default();
        e.var(1 << 40);
        e.u8(7);
        assert_eq!(Dec::new(&e.buf).bytes("b").map_err(|e| e.what), Err("b"));
        assert_eq!(Dec::new(&[2]).bool("flag").map_err(|e| e.pos), Err(0));
    }
}
