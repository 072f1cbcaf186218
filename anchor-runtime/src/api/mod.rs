//! The operator's HTTP interfaces, on 127.0.0.1 unless told otherwise: the
//! node API (`/v1/node/identity`, `/v1/node/peers`, `/v1/node/topics`,
//! `/v1/node/health`, `/v1/validators`) and the Prometheus metrics endpoint
//! (`/metrics`), each on its own port. Both only read a status the runtime
//! keeps current; neither changes anything.

use std::net::SocketAddr;
use std::sync::{Arc, RwLock};

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use serde::Serialize;

/// Who this node is.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Identity {
    /// Software version.
    pub version: String,
    /// The network's name.
    pub network: String,
    /// Our operator ID, once registered.
    pub operator_id: Option<u64>,
    /// Our libp2p peer ID, when the network runs.
    pub peer_id: Option<String>,
}

/// One component's state for `/v1/node/health`.
#[derive(Clone, Debug, Default, Serialize, PartialEq, Eq)]
pub struct Component {
    /// Whether it works.
    pub ok: bool,
    /// What it is doing or what is wrong.
    pub detail: String,
}

/// What the runtime reports through the API.
#[derive(Clone, Debug, Default, Serialize)]
pub struct NodeStatus {
    /// Identity.
    pub identity: Identity,
    /// Connected peers (peer ID, their subnets).
    pub peers: Vec<(String, Vec<u64>)>,
    /// Subscribed topics.
    pub topics: Vec<String>,
    /// Components, by name (`p2p`, `beacon`, `execution`).
    pub health: std::collections::BTreeMap<String, Component>,
    /// Validators we hold shares of: (public key hex, index, liquidated).
    pub validators: Vec<(String, Option<u64>, bool)>,
}

/// The status shared between the runtime (writer) and the API (reader).
pub type SharedStatus = Arc<RwLock<NodeStatus>>;

/// Installs the Prometheus recorder for this process and describes every
/// metric; returns the handle `/metrics` renders from.
pub fn install_metrics() -> Result<PrometheusHandle, String> {
    use metrics_exporter_prometheus::Matcher;
    let handle = PrometheusBuilder::new()
        .set_buckets_for_metric(
            Matcher::Full("ssv_qbft_decided_seconds".into()),
            crate::metrics_catalog::DECIDED_BUCKETS,
        )
        .map_err(|e| e.to_string())?
        .install_recorder()
        .map_err(|e| e.to_string())?;
    crate::metrics_catalog::describe_all();
    Ok(handle)
}

fn read(status: &SharedStatus) -> NodeStatus {
    status.read().map(|s| s.clone()).unwrap_or_default()
}

async fn health(State(status): State<SharedStatus>) -> Response {
    let s = read(&status);
    let ok = s.health.values().all(|c| c.ok);
    let code = if ok {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (
        code,
        Json(serde_json::json!({"healthy": ok, "components": s.health})),
    )
        .into_response()
}

/// The node API's routes.
pub fn api_router(status: SharedStatus) -> Router {
    Router::new()
        .route("/v1/node/identity", get(|State(s): State<SharedStatus>| async move { Json(read(&s).identity) }))
        .route(
            "/v1/node/peers",
            get(|State(s): State<SharedStatus>| async move {
                let peers: Vec<_> = read(&s)
                    .peers
                    .into_iter()
                    .map(|(id, subnets)| serde_json::json!({"id": id, "subnets": subnets}))
                    .collect();
                Json(peers)
            }),
        )
        .route("/v1/node/topics", get(|State(s): State<SharedStatus>| async move { Json(read(&s).topics) }))
        .route("/v1/node/health", get(health))
        .route(
            "/v1/validators",
            get(|State(s): State<SharedStatus>| async move {
                let validators: Vec<_> = read(&s)
                    .validators
                    .into_iter()
                    .map(|(pubkey, index, liquidated)| {
                        serde_json::json!({"pubkey": pubkey, "index": index, "liquidated": liquidated})
                    })
                    .collect();
                Json(validators)
            }),
        )
        .with_state(status)
}

/// The metrics route.
pub fn metrics_router(handle: PrometheusHandle) -> Router {
    Router::new().route(
        "/metrics",
        get(move || {
            let handle = handle.clone();
            async move { handle.render() }
        }),
    )
}

/// Serves `router` on `addr` until the task is dropped.
pub async fn serve(addr: SocketAddr, router: Router) -> Result<(), String> {
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|e| format!("listen on {addr}: {e}"))?;
    axum::serve(listener, router)
        .await
        .map_err(|e| e.to_string())
}
