//! `anchor-runtime node`: every option from a flag, an environment variable or
//! the config file, in that order of precedence; then the built-in default.

use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use anchor_runtime::driver::{run_node, NodeSettings};
use anchor_runtime::eth::SyncConfig;
use anchor_runtime::keys::{self, KEYSTORE_FILE};
use anchor_runtime::lock::lock_data_dir;
use anchor_runtime::network::Network;
use clap::Args;
use serde::Deserialize;

/// Options of `node`. Defaults (applied when neither a flag, its environment
/// variable nor the config file sets a value) are in each help text.
#[derive(Args, Debug, Default)]
pub struct NodeArgs {
    /// A TOML config file whose keys are these options' long names
    /// (e.g. `beacon-url = ["http://127.0.0.1:5052"]`, `api-port = 16001`).
    #[arg(long, env = "ANCHOR_CONFIG")]
    config: Option<PathBuf>,
    /// Network preset: mainnet, holesky, hoodi or sepolia [default: mainnet].
    #[arg(long, env = "ANCHOR_NETWORK")]
    network: Option<String>,
    /// A local network's TOML file (name, contract, deploy_block, domain);
    /// takes precedence over --network.
    #[arg(long, env = "ANCHOR_NETWORK_CONFIG")]
    network_config: Option<PathBuf>,
    /// Beacon node URLs, tried in order; repeat or separate with ';' (required).
    #[arg(long = "beacon-url", env = "ANCHOR_BEACON_URLS", value_delimiter = ';')]
    beacon_url: Vec<String>,
    /// Execution node URLs (ws:// or http://), tried in order; repeat or
    /// separate with ';' (required).
    #[arg(long = "eth-url", env = "ANCHOR_ETH_URLS", value_delimiter = ';')]
    eth_url: Vec<String>,
    /// Data directory: database, network key, lock file [default: ./data].
    #[arg(long, env = "ANCHOR_DATA_DIR")]
    data_dir: Option<PathBuf>,
    /// The operator keystore (encrypted_private_key.json, or its directory) (required).
    #[arg(long, env = "ANCHOR_OPERATOR_KEYSTORE")]
    operator_keystore: Option<PathBuf>,
    /// File holding the keystore's password (required).
    #[arg(long, env = "ANCHOR_PASSWORD_FILE")]
    password_file: Option<PathBuf>,
    /// libp2p TCP port [default: 13001].
    #[arg(long, env = "ANCHOR_P2P_PORT")]
    p2p_port: Option<u16>,
    /// Address libp2p listens on [default: 0.0.0.0].
    #[arg(long, env = "ANCHOR_P2P_ADDRESS")]
    p2p_address: Option<IpAddr>,
    /// Peers to stay connected to, as multiaddrs (/ip4/1.2.3.4/tcp/13001);
    /// repeat or separate with ';'.
    #[arg(long = "peer", env = "ANCHOR_PEERS", value_delimiter = ';')]
    peer: Vec<String>,
    /// discv5 UDP port; 0 turns discovery off [default: 12001].
    #[arg(long, env = "ANCHOR_DISCOVERY_PORT")]
    discovery_port: Option<u16>,
    /// Discovery boot nodes, as base64 ENRs (`enr:-...`); repeat or separate
    /// with ';'.
    #[arg(long = "boot-enr", env = "ANCHOR_BOOT_ENRS", value_delimiter = ';')]
    boot_enr: Vec<String>,
    /// Address of the API and metrics endpoints [default: 127.0.0.1].
    #[arg(long, env = "ANCHOR_HTTP_ADDRESS")]
    http_address: Option<IpAddr>,
    /// Node API port; 0 turns it off [default: 16000].
    #[arg(long, env = "ANCHOR_API_PORT")]
    api_port: Option<u16>,
    /// Prometheus metrics port; 0 turns it off [default: 15000].
    #[arg(long, env = "ANCHOR_METRICS_PORT")]
    metrics_port: Option<u16>,
    /// Execution blocks to stay behind the head [default: 8].
    #[arg(long, env = "ANCHOR_FOLLOW_DISTANCE")]
    follow_distance: Option<u64>,
    /// The largest eth_getLogs range, 1 to 200 [default: 200].
    #[arg(long, env = "ANCHOR_ETH_BATCH_BLOCKS")]
    eth_batch_blocks: Option<u64>,
    /// Head polling interval for http:// execution endpoints, ms [default: 2000].
    #[arg(long, env = "ANCHOR_ETH_POLL_MS")]
    eth_poll_ms: Option<u64>,
    /// CPU pool threads [default: the machine's cores].
    #[arg(long, env = "ANCHOR_WORKERS")]
    workers: Option<usize>,
    /// CPU pool queue length per priority; work beyond it is dropped and
    /// counted [default: 4096].
    #[arg(long, env = "ANCHOR_QUEUE_CAPACITY")]
    queue_capacity: Option<usize>,
    /// Record every input of the node machine to this new file (a trace for
    /// `anchor-runtime replay`); no key material is written [default: off].
    #[arg(long, env = "ANCHOR_RECORD")]
    record: Option<PathBuf>,
}

/// The config file: the same options, kebab-case keys; unknown keys refused.
#[derive(Deserialize, Debug, Default)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
struct FileConfig {
    network: Option<String>,
    network_config: Option<PathBuf>,
    #[serde(default)]
    beacon_url: Vec<String>,
    #[serde(default)]
    eth_url: Vec<String>,
    data_dir: Option<PathBuf>,
    operator_keystore: Option<PathBuf>,
    password_file: Option<PathBuf>,
    p2p_port: Option<u16>,
    p2p_address: Option<IpAddr>,
    #[serde(default)]
    peer: Vec<String>,
    discovery_port: Option<u16>,
    #[serde(default)]
    boot_enr: Vec<String>,
    http_address: Option<IpAddr>,
    api_port: Option<u16>,
    metrics_port: Option<u16>,
    follow_distance: Option<u64>,
    eth_batch_blocks: Option<u64>,
    eth_poll_ms: Option<u64>,
    workers: Option<usize>,
    queue_capacity: Option<usize>,
    record: Option<PathBuf>,
}

fn or_file<T>(cli: Option<T>, file: Option<T>) -> Option<T> {
    cli.or(file)
}

fn list_or_file(cli: Vec<String>, file: Vec<String>) -> Vec<String> {
    let cli: Vec<String> = cli
        .into_iter()
        .map(|u| u.trim().to_string())
        .filter(|u| !u.is_empty())
        .collect();
    if cli.is_empty() {
        file
    } else {
        cli
    }
}

/// The options after precedence, before the key is loaded.
#[derive(Debug)]
struct Resolved {
    network: Network,
    beacon_urls: Vec<String>,
    eth_urls: Vec<String>,
    data_dir: PathBuf,
    keystore: PathBuf,
    password_file: PathBuf,
    p2p_port: u16,
    p2p_address: IpAddr,
    peers: Vec<libp2p::Multiaddr>,
    discovery_port: u16,
    boot_enrs: Vec<String>,
    http_address: IpAddr,
    api_port: u16,
    metrics_port: u16,
    sync: SyncConfig,
    workers: usize,
    queue_capacity: usize,
    record: Option<PathBuf>,
}

fn read_file(path: &Path) -> Result<FileConfig, String> {
    let text =
        std::fs::read_to_string(path).map_err(|e| format!("--config {}: {e}", path.display()))?;
    toml::from_str(&text).map_err(|e| format!("--config {}: {e}", path.display()))
}

fn resolve(a: NodeArgs) -> Result<Resolved, String> {
    let f = match &a.config {
        Some(path) => read_file(path)?,
        None => FileConfig::default(),
    };
    let network = match or_file(a.network_config, f.network_config) {
        Some(path) => Network::from_file(&path),
        None => Network::preset(&or_file(a.network, f.network).unwrap_or_else(|| "mainnet".into())),
    }
    .map_err(|e| e.to_string())?;
    let beacon_urls = list_or_file(a.beacon_url, f.beacon_url);
    if beacon_urls.is_empty() {
        return Err("--beacon-url: no beacon node URL given (flag, ANCHOR_BEACON_URLS or beacon-url in the config file)".into());
    }
    let eth_urls = list_or_file(a.eth_url, f.eth_url);
    if eth_urls.is_empty() {
        return Err("--eth-url: no execution node URL given (flag, ANCHOR_ETH_URLS or eth-url in the config file)".into());
    }
    let keystore = or_file(a.operator_keystore, f.operator_keystore)
        .ok_or("--operator-keystore: not given (flag, ANCHOR_OPERATOR_KEYSTORE or operator-keystore in the config file)")?;
    let password_file = or_file(a.password_file, f.password_file)
        .ok_or("--password-file: not given (flag, ANCHOR_PASSWORD_FILE or password-file in the config file)")?;
    let peers = list_or_file(a.peer, f.peer)
        .iter()
        .map(|p| p.parse().map_err(|e| format!("--peer {p:?}: {e}")))
        .collect::<Result<Vec<_>, String>>()?;
    let eth_batch_blocks = or_file(a.eth_batch_blocks, f.eth_batch_blocks).unwrap_or(200);
    if !(1..=anchor_runtime::eth::MAX_BATCH).contains(&eth_batch_blocks) {
        return Err(format!(
            "--eth-batch-blocks {eth_batch_blocks}: must be 1 to {}",
            anchor_runtime::eth::MAX_BATCH
        ));
    }
    let workers = or_file(a.workers, f.workers)
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(2, |n| n.get()));
    if workers == 0 {
        return Err("--workers: must be at least 1".into());
    }
    Ok(Resolved {
        network,
        beacon_urls,
        eth_urls,
        data_dir: or_file(a.data_dir, f.data_dir).unwrap_or_else(|| "./data".into()),
        keystore,
        password_file,
        p2p_port: or_file(a.p2p_port, f.p2p_port).unwrap_or(13001),
        p2p_address: or_file(a.p2p_address, f.p2p_address).unwrap_or([0, 0, 0, 0].into()),
        peers,
        discovery_port: or_file(a.discovery_port, f.discovery_port).unwrap_or(12001),
        boot_enrs: list_or_file(a.boot_enr, f.boot_enr),
        http_address: or_file(a.http_address, f.http_address).unwrap_or([127, 0, 0, 1].into()),
        api_port: or_file(a.api_port, f.api_port).unwrap_or(16000),
        metrics_port: or_file(a.metrics_port, f.metrics_port).unwrap_or(15000),
        sync: SyncConfig {
            deploy_block: 0, // set from the network below
            follow_distance: or_file(a.follow_distance, f.follow_distance).unwrap_or(8),
            poll_interval: Duration::from_millis(
                or_file(a.eth_poll_ms, f.eth_poll_ms).unwrap_or(2000),
            ),
            progress: false,
            max_batch: eth_batch_blocks,
        },
        workers,
        queue_capacity: or_file(a.queue_capacity, f.queue_capacity).unwrap_or(4096),
        record: or_file(a.record, f.record),
    })
}

/// Runs `node` until SIGINT or SIGTERM.
pub fn node(args: NodeArgs) -> Result<(), String> {
    let mut r = resolve(args)?;
    r.sync.deploy_block = r.network.deploy_block;
    std::fs::create_dir_all(&r.data_dir)
        .map_err(|e| format!("--data-dir {}: {e}", r.data_dir.display()))?;
    let _lock = lock_data_dir(&r.data_dir).map_err(|e| e.to_string())?;
    let keystore = if r.keystore.is_dir() {
        r.keystore.join(KEYSTORE_FILE)
    } else {
        r.keystore.clone()
    };
    let key =
        Arc::new(keys::load_operator_key(&keystore, &r.password_file).map_err(|e| e.to_string())?);
    let settings = NodeSettings {
        network: r.network,
        beacon_urls: r.beacon_urls,
        eth_urls: r.eth_urls,
        data_dir: r.data_dir,
        key,
        p2p_port: r.p2p_port,
        p2p_address: r.p2p_address,
        static_peers: r.peers,
        discovery_port: r.discovery_port,
        boot_enrs: r.boot_enrs,
        http_address: r.http_address,
        api_port: r.api_port,
        metrics_port: r.metrics_port,
        sync: r.sync,
        workers: r.workers,
        queue_capacity: r.queue_capacity,
        record: r.record,
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    runtime.block_on(async move {
        let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
        tokio::spawn(async move {
            crate::cli::shutdown_signal().await;
            tracing::info!("shutting down: no new work; the database is flushed on exit");
            let _ = stop_tx.send(true);
        });
        run_node(settings, stop_rx).await
    })?;
    // Tasks still running (network, HTTP) end with the runtime.
    tracing::info!("stopped");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args() -> NodeArgs {
        NodeArgs {
            beacon_url: vec!["http://flag".into()],
            eth_url: vec!["http://eth".into()],
            operator_keystore: Some("k.json".into()),
            password_file: Some("p".into()),
            ..NodeArgs::default()
        }
    }

    #[test]
    fn flags_beat_the_file_and_the_file_beats_defaults() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("node.toml");
        std::fs::write(
            &file,
            "beacon-url = [\"http://file\"]\napi-port = 17000\nmetrics-port = 17001\nnetwork = \"hoodi\"\n",
        )
        .unwrap();
        let mut a = args();
        a.config = Some(file);
        a.metrics_port = Some(9999);
        let r = resolve(a).unwrap();
        assert_eq!(r.beacon_urls, vec!["http://flag".to_string()]);
        assert_eq!(r.metrics_port, 9999);
        assert_eq!(r.api_port, 17000);
        assert_eq!(r.network.name, "hoodi");
        assert_eq!(r.p2p_port, 13001);
        assert_eq!(r.record, None);
    }

    #[test]
    fn record_comes_from_the_flag_or_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("node.toml");
        std::fs::write(&file, "record = \"file.trace\"\n").unwrap();
        let mut a = args();
        a.config = Some(file.clone());
        assert_eq!(
            resolve(a).unwrap().record,
            Some(PathBuf::from("file.trace"))
        );
        let mut a = args();
        a.config = Some(file);
        a.record = Some("flag.trace".into());
        assert_eq!(
            resolve(a).unwrap().record,
            Some(PathBuf::from("flag.trace"))
        );
    }

    #[test]
    fn missing_and_bad_values_name_their_option() {
        let mut a = args();
        a.beacon_url.clear();
        assert!(resolve(a).unwrap_err().contains("--beacon-url"));
        let mut a = args();
        a.peer = vec!["not an address".into()];
        assert!(resolve(a).unwrap_err().contains("--peer"));
        let mut a = args();
        a.eth_batch_blocks = Some(0);
        assert!(resolve(a).unwrap_err().contains("--eth-batch-blocks"));
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("bad.toml");
        std::fs::write(&file, "no-such-option = 1\n").unwrap();
        let mut a = args();
        a.config = Some(file);
        assert!(resolve(a).unwrap_err().contains("no-such-option"));
    }
}
