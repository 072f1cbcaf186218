//! The execution nodes: several endpoints, one in use at a time; a failed call
//! moves to the next. Calls are single attempts: the syncer decides on retries
//! and backoff.

use alloy::primitives::Address as AlloyAddress;
use alloy::providers::{DynProvider, Provider, ProviderBuilder};
use alloy::rpc::types::Filter;
use futures::StreamExt;
use ssv_protocol::contract::{Address, LogEntry};

/// Why a call to an execution node failed.
#[derive(Debug, thiserror::Error)]
pub enum EthError {
    /// Connecting failed.
    #[error("connect to {url}: {reason}")]
    Connect {
        /// The endpoint.
        url: String,
        /// Why.
        reason: String,
    },
    /// The call failed.
    #[error("{call} on {url}: {reason}")]
    Call {
        /// The call.
        call: &'static str,
        /// The endpoint.
        url: String,
        /// Why.
        reason: String,
    },
    /// A log came without its block number or index (a pending log).
    #[error("log without a block number or index from {0}")]
    PendingLog(String),
}

/// The execution endpoints, with the one in use.
pub struct ExecutionClient {
    urls: Vec<String>,
    current: usize,
    provider: Option<DynProvider>,
    contract: AlloyAddress,
}

impl std::fmt::Debug for ExecutionClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ExecutionClient({})", self.url())
    }
}

/// A URL with any user:password part hidden, for logs.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            format!("{}://***@{}", &url[..scheme], &url[at + 1..])
        }
        _ => url.to_string(),
    }
}

impl ExecutionClient {
    /// A client over `urls` (tried in order) for the contract at `contract`.
    pub fn new(urls: Vec<String>, contract: &Address) -> Self {
        ExecutionClient {
            urls,
            current: 0,
            provider: None,
            contract: AlloyAddress::from(contract.0),
        }
    }

    /// The endpoint in use, redacted.
    pub fn url(&self) -> String {
        self.urls
            .get(self.current)
            .map(|u| redact(u))
            .unwrap_or_default()
    }

    /// Whether the endpoint in use is a WebSocket (so heads can be subscribed).
    pub fn is_ws(&self) -> bool {
        self.urls
            .get(self.current)
            .is_some_and(|u| u.starts_with("ws://") || u.starts_with("wss://"))
    }

    /// Drops the connection and moves to the next endpoint.
    pub fn fail_over(&mut self) {
        self.provider = None;
        if !self.urls.is_empty() {
            self.current = (self.current + 1) % self.urls.len();
        }
        metrics::counter!("ssv_eth_failovers_total").increment(1);
    }

    async fn provider(&mut self) -> Result<DynProvider, EthError> {
        if let Some(p) = &self.provider {
            return Ok(p.clone());
        }
        let url = self.urls.get(self.current).cloned().unwrap_or_default();
        let provider = ProviderBuilder::new()
            .connect(&url)
            .await
            .map_err(|e| EthError::Connect {
                url: redact(&url),
                reason: e.to_string(),
            })?
            .erased();
        self.provider = Some(provider.clone());
        Ok(provider)
    }

    fn call_error(&self, call: &'static str, e: impl std::fmt::Display) -> EthError {
        EthError::Call {
            call,
            url: self.url(),
            reason: e.to_string(),
        }
    }

    /// The latest block number.
    pub async fn block_number(&mut self) -> Result<u64, EthError> {
        let p = self.provider().await?;
        p.get_block_number()
            .await
            .map_err(|e| self.call_error("eth_blockNumber", e))
    }

    /// The contract's logs in blocks `from..=to`, without removed ones, in
    /// (block, log index) order.
    pub async fn logs(&mut self, from: u64, to: u64) -> Result<Vec<LogEntry>, EthError> {
        let p = self.provider().await?;
        let filter = Filter::new()
            .address(self.contract)
            .from_block(from)
            .to_block(to);
        let logs = p
            .get_logs(&filter)
            .await
            .map_err(|e| self.call_error("eth_getLogs", e))?;
        let mut out = Vec::with_capacity(logs.len());
        for log in logs {
            if log.removed {
                continue;
            }
            let (Some(block), Some(log_index)) = (log.block_number, log.log_index) else {
                return Err(EthError::PendingLog(self.url()));
            };
            out.push(LogEntry {
                block,
                log_index,
                topics: log.topics().iter().map(|t| t.0).collect(),
                data: log.data().data.to_vec(),
            });
        }
        out.sort_by_key(|l| (l.block, l.log_index));
        Ok(out)
    }

    /// A stream of new head block numbers (WebSocket endpoints only).
    pub async fn heads(&mut self) -> Result<futures::stream::BoxStream<'static, u64>, EthError> {
        let p = self.provider().await?;
        let sub = p
            .subscribe_blocks()
            .await
            .map_err(|e| self.call_error("eth_subscribe(newHeads)", e))?;
        Ok(sub.into_stream().map(|h| h.number).boxed())
    }
}
