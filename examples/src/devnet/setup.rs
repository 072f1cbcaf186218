//! Starting the devnet: tools, anvil and the contract, 4 operator keys and
//! their registration, the shared validators' key splits and registration,
//! Lodestar, and the 4 `anchor-runtime node` processes.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use alloy::primitives::Bytes;
use anchor_runtime::devnet::contract::{operator_key_payload, u256, Chain, Registry};
use anchor_runtime::devnet::lodestar::{self, Lodestar};
use anchor_runtime::devnet::tools::{Anvil, Devtools};
use anchor_runtime::devnet::{free_port, target_dir};

use super::{GENESIS_VALIDATORS, OPERATORS, SHARED_VALIDATORS};

/// One operator's node process and its ports.
#[derive(Debug)]
pub struct Operator {
    /// Its ID on the contract.
    pub id: u64,
    /// Its data directory.
    pub dir: PathBuf,
    /// Its node process, while it runs.
    pub child: Option<Child>,
    /// Its metrics port.
    pub metrics_port: u16,
    /// Its API port.
    pub api_port: u16,
    /// Where its node records a trace, if it does.
    pub record: Option<PathBuf>,
}

/// Everything running.
#[derive(Debug)]
pub struct Devnet {
    /// The beacon chain.
    pub lodestar: Lodestar,
    /// The execution chain.
    pub anvil: Anvil,
    /// The operators.
    pub operators: Vec<Operator>,
    /// Genesis time, Unix seconds.
    pub genesis_time: u64,
    /// The shared validators' indices.
    pub shared: Vec<u64>,
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

fn port() -> Result<u16, String> {
    free_port().map_err(|e| format!("free port: {e}"))
}

/// Builds `anchor-runtime` in release (a no-op when it is up to date) and
/// returns its path.
pub fn build_node_binary() -> Result<PathBuf, String> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let status = Command::new(cargo)
        .args([
            "build",
            "--release",
            "-q",
            "-p",
            "anchor-runtime",
            "--bin",
            "anchor-runtime",
        ])
        .status()
        .map_err(|e| format!("cargo: {e}"))?;
    if !status.success() {
        return Err("building anchor-runtime failed".into());
    }
    Ok(target_dir().join("release/anchor-runtime"))
}

fn run(bin: &Path, args: &[&str]) -> Result<String, String> {
    let out = Command::new(bin)
        .args(args)
        .output()
        .map_err(|e| format!("anchor-runtime {}: {e}", args[0]))?;
    if !out.status.success() {
        return Err(format!(
            "anchor-runtime {}: {}",
            args[0],
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
}

/// Starts the devnet under `work` (emptied first).
/// `record`: operator 1's node writes a trace of its inputs to this file.
pub async fn start(bin: &Path, work: &Path, record: Option<&Path>) -> Result<Devnet, String> {
    let _ = std::fs::remove_dir_all(work);
    std::fs::create_dir_all(work).map_err(|e| format!("{}: {e}", work.display()))?;
    println!("installing tools (cached after the first run)...");
    let tools = Devtools::ensure()?;
    let lodestar_dir = lodestar::ensure_installed()?;

    // The execution chain: a block a second, the contract, 4 operators.
    let anvil = Anvil::start(&tools, Some(1))?;
    let bytecode = tools.compile("SSVTestRegistry.sol", "SSVTestRegistry")?;
    let chain = Chain::deploy(&anvil.http_url(), bytecode).await?;
    let deploy_block = chain.head().await?;
    let (admin, owner) = (chain.accounts[0], chain.accounts[1]);
    let mut keys = Vec::new();
    for i in 1..=OPERATORS {
        let dir = work.join(format!("operator-{i}"));
        std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
        std::fs::write(dir.join("password"), format!("devnet-password-{i}\n"))
            .map_err(|e| e.to_string())?;
        let public = run(
            bin,
            &[
                "keygen",
                "--password-file",
                &dir.join("password").to_string_lossy(),
                "--out-dir",
                &dir.to_string_lossy(),
            ],
        )?;
        let call = Registry::registerOperatorCall {
            publicKey: operator_key_payload(&public),
            fee: u256(0),
        };
        chain.send(admin, call).await?;
        keys.push((i, dir, public));
    }
    println!("registered operators 1..={OPERATORS} on {}", chain.contract);

    // The shared validators: the first interop keys (two of them hold
    // sync-committee seats in the first periods of this dev genesis), split
    // 3-of-4.
    let shared: Vec<u64> = (0..SHARED_VALIDATORS).collect();
    let owner_hex = format!("{owner:#x}");
    for (nonce, index) in shared.iter().enumerate() {
        let mut args: Vec<String> = vec![
            "keysplit".into(),
            "--interop-index".into(),
            index.to_string(),
            "--owner".into(),
            owner_hex.clone(),
            "--nonce".into(),
            nonce.to_string(),
        ];
        for (id, _, public) in &keys {
            args.push("--operator".into());
            args.push(format!("{id}={public}"));
        }
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        let split: serde_json::Value =
            serde_json::from_str(&run(bin, &refs)?).map_err(|e| format!("keysplit output: {e}"))?;
        let hex_field = |name: &str| -> Result<Bytes, String> {
            split[name]
                .as_str()
                .and_then(|s| hex::decode(s.trim_start_matches("0x")).ok())
                .map(Bytes::from)
                .ok_or_else(|| format!("keysplit output: no {name}"))
        };
        let call = Registry::registerValidatorCall {
            publicKey: hex_field("publicKey")?,
            operatorIds: (1..=OPERATORS).collect(),
            shares: hex_field("sharesData")?,
        };
        chain.send(owner, call).await?;
    }
    println!("registered validators {shared:?} (3-of-4 shares)");

    let network_file = work.join("network.toml");
    std::fs::write(
        &network_file,
        format!(
            "name = \"devnet\"\ncontract = \"{:#x}\"\ndeploy_block = {deploy_block}\ndomain = \"0x000000ff\"\n",
            chain.contract
        ),
    )
    .map_err(|e| e.to_string())?;

    // The beacon chain: genesis far enough ahead for the nodes to start.
    let genesis_time = unix_now() + 25;
    let lodestar = Lodestar::start_with_slot(
        &lodestar_dir,
        &work.join("lodestar"),
        GENESIS_VALIDATORS,
        &format!("{SHARED_VALIDATORS}..{}", GENESIS_VALIDATORS - 1),
        Some(genesis_time),
        Some(super::SECONDS_PER_SLOT),
    )?;
    println!(
        "Lodestar at {} (genesis in {} s)",
        lodestar.url(),
        genesis_time.saturating_sub(unix_now())
    );

    // The nodes, each dialing the others.
    let p2p_ports: Vec<u16> = (0..OPERATORS).map(|_| port()).collect::<Result<_, _>>()?;
    let mut operators = Vec::new();
    for (k, (id, dir, _)) in keys.into_iter().enumerate() {
        let (api_port, metrics_port) = (port()?, port()?);
        let peers: Vec<String> = p2p_ports
            .iter()
            .enumerate()
            .filter(|(j, _)| *j != k)
            .map(|(_, p)| format!("/ip4/127.0.0.1/tcp/{p}"))
            .collect();
        let mut op = Operator {
            id,
            dir,
            child: None,
            metrics_port,
            api_port,
            record: record.filter(|_| k == 0).map(Path::to_path_buf),
        };
        op.child = Some(spawn_node(
            bin,
            &op,
            &network_file,
            &lodestar.url(),
            &anvil.ws_url(),
            p2p_ports[k],
            &peers,
        )?);
        operators.push(op);
    }
    println!(
        "started {OPERATORS} anchor-runtime nodes (logs: {}/operator-*/node.log)",
        work.display()
    );
    Ok(Devnet {
        lodestar,
        anvil,
        operators,
        genesis_time,
        shared,
    })
}

fn spawn_node(
    bin: &Path,
    op: &Operator,
    network_file: &Path,
    beacon: &str,
    eth: &str,
    p2p_port: u16,
    peers: &[String],
) -> Result<Child, String> {
    let log = std::fs::File::create(op.dir.join("node.log")).map_err(|e| e.to_string())?;
    let mut cmd = Command::new(bin);
    if let Some(path) = &op.record {
        let _ = std::fs::remove_file(path);
        cmd.arg("node").arg("--record").arg(path);
    } else {
        cmd.arg("node");
    }
    cmd.arg("--network-config")
        .arg(network_file)
        .args(["--beacon-url", beacon, "--eth-url", eth])
        .arg("--data-dir")
        .arg(op.dir.join("data"))
        .arg("--operator-keystore")
        .arg(&op.dir)
        .arg("--password-file")
        .arg(op.dir.join("password"))
        .args([
            "--p2p-address",
            "127.0.0.1",
            "--p2p-port",
            &p2p_port.to_string(),
        ])
        .args([
            "--api-port",
            &op.api_port.to_string(),
            "--metrics-port",
            &op.metrics_port.to_string(),
        ])
        .args([
            "--follow-distance",
            "2",
            "--eth-poll-ms",
            "500",
            "--workers",
            "1",
        ])
        .args(["--peer", &peers.join(";")])
        // The 4 nodes know each other's addresses: no discovery (whose
        // default UDP port they would all want).
        .args(["--discovery-port", "0"])
        .env(
            "RUST_LOG",
            std::env::var("RUST_LOG").unwrap_or_else(|_| "info".into()),
        )
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .map_err(|e| format!("start node {}: {e}", op.id))
}

impl Devnet {
    /// Stops every node: SIGTERM (clean shutdown), SIGKILL after 5 s.
    pub fn stop_nodes(&mut self) {
        for op in &mut self.operators {
            if let Some(child) = &op.child {
                let _ = Command::new("kill")
                    .arg("-TERM")
                    .arg(child.id().to_string())
                    .status();
            }
        }
        let deadline = std::time::Instant::now() + Duration::from_secs(5);
        for op in &mut self.operators {
            if let Some(mut child) = op.child.take() {
                loop {
                    if let Ok(Some(_)) = child.try_wait() {
                        break;
                    }
                    if std::time::Instant::now() > deadline {
                        let _ = child.kill();
                        let _ = child.wait();
                        break;
                    }
                    std::thread::sleep(Duration::from_millis(100));
                }
            }
        }
    }

    /// SIGKILLs operator `k` (0-based).
    pub fn kill(&mut self, k: usize) {
        if let Some(mut child) = self.operators.get_mut(k).and_then(|o| o.child.take()) {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for Devnet {
    fn drop(&mut self) {
        self.stop_nodes();
        self.lodestar.stop(Duration::from_secs(3));
    }
}
