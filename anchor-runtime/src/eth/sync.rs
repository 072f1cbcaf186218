//! The event syncer: historical sync with `eth_getLogs` in batches that shrink
//! on errors, then live sync on new heads, always `follow_distance` blocks
//! behind the head so that shallow reorgs never reach what was stored. Each
//! block's changes and the block number are one database transaction; a crash
//! at any point resumes from the last committed block, and the registry
//! machine is rebuilt from the store whenever a block could not be committed.

use std::sync::Arc;
use std::time::{Duration, Instant};

use futures::StreamExt;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use ssv_protocol::contract::{Change, Input, LogEntry, Output, RegistryMachine, Skipped};
use ssv_protocol::operator_key::OperatorSigner;
use tokio::sync::watch;

use super::client::{EthError, ExecutionClient};
use crate::store::{Store, StoreError};

/// The largest `eth_getLogs` range, in blocks (the Go node's batch).
pub const MAX_BATCH: u64 = 200;

/// Why the syncer stopped.
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    /// The database failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The registry machine refused a log (logs out of order from the node).
    #[error("execution node sent logs out of order: {0}")]
    Order(String),
}

/// Settings of the syncer.
#[derive(Clone, Debug)]
pub struct SyncConfig {
    /// The first block to read when the store has none.
    pub deploy_block: u64,
    /// How far behind the head to stay.
    pub follow_distance: u64,
    /// How long to wait between head polls when not subscribed.
    pub poll_interval: Duration,
    /// Show a progress bar on a terminal.
    pub progress: bool,
    /// The largest `eth_getLogs` range, in blocks (at most [`MAX_BATCH`]).
    pub max_batch: u64,
}

/// What the syncer reports as it goes (for the node and the health endpoint).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SyncStatus {
    /// The last stored block.
    pub last_block: Option<u64>,
    /// The latest head seen.
    pub head: Option<u64>,
    /// Whether historical sync is done.
    pub live: bool,
    /// The last error, cleared on success.
    pub last_error: Option<String>,
}

/// The event syncer.
pub struct EventSyncer {
    client: ExecutionClient,
    store: Store,
    machine: RegistryMachine,
    key: Option<Arc<OperatorSigner>>,
    config: SyncConfig,
    batch: u64,
    backoff: Duration,
    status: watch::Sender<SyncStatus>,
}

impl std::fmt::Debug for EventSyncer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EventSyncer")
            .field("machine", &self.machine)
            .finish()
    }
}

impl EventSyncer {
    /// A syncer resuming from what `store` holds.
    pub fn new(
        client: ExecutionClient,
        store: Store,
        key: Option<Arc<OperatorSigner>>,
        config: SyncConfig,
    ) -> Result<(Self, watch::Receiver<SyncStatus>), SyncError> {
        let machine =
            RegistryMachine::new(store.load_registry()?, store.last_block()?, key.clone());
        let (status, rx) = watch::channel(SyncStatus {
            last_block: store.last_block()?,
            ..SyncStatus::default()
        });
        Ok((
            EventSyncer {
                client,
                store,
                machine,
                key,
                batch: config.max_batch.clamp(1, MAX_BATCH),
                config,
                backoff: Duration::ZERO,
                status,
            },
            rx,
        ))
    }

    /// The registry machine (for the node to read the registry from).
    pub fn machine(&self) -> &RegistryMachine {
        &self.machine
    }

    fn next_block(&self) -> Result<u64, SyncError> {
        Ok(match self.store.last_block()? {
            Some(b) => b + 1,
            None => self.config.deploy_block,
        })
    }

    /// Notes a failed call: fail over to the next endpoint and wait, longer
    /// each time in a row (250 ms doubling to 30 s).
    async fn failed(&mut self, e: EthError) {
        tracing::warn!(error = %e, retry_in_ms = self.backoff.as_millis() as u64, "execution node call failed");
        metrics::counter!("ssv_eth_rpc_errors_total").increment(1);
        self.status
            .send_modify(|s| s.last_error = Some(e.to_string()));
        self.client.fail_over();
        tokio::time::sleep(self.backoff).await;
        self.backoff =
            (self.backoff * 2).clamp(Duration::from_millis(250), Duration::from_secs(30));
    }

    fn succeeded(&mut self) {
        self.backoff = Duration::ZERO;
        if self.status.borrow().last_error.is_some() {
            self.status.send_modify(|s| s.last_error = None);
        }
    }

    async fn head(&mut self) -> u64 {
        loop {
            match self.client.block_number().await {
                Ok(head) => {
                    self.succeeded();
                    metrics::gauge!("ssv_eth_head_block").set(head as f64);
                    self.status.send_modify(|s| s.head = Some(head));
                    return head;
                }
                Err(e) => self.failed(e).await,
            }
        }
    }

    /// Runs until `shutdown` turns true: historical sync to the head minus the
    /// follow distance, then live sync.
    pub async fn run(mut self, mut shutdown: watch::Receiver<bool>) -> Result<(), SyncError> {
        tokio::select! {
            r = self.sync_all() => r,
            _ = shutdown.wait_for(|stop| *stop) => Ok(()),
        }
    }

    async fn sync_all(&mut self) -> Result<(), SyncError> {
        // Historical: until caught up with the head as it moves.
        loop {
            let target = self
                .head()
                .await
                .saturating_sub(self.config.follow_distance);
            let from = self.next_block()?;
            if from > target {
                break;
            }
            tracing::info!(from, to = target, endpoint = %self.client.url(), "historical sync");
            self.sync_range(from, target, self.config.progress).await?;
        }
        self.status.send_modify(|s| s.live = true);
        tracing::info!(last_block = ?self.store.last_block()?, "historical sync done, following new heads");
        loop {
            self.follow().await?;
        }
    }

    /// Live sync on one endpoint until its subscription ends or fails.
    async fn follow(&mut self) -> Result<(), SyncError> {
        if self.client.is_ws() {
            match self.client.heads().await {
                Ok(mut heads) => {
                    self.succeeded();
                    while let Some(head) = heads.next().await {
                        metrics::gauge!("ssv_eth_head_block").set(head as f64);
                        self.status.send_modify(|s| s.head = Some(head));
                        self.catch_up(head).await?;
                    }
                    self.failed(EthError::Call {
                        call: "eth_subscribe(newHeads)",
                        url: self.client.url(),
                        reason: "subscription ended".into(),
                    })
                    .await;
                }
                Err(e) => self.failed(e).await,
            }
            Ok(())
        } else {
            let head = self.head().await;
            self.catch_up(head).await?;
            tokio::time::sleep(self.config.poll_interval).await;
            Ok(())
        }
    }

    async fn catch_up(&mut self, head: u64) -> Result<(), SyncError> {
        let target = head.saturating_sub(self.config.follow_distance);
        let from = self.next_block()?;
        if from <= target {
            self.sync_range(from, target, false).await?;
        }
        Ok(())
    }

    /// Stores every block of `from..=to`, in batches.
    async fn sync_range(&mut self, from: u64, to: u64, progress: bool) -> Result<(), SyncError> {
        let bar = progress_bar(progress, to + 1 - from);
        let started = Instant::now();
        let mut last_log = Instant::now();
        let mut cur = from;
        while cur <= to {
            let end = to.min(cur + self.batch - 1);
            match self.client.logs(cur, end).await {
                Ok(logs) => {
                    self.succeeded();
                    self.apply(logs, end)?;
                    bar.inc(end + 1 - cur);
                    cur = end + 1;
                    // Grow back towards the full batch after a success.
                    self.batch = (self.batch * 2).min(self.config.max_batch.clamp(1, MAX_BATCH));
                }
                Err(e) => {
                    // A range too large for the node: halve it before failing over.
                    if self.batch > 1 {
                        self.batch /= 2;
                        tracing::warn!(error = %e, batch = self.batch, "eth_getLogs failed, smaller batches");
                        metrics::counter!("ssv_eth_rpc_errors_total").increment(1);
                    } else {
                        self.failed(e).await;
                    }
                }
            }
            metrics::gauge!("ssv_eth_batch_blocks").set(self.batch as f64);
            if !bar.is_hidden() || last_log.elapsed() < Duration::from_secs(10) {
                continue;
            }
            last_log = Instant::now();
            let done = cur - from;
            let rate = done as f64 / started.elapsed().as_secs_f64().max(1e-3);
            tracing::info!(
                block = cur - 1,
                to,
                blocks_per_second = rate as u64,
                eta_seconds = ((to + 1 - cur) as f64 / rate.max(1e-3)) as u64,
                "historical sync progress"
            );
        }
        bar.finish_and_clear();
        Ok(())
    }

    /// Feeds a batch's logs to the machine and stores them block by block, then
    /// stores `end` as processed.
    fn apply(&mut self, logs: Vec<LogEntry>, end: u64) -> Result<(), SyncError> {
        let result = self.apply_blocks(logs, end);
        if result.is_err() {
            // The machine may be ahead of the store: rebuild it from the store.
            if let (Ok(state), Ok(last)) = (self.store.load_registry(), self.store.last_block()) {
                self.machine = RegistryMachine::new(state, last, self.key.clone());
            }
        }
        result
    }

    fn apply_blocks(&mut self, logs: Vec<LogEntry>, end: u64) -> Result<(), SyncError> {
        let mut logs = logs.into_iter().peekable();
        while let Some(first) = logs.next() {
            let block = first.block;
            let mut changes = Vec::new();
            let mut skipped = Vec::new();
            let mut next = Some(first);
            while let Some(log) = next {
                self.machine
                    .handle(Input::Log(log))
                    .map_err(|e| SyncError::Order(e.to_string()))?;
                drain(&mut self.machine, &mut changes, &mut skipped);
                next = logs.next_if(|l| l.block == block);
            }
            self.store.commit_block(block, &changes, &skipped)?;
            self.committed(block, &changes, &skipped);
        }
        if self.store.last_block()? < Some(end) {
            self.store.commit_block(end, &[], &[])?;
            self.committed(end, &[], &[]);
        }
        Ok(())
    }

    fn committed(&self, block: u64, changes: &[Change], skipped: &[Skipped]) {
        metrics::gauge!("ssv_eth_last_processed_block").set(block as f64);
        metrics::counter!("ssv_eth_changes_total").increment(changes.len() as u64);
        for s in skipped {
            tracing::warn!(
                block = s.block,
                log_index = s.log_index,
                event = s.event.unwrap_or("unknown"),
                reason = %s.reason,
                "skipped a malformed contract event"
            );
            metrics::counter!(
                "ssv_eth_events_skipped_total",
                "event" => s.event.unwrap_or("unknown"),
                "reason" => s.reason.kind()
            )
            .increment(1);
        }
        self.status.send_modify(|s| s.last_block = Some(block));
    }
}

fn drain(machine: &mut RegistryMachine, changes: &mut Vec<Change>, skipped: &mut Vec<Skipped>) {
    while let Some(out) = machine.poll_output() {
        match out {
            Output::Change { change, .. } => changes.push(change),
            Output::Skipped(s) => skipped.push(s),
        }
    }
}

fn progress_bar(show: bool, total: u64) -> ProgressBar {
    if !show {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
    if let Ok(style) =
        ProgressStyle::with_template("{bar:40} {pos}/{len} blocks  {per_sec}  {eta} left")
    {
        bar.set_style(style);
    }
    bar
}
