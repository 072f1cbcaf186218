//! The file layout: `SSVTRACE`, the format version (u16 LE), then frames. A
//! frame is `kind (1) ‖ raw length (u32 LE) ‖ stored length (u32 LE) ‖
//! xxh64 (u64 LE) ‖ payload`, the payload LZ4-compressed (block format) and the
//! checksum taken over the kind, both lengths and the payload. The first frame
//! holds the header, then record frames follow, and a closed trace ends with an
//! end frame holding the record count. A writer killed between frames leaves a
//! readable prefix; one killed inside a frame leaves a prefix plus a frame the
//! reader reports as truncated at its offset.
//!
//! A record is `Δat (zigzag varint, ms since the previous record) ‖ input
//! (varint length + encoding) ‖ output count (varint) ‖ output digest (8)`.

use std::io::{Read, Write};

use super::bytes::{Dec, Enc};
use super::header::TraceHeader;
use super::input::{decode_input, encode_input};
use super::{TraceError, FORMAT_VERSION, MAGIC, MAX_FRAME};
use crate::node::Input;

const KIND_HEADER: u8 = 1;
const KIND_RECORDS: u8 = 2;
const KIND_END: u8 = 3;
const FRAME_HEAD: usize = 17;
/// Records are gathered into frames of about this many bytes before compression.
const FRAME_TARGET: usize = 64 * 1024;

/// One recorded input with its receive time and what it produced.
#[derive(Clone, Debug)]
pub struct Record {
    /// Its position in the trace (0 is the first record after the header).
    pub index: u64,
    /// Receive time, Unix milliseconds.
    pub at: u64,
    /// The input.
    pub input: Input,
    /// How many outputs it produced.
    pub outputs: u64,
    /// The rolling output digest after them (first 8 bytes).
    pub digest: [u8; 8],
}

/// Writes a trace to any byte sink.
#[derive(Debug)]
pub struct TraceWriter<W: Write> {
    out: W,
    buf: Enc,
    last_at: u64,
    records: u64,
    written: u64,
}

impl<W: Write> TraceWriter<W> {
    /// Writes the file start and the header.
    pub fn new(mut out: W, header: &TraceHeader) -> std::io::Result<Self> {
        out.write_all(MAGIC)?;
        out.write_all(&FORMAT_VERSION.to_le_bytes())?;
        let mut h = Enc::default();
        header.encode(&mut h);
        let mut w = TraceWriter {
            out,
            buf: Enc::default(),
            last_at: header.start_ms,
            records: 0,
            written: (MAGIC.len() + 2) as u64,
        };
        w.frame(KIND_HEADER, &h.buf)?;
        Ok(w)
    }

    /// Adds a record whose input is already encoded ([`encode_input`]).
    pub fn record_encoded(
        &mut self,
        at: u64,
        input: &[u8],
        outputs: u64,
        digest: [u8; 8],
    ) -> std::io::Result<()> {
        self.buf.ivar(at.wrapping_sub(self.last_at) as i64);
        self.last_at = at;
        self.buf.bytes(input);
        self.buf.var(outputs);
        self.buf.fixed(&digest);
        self.records += 1;
        if self.buf.buf.len() >= FRAME_TARGET {
            self.write_records()?;
        }
        Ok(())
    }

    /// Adds a record.
    pub fn record(
        &mut self,
        at: u64,
        input: &Input,
        outputs: u64,
        digest: [u8; 8],
    ) -> std::io::Result<()> {
        let mut e = Enc::default();
        encode_input(&mut e, input);
        self.record_encoded(at, &e.buf, outputs, digest)
    }

    /// Writes the gathered records as a frame and flushes the sink.
    pub fn flush(&mut self) -> std::io::Result<()> {
        self.write_records()?;
        self.out.flush()
    }

    /// Writes the rest and the end frame; returns the sink.
    pub fn finish(mut self) -> std::io::Result<W> {
        self.write_records()?;
        let mut e = Enc::default();
        e.var(self.records);
        self.frame(KIND_END, &e.buf)?;
        self.out.flush()?;
        Ok(self.out)
    }

    /// Records so far.
    pub fn records(&self) -> u64 {
        self.records
    }

    /// Bytes handed to the sink so far.
    pub fn bytes_written(&self) -> u64 {
        self.written
    }

    fn write_records(&mut self) -> std::io::Result<()> {
        if self.buf.buf.is_empty() {
            return Ok(());
        }
        let raw = std::mem::take(&mut self.buf.buf);
        self.frame(KIND_RECORDS, &raw)
    }

    fn frame(&mut self, kind: u8, raw: &[u8]) -> std::io::Result<()> {
        let stored = lz4_flex::block::compress(raw);
        let too_big = || std::io::Error::other("trace frame over the size limit");
        let raw_len = u32::try_from(raw.len()).map_err(|_| too_big())?;
        let stored_len = u32::try_from(stored.len()).map_err(|_| too_big())?;
        let mut head = [0u8; FRAME_HEAD];
        head[0] = kind;
        head[1..5].copy_from_slice(&raw_len.to_le_bytes());
        head[5..9].copy_from_slice(&stored_len.to_le_bytes());
        let sum = checksum(&head[..9], &stored);
        head[9..17].copy_from_slice(&sum.to_le_bytes());
        self.out.write_all(&head)?;
        self.out.write_all(&stored)?;
        self.written += (FRAME_HEAD + stored.len()) as u64;
        Ok(())
    }
}

fn checksum(head: &[u8], payload: &[u8]) -> u64 {
    let mut h = xxhash_rust::xxh64::Xxh64::new(0);
    h.update(head);
    h.update(payload);
    h.digest()
}

/// Reads a trace from any byte source, one record at a time.
#[derive(Debug)]
pub struct TraceReader<R: Read> {
    src: R,
    offset: u64,
    header: TraceHeader,
    block: Vec<u8>,
    pos: usize,
    frame_offset: u64,
    last_at: u64,
    index: u64,
    ended: bool,
}

impl<R: Read> TraceReader<R> {
    /// Reads the file start and the header.
    pub fn open(mut src: R) -> Result<Self, TraceError> {
        let mut start = [0u8; 10];
        let n = read_full(&mut src, &mut start, 0)?;
        if n < MAGIC.len() || start.get(..MAGIC.len()) != Some(&MAGIC[..]) {
            if n < MAGIC.len() && MAGIC.starts_with(start.get(..n).unwrap_or_default()) {
                return Err(TraceError::Truncated {
                    offset: n as u64,
                    what: "file start",
                });
            }
            return Err(TraceError::NotATrace);
        }
        if n < start.len() {
            return Err(TraceError::Truncated {
                offset: n as u64,
                what: "format version",
            });
        }
        let version = u16::from_le_bytes([start[8], start[9]]);
        if version > FORMAT_VERSION {
            return Err(TraceError::NewerVersion {
                found: version,
                supported: FORMAT_VERSION,
            });
        }
        if version == 0 {
            return Err(TraceError::Corrupt {
                offset: 8,
                what: "format version 0".into(),
            });
        }
        let mut offset = start.len() as u64;
        let (kind, block) = match read_frame(&mut src, &mut offset)? {
            Some(f) => f,
            None => {
                return Err(TraceError::Truncated {
                    offset,
                    what: "header frame",
                })
            }
        };
        let header_offset = start.len() as u64;
        if kind != KIND_HEADER {
            return Err(TraceError::Corrupt {
                offset: header_offset,
                what: "the first frame is not the header".into(),
            });
        }
        let mut d = Dec::new(&block);
        let header =
            TraceHeader::decode_format(&mut d, version).map_err(|e| TraceError::Corrupt {
                offset: header_offset,
                what: format!("header, byte {} of the frame: {}", e.pos, e.what),
            })?;
        Ok(TraceReader {
            src,
            offset,
            last_at: header.start_ms,
            header,
            block: Vec::new(),
            pos: 0,
            frame_offset: header_offset,
            index: 0,
            ended: false,
        })
    }

    /// The header.
    pub fn header(&self) -> &TraceHeader {
        &self.header
    }

    /// Bytes read so far.
    pub fn offset(&self) -> u64 {
        self.offset
    }

    /// The next record; `None` after the end frame.
    pub fn next_record(&mut self) -> Result<Option<Record>, TraceError> {
        while self.pos >= self.block.len() {
            if self.ended {
                return Ok(None);
            }
            match self.read_frame()? {
                Some(KIND_RECORDS) => {}
                Some(KIND_END) => {
                    let mut d = Dec::new(&self.block);
                    let count = d.var("record count").map_err(|_| TraceError::Corrupt {
                        offset: self.frame_offset,
                        what: "end frame".into(),
                    })?;
                    if count != self.index {
                        return Err(TraceError::Corrupt {
                            offset: self.frame_offset,
                            what: format!(
                                "the end frame counts {count} records, {} were read",
                                self.index
                            ),
                        });
                    }
                    self.ended = true;
                    self.block.clear();
                    return Ok(None);
                }
                Some(k) => {
                    return Err(TraceError::Corrupt {
                        offset: self.frame_offset,
                        what: format!("unknown frame kind {k}"),
                    })
                }
                None => return Err(TraceError::Truncated {
                    offset: self.offset,
                    what: "end of file before the end frame (the recorder did not close the trace)",
                }),
            }
        }
        let rest = self.block.get(self.pos..).unwrap_or_default();
        let mut d = Dec::new(rest);
        let parsed = (|| {
            let delta = d.ivar("time")?;
            let input_bytes = d.bytes("input")?;
            let mut di = Dec::new(input_bytes);
            let input = decode_input(&mut di)?;
            if !di.is_empty() {
                return Err(di.err("bytes after the input"));
            }
            let outputs = d.var("output count")?;
            let digest = d.array::<8>("output digest")?;
            Ok((delta, input, outputs, digest))
        })();
        let (delta, input, outputs, digest) = parsed.map_err(|e| TraceError::Corrupt {
            offset: self.frame_offset,
            what: format!(
                "record {}, byte {} of the frame: {}",
                self.index,
                self.pos + e.pos,
                e.what
            ),
        })?;
        self.pos += d.pos();
        self.last_at = self.last_at.wrapping_add(delta as u64);
        let rec = Record {
            index: self.index,
            at: self.last_at,
            input,
            outputs,
            digest,
        };
        self.index += 1;
        Ok(Some(rec))
    }

    /// Reads one frame into `block`; `None` at a clean end of file.
    fn read_frame(&mut self) -> Result<Option<u8>, TraceError> {
        self.frame_offset = self.offset;
        let Some((kind, block)) = read_frame(&mut self.src, &mut self.offset)? else {
            return Ok(None);
        };
        self.block = block;
        self.pos = 0;
        Ok(Some(kind))
    }
}

/// Reads one frame at `*offset` and moves `*offset` past it; `None` at a clean
/// end of file.
fn read_frame<R: Read>(src: &mut R, offset: &mut u64) -> Result<Option<(u8, Vec<u8>)>, TraceError> {
    let frame_offset = *offset;
    let mut head = [0u8; FRAME_HEAD];
    let n = read_full(src, &mut head, frame_offset)?;
    if n == 0 {
        return Ok(None);
    }
    if n < FRAME_HEAD {
        return Err(TraceError::Truncated {
            offset: frame_offset,
            what: "frame header",
        });
    }
    let kind = head[0];
    let raw_len = u32::from_le_bytes([head[1], head[2], head[3], head[4]]) as usize;
    let stored_len = u32::from_le_bytes([head[5], head[6], head[7], head[8]]) as usize;
    let sum = u64::from_le_bytes([
        head[9], head[10], head[11], head[12], head[13], head[14], head[15], head[16],
    ]);
    if raw_len > MAX_FRAME || stored_len > MAX_FRAME {
        return Err(TraceError::Corrupt {
            offset: frame_offset,
            what: format!("frame of {raw_len}/{stored_len} bytes, over the {MAX_FRAME} limit"),
        });
    }
    let mut stored = vec![0u8; stored_len];
    let got = read_full(src, &mut stored, frame_offset + FRAME_HEAD as u64)?;
    if got < stored_len {
        return Err(TraceError::Truncated {
            offset: frame_offset,
            what: "frame payload",
        });
    }
    if checksum(&head[..9], &stored) != sum {
        return Err(TraceError::Corrupt {
            offset: frame_offset,
            what: "frame checksum mismatch".into(),
        });
    }
    let block = lz4_flex::block::decompress(&stored, raw_len).map_err(|e| TraceError::Corrupt {
        offset: frame_offset,
        what: format!("frame does not decompress: {e}"),
    })?;
    if block.len() != raw_len {
        return Err(TraceError::Corrupt {
            offset: frame_offset,
            what: "frame decompresses to another length".into(),
        });
    }
    *offset = frame_offset + (FRAME_HEAD + stored_len) as u64;
    Ok(Some((kind, block)))
}

/// Every frame's decompressed payload after the file start, header frame
/// first: the trace's whole content, for inspection.
pub fn frame_payloads<R: Read>(mut src: R) -> Result<Vec<Vec<u8>>, TraceError> {
    let mut start = [0u8; 10];
    let n = read_full(&mut src, &mut start, 0)?;
    if n < start.len() || start.get(..MAGIC.len()) != Some(&MAGIC[..]) {
        return Err(TraceError::NotATrace);
    }
    let mut offset = start.len() as u64;
    let mut out = Vec::new();
    while let Some((_, block)) = read_frame(&mut src, &mut offset)? {
        out.push(block);
    }
    Ok(out)
}

/// Reads until `buf` is full or the source ends; the count read.
fn read_full<R: Read>(src: &mut R, buf: &mut [u8], offset: u64) -> Result<usize, TraceError> {
    let mut n = 0;
    while n < buf.len() {
        let rest = buf.get_mut(n..).unwrap_or_default();
        match src.read(rest) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => {
                return Err(TraceError::Io {
                    offset: offset + n as u64,
                    message: e.to_string(),
                })
            }
        }
    }
    Ok(n)
}
