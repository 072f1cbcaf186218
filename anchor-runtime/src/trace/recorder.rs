//! The recorder: the driver encodes each input and digests its outputs (both
//! cheap), and a thread of its own compresses and writes them. The channel
//! between them is bounded and never blocks the driver: if the writer falls
//! behind by [`QUEUE`] records (a stalled disk), recording stops, the trace is
//! closed as a valid prefix and an error is logged. Frames are flushed at
//! least every second, so a killed node leaves a readable prefix.

use std::fs::File;
use std::io::BufWriter;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{sync_channel, RecvTimeoutError, SyncSender, TrySendError};
use std::thread::JoinHandle;
use std::time::Duration;

use ssv_protocol::node::{Input, Output};
use ssv_protocol::trace::bytes::Enc;
use ssv_protocol::trace::input::encode_input;
use ssv_protocol::trace::{OutputDigest, TraceHeader, TraceWriter};

/// Records the writer thread may lag behind before recording stops.
pub const QUEUE: usize = 16 * 1024;

struct Item {
    at: u64,
    input: Vec<u8>,
    outputs: u64,
    digest: [u8; 8],
}

/// A trace being written.
pub struct Recorder {
    path: PathBuf,
    tx: Option<SyncSender<Item>>,
    thread: Option<JoinHandle<std::io::Result<u64>>>,
    digest: OutputDigest,
}

impl std::fmt::Debug for Recorder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Recorder")
            .field("path", &self.path)
            .field("recording", &self.tx.is_some())
            .finish_non_exhaustive()
    }
}

impl Recorder {
    /// Creates `path` (refusing to overwrite it), writes the header and starts
    /// the writer thread. `digest` is the output digest after the header's
    /// start input.
    pub fn create(path: &Path, header: &TraceHeader, digest: OutputDigest) -> Result<Self, String> {
        let file = File::options()
            .write(true)
            .create_new(true)
            .open(path)
            .map_err(|e| format!("--record {}: {e}", path.display()))?;
        let mut writer = TraceWriter::new(BufWriter::with_capacity(256 * 1024, file), header)
            .map_err(|e| format!("--record {}: {e}", path.display()))?;
        writer
            .flush()
            .map_err(|e| format!("--record {}: {e}", path.display()))?;
        let (tx, rx) = sync_channel::<Item>(QUEUE);
        let thread = std::thread::Builder::new()
            .name("trace-writer".into())
            .spawn(move || {
                loop {
                    match rx.recv_timeout(Duration::from_secs(1)) {
                        Ok(it) => writer.record_encoded(it.at, &it.input, it.outputs, it.digest)?,
                        Err(RecvTimeoutError::Timeout) => writer.flush()?,
                        Err(RecvTimeoutError::Disconnected) => break,
                    }
                }
                let records = writer.records();
                let mut out = writer.finish()?;
                std::io::Write::flush(&mut out)?;
                out.get_ref().sync_data()?;
                Ok(records)
            })
            .map_err(|e| format!("trace writer thread: {e}"))?;
        Ok(Recorder {
            path: path.to_path_buf(),
            tx: Some(tx),
            thread: Some(thread),
            digest,
        })
    }

    /// The encoding of an input, taken before the machine consumes it.
    pub fn encode(input: &Input) -> Vec<u8> {
        let mut e = Enc::default();
        encode_input(&mut e, input);
        e.buf
    }

    /// Records one input (as [`Self::encode`] gave it) with its outputs.
    pub fn record(&mut self, at: u64, input: Vec<u8>, outputs: &[Output]) {
        let Some(tx) = &self.tx else { return };
        for o in outputs {
            self.digest.push(o);
        }
        let item = Item {
            at,
            input,
            outputs: outputs.len() as u64,
            digest: self.digest.short(),
        };
        match tx.try_send(item) {
            Ok(()) => {}
            Err(TrySendError::Full(_)) => {
                tracing::error!(path = %self.path.display(), "trace writer fell behind: recording stopped, the trace is closed as a prefix");
                self.close();
            }
            Err(TrySendError::Disconnected(_)) => {
                tracing::error!(path = %self.path.display(), "trace writer failed: recording stopped");
                self.close();
            }
        }
    }

    /// Stops recording and closes the file.
    pub fn close(&mut self) {
        self.tx = None;
        if let Some(t) = self.thread.take() {
            match t.join() {
                Ok(Ok(n)) => {
                    tracing::info!(path = %self.path.display(), records = n, "trace closed")
                }
                Ok(Err(e)) => {
                    tracing::error!(path = %self.path.display(), error = %e, "trace write failed")
                }
                Err(_) => tracing::error!("trace writer thread panicked"),
            }
        }
    }
}

impl Drop for Recorder {
    fn drop(&mut self) {
        self.close();
    }
}
