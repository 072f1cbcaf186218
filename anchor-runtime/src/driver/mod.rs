//! The operator node: the pure [`ssv_protocol::node::Node`] machine driven by
//! real IO. Startup order: the data-directory lock and database, the beacon
//! node (the chain's spec, retried with backoff until it answers), execution
//! sync, libp2p, the registry feed, then the driver task that owns `Node`.
//!
//! Data flow: gossip → CPU pool (RSA verification) → driver → `Node`; the
//! node's verdicts go back to gossipsub, its publications to the network task,
//! its requests to the beacon client, the slashing database or the CPU pool
//! (signing), and their answers back to the driver as inputs.

mod node_loop;
pub mod pool;
mod registry_feed;
pub mod signing;

use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use libp2p::identity::Keypair;
use libp2p::Multiaddr;
use ssv_protocol::operator_key::OperatorSigner;
use tokio::sync::{mpsc, watch};

pub use node_loop::{now, Driver, DriverInputs};
pub use registry_feed::{RegistryFeed, RegistryUpdate};

use crate::api::{self, Component, SharedStatus};
use crate::beacon::BeaconClient;
use crate::eth::{EventSyncer, ExecutionClient, SyncConfig, SyncStatus};
use crate::network::Network;
use crate::p2p::{P2pConfig, P2pService};
use crate::store::{network_identity, Store};

/// Everything `anchor-runtime node` is configured with.
#[derive(Debug)]
pub struct NodeSettings {
    /// The SSV network.
    pub network: Network,
    /// Beacon node URLs, in order of preference.
    pub beacon_urls: Vec<String>,
    /// Execution node URLs, in order of preference.
    pub eth_urls: Vec<String>,
    /// The data directory.
    pub data_dir: PathBuf,
    /// The operator key.
    pub key: Arc<OperatorSigner>,
    /// libp2p TCP listen port.
    pub p2p_port: u16,
    /// Address libp2p listens on.
    pub p2p_address: IpAddr,
    /// Peers to stay connected to.
    pub static_peers: Vec<Multiaddr>,
    /// discv5 UDP port (0: no discovery).
    pub discovery_port: u16,
    /// Boot node records (base64 ENRs) for discovery.
    pub boot_enrs: Vec<String>,
    /// Address of the API and metrics endpoints.
    pub http_address: IpAddr,
    /// API port (0: off).
    pub api_port: u16,
    /// Metrics port (0: off).
    pub metrics_port: u16,
    /// Execution sync settings.
    pub sync: SyncConfig,
    /// CPU pool threads.
    pub workers: usize,
    /// CPU pool queue capacity (per priority).
    pub queue_capacity: usize,
    /// Write a trace of the node machine's inputs here (a new file).
    pub record: Option<PathBuf>,
}

/// The node's libp2p key in the data directory (`network_key`, hex of the
/// secp256k1 secret), made on first start.
pub fn network_key(data_dir: &Path) -> Result<Keypair, String> {
    use libp2p::identity::secp256k1;
    let path = data_dir.join("network_key");
    if let Ok(text) = std::fs::read_to_string(&path) {
        let mut bytes =
            hex::decode(text.trim()).map_err(|_| format!("{}: not hex", path.display()))?;
        let secret = secp256k1::SecretKey::try_from_bytes(&mut bytes)
            .map_err(|e| format!("{}: {e}", path.display()))?;
        return Ok(Keypair::from(secp256k1::Keypair::from(secret)));
    }
    let keypair = secp256k1::Keypair::generate();
    let hex_secret = hex::encode(keypair.secret().to_bytes());
    write_private(&path, &hex_secret).map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(Keypair::from(keypair))
}

fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path)?.write_all(text.as_bytes())
}

fn set_health(status: &SharedStatus, name: &str, ok: bool, detail: String) {
    if let Ok(mut s) = status.write() {
        s.health.insert(name.into(), Component { ok, detail });
    }
}

/// Runs the node until `shutdown` turns true. The data directory must be
/// locked by the caller.
pub async fn run_node(s: NodeSettings, mut shutdown: watch::Receiver<bool>) -> Result<(), String> {
    let status: SharedStatus = Default::default();
    if let Ok(mut st) = status.write() {
        st.identity.version = env!("CARGO_PKG_VERSION").to_string();
        st.identity.network = s.network.name.clone();
    }
    start_http(&s, &status)?;

    let store_path = Store::file_in(&s.data_dir);
    let identity = network_identity(&s.network.name, s.network.domain);
    let sync_store = Store::open(&store_path, &identity).map_err(|e| e.to_string())?;
    let slashing_store = Store::open(&store_path, &identity).map_err(|e| e.to_string())?;

    // The beacon node first: nothing can be scheduled without the chain.
    let beacon = Arc::new(BeaconClient::new(s.beacon_urls.clone()));
    let mut backoff = Duration::from_secs(1);
    let chain = loop {
        match beacon.chain_spec().await {
            Ok(chain) => break Arc::new(chain),
            Err(e) => {
                tracing::warn!(error = %e, retry_in = ?backoff, "beacon node unreachable; retrying");
                set_health(&status, "beacon", false, format!("unreachable: {e}"));
            }
        }
        tokio::select! {
            _ = tokio::time::sleep(backoff) => {}
            _ = shutdown.changed() => return Ok(()),
        }
        backoff = (backoff * 2).min(Duration::from_secs(30));
    };
    set_health(
        &status,
        "beacon",
        true,
        format!(
            "genesis {}, {} s slots",
            chain.genesis_time, chain.seconds_per_slot
        ),
    );
    tracing::info!(
        genesis_time = chain.genesis_time,
        forks = chain.forks.len(),
        "beacon chain"
    );

    // Execution sync.
    let client = ExecutionClient::new(s.eth_urls.clone(), &s.network.contract);
    let (syncer, sync_status) =
        EventSyncer::new(client, sync_store, Some(Arc::clone(&s.key)), s.sync.clone())
            .map_err(|e| e.to_string())?;
    let sync_stop = shutdown.clone();
    let sync_task = tokio::spawn(async move {
        if let Err(e) = syncer.run(sync_stop).await {
            tracing::error!(error = %e, "execution sync stopped");
        }
    });
    tokio::spawn(watch_execution(sync_status.clone(), status.clone()));

    // libp2p.
    let key = network_key(&s.data_dir)?;
    let p2p_config = P2pConfig {
        listen: vec![format!("/ip4/{}/tcp/{}", s.p2p_address, s.p2p_port)
            .parse()
            .map_err(|e| format!("p2p listen address: {e}"))?],
        domain: s.network.domain,
        node_version: format!("anchor-runtime/v{}", env!("CARGO_PKG_VERSION")),
        subnets: Default::default(),
        static_peers: s.static_peers.clone(),
    };
    let service = P2pService::new(key.clone(), p2p_config)?;
    let peer_id = service.peer_id();
    tracing::info!(%peer_id, port = s.p2p_port, "p2p");
    if let Ok(mut st) = status.write() {
        st.identity.peer_id = Some(peer_id.to_string());
    }
    set_health(&status, "p2p", true, format!("listening on {}", s.p2p_port));
    let (p2p_tx, p2p_cmds) = mpsc::channel(4096);
    let (p2p_events_tx, p2p_events) = mpsc::channel(4096);
    tokio::spawn(service.run(p2p_cmds, p2p_events_tx));
    if s.discovery_port != 0 {
        start_discovery(&s, &key, &store_path, p2p_tx.clone()).await?;
    }

    // The registry feed and the driver.
    let shares = signing::ShareKeys::default();
    let (registry_tx, registry_rx) = mpsc::channel(16);
    let feed = RegistryFeed {
        store_path,
        beacon: Arc::clone(&beacon),
        key: Arc::clone(&s.key),
        shares: shares.clone(),
        domain: s.network.domain,
        graffiti: graffiti(),
        refresh: Duration::from_secs(chain.seconds_per_slot * chain.slots_per_epoch),
    };
    tokio::spawn(feed.run(sync_status, registry_tx));
    let driver = Driver {
        chain: Arc::clone(&chain),
        domain: s.network.domain,
        key: Arc::clone(&s.key),
        shares,
        beacon: Arc::clone(&beacon),
        store: Arc::new(Mutex::new(slashing_store)),
        pool: Arc::new(pool::CpuPool::new(s.workers, s.queue_capacity)),
        p2p: p2p_tx,
        status,
        record: s.record.clone(),
        network_name: s.network.name.clone(),
    };
    let inputs = DriverInputs {
        p2p_events,
        registry: registry_rx,
        heads: Box::pin(beacon.head_events()),
        shutdown: shutdown.clone(),
    };
    driver.run(inputs).await;
    tracing::info!("driver stopped; waiting for execution sync to store its last block");
    let _ = tokio::time::timeout(Duration::from_secs(10), sync_task).await;
    Ok(())
}

/// Starts discv5 advertising the subnets of the committees we hold shares in
/// (as stored so far; none yet means any peer of our network is worth
/// dialing), and a task dialing what it finds every 10 s.
async fn start_discovery(
    s: &NodeSettings,
    key: &Keypair,
    store_path: &Path,
    p2p: mpsc::Sender<crate::p2p::P2pCommand>,
) -> Result<(), String> {
    use ssv_protocol::identifiers::{committee_id, committee_subnet};
    let IpAddr::V4(ip) = s.p2p_address else {
        return Err("--p2p-address: discovery needs an IPv4 address".into());
    };
    let mut boot = Vec::new();
    for text in &s.boot_enrs {
        boot.push(
            text.parse::<enr::Enr<enr::CombinedKey>>()
                .map_err(|e| format!("--boot-enr {text:?}: {e}"))?,
        );
    }
    let subnets = Store::open_read_only(store_path)
        .and_then(|st| st.load_registry())
        .map(|state| {
            state
                .validators
                .values()
                .filter(|v| v.own_encrypted_share.is_some())
                .map(|v| committee_subnet(&committee_id(&v.operators)))
                .collect()
        })
        .unwrap_or_default();
    let discovery = crate::p2p::discovery::Discovery::start(
        key,
        ip,
        s.discovery_port,
        s.p2p_port,
        s.network.domain,
        subnets,
        &boot,
    )
    .await
    .map_err(|e| e.to_string())?;
    tracing::info!(enr = %discovery.local_enr().to_base64(), "discovery started");
    tokio::spawn(async move {
        let mut every = tokio::time::interval(Duration::from_secs(10));
        loop {
            every.tick().await;
            for (peer, addr) in discovery.find_peers(16).await {
                let command = crate::p2p::P2pCommand::DialPeer { peer, addr };
                if p2p.send(command).await.is_err() {
                    return;
                }
            }
        }
    });
    Ok(())
}

/// `anchor-runtime` padded with zeros.
fn graffiti() -> [u8; 32] {
    let mut g = [0u8; 32];
    let text = b"anchor-runtime";
    g[..text.len()].copy_from_slice(text);
    g
}

fn start_http(s: &NodeSettings, status: &SharedStatus) -> Result<(), String> {
    if s.metrics_port != 0 {
        let handle = api::install_metrics()?;
        let addr = std::net::SocketAddr::new(s.http_address, s.metrics_port);
        tokio::spawn(async move {
            if let Err(e) = api::serve(addr, api::metrics_router(handle)).await {
                tracing::error!(error = %e, "metrics endpoint stopped");
            }
        });
    }
    if s.api_port != 0 {
        let addr = std::net::SocketAddr::new(s.http_address, s.api_port);
        let router = api::api_router(status.clone());
        tokio::spawn(async move {
            if let Err(e) = api::serve(addr, router).await {
                tracing::error!(error = %e, "API stopped");
            }
        });
    }
    Ok(())
}

async fn watch_execution(mut sync: watch::Receiver<SyncStatus>, status: SharedStatus) {
    loop {
        let s = sync.borrow().clone();
        let (ok, detail) = match (&s.last_error, s.last_block, s.head) {
            (Some(e), _, _) => (false, e.clone()),
            (None, last, head) => (
                head.is_some(),
                format!(
                    "{} sync at block {} of head {}",
                    if s.live { "live" } else { "historical" },
                    last.map_or("none".into(), |b| b.to_string()),
                    head.map_or("unknown".into(), |h| h.to_string())
                ),
            ),
        };
        set_health(&status, "execution", ok, detail);
        if sync.changed().await.is_err() {
            return;
        }
    }
}
