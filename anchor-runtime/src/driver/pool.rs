//! A bounded, prioritised pool of worker threads for CPU-heavy work (RSA
//! verification of gossip, RSA and BLS signing). Two queues: `High` (consensus
//! traffic and our own signing, which a duty waits on) is always served before
//! `Low` (partial-signature traffic). A full queue refuses the job at once: the
//! caller drops it and counts it; nothing blocks the network task.

use std::collections::VecDeque;
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;

/// A job's queue.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Priority {
    /// Served first.
    High,
    /// Served when `High` is empty.
    Low,
}

impl Priority {
    /// The metric label.
    pub fn label(self) -> &'static str {
        match self {
            Priority::High => "high",
            Priority::Low => "low",
        }
    }
}

type Job = Box<dyn FnOnce() + Send + 'static>;

#[derive(Default)]
struct Queues {
    high: VecDeque<Job>,
    low: VecDeque<Job>,
    closed: bool,
    /// Workers waiting for a job: a job queued while none waits needs no
    /// wake-up (a futex system call per job otherwise).
    idle: usize,
}

struct Shared {
    queues: Mutex<Queues>,
    ready: Condvar,
    capacity: usize,
}

/// The pool. Dropping it lets the workers finish the queued jobs and stop.
pub struct CpuPool {
    shared: Arc<Shared>,
    workers: Vec<JoinHandle<()>>,
}

/// The queue was full: the job was not taken.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} queue full")]
pub struct QueueFull(pub Priority);

impl CpuPool {
    /// `threads` workers; each queue holds at most `capacity` waiting jobs.
    pub fn new(threads: usize, capacity: usize) -> Self {
        let shared = Arc::new(Shared {
            queues: Mutex::new(Queues::default()),
            ready: Condvar::new(),
            capacity,
        });
        let workers = (0..threads.max(1))
            .map(|i| {
                let shared = Arc::clone(&shared);
                std::thread::Builder::new()
                    .name(format!("cpu-pool-{i}"))
                    .spawn(move || worker(&shared))
                    // Spawning fails only when the OS is out of threads at
                    // start; the node cannot run without its pool.
                    .expect("spawn a pool worker")
            })
            .collect();
        CpuPool { shared, workers }
    }

    /// Queues a job, or refuses it when its queue is full.
    pub fn try_run(
        &self,
        priority: Priority,
        job: impl FnOnce() + Send + 'static,
    ) -> Result<(), QueueFull> {
        let mut q = lock(&self.shared.queues);
        let queue = match priority {
            Priority::High => &mut q.high,
            Priority::Low => &mut q.low,
        };
        if queue.len() >= self.shared.capacity {
            metrics::counter!("ssv_pool_dropped_total", "queue" => priority.label()).increment(1);
            return Err(QueueFull(priority));
        }
        queue.push_back(Box::new(job));
        metrics::gauge!("ssv_pool_queue_depth", "queue" => priority.label())
            .set(queue.len() as f64);
        let wake = q.idle > 0;
        drop(q);
        if wake {
            self.shared.ready.notify_one();
        }
        Ok(())
    }

    /// Jobs waiting in each queue: (high, low).
    pub fn depths(&self) -> (usize, usize) {
        let q = lock(&self.shared.queues);
        (q.high.len(), q.low.len())
    }
}

impl Drop for CpuPool {
    fn drop(&mut self) {
        lock(&self.shared.queues).closed = true;
        self.shared.ready.notify_all();
        for w in self.workers.drain(..) {
            let _ = w.join();
        }
    }
}

/// A poisoned lock only means a job panicked while another thread held it;
/// the queues themselves are still consistent (push and pop are single calls).
fn lock(m: &Mutex<Queues>) -> std::sync::MutexGuard<'_, Queues> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

fn worker(shared: &Shared) {
    loop {
        let job = {
            let mut q = lock(&shared.queues);
            loop {
                if let Some(j) = q.high.pop_front() {
                    metrics::gauge!("ssv_pool_queue_depth", "queue" => "high")
                        .set(q.high.len() as f64);
                    break j;
                }
                if let Some(j) = q.low.pop_front() {
                    metrics::gauge!("ssv_pool_queue_depth", "queue" => "low")
                        .set(q.low.len() as f64);
                    break j;
                }
                if q.closed {
                    return;
                }
                // Counted under the lock before it is released by `wait`, so a
                // job queued from then on sees this worker as idle and wakes it.
                q.idle += 1;
                q = shared.ready.wait(q).unwrap_or_else(|p| p.into_inner());
                q.idle -= 1;
            }
        };
        job();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc;

    #[test]
    fn high_is_served_before_low_and_full_queues_refuse() {
        let pool = CpuPool::new(1, 2);
        // Hold the only worker until everything is queued.
        let (gate_tx, gate_rx) = mpsc::channel::<()>();
        let (order_tx, order_rx) = mpsc::channel::<&'static str>();
        pool.try_run(Priority::High, move || {
            let _ = gate_rx.recv();
        })
        .unwrap();
        // Wait until the worker has taken the gate job.
        while pool.depths() != (0, 0) {
            std::thread::yield_now();
        }
        for (p, name) in [
            (Priority::Low, "low1"),
            (Priority::Low, "low2"),
            (Priority::High, "high1"),
        ] {
            let tx = order_tx.clone();
            pool.try_run(p, move || tx.send(name).unwrap()).unwrap();
        }
        assert_eq!(
            pool.try_run(Priority::Low, || {}),
            Err(QueueFull(Priority::Low))
        );
        gate_tx.send(()).unwrap();
        let order: Vec<_> = (0..3).map(|_| order_rx.recv().unwrap()).collect();
        assert_eq!(order, ["high1", "low1", "low2"]);
    }
}
