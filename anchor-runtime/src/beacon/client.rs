//! The beacon nodes over the standard Beacon API: several endpoints, the last
//! one that answered tried first; JSON calls; the `head` event stream.

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::Duration;

use futures::{Stream, StreamExt};
use serde_json::Value;
use ssv_protocol::scheduler::{DutiesRequest, DutiesResponse, HeadEvent};

use super::duties::{duties_call, parse_duties, parse_head};
use crate::eth::redact;
use crate::json_path::{bytes, uint, JsonError};

/// Why a beacon call failed on every endpoint.
#[derive(Debug, thiserror::Error)]
pub enum BeaconError {
    /// No endpoint answered.
    #[error("{path}: no beacon node answered ({last})")]
    Unreachable {
        /// The API path.
        path: String,
        /// The last endpoint's error.
        last: String,
    },
    /// The answer was not what the API defines.
    #[error(transparent)]
    Json(#[from] JsonError),
}

/// The genesis of the chain.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Genesis {
    /// Genesis time, Unix seconds.
    pub time: u64,
    /// The genesis validators root.
    pub validators_root: [u8; 32],
    /// The genesis fork version.
    pub fork_version: [u8; 4],
}

/// The beacon endpoints.
#[derive(Debug)]
pub struct BeaconClient {
    urls: Vec<String>,
    http: reqwest::Client,
    current: AtomicUsize,
    /// Members of the chain's sync subcommittees, from its spec (mainnet's
    /// 128 until [`chain_spec`](Self::chain_spec) reads it).
    pub(super) sync_subcommittee_size: AtomicU64,
}

impl BeaconClient {
    /// A client over `urls` (without trailing slashes).
    pub fn new(urls: Vec<String>) -> Self {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .build()
            .unwrap_or_default();
        BeaconClient {
            urls: urls
                .into_iter()
                .map(|u| u.trim_end_matches('/').to_string())
                .collect(),
            http,
            current: AtomicUsize::new(0),
            sync_subcommittee_size: AtomicU64::new(
                ssv_protocol::runner::chain::SYNC_SUBCOMMITTEE_SIZE,
            ),
        }
    }

    /// One JSON call, tried on every endpoint in turn from the last good one.
    pub async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<&Value>,
    ) -> Result<Value, BeaconError> {
        self.send(method, path, body, None, None).await
    }

    /// Tries `attempt(url)` on every endpoint in turn from the last good one;
    /// the first success wins and becomes the next call's first endpoint.
    async fn with_fallback<T, F, Fut>(&self, path: &str, attempt: F) -> Result<T, BeaconError>
    where
        F: Fn(String) -> Fut,
        Fut: std::future::Future<Output = Result<T, String>>,
    {
        let n = self.urls.len();
        let start = self.current.load(Ordering::Relaxed);
        let mut last = String::from("no endpoints");
        for k in 0..n {
            let i = (start + k) % n;
            match attempt(format!("{}{path}", self.urls[i])).await {
                Ok(v) => {
                    self.current.store(i, Ordering::Relaxed);
                    return Ok(v);
                }
                Err(e) => {
                    metrics::counter!("ssv_beacon_errors_total").increment(1);
                    last = format!("{}: {e}", redact(&self.urls[i]));
                }
            }
        }
        Err(BeaconError::Unreachable {
            path: path.to_string(),
            last,
        })
    }

    /// One call with a JSON or SSZ body and an optional `Eth-Consensus-Version`
    /// header, tried on every endpoint in turn from the last good one.
    pub async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<&Value>,
        ssz: Option<Vec<u8>>,
        consensus_version: Option<&str>,
    ) -> Result<Value, BeaconError> {
        self.with_fallback(path, |url| {
            let mut req = self.http.request(method.clone(), &url);
            if let Some(b) = body {
                req = req.json(b);
            }
            if let Some(bytes) = &ssz {
                req = req
                    .header("content-type", "application/octet-stream")
                    .body(bytes.clone());
            }
            if let Some(v) = consensus_version {
                req = req.header("eth-consensus-version", v);
            }
            async move {
                let resp = req.send().await.map_err(|e| e.to_string())?;
                let status = resp.status();
                let text = resp.text().await.map_err(|e| e.to_string())?;
                if !status.is_success() {
                    return Err(http_error(status, text.as_bytes()));
                }
                if text.is_empty() {
                    return Ok(Value::Null);
                }
                serde_json::from_str(&text).map_err(|e| format!("not JSON: {e}"))
            }
        })
        .await
    }

    /// A GET answered in SSZ (`Accept: application/octet-stream`): the body
    /// and the response headers, from the first endpoint that answers.
    pub async fn get_ssz(
        &self,
        path: &str,
    ) -> Result<(Vec<u8>, reqwest::header::HeaderMap), BeaconError> {
        self.with_fallback(path, |url| {
            let req = self
                .http
                .get(url)
                .header("accept", "application/octet-stream");
            async move {
                let resp = req.send().await.map_err(|e| e.to_string())?;
                let status = resp.status();
                let headers = resp.headers().clone();
                let body = resp.bytes().await.map_err(|e| e.to_string())?;
                if !status.is_success() {
                    return Err(http_error(status, &body));
                }
                Ok((body.to_vec(), headers))
            }
        })
        .await
    }

    /// A duty fetch; failures are answers too (the scheduler retries).
    pub async fn duties(&self, req: &DutiesRequest) -> DutiesResponse {
        let (method, path, body) = duties_call(req);
        match self.call(method, &path, body.as_ref()).await {
            Ok(v) => {
                parse_duties(req, &v).unwrap_or_else(|e| DutiesResponse::Failed(e.to_string()))
            }
            Err(e) => DutiesResponse::Failed(e.to_string()),
        }
    }

    /// The chain's genesis.
    pub async fn genesis(&self) -> Result<Genesis, BeaconError> {
        let v = self
            .call(reqwest::Method::GET, "/eth/v1/beacon/genesis", None)
            .await?;
        Ok(Genesis {
            time: uint(&v, &["data", "genesis_time"])?,
            validators_root: bytes(&v, &["data", "genesis_validators_root"])?,
            fork_version: bytes(&v, &["data", "genesis_fork_version"])?,
        })
    }

    /// Head events from the endpoint in use, reconnecting (to the next
    /// endpoint) when the stream ends or fails.
    pub fn head_events(&self) -> impl Stream<Item = HeadEvent> + Send + 'static {
        let urls = self.urls.clone();
        let http = reqwest::Client::new();
        let start = self.current.load(Ordering::Relaxed);
        head_stream(http, urls, start)
    }
}

fn head_stream(
    http: reqwest::Client,
    urls: Vec<String>,
    start: usize,
) -> impl Stream<Item = HeadEvent> + Send + 'static {
    futures::stream::unfold(
        (http, urls, start, None::<reqwest::Response>, String::new()),
        |(http, urls, mut i, mut resp, mut buf)| async move {
            loop {
                if resp.is_none() {
                    let url = format!(
                        "{}/eth/v1/events?topics=head",
                        urls.get(i % urls.len().max(1))?
                    );
                    match http
                        .get(&url)
                        .header("accept", "text/event-stream")
                        .send()
                        .await
                    {
                        Ok(r) if r.status().is_success() => {
                            resp = Some(r);
                            buf.clear();
                        }
                        _ => {
                            i += 1;
                            tokio::time::sleep(Duration::from_millis(500)).await;
                            continue;
                        }
                    }
                }
                let Some(r) = resp.as_mut() else { continue };
                match r.chunk().await {
                    Ok(Some(chunk)) => {
                        buf.push_str(&String::from_utf8_lossy(&chunk));
                        let (events, rest) = split_events(&buf);
                        buf = rest;
                        if let Some(head) = events
                            .into_iter()
                            .filter(|(name, _)| name == "head")
                            .find_map(|(_, data)| {
                                serde_json::from_str(&data)
                                    .ok()
                                    .and_then(|v| parse_head(&v).ok())
                            })
                        {
                            return Some((head, (http, urls, i, resp, buf)));
                        }
                    }
                    _ => {
                        resp = None;
                        i += 1;
                        tokio::time::sleep(Duration::from_millis(500)).await;
                    }
                }
            }
        },
    )
    .boxed()
}

/// An error answer, with the start of its body.
fn http_error(status: reqwest::StatusCode, body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    format!(
        "HTTP {status}: {}",
        text.chars().take(200).collect::<String>()
    )
}

/// Splits server-sent-event text into complete (event, data) pairs and the
/// incomplete rest.
pub fn split_events(text: &str) -> (Vec<(String, String)>, String) {
    let normalized = text.replace("\r\n", "\n");
    let mut events = Vec::new();
    let mut rest = normalized.as_str();
    while let Some(end) = rest.find("\n\n") {
        let block = &rest[..end];
        rest = &rest[end + 2..];
        let mut name = String::from("message");
        let mut data = String::new();
        for line in block.lines() {
            if let Some(v) = line.strip_prefix("event:") {
                name = v.trim().to_string();
            } else if let Some(v) = line.strip_prefix("data:") {
                if !data.is_empty() {
                    data.push('\n');
                }
                data.push_str(v.trim_start());
            }
        }
        if !data.is_empty() {
            events.push((name, data));
        }
    }
    (events, rest.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_complete_events_and_keeps_the_rest() {
        let text =
            "event: head\ndata: {\"slot\":\"1\"}\n\n: keepalive\n\nevent: head\r\ndata: {\"sl";
        let (events, rest) = split_events(text);
        assert_eq!(
            events,
            vec![("head".to_string(), "{\"slot\":\"1\"}".to_string())]
        );
        assert_eq!(rest, "event: head\ndata: {\"sl");
    }
}
