//! Generated traffic: the gossip messages our node receives in one slot, and a
//! file form so that generation runs in another process (its memory never
//! counts) and is reused by later runs with the same parameters.
//!
//! File: a header (magic, the parameters, every operator's PKCS#1 PEM key),
//! then per slot `slot u64, count u32` and `count` messages of `at_ms u64,
//! peer (u16 length + bytes), subnet u16, data (u32 length + bytes)`, all
//! little-endian.

use std::collections::BTreeMap;
use std::io::{self, BufReader, BufWriter, Read, Write};

use super::Params;

const MAGIC: &[u8; 8] = b"SSVBENC1";

/// One gossip message as our node receives it.
#[derive(Clone, Debug)]
pub struct Msg {
    /// Virtual arrival time, milliseconds.
    pub at_ms: u64,
    /// The forwarding peer's ID bytes.
    pub peer: Vec<u8>,
    /// The subnet of its topic.
    pub subnet: u16,
    /// The encoded `SignedSSVMessage`.
    pub data: Vec<u8>,
}

/// One slot's messages, by arrival time.
#[derive(Clone, Debug, Default)]
pub struct SlotTraffic {
    /// The slot.
    pub slot: u64,
    /// Its messages, sorted by `at_ms`.
    pub msgs: Vec<Msg>,
}

fn put_u64(w: &mut impl Write, v: u64) -> io::Result<()> {
    w.write_all(&v.to_le_bytes())
}

fn get_u64(r: &mut impl Read) -> io::Result<u64> {
    let mut b = [0u8; 8];
    r.read_exact(&mut b)?;
    Ok(u64::from_le_bytes(b))
}

fn get_bytes(r: &mut impl Read, len: usize) -> io::Result<Vec<u8>> {
    let mut v = vec![0u8; len];
    r.read_exact(&mut v)?;
    Ok(v)
}

fn params_fields(p: &Params) -> [u64; 6] {
    [
        p.validators,
        p.committees,
        p.network_rate,
        p.slots,
        p.seed,
        p.foreign_operators,
    ]
}

/// Writes the traffic file, slot by slot.
pub struct TrafficWriter<W: Write> {
    w: BufWriter<W>,
}

impl<W: Write> TrafficWriter<W> {
    /// Writes the header.
    pub fn new(w: W, params: &Params, pems: &BTreeMap<u64, String>) -> io::Result<Self> {
        let mut w = BufWriter::with_capacity(1 << 20, w);
        w.write_all(MAGIC)?;
        for f in params_fields(params) {
            put_u64(&mut w, f)?;
        }
        put_u64(&mut w, pems.len() as u64)?;
        for (id, pem) in pems {
            put_u64(&mut w, *id)?;
            put_u64(&mut w, pem.len() as u64)?;
            w.write_all(pem.as_bytes())?;
        }
        Ok(TrafficWriter { w })
    }

    /// Appends one slot.
    pub fn slot(&mut self, t: &SlotTraffic) -> io::Result<()> {
        put_u64(&mut self.w, t.slot)?;
        self.w.write_all(&(t.msgs.len() as u32).to_le_bytes())?;
        for m in &t.msgs {
            put_u64(&mut self.w, m.at_ms)?;
            self.w.write_all(&(m.peer.len() as u16).to_le_bytes())?;
            self.w.write_all(&m.peer)?;
            self.w.write_all(&m.subnet.to_le_bytes())?;
            self.w.write_all(&(m.data.len() as u32).to_le_bytes())?;
            self.w.write_all(&m.data)?;
        }
        Ok(())
    }

    /// Flushes.
    pub fn finish(mut self) -> io::Result<()> {
        self.w.flush()
    }
}

/// Reads a traffic file back, slot by slot.
pub struct TrafficReader<R: Read> {
    r: BufReader<R>,
    /// Operator keys from the header.
    pub pems: BTreeMap<u64, String>,
}

impl<R: Read> TrafficReader<R> {
    /// Reads the header; refuses a file made for other parameters.
    pub fn new(r: R, params: &Params) -> io::Result<Self> {
        let mut r = BufReader::with_capacity(1 << 20, r);
        let bad = |what: &str| io::Error::new(io::ErrorKind::InvalidData, what.to_string());
        if &get_bytes(&mut r, 8)?[..] != MAGIC {
            return Err(bad("not a bench-node traffic file"));
        }
        for f in params_fields(params) {
            if get_u64(&mut r)? != f {
                return Err(bad("traffic file made with other parameters"));
            }
        }
        let n = get_u64(&mut r)?;
        let mut pems = BTreeMap::new();
        for _ in 0..n {
            let id = get_u64(&mut r)?;
            let len = get_u64(&mut r)? as usize;
            let pem = String::from_utf8(get_bytes(&mut r, len)?).map_err(|_| bad("bad PEM"))?;
            pems.insert(id, pem);
        }
        Ok(TrafficReader { r, pems })
    }

    /// The next slot, or `None` at the end.
    pub fn next_slot(&mut self) -> io::Result<Option<SlotTraffic>> {
        let slot = match get_u64(&mut self.r) {
            Ok(s) => s,
            Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => return Ok(None),
            Err(e) => return Err(e),
        };
        let mut b4 = [0u8; 4];
        self.r.read_exact(&mut b4)?;
        let count = u32::from_le_bytes(b4) as usize;
        let mut msgs = Vec::with_capacity(count);
        for _ in 0..count {
            let at_ms = get_u64(&mut self.r)?;
            let mut b2 = [0u8; 2];
            self.r.read_exact(&mut b2)?;
            let peer = get_bytes(&mut self.r, u16::from_le_bytes(b2) as usize)?;
            self.r.read_exact(&mut b2)?;
            let subnet = u16::from_le_bytes(b2);
            self.r.read_exact(&mut b4)?;
            let data = get_bytes(&mut self.r, u32::from_le_bytes(b4) as usize)?;
            msgs.push(Msg {
                at_ms,
                peer,
                subnet,
                data,
            });
        }
        Ok(Some(SlotTraffic { slot, msgs }))
    }
}
