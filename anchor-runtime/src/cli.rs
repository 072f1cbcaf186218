//! The command line: every option also from an environment variable.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use anchor_runtime::eth::{EventSyncer, ExecutionClient, SyncConfig};
use anchor_runtime::keys::{self, KEYSTORE_FILE};
use anchor_runtime::lock::lock_data_dir;
use anchor_runtime::network::Network;
use anchor_runtime::store::{network_identity, Store};
use clap::{Args, Parser, Subcommand};
use ssv_protocol::contract::Address;
use ssv_protocol::operator_key::OperatorPublicKey;
use ssv_protocol::threshold;

/// The SSV operator node.
#[derive(Parser, Debug)]
#[command(name = "anchor-runtime", version, about)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Run the operator node: execution sync, libp2p, the beacon node and the
    /// duties of every validator we hold a share of.
    Node(Box<crate::node_cmd::NodeArgs>),
    /// Follow the SSV contract's events into the database (historical, then live).
    Sync(SyncArgs),
    /// Write a new RSA-2048 operator key, encrypted with a password, and print
    /// its public key in the form the SSV contract takes.
    Keygen(KeygenArgs),
    /// Split a validator key into encrypted shares for a committee and print the
    /// ValidatorAdded payload (local networks and tests).
    Keysplit(KeysplitArgs),
    /// Print the database's registry as canonical JSON.
    DbDump(DbDumpArgs),
    /// Replay a trace written by `node --record`: rebuild the node machine from
    /// its header, feed every input and compare the outputs; prints the first
    /// divergence, or `replayed N inputs, 0 divergences, Xx real time`.
    Replay(ReplayArgs),
}

#[derive(Args, Debug)]
struct ReplayArgs {
    /// The trace file.
    file: PathBuf,
    /// Stop after every input: print it, then wait for a line on stdin
    /// (enter: next, s: the machine's state, c: continue, q: quit).
    #[arg(long)]
    step: bool,
    /// Stop at the first input at or after this slot's start and print the
    /// machine's state there.
    #[arg(long)]
    until: Option<u64>,
}

/// Which network: a preset or a local network's file.
#[derive(Args, Debug)]
struct NetworkArgs {
    /// Network preset: mainnet, holesky, hoodi or sepolia.
    #[arg(long, env = "ANCHOR_NETWORK", default_value = "mainnet")]
    network: String,
    /// A local network's TOML file (name, contract, deploy_block, domain);
    /// takes precedence over --network.
    #[arg(long, env = "ANCHOR_NETWORK_CONFIG")]
    network_config: Option<PathBuf>,
}

impl NetworkArgs {
    fn resolve(&self) -> Result<Network, String> {
        match &self.network_config {
            Some(path) => Network::from_file(path),
            None => Network::preset(&self.network),
        }
        .map_err(|e| e.to_string())
    }
}

#[derive(Args, Debug)]
struct SyncArgs {
    #[command(flatten)]
    network: NetworkArgs,
    /// Execution node URLs (ws:// for live heads, or http://), tried in order;
    /// repeat the flag or separate with ';'.
    #[arg(
        long = "eth-url",
        env = "ANCHOR_ETH_URLS",
        value_delimiter = ';',
        required = true
    )]
    eth_urls: Vec<String>,
    /// Data directory (database and lock file).
    #[arg(long, env = "ANCHOR_DATA_DIR", default_value = "./data")]
    data_dir: PathBuf,
    /// The operator's keystore (encrypted_private_key.json); without it the node
    /// follows the registry but holds no shares.
    #[arg(long, env = "ANCHOR_OPERATOR_KEYSTORE", requires = "password_file")]
    operator_keystore: Option<PathBuf>,
    /// File holding the keystore's password.
    #[arg(long, env = "ANCHOR_PASSWORD_FILE")]
    password_file: Option<PathBuf>,
    /// Blocks to stay behind the execution head.
    #[arg(long, env = "ANCHOR_FOLLOW_DISTANCE", default_value_t = 8)]
    follow_distance: u64,
    /// The largest eth_getLogs range in blocks (1 to 200; lower it for
    /// providers that limit ranges).
    #[arg(long, env = "ANCHOR_ETH_BATCH_BLOCKS", default_value_t = 200)]
    eth_batch_blocks: u64,
    /// Address the API and metrics endpoints listen on.
    #[arg(long, env = "ANCHOR_HTTP_ADDRESS", default_value = "127.0.0.1")]
    http_address: std::net::IpAddr,
    /// Port of the node API (/v1/node/...); 0 turns it off.
    #[arg(long, env = "ANCHOR_API_PORT", default_value_t = 16000)]
    api_port: u16,
    /// Port of the Prometheus metrics endpoint (/metrics); 0 turns it off.
    #[arg(long, env = "ANCHOR_METRICS_PORT", default_value_t = 15000)]
    metrics_port: u16,
    /// Head polling interval for http:// endpoints, in milliseconds.
    #[arg(long, env = "ANCHOR_ETH_POLL_MS", default_value_t = 2000)]
    poll_interval_ms: u64,
}

#[derive(Args, Debug)]
struct KeygenArgs {
    /// File holding the password to encrypt the key with.
    #[arg(long, env = "ANCHOR_PASSWORD_FILE")]
    password_file: PathBuf,
    /// Directory to write encrypted_private_key.json into (never overwritten).
    #[arg(long, env = "ANCHOR_KEY_DIR", default_value = ".")]
    out_dir: PathBuf,
}

#[derive(Args, Debug)]
struct KeysplitArgs {
    /// The validator's secret key, hex.
    #[arg(
        long,
        conflicts_with = "interop_index",
        required_unless_present = "interop_index"
    )]
    validator_key: Option<String>,
    /// Use the standard interop validator key with this index instead.
    #[arg(long)]
    interop_index: Option<u64>,
    /// A committee member: ID=KEY, where KEY is the base64 PEM public key or the
    /// path of its keystore (its public key is read; no password needed). Repeat
    /// for each member, in order.
    #[arg(long = "operator", required = true)]
    operators: Vec<String>,
    /// The cluster owner's address.
    #[arg(long)]
    owner: String,
    /// The owner's nonce to sign for (its number of earlier ValidatorAdded events).
    #[arg(long, default_value_t = 0)]
    nonce: u64,
}

#[derive(Args, Debug)]
struct DbDumpArgs {
    /// Data directory.
    #[arg(long, env = "ANCHOR_DATA_DIR", default_value = "./data")]
    data_dir: PathBuf,
}

/// Runs the parsed command.
pub fn run(cli: Cli) -> Result<(), String> {
    match cli.command {
        Command::Node(args) => crate::node_cmd::node(*args),
        Command::Sync(args) => sync(args),
        Command::Keygen(args) => keygen(args),
        Command::Keysplit(args) => keysplit(args),
        Command::Replay(args) => replay(args),
        Command::DbDump(args) => {
            let store = Store::open_read_only(&Store::file_in(&args.data_dir))
                .map_err(|e| e.to_string())?;
            let dump = anchor_runtime::dump::store_json(&store).map_err(|e| e.to_string())?;
            println!(
                "{}",
                serde_json::to_string_pretty(&dump).map_err(|e| e.to_string())?
            );
            Ok(())
        }
    }
}

fn replay(args: ReplayArgs) -> Result<(), String> {
    let opts = anchor_runtime::trace::ReplayOptions {
        step: args.step,
        until_slot: args.until,
    };
    let mut out = std::io::stdout();
    let outcome = anchor_runtime::trace::replay_file(&args.file, &opts, &mut out)?;
    println!("{}", outcome.last_line());
    if outcome.matched() {
        Ok(())
    } else {
        Err("the replay did not match the recording".into())
    }
}

fn keygen(args: KeygenArgs) -> Result<(), String> {
    let pem = keys::generate_operator_key().map_err(|e| e.to_string())?;
    let (path, public) = keys::write_keystore(&pem, &args.password_file, &args.out_dir)
        .map_err(|e| e.to_string())?;
    eprintln!("wrote {}", path.display());
    println!("{public}");
    Ok(())
}

fn operator_public_key(spec: &str) -> Result<OperatorPublicKey, String> {
    let path = Path::new(spec);
    if path.is_file() || spec.ends_with(".json") {
        let text = std::fs::read_to_string(path).map_err(|e| format!("{spec}: {e}"))?;
        let json: serde_json::Value =
            serde_json::from_str(&text).map_err(|e| format!("{spec}: {e}"))?;
        let b64 =
            keys::keystore::public_key(&json).ok_or_else(|| format!("{spec}: no pubkey field"))?;
        return OperatorPublicKey::from_base64_pem(b64.as_bytes())
            .map_err(|e| format!("{spec}: {e}"));
    }
    OperatorPublicKey::from_base64_pem(spec.as_bytes()).map_err(|e| format!("operator key: {e}"))
}

fn keysplit(args: KeysplitArgs) -> Result<(), String> {
    let validator = match (&args.validator_key, args.interop_index) {
        (Some(hex_key), _) => {
            let bytes = hex::decode(hex_key.trim_start_matches("0x"))
                .map_err(|_| "--validator-key is not hex")?;
            threshold::SecretKey::from_bytes(&bytes)
                .map_err(|_| "--validator-key is not a BLS secret key")?
        }
        (None, Some(i)) => threshold::interop_secret_key(i).map_err(|e| e.to_string())?,
        (None, None) => return Err("give --validator-key or --interop-index".into()),
    };
    let mut operators = Vec::new();
    for spec in &args.operators {
        let (id, key) = spec
            .split_once('=')
            .ok_or_else(|| format!("--operator {spec:?}: expected ID=KEY"))?;
        let id: u64 = id
            .parse()
            .map_err(|_| format!("--operator {spec:?}: ID is not a number"))?;
        operators.push((id, operator_public_key(key)?));
    }
    let owner = Address::from_hex(&args.owner).ok_or("--owner is not a 20-byte hex address")?;
    let split = keys::split_validator(&validator, &operators, &owner, args.nonce)
        .map_err(|e| e.to_string())?;
    println!(
        "{}",
        serde_json::to_string_pretty(&split).map_err(|e| e.to_string())?
    );
    Ok(())
}

fn sync(args: SyncArgs) -> Result<(), String> {
    let network = args.network.resolve()?;
    let _lock = lock_data_dir(&args.data_dir).map_err(|e| e.to_string())?;
    let key = match (&args.operator_keystore, &args.password_file) {
        (Some(keystore), Some(password)) => {
            let path = if keystore.is_dir() {
                keystore.join(KEYSTORE_FILE)
            } else {
                keystore.clone()
            };
            Some(Arc::new(
                keys::load_operator_key(&path, password).map_err(|e| e.to_string())?,
            ))
        }
        _ => None,
    };
    let store = Store::open(
        &Store::file_in(&args.data_dir),
        &network_identity(&network.name, network.domain),
    )
    .map_err(|e| e.to_string())?;
    let urls: Vec<String> = args
        .eth_urls
        .iter()
        .map(|u| u.trim().to_string())
        .filter(|u| !u.is_empty())
        .collect();
    if urls.is_empty() {
        return Err("--eth-url: no execution node URL given".into());
    }
    let client = ExecutionClient::new(urls, &network.contract);
    let config = SyncConfig {
        deploy_block: network.deploy_block,
        follow_distance: args.follow_distance,
        poll_interval: Duration::from_millis(args.poll_interval_ms),
        progress: true,
        max_batch: args.eth_batch_blocks,
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    let store_path = Store::file_in(&args.data_dir);
    let http = (args.http_address, args.api_port, args.metrics_port);
    let network_name = network.name.clone();
    runtime.block_on(async move {
        let (syncer, sync_status) = EventSyncer::new(client, store, key, config).map_err(|e| e.to_string())?;
        start_http(http, network_name, store_path, sync_status)?;
        let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
        tokio::spawn(async move {
            shutdown_signal().await;
            tracing::info!("shutting down");
            let _ = stop_tx.send(true);
        });
        tracing::info!(network = %network.name, contract = %network.contract, "execution sync starting");
        syncer.run(stop_rx).await.map_err(|e| e.to_string())
    })
}

/// Starts the API and metrics endpoints, and a task keeping their status
/// current from the syncer and the database.
fn start_http(
    (address, api_port, metrics_port): (std::net::IpAddr, u16, u16),
    network: String,
    store_path: PathBuf,
    sync_status: tokio::sync::watch::Receiver<anchor_runtime::eth::SyncStatus>,
) -> Result<(), String> {
    use anchor_runtime::api::{self, Component, NodeStatus, SharedStatus};
    let status: SharedStatus = Default::default();
    if metrics_port != 0 {
        let handle = api::install_metrics()?;
        let addr = std::net::SocketAddr::new(address, metrics_port);
        tokio::spawn(async move {
            if let Err(e) = api::serve(addr, api::metrics_router(handle)).await {
                tracing::error!(error = %e, "metrics endpoint stopped");
            }
        });
    }
    if api_port != 0 {
        let addr = std::net::SocketAddr::new(address, api_port);
        let router = api::api_router(status.clone());
        tokio::spawn(async move {
            if let Err(e) = api::serve(addr, router).await {
                tracing::error!(error = %e, "API stopped");
            }
        });
    }
    tokio::spawn(async move {
        // The registry part is read again only when a new block was stored.
        let mut loaded_at: Option<Option<u64>> = None;
        let (mut operator_id, mut validators) = (None, Vec::new());
        loop {
            let sync = sync_status.borrow().clone();
            if loaded_at != Some(sync.last_block) {
                if let Ok(state) =
                    Store::open_read_only(&store_path).and_then(|s| s.load_registry())
                {
                    operator_id = state.own_operator;
                    validators = state
                        .validators
                        .iter()
                        .filter(|(_, v)| v.own_encrypted_share.is_some())
                        .map(|(pk, v)| (format!("0x{}", hex::encode(pk)), None, v.liquidated))
                        .collect();
                    loaded_at = Some(sync.last_block);
                }
            }
            let mut next = NodeStatus::default();
            next.identity.version = env!("CARGO_PKG_VERSION").to_string();
            next.identity.network = network.clone();
            next.identity.operator_id = operator_id;
            next.validators = validators.clone();
            let detail = match (&sync.last_error, sync.last_block, sync.head) {
                (Some(e), _, _) => e.clone(),
                (None, last, head) => format!(
                    "{} sync at block {} of head {}",
                    if sync.live { "live" } else { "historical" },
                    last.map_or("none".into(), |b| b.to_string()),
                    head.map_or("unknown".into(), |h| h.to_string())
                ),
            };
            next.health.insert(
                "execution".into(),
                Component {
                    ok: sync.last_error.is_none() && sync.head.is_some(),
                    detail,
                },
            );
            if let Ok(mut s) = status.write() {
                *s = next;
            }
            // Once a second at most: the database is opened for each refresh.
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
    });
    Ok(())
}

/// SIGINT or SIGTERM.
pub(crate) async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(s) => s,
                Err(_) => {
                    let _ = ctrl_c.await;
                    return;
                }
            };
        tokio::select! {
            _ = ctrl_c => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = ctrl_c.await;
    }
}
