//! `anchor-runtime replay FILE`: the machine rebuilt from the trace's header,
//! every record fed at its receive time, outputs compared after each input.

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::time::Instant;

use ssv_protocol::trace::{
    describe_input, Divergence, Preparer, RebuildCheck, Record, Replayer, TraceError, TraceReader,
};

/// How to replay.
#[derive(Clone, Debug, Default)]
pub struct ReplayOptions {
    /// Stop after each input, print it and wait for a line on stdin
    /// (empty: next; `s`: the state; `q`: quit).
    pub step: bool,
    /// Stop at the first input at or after this slot's start and print the
    /// machine's state.
    pub until_slot: Option<u64>,
}

/// What a replay found.
#[derive(Debug)]
pub enum ReplayOutcome {
    /// Every input gave the recorded outputs (up to the stop point).
    Matched {
        /// Inputs fed, the header's start input included.
        inputs: u64,
        /// Recorded time covered, ms.
        span_ms: u64,
        /// Replay wall time, seconds.
        wall_s: f64,
        /// Where `--until` stopped, as (record index, slot).
        stopped: Option<(u64, u64)>,
    },
    /// The first input whose outputs differ.
    Diverged {
        /// Inputs fed up to and including it.
        inputs: u64,
        /// What differs.
        divergence: Box<Divergence>,
    },
    /// The trace could not be read past some point.
    Unreadable {
        /// Inputs fed and matched before it.
        inputs: u64,
        /// Why.
        error: TraceError,
    },
}

impl ReplayOutcome {
    /// The closing line.
    pub fn last_line(&self) -> String {
        match self {
            ReplayOutcome::Matched {
                inputs,
                span_ms,
                wall_s,
                ..
            } => {
                let speed = *span_ms as f64 / 1000.0 / wall_s.max(1e-9);
                format!("replayed {inputs} inputs, 0 divergences, {speed:.0}x real time")
            }
            ReplayOutcome::Diverged { inputs, .. } => {
                format!("replayed {inputs} inputs, 1 divergence (replay stops at the first)")
            }
            ReplayOutcome::Unreadable { inputs, error } => {
                format!("replayed {inputs} inputs, then: {error}")
            }
        }
    }

    /// Whether the replay matched the recording (to its end or the stop point).
    pub fn matched(&self) -> bool {
        matches!(self, ReplayOutcome::Matched { .. })
    }
}

/// Replays the trace at `path`, writing progress (header, divergence, state at
/// the stop point) to `out`. Errors only when the file cannot be opened or its
/// header read.
pub fn replay_file(
    path: &Path,
    opts: &ReplayOptions,
    out: &mut dyn Write,
) -> Result<ReplayOutcome, String> {
    let file = std::fs::File::open(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut reader = TraceReader::open(BufReader::with_capacity(1 << 20, file))
        .map_err(|e| format!("{}: {e}", path.display()))?;
    let h = reader.header().clone();
    let _ = writeln!(
        out,
        "trace: {} on {}, operator {}, {:?} roles, started at {} ms (slot {}), {} operators, {} validators",
        h.software,
        h.network,
        h.operator_id,
        h.roles,
        h.start_ms,
        h.chain.slot_at(h.start_ms),
        h.registry.operators.len(),
        h.registry.validators.len()
    );
    let started = Instant::now();
    let (mut replayer, div) = Replayer::start(&h);
    if let Some(d) = div {
        let _ = write!(out, "{d}");
        return Ok(ReplayOutcome::Diverged {
            inputs: replayer.inputs(),
            divergence: Box::new(d),
        });
    }
    // The trace is read (decompressed, decoded) on a thread of its own, which
    // also does the work `Preparer` finds for each record ahead (hashing roots,
    // decompressing partials), at most READ_AHEAD records before the machine;
    // a third thread runs the signature rebuilds and checks it finds, which
    // the machine then finds done. The machine's thread only feeds.
    let (tx, rx) = std::sync::mpsc::sync_channel::<Result<Option<Record>, TraceError>>(READ_AHEAD);
    let (checks_tx, checks_rx) = std::sync::mpsc::channel::<RebuildCheck>();
    let mut preparer = Preparer::new(&h.registry);
    let read_ahead = std::thread::spawn(move || loop {
        let next = reader.next_record();
        if let Ok(Some(rec)) = &next {
            for check in preparer.prepare(&rec.input) {
                // A closed channel: the checker stopped; the machine checks.
                let _ = checks_tx.send(check);
            }
        }
        let last = !matches!(next, Ok(Some(_)));
        // A closed channel: the replay stopped early.
        if tx.send(next).is_err() || last {
            break;
        }
    });
    // Ends when the reader ends (its sender dropped).
    let checker = std::thread::spawn(move || {
        for check in checks_rx {
            check.run();
        }
    });
    let outcome = feed_records(&h, &mut replayer, rx, opts, out, started);
    // The reader ends at the trace's end or when `feed_records` drops the
    // receiver; a panic there would be a bug in decoding, reported as such.
    if read_ahead.join().is_err() {
        return Err("the trace reader thread panicked".into());
    }
    if checker.join().is_err() {
        return Err("the replay's signature-check thread panicked".into());
    }
    outcome
}

/// Records the reader thread sends at most ahead of the machine.
const READ_AHEAD: usize = 256;

/// Feeds records from the reader thread until the trace ends, a divergence,
/// or a stop point.
fn feed_records(
    h: &ssv_protocol::trace::TraceHeader,
    replayer: &mut Replayer,
    rx: std::sync::mpsc::Receiver<Result<Option<Record>, TraceError>>,
    opts: &ReplayOptions,
    out: &mut dyn Write,
    started: Instant,
) -> Result<ReplayOutcome, String> {
    let mut last_at = h.start_ms;
    let stdin = std::io::stdin();
    let mut step = opts.step;
    let until_ms = opts
        .until_slot
        .map(|s| h.chain.slot_start_time(s).saturating_mul(1000));
    loop {
        // A closed channel without an end-of-trace message cannot happen: the
        // reader sends the end (or an error) before it stops.
        let next = rx.recv().unwrap_or(Ok(None));
        let rec: Record = match next {
            Ok(Some(r)) => r,
            Ok(None) => break,
            Err(error) => {
                return Ok(ReplayOutcome::Unreadable {
                    inputs: replayer.inputs(),
                    error,
                })
            }
        };
        if let Some(until) = until_ms {
            if rec.at >= until {
                let slot = h.chain.slot_at(rec.at);
                let _ = writeln!(
                    out,
                    "stopped before input {} (t = {} ms, slot {slot}): {}",
                    rec.index,
                    rec.at,
                    describe_input(&rec.input)
                );
                let _ = write!(out, "{}", replayer.node().summary(slot.saturating_sub(2)));
                return Ok(ReplayOutcome::Matched {
                    inputs: replayer.inputs(),
                    span_ms: last_at.saturating_sub(h.start_ms),
                    wall_s: started.elapsed().as_secs_f64(),
                    stopped: Some((rec.index, slot)),
                });
            }
        }
        last_at = last_at.max(rec.at);
        let (index, at) = (rec.index, rec.at);
        let described = step.then(|| describe_input(&rec.input));
        if let Some(d) = replayer.step(rec) {
            let _ = write!(out, "{d}");
            return Ok(ReplayOutcome::Diverged {
                inputs: replayer.inputs(),
                divergence: Box::new(d),
            });
        }
        if let Some(text) = described {
            let slot = h.chain.slot_at(at);
            let _ = writeln!(out, "input {index} (t = {at} ms, slot {slot}): {text}");
            let _ = write!(out, "[enter: next, s: state, c: continue, q: quit] ");
            let _ = out.flush();
            let mut line = String::new();
            loop {
                line.clear();
                if stdin.lock().read_line(&mut line).unwrap_or(0) == 0 {
                    step = false;
                    break;
                }
                match line.trim() {
                    "s" => {
                        let _ = write!(out, "{}", replayer.node().summary(slot.saturating_sub(2)));
                    }
                    "c" => {
                        step = false;
                        break;
                    }
                    "q" => {
                        return Ok(ReplayOutcome::Matched {
                            inputs: replayer.inputs(),
                            span_ms: last_at.saturating_sub(h.start_ms),
                            wall_s: started.elapsed().as_secs_f64(),
                            stopped: Some((index, slot)),
                        })
                    }
                    _ => break,
                }
            }
        }
    }
    Ok(ReplayOutcome::Matched {
        inputs: replayer.inputs(),
        span_ms: last_at.saturating_sub(h.start_ms),
        wall_s: started.elapsed().as_secs_f64(),
        stopped: None,
    })
}
